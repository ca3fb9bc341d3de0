import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDataSource, dropSchema, eventually, uniqueName } from '#libs/testing';
import { accessRows, KNOWN_CASE, startRecordingApp } from './support/recording-app.js';

/**
 * Every request is recorded: allowed, denied, public, unknown, refused before routing. Denials and
 * case data are committed before the response leaves (read back right after the response, without
 * waiting); the rest is batched and written at the latest on shutdown. Real PostgreSQL.
 */
const schema = uniqueName('audit_log');
const shutdownSchema = uniqueName('audit_log_shutdown');
let db: DataSource;

beforeAll(async () => {
  db = await createTestDataSource();
});

afterAll(async () => {
  await dropSchema(db, schema);
  await dropSchema(db, shutdownSchema);
  await db.destroy();
});

const byRequestId = async (schemaName: string, requestId: string) =>
  (await accessRows(db, schemaName)).find((row) => row.request_id === requestId);

describe('the access log of a service', () => {
  // Batched records wait a minute here, so only the durable path can explain a row seen at once.
  let service: Awaited<ReturnType<typeof startRecordingApp>>;
  beforeAll(async () => {
    service = await startRecordingApp({ schema, flushIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await service?.app.close();
  });
  const http = () => request(service.app.getHttpServer());

  it('commits a case read before the response arrives, with actor, route template and case id', async () => {
    const res = await http()
      .get(`/cases/${KNOWN_CASE}`)
      .set('X-Test-Actor', 'user-1;responder;org-1')
      .set('User-Agent', 'audit-test/1')
      .expect(200);
    const row = await byRequestId(schema, res.headers['x-request-id']);
    expect(row).toMatchObject({
      service: 'recorded',
      actor_id: 'user-1',
      actor_type: 'user',
      roles: ['responder'],
      org_id: 'org-1',
      method: 'GET',
      route: '/cases/:caseId',
      case_id: KNOWN_CASE,
      status: 200,
      outcome: 'allowed',
      kind: 'case_read',
      user_agent: 'audit-test/1',
    });
    expect(row?.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it.each([
    ['/forbidden', 403, '/forbidden', 'other'],
    ['/unauthenticated', 401, '/unauthenticated', 'other'],
    ['/cases/0190a5b2-9999-7000-8000-000000000009', 404, '/cases/:caseId', 'case_read'],
    ['/no/such/route', 404, 'unmatched', 'other'],
    ['/limited/anything', 429, 'unmatched', 'other'],
  ])('commits the denial of GET %s (%i) before the response arrives', async (path, status, route, kind) => {
    const res = await http().get(path).expect(status);
    expect(await byRequestId(schema, res.headers['x-request-id'])).toMatchObject({
      method: 'GET',
      route,
      status,
      outcome: 'denied',
      kind,
      actor_type: 'anonymous',
      actor_id: null,
    });
  });

  it('commits case writes and exports before the response arrives', async () => {
    const write = await http().post(`/cases/${KNOWN_CASE}/notes`).send({}).expect(201);
    expect(await byRequestId(schema, write.headers['x-request-id'])).toMatchObject({
      route: '/cases/:caseId/notes',
      case_id: KNOWN_CASE,
      kind: 'case_write',
      outcome: 'allowed',
    });
    const download = await http()
      .get('/reports/export')
      .set('X-Test-Actor', 'auditor-1;auditor;org-1')
      .expect(200);
    expect(await byRequestId(schema, download.headers['x-request-id'])).toMatchObject({
      route: '/reports/export',
      kind: 'export',
      actor_id: 'auditor-1',
    });
  });

  it('batches allowed requests that touch no case (public ones too) and writes them with the next commit', async () => {
    const things = await http().get('/things').set('X-Test-Actor', 'user-2;reporter;org-2').expect(200);
    const live = await http().get('/health/live').expect(200);
    // Not yet: they wait for the batch (a minute in this test)...
    expect(await byRequestId(schema, things.headers['x-request-id'])).toBeUndefined();
    // ...or for the next durable record, which takes them along in the same INSERT.
    await http().get('/forbidden').expect(403);
    expect(await byRequestId(schema, things.headers['x-request-id'])).toMatchObject({
      route: '/things',
      kind: 'other',
      outcome: 'allowed',
      actor_id: 'user-2',
    });
    expect(await byRequestId(schema, live.headers['x-request-id'])).toMatchObject({
      route: '/health/live',
      outcome: 'allowed',
      actor_type: 'anonymous',
    });
  });

  it('records a body refused for its size (413, before routing)', async () => {
    const res = await http()
      .post('/things')
      .send({ text: 'x'.repeat(4096) })
      .expect(413);
    await http().get('/forbidden').expect(403); // a commit that carries the batch
    expect(await byRequestId(schema, res.headers['x-request-id'])).toMatchObject({
      status: 413,
      route: 'unmatched',
      method: 'POST',
    });
  });

  it('withholds case data when its read cannot be recorded, and still answers denials', async () => {
    await db.query(`ALTER TABLE "${schema}".access_log RENAME TO access_log_away`);
    let read: request.Response;
    let denied: request.Response;
    try {
      read = await http().get(`/cases/${KNOWN_CASE}`).expect(503);
      expect(read.body.error.code).toBe('service_unavailable');
      expect(JSON.stringify(read.body)).not.toContain('case data');
      denied = await http().get('/forbidden').expect(403);
    } finally {
      await db.query(`ALTER TABLE "${schema}".access_log_away RENAME TO access_log`);
    }
    // Both records were kept for a retry and reach the table once it is back.
    await eventually(async () => {
      expect(await byRequestId(schema, read.headers['x-request-id'])).toMatchObject({
        status: 503,
        outcome: 'error',
      });
      expect(await byRequestId(schema, denied.headers['x-request-id'])).toMatchObject({
        status: 403,
        outcome: 'denied',
      });
    });
  });
});

describe('shutdown', () => {
  it('writes the batched records before the database closes', async () => {
    const service = await startRecordingApp({ schema: shutdownSchema, flushIntervalMs: 60_000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(service.app.getHttpServer()).get('/things').expect(200);
      ids.push(res.headers['x-request-id']);
    }
    expect(await accessRows(db, shutdownSchema)).toHaveLength(0);
    await service.app.close();
    const rows = await accessRows(db, shutdownSchema);
    expect(rows.map((row) => row.request_id).sort()).toEqual([...ids].sort());
  });
});
