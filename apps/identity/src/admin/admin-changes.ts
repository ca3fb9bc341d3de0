import type { EntityManager } from 'typeorm';

/**
 * Appends one line to `admin_changes`, the identity audit trail of administrative changes, in the
 * caller's transaction. Ids only: names, e-mail addresses and secrets never go there.
 */
export async function recordAdminChange(
  manager: EntityManager,
  actorId: string,
  action: string,
  targetType: string,
  targetId: string,
  at: Date,
  detail: Record<string, string | number | boolean | string[]> = {},
): Promise<void> {
  await manager.query(
    `INSERT INTO admin_changes (at, actor_id, action, target_type, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [at, actorId, action, targetType, targetId, JSON.stringify(detail)],
  );
}
