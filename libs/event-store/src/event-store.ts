import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { validate as isUuid } from 'uuid';
import { canonicalJson } from './canonical-json.js';
import { type Execute, onConnection } from './connection.js';
import { ConcurrencyError, DuplicateEventError } from './errors.js';
import { newEventId } from './event-ids.js';
import { canonicalContentFromParts, hashCanonicalContent } from './hash-chain.js';
import { assertChannelName, assertSchemaName } from './identifiers.js';
import { type EventRow, rowToRecordedEvent, toIsoString } from './rows.js';
import { type EventStoreSql, eventStoreSql } from './sql.js';
import { EMPTY_STREAM, type StreamHead, StreamHeadCache } from './stream-heads.js';
import {
  type AppendResult,
  type EventMetadata,
  type ExpectedVersion,
  type GlobalCursor,
  type NewEvent,
  type RecordedEvent,
  START,
} from './types.js';
import { type VerifyOptions, type VerifyResult, verifyHashChains } from './verifier.js';
import { CoalescingNotifier } from './wake-up.js';

export interface EventStoreOptions {
  /** the PostgreSQL schema holding the tables (created by `eventStoreMigrations(schema)`) */
  schema: string;
  /** LISTEN/NOTIFY channel woken on every committed append; default `event_store_<schema>` */
  notifyChannel?: string;
}

/** Where a call runs: inside the caller's transaction when a manager is given, else on its own. */
export interface TransactionOptions {
  manager?: EntityManager;
}

export interface ReadStreamOptions extends TransactionOptions {
  /** first version to return (default 1) */
  fromVersion?: number;
  /** last version to return, inclusive (default: the end of the stream) */
  toVersion?: number;
}

export interface ReadAllOptions extends TransactionOptions {
  /** return events strictly after this cursor (default START) */
  after?: GlobalCursor;
  /** maximum number of events (default 1,000) */
  limit?: number;
}

export interface CheckpointLockOptions {
  /**
   * false (default): give up at once when another reader holds the lock (`{ acquired: false }`);
   * true: wait for it.
   */
  wait?: boolean;
}

export type CheckpointLockResult<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Attempts made for one append: a stale cached head costs one retry; an `'any'` append also retries when
 * another writer got in first.
 */
const MAX_APPEND_ATTEMPTS = 10;
const HEAD_CACHE_SIZE = 10_000;
/**
 * Standalone appends within this window share one wake-up notification: a notification is a transaction
 * (and a round trip) of its own, which cost about 10 % of the append throughput when sent for every append.
 */
const WAKE_UP_COALESCING_MS = 2;
const DEFAULT_READ_LIMIT = 1_000;
const PG_UNIQUE_VIOLATION = '23505';
const PG_SERIALIZATION_FAILURE = '40001';
const PG_DEADLOCK_DETECTED = '40P01';
const MAX_VERSION = 2_147_483_647;

/**
 * An append-only event store in one PostgreSQL schema: streams with optimistic concurrency and a hash chain,
 * a global log readable in commit-safe order, reader checkpoints, and a verifier. See docs/event-store.md.
 */
export class EventStore {
  readonly schema: string;
  /** channel notified (payload: the schema name) when an append commits; LISTEN on it to wake a reader */
  readonly notifyChannel: string;
  private readonly sql: EventStoreSql;
  private readonly notifier: CoalescingNotifier;
  private readonly heads = new StreamHeadCache(HEAD_CACHE_SIZE);

  constructor(
    private readonly dataSource: DataSource,
    options: EventStoreOptions,
  ) {
    if (dataSource.options.type !== 'postgres') {
      throw new TypeError(`the event store needs a PostgreSQL DataSource, got ${dataSource.options.type}`);
    }
    this.schema = assertSchemaName(options.schema);
    this.notifyChannel = assertChannelName(options.notifyChannel ?? `event_store_${options.schema}`);
    this.sql = eventStoreSql(this.schema);
    this.notifier = new CoalescingNotifier(
      () => this.run(undefined, (execute) => execute(this.sql.notify, [this.notifyChannel, this.schema])),
      WAKE_UP_COALESCING_MS,
    );
  }

