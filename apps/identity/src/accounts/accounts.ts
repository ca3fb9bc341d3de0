import type { EntityManager } from 'typeorm';
import type { OrgKind, PrincipalSubject, Role } from './principal.js';

/** A user as identity reads it for authentication (never sent over HTTP as is). */
export interface AccountRow {
  readonly id: string;
  readonly orgId: string;
  readonly orgKind: OrgKind;
  readonly email: string;
  readonly displayName: string;
  readonly roles: Role[];
  readonly passwordHash: string | null;
  readonly status: 'active' | 'disabled';
}

const ACCOUNT_COLUMNS = `u.id, u.org_id AS "orgId", o.kind AS "orgKind", u.email, u.display_name AS "displayName",
  u.roles, u.password_hash AS "passwordHash", u.status`;

/** E-mail addresses are compared and stored in lower case (the column's check enforces it). */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export async function findAccountByEmail(
  manager: EntityManager,
  email: string,
): Promise<AccountRow | undefined> {
  const rows: AccountRow[] = await manager.query(
    `SELECT ${ACCOUNT_COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.email = $1`,
    [normaliseEmail(email)],
  );
  return rows[0];
}

export async function findAccountById(
  manager: EntityManager,
  userId: string,
): Promise<AccountRow | undefined> {
  const rows: AccountRow[] = await manager.query(
    `SELECT ${ACCOUNT_COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1`,
    [userId],
  );
  return rows[0];
}

export const subjectOf = (account: AccountRow, roles: readonly Role[] = account.roles): PrincipalSubject => ({
  userId: account.id,
  orgId: account.orgId,
  orgKind: account.orgKind,
  roles,
});
