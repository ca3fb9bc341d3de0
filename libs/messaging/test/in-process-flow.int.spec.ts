import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareCursors, type EventStore } from '#libs/event-store';
import { dropSchema, testConfig, uniqueName, waitFor } from '#libs/testing';
import { ConsumerRunner, CountingConsumerMetrics, InProcessTransport, OutboxRelay } from '../src/index.js';
import { appendCases, createStore, encodeTo, oneToN } from './store.js';

describe('in-process mode: event store → relay → in-process transport → consumer runner', () => {
  let schema: string;
  let dataSource: DataSource;
  let store: EventStore;
  let transport: InProcessTransport;
  let relay: OutboxRelay;
  let runner: ConsumerRunner;
  const topic = 'intake.case.events.v1';

  beforeEach(async () => {
    schema = uniqueName('in_process');
    ({ dataSource, store } = await createStore(schema));
    await dataSource.query(`
      CREATE TABLE "${schema}".effects (
        seq bigserial PRIMARY KEY, event_id text NOT NULL, case_id text NOT NULL, stream_version int NOT NULL)`);
    transport = new InProcessTransport({ redeliveryDelayMs: 10 });
  });

  afterEach(async () => {
    await runner?.stop();
    await relay?.stop();
    await transport.close();
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
  });

  it('delivers every appended event to the handler once, each case in order, through the default codec', async () => {
    const metrics = new CountingConsumerMetrics();
    let failuresLeft = 3;
    runner = new ConsumerRunner({
      dataSource,
      schema,
      groupId: 'timeline',
      topics: [topic],
      transport,
      metrics,
      backoff: { initialMs: 1, maxMs: 5 },
      handler: async (envelope, manager) => {
        await manager.query(
          `INSERT INTO "${schema}".effects (event_id, case_id, stream_version) VALUES ($1, $2, $3)`,
          [envelope.eventId, envelope.caseId, envelope.streamVersion],
        );
        // A few transient failures on the way: retried in place, order kept, effect once.
        if (failuresLeft > 0 && envelope.streamVersion === 5) {
          failuresLeft -= 1;
          throw new Error('transient');
        }
      },
    });
    await runner.start();
    // The default encoder puts IncidentReported on the production topic: this transport is private to the test.
    relay = new OutboxRelay({ eventStore: store, transport, listenConnection: testConfig().databaseUrl });
    await relay.start();

    const { caseIds, lastCursor } = await appendCases(store, {
      cases: 10,
      eventsPerCase: 20,
      concurrency: 4,
    });

    await waitFor(async () => compareCursors(await store.loadCheckpoint('outbox-relay'), lastCursor) >= 0, {
      message: 'the relay to publish everything',
    });
    await waitFor(() => metrics.count('handled') === 200, { message: 'all 200 effects' });

    const effects: Array<{ event_id: string; case_id: string; stream_version: number }> =
      await dataSource.query(
        `SELECT event_id, case_id, stream_version FROM "${schema}".effects ORDER BY seq`,
      );
    expect(new Set(effects.map((effect) => effect.event_id)).size).toBe(200);
    const byCase = new Map<string, number[]>();
    for (const effect of effects)
      byCase.set(effect.case_id, [...(byCase.get(effect.case_id) ?? []), effect.stream_version]);
    for (const caseId of caseIds) expect(byCase.get(caseId)).toEqual(oneToN(20));
    expect(metrics.snapshot()).toMatchObject({ handled: 200, retried: 3, dead_lettered: 0 });
  });

  it('a relay re-publishing a batch (as after a crash) causes no second effect', async () => {
    const metrics = new CountingConsumerMetrics();
    runner = new ConsumerRunner({
      dataSource,
      schema,
      groupId: 'timeline',
      topics: [topic],
      transport,
      metrics,
      handler: async (envelope, manager) => {
        await manager.query(
          `INSERT INTO "${schema}".effects (event_id, case_id, stream_version) VALUES ($1, $2, $3)`,
          [envelope.eventId, envelope.caseId, envelope.streamVersion],
        );
      },
    });
    await runner.start();
    const { lastCursor } = await appendCases(store, { cases: 5, eventsPerCase: 4, concurrency: 2 });
    relay = new OutboxRelay({ eventStore: store, transport, encode: encodeTo(topic) });
    await waitFor(
      async () =>
        (await relay.runOnce()).published === 0 &&
        compareCursors(await store.loadCheckpoint('outbox-relay'), lastCursor) >= 0,
      { message: 'the first pass' },
    );

    // Forget the checkpoint, as a crash before its commit would: the whole log goes out again.
    await store.storeCheckpoint('outbox-relay', { transactionId: '0', position: '0' });
    await waitFor(async () => (await relay.runOnce()).published === 0, { message: 'the second pass' });

    await waitFor(() => metrics.count('handled') + metrics.count('duplicate') === 40, {
      message: 'both passes',
    });
    expect(metrics.snapshot()).toMatchObject({ handled: 20, duplicate: 20 });
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".effects`);
    expect(n).toBe(20);
  });
});