  /**
   * Appends `events` to `streamId` if the stream is at `expectedVersion` (`'no_stream'`: it must not exist
   * yet, same as 0; `'any'`: no check). Throws {@link ConcurrencyError} otherwise — also when a concurrent
   * append won the race — and {@link DuplicateEventError} when a given event id is already stored.
   *
   * With `options.manager` the events are written in the caller's transaction (commit or roll back together
   * with the caller's own changes) and listeners on {@link notifyChannel} are notified by that transaction,
   * i.e. when it commits. Without, the append is one atomic statement of its own, and listeners are notified
   * right after it committed (see {@link wakeListeners}; the append does not wait for that notification).
   *
   * Usually one statement: the head the new events chain onto is taken from the store's cache of the heads
   * it recently wrote or read (`readStream` to the end), checked by the statement itself; a stream head is
   * read first only on a cache miss.
   */
  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    options: TransactionOptions = {},
  ): Promise<AppendResult> {
    assertStreamId(streamId);
    assertExpectedVersion(expectedVersion);
    const inCallerTransaction = options.manager?.queryRunner !== undefined;
    const prepared = events.map(prepareEvent);
    const result = await this.run(options.manager, async (execute) => {
      let guess = prepared.length === 0 ? undefined : this.guessHead(streamId, expectedVersion);
      for (let attempt = 1; ; attempt++) {
        const head = guess ?? (await readHead(execute, this.sql, streamId));
        const expected = expectedVersion === 'any' ? head.version : toNumericVersion(expectedVersion);
        if (head.version !== expected) {
          throw new ConcurrencyError(streamId, expectedVersion, head.version);
        }
        if (prepared.length === 0) {
          return { nextVersion: head.version, events: [] };
        }
        const chained = chainEvents(streamId, head, prepared);
        const rows = await this.insertChained(
          execute,
          streamId,
          expectedVersion,
          head,
          chained,
          inCallerTransaction,
        );
        if (rows.length === chained.length) {
          const nextVersion = head.version + chained.length;
          this.heads.set(streamId, { version: nextVersion, lastHash: chained[chained.length - 1].hash });
          return { nextVersion, events: toRecordedEvents(streamId, chained, rows) };
        }
        this.heads.forget(streamId);
        const refusal = await diagnoseRefusal(execute, this.sql, streamId, head);
        const retry =
          attempt < MAX_APPEND_ATTEMPTS &&
          ((guess !== undefined && refusal.reason === 'stale-head') ||
            (expectedVersion === 'any' && refusal.reason !== 'transaction-order'));
        if (!retry) {
          const reason = refusal.reason === 'transaction-order' ? refusal.reason : 'version-mismatch';
          throw new ConcurrencyError(streamId, expectedVersion, refusal.actual, reason);
        }
        guess = undefined;
      }
    });
    if (!inCallerTransaction && result.events.length > 0) void this.wakeListeners();
    return result;
  }

  /** Events of one stream in version order, optionally limited to `[fromVersion, toVersion]`. */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertStreamId(streamId);
    const from = options.fromVersion ?? 1;
    const to = options.toVersion ?? MAX_VERSION;
    const rows = await this.run(options.manager, (execute) =>
      execute<EventRow>(this.sql.readStream, [streamId, from, to]),
    );
    const last = rows[rows.length - 1];
    if (last && options.toVersion === undefined) {
      // Most likely the head (e.g. handleCommand reads, decides, then appends at this version).
      this.heads.set(streamId, { version: last.stream_version, lastHash: last.hash });
    }
    return rows.map(rowToRecordedEvent);
  }

  /** The stream's current version (its number of events); 0 when the stream does not exist. */
  async streamVersion(streamId: string, options: TransactionOptions = {}): Promise<number> {
    assertStreamId(streamId);
    return (await this.run(options.manager, (execute) => readHead(execute, this.sql, streamId))).version;
  }

  /**
   * Up to `limit` events of the global log after `after`, in (transactionId, position) order, from
   * transactions below the current snapshot's xmin only: a reader that stores the last event's cursor
   * (`cursorOf`) and continues from it never skips an event committed late by an older transaction.
   * An empty result means "nothing safe to read yet", not "the log ends here".
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const limit = options.limit ?? DEFAULT_READ_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new TypeError('readAll limit must be a positive integer');
    }
    const rows = await this.run(options.manager, (execute) =>
      execute<EventRow>(this.sql.readAll, [after.transactionId, after.position, limit]),
    );
    return rows.map(rowToRecordedEvent);
  }

  /** The reader's stored cursor, or START when it has none. */
  async loadCheckpoint(name: string, manager?: EntityManager): Promise<GlobalCursor> {
    assertReaderName(name);
    const rows = await this.run(manager, (execute) =>
      execute<{ transaction_id: string; position: string }>(this.sql.loadCheckpoint, [name]),
    );
    const row = rows[0];
    return row ? { transactionId: String(row.transaction_id), position: String(row.position) } : { ...START };
  }

  /** Stores (upserts) the reader's cursor; in the caller's transaction when a manager is given. */
  async storeCheckpoint(name: string, cursor: GlobalCursor, manager?: EntityManager): Promise<void> {
    assertReaderName(name);
    await this.run(manager, (execute) =>
      execute(this.sql.storeCheckpoint, [name, cursor.transactionId, cursor.position]),
    );
  }

  /**
   * Runs `fn` in a READ COMMITTED transaction that holds the reader's exclusive lock, so that of several
   * instances of one reader (e.g. outbox relays) only one processes the log at a time. `fn` gets the
   * reader's checkpoint (loaded after the lock was taken, so it includes the previous holder's last commit)
   * and the transaction's manager: read with `readAll({ after: cursor, manager })`, do the work, then
   * `storeCheckpoint(name, next, manager)`. The checkpoint and any other writes through `manager` commit
   * together when `fn` resolves, and roll back when it throws (the error is rethrown).
   *
   * The lock is a transaction-level advisory lock keyed by (schema, reader name); it takes no transaction
   * id, so holding it does not hold back other readers' xmin. It is released on commit, rollback or when
   * the connection dies (a killed process never leaves it behind).
   *
   * Returns `{ acquired: false }` without calling `fn` when another instance holds the lock (unless
   * `options.wait` is true, in which case it waits).
   */
  async withCheckpointLock<T>(
    name: string,
    fn: (cursor: GlobalCursor, manager: EntityManager) => Promise<T>,
    options: CheckpointLockOptions = {},
  ): Promise<CheckpointLockResult<T>> {
    assertReaderName(name);
    const key = this.checkpointLockKey(name);
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const acquired = await this.run(manager, async (execute) => {
        if (options.wait) {
          await execute(this.sql.lockCheckpoint, [key]);
          return true;
        }
        const [row] = await execute<{ acquired: boolean }>(this.sql.tryLockCheckpoint, [key]);
        return row?.acquired === true;
      });
      if (!acquired) return { acquired: false };
      const cursor = await this.loadCheckpoint(name, manager);
      return { acquired: true, result: await fn(cursor, manager) };
    });
  }

  /**
   * Recomputes every stream's hash chain (or one stream's) and compares it with the stream heads. Reports
   * the first break of each broken stream. Reads in batches, so it runs in constant memory; without a
   * manager it reads in a REPEATABLE READ transaction, so appends made meanwhile cannot look like breaks.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    if (options.streamId !== undefined) assertStreamId(options.streamId);
    const check = (manager: EntityManager) =>
      this.run(manager, (execute) => verifyHashChains(execute, this.sql, options));
    return options.manager ? check(options.manager) : this.dataSource.transaction('REPEATABLE READ', check);
  }

  /**
   * Notifies {@link notifyChannel} (payload: the schema) in a transaction of its own, within a couple of
   * milliseconds. Standalone appends call it after their commit; call it yourself after committing a
   * transaction in which you wrote events by other means. Calls close together share one notification
   * (resolved once a notification sent after the call was committed); it never throws (a lost wake-up only
   * delays readers, who also poll).
   *
   * Why not notify inside the append's transaction: PostgreSQL (up to at least 17) serialises the commits of
   * all notifying transactions behind one cluster-wide lock held until the commit is flushed to disk, which
   * cost about two thirds of the append throughput with four concurrent writers here.
   */
  wakeListeners(): Promise<void> {
    return this.notifier.request();
  }

  /** The head an append can build on without reading it first, if the store knows a likely one. */
  private guessHead(streamId: string, expectedVersion: ExpectedVersion): StreamHead | undefined {
    if (expectedVersion === 'no_stream' || expectedVersion === 0) return EMPTY_STREAM;
    const cached = this.heads.get(streamId);
    if (expectedVersion === 'any' || cached?.version === expectedVersion) return cached;
    return undefined;
  }

  /** Runs `work` on the manager's transaction, or on a pooled connection in autocommit mode. */
  private run<T>(manager: EntityManager | undefined, work: (execute: Execute) => Promise<T>): Promise<T> {
    return onConnection(this.dataSource, manager, work);
  }

  /** 64-bit advisory lock key derived from the schema and reader name (a collision only serialises two readers). */
  private checkpointLockKey(name: string): string {
    const digest = createHash('sha256').update(`event-store\0${this.schema}\0checkpoint\0${name}`).digest();
    return digest.readBigInt64BE(0).toString();
  }

  private async insertChained(
    execute: Execute,
    streamId: string,
    expectedVersion: ExpectedVersion,
    head: StreamHead,
    chained: readonly ChainedEvent[],
    notifyInTransaction: boolean,
  ): Promise<AppendedRow[]> {
    const last = chained[chained.length - 1];
    try {
      const values = [
        streamId,
        head.version + chained.length,
        last.hash,
        head.version,
        head.lastHash,
        chained.map((e) => e.eventId),
        chained.map((e) => e.type),
        `[${chained.map((e) => e.canonicalData).join(',')}]`,
        `[${chained.map((e) => e.canonicalMetadata).join(',')}]`,
        chained.map((e) => e.prevHash),
        chained.map((e) => e.hash),
      ];
      return notifyInTransaction
        ? await execute<AppendedRow>(this.sql.appendAndNotify, [...values, this.notifyChannel, this.schema])
        : await execute<AppendedRow>(this.sql.append, values);
    } catch (error) {
      throw translateAppendError(error, streamId, expectedVersion, chained);
    }
  }
}

