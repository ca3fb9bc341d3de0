/**
 * `npm run bench:relay`: latency from an append's COMMIT to the consumer's handler, through the outbox
 * relay, Kafka and the consumer runner (inbox transaction included), at a steady rate; beside a baseline
 * of a bare kafkajs produce → consume round trip at the same rate, message size and partitions.
 *
 * Both sides run in this one process, so send/commit and receipt times come from the same clock.
 * Environment: DATABASE_URL, KAFKA_BROKERS, BENCH_RATE (events/s, default 200), BENCH_SECONDS
 * (default 30), BENCH_CASES (default 50), BENCH_MAX_WAIT_MS (consumer fetch wait, default 100).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { EventStore, eventStoreMigrations, type NewEvent } from '#libs/event-store';
import {
  ConsumerRunner,
  encodeRecordedEvent,
  KafkaTransport,
  type MessagingLogger,
  messagingMigrations,
  OutboxRelay,
  type Transport,
} from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leak_response';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const cases = Number(process.env.BENCH_CASES ?? 50);
const maxWaitTimeInMs = Number(process.env.BENCH_MAX_WAIT_MS ?? 100);
const partitions = 3;
const suffix = randomBytes(4).toString('hex');

/** kafkajs and library warnings go to stderr; the table goes to stdout. */
const logger: MessagingLogger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => console.warn('warn', msg, JSON.stringify(obj)),
  error: (obj, msg) => console.error('error', msg, JSON.stringify(obj)),
};

/** The report goes to stdout (biome's console rule covers library code, and this file lives in a lib). */
function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

interface Result {
  name: string;
  sent: number;
  latenciesMs: number[];
  durationMs: number;
}

/**
 * Calls `send(i)` `rate` times a second for `seconds`, on a fixed schedule (a late tick does not push
 * the following ones back), without waiting for one send before starting the next.
 */
async function steady(send: (index: number) => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(send(index));
  }
  await Promise.all(inFlight);
  return total;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function caseEvent(caseId: string, version: number): NewEvent {
  return {
    type: 'IncidentReported',
    data: { contractId: `contract-${caseId.slice(0, 8)}`, caseNumber: `N-${version}` },
    metadata: {
      eventId: randomUUID(),
      caseId,
      occurredAt: new Date().toISOString(),
      actor: { id: 'system:bench', kind: 'system' },
    },
  };
}

/** `inner` with some methods replaced (to take times around them). */
function delegate(inner: Transport, overrides: Partial<Transport>): Transport {
  return {
    publish: (messages) => inner.publish(messages),
    subscribe: (options, handler) => inner.subscribe(options, handler),
    ensureTopics: (topics) => inner.ensureTopics(topics),
    ping: () => inner.ping(),
    close: () => inner.close(),
    ...overrides,
  };
}

/** Milliseconds from each id's time in `from` to its time in `to` (ids missing from `to` are left out). */
function between(from: Map<string, number>, to: Map<string, number>): number[] {
  return [...from].flatMap(([id, at]) => {
    const later = to.get(id);
    return later === undefined ? [] : [later - at];
  });
}

