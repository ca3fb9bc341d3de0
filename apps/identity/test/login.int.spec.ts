import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type IdentityUnderTest,
  seedAdmin,
  sessionCookieFrom,
  signIn,
  startIdentity,
} from './support.js';

/**
 * Sign-in over HTTP against the real PostgreSQL: the session cookie's flags, failures that do not
 * tell whether an account exists, the per-account limit (429 + Retry-After), and sign-out.
 */
let identity: IdentityUnderTest;
let adminId: string;

beforeAll(async () => {
  identity = await startIdentity();
  adminId = await seedAdmin(identity);
});

afterAll(async () => {
  await identity?.close();
});

describe('POST /auth/login', () => {
  it('the right password opens a session: HttpOnly, Secure, SameSite=Strict cookie, stored hashed', async () => {
    const res = await identity
      .http()
      .post('/auth/login')
      .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
      .expect(200);
    const line = (res.headers['set-cookie'] as unknown as string[]).find((cookie) =>
      cookie.startsWith('lr_session='),
    );
    expect(line).toBeDefined();
    const attributes = (line as string).split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('secure');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers['cache-control']).toBe('no-store');

    // The cookie value is never stored: the row is keyed by its SHA-256.
    const cookieValue = sessionCookieFrom(res.headers['set-cookie']).split('=')[1];
    const rows = await identity.dataSource.query(
      `SELECT encode(id_hash, 'hex') AS id FROM sessions WHERE user_id = $1`,
      [res.body.userId],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(cookieValue);
    expect(JSON.stringify(rows)).not.toContain(Buffer.from(cookieValue, 'base64url').toString('hex'));

    // The session works: /auth/me answers with the principal.
    const me = await identity
      .http()
      .get('/auth/me')
      .set('Cookie', sessionCookieFrom(res.headers['set-cookie']))
      .expect(200);
    expect(me.body).toMatchObject({
      email: ADMIN_EMAIL,
      roles: ['admin'],
      contracts: 'all',
      csrfToken: res.body.csrfToken,
    });
  });

  it('accepts an HTML form post too', async () => {
    const res = await identity
      .http()
      .post('/auth/login')
      .type('form')
      .send({ email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD })
      .expect(200);
    expect(sessionCookieFrom(res.headers['set-cookie'])).toMatch(/^lr_session=/);
  });

  it('a wrong password and an unknown e-mail get the same 401 body', async () => {
    const wrong = await identity
      .http()
      .post('/auth/login')
      .send({ email: ADMIN_EMAIL, password: 'not the password' })
      .expect(401);
    const unknown = await identity
      .http()
      .post('/auth/login')
      .send({ email: 'nobody@operator.example', password: 'not the password' })
      .expect(401);
    const withoutRequestId = (body: { error: Record<string, unknown> }) => ({
      ...body.error,
      requestId: undefined,
    });
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.headers['set-cookie']).toBeUndefined();

    // The access log has both (written before the answer), the existing account named by id only.
    const logged = await identity.dataSource.query(
      `SELECT request_id, claimed_account, status, outcome, kind, route FROM access_log WHERE request_id = ANY ($1)`,
      [[wrong.body.error.requestId, unknown.body.error.requestId]],
    );
    const byRequest = new Map(logged.map((row: { request_id: string }) => [row.request_id, row]));
    expect(byRequest.get(wrong.body.error.requestId)).toMatchObject({
      claimed_account: adminId,
      status: 401,
      outcome: 'denied',
      kind: 'auth',
      route: '/auth/login',
    });
    expect(byRequest.get(unknown.body.error.requestId)).toMatchObject({ claimed_account: null, status: 401 });
    expect(JSON.stringify(logged)).not.toContain('nobody@operator.example');
  });

  it('the 6th rapid failed attempt on one account gets 429 with Retry-After, before the password is checked', async () => {
    const email = 'target@operator.example';
    for (let attempt = 1; attempt <= 5; attempt++) {
      await identity
        .http()
        .post('/auth/login')
        .send({ email, password: `guess number ${attempt}` })
        .expect(401);
    }
    const refused = await identity
      .http()
      .post('/auth/login')
      .send({ email, password: 'guess number 6' })
      .expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(refused.body.error).toMatchObject({ status: 429, code: 'rate_limited' });
    // Another account from the same client is not locked out by it.
    await identity
      .http()
      .post('/auth/login')
      .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
      .expect(200);
  });

  it('refuses a malformed body with 400 and no session', async () => {
    const res = await identity.http().post('/auth/login').send({ email: ADMIN_EMAIL }).expect(400);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('POST /auth/logout', () => {
  it('needs the CSRF token with the cookie, then ends the session at once', async () => {
    const session = await signIn(identity, ADMIN_EMAIL, ADMIN_PASSWORD);
    const refused = await identity.http().post('/auth/logout').set('Cookie', session.cookie).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');

    const res = await identity
      .http()
      .post('/auth/logout')
      .set('Cookie', session.cookie)
      .set('X-CSRF-Token', session.csrfToken)
      .expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/lr_session=;/);
    await identity.http().get('/auth/me').set('Cookie', session.cookie).expect(401);
  });
});