async function readHead(execute: Execute, sql: EventStoreSql, streamId: string): Promise<StreamHead> {
  const [row] = await execute<{ version: number; last_hash: Buffer }>(sql.streamHead, [streamId]);
  return row ? { version: row.version, lastHash: row.last_hash } : EMPTY_STREAM;
}

type RefusalReason = 'version-mismatch' | 'transaction-order' | 'stale-head';

/**
 * After the gate refused an append (in the same transaction): the stream's actual version, and why.
 * `stale-head`: the head is at the expected version but not the assumed hash (a cached head from a
 * transaction that rolled back) — not a conflict; the append is retried from the real head.
 */
async function diagnoseRefusal(
  execute: Execute,
  sql: EventStoreSql,
  streamId: string,
  assumed: StreamHead,
): Promise<{ actual: number; reason: RefusalReason }> {
  const [row] = await execute<{ version: number; same_head: boolean; newer_writer: boolean }>(
    sql.streamDiagnosis,
    [streamId, assumed.lastHash],
  );
  const actual = row?.version ?? 0;
  if (actual !== assumed.version) return { actual, reason: 'version-mismatch' };
  if (row && !row.same_head) return { actual, reason: 'stale-head' };
  return { actual, reason: row?.newer_writer ? 'transaction-order' : 'version-mismatch' };
}

