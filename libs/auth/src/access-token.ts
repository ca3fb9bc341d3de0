import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from './clock.js';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from './config.js';
import { type ContractScope, isRole, ORG_KINDS, type OrgKind, type Principal } from './principal.js';

/** The fixed `iss` and `aud` of every access token. */
export const ACCESS_TOKEN_ISSUER = 'leak-response/identity';
export const ACCESS_TOKEN_AUDIENCE = 'leak-response';
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

/** Clock skew tolerated between identity (which sets `iat`/`exp`) and the verifying service. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** The private claims of an access token (docs/security.md has the table). */
export interface AccessTokenClaims {
  readonly typ: 'user' | 'token';
  readonly uid: string;
  readonly org: string;
  readonly ok: OrgKind;
  readonly roles: readonly string[];
  readonly ctr: ContractScope;
  readonly sid?: string;
}

/** The claims identity signs for a principal (`sub` is `principal.id`). */
export function claimsOf(principal: Principal): AccessTokenClaims {
  return {
    typ: principal.type,
    uid: principal.userId,
    org: principal.orgId,
    ok: principal.orgKind,
    roles: [...principal.roles],
    ctr: principal.contracts === 'all' ? 'all' : [...principal.contracts],
    ...(principal.sessionId ? { sid: principal.sessionId } : {}),
  };
}

/** Why a token was refused; the guard answers every one with the same 401. */
export class InvalidAccessTokenError extends Error {
  override readonly name = 'InvalidAccessTokenError';
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The principal of a verified payload, or an error naming the claim that does not fit. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const { sub, typ, uid, org, ok, roles, ctr, sid } = payload as JWTPayload & Record<string, unknown>;
  const invalid = (claim: string) =>
    new InvalidAccessTokenError('invalid', `claim ${claim} is missing or malformed`);
  if (typ !== 'user' && typ !== 'token') throw invalid('typ');
  if (!isText(sub) || !isText(uid)) throw invalid('sub/uid');
  if (typ === 'user' ? sub !== uid : !sub.startsWith('token:')) throw invalid('sub');
  if (!isText(org)) throw invalid('org');
  if (!(ORG_KINDS as readonly unknown[]).includes(ok)) throw invalid('ok');
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) throw invalid('roles');
  if (ctr !== 'all' && !(Array.isArray(ctr) && ctr.every(isText))) throw invalid('ctr');
  if (sid !== undefined && !isText(sid)) throw invalid('sid');
  return {
    id: sub,
    type: typ,
    userId: uid,
    orgId: org,
    orgKind: ok as OrgKind,
    roles,
    contracts: ctr === 'all' ? 'all' : Object.freeze([...(ctr as string[])]),
    ...(sid ? { sessionId: sid } : {}),
  };
}

interface CachedToken {
  readonly principal: Principal;
  readonly expiresAt: number;
}

export interface AccessTokenVerifierOptions {
  readonly publicKeys: JSONWebKeySet;
  readonly clock: Clock;
  /** Verified tokens remembered (until they expire) so a client's next request skips the signature. */
  readonly cacheSize?: number;
}

/**
 * Verifies access tokens locally: EdDSA signature against the configured public keys (by `kid`),
 * `iss`, `aud`, `exp` against the injected clock, a lifetime of at most 15 minutes, and the shape of
 * the principal claims. A verified token is cached by its exact text until its `exp`, so the
 * signature is checked once per token rather than once per request; expiry is still checked on
 * every request.
 */
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  private readonly cache = new Map<string, CachedToken>();
  private readonly cacheSize: number;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.keys = createLocalJWKSet(options.publicKeys);
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  async verify(token: string): Promise<Principal> {
    const nowSeconds = Math.floor(this.options.clock.now().getTime() / 1000);
    const cached = this.cache.get(token);
    if (cached) {
      if (!isExpired(cached.expiresAt, nowSeconds)) return cached.principal;
      this.cache.delete(token);
      throw new InvalidAccessTokenError('expired', 'the access token has expired');
    }
    const payload = await this.verifySignatureAndClaims(token);
    const { exp, iat } = payload as { exp: number; iat: number };
    if (exp - iat > MAX_ACCESS_TOKEN_TTL_SECONDS) {
      throw new InvalidAccessTokenError(
        'invalid',
        `the token lives longer than ${MAX_ACCESS_TOKEN_TTL_SECONDS} s`,
      );
    }
    if (iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw new InvalidAccessTokenError('invalid', 'the token was issued in the future');
    }
    const principal = principalFromClaims(payload);
    this.remember(token, { principal, expiresAt: exp });
    return principal;
  }

  private async verifySignatureAndClaims(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: this.options.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new InvalidAccessTokenError('expired', 'the access token has expired');
      }
      throw new InvalidAccessTokenError('invalid', error instanceof Error ? error.message : 'invalid token');
    }
  }

  private remember(token: string, entry: CachedToken): void {
    if (this.cache.size >= this.cacheSize) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, entry);
  }
}

/** jose's rule: a token is expired once `exp <= now - tolerance`. */
const isExpired = (exp: number, nowSeconds: number) => exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS;
