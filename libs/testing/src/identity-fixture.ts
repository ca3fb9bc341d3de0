import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * Rows in identity's tables for tests of session verification (libs/auth reads them in every
 * service). The tables come from identity's own migrations (`identityMigrations(schema)` of
 * apps/identity); these helpers only insert rows, with the columns docs/identity.md fixes.
 */
export interface IdentityFixture {
  readonly schema: string;
  /** A client organisation; for `contractor`, the single contractor (created on first call). */
  organisation(kind: 'contractor' | 'client', name?: string): Promise<string>;
  user(input: {
    orgId: string;
    roles: string[];
    email?: string;
    status?: 'active' | 'disabled';
  }): Promise<string>;
  contract(input: { clientOrgId: string; responsibleUserId: string; title?: string }): Promise<string>;
  assign(contractId: string, userId: string, role: 'reporter' | 'responder' | 'responsible'): Promise<void>;
  /** A live session; returns the cookie value (the secret the browser holds). */
  session(userId: string, options?: { now?: Date; idleMs?: number; absoluteMs?: number }): Promise<string>;
  revokeSession(cookieValue: string, at?: Date): Promise<void>;
  setUserStatus(userId: string, status: 'active' | 'disabled'): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function identityFixture(dataSource: DataSource, schema: string): IdentityFixture {
  const s = `"${schema}"`;
  return {
    schema,
    async organisation(kind, name = `${kind} ${randomUUID().slice(0, 8)}`) {
      if (kind === 'contractor') {
        const [existing] = await dataSource.query(
          `SELECT id FROM ${s}.organisations WHERE kind = 'contractor'`,
        );
        if (existing) return existing.id as string;
      }
      const id = randomUUID();
      await dataSource.query(`INSERT INTO ${s}.organisations (id, kind, name) VALUES ($1, $2, $3)`, [
        id,
        kind,
        name,
      ]);
      return id;
    },
    async user({ orgId, roles, email = `${randomUUID()}@example.test`, status = 'active' }) {
      const id = randomUUID();
      await dataSource.query(
        `INSERT INTO ${s}.users (id, org_id, email, display_name, roles, password_hash, status)
         VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
        [id, orgId, email.toLowerCase(), 'Test User', roles, status],
      );
      return id;
    },
    async contract({ clientOrgId, responsibleUserId, title = 'Test contract' }) {
      const id = randomUUID();
      await dataSource.query(
        `INSERT INTO ${s}.contracts (id, client_org_id, title, responsible_user_id) VALUES ($1, $2, $3, $4)`,
        [id, clientOrgId, title, responsibleUserId],
      );
      return id;
    },
    async assign(contractId, userId, role) {
      await dataSource.query(
        `INSERT INTO ${s}.contract_assignments (contract_id, user_id, role) VALUES ($1, $2, $3)`,
        [contractId, userId, role],
      );
    },
    async session(userId, { now = new Date(), idleMs = 30 * 60_000, absoluteMs = 12 * 3600_000 } = {}) {
      const cookieValue = randomBytes(32).toString('base64url');
      await dataSource.query(
        `INSERT INTO ${s}.sessions (id_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, $3, $4, $5)`,
        [
          sha256(cookieValue),
          userId,
          now,
          new Date(now.getTime() + idleMs),
          new Date(now.getTime() + absoluteMs),
        ],
      );
      return cookieValue;
    },
    async revokeSession(cookieValue, at = new Date()) {
      await dataSource.query(`UPDATE ${s}.sessions SET revoked_at = $2 WHERE id_hash = $1`, [
        sha256(cookieValue),
        at,
      ]);
    },
    async setUserStatus(userId, status) {
      await dataSource.query(`UPDATE ${s}.users SET status = $2, updated_at = now() WHERE id = $1`, [
        userId,
        status,
      ]);
    },
  };
}