/** An event ready to be chained: id and metadata filled in, data and metadata in canonical JSON. */
interface PreparedEvent {
  eventId: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  canonicalData: string;
  canonicalMetadata: string;
}

interface ChainedEvent extends PreparedEvent {
  streamVersion: number;
  prevHash: Buffer;
  hash: Buffer;
}

/** What the append statement returns for each inserted event (nothing when the gate refused). */
interface AppendedRow {
  stream_version: number;
  position: string | number;
  transaction_id: string | number;
  recorded_at: Date | string;
}

function prepareEvent(event: NewEvent): PreparedEvent {
  if (typeof event?.type !== 'string' || event.type.length === 0) {
    throw new TypeError('every event needs a non-empty string type');
  }
  assertMetadata(event.metadata);
  const given = event.metadata.eventId;
  if (given !== undefined && !isUuid(given))
    throw new TypeError(`event id ${JSON.stringify(given)} is not a UUID`);
  const eventId = given ?? newEventId();
  const metadata = { ...event.metadata, eventId, schemaVersion: event.metadata.schemaVersion ?? 1 };
  const data = event.data === undefined ? null : event.data;
  // The canonical text is both what gets hashed and what gets stored, so the two cannot drift apart.
  return {
    eventId,
    type: event.type,
    data,
    metadata,
    canonicalData: canonicalJson(data),
    canonicalMetadata: canonicalJson(metadata),
  };
}

