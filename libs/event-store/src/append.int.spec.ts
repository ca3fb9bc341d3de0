import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#libs/testing';
import {
  blockersOf,
  closeTransaction,
  createStoreFixture,
  event,
  openTransaction,
  type StoreFixture,
} from '../test/fixture.js';
import { ConcurrencyError, DuplicateEventError } from './errors.js';
import { EventStore } from './event-store.js';
import { computeEventHash, GENESIS_HASH } from './hash-chain.js';
import type { RecordedEvent } from './types.js';

let fx: StoreFixture;

beforeAll(async () => {
  fx = await createStoreFixture('es_append');
});

afterAll(async () => {
  await fx?.close();
});

const types = (events: RecordedEvent[]) => events.map((e) => `${e.streamVersion}:${e.type}`);

describe('append and readStream', () => {
  it('appends a batch, fills ids and schema version, and reads it back in order', async () => {
    const result = await fx.store.append('case-a', 'no_stream', [
      event('IncidentReported', { n: 1 }),
      event('IncidentAcknowledged', { n: 2 }, { schemaVersion: 3, caseId: 'case-a' }),
      event('HandlerAssigned', { n: 3 }),
    ]);
    expect(result.nextVersion).toBe(3);
    expect(result.events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(new Set(result.events.map((e) => e.eventId)).size).toBe(3);
    expect(result.events[0].metadata.schemaVersion).toBe(1);
    expect(result.events[1].metadata).toMatchObject({ schemaVersion: 3, caseId: 'case-a' });

    const read = await fx.store.readStream('case-a');
    expect(read).toEqual(result.events);
    expect(Number(read[0].position)).toBeLessThan(Number(read[1].position));
    expect(read[0].metadata.eventId).toBe(read[0].eventId);
    expect(await fx.store.streamVersion('case-a')).toBe(3);
  });

  it('reads version ranges', async () => {
    await fx.store.append(
      'ranges',
      'no_stream',
      ['A', 'B', 'C', 'D', 'E'].map((t) => event(t)),
    );
    expect(types(await fx.store.readStream('ranges', { fromVersion: 2, toVersion: 4 }))).toEqual([
      '2:B',
      '3:C',
      '4:D',
    ]);
    expect(types(await fx.store.readStream('ranges', { fromVersion: 4 }))).toEqual(['4:D', '5:E']);
    expect(types(await fx.store.readStream('ranges', { toVersion: 1 }))).toEqual(['1:A']);
    expect(await fx.store.readStream('ranges', { fromVersion: 6 })).toEqual([]);
    expect(await fx.store.readStream('no-such-stream')).toEqual([]);
    expect(await fx.store.streamVersion('no-such-stream')).toBe(0);
  });

  it("keeps the stream's hash chain across appends", async () => {
    const first = await fx.store.append('chained', 'no_stream', [event('A')]);
    const second = await fx.store.append('chained', 1, [event('B'), event('C')]);
    const [a, b, c] = [...first.events, ...second.events];
    const hashOf = (e: RecordedEvent, prev: Buffer) => computeEventHash(prev, e).toString('hex');
    expect(a.hash).toBe(hashOf(a, GENESIS_HASH));
    expect(b.hash).toBe(hashOf(b, Buffer.from(a.hash, 'hex')));
    expect(c.hash).toBe(hashOf(c, Buffer.from(b.hash, 'hex')));
  });

  it('hashes what it reads back: unicode, numbers and nested objects survive jsonb', async () => {
    const data = {
      zeta: 'last key first',
      name: 'Renée 山田 — 🔐 leak',
      escapes: 'quote " backslash \\ newline \n tab \t',
      numbers: [0, -0, 1, -1, 1.5, 0.1, 1e21, 1e-7, 123456789.123456, 2 ** 53, -(2 ** 31), 5e-324],
      nested: { b: [{ y: 2, x: 1 }, [], {}], a: { deeper: { deepest: [true, false, null] } } },
      '': 'empty key',
      ключ: 'non-ascii key',
      when: new Date('2026-01-15T09:30:00Z'),
      dropped: undefined,
    };
    const { events } = await fx.store.append('unicode', 'no_stream', [
      event('Noted', data, { correlationId: 'corr-ü' }),
      event('Noted', [1, 'two', { three: 3 }]),
      event('Noted', 'a bare string'),
      event('Noted', null),
    ]);
    const read = await fx.store.readStream('unicode');
    expect(read.map((e) => e.hash)).toEqual(events.map((e) => e.hash));
    // Recompute from the values as they came back from PostgreSQL.
    let prev = GENESIS_HASH;
    for (const e of read) {
      expect(computeEventHash(prev, e).toString('hex')).toBe(e.hash);
      prev = Buffer.from(e.hash, 'hex');
    }
    expect((read[0].data as { name: string }).name).toBe(data.name);
    expect((read[0].data as { when: string }).when).toBe('2026-01-15T09:30:00.000Z');
    expect(await fx.store.verify({ streamId: 'unicode' })).toEqual({
      ok: true,
      streamsChecked: 1,
      eventsChecked: 4,
    });
  });

  it('rejects values JSON cannot carry instead of changing them', async () => {
    await expect(fx.store.append('bad-data', 'no_stream', [event('X', { n: Number.NaN })])).rejects.toThrow(
      /not representable/,
    );
    expect(await fx.store.streamVersion('bad-data')).toBe(0);
  });
});

describe('expected version', () => {
  it("'no_stream' and 0 require a new stream; a number requires that version; 'any' skips the check", async () => {
    await fx.store.append('ev', 'no_stream', [event('A')]);
    const noStream = await fx.store.append('ev', 'no_stream', [event('B')]).catch((e: unknown) => e);
    expect(noStream).toBeInstanceOf(ConcurrencyError);
    expect(noStream).toMatchObject({ streamId: 'ev', expected: 'no_stream', actual: 1, kind: 'conflict' });
    await expect(fx.store.append('ev', 0, [event('B')])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(fx.store.append('ev', 2, [event('B')])).rejects.toMatchObject({ expected: 2, actual: 1 });

    expect((await fx.store.append('ev', 1, [event('B')])).nextVersion).toBe(2);
    expect((await fx.store.append('ev', 'any', [event('C')])).nextVersion).toBe(3);
    expect((await fx.store.append('ev-new', 'any', [event('A')])).nextVersion).toBe(1);
    expect(types(await fx.store.readStream('ev'))).toEqual(['1:A', '2:B', '3:C']);
  });

  it('an empty append only checks the version', async () => {
    await fx.store.append('empty', 'no_stream', [event('A')]);
    expect(await fx.store.append('empty', 1, [])).toEqual({ nextVersion: 1, events: [] });
    await expect(fx.store.append('empty', 0, [])).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('a reused event id is a DuplicateEventError and writes nothing', async () => {
    const [stored] = (await fx.store.append('dup-1', 'no_stream', [event('A')])).events;
    const error = await fx.store
      .append('dup-2', 'no_stream', [event('A', {}, { eventId: stored.eventId })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateEventError);
    expect(error).toMatchObject({ eventId: stored.eventId, kind: 'conflict' });
    expect(await fx.store.streamVersion('dup-2')).toBe(0);
  });
});

describe('concurrent appends', () => {
  it.each([
    { label: 'creating a stream', setup: 0, expected: 'no_stream' as const },
    { label: 'on an existing stream', setup: 2, expected: 2 },
  ])(
    'two appends with the same expected version ($label): one wins, the other gets ConcurrencyError',
    async ({ setup, expected }) => {
      const streamId = `race-${setup}`;
      if (setup > 0) await fx.store.append(streamId, 'no_stream', [event('Setup1'), event('Setup2')]);
      const first = await openTransaction(fx.dataSource);
      const second = await openTransaction(fx.dataSource);
      try {
        await fx.store.append(streamId, expected, [event('First1'), event('First2')], {
          manager: first.runner.manager,
        });
        // The second append really runs concurrently: it queues behind the first one's lock...
        const loser = fx.store
          .append(streamId, expected, [event('Second')], { manager: second.runner.manager })
          .catch((e: unknown) => e);
        await waitFor(async () => (await blockersOf(fx.dataSource, second.pid)).includes(first.pid), {
          message: 'the second append to wait for the first',
        });
        // ...and is refused as soon as the first commits.
        await first.runner.commitTransaction();
        const error = await loser;
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId, expected, actual: setup + 2, reason: 'version-mismatch' });
      } finally {
        await closeTransaction(first.runner);
        await closeTransaction(second.runner);
      }
      const stored = await fx.store.readStream(streamId);
      expect(stored.map((e) => e.type).slice(setup)).toEqual(['First1', 'First2']);
      expect(stored.map((e) => e.streamVersion)).toEqual(Array.from({ length: setup + 2 }, (_, i) => i + 1));
      expect((await fx.store.verify({ streamId })).ok).toBe(true);
    },
  );

  it('20 concurrent writers that retry on conflict each land exactly once', async () => {
    const streamId = 'crowd';
    let conflicts = 0;
    const writer = async (index: number) => {
      for (;;) {
        const version = await fx.store.streamVersion(streamId);
        try {
          return await fx.store.append(streamId, version, [event('Joined', { writer: index })]);
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer(i)));

    const stored = await fx.store.readStream(streamId);
    expect(stored.map((e) => e.streamVersion)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(stored.map((e) => (e.data as { writer: number }).writer).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(conflicts).toBeGreaterThan(0);
    expect(await fx.store.verify({ streamId })).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 20 });
  });

  it("refuses an append from a transaction older than the stream's last writer", async () => {
    const streamId = 'xid-order';
    const older = await openTransaction(fx.dataSource);
    try {
      // The older transaction gets its id first (as a service that wrote its own tables first would)...
      await older.runner.query('SELECT pg_current_xact_id()');
      // ...then a newer transaction appends and commits...
      await fx.store.append(streamId, 'no_stream', [event('Newer')]);
      // ...so the older one's event, though at the right version, would sort before it in the global log.
      const error = await fx.store
        .append(streamId, 1, [event('Older')], { manager: older.runner.manager })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ expected: 1, actual: 1, reason: 'transaction-order' });
    } finally {
      await closeTransaction(older.runner);
    }
    // A retry in a new transaction succeeds.
    expect((await fx.store.append(streamId, 1, [event('Older')])).nextVersion).toBe(2);
  });
});

describe('cached stream heads', () => {
  it('recovers when a cached head was never committed (its transaction rolled back)', async () => {
    const streamId = 'stale-head';
    await fx.store.append(streamId, 'no_stream', [event('A')]);
    const rolledBack = await openTransaction(fx.dataSource);
    try {
      // This store now caches version 2 with the hash of an event that will never exist...
      await fx.store.append(streamId, 1, [event('Phantom')], { manager: rolledBack.runner.manager });
    } finally {
      await closeTransaction(rolledBack.runner);
    }
    // ...while another process appends a different version 2.
    const otherProcess = new EventStore(fx.dataSource, { schema: fx.schema });
    await otherProcess.append(streamId, 1, [event('B')]);

    const result = await fx.store.append(streamId, 2, [event('C')]);
    expect(result.nextVersion).toBe(3);
    expect(types(await fx.store.readStream(streamId))).toEqual(['1:A', '2:B', '3:C']);
    expect(await fx.store.verify({ streamId })).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 3 });
  });

  it('refuses an append based on a version another process has moved past', async () => {
    const streamId = 'moved-on';
    await fx.store.append(streamId, 'no_stream', [event('A')]);
    await new EventStore(fx.dataSource, { schema: fx.schema }).append(streamId, 1, [event('B')]);
    await expect(fx.store.append(streamId, 1, [event('C')])).rejects.toMatchObject({
      name: 'ConcurrencyError',
      expected: 1,
      actual: 2,
    });
    expect((await fx.store.append(streamId, 'any', [event('C')])).nextVersion).toBe(3);
  });
});

