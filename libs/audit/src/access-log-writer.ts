import { createHash } from 'node:crypto';
import { type DataSource, QueryFailedError } from 'typeorm';
import type { AccessRecord } from './access-record.js';
import { quoteIdentifier } from './sql-identifier.js';

/** What the writer logs through (the platform's pino logger fits). */
export interface AccessLogLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface AccessLogWriterOptions {
  readonly dataSource: DataSource;
  /** the service schema holding `access_log` */
  readonly schema: string;
  readonly logger?: AccessLogLogger;
  /** the longest a batched record waits before it is written (default 50 ms) */
  readonly flushIntervalMs?: number;
  /** records per INSERT; a full batch is written at once (default 200) */
  readonly batchSize?: number;
  /**
   * Batched records kept in memory while the database refuses them; beyond this the oldest are
   * dropped and counted in an error log line (default 10,000).
   */
  readonly maxPending?: number;
  /** pause before retrying after a failed write (default 1 s) */
  readonly retryDelayMs?: number;
  /**
   * INSERTs in flight at once (default 1). With one, a durable record that arrives during a write waits
   * for that write and then its own; with several, it starts its own write at once and PostgreSQL's group
   * commit shares the WAL flushes.
   */
  readonly maxConcurrentWrites?: number;
}

interface DurableRequest {
  readonly record: AccessRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const COLUMNS = [
  'at',
  'service',
  'actor_id',
  'actor_type',
  'roles',
  'org_id',
  'claimed_account',
  'method',
  'route',
  'case_id',
  'status',
  'ip',
  'user_agent',
  'request_id',
  'outcome',
  'kind',
  'duration_ms',
] as const;

const COLUMN_TYPES: Record<(typeof COLUMNS)[number], string> = {
  at: 'timestamptz',
  service: 'text',
  actor_id: 'text',
  actor_type: 'text',
  roles: 'text',
  org_id: 'text',
  claimed_account: 'text',
  method: 'text',
  route: 'text',
  case_id: 'uuid',
  status: 'smallint',
  ip: 'text',
  user_agent: 'text',
  request_id: 'text',
  outcome: 'text',
  kind: 'text',
  duration_ms: 'integer',
};
const ROLES_INDEX = COLUMNS.indexOf('roles');

/** INSERT … SELECT FROM unnest(one array per column): the same text for any number of rows. */
function insertStatement(table: string): string {
  const arrays = COLUMNS.map((column, index) => `$${index + 1}::${COLUMN_TYPES[column]}[]`).join(', ');
  const selected = COLUMNS.map((column) =>
    column === 'roles' ? "string_to_array(r.roles, ',')" : `r.${column}`,
  );
  return `INSERT INTO ${table} (${COLUMNS.join(', ')})
    SELECT ${selected.join(', ')} FROM unnest(${arrays}) AS r(${COLUMNS.join(', ')})`;
}

function rowValues(record: AccessRecord): unknown[] {
  return [
    record.at,
    record.service,
    record.actorId,
    record.actorType,
    [...record.roles],
    record.orgId,
    record.claimedAccount,
    record.method,
    record.route,
    record.caseId,
    record.status,
    record.ip,
    record.userAgent,
    record.requestId,
    record.outcome,
    record.kind,
    record.durationMs,
  ];
}

/**
 * Writes access records to `<schema>.access_log` in multi-row INSERTs, at most `maxConcurrentWrites`
 * at a time (group commit):
 *
 * - `writeDurably(record)` resolves once the record is committed. It starts a write at once, or, when
 *   every write slot is busy, joins the next one, so concurrent requests share commits instead of
 *   queueing for connections.
 * - `write(record)` buffers: the buffer is written within `flushIntervalMs`, when it holds
 *   `batchSize` records, with the next durable write, and on `close()`.
 *
 * A failed write rejects its durable records (the caller decides what the response becomes) and keeps
 * the batched ones for a retry.
 */
export class AccessLogWriter {
  private readonly table: string;
  private readonly statement: string;
  private readonly statementName: string;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly retryDelayMs: number;
  private readonly maxConcurrentWrites: number;
  private buffered: AccessRecord[] = [];
  private durable: DurableRequest[] = [];
  /** the INSERTs in flight; each settles to true when it failed */
  private readonly writes = new Set<Promise<boolean>>();
  private timer?: NodeJS.Timeout;
  private timerDueAt = 0;
  /** after a failed write, batched records wait until then (durable ones are tried at once) */
  private retryNotBefore = 0;
  private closed = false;

  constructor(private readonly options: AccessLogWriterOptions) {
    this.table = `${quoteIdentifier(options.schema)}.access_log`;
    this.statement = insertStatement(this.table);
    this.statementName = `access_log_${createHash('sha256').update(this.statement).digest('hex').slice(0, 24)}`;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.batchSize = options.batchSize ?? 200;
    this.maxPending = options.maxPending ?? 10_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxConcurrentWrites = Math.max(1, options.maxConcurrentWrites ?? 1);
  }

