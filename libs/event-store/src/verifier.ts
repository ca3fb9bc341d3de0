import type { EntityManager } from 'typeorm';
import type { Execute } from './connection.js';
import { computeEventHash, GENESIS_HASH } from './hash-chain.js';
import type { EventStoreSql } from './sql.js';

/**
 * Why a stream's chain is broken at a version:
 * - `hash-mismatch`: the event's stored hash is not the hash of its content (its data, metadata, type or id
 *   was changed after it was written, or the hash itself was);
 * - `prev-hash-mismatch`: the event does not point at the hash of the event before it (an event before it
 *   was rewritten together with its hash, or rows were swapped);
 * - `missing-version`: the version is absent (an event was deleted; for the last event, the stream head
 *   proves it existed);
 * - `stream-head-mismatch`: the stream head (version, last hash) disagrees with the events in another way
 *   (head row missing or rewound, or its last hash differs from the last event's hash).
 */
export type ChainBreakReason =
  | 'hash-mismatch'
  | 'missing-version'
  | 'prev-hash-mismatch'
  | 'stream-head-mismatch';

export interface ChainBreak {
  streamId: string;
  /** the first version at which the stream's chain is broken */
  version: number;
  reason: ChainBreakReason;
}

export type VerifyResult =
  | { ok: true; streamsChecked: number; eventsChecked: number }
  | { ok: false; breaks: ChainBreak[]; streamsChecked: number; eventsChecked: number };

export interface VerifyOptions {
  /** verify this stream only */
  streamId?: string;
  /** events fetched per query (default 1,000) */
  batchSize?: number;
  /** run inside the caller's transaction (by default: a REPEATABLE READ transaction of its own) */
  manager?: EntityManager;
}

interface VerifyRow {
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  prev_hash: Buffer;
  hash: Buffer;
  head_version: number | null;
  head_hash: Buffer | null;
}

/** The walk's state for the stream being checked. */
interface StreamWalk {
  streamId: string;
  nextVersion: number;
  lastHash: Buffer;
  broken: boolean;
  headVersion: number;
  headHash: Buffer | null;
}

const DEFAULT_BATCH_SIZE = 1_000;

export async function verifyHashChains(
  execute: Execute,
  sql: EventStoreSql,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const streamFilter = options.streamId ?? null;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const breaks: ChainBreak[] = [];
  let streamsChecked = 0;
  let eventsChecked = 0;
  let walk: StreamWalk | undefined;
  let after: [string, number] = ['', 0];

  for (;;) {
    const rows = await execute<VerifyRow>(sql.verifyBatch, [...after, streamFilter, batchSize]);
    for (const row of rows) {
      if (walk?.streamId !== row.stream_id) {
        if (walk) finishStream(walk, breaks);
        walk = startStream(row);
        streamsChecked++;
      }
      // The head as of the latest batch (the one that reads the stream's end).
      walk.headVersion = row.head_version ?? 0;
      walk.headHash = row.head_hash;
      eventsChecked++;
      if (walk.broken) continue;
      const problem = checkEvent(walk, row);
      if (problem) {
        breaks.push(problem);
        walk.broken = true;
      }
    }
    if (rows.length < batchSize) break;
    const last = rows[rows.length - 1];
    after = [last.stream_id, last.stream_version];
  }
  if (walk) finishStream(walk, breaks);

  // Streams whose every event is gone: only the head is left to tell they existed.
  const orphans = await execute<{ stream_id: string; version: number }>(sql.verifyOrphanHeads, [
    streamFilter,
  ]);
  for (const orphan of orphans) {
    streamsChecked++;
    breaks.push({ streamId: orphan.stream_id, version: 1, reason: 'missing-version' });
  }

  return breaks.length === 0
    ? { ok: true, streamsChecked, eventsChecked }
    : { ok: false, breaks, streamsChecked, eventsChecked };
}

function startStream(row: VerifyRow): StreamWalk {
  return {
    streamId: row.stream_id,
    nextVersion: 1,
    lastHash: GENESIS_HASH,
    broken: false,
    headVersion: row.head_version ?? 0,
    headHash: row.head_hash,
  };
}

/** Checks one event against the walk so far: its first problem, or undefined (and the walk moves on). */
function checkEvent(walk: StreamWalk, row: VerifyRow): ChainBreak | undefined {
  const broken = (version: number, reason: ChainBreakReason): ChainBreak => ({
    streamId: walk.streamId,
    version,
    reason,
  });
  if (row.stream_version !== walk.nextVersion) {
    return broken(walk.nextVersion, 'missing-version');
  }
  if (!row.prev_hash.equals(walk.lastHash)) {
    return broken(row.stream_version, 'prev-hash-mismatch');
  }
  const recomputed = computeEventHash(row.prev_hash, {
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  });
  if (!recomputed.equals(row.hash)) {
    return broken(row.stream_version, 'hash-mismatch');
  }
  walk.lastHash = row.hash;
  walk.nextVersion++;
  return undefined;
}

/** Compares the end of an intact chain with the stream head. */
function finishStream(walk: StreamWalk, breaks: ChainBreak[]): void {
  if (walk.broken) return;
  const lastVersion = walk.nextVersion - 1;
  const report = (version: number, reason: ChainBreakReason) =>
    breaks.push({ streamId: walk.streamId, version, reason });
  if (walk.headVersion > lastVersion) {
    // The head says more events were written than remain: the tail was deleted.
    report(lastVersion + 1, 'missing-version');
  } else if (walk.headVersion < lastVersion || walk.headHash === null) {
    report(walk.headVersion + 1, 'stream-head-mismatch');
  } else if (!walk.headHash.equals(walk.lastHash)) {
    report(lastVersion, 'stream-head-mismatch');
  }
}