async function migratedDataSource(
  name: string,
  poolSize: number,
  migrations: DataSourceOptions['migrations'],
) {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    extra: { max: poolSize, application_name: name },
    migrations,
    migrationsTableName: `${name.replaceAll('-', '_')}_${suffix}_migrations`,
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/**
 * The outbox path: append (commit) → NOTIFY → relay → Kafka → consumer runner (inbox tx) → handler.
 * As in production, the producing service (store + relay) and the consuming service (runner) have
 * their own connection pools, schemas and Kafka clients.
 */
async function benchRelay(): Promise<Result & { messageBytes: number; parts: Result[] }> {
  const producerSchema = `bench_producer_${suffix}`;
  const consumerSchema = `bench_consumer_${suffix}`;
  const topic = `bench.relay.${suffix}.v1`;
  const groupId = `bench.relay.${suffix}`;
  const producerDb = await migratedDataSource('bench-producer', 10, eventStoreMigrations(producerSchema));
  const consumerDb = await migratedDataSource('bench-consumer', 5, messagingMigrations(consumerSchema));
  const store = new EventStore(producerDb, { schema: producerSchema });
  const producerKafka = new KafkaTransport({ brokers, clientId: 'bench-producer', logger });
  const consumerKafka = new KafkaTransport({
    brokers,
    clientId: 'bench-consumer',
    logger,
    consumer: { maxWaitTimeInMs },
  });
  await producerKafka.ensureTopics([topic]);

  const committedAt = new Map<string, number>();
  const readAt = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  let messageBytes = 0;

  // Wrappers that only take times: when the broker acknowledged, when the consumer got the message.
  const timedProducer = delegate(producerKafka, {
    publish: async (messages) => {
      await producerKafka.publish(messages);
      const now = performance.now();
      for (const message of messages) ackedAt.set(message.headers['event-id'], now);
    },
  });
  const timedConsumer = delegate(consumerKafka, {
    subscribe: (options, handler) =>
      consumerKafka.subscribe(options, (message) => {
        arrivedAt.set(message.headers['event-id'], performance.now());
        return handler(message);
      }),
  });

  const runner = new ConsumerRunner({
    dataSource: consumerDb,
    schema: consumerSchema,
    groupId,
    topics: [topic],
    transport: timedConsumer,
    logger,
    handler: async (envelope) => {
      receivedAt.set(envelope.eventId, performance.now());
    },
  });
  const relay = new OutboxRelay({
    eventStore: store,
    transport: timedProducer,
    encode: (recorded) => {
      readAt.set(recorded.eventId, performance.now());
      const message = { ...encodeRecordedEvent(recorded), topic };
      messageBytes = message.value.byteLength;
      return message;
    },
    listenConnection: databaseUrl,
    pollIntervalMs: 500,
    logger,
  });

  const caseIds: string[] = Array.from({ length: cases }, () => randomUUID());
  const versions = new Map(caseIds.map((id) => [id, 0]));
  const caseQueues = new Map(caseIds.map((id) => [id, Promise.resolve()]));
  const append = (caseId: string): Promise<void> => {
    // Appends of one case run one after the other (expected version); cases run side by side.
    const next = (caseQueues.get(caseId) ?? Promise.resolve()).then(async () => {
      const version = (versions.get(caseId) ?? 0) + 1;
      const event = caseEvent(caseId, version);
      await store.append(caseId, version - 1, [event]);
      committedAt.set(event.metadata.eventId as string, performance.now());
      versions.set(caseId, version);
    });
    caseQueues.set(caseId, next);
    return next;
  };
  const clocks = [committedAt, readAt, ackedAt, arrivedAt, receivedAt];

  try {
    await runner.start();
    await relay.start();
    // Warm-up: connections, metadata, group assignment. Not measured.
    await Promise.all(caseIds.slice(0, 10).map(append));
    await waitUntil(() => receivedAt.size >= 10, 60_000);
    for (const clock of clocks) clock.clear();

    const start = performance.now();
    const sent = await steady((index) => append(caseIds[index % caseIds.length]));
    await waitUntil(() => receivedAt.size >= sent, 30_000);
    const durationMs = Math.max(...receivedAt.values()) - start;
    const part = (name: string, from: Map<string, number>, to: Map<string, number>): Result => ({
      name: `  of which ${name}`,
      sent,
      latenciesMs: between(from, to),
      durationMs,
    });
    return {
      name: 'outbox relay (commit → handler)',
      sent,
      latenciesMs: between(committedAt, receivedAt),
      durationMs,
      messageBytes,
      parts: [
        part('commit → relay read', committedAt, readAt),
        part('relay read → broker ack', readAt, ackedAt),
        part('relay read → consumer', readAt, arrivedAt),
        part('consumer → handler (inbox tx)', arrivedAt, receivedAt),
      ],
    };
  } finally {
    await runner.stop();
    await relay.stop();
    await Promise.all([producerKafka.close(), consumerKafka.close()]);
    for (const [dataSource, schema] of [
      [producerDb, producerSchema],
      [consumerDb, consumerSchema],
    ] as const) {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.query(`DROP TABLE IF EXISTS "${dataSource.options.migrationsTableName}"`);
      await dataSource.destroy();
    }
    await deleteKafkaResources([topic, `dlq.${groupId}.v1`], [groupId]);
  }
}

/** The baseline: kafkajs alone, the same producer guarantees, message size, keys and partitions. */
async function benchBaseline(messageBytes: number): Promise<Result> {
  const topic = `bench.baseline.${suffix}.v1`;
  const groupId = `bench.baseline.${suffix}`;
  const kafka = new Kafka({ brokers, clientId: 'bench-baseline', logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs });
  const sentAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const keys: string[] = Array.from({ length: cases }, () => randomUUID());
  const value = randomBytes(messageBytes);
  const send = async (id: string, key: string) => {
    sentAt.set(id, performance.now());
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value, headers: { 'event-id': id, 'content-type': 'application/x-protobuf' } }],
    });
  };
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        receivedAt.set(String(message.headers?.['event-id']), performance.now());
      },
    });
    await Promise.all(keys.slice(0, 10).map((key) => send(randomUUID(), key)));
    await waitUntil(() => receivedAt.size >= 10, 60_000);
    sentAt.clear();
    receivedAt.clear();

    const start = performance.now();
    const sent = await steady((index) => send(randomUUID(), keys[index % keys.length]));
    await waitUntil(() => receivedAt.size >= sent, 30_000);
    const durationMs = Math.max(...receivedAt.values()) - start;
    const latenciesMs = [...sentAt].flatMap(([id, at]) => {
      const received = receivedAt.get(id);
      return received === undefined ? [] : [received - at];
    });
    return { name: 'bare kafkajs (send → eachMessage)', sent, latenciesMs, durationMs };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function deleteKafkaResources(topics: string[], groups: string[]): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'bench-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

