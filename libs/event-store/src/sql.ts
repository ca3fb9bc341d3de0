import { type Statement, statement } from './connection.js';
import { assertSchemaName, quoteIdentifier } from './identifiers.js';

/**
 * The SQL statements of one event-store schema, built once per store (the schema name is validated and
 * quoted here, everything else travels as bind parameters). Each runs as a prepared statement.
 */
export type EventStoreSql = Record<
  | 'streamHead'
  | 'notify'
  | 'streamDiagnosis'
  | 'append'
  | 'appendAndNotify'
  | 'readStream'
  | 'readAll'
  | 'loadCheckpoint'
  | 'storeCheckpoint'
  | 'lockCheckpoint'
  | 'tryLockCheckpoint'
  | 'verifyBatch'
  | 'verifyOrphanHeads',
  Statement
>;

/** Columns of a recorded event, in the shape `rowToRecordedEvent` expects. */
const EVENT_COLUMNS =
  'e.position, e.transaction_id, e.event_id, e.stream_id, e.stream_version, e.type, e.data, e.metadata, e.recorded_at, e.hash';

export function eventStoreSql(schema: string): EventStoreSql {
  const s = quoteIdentifier(assertSchemaName(schema));
  const texts: Record<keyof EventStoreSql, string> = {
    streamHead: `SELECT version, last_hash FROM ${s}.streams WHERE stream_id = $1`,

    /*
     * A wake-up sent in a transaction of its own after a standalone append committed. It is not worth a WAL
     * flush (a lost wake-up only delays readers, who also poll), and PostgreSQL holds a cluster-wide lock
     * from a notifying transaction's pre-commit until its commit is flushed, so skipping the flush keeps
     * that lock short.
     */
    notify: `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`,

    // Run after a refused append, in the same transaction: why was it refused? ($2: the head hash it assumed)
    streamDiagnosis: `
      SELECT version,
             last_hash = $2::bytea AS same_head,
             coalesce(last_transaction_id > pg_current_xact_id_if_assigned(), false) AS newer_writer
      FROM ${s}.streams WHERE stream_id = $1`,

    append: appendStatement(s, false),
    appendAndNotify: appendStatement(s, true),

    readStream: `
      SELECT ${EVENT_COLUMNS} FROM ${s}.events e
      WHERE e.stream_id = $1 AND e.stream_version BETWEEN $2 AND $3
      ORDER BY e.stream_version`,

    /*
     * The global log, in (transaction_id, position) order, restricted to transactions below the current
     * snapshot's xmin: every transaction with a smaller id has ended, so no event can ever appear behind
     * the returned ones (see docs/event-store.md, "the xmin rule"). Served by events_transaction_position_idx.
     */
    readAll: `
      SELECT ${EVENT_COLUMNS} FROM ${s}.events e
      WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        AND (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
      ORDER BY e.transaction_id, e.position
      LIMIT $3`,

    loadCheckpoint: `SELECT transaction_id, position FROM ${s}.checkpoints WHERE name = $1`,

    storeCheckpoint: `
      INSERT INTO ${s}.checkpoints AS c (name, transaction_id, position, updated_at)
      VALUES ($1, $2::xid8, $3::bigint, now())
      ON CONFLICT (name) DO UPDATE
        SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,

    /*
     * The verifier walks the events in (stream_id, stream_version) order by keyset pagination on the unique
     * index; each row carries its stream's head so the end of a stream can be compared with it.
     * $1/$2 resume after (stream, version), $3 restricts to one stream (null = all), $4 batch size.
     */
    verifyBatch: `
      SELECT e.stream_id, e.stream_version, e.event_id, e.type, e.data, e.metadata, e.prev_hash, e.hash,
             st.version AS head_version, st.last_hash AS head_hash
      FROM ${s}.events e
      LEFT JOIN ${s}.streams st ON st.stream_id = e.stream_id
      WHERE (e.stream_id, e.stream_version) > ($1::text, $2::integer)
        AND ($3::text IS NULL OR e.stream_id = $3::text)
      ORDER BY e.stream_id, e.stream_version
      LIMIT $4`,

    // Streams whose head says they have events but that have none left (every event deleted).
    verifyOrphanHeads: `
      SELECT st.stream_id, st.version FROM ${s}.streams st
      WHERE st.version > 0
        AND ($1::text IS NULL OR st.stream_id = $1::text)
        AND NOT EXISTS (SELECT 1 FROM ${s}.events e WHERE e.stream_id = st.stream_id)
      ORDER BY st.stream_id`,

    lockCheckpoint: 'SELECT pg_advisory_xact_lock($1::bigint)',
    tryLockCheckpoint: 'SELECT pg_try_advisory_xact_lock($1::bigint) AS acquired',
  };
  return Object.fromEntries(
    Object.entries(texts).map(([key, text]) => [key, statement(text)]),
  ) as EventStoreSql;
}

/**
 * One statement per append (atomic on its own when no caller transaction is given), and usually the only
 * one: the head it builds on comes from the store's cache when it can.
 * - `gate` is the optimistic-concurrency check: a conditional upsert of the stream's head row. Concurrent
 *   appends to one stream queue on that row; after the first commits, the others re-check the WHERE against
 *   the committed row and are refused (no row returned), so nothing is inserted for them. The head must be
 *   at the expected version AND have the hash the new chain starts from (the store may have taken both from
 *   its cache of stream heads instead of reading them first). The last condition refuses a transaction that
 *   is older than the stream's last writer: its events would sort before that writer's in the global log
 *   (ordered by transaction id). A new stream (expected version 0) has no row to conflict with and starts
 *   from the genesis hash.
 * - with `notify`, the gate's RETURNING also wakes listeners (once, and only when the append goes through;
 *   delivered on commit, dropped on rollback): for appends in a caller's transaction, whose commit the store
 *   cannot see. A standalone append notifies after its commit instead (EventStore.wakeListeners).
 * - the events go in with one multi-row INSERT, in version order, only when the gate let them through; no
 *   row returned means refused.
 *
 * $1 stream, $2 new version, $3 new head hash, $4 expected version, $5 the head hash the chain starts from,
 * $6..$11 per-event values (data and metadata as one JSON array each: the canonical texts joined, which
 * needs no array-literal escaping); with `notify`, $12 channel and $13 payload.
 */
function appendStatement(s: string, notify: boolean): string {
  return `
    WITH gate AS (
      INSERT INTO ${s}.streams AS st (stream_id, version, last_hash, last_transaction_id, updated_at)
      VALUES ($1, $2::integer, $3::bytea, pg_current_xact_id(), now())
      ON CONFLICT (stream_id) DO UPDATE
        SET version = EXCLUDED.version,
            last_hash = EXCLUDED.last_hash,
            last_transaction_id = EXCLUDED.last_transaction_id,
            updated_at = EXCLUDED.updated_at
        WHERE st.version = $4::integer
          AND st.last_hash = $5::bytea
          AND st.last_transaction_id <= EXCLUDED.last_transaction_id
      RETURNING st.stream_id${notify ? ', pg_notify($12, $13)' : ''}
    )
    INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, data, metadata, prev_hash, hash)
    SELECT b.event_id, gate.stream_id, $4::integer + b.ord::integer, b.type, b.data, b.metadata, b.prev_hash, b.hash
    FROM gate
    CROSS JOIN ROWS FROM (
      unnest($6::uuid[]), unnest($7::text[]), jsonb_array_elements($8::jsonb),
      jsonb_array_elements($9::jsonb), unnest($10::bytea[]), unnest($11::bytea[])
    ) WITH ORDINALITY AS b(event_id, type, data, metadata, prev_hash, hash, ord)
    ORDER BY b.ord
    RETURNING stream_version, position, transaction_id, recorded_at`;
}
