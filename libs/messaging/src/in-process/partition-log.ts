import type { Headers } from '../transport.js';

/** A message as the in-process broker keeps it. */
export interface StoredMessage {
  key: string;
  value: Uint8Array;
  headers: Headers;
}

/** One partition of an in-memory topic: an append-only array of messages plus waiters for new ones. */
export class PartitionLog {
  private readonly messages: StoredMessage[] = [];
  private readonly waiters = new Set<() => void>();

  get length(): number {
    return this.messages.length;
  }

  at(offset: number): StoredMessage {
    const message = this.messages[offset];
    if (!message) throw new RangeError(`offset ${offset} is past the end of the partition`);
    return message;
  }

  append(message: StoredMessage): void {
    this.messages.push(message);
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves once the log is longer than `offset`, or when `signal` aborts. */
  waitBeyond(offset: number, signal: AbortSignal): Promise<void> {
    if (this.messages.length > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

/**
 * Stable partition for a key: FNV-1a over the key's UTF-8 bytes. The in-process broker only needs
 * "same key, same partition"; it does not have to agree with Kafka's murmur2 partitioner.
 */
export function partitionForKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
