import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/**
 * UUID v7 event ids (time-ordered, so the unique index on event_id stays append-mostly). The random bits
 * come from a pooled buffer: by default the uuid package fetches 16 random bytes from the OS for every id,
 * a system call that cost about a quarter of the store's own CPU time per event here.
 */
const IDS_PER_REFILL = 256;
let pool = Buffer.alloc(0);
let offset = 0;

export function newEventId(): string {
  if (offset + 16 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(16 * IDS_PER_REFILL));
    offset = 0;
  }
  const random = pool.subarray(offset, offset + 16);
  offset += 16;
  return uuidv7({ random });
}
