import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from './clock.js';
import { type ContractScope, isRole, type OrgKind, type Principal } from './principal.js';

/** The web session cookie identity sets at sign-in (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'lr_session';

/** Header and form field that carry the CSRF token of cookie-authenticated state changes. */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/** What `identity.sessions.id_hash` stores for a cookie: SHA-256 of the cookie value's text. */
export const sessionIdHashOf = (cookieValue: string): Buffer =>
  createHash('sha256').update(cookieValue, 'utf8').digest();

const CSRF_CONTEXT = 'leak-response/csrf/v1';

/**
 * The synchronizer token of a session: HMAC-SHA256 keyed with the session cookie's value over a
 * fixed context, base64url. Only someone who holds the cookie can compute it, and a cross-site page
 * cannot read the cookie (HttpOnly) or the token (same-origin policy). Keying with the session
 * secret itself means no extra shared key has to be configured in every service; a leaked token
 * reveals nothing about the cookie. Identity puts it in forms (`_csrf`) and in `GET /auth/me`.
 */
export function csrfTokenFor(cookieValue: string): string {
  return createHmac('sha256', cookieValue).update(CSRF_CONTEXT).digest('base64url');
}

/** Constant-time check of a presented CSRF token against the session cookie. */
export function isValidCsrfToken(cookieValue: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
  const expected = Buffer.from(csrfTokenFor(cookieValue));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface SessionRow {
  user_id: string;
  org_id: string;
  org_kind: OrgKind;
  roles: string[];
  contracts: string[] | null;
  last_seen_at: Date;
}

export interface SessionVerifierOptions {
  readonly dataSource: DataSource;
  /** schema of identity's tables (IDENTITY_SCHEMA) */
  readonly schema: string;
  readonly clock: Clock;
  /**
   * Push the idle expiry forward when the session was last seen longer ago than this (default 60 s),
   * keeping the idle window identity gave it; 0 disables. At most one extra UPDATE per session per
   * interval, so a user working only in another service's pages is not signed out while active.
   */
  readonly touchAfterMs?: number;
  /**
   * A failed touch (e.g. the service's database role lacks UPDATE on identity.sessions) does not
   * fail the request: the session just keeps its idle expiry. It is reported here.
   */
  readonly onTouchFailed?: (error: unknown) => void;
}

/**
 * Verifies a web session cookie against identity's tables on every request, which is what makes
 * revoking a session or disabling a user take effect immediately. This is the one deliberate read
 * of another service's schema (docs/security.md): one primary-key lookup of `sessions` joined with
 * the active user and its organisation, the visible contracts computed in the same statement.
 */
export class SessionVerifier {
  private readonly sql: string;
  private readonly touchSql: string;

  constructor(private readonly options: SessionVerifierOptions) {
    const s = `"${options.schema}"`;
    // Contracts: admin/auditor see all (NULL here); a client officer every contract of its
    // organisation; contractor staff the contracts they are assigned to (union for several roles).
    this.sql = `
      SELECT u.id AS user_id, u.org_id, o.kind AS org_kind, u.roles, s.last_seen_at,
             CASE WHEN u.roles && ARRAY['admin', 'auditor']::text[] THEN NULL
                  ELSE ARRAY(
                    SELECT c.id::text FROM ${s}.contracts c
                     WHERE o.kind = 'client' AND 'client_officer' = ANY (u.roles) AND c.client_org_id = u.org_id
                    UNION
                    SELECT a.contract_id::text FROM ${s}.contract_assignments a
                     WHERE o.kind = 'contractor' AND a.user_id = u.id
                  ) END AS contracts
        FROM ${s}.sessions s
        JOIN ${s}.users u ON u.id = s.user_id
        JOIN ${s}.organisations o ON o.id = u.org_id
       WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND u.status = 'active'
         AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2`;
    this.touchSql = `
      UPDATE ${s}.sessions
         SET last_seen_at = $2::timestamptz,
             idle_expires_at = LEAST(absolute_expires_at, $2::timestamptz + (idle_expires_at - last_seen_at))
       WHERE id_hash = $1 AND last_seen_at < $3::timestamptz AND revoked_at IS NULL`;
  }

  /** The principal of a live session, or undefined (unknown, revoked, expired, user disabled). */
  async verify(cookieValue: string): Promise<Principal | undefined> {
    const now = this.options.clock.now();
    const idHash = sessionIdHashOf(cookieValue);
    const rows: SessionRow[] = await this.options.dataSource.query(this.sql, [idHash, now]);
    const row = rows[0];
    if (!row) return undefined;
    await this.touchIfStale(idHash, row.last_seen_at, now);
    const roles = row.roles.filter(isRole);
    if (roles.length === 0) return undefined;
    const contracts: ContractScope =
      row.contracts === null ? 'all' : Object.freeze([...row.contracts].sort());
    return {
      id: row.user_id,
      type: 'user',
      userId: row.user_id,
      orgId: row.org_id,
      orgKind: row.org_kind,
      roles,
      contracts,
      sessionId: idHash.toString('hex'),
    };
  }

  private async touchIfStale(idHash: Buffer, lastSeenAt: Date, now: Date): Promise<void> {
    const after = this.options.touchAfterMs ?? 60_000;
    if (after <= 0 || now.getTime() - lastSeenAt.getTime() < after) return;
    try {
      await this.options.dataSource.query(this.touchSql, [idHash, now, new Date(now.getTime() - after)]);
    } catch (error) {
      this.options.onTouchFailed?.(error);
    }
  }
}
