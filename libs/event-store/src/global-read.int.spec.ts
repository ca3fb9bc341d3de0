import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#libs/testing';
import {
  closeTransaction,
  createStoreFixture,
  event,
  openTransaction,
  type StoreFixture,
  waitForLog,
} from '../test/fixture.js';
import { compareCursors, cursorOf } from './rows.js';
import { eventStoreSql } from './sql.js';
import { type GlobalCursor, type RecordedEvent, START } from './types.js';

let fx: StoreFixture;

beforeAll(async () => {
  fx = await createStoreFixture('es_global_read');
});

afterAll(async () => {
  await fx?.close();
});

/**
 * A reader as a projection or the outbox relay runs it: load the checkpoint, read a batch after it, store
 * the cursor of the last event read. Returns what this step delivered.
 */
async function readerStep(name: string, limit = 100): Promise<RecordedEvent[]> {
  const after = await fx.store.loadCheckpoint(name);
  const events = await fx.store.readAll({ after, limit });
  if (events.length > 0) await fx.store.storeCheckpoint(name, cursorOf(events[events.length - 1]));
  return events;
}

describe('readAll and checkpoints', () => {
  it('never skips a transaction that commits after a later one: every event once, in log order', async () => {
    const reader = 'late-commit-reader';
    const delivered: RecordedEvent[] = [];
    const [before] = (await fx.store.append('before', 'no_stream', [event('Before')])).events;

    const t1 = await openTransaction(fx.dataSource);
    const t2 = await openTransaction(fx.dataSource);
    try {
      // T1 inserts first (lower positions, older transaction id) but will commit last.
      const t1Events = (
        await fx.store.append('t1', 'no_stream', [event('T1a'), event('T1b')], { manager: t1.runner.manager })
      ).events;
      const [t2Event] = (
        await fx.store.append('t2', 'no_stream', [event('T2')], { manager: t2.runner.manager })
      ).events;
      expect(BigInt(t2Event.position)).toBeGreaterThan(BigInt(t1Events[1].position));
      expect(BigInt(t2Event.transactionId)).toBeGreaterThan(BigInt(t1Events[0].transactionId));
      await t2.runner.commitTransaction();

      // A reader ordered by position alone would now see T2's event and move past T1's positions for good:
      const [{ visible }] = await fx.dataSource.query(
        `SELECT count(*)::int AS visible FROM ${fx.schema}.events WHERE position > $1`,
        [before.position],
      );
      expect(visible).toBe(1);

      // Between the commits the reader gets what committed before T1 and stops there (other test files'
      // transactions may hold the xmin back for a moment, hence the polling).
      await waitForLog(
        fx.dataSource,
        async () => {
          delivered.push(...(await readerStep(reader)));
          return delivered.length > 0;
        },
        'the event committed before T1',
      );
      expect(delivered.map((e) => e.type)).toEqual(['Before']);
      expect(await readerStep(reader)).toEqual([]);
      expect(await fx.store.loadCheckpoint(reader)).toEqual(cursorOf(before));

      await t1.runner.commitTransaction();
    } finally {
      await closeTransaction(t1.runner);
      await closeTransaction(t2.runner);
    }

    await waitForLog(
      fx.dataSource,
      async () => {
        delivered.push(...(await readerStep(reader)));
        return delivered.length >= 4;
      },
      'all four events',
    );
    expect(await readerStep(reader)).toEqual([]);
    expect(delivered.map((e) => e.type)).toEqual(['Before', 'T1a', 'T1b', 'T2']);
    expect(new Set(delivered.map((e) => e.eventId)).size).toBe(4);
    expectLogOrder(delivered);
  });

  it('pages through the log with small limits, and returns START for a reader without checkpoint', async () => {
    expect(await fx.store.loadCheckpoint('never-stored')).toEqual(START);
    const streams = ['page-a', 'page-b', 'page-c'];
    for (const streamId of streams) {
      await fx.store.append(streamId, 'no_stream', [event('One'), event('Two'), event('Three')]);
    }
    const all = await waitForLog(
      fx.dataSource,
      async () => {
        const events = (await fx.store.readAll({ limit: 10_000 })).filter((e) =>
          streams.includes(e.streamId),
        );
        return events.length === 9 ? events : null;
      },
      'the nine events',
    );
    const paged: RecordedEvent[] = [];
    let after: GlobalCursor = START;
    for (;;) {
      const page = await fx.store.readAll({ after, limit: 2 });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(2);
      paged.push(...page);
      after = cursorOf(page[page.length - 1]);
    }
    expect(paged.filter((e) => streams.includes(e.streamId))).toEqual(all);
    expectLogOrder(paged);
  });

  it('reads with the (transaction_id, position) index, without sorting', async () => {
    for (let i = 0; i < 30; i++) {
      await fx.store.append(
        `plan-${i}`,
        'no_stream',
        Array.from({ length: 100 }, () => event('Bulk', { i })),
      );
    }
    await fx.dataSource.query(`ANALYZE ${fx.schema}.events`);
    const [{ 'QUERY PLAN': plan }] = await fx.dataSource.query(
      `EXPLAIN (FORMAT JSON) ${eventStoreSql(fx.schema).readAll.text}`,
      ['0', '0', 1000],
    );
    const nodes = planNodes(plan[0].Plan);
    const scan = nodes.find((node) => node['Index Name'] === 'events_transaction_position_idx');
    // Both the xmin bound and the cursor comparison are index conditions (not filters applied row by row).
    expect(scan?.['Index Cond']).toContain('transaction_id < pg_snapshot_xmin(pg_current_snapshot())');
    expect(scan?.['Index Cond']).toContain('ROW(transaction_id, "position") > ROW(');
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Sort');
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  });
});

