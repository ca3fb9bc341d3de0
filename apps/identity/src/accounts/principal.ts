import type { EntityManager } from 'typeorm';
import type { OrgKind, Principal, Role } from '#libs/auth';

export { type OrgKind, type Principal, ROLES, type Role } from '#libs/auth';

/** Roles held by contractor staff on a contract (they see the contracts they are assigned to). */
export const CONTRACTOR_ROLES = ['reporter', 'responder', 'responsible'] as const satisfies readonly Role[];
/** Roles of the operator's own people; `client_officer` belongs to client organisations only. */
export const ROLES_BY_ORG_KIND: Readonly<Record<OrgKind, readonly Role[]>> = {
  contractor: ['reporter', 'responder', 'responsible', 'auditor', 'admin'],
  client: ['client_officer'],
};

/** The part of a user row that decides what a principal may see. */
export interface PrincipalSubject {
  readonly userId: string;
  readonly orgId: string;
  readonly orgKind: OrgKind;
  readonly roles: readonly Role[];
}

/**
 * The contracts a set of roles may see (docs/identity.md): admin and auditor see all; a client
 * officer sees every contract of its client organisation; contractor staff see the contracts they
 * are assigned to. A user with several roles sees the union. At most two indexed queries.
 */
export async function visibleContracts(
  manager: EntityManager,
  subject: PrincipalSubject,
): Promise<readonly string[] | 'all'> {
  if (subject.roles.some((role) => role === 'admin' || role === 'auditor')) return 'all';
  const ids = new Set<string>();
  if (subject.orgKind === 'client' && subject.roles.includes('client_officer')) {
    const rows: { id: string }[] = await manager.query('SELECT id FROM contracts WHERE client_org_id = $1', [
      subject.orgId,
    ]);
    for (const row of rows) ids.add(row.id);
  }
  if (subject.orgKind === 'contractor' && subject.roles.some((role) => isContractorRole(role))) {
    const rows: { contract_id: string }[] = await manager.query(
      'SELECT DISTINCT contract_id FROM contract_assignments WHERE user_id = $1',
      [subject.userId],
    );
    for (const row of rows) ids.add(row.contract_id);
  }
  return [...ids].sort();
}

function isContractorRole(role: Role): boolean {
  return (CONTRACTOR_ROLES as readonly Role[]).includes(role);
}

export async function userPrincipal(
  manager: EntityManager,
  subject: PrincipalSubject,
  sessionId?: string,
): Promise<Principal> {
  return {
    id: subject.userId,
    type: 'user',
    ...subject,
    contracts: await visibleContracts(manager, subject),
    ...(sessionId ? { sessionId } : {}),
  };
}

export async function tokenPrincipal(
  manager: EntityManager,
  tokenId: string,
  subject: PrincipalSubject,
): Promise<Principal> {
  return {
    id: `token:${tokenId}`,
    type: 'token',
    ...subject,
    contracts: await visibleContracts(manager, subject),
  };
}
