import type { EntityManager } from 'typeorm';
import { assertSchemaName, quoteIdentifier } from '#libs/event-store';

export interface InboxEntry {
  groupId: string;
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The consumer side of "exactly-once effects": a row per (consumer group, event id), inserted in the
 * same transaction as the handler's effects. A redelivered event finds its row and is skipped.
 */
export class Inbox {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdentifier(assertSchemaName(schema))}.inbox`;
  }

  /**
   * Records the event as processed by the group, inside the caller's transaction. Returns false when it
   * already was (the caller then skips the handler). A concurrent claim of the same event by another
   * member of the group waits on the primary key until this transaction ends, then sees the row.
   */
  async claim(manager: EntityManager, entry: InboxEntry): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (group_id, event_id, topic, "partition", "offset", processed_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (group_id, event_id) DO NOTHING
       RETURNING event_id`,
      [entry.groupId, entry.eventId, entry.topic, entry.partition, entry.offset],
    );
    return rows.length === 1;
  }

  /**
   * Deletes inbox rows older than `before`. Only safe for ages well beyond any redelivery window
   * (the topic's retention): an event redelivered after its row is gone would be handled again.
   */
  async prune(manager: EntityManager, before: Date): Promise<number> {
    // A SELECT around the DELETE: TypeORM returns [rows, count] for a bare DELETE, rows for a SELECT.
    const [row]: Array<{ deleted: number }> = await manager.query(
      `WITH gone AS (DELETE FROM ${this.table} WHERE processed_at < $1 RETURNING 1)
       SELECT count(*)::int AS deleted FROM gone`,
      [before.toISOString()],
    );
    return row.deleted;
  }
}