function chainEvents(streamId: string, head: StreamHead, events: readonly PreparedEvent[]): ChainedEvent[] {
  let prevHash = head.lastHash;
  return events.map((event, index) => {
    const streamVersion = head.version + index + 1;
    const text = canonicalContentFromParts({
      streamId,
      streamVersion,
      eventId: event.eventId,
      type: event.type,
      canonicalData: event.canonicalData,
      canonicalMetadata: event.canonicalMetadata,
    });
    const hash = hashCanonicalContent(prevHash, text);
    const chained: ChainedEvent = {
      eventId: event.eventId,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      canonicalData: event.canonicalData,
      canonicalMetadata: event.canonicalMetadata,
      streamVersion,
      prevHash,
      hash,
    };
    prevHash = hash;
    return chained;
  });
}

function toRecordedEvents(
  streamId: string,
  chained: readonly ChainedEvent[],
  rows: readonly AppendedRow[],
): RecordedEvent[] {
  const byVersion = new Map(rows.map((row) => [row.stream_version, row]));
  // All rows share the transaction and its now(); parse the time once.
  const recordedAt = toIsoString(rows[0].recorded_at);
  return chained.map((event) => {
    const row = byVersion.get(event.streamVersion) as AppendedRow;
    return {
      eventId: event.eventId,
      streamId,
      streamVersion: event.streamVersion,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      recordedAt,
      transactionId: String(row.transaction_id),
      position: String(row.position),
      hash: event.hash.toString('hex'),
    };
  });
}

/** Turns the database errors an append can meet into the store's typed errors. */
function translateAppendError(
  error: unknown,
  streamId: string,
  expected: ExpectedVersion,
  chained: readonly ChainedEvent[],
): unknown {
  const { code, constraint, detail } = (error ?? {}) as {
    code?: string;
    constraint?: string;
    detail?: string;
  };
  if (code === PG_UNIQUE_VIOLATION && constraint === 'events_event_id_uq') {
    const match = /\(event_id\)=\(([^)]+)\)/.exec(detail ?? '');
    return new DuplicateEventError(
      match?.[1] ?? (chained.length === 1 ? chained[0].eventId : undefined),
      error,
    );
  }
  if (code === PG_UNIQUE_VIOLATION) {
    // Backstop: the unique (stream_id, stream_version) constraint caught what the gate should have.
    return new ConcurrencyError(streamId, expected, undefined, 'version-mismatch');
  }
  if (code === PG_SERIALIZATION_FAILURE || code === PG_DEADLOCK_DETECTED) {
    return new ConcurrencyError(streamId, expected, undefined, 'serialization-failure');
  }
  return error;
}

function toNumericVersion(expected: number | 'no_stream'): number {
  return expected === 'no_stream' ? 0 : expected;
}

function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('stream id must be a non-empty string');
  }
}

function assertReaderName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('reader (checkpoint) name must be a non-empty string');
  }
}

function assertExpectedVersion(expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream') return;
  if (!Number.isInteger(expected) || expected < 0 || expected > MAX_VERSION) {
    throw new TypeError(
      `expected version must be 'any', 'no_stream' or an integer >= 0, got ${String(expected)}`,
    );
  }
}

function assertMetadata(metadata: EventMetadata | undefined): asserts metadata is EventMetadata {
  if (!metadata || typeof metadata.occurredAt !== 'string' || typeof metadata.actor?.id !== 'string') {
    throw new TypeError('every event needs metadata with occurredAt (ISO string) and actor');
  }
}