describe('withCheckpointLock', () => {
  it('lets one instance of a reader in at a time; the next one continues from its checkpoint', async () => {
    const name = 'single-active';
    const target: GlobalCursor = { transactionId: '123', position: '456' };
    const outer = await fx.store.withCheckpointLock(name, async (cursor, manager) => {
      expect(cursor).toEqual(START);
      const inner = await fx.store.withCheckpointLock(name, async () => 'must not run');
      expect(inner).toEqual({ acquired: false });
      await fx.store.storeCheckpoint(name, target, manager);
      return 'done';
    });
    expect(outer).toEqual({ acquired: true, result: 'done' });
    const next = await fx.store.withCheckpointLock(name, async (cursor) => cursor);
    expect(next).toEqual({ acquired: true, result: target });
  });

  it('rolls the checkpoint back when the work fails, and releases the lock', async () => {
    const name = 'failing-reader';
    await fx.store.storeCheckpoint(name, { transactionId: '10', position: '1' });
    await expect(
      fx.store.withCheckpointLock(name, async (_cursor, manager) => {
        await fx.store.storeCheckpoint(name, { transactionId: '20', position: '2' }, manager);
        throw new Error('publish failed');
      }),
    ).rejects.toThrow('publish failed');
    expect(await fx.store.loadCheckpoint(name)).toEqual({ transactionId: '10', position: '1' });
    expect((await fx.store.withCheckpointLock(name, async () => 'again')).acquired).toBe(true);
  });

  it('with wait: true, queues behind the holder and sees its committed checkpoint', async () => {
    const name = 'waiting-reader';
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holder = fx.store.withCheckpointLock(name, async (_cursor, manager) => {
      await fx.store.storeCheckpoint(name, { transactionId: '7', position: '70' }, manager);
      holding();
      await released;
    });
    try {
      await held;
      const waiter = fx.store.withCheckpointLock(name, async (cursor) => cursor, { wait: true });
      await waitFor(
        async () => {
          const [{ waiting }] = await fx.dataSource.query(
            `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
          );
          return waiting > 0;
        },
        { message: 'the second instance to wait for the lock' },
      );
      release();
      await holder;
      expect(await waiter).toEqual({ acquired: true, result: { transactionId: '7', position: '70' } });
    } finally {
      release();
    }
  });

  it('competing instances with concurrent writers deliver every event exactly once, in stream order', async () => {
    const name = 'competing-relay';
    const streams = Array.from({ length: 8 }, (_, i) => `relay-stream-${i}`);
    const perStream = 25;
    const delivered: RecordedEvent[] = [];
    let writing = true;
    let stopped = false;

    const writer = async (w: number) => {
      for (let i = w; i < streams.length * perStream; i += 4) {
        const streamId = streams[i % streams.length];
        await fx.store.append(streamId, 'any', [event('Relayed', { i })]);
      }
    };
    const instance = async () => {
      while (!stopped) {
        const outcome = await fx.store.withCheckpointLock(name, async (after, manager) => {
          const events = await fx.store.readAll({ after, limit: 20, manager });
          delivered.push(...events);
          if (events.length > 0)
            await fx.store.storeCheckpoint(name, cursorOf(events[events.length - 1]), manager);
          return events.length;
        });
        const relayed = delivered.filter((e) => streams.includes(e.streamId)).length;
        if (!writing && relayed >= streams.length * perStream) return;
        if (!outcome.acquired || outcome.result === 0) await new Promise((r) => setTimeout(r, 5));
      }
    };

    const instances = [instance(), instance(), instance()];
    try {
      await Promise.all([0, 1, 2, 3].map(writer));
      writing = false;
      await waitForLog(
        fx.dataSource,
        async () =>
          delivered.filter((e) => streams.includes(e.streamId)).length >= streams.length * perStream,
        'the relay instances to deliver every event',
      );
    } finally {
      stopped = true;
      await Promise.all(instances);
    }

    const relayed = delivered.filter((e) => streams.includes(e.streamId));
    expect(relayed).toHaveLength(streams.length * perStream);
    expect(new Set(relayed.map((e) => e.eventId)).size).toBe(relayed.length);
    expectLogOrder(delivered);
    for (const streamId of streams) {
      const versions = relayed.filter((e) => e.streamId === streamId).map((e) => e.streamVersion);
      expect(versions).toEqual(Array.from({ length: perStream }, (_, i) => i + 1));
    }
  });
});

type PlanNode = Record<string, string> & { Plans?: PlanNode[] };

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** Asserts strictly increasing (transactionId, position) and increasing versions within each stream. */
function expectLogOrder(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    expect(compareCursors(cursorOf(events[i - 1]), cursorOf(events[i]))).toBeLessThan(0);
  }
  const lastVersion = new Map<string, number>();
  for (const e of events) {
    expect(e.streamVersion).toBeGreaterThan(lastVersion.get(e.streamId) ?? 0);
    lastVersion.set(e.streamId, e.streamVersion);
  }
}
