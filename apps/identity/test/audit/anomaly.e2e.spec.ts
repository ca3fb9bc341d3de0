import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeEventJson, TOPICS } from '#libs/contracts';
import { EventStore } from '#libs/event-store';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  identityFixture,
  readAllFromTopic,
  signAccessToken,
  type TestKeys,
  testPrincipal,
  uniqueName,
  waitFor,
} from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../../libs/mail/test/smtp-test-server.js';
import { AccessAnalysis, type RunResult } from '../../src/audit/access-analysis.js';
import { AccessAnalysisScheduler } from '../../src/audit/analysis-scheduler.js';
import { anomalyStreamId } from '../../src/audit/anomaly-event.js';
import { localTime } from '../../src/audit/off-hours.js';
import { failLoginsFor, startCaseService, startIdentityService } from './support.js';

/**
 * The anomaly scenario of issue 3: one account reads 200 cases in a minute, and 20 logins fail from
 * one address. Real PostgreSQL (access logs written by the real middleware behind the real guard),
 * real Kafka (the outbox relay publishes the events), a real SMTP server in this process.
 */
const identitySchema = uniqueName('audit_identity');
const casesSchema = uniqueName('audit_cases');
let keys: TestKeys;
let smtp: TestSmtpServer;
let db: DataSource;
let identity: Awaited<ReturnType<typeof startIdentityService>>;
let cases: Awaited<ReturnType<typeof startCaseService>>;
const responsibleEmails = [
  `resp-a-${randomUUID().slice(0, 8)}@contractor.test`,
  `resp-b-${randomUUID().slice(0, 8)}@contractor.test`,
];
let victimId: string;
const reader = testPrincipal('responder', 'all');
const auditor = testPrincipal('auditor');
const responder = testPrincipal('responder');

