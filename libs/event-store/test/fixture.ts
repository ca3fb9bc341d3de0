import type { DataSource, QueryRunner } from 'typeorm';
import { createTestDataSource, dropSchema, uniqueName, WaitForTimeoutError, waitFor } from '#libs/testing';
import { type EventMetadata, EventStore, eventStoreMigrations, type NewEvent } from '../src/index.js';

/** A fresh event-store schema on the test database, for one test file. */
export interface StoreFixture {
  dataSource: DataSource;
  store: EventStore;
  schema: string;
  /** drops the schema and closes the pool */
  close(): Promise<void>;
}

export async function createStoreFixture(prefix: string, poolSize = 6): Promise<StoreFixture> {
  const schema = uniqueName(prefix);
  const dataSource = await createTestDataSource({
    schema,
    migrations: eventStoreMigrations(schema),
    poolSize,
  });
  return {
    dataSource,
    store: new EventStore(dataSource, { schema }),
    schema,
    close: async () => {
      await dropSchema(dataSource, schema);
      await dataSource.destroy();
    },
  };
}

export function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    occurredAt: '2026-01-15T09:30:00.000Z',
    actor: { id: 'user-1', kind: 'user', role: 'handler' },
    ...overrides,
  };
}

export function event(type: string, data: unknown = {}, overrides: Partial<EventMetadata> = {}): NewEvent {
  return { type, data, metadata: metadata(overrides) };
}

/** A connection of its own with an open transaction, and its backend pid (to watch it wait on locks). */
export async function openTransaction(dataSource: DataSource): Promise<{ runner: QueryRunner; pid: number }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
  await runner.startTransaction();
  return { runner, pid };
}

/** Backend pids that block `pid` (non-empty while `pid` waits on a lock). */
export async function blockersOf(dataSource: DataSource, pid: number): Promise<number[]> {
  const [{ blockers }] = await dataSource.query('SELECT pg_blocking_pids($1) AS blockers', [pid]);
  return blockers;
}

/** Rolls back if still open, then gives the connection back (safe in `finally` after a failed assertion). */
export async function closeTransaction(runner: QueryRunner): Promise<void> {
  try {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
  } finally {
    await runner.release();
  }
}

/**
 * Polls a global-log condition. The xmin rule makes readers wait for every older transaction on the whole
 * server, so when this times out the error lists the transactions that held the log back.
 */
export async function waitForLog<T>(
  dataSource: DataSource,
  condition: () => Promise<T>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  try {
    return await waitFor(condition, { timeoutMs, message: what });
  } catch (error) {
    if (!(error instanceof WaitForTimeoutError)) throw error;
    const holders = await dataSource.query(
      `SELECT pid, datname, application_name, state, backend_xid::text AS xid,
              round(extract(epoch FROM now() - xact_start)) AS seconds, left(query, 120) AS query
       FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start`,
    );
    throw new Error(`${error.message}; transactions holding the log back: ${JSON.stringify(holders)}`, {
      cause: error,
    });
  }
}