function summarise(result: Result) {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    name: result.name,
    delivered: `${sorted.length}/${result.sent}`,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    throughput: (sorted.length / result.durationMs) * 1000,
  };
}

function osLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

async function main(): Promise<void> {
  print(
    `bench:relay — ${rate} events/s for ${seconds} s over ${cases} cases, ${partitions} partitions, ` +
      `consumer maxWaitTimeInMs ${maxWaitTimeInMs}`,
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const relay = await benchRelay();
  const relayLoop = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  loopDelay.reset();
  const baseline = await benchBaseline(relay.messageBytes);
  const baselineLoop = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  loopDelay.disable();
  const rows = [summarise(baseline), summarise(relay)];
  const breakdown = relay.parts.map(summarise);
  print(`message value: ${relay.messageBytes} bytes (protobuf envelope); latencies in ms\n`);
  const header = ['path', 'delivered', 'p50', 'p99', 'max', 'events/s'];
  const table = [...rows, ...breakdown].map((row) => [
    row.name,
    row.delivered,
    row.p50.toFixed(1),
    row.p99.toFixed(1),
    row.max.toFixed(1),
    row.throughput.toFixed(1),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((line) => line[column].length)),
  );
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
  print(format(header));
  print(widths.map((width) => '-'.repeat(width)).join('-|-'));
  for (const line of table) print(format(line));
  const [base, outbox] = rows;
  print(
    `\nratio relay/baseline: p50 ×${(outbox.p50 / base.p50).toFixed(2)}, p99 ×${(outbox.p99 / base.p99).toFixed(2)}, ` +
      `max ×${(outbox.max / base.max).toFixed(2)}`,
  );
  print(
    `aim p50 ≤ 50 ms: ${outbox.p50 <= 50 ? 'met' : 'NOT met'}; aim p99 ≤ 250 ms: ${outbox.p99 <= 250 ? 'met' : 'NOT met'}`,
  );
  print(
    `event-loop delay of this process (p99/max ms): relay run ${relayLoop.p99.toFixed(1)}/${relayLoop.max.toFixed(1)}, ` +
      `baseline run ${baselineLoop.p99.toFixed(1)}/${baselineLoop.max.toFixed(1)}; load average ${osLoad()}`,
  );
  const incomplete = rows.some((row) => row.delivered.split('/')[0] !== row.delivered.split('/')[1]);
  if (incomplete) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
