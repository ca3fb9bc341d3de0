import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareCursors, type EventStore } from '#libs/event-store';
import { deleteTopics, dropSchema, readAllFromTopic, testConfig, uniqueName, waitFor } from '#libs/testing';
import {
  type IncomingMessage,
  InProcessTransport,
  KafkaTransport,
  OutboxEncodingError,
  OutboxRelay,
  type OutboxRelayOptions,
  type Transport,
} from '../src/index.js';
import { appendCases, caseEvent, createStore, encodeTo, oneToN, versionsByCase } from './store.js';
import { firstArrival, topicName } from './support.js';

describe('OutboxRelay', () => {
  let schema: string;
  let topic: string;
  let dataSource: DataSource;
  let store: EventStore;
  const relays: OutboxRelay[] = [];
  const transports: Transport[] = [];

  beforeEach(async () => {
    schema = uniqueName('relay');
    topic = topicName(uniqueName('relay_topic'));
    ({ dataSource, store } = await createStore(schema));
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
    await deleteTopics([topic]);
  });

  async function kafkaTransport(): Promise<KafkaTransport> {
    const transport = new KafkaTransport({ brokers: testConfig().kafkaBrokers, clientId: 'relay-test' });
    transports.push(transport);
    await transport.ensureTopics([topic]);
    return transport;
  }

  function relay(options: Partial<OutboxRelayOptions> & Pick<OutboxRelayOptions, 'transport'>): OutboxRelay {
    const created = new OutboxRelay({
      eventStore: store,
      encode: encodeTo(topic),
      listenConnection: testConfig().databaseUrl,
      pollIntervalMs: 200,
      ...options,
    });
    relays.push(created);
    return created;
  }

  async function relayedUpTo(cursor: { transactionId: string; position: string }): Promise<void> {
    await waitFor(async () => compareCursors(await store.loadCheckpoint('outbox-relay'), cursor) >= 0, {
      message: 'the relay checkpoint to reach the last event',
      timeoutMs: 30_000,
    });
  }

  it('publishes 1,000 events of 50 cases to Kafka, each case in order, none missing or doubled', async () => {
    await relay({ transport: await kafkaTransport(), batchSize: 100 }).start();

    const { caseIds, lastCursor } = await appendCases(store, { cases: 50, eventsPerCase: 20 });

    const records = await readAllFromTopic(topic, { expectedCount: 1_000 });
    await relayedUpTo(lastCursor);
    const byCase = versionsByCase(records.map((record) => record.value));
    expect([...byCase.keys()].sort()).toEqual([...caseIds].sort());
    for (const caseId of caseIds) expect(byCase.get(caseId)).toEqual(oneToN(20));
    expect(records).toHaveLength(1_000);
    const first = records[0];
    expect(first.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers).toMatchObject({
      'event-type': 'leakresponse.intake.v1.IncidentReported',
      'content-type': 'application/x-protobuf',
      'schema-version': '1',
    });
  });

  it('two relays at once publish every event exactly once, each case in order', async () => {
    await Promise.all([
      relay({ transport: await kafkaTransport(), batchSize: 20 }).start(),
      relay({ transport: await kafkaTransport(), batchSize: 20 }).start(),
    ]);

    const { caseIds, lastCursor } = await appendCases(store, { cases: 25, eventsPerCase: 20 });
    await relayedUpTo(lastCursor);
    await Promise.all(relays.splice(0).map((instance) => instance.stop()));

    const records = await readAllFromTopic(topic, { expectedCount: 500 });
    const byCase = versionsByCase(records.map((record) => record.value));
    for (const caseId of caseIds) expect(byCase.get(caseId)).toEqual(oneToN(20));
    expect(records).toHaveLength(500);
  });

  it('is woken by the append notification, not by polling', async () => {
    const transport = new InProcessTransport();
    transports.push(transport);
    let rounds = 0;
    const watched = relay({ transport, pollIntervalMs: 600_000, chaseDelaysMs: [] });
    const runOnce = watched.runOnce.bind(watched);
    watched.runOnce = async () => {
      const result = await runOnce();
      rounds += 1;
      return result;
    };
    await watched.start();
    // Nothing to do and no notification: after its first rounds the relay sleeps for 10 minutes.
    await waitFor(() => rounds >= 1, { message: 'the first round' });
    const idleRounds = rounds;

    const caseId = randomUUID();
    await store.append(caseId, 'no_stream', [caseEvent(caseId, 1)]);

    // Only the notification can start another round this side of 10 minutes. (Whether that round can
    // already read the event depends on the xmin rule, i.e. on other transactions in the cluster.)
    await waitFor(() => rounds > idleRounds, { message: 'a round started by NOTIFY' });
  });

  it('publishes by polling when it cannot listen', async () => {
    const transport = new InProcessTransport();
    transports.push(transport);
    await transport.ensureTopics([topic]);
    const received: IncomingMessage[] = [];
    await transport.subscribe({ groupId: 'observer', topics: [topic] }, async (message) => {
      received.push(message);
    });
    await relay({ transport, listenConnection: undefined, pollIntervalMs: 50 }).start();

    const caseId = randomUUID();
    await store.append(caseId, 'no_stream', [caseEvent(caseId, 1)]);
    expect((await firstArrival(received, 'the polled event')).key).toBe(caseId);
  });

  it('does nothing while another instance holds the lock', async () => {
    const transport = new InProcessTransport();
    transports.push(transport);
    const caseId = randomUUID();
    await store.append(caseId, 'no_stream', [caseEvent(caseId, 1)]);
    const idle = relay({ transport });

    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    const held = store.withCheckpointLock(
      'outbox-relay',
      async () => {
        holding = true;
        await released;
      },
      { wait: true },
    );
    try {
      await waitFor(() => holding, { message: 'the other instance to hold the lock' });
      expect(await idle.runOnce()).toEqual({ acquired: false, published: 0 });
    } finally {
      release();
      await held;
    }
    await waitFor(async () => (await idle.runOnce()).published === 1, {
      message: 'the event after the release',
      timeoutMs: 30_000,
    });
  });

  it('stops at an event it cannot encode instead of skipping it', async () => {
    const transport = new InProcessTransport();
    transports.push(transport);
    await transport.ensureTopics([topic]);
    const caseId = randomUUID();
    await store.append(caseId, 'no_stream', [
      { ...caseEvent(caseId, 1), type: 'EventFromANewerBuild' },
      caseEvent(caseId, 2),
    ]);
    const blocked = relay({ transport });

    const error = await waitFor(
      async () => {
        try {
          await blocked.runOnce();
          return false;
        } catch (thrown) {
          return thrown;
        }
      },
      { message: 'the encoding failure (once the append is below xmin)', timeoutMs: 30_000 },
    );
    expect(error).toBeInstanceOf(OutboxEncodingError);
    expect((error as OutboxEncodingError).event).toMatchObject({
      type: 'EventFromANewerBuild',
      streamVersion: 1,
    });
    expect(await store.loadCheckpoint('outbox-relay')).toEqual({ transactionId: '0', position: '0' });
  });
});