describe('the caller transaction and notifications', () => {
  it('commits with the caller and notifies on commit; a rollback leaves nothing and notifies no one', async () => {
    // Let the wake-ups of the standalone appends in earlier tests go out before listening.
    await fx.store.wakeListeners();
    const listener = fx.dataSource.createQueryRunner();
    const connection = await listener.connect();
    const notifications: string[] = [];
    const onNotification = (message: { channel: string; payload?: string }) => {
      if (message.channel === fx.store.notifyChannel) notifications.push(message.payload ?? '');
    };
    connection.on('notification', onNotification);
    await listener.query(`LISTEN ${fx.store.notifyChannel}`);
    try {
      const rolledBack = await openTransaction(fx.dataSource);
      try {
        await rolledBack.runner.query(`CREATE TABLE ${fx.schema}.side_effect (id int)`);
        await fx.store.append('tx-rollback', 'no_stream', [event('A'), event('B')], {
          manager: rolledBack.runner.manager,
        });
        expect(await fx.store.streamVersion('tx-rollback', { manager: rolledBack.runner.manager })).toBe(2);
      } finally {
        await closeTransaction(rolledBack.runner);
      }
      expect(await fx.store.readStream('tx-rollback')).toEqual([]);
      expect(await fx.store.streamVersion('tx-rollback')).toBe(0);

      const committed = await openTransaction(fx.dataSource);
      try {
        await fx.store.append('tx-commit', 'no_stream', [event('A')], { manager: committed.runner.manager });
        expect(notifications).toEqual([]); // not before commit
        await committed.runner.commitTransaction();
      } finally {
        await closeTransaction(committed.runner);
      }

      // Notifications arrive in commit order: had the rolled-back append notified, it would be here first.
      await waitFor(() => notifications.length > 0, { message: 'the notification of the committed append' });
      expect(notifications).toEqual([fx.schema]);
      expect(types(await fx.store.readStream('tx-commit'))).toEqual(['1:A']);
      const [{ table }] = await fx.dataSource.query(
        `SELECT to_regclass('${fx.schema}.side_effect') AS table`,
      );
      expect(table).toBeNull();
    } finally {
      await listener.query(`UNLISTEN ${fx.store.notifyChannel}`);
      connection.removeListener('notification', onNotification);
      await listener.release();
    }
  });

  it('notifies on `event_store_<schema>` unless configured otherwise, and validates names', () => {
    expect(fx.store.notifyChannel).toBe(`event_store_${fx.schema}`);
    expect(
      new EventStore(fx.dataSource, { schema: fx.schema, notifyChannel: 'intake_events' }).notifyChannel,
    ).toBe('intake_events');
    expect(() => new EventStore(fx.dataSource, { schema: 'x"; DROP TABLE y; --' })).toThrow(
      /invalid schema name/,
    );
    expect(() => new EventStore(fx.dataSource, { schema: fx.schema, notifyChannel: 'Bad-Name' })).toThrow(
      /invalid notification channel/,
    );
  });
});