/** An off-hours window that certainly does not contain the test run (two hours from now, Tokyo). */
function offHoursAwayFromNow(): string {
  const hhmm = (minute: number) =>
    `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  const start = localTime(new Date(Date.now() + 2 * 3_600_000), 'Asia/Tokyo').minute;
  return `${hhmm(start)}-${hhmm((start + 60) % 1440)}`;
}

let started: Date;
let run: RunResult;

beforeAll(async () => {
  keys = await generateTestKeys();
  smtp = await startTestSmtpServer();
  db = await createTestDataSource();
  identity = await startIdentityService({
    schema: identitySchema,
    sourceSchemas: [identitySchema, casesSchema],
    keys,
    smtpPort: smtp.port,
    offHours: offHoursAwayFromNow(),
  });
  cases = await startCaseService(casesSchema, keys, identitySchema);

  const fixture = identityFixture(db, identitySchema);
  const contractor = await fixture.organisation('contractor');
  for (const email of responsibleEmails)
    await fixture.user({ orgId: contractor, roles: ['responsible'], email });
  await fixture.user({ orgId: contractor, roles: ['responsible'], status: 'disabled' });
  await fixture.user({ orgId: contractor, roles: ['responder'] });
  victimId = await fixture.user({ orgId: contractor, roles: ['responder'] });
  failLoginsFor(victimId);
  started = new Date(Date.now() - 1000);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([identity?.app.close(), cases?.app.close()]);
  await smtp?.close();
  if (db) {
    await dropSchema(db, identitySchema);
    await dropSchema(db, casesSchema);
    await db.destroy();
  }
});

async function readCases(count: number): Promise<void> {
  const token = await signAccessToken(keys, reader);
  const server = cases.app.getHttpServer();
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, () =>
        request(server).get(`/cases/${randomUUID()}`).set('Authorization', `Bearer ${token}`).expect(200),
      ),
    );
  }
}

describe('the anomaly scenario', () => {
  it('produces the findings: a bulk read and repeated authentication failures', async () => {
    const readsStarted = Date.now();
    await readCases(200);
    expect(Date.now() - readsStarted).toBeLessThan(60_000); // 200 cases within a minute
    const server = identity.app.getHttpServer();
    for (let i = 0; i < 20; i++) {
      await request(server)
        .post('/auth/login')
        .send({ email: 'someone@contractor.test', password: 'wrong' })
        .expect(401);
    }

    const analysis = identity.app.get(AccessAnalysis);
    run = await analysis.run({ from: started, to: new Date(Date.now() + 1000), now: new Date() });
    const kinds = run.recorded.map((finding) => finding.kind).sort();
    expect(kinds).toEqual(['bulk_read', 'repeated_denials_for_account', 'repeated_denials_from_address']);
    const bulk = run.recorded.find((finding) => finding.kind === 'bulk_read');
    expect(bulk).toMatchObject({ actorId: reader.id, count: 200, threshold: 50, services: ['cases'] });
    const fromAddress = run.recorded.find((finding) => finding.kind === 'repeated_denials_from_address');
    expect(fromAddress).toMatchObject({
      count: 20,
      threshold: 10,
      services: [identitySchema.replaceAll('_', '-')],
    });
    expect(fromAddress?.clientIp).toMatch(/127\.0\.0\.1|::1/);
    expect(run.recorded.find((finding) => finding.kind === 'repeated_denials_for_account')).toMatchObject({
      actorId: victimId,
      count: 20,
    });
    expect(run.report.readsPerActor).toEqual([
      expect.objectContaining({ actorId: reader.id, reads: 200, distinctCases: 200, roles: ['responder'] }),
    ]);
    expect(run.delivery).toEqual({ sent: 3, failed: 0 });
  });

  it('appends one AccessAnomalyDetected event per finding to identity’s event store', async () => {
    const store = new EventStore(db, { schema: identitySchema });
    for (const finding of run.recorded) {
      const [event, ...more] = await store.readStream(anomalyStreamId(finding.id));
      expect(more).toEqual([]);
      expect(event.type).toBe('AccessAnomalyDetected');
      expect(event.metadata.actor).toEqual({ id: 'system:access-analysis', kind: 'system' });
      expect(event.data).toMatchObject({
        findingId: finding.id,
        count: finding.count,
        threshold: finding.threshold,
      });
    }
  });

  it('publishes the events on Kafka through the outbox relay, keyed by the finding’s stream', async () => {
    const wanted = new Set(run.recorded.map((finding) => anomalyStreamId(finding.id)));
    const messages = await waitFor(
      async () => {
        const all = await readAllFromTopic(TOPICS.auditAccess, { timeoutMs: 5_000 });
        const ours = all.filter((message) => message.key !== null && wanted.has(message.key));
        return ours.length >= wanted.size ? ours : undefined;
      },
      { timeoutMs: 30_000, message: 'the three AccessAnomalyDetected events on Kafka' },
    );
    for (const message of messages) {
      expect(message.headers['event-type']).toBe('leakresponse.audit.v1.AccessAnomalyDetected');
      const envelope = decodeEnvelope(message.value as Buffer);
      expect(envelope.caseId).toBe('');
      const { type, data } = decodeEventJson(envelope);
      expect(type).toBe('AccessAnomalyDetected');
      expect(anomalyStreamId((data as { findingId: string }).findingId)).toBe(message.key);
    }
  });

  it('mails each finding to the contractor’s active responsible persons, in Japanese and English', async () => {
    const mails = await waitFor(() => (smtp.received.length >= 3 ? smtp.received : undefined));
    expect(mails).toHaveLength(3);
    const subjects = mails.map((mail) => mail.parsed.subject).sort();
    expect(subjects).toEqual([
      '【要確認】アクセス異常を検知: 同一アカウントへの拒否の多発 / [Action needed] Access anomaly detected: repeated denials for one account',
      '【要確認】アクセス異常を検知: 同一アドレスからの拒否の多発 / [Action needed] Access anomaly detected: repeated denials from one address',
      '【要確認】アクセス異常を検知: 大量閲覧 / [Action needed] Access anomaly detected: bulk read',
    ]);
    for (const mail of mails) {
      expect(mail.envelopeTo.sort()).toEqual([...responsibleEmails].sort());
      const text = mail.parsed.text ?? '';
      expect(text).toContain('Finding id:');
      expect(text).toContain('検知ID:');
      expect(mail.parsed.html).toContain('<section lang="ja">');
      expect(mail.parsed.html).toContain('<section lang="en">');
      // Identifiers and counts only: no e-mail address, no name.
      expect(text).not.toMatch(/@/);
      expect(text).not.toContain('Test User');
    }
    const bulkMail = mails.find((mail) => mail.parsed.subject?.includes('bulk read'));
    expect(bulkMail?.parsed.text).toContain(reader.id);
    expect(bulkMail?.parsed.text).toContain('Count: 200 (threshold 50');
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM "${identitySchema}".access_anomaly_findings WHERE mailed_at IS NOT NULL AND message_id IS NOT NULL AND mail_recipients = 2`,
    );
    expect(count).toBe(3);
  });

  it('reports nothing twice: a second run over the same period records and mails nothing', async () => {
    const again = await identity.app
      .get(AccessAnalysis)
      .run({ from: started, to: new Date(Date.now() + 1000), now: new Date() });
    expect(again.recorded).toEqual([]);
    expect(again.report.findings.length).toBeGreaterThanOrEqual(3);
    expect(again.delivery).toEqual({ sent: 0, failed: 0 });
    expect(smtp.received).toHaveLength(3);
  });
});