  /** Records waiting in memory (batched and durable). */
  get pending(): number {
    return this.buffered.length + this.durable.length;
  }

  /** Buffers a record; it is written within the flush interval. */
  write(record: AccessRecord): void {
    this.buffered.push(record);
    if (this.buffered.length > this.maxPending) {
      const dropped = this.buffered.splice(0, this.buffered.length - this.maxPending);
      this.options.logger?.error(
        { dropped: dropped.length, from: dropped[0]?.at, to: dropped[dropped.length - 1]?.at },
        'access log buffer full: oldest batched records dropped',
      );
    }
    if (this.buffered.length >= this.batchSize || this.closed) this.startWriting();
    else this.scheduleFlush(this.flushIntervalMs);
  }

  /** Writes a record and resolves when it is committed; rejects when the database refused it. */
  writeDurably(record: AccessRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.durable.push({ record, resolve, reject });
      this.startWriting();
    });
  }

  /** Writes everything pending now; resolves when done (or when a write failed and will be retried). */
  async flush(): Promise<void> {
    for (;;) {
      this.startWriting();
      if (this.writes.size === 0) return;
      const failed = await Promise.all([...this.writes]);
      if (failed.some(Boolean)) {
        while (this.writes.size > 0) await Promise.all([...this.writes]);
        return;
      }
    }
  }

  /**
   * Writes what is pending and stops the timer; later records are still accepted and written at once
   * (a late response during shutdown). Failures are logged with the number of records lost.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.flush();
    if (this.pending > 0) {
      // One last attempt after a failure, so a blip during shutdown loses nothing.
      await this.flush();
      if (this.buffered.length > 0) {
        this.options.logger?.error({ lost: this.buffered.length }, 'access log: records lost at shutdown');
      }
    }
  }

  /**
   * Makes sure a flush is due within `delayMs`, but not before the retry pause after a failure: an
   * earlier due time replaces a later one, never the other way round.
   */
  private scheduleFlush(delayMs: number): void {
    if (this.closed) return; // close() writes what is pending; later records are written at once
    const dueAt = Math.max(Date.now() + delayMs, this.retryNotBefore);
    if (this.timer && this.timerDueAt <= dueAt) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWriting();
    }, dueAt - Date.now());
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts writes while there is something to write and a free slot. */
  private startWriting(): void {
    this.clearTimer();
    while (
      this.writes.size < this.maxConcurrentWrites &&
      (this.durable.length > 0 || this.buffered.length > 0)
    ) {
      this.startWrite();
    }
  }

  /** One INSERT of the waiting durable records (first) and as many batched ones as fit. */
  private startWrite(): void {
    const durable = this.durable.splice(0, this.batchSize);
    const batched = this.buffered.splice(0, this.batchSize - durable.length);
    const write = this.insert([...durable.map((request) => request.record), ...batched]).then(
      () => {
        this.retryNotBefore = 0;
        for (const request of durable) request.resolve();
        return false;
      },
      (error: unknown) => {
        this.retryNotBefore = Date.now() + this.retryDelayMs;
        this.buffered.unshift(...batched);
        for (const request of durable) request.reject(error);
        this.options.logger?.warn(
          { err: error, waiting: this.buffered.length, refused: durable.length },
          'access log write failed; batched records will be retried',
        );
        return true;
      },
    );
    this.writes.add(write);
    void write.then((failed) => {
      this.writes.delete(write);
      // Durable records that arrived while every slot was busy are written now; batched ones on time.
      if (this.durable.length > 0) this.startWriting();
      else if (this.buffered.length > 0 && this.writes.size === 0) {
        this.scheduleFlush(failed ? this.retryDelayMs : this.flushIntervalMs);
      }
    });
  }

  /**
   * One INSERT of any number of records, as a prepared statement (one text whatever the row count:
   * the columns travel as arrays), so PostgreSQL plans it once per connection instead of per write.
   */
  private async insert(records: readonly AccessRecord[]): Promise<void> {
    if (records.length === 0) return;
    const columns = COLUMNS.map(() => [] as unknown[]);
    for (const record of records) {
      rowValues(record).forEach((value, index) => {
        // roles (a text[] per row) travel joined: arrays of arrays would flatten in unnest
        columns[index].push(index === ROLES_INDEX ? (value as string[]).join(',') : value);
      });
    }
    const runner = this.options.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as {
        query(config: { name: string; text: string; values: unknown[] }): Promise<unknown>;
      };
      await client.query({ name: this.statementName, text: this.statement, values: columns });
    } catch (error) {
      throw new QueryFailedError(this.statement, [], error as Error);
    } finally {
      await runner.release();
    }
  }
}
