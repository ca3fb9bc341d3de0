import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type IdentityUnderTest,
  seedAdmin,
  signIn,
  startIdentity,
  type WebSession,
} from './support.js';

/**
 * API tokens: shown once, stored hashed, exchanged for access tokens that verify with the published
 * keys; revocation, expiry and a disabled owner stop the exchange at once (and the web session).
 */
let identity: IdentityUnderTest;
let admin: WebSession;
let responderId: string;
const RESPONDER = { email: 'responder@operator.example', password: 'responder password 1' };

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

beforeAll(async () => {
  identity = await startIdentity();
  await seedAdmin(identity);
  admin = await signIn(identity, ADMIN_EMAIL, ADMIN_PASSWORD);
  const [operator] = await identity.dataSource.query(
    `SELECT id FROM organisations WHERE kind = 'contractor'`,
  );
  const created = await identity
    .http()
    .post('/admin/users')
    .set('Cookie', admin.cookie)
    .set('X-CSRF-Token', admin.csrfToken)
    .send({
      orgId: operator.id,
      email: RESPONDER.email,
      displayName: 'Responder',
      roles: ['responder'],
      password: RESPONDER.password,
    })
    .expect(201);
  responderId = created.body.id;
});

afterAll(async () => {
  await identity?.close();
});

function createToken(session: WebSession, body: Record<string, unknown> = {}) {
  return identity
    .http()
    .post('/api-tokens')
    .set('Cookie', session.cookie)
    .set('X-CSRF-Token', session.csrfToken)
    .send({ name: 'integration', expiresAt: inDays(30), ...body });
}

const exchange = (token: string) =>
  identity.http().post('/auth/token').set('Authorization', `Bearer ${token}`);

describe('API tokens', () => {
  it('is shown once and stored as a hash: no column holds the secret', async () => {
    const created = await createToken(admin).expect(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^lrt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const secret = token.slice(token.indexOf('_', 4) + 1);

    const listed = await identity.http().get('/api-tokens').set('Cookie', admin.cookie).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.map((row: { id: string }) => row.id)).toContain(created.body.id);

    const rows = await identity.dataSource.query(
      `SELECT id, user_id, name, encode(secret_hash, 'hex') AS secret_hash, roles, expires_at FROM api_tokens WHERE id = $1`,
      [created.body.id],
    );
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
    expect(rows[0].secret_hash).toHaveLength(64);
  });

  it('exchanges for an EdDSA access token that verifies with the published JWKS and carries the fixed claims', async () => {
    const created = await createToken(admin).expect(201);
    const res = await exchange(created.body.token).expect(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 600 });

    const jwks = await identity.http().get('/.well-known/jwks.json').expect(200);
    expect(JSON.stringify(jwks.body)).not.toContain('"d"');
    const { payload, protectedHeader } = await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks.body), {
      issuer: 'leak-response/identity',
      audience: 'leak-response',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.kid).toBe(identity.keys.kid);
    expect(payload).toMatchObject({
      sub: `token:${created.body.id}`,
      typ: 'token',
      uid: admin.userId,
      ok: 'contractor',
      roles: ['admin'],
      ctr: 'all',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    expect(payload.sid).toBeUndefined();

    // The access token works on the other routes of the service (verified locally by libs/auth).
    await identity.http().get('/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    // …but is not itself exchangeable for a fresh one.
    await identity
      .http()
      .post('/auth/token')
      .set('Authorization', `Bearer ${res.body.accessToken}`)
      .expect(401);
  });

  it('a session exchanges too (with its CSRF token) and the access token names the session', async () => {
    const res = await identity
      .http()
      .post('/auth/token')
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(200);
    expect(decodeProtectedHeader(res.body.accessToken).alg).toBe('EdDSA');
    const jwks = await identity.http().get('/.well-known/jwks.json');
    const { payload } = await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks.body));
    expect(payload).toMatchObject({
      sub: admin.userId,
      typ: 'user',
      sid: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    await identity.http().post('/auth/token').set('Cookie', admin.cookie).expect(401);
  });

  it('a revoked token is refused at the very next exchange', async () => {
    const created = await createToken(admin).expect(201);
    await exchange(created.body.token).expect(200);
    await identity
      .http()
      .delete(`/api-tokens/${created.body.id}`)
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    const refused = await exchange(created.body.token).expect(401);
    expect(refused.body.error.code).toBe('invalid_token');
  });

  it('an expired token is refused', async () => {
    const created = await createToken(admin).expect(201);
    await exchange(created.body.token).expect(200);
    await identity.dataSource.query(
      `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [created.body.id],
    );
    await exchange(created.body.token).expect(401);
  });

  it('a tampered secret, an unknown id and garbage are refused alike', async () => {
    const created = await createToken(admin).expect(201);
    const token: string = created.body.token;
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const bodies = await Promise.all(
      [flipped, `lrt_0000000000000000_${token.slice(-43)}`, 'lrt_nonsense'].map(async (candidate) => {
        const res = await exchange(candidate).expect(401);
        return res.body.error.code;
      }),
    );
    expect(bodies).toEqual(['invalid_token', 'invalid_token', 'invalid_token']);
  });

  it('refuses expiries beyond one year and roles the owner does not hold', async () => {
    await createToken(admin, { expiresAt: inDays(400) }).expect(400);
    const responder = await signIn(identity, RESPONDER.email, RESPONDER.password);
    await createToken(responder, { roles: ['admin'] }).expect(400);
  });

  it('a disabled user: the token exchange and the web session are refused at once', async () => {
    const responder = await signIn(identity, RESPONDER.email, RESPONDER.password);
    const created = await createToken(responder).expect(201);
    await exchange(created.body.token).expect(200);
    await identity.http().get('/auth/me').set('Cookie', responder.cookie).expect(200);

    await identity
      .http()
      .put(`/admin/users/${responderId}/status`)
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ status: 'disabled' })
      .expect(200);

    await exchange(created.body.token).expect(401);
    await identity.http().get('/auth/me').set('Cookie', responder.cookie).expect(401);
    await identity.http().post('/auth/login').send(RESPONDER).expect(401);

    // Enabled again, the token works again (it was not revoked), the old session stays ended.
    await identity
      .http()
      .put(`/admin/users/${responderId}/status`)
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ status: 'active' })
      .expect(200);
    await exchange(created.body.token).expect(200);
    await identity.http().get('/auth/me').set('Cookie', responder.cookie).expect(401);
  });

  it('a user revokes only its own tokens; an admin revokes any', async () => {
    const own = await createToken(admin).expect(201);
    const responder = await signIn(identity, RESPONDER.email, RESPONDER.password);
    await identity
      .http()
      .delete(`/api-tokens/${own.body.id}`)
      .set('Cookie', responder.cookie)
      .set('X-CSRF-Token', responder.csrfToken)
      .expect(404);
    await exchange(own.body.token).expect(200);

    const theirs = await createToken(responder).expect(201);
    await identity
      .http()
      .delete(`/admin/api-tokens/${theirs.body.id}`)
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', admin.csrfToken)
      .expect(204);
    await exchange(theirs.body.token).expect(401);
  });
});