describe('the scheduled analysis', () => {
  it('continues from its checkpoint, one period after the other, and reports nothing twice', async () => {
    const scheduler = identity.app.get(AccessAnalysisScheduler);
    const checkpoint = async (): Promise<Date | null> =>
      (await db.query(`SELECT analysed_to FROM "${identitySchema}".access_analysis_checkpoint`))[0]
        .analysed_to;
    expect(await checkpoint()).toBeNull();
    const first = await scheduler.tick();
    expect(first?.recorded).toEqual([]);
    const firstEnd = await checkpoint();
    expect(firstEnd?.toISOString()).toBe(first?.report.period.to);
    const second = await scheduler.tick();
    expect(second?.report.period.from).toBe(firstEnd?.toISOString());
    expect(second?.recorded).toEqual([]);
    expect(smtp.received).toHaveLength(3);
  });
});

describe('the report for auditors', () => {
  const query = () => ({ from: started.toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

  it('downloads as CSV, and the download is an access record of kind export', async () => {
    const token = await signAccessToken(keys, auditor);
    const res = await request(identity.app.getHttpServer())
      .get('/audit/report')
      .query({ ...query(), format: 'csv' })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="access-report_.*\.csv"/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'section,kind,actor_id,client_ip,roles,count,reads,distinct_cases,exports,threshold,window_start,window_end,detected_at,services,finding_id',
    );
    expect(lines.filter((line) => line.startsWith('finding,'))).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^reads,,${reader.id},,responder,,200,200,0,`)),
    );

    const [record] = await db.query(
      `SELECT actor_id, roles, route, kind, outcome, status FROM "${identitySchema}".access_log WHERE request_id = $1`,
      [res.headers['x-request-id']],
    );
    expect(record).toEqual({
      actor_id: auditor.id,
      roles: ['auditor'],
      route: '/audit/report',
      kind: 'export',
      outcome: 'allowed',
      status: 200,
    });
  });

  it('downloads as JSON', async () => {
    const token = await signAccessToken(keys, auditor);
    const res = await request(identity.app.getHttpServer())
      .get('/audit/report')
      .query({ ...query(), format: 'json' })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.findings.map((finding: { kind: string }) => finding.kind).sort()).toEqual([
      'bulk_read',
      'repeated_denials_for_account',
      'repeated_denials_from_address',
    ]);
    expect(res.body.sources).toEqual([identitySchema, casesSchema]);
    expect(res.body.totals.denied).toBeGreaterThanOrEqual(20);
  });

  it('is refused to other roles (403) and to anonymous callers (401), and both refusals are recorded', async () => {
    const token = await signAccessToken(keys, responder);
    const denied = await request(identity.app.getHttpServer())
      .get('/audit/report')
      .query(query())
      .set('Authorization', `Bearer ${token}`)
      .expect(403);
    const anonymous = await request(identity.app.getHttpServer())
      .get('/audit/report')
      .query(query())
      .expect(401);
    const rows = await db.query(
      `SELECT request_id, actor_id, outcome, status FROM "${identitySchema}".access_log WHERE request_id = ANY ($1) ORDER BY status`,
      [[denied.headers['x-request-id'], anonymous.headers['x-request-id']]],
    );
    expect(rows).toEqual([
      { request_id: anonymous.headers['x-request-id'], actor_id: null, outcome: 'denied', status: 401 },
      { request_id: denied.headers['x-request-id'], actor_id: responder.id, outcome: 'denied', status: 403 },
    ]);
  });

  it('refuses a period that ends before it starts (400)', async () => {
    const token = await signAccessToken(keys, auditor);
    await request(identity.app.getHttpServer())
      .get('/audit/report')
      .query({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' })
      .set('Authorization', `Bearer ${token}`)
      .expect(400);
  });
});
