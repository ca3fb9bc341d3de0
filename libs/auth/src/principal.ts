import type { Actor } from '#libs/event-store';

/** Every role of the system (docs/security.md). */
export const ROLES = ['reporter', 'responder', 'responsible', 'client_officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ORG_KINDS = ['contractor', 'client'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** Contracts a principal may see: their ids, or `'all'` (auditor, admin). */
export type ContractScope = readonly string[] | 'all';

/**
 * Who is calling, as every service sees it after authentication: rebuilt from the access token's
 * claims (Bearer) or from identity's tables (web session).
 */
export interface Principal {
  /** the user id, or `token:<tokenId>` for an API token */
  readonly id: string;
  readonly type: 'user' | 'token';
  readonly userId: string;
  readonly orgId: string;
  readonly orgKind: OrgKind;
  readonly roles: readonly Role[];
  readonly contracts: ContractScope;
  /** the public handle of the web session (hex SHA-256 of the cookie), when there is one */
  readonly sessionId?: string;
}

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * The actor recorded in events for a principal acting in `role` (the role that let it through; the
 * first of its roles when the route admits any signed-in principal).
 */
export function actorOf(principal: Principal, role: Role | undefined = principal.roles[0]): Actor {
  return { id: principal.id, kind: principal.type, ...(role ? { role } : {}) };
}
