import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnknownEventTypeError } from '#libs/contracts';
import {
  createTestDataSource,
  deleteTopics,
  dropSchema,
  testConfig,
  uniqueName,
  waitFor,
} from '#libs/testing';
import {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  CountingConsumerMetrics,
  DLQ_HEADERS,
  type IncomingMessage,
  InProcessTransport,
  KafkaTransport,
  messagingMigrations,
  PermanentFailure,
  type Subscription,
  type Transport,
} from '../src/index.js';
import { type Envelope, envelopeMessage } from './envelopes.js';
import { deleteGroups, firstArrival, topicName } from './support.js';

const transports: Array<[string, () => Transport]> = [
  [
    'Kafka',
    () => new KafkaTransport({ brokers: testConfig().kafkaBrokers, clientId: 'consumer-runner-test' }),
  ],
  ['in-process', () => new InProcessTransport()],
];

describe.each(transports)('ConsumerRunner over %s', (kind, createTransport) => {
  let schema: string;
  let dataSource: DataSource;
  let transport: Transport;
  let topic: string;
  let groupId: string;
  let deadLetterTopic: string;
  let metrics: CountingConsumerMetrics;
  const runners: ConsumerRunner[] = [];
  const subscriptions: Subscription[] = [];
  const readerGroups: string[] = [];

  beforeEach(async () => {
    schema = uniqueName('runner');
    topic = topicName(uniqueName('runner_topic'));
    groupId = topicName(uniqueName('runner_group'));
    deadLetterTopic = `dlq.${groupId}.v1`;
    dataSource = await createTestDataSource({ schema, migrations: messagingMigrations(schema) });
    await dataSource.query(
      `CREATE TABLE "${schema}".effects (event_id text NOT NULL, note text NOT NULL, created_at timestamptz DEFAULT now())`,
    );
    transport = createTransport();
    metrics = new CountingConsumerMetrics();
    await transport.ensureTopics([topic]);
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    await transport.close();
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
    if (kind === 'Kafka') {
      await deleteGroups([groupId, ...readerGroups.splice(0)]);
      await deleteTopics([topic, deadLetterTopic]);
    }
  });

  async function startRunner(
    options: Partial<ConsumerRunnerOptions> & Pick<ConsumerRunnerOptions, 'handler'>,
  ) {
    const runner = new ConsumerRunner({
      dataSource,
      schema,
      groupId,
      topics: [topic],
      transport,
      metrics,
      maxAttempts: 3,
      backoff: { initialMs: 5, maxMs: 20 },
      ...options,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  }

  async function recordEffect(manager: { query: DataSource['query'] }, event: Envelope, note: string) {
    await manager.query(`INSERT INTO "${schema}".effects (event_id, note) VALUES ($1, $2)`, [
      event.eventId,
      note,
    ]);
  }

  async function effectCount(eventId: string): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT count(*)::int AS n FROM "${schema}".effects WHERE event_id = $1`,
      [eventId],
    );
    return row.n;
  }

  async function collectDeadLetters(): Promise<IncomingMessage[]> {
    const received: IncomingMessage[] = [];
    await transport.ensureTopics([deadLetterTopic]);
    const readerGroup = topicName(uniqueName('dlq_reader'));
    readerGroups.push(readerGroup);
    subscriptions.push(
      await transport.subscribe({ groupId: readerGroup, topics: [deadLetterTopic] }, async (message) => {
        received.push(message);
      }),
    );
    return received;
  }

  it('a handler that fails twice then succeeds has its effect exactly once, after 3 attempts', async () => {
    const message = envelopeMessage(topic, { caseId: randomUUID() });
    const eventId = message.headers['event-id'];
    const attempts: number[] = [];
    await startRunner({
      handler: async (event, manager, { attempt }) => {
        attempts.push(attempt);
        // The effect is written before the failure: the rollback must undo it with the inbox row.
        await recordEffect(manager, event, `attempt ${attempt}`);
        if (attempt < 3) throw new Error(`transient failure ${attempt}`);
      },
    });
    await transport.publish([message]);

    await waitFor(() => metrics.count('handled') === 1, { message: 'the successful attempt' });
    expect(attempts).toEqual([1, 2, 3]);
    expect(await effectCount(eventId)).toBe(1);
    expect(metrics.snapshot()).toMatchObject({ handled: 1, retried: 2, dead_lettered: 0 });
  });

  it('a handler that always fails dead-letters the message after N attempts; the partition moves on', async () => {
    const caseId = randomUUID();
    const poison = envelopeMessage(topic, { caseId, streamVersion: 1 });
    const next = envelopeMessage(topic, { caseId, streamVersion: 2 });
    const deadLetters = await collectDeadLetters();
    const poisonAttempts: number[] = [];
    let poisonDelivery: IncomingMessage | undefined;
    await startRunner({
      handler: async (event, manager, { attempt, message }) => {
        if (event.eventId === poison.headers['event-id']) {
          poisonAttempts.push(attempt);
          poisonDelivery = message;
          await recordEffect(manager, event, 'must be rolled back');
          throw new Error('permanently broken handler');
        }
        await recordEffect(manager, event, 'handled');
      },
    });
    await transport.publish([poison, next]);

    await waitFor(async () => (await effectCount(next.headers['event-id'])) === 1, {
      message: 'the next message on the partition',
    });
    const deadLetter = await firstArrival(deadLetters, 'the dead letter');

    expect(poisonAttempts).toEqual([1, 2, 3]);
    expect(await effectCount(poison.headers['event-id'])).toBe(0);
    expect(deadLetter.key).toBe(caseId);
    expect(Buffer.from(deadLetter.value).equals(Buffer.from(poison.value))).toBe(true);
    expect(deadLetter.headers).toMatchObject({
      ...poison.headers,
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: String(poisonDelivery?.partition),
      [DLQ_HEADERS.originalOffset]: poisonDelivery?.offset,
      [DLQ_HEADERS.groupId]: groupId,
    });
    expect(deadLetter.headers[DLQ_HEADERS.error]).toBe('Error: permanently broken handler');
    expect(Date.parse(deadLetter.headers[DLQ_HEADERS.failedAt])).not.toBeNaN();
    expect(metrics.snapshot()).toMatchObject({ handled: 1, retried: 2, dead_lettered: 1 });
  });

  it('an undecodable message is dead-lettered at once, without calling the handler', async () => {
    const caseId = randomUUID();
    const garbage = {
      topic,
      key: caseId,
      value: Uint8Array.from([0xff, 0xff, 0xff]),
      headers: { 'event-id': 'x' },
    };
    const next = envelopeMessage(topic, { caseId });
    const deadLetters = await collectDeadLetters();
    const handled: string[] = [];
    await startRunner({
      handler: async (event) => {
        handled.push(event.eventId);
      },
    });
    await transport.publish([garbage, next]);

    await waitFor(() => handled.length === 1, { message: 'the next message' });
    const deadLetter = await firstArrival(deadLetters, 'the dead letter');
    expect(handled).toEqual([next.headers['event-id']]);
    expect(deadLetter.headers[DLQ_HEADERS.attempts]).toBe('0');
    expect(deadLetter.headers[DLQ_HEADERS.error]).toMatch(/MalformedEventError/);
  });

  it('a PermanentFailure skips the remaining attempts', async () => {
    const message = envelopeMessage(topic, { caseId: randomUUID() });
    const deadLetters = await collectDeadLetters();
    let calls = 0;
    await startRunner({
      handler: async () => {
        calls += 1;
        throw new PermanentFailure('the referenced contract does not exist');
      },
    });
    await transport.publish([message]);

    const deadLetter = await firstArrival(deadLetters, 'the dead letter');
    expect(calls).toBe(1);
    expect(deadLetter.headers[DLQ_HEADERS.attempts]).toBe('1');
    expect(metrics.snapshot()).toMatchObject({ retried: 0, dead_lettered: 1 });
  });

  it('an event type this build does not know is dead-lettered at once, not retried', async () => {
    const message = envelopeMessage(topic, { caseId: randomUUID() });
    const deadLetters = await collectDeadLetters();
    let calls = 0;
    await startRunner({
      handler: async () => {
        calls += 1;
        throw new UnknownEventTypeError('leakresponse.future.v1.SomethingNew');
      },
    });
    await transport.publish([message]);

    const deadLetter = await firstArrival(deadLetters, 'the dead letter');
    expect(calls).toBe(1);
    expect(deadLetter.headers[DLQ_HEADERS.error]).toMatch(/UnknownEventTypeError/);
    expect(metrics.snapshot()).toMatchObject({ retried: 0, dead_lettered: 1 });
  });

  it('the same envelope delivered twice has one effect', async () => {
    const message = envelopeMessage(topic, { caseId: randomUUID() });
    const eventId = message.headers['event-id'];
    await startRunner({ handler: async (event, manager) => recordEffect(manager, event, 'handled') });
    await transport.publish([message]);
    await transport.publish([message]);

    await waitFor(() => metrics.count('handled') + metrics.count('duplicate') === 2, {
      message: 'both deliveries',
    });
    expect(await effectCount(eventId)).toBe(1);
    expect(metrics.snapshot()).toMatchObject({ handled: 1, duplicate: 1 });
    const [inbox] = await dataSource.query(
      `SELECT group_id, topic FROM "${schema}".inbox WHERE event_id = $1`,
      [eventId],
    );
    expect(inbox).toEqual({ group_id: groupId, topic });
  });

  it('a message given up during a back-off by stop() is handled by the next runner of the group', async () => {
    const message = envelopeMessage(topic, { caseId: randomUUID() });
    const eventId = message.headers['event-id'];
    let failures = 0;
    const first = await startRunner({
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      handler: async () => {
        failures += 1;
        throw new Error('database is restarting');
      },
    });
    await transport.publish([message]);
    await waitFor(() => failures === 1, { message: 'the first failure' });
    await first.stop();

    await startRunner({ handler: async (event, manager) => recordEffect(manager, event, 'handled') });
    await waitFor(async () => (await effectCount(eventId)) === 1, { message: 'the effect' });
    expect(failures).toBe(1);
    expect(metrics.count('dead_lettered')).toBe(0);
  });
});
