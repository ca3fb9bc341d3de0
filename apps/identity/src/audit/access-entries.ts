import type { EntityManager } from 'typeorm';
import type { AccessEntry } from './findings.js';

interface EntryRow {
  at: Date;
  service: string;
  actor_id: string | null;
  actor_type: string;
  roles: string[];
  claimed_account: string | null;
  case_id: string | null;
  ip: string | null;
  outcome: AccessEntry['outcome'];
  kind: AccessEntry['kind'];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface AccessEntriesRead {
  readonly entries: AccessEntry[];
  /** listed schemas that have no access_log (a service not deployed yet, a typo in AUDIT_SOURCE_SCHEMAS) */
  readonly missingSchemas: string[];
}

/**
 * Reads the access records of `[from, to)` from the `access_log` of every listed schema, in time order.
 * This is the auditor's deliberate cross-schema read (docs/audit.md): with separate database roles,
 * identity's role needs SELECT on each `<schema>.access_log`.
 */
export async function readAccessEntries(
  manager: EntityManager,
  schemas: readonly string[],
  from: Date,
  to: Date,
): Promise<AccessEntriesRead> {
  const present: string[] = [];
  const missingSchemas: string[] = [];
  for (const schema of schemas) {
    if (!IDENTIFIER.test(schema)) throw new TypeError(`${JSON.stringify(schema)} is not a schema name`);
    const [{ exists }] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      `"${schema}".access_log`,
    ]);
    (exists ? present : missingSchemas).push(schema);
  }
  if (present.length === 0) return { entries: [], missingSchemas };
  const selects = present.map(
    (
      schema,
    ) => `SELECT at, service, actor_id, actor_type, roles, claimed_account, case_id::text AS case_id, ip, outcome, kind
                   FROM "${schema}".access_log WHERE at >= $1 AND at < $2`,
  );
  const rows: EntryRow[] = await manager.query(`${selects.join(' UNION ALL ')} ORDER BY at`, [from, to]);
  return {
    entries: rows.map((row) => ({
      at: row.at,
      service: row.service,
      actorId: row.actor_id,
      actorType: row.actor_type,
      roles: row.roles,
      claimedAccount: row.claimed_account,
      caseId: row.case_id,
      ip: row.ip,
      outcome: row.outcome,
      kind: row.kind,
    })),
    missingSchemas,
  };
}
