import { type Admin, type IHeaders, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { testConfig } from './config.js';
import { uniqueName } from './names.js';

/** A kafkajs client on the test run's brokers. */
export function testKafka(config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'leak-response-tests',
    brokers: testConfig().kafkaBrokers,
    logLevel: logLevel.WARN,
    ...config,
  });
}

/** A connected admin client; the caller disconnects it. */
export async function kafkaAdmin(): Promise<Admin> {
  const admin = testKafka().admin();
  await admin.connect();
  return admin;
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = await kafkaAdmin();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics (if missing) and waits until every partition has a leader. */
export async function createTopics(names: readonly string[], partitions = 3): Promise<void> {
  await withAdmin((admin) =>
    admin.createTopics({
      topics: names.map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    }),
  );
}

/** Deletes the topics that exist among `names`; unknown names are ignored. */
export async function deleteTopics(names: readonly string[]): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  });
}

/** One message as it sits on a topic. */
export interface TopicRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string kafkajs gives. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** Header values decoded as UTF-8 (all the project's headers are text); repeated headers keep the last. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface ReadAllOptions {
  /** Wait until at least this many messages arrived (then read on to the end of the topic). */
  readonly expectedCount?: number;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  /**
   * Read from these offsets instead of the beginning (`topicEnds(topic)` taken before producing): on a
   * broker shared with other runs, only what this test produced is read.
   */
  readonly from?: ReadonlyArray<{ readonly partition: number; readonly offset: string }>;
}

/** The current end offset of every partition of a topic, for `readAllFromTopic(topic, { from })`. */
export function topicEnds(topic: string): Promise<Array<{ partition: number; offset: string }>> {
  return withAdmin(async (admin) =>
    (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })),
  );
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) decoded[name] = value.toString();
  }
  return decoded;
}

/**
 * Reads a topic from the beginning with a fresh consumer group and returns its messages sorted
 * by partition and offset (per-key order is per-partition order).
 *
 * It stops once it has reached the end of every partition as it stood when reading began and,
 * with `expectedCount`, once at least that many messages arrived — messages produced while it
 * waits are included, so duplicates beyond the expected count show up too. Fails on timeout,
 * saying how many messages it got. The consumer group is deleted afterwards.
 */
export async function readAllFromTopic(topic: string, options: ReadAllOptions = {}): Promise<TopicRecord[]> {
  const { expectedCount, timeoutMs = 30_000, from } = options;
  const kafka = testKafka();
  const admin = kafka.admin();
  const groupId = uniqueName('read_all');
  // A short fetch wait keeps disconnect() fast: kafkajs waits for the fetch in flight.
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const records: TopicRecord[] = [];
  const lastOffsetSeen = new Map<number, bigint>();

  await admin.connect();
  try {
    // The end of each partition now; "read everything" means reaching these offsets.
    const ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      high: BigInt(p.high),
    }));
    const start = new Map((from ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const caughtUp = () =>
      ends.every(
        ({ partition, high }) =>
          high === 0n ||
          high <= (start.get(partition) ?? 0n) ||
          (lastOffsetSeen.get(partition) ?? -1n) >= high - 1n,
      );
    const done = () => caughtUp() && (expectedCount === undefined || records.length >= expectedCount);

    if (done()) return [];

    await consumer.connect();
    let settle: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      settle = resolve;
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (BigInt(message.offset) < (start.get(partition) ?? 0n)) return;
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString(),
          value: message.value,
          headers: decodeHeaders(message.headers),
          timestamp: message.timestamp,
        });
        const offset = BigInt(message.offset);
        if (offset > (lastOffsetSeen.get(partition) ?? -1n)) lastOffsetSeen.set(partition, offset);
        if (done()) settle();
      },
    });

    for (const [partition, offset] of start) consumer.seek({ topic, partition, offset: offset.toString() });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const wanted = expectedCount === undefined ? 'the end of every partition' : `${expectedCount} messages`;
      throw new Error(
        `readAllFromTopic(${topic}): got ${records.length} messages in ${timeoutMs} ms, wanted ${wanted}`,
      );
    }
    return records
      .slice()
      .sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined); // best effort: the group may never have formed
    await admin.disconnect();
  }
}
