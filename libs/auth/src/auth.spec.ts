import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, mapErrorToHttp } from '#libs/platform';
import { generateTestKeys, signAccessToken, testPrincipal } from '#libs/testing';
import { AccessTokenVerifier, principalFromClaims } from './access-token.js';
import type { Clock } from './clock.js';
import { AuthConfig, LinkConfig } from './config.js';
import { actorOf } from './principal.js';
import { csrfTokenFor, isValidCsrfToken } from './session.js';
import { SignedLinks } from './signed-links.js';
import { assertCaseVisible, canSeeContract, contractFilter } from './tenancy.js';

const at = (iso: string): Clock => ({ now: () => new Date(iso) });

describe('AuthConfig and LinkConfig', () => {
  it('accepts a public JWKS and refuses a private key, a non-Ed25519 key or a missing kid', async () => {
    const keys = await generateTestKeys();
    const config = loadConfig({ auth: AuthConfig }, { env: { AUTH_PUBLIC_KEYS: keys.publicJwks } });
    expect(config.auth).toMatchObject({
      accessTokenTtlSeconds: 600,
      cookieSecure: true,
      identitySchema: 'identity',
    });
    expect(config.auth.corsAllowedOrigins).toBeUndefined();

    const reasons = (env: Record<string, string>) => {
      try {
        loadConfig({ auth: AuthConfig, links: LinkConfig }, { env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((problem) => `${problem.variable}: ${problem.reason}`);
      }
    };
    const { kid, ...noKid } = JSON.parse(keys.publicJwks).keys[0];
    expect(kid).toBeDefined();
    expect(
      reasons({
        AUTH_PUBLIC_KEYS: JSON.stringify({ keys: [keys.privateJwk] }),
        LINK_SIGNING_KEY: keys.linkKey,
      }),
    ).toEqual([expect.stringMatching(/^AUTH_PUBLIC_KEYS: must hold public keys only/)]);
    expect(
      reasons({ AUTH_PUBLIC_KEYS: JSON.stringify({ keys: [noKid] }), LINK_SIGNING_KEY: keys.linkKey }),
    ).toEqual([expect.stringMatching(/every key needs a kid/)]);
    expect(
      reasons({
        AUTH_PUBLIC_KEYS: keys.publicJwks,
        AUTH_ACCESS_TOKEN_TTL_SECONDS: '3600',
        CORS_ALLOWED_ORIGINS: 'https://ok.example.jp,not an origin',
        LINK_SIGNING_KEY: randomBytes(16).toString('base64url'),
      }),
    ).toEqual([
      expect.stringMatching(/^AUTH_ACCESS_TOKEN_TTL_SECONDS: must be an integer between 60 and 900/),
      expect.stringMatching(/^CORS_ALLOWED_ORIGINS: must be a comma-separated list of origins/),
      // the secret value is never quoted
      expect.stringMatching(/^LINK_SIGNING_KEY: must be at least 32 random bytes[^"]*$/),
    ]);
    expect(reasons({})).toEqual([
      'AUTH_PUBLIC_KEYS: is required but not set',
      'LINK_SIGNING_KEY: is required but not set',
    ]);
  });
});

describe('AccessTokenVerifier', () => {
  it('rebuilds the principal from the claims; a token principal keeps its token id', async () => {
    const keys = await generateTestKeys();
    const now = new Date('2026-11-25T10:00:00Z');
    const verifier = new AccessTokenVerifier({
      publicKeys: JSON.parse(keys.publicJwks),
      clock: at(now.toISOString()),
    });
    const user = testPrincipal('client_officer', ['c-1', 'c-2'], { sessionId: 'ab'.repeat(32) });
    expect(await verifier.verify(await signAccessToken(keys, user, { now }))).toEqual(user);
    const token = { ...testPrincipal('responder', ['c-1']), type: 'token' as const };
    const apiToken = { ...token, id: 'token:tk_123' };
    expect(await verifier.verify(await signAccessToken(keys, apiToken, { now }))).toEqual(apiToken);
  });

  it('refuses claims that do not describe a principal', () => {
    const base = {
      sub: 'u1',
      typ: 'user',
      uid: 'u1',
      org: 'o1',
      ok: 'client',
      roles: ['client_officer'],
      ctr: ['c'],
    };
    expect(principalFromClaims(base).contracts).toEqual(['c']);
    for (const broken of [
      { typ: 'robot' },
      { sub: 'u2' },
      { typ: 'token' },
      { ok: 'vendor' },
      { roles: [] },
      { roles: ['root'] },
      { ctr: 'some' },
      { ctr: [1] },
    ]) {
      expect(() => principalFromClaims({ ...base, ...broken })).toThrow(/claim/);
    }
  });
});

describe('tenant scoping', () => {
  const officer = testPrincipal('client_officer', ['c-1']);
  const auditor = testPrincipal('auditor');

  it('sees its own contracts only; auditors and admins see all', () => {
    expect(canSeeContract(officer, 'c-1')).toBe(true);
    expect(canSeeContract(officer, 'c-2')).toBe(false);
    expect(canSeeContract(officer, undefined)).toBe(false);
    expect(canSeeContract(auditor, 'c-2')).toBe(true);
    expect(canSeeContract(auditor, undefined)).toBe(true);
    expect(contractFilter(officer)).toEqual({ all: false, contractIds: ['c-1'] });
    expect(contractFilter(testPrincipal('reporter', []))).toEqual({ all: false, contractIds: [] });
    expect(contractFilter(auditor)).toEqual({ all: true });
  });

  it('answers another tenant’s case with the 404 of a missing case', () => {
    const error = (() => {
      try {
        assertCaseVisible(officer, 'c-2', 'case-9');
      } catch (caught) {
        return caught;
      }
    })();
    expect(mapErrorToHttp(error, 'r1')).toMatchObject({
      status: 404,
      body: { error: { status: 404, code: 'case_not_found', message: 'Case case-9 was not found.' } },
    });
  });

  it('records the principal as the actor, in the role that admitted it', () => {
    const principal = { ...testPrincipal('responder', ['c-1']), roles: ['reporter', 'responder'] as const };
    expect(actorOf(principal, 'responder')).toEqual({ id: principal.id, kind: 'user', role: 'responder' });
    expect(actorOf(principal)).toEqual({ id: principal.id, kind: 'user', role: 'reporter' });
  });
});

describe('CSRF tokens', () => {
  it('are bound to the session cookie and compared whole', () => {
    const cookie = randomBytes(32).toString('base64url');
    const token = csrfTokenFor(cookie);
    expect(isValidCsrfToken(cookie, token)).toBe(true);
    expect(isValidCsrfToken(randomBytes(32).toString('base64url'), token)).toBe(false);
    expect(isValidCsrfToken(cookie, token.slice(0, -1))).toBe(false);
    expect(isValidCsrfToken(cookie, undefined)).toBe(false);
    expect(isValidCsrfToken(cookie, [token])).toBe(false);
  });
});

describe('SignedLinks.verify', () => {
  const links = new SignedLinks({ key: randomBytes(32), schema: 'any' });
  const now = new Date('2026-11-25T10:00:00Z');
  const token = links.issue({
    action: 'acknowledge',
    caseId: 'case-1',
    recipient: 'contact-7',
    expiresAt: new Date(now.getTime() + 1000),
  });

  it('returns the payload of a genuine link with a random nonce', () => {
    const payload = links.verify(token, { action: 'acknowledge', caseId: 'case-1', now });
    expect(payload).toMatchObject({ action: 'acknowledge', caseId: 'case-1', recipient: 'contact-7' });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const second = links.issue({
      action: 'acknowledge',
      caseId: 'case-1',
      recipient: 'contact-7',
      expiresAt: now,
    });
    expect(links.verify(second, { action: 'acknowledge', caseId: 'case-1', now: new Date(0) }).jti).not.toBe(
      payload.jti,
    );
  });

  it.each([
    ['link_wrong_action', () => links.verify(token, { action: 'approve', caseId: 'case-1', now }), 403],
    ['link_wrong_case', () => links.verify(token, { action: 'acknowledge', caseId: 'case-2', now }), 403],
    [
      'link_expired',
      () =>
        links.verify(token, { action: 'acknowledge', caseId: 'case-1', now: new Date(now.getTime() + 1000) }),
      403,
    ],
    ['link_tampered', () => links.verify(`${token}x`, { action: 'acknowledge', caseId: 'case-1', now }), 403],
  ])('refuses with %s, mapped to a clear %s', (code, attempt, status) => {
    let caught: unknown;
    try {
      attempt();
    } catch (error) {
      caught = error;
    }
    expect(mapErrorToHttp(caught, 'r')).toMatchObject({ status, body: { error: { code } } });
  });
});
