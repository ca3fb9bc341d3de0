import { createHash } from 'node:crypto';
import { type DataSource, type EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';

/**
 * Statement execution for the store: every statement runs as a named (prepared) statement on the `pg`
 * connection behind a TypeORM query runner, so PostgreSQL parses and plans it once per connection instead
 * of on every call. For the append statement (a CTE with an upsert and a multi-row insert) parse and plan
 * cost about twice its execution; see docs/event-store.md, "Performance".
 *
 * The connection is the caller's transaction's (through `manager.queryRunner`) or one borrowed from the
 * DataSource's pool for the duration of the work: the same connections TypeORM itself uses.
 */

export interface Statement {
  /** prepared-statement name, derived from the text (so equal texts share one and distinct texts never clash) */
  readonly name: string;
  readonly text: string;
}

export function statement(text: string): Statement {
  return { name: `event_store_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text };
}

/** Runs one statement and returns its rows. */
export type Execute = <Row>(statement: Statement, values: readonly unknown[]) => Promise<Row[]>;

/** The part of the `pg` client API used here. */
interface PgClient {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs `work` with an executor bound to one connection: the manager's transaction when it has one,
 * otherwise a pooled connection in autocommit mode (each statement its own transaction).
 */
export async function onConnection<T>(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  work: (execute: Execute) => Promise<T>,
): Promise<T> {
  const callerRunner = manager?.queryRunner;
  if (callerRunner) {
    return work(executorFor(await connectionOf(callerRunner)));
  }
  const runner = dataSource.createQueryRunner();
  try {
    return await work(executorFor(await connectionOf(runner)));
  } finally {
    await runner.release();
  }
}

async function connectionOf(runner: QueryRunner): Promise<PgClient> {
  if (runner.isReleased) throw new Error('the query runner of this EntityManager has been released');
  return (await runner.connect()) as PgClient;
}

function executorFor(client: PgClient): Execute {
  return async <Row>(stmt: Statement, values: readonly unknown[]) => {
    try {
      const result = await client.query({ name: stmt.name, text: stmt.text, values });
      return result.rows as Row[];
    } catch (error) {
      // Same error type as TypeORM's own queries (it copies code, constraint, detail… from the driver error).
      throw new QueryFailedError(stmt.text, [...values], error as Error);
    }
  };
}
