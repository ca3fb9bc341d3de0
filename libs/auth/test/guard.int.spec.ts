import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_SECONDS, type Clock, csrfTokenFor } from '#libs/auth';
import type { ServiceApp } from '#libs/platform';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  type IdentityFixture,
  identityFixture,
  signAccessToken,
  type TestKeys,
  testPrincipal,
  uniqueName,
} from '#libs/testing';
import { identityMigrations } from '../../../apps/identity/src/identity.migrations.js';
import { createProbeApp } from './support/probe-app.js';

/**
 * The guard against real credentials: access tokens verified with the configured keys and an
 * injected clock; web sessions verified in identity's tables (created by identity's migrations) on
 * every request; CSRF on cookie-authenticated state changes.
 */
const identitySchema = uniqueName('auth_identity');
const probeSchema = uniqueName('auth_probe');
const start = new Date('2026-11-25T10:00:00.000Z');
let current = start;
const clock: Clock = { now: () => current };

let keys: TestKeys;
let db: DataSource;
let ids: IdentityFixture;
let probe: ServiceApp<Record<never, never>>;
const http = () => request(probe.app.getHttpServer());

/** A responder of a contractor assigned to one contract, with a live session. */
async function responderWithSession() {
  const contractor = await ids.organisation('contractor');
  const client = await ids.organisation('client');
  const userId = await ids.user({ orgId: contractor, roles: ['responder'] });
  const contractId = await ids.contract({ clientOrgId: client, responsibleUserId: userId });
  await ids.assign(contractId, userId, 'responder');
  const cookie = await ids.session(userId, { now: current });
  return { userId, contractId, cookie, header: `lr_session=${cookie}` };
}

beforeAll(async () => {
  keys = await generateTestKeys();
  db = await createTestDataSource({ schema: identitySchema, migrations: identityMigrations(identitySchema) });
  ids = identityFixture(db, identitySchema);
  probe = (await createProbeApp({ keys, identitySchema, schema: probeSchema, clock })) as never;
});

afterAll(async () => {
  await probe?.app.close();
  await dropSchema(db, identitySchema);
  await dropSchema(db, probeSchema);
  await db.destroy();
});

