import { GENESIS_HASH } from './hash-chain.js';

/** A stream's head: its version and the hash of its last event (the genesis hash for an empty stream). */
export interface StreamHead {
  version: number;
  lastHash: Buffer;
}

export const EMPTY_STREAM: StreamHead = { version: 0, lastHash: GENESIS_HASH };

/**
 * The heads this store last wrote or read, so that an append usually needs no read before its one
 * statement. A cached head is only ever a guess: the append's gate accepts it only if the stored head has
 * exactly that version and hash, and the store reads the head and tries again when it was stale (e.g. the
 * transaction that wrote it rolled back). Least recently used entries are evicted beyond `capacity`.
 */
export class StreamHeadCache {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): StreamHead | undefined {
    const head = this.heads.get(streamId);
    if (head) {
      this.heads.delete(streamId);
      this.heads.set(streamId, head);
    }
    return head;
  }

  set(streamId: string, head: StreamHead): void {
    this.heads.delete(streamId);
    this.heads.set(streamId, head);
    if (this.heads.size > this.capacity) {
      const oldest = this.heads.keys().next();
      if (!oldest.done) this.heads.delete(oldest.value);
    }
  }

  forget(streamId: string): void {
    this.heads.delete(streamId);
  }
}
