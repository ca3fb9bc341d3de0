/**
 * One row of a service's access log: who did what to which route, and how it ended. Routes are
 * templates (`/cases/:caseId`), never URLs, so no query string or free text reaches the log.
 */

export const ACCESS_KINDS = ['case_read', 'case_write', 'export', 'auth', 'other'] as const;
/** What a request touched: case data (read, write, export), authentication, or anything else. */
export type AccessKind = (typeof ACCESS_KINDS)[number];

export const ACCESS_OUTCOMES = ['allowed', 'denied', 'error'] as const;
/** `denied`: 401, 403, 404, 429; `error`: 5xx; `allowed`: everything else (including 400-class input errors). */
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number];

export const ACTOR_TYPES = ['user', 'token', 'anonymous'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** Who made a request, as the authentication put it on the request. */
export interface AccessActor {
  /** user id, or `token:<tokenId>` for API tokens */
  readonly id: string;
  readonly type: Exclude<ActorType, 'anonymous'>;
  readonly roles: readonly string[];
  /** the principal's organisation (the tenant) */
  readonly orgId?: string;
}

export interface AccessRecord {
  readonly at: Date;
  readonly service: string;
  readonly actorId: string | null;
  readonly actorType: ActorType;
  readonly roles: readonly string[];
  readonly orgId: string | null;
  /**
   * The account a failed authentication named (set by the identity service through
   * `attributeAttempt`): lets the analysis count failures per account when no actor is known.
   */
  readonly claimedAccount: string | null;
  readonly method: string;
  readonly route: string;
  readonly caseId: string | null;
  readonly status: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly outcome: AccessOutcome;
  readonly kind: AccessKind;
  readonly durationMs: number;
}

const DENIAL_STATUSES = new Set([401, 403, 404, 429]);

export function outcomeOf(status: number): AccessOutcome {
  if (DENIAL_STATUSES.has(status)) return 'denied';
  if (status >= 500) return 'error';
  return 'allowed';
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * The kind a request gets when its handler did not mark one (`@AccessKind`): routes under `/auth` are
 * authentication; routes under `/cases` (or with a `:caseId`) touch case data, read or write by method.
 */
export function defaultKindOf(method: string, route: string, caseId: string | null): AccessKind {
  if (route === '/auth' || route.startsWith('/auth/')) return 'auth';
  if (caseId !== null || route === '/cases' || route.startsWith('/cases/')) {
    return READ_METHODS.has(method) ? 'case_read' : 'case_write';
  }
  return 'other';
}

/**
 * Records written before the response leaves: denials, and anything touching case data. The rest
 * (allowed requests that touch no case) is batched.
 */
export function mustBeDurable(record: Pick<AccessRecord, 'outcome' | 'kind'>): boolean {
  return (
    record.outcome === 'denied' ||
    record.kind === 'case_read' ||
    record.kind === 'case_write' ||
    record.kind === 'export'
  );
}