describe('access tokens (Bearer)', () => {
  it('are accepted until exp and refused after it, by the injected clock', async () => {
    current = start;
    const token = await signAccessToken(keys, testPrincipal('responder', ['contract-a']), {
      now: start,
      ttlSeconds: 600,
    });
    const auth = { authorization: `Bearer ${token}` };
    await http().get('/probe/me').set(auth).expect(200);

    current = new Date(start.getTime() + 599_000);
    await http().get('/probe/me').set(auth).expect(200);

    // exp plus the tolerated clock skew: refused, even though the token was verified (and cached) before
    current = new Date(start.getTime() + (600 + CLOCK_TOLERANCE_SECONDS) * 1000);
    const refused = await http().get('/probe/me').set(auth).expect(401);
    expect(refused.body.error).toMatchObject({
      code: 'unauthenticated',
      message: 'The access token has expired.',
    });
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
    current = start;
  });

  it('refuses a token signed by another key, for another audience, or living longer than 15 minutes', async () => {
    const principal = testPrincipal('admin');
    const otherKeys = await generateTestKeys();
    const forged = await signAccessToken({ ...otherKeys, kid: keys.kid }, principal, { now: start });
    const otherAudience = await signAccessToken(keys, principal, { now: start, audience: 'someone-else' });
    const tooLong = await signAccessToken(keys, principal, { now: start, ttlSeconds: 3600 });
    const badClaims = await signAccessToken(keys, principal, {
      now: start,
      extraClaims: { roles: ['root'] },
    });
    for (const token of [forged, otherAudience, tooLong, badClaims, 'not-a-jwt']) {
      const res = await http()
        .get('/probe/me')
        .set({ authorization: `Bearer ${token}` })
        .expect(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });

  it('answers 401 without credentials, 403 for the wrong role, and admits the right one', async () => {
    await http().post('/probe/notes').send({ text: 'x' }).expect(401);
    const reporter = await signAccessToken(keys, testPrincipal('reporter', ['contract-a']), { now: start });
    const denied = await http()
      .post('/probe/notes')
      .set({ authorization: `Bearer ${reporter}` })
      .send({ text: 'x' })
      .expect(403);
    expect(denied.body.error.code).toBe('forbidden');

    const principal = testPrincipal('responder', ['contract-a']);
    const responder = await signAccessToken(keys, principal, { now: start });
    const ok = await http()
      .post('/probe/notes')
      .set({ authorization: `Bearer ${responder}` })
      .send({ text: 'x' })
      .expect(201);
    // A Bearer request needs no CSRF token; the actor is the principal in the role that admitted it.
    expect(ok.body.actor).toEqual({ id: principal.id, kind: 'user', role: 'responder' });
  });

  it('scopes by tenant: another contract’s case answers 404 like a missing one', async () => {
    const token = await signAccessToken(keys, testPrincipal('client_officer', ['contract-a']), {
      now: start,
    });
    const auth = { authorization: `Bearer ${token}` };
    await http().get('/probe/cases/c-a').set(auth).expect(200);
    const hidden = await http().get('/probe/cases/c-b').set(auth).expect(404);
    const missing = await http().get('/probe/cases/c-zzz').set(auth).expect(404);
    expect(hidden.body.error.code).toBe('case_not_found');
    expect({ ...hidden.body.error, requestId: undefined, message: undefined }).toEqual({
      ...missing.body.error,
      requestId: undefined,
      message: undefined,
    });
  });

  it('refuses a route without an access rule to everyone', async () => {
    const admin = await signAccessToken(keys, testPrincipal('admin'), { now: start });
    const res = await http()
      .get('/probe/unruled')
      .set({ authorization: `Bearer ${admin}` })
      .expect(403);
    expect(res.body.error.code).toBe('no_access_rule');
    await http().get('/probe/unruled').expect(403);
  });

  it('logs every route without an access rule at start-up', async () => {
    const lines: string[] = [];
    const second = await createProbeApp({
      keys,
      identitySchema,
      schema: probeSchema,
      env: { LOG_LEVEL: 'error' },
      logDestination: { write: (line: string) => lines.push(line) },
    });
    await second.app.close();
    const report = lines
      .map((line) => JSON.parse(line))
      .find((entry) => /without an access rule/.test(entry.msg));
    expect(report?.level).toBe('error');
    expect(report?.routes).toEqual(['GET /probe/unruled (ProbeController.unruled)']);
  });

  it('leaves public routes open', async () => {
    await http().get('/probe/public').expect(200);
    await http().get('/health/live').expect(200);
    await http().get('/metrics').expect(200);
  });
});

describe('web sessions (cookie)', () => {
  it('resolve the principal from identity’s tables, with the contracts it is assigned to', async () => {
    current = start;
    const { userId, contractId, header } = await responderWithSession();
    const res = await http().get('/probe/me').set('Cookie', header).expect(200);
    expect(res.body).toEqual({ id: userId, roles: ['responder'], contracts: [contractId] });
  });

  it('a revoked session is refused on the very next request', async () => {
    current = start;
    const { cookie, header } = await responderWithSession();
    await http().get('/probe/me').set('Cookie', header).expect(200);
    await ids.revokeSession(cookie, current);
    const res = await http().get('/probe/me').set('Cookie', header).expect(401);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(String(res.headers['set-cookie'])).toMatch(/lr_session=;.*Max-Age=0/);
  });

  it('a disabled user is refused on the very next request', async () => {
    current = start;
    const { userId, header } = await responderWithSession();
    await http().get('/probe/me').set('Cookie', header).expect(200);
    await ids.setUserStatus(userId, 'disabled');
    await http().get('/probe/me').set('Cookie', header).expect(401);
  });

  it('an idle session expires, and activity pushes the idle expiry forward', async () => {
    current = start;
    const { header } = await responderWithSession();
    // 20 minutes later (idle window 30): still live, and the use moves the expiry to 20 + 30.
    current = new Date(start.getTime() + 20 * 60_000);
    await http().get('/probe/me').set('Cookie', header).expect(200);
    current = new Date(start.getTime() + 45 * 60_000);
    await http().get('/probe/me').set('Cookie', header).expect(200);
    // then 31 minutes of silence
    current = new Date(start.getTime() + 76 * 60_000);
    await http().get('/probe/me').set('Cookie', header).expect(401);
    current = start;
  });

  it('client officers see every contract of their organisation; admins see all', async () => {
    const client = await ids.organisation('client');
    const contractor = await ids.organisation('contractor');
    const responsible = await ids.user({ orgId: contractor, roles: ['responsible'] });
    const first = await ids.contract({ clientOrgId: client, responsibleUserId: responsible });
    const second = await ids.contract({ clientOrgId: client, responsibleUserId: responsible });
    const officer = await ids.user({ orgId: client, roles: ['client_officer'] });
    const admin = await ids.user({ orgId: contractor, roles: ['admin'] });
    const officerCookie = await ids.session(officer, { now: current });
    const adminCookie = await ids.session(admin, { now: current });
    const mine = await http().get('/probe/me').set('Cookie', `lr_session=${officerCookie}`).expect(200);
    expect(mine.body.contracts).toEqual([first, second].sort());
    const all = await http().get('/probe/me').set('Cookie', `lr_session=${adminCookie}`).expect(200);
    expect(all.body.contracts).toBe('all');
  });
});

describe('CSRF on cookie-authenticated state changes', () => {
  it('refuses a POST without the token (403 csrf_failed) and accepts it with the header or the form field', async () => {
    current = start;
    const { cookie, header } = await responderWithSession();
    const refused = await http().post('/probe/notes').set('Cookie', header).send({ text: 'x' }).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    const wrong = await http()
      .post('/probe/notes')
      .set('Cookie', header)
      .set('X-CSRF-Token', csrfTokenFor('some-other-session-cookie-value'))
      .send({ text: 'x' })
      .expect(403);
    expect(wrong.body.error.code).toBe('csrf_failed');

    await http()
      .post('/probe/notes')
      .set('Cookie', header)
      .set('X-CSRF-Token', csrfTokenFor(cookie))
      .send({ text: 'x' })
      .expect(201);
    await http()
      .post('/probe/notes')
      .set('Cookie', header)
      .type('form')
      .send({ text: 'from a form', _csrf: csrfTokenFor(cookie) })
      .expect(201);
  });

  it('does not ask for a token on reads', async () => {
    const { header } = await responderWithSession();
    await http().get('/probe/me').set('Cookie', header).expect(200);
  });
});
