import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '#libs/platform';
import { createTestDataSource, dropSchema, generateTestKeys, uniqueName } from '#libs/testing';
import { identityMigrations } from '../../../apps/identity/src/identity.migrations.js';
import { createProbeApp } from './support/probe-app.js';

/** The hardening helpers as a service installs them through the platform's `configureHttp` hook. */
const identitySchema = uniqueName('hard_identity');
const probeSchema = uniqueName('hard_probe');
const CONSOLE = 'https://console.example.jp';
let db: DataSource;
let probe: ServiceApp<Record<never, never>>;
const http = () => request(probe.app.getHttpServer());

beforeAll(async () => {
  db = await createTestDataSource({ schema: identitySchema, migrations: identityMigrations(identitySchema) });
  probe = (await createProbeApp({
    keys: await generateTestKeys(),
    identitySchema,
    schema: probeSchema,
    env: { CORS_ALLOWED_ORIGINS: CONSOLE },
    rateLimit: { path: '/probe/public', limit: 3, windowMs: 60_000 },
  })) as never;
});

afterAll(async () => {
  await probe?.app.close();
  await dropSchema(db, identitySchema);
  await dropSchema(db, probeSchema);
  await db.destroy();
});

describe('security headers (helmet)', () => {
  it('sends a strict CSP without inline script, HSTS, nosniff, no framing, no referrer', async () => {
    const res = await http().get('/health/live').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('puts them on error answers too', async () => {
    const res = await http().get('/probe/me').expect(401);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('CORS', () => {
  it('refuses a preflight from an unknown origin with 403 and no CORS headers', async () => {
    const res = await http()
      .options('/probe/notes')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(403);
    expect(res.body.error.code).toBe('cors_origin_refused');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives an unknown origin’s simple request no CORS headers (its script cannot read the answer)', async () => {
    const res = await http().get('/health/live').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('answers an allowed origin’s preflight and requests with its origin and credentials', async () => {
    const preflight = await http()
      .options('/probe/notes')
      .set('Origin', CONSOLE)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, x-csrf-token')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(CONSOLE);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/x-csrf-token/i);
    const res = await http().get('/health/live').set('Origin', CONSOLE).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(CONSOLE);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and the platform error body once the limit is reached', async () => {
    for (let i = 0; i < 3; i++) await http().get('/probe/public').expect(200);
    const res = await http().get('/probe/public').expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.body).toEqual({
      error: {
        status: 429,
        code: 'rate_limited',
        message: 'Too many requests; try again later.',
        requestId: res.headers['x-request-id'],
      },
    });
    // other routes are not limited
    await http().get('/health/live').expect(200);
  });
});
