import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { returnedRows } from '#libs/platform';

export type TimerKind = 'reminder' | 'escalation' | 'digest';

export interface DueTimer {
  readonly id: string;
  readonly caseId: string;
  readonly kind: TimerKind;
  readonly dueAt: Date;
}

/**
 * The timers of the correspondence (`timers`): a reminder and an escalation per case, and the next digest
 * of a case's updates. They live in the database, so they survive a restart; `claimDue` locks the due ones
 * with `FOR UPDATE SKIP LOCKED`, so with several instances each timer fires in exactly one of them.
 */
export class TimerStore {
  readonly table: string;

  constructor(schema: string) {
    this.table = `"${schema}".timers`;
  }

  /** Sets a timer unless the case already has one of that kind (one reminder, one escalation, one open digest). */
  async schedule(
    manager: EntityManager,
    caseId: string,
    kind: TimerKind,
    dueAt: Date,
    now: Date,
  ): Promise<boolean> {
    const conflict =
      kind === 'digest'
        ? `ON CONFLICT (case_id) WHERE kind = 'digest' AND fired_at IS NULL AND cancelled_at IS NULL DO NOTHING`
        : `ON CONFLICT (case_id, kind) WHERE kind IN ('reminder', 'escalation') DO NOTHING`;
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (id, case_id, kind, due_at, created_at) VALUES ($1, $2, $3, $4, $5) ${conflict}
       RETURNING id`,
      [randomUUID(), caseId, kind, dueAt, now],
    );
    return rows.length === 1;
  }

  /**
   * The due timers, locked for the caller's transaction; timers another instance is firing are skipped.
   * The caller fires each and marks it with `markFired` in the same transaction.
   */
  async claimDue(manager: EntityManager, now: Date, limit: number): Promise<DueTimer[]> {
    const rows: Array<{ id: string; case_id: string; kind: TimerKind; due_at: Date }> = await manager.query(
      `SELECT id, case_id, kind, due_at FROM ${this.table}
        WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1
        ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map((row) => ({ id: row.id, caseId: row.case_id, kind: row.kind, dueAt: row.due_at }));
  }

  async markFired(manager: EntityManager, timerId: string, now: Date, by: string): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET fired_at = $2, fired_by = $3 WHERE id = $1`, [
      timerId,
      now,
      by,
    ]);
  }

  async cancel(manager: EntityManager, timerId: string, now: Date): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET cancelled_at = $2 WHERE id = $1`, [timerId, now]);
  }

  /** Cancels the case's open timers of these kinds (acknowledged: no reminder or escalation any more). */
  async cancelOpen(
    manager: EntityManager,
    caseId: string,
    kinds: readonly TimerKind[],
    now: Date,
  ): Promise<number> {
    const rows: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET cancelled_at = $3
        WHERE case_id = $1 AND kind = ANY($2) AND fired_at IS NULL AND cancelled_at IS NULL RETURNING id`,
        [caseId, kinds, now],
      ),
    );
    return rows.length;
  }
}
