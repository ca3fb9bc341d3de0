import type { GlobalCursor, RecordedEvent } from './types.js';

/** A row of the events table as the `pg` driver returns it (bigint/xid8 as strings, jsonb parsed). */
export interface EventRow {
  position: string | number;
  transaction_id: string | number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date | string;
  hash: Buffer;
}

export function rowToRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: toIsoString(row.recorded_at),
    transactionId: String(row.transaction_id),
    position: String(row.position),
    hash: row.hash.toString('hex'),
  };
}

/** Dates may come back as Date (driver default) or string (if a type parser was installed). */
export function toIsoString(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The cursor just after `event` in the global log: pass it as `after` to continue reading. */
export function cursorOf(event: Pick<RecordedEvent, 'transactionId' | 'position'>): GlobalCursor {
  return { transactionId: event.transactionId, position: event.position };
}

/** Orders cursors as the global log does: by transaction id, then position (both decimal strings). */
export function compareCursors(a: GlobalCursor, b: GlobalCursor): number {
  return compareDecimal(a.transactionId, b.transactionId) || compareDecimal(a.position, b.position);
}

function compareDecimal(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
