import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  signAccessToken,
  type TestKeys,
  testPrincipal,
  uniqueName,
  waitFor,
} from '#libs/testing';
import {
  CaseScript,
  closeProducer,
  publish,
  startTimeline,
  TestTopics,
  type TimelineApp,
} from './support.js';

/**
 * The timeline's HTTP API on real PostgreSQL and Kafka: the tenant-scoped case list (overdue first),
 * one case's state, the timeline filtered by kind and actor, the case picture (SVG, and the page in a
 * real headless Chromium, screenshot kept in docs/images), the audit export in three formats (itself
 * an access record), and the per-contract clock settings.
 */
const schema = uniqueName('tl_api');
const topics = new TestTopics(schema);
const own = randomUUID();
const other = randomUUID();
const now = Date.now();
const hoursAgo = (hours: number) => new Date(now - hours * 3_600_000);

/** A case 40 hours old: notified late, acknowledged, instructed (one overdue), measures, APPI and GDPR running. */
function pictureCase(): CaseScript {
  const script = new CaseScript(randomUUID(), own, hoursAgo(40));
  script.report({
    discoveredAt: hoursAgo(41).toISOString(),
    appi: 'APPLICABILITY_YES',
    gdpr: 'APPLICABILITY_POSSIBLY',
  });
  script.firstNotice(0, hoursAgo(12).toISOString());
  script.acknowledged(hoursAgo(11.8).toISOString());
  const officer = { id: script.id('officer'), kind: 'user' as const, role: 'client_officer' };
  for (const [index, due] of [
    [0, hoursAgo(2)],
    [1, new Date(now + 48 * 3_600_000)],
  ] as const) {
    script.add(
      'InstructionIssued',
      {
        instructionId: script.id(`instruction-${index}`),
        kind: index === 0 ? 'INSTRUCTION_KIND_CONTAIN' : 'INSTRUCTION_KIND_NOTIFY_SUBJECTS',
        dueAt: due.toISOString(),
        text: { ciphertext: 'AAAA', keyId: 'k' },
        issuedBy: { userId: officer.id, role: 'client_officer' },
      },
      { actor: officer, at: hoursAgo(11 - index).toISOString() },
    );
  }
  script.add(
    'MeasureRecorded',
    { measureId: script.id('measure-0'), description: { ciphertext: 'AAAA', keyId: 'k' } },
    { at: hoursAgo(9).toISOString() },
  );
  script.add('MeasureCompleted', { measureId: script.id('measure-0') }, { at: hoursAgo(5).toISOString() });
  return script;
}

const picture = pictureCase();
/** Reported an hour ago: nothing overdue yet. */
const fresh = new CaseScript(randomUUID(), own, hoursAgo(1)).report({
  discoveredAt: hoursAgo(1).toISOString(),
});
/** Another client's case. */
const foreign = new CaseScript(randomUUID(), other, hoursAgo(50)).report({
  discoveredAt: hoursAgo(50).toISOString(),
});

let keys: TestKeys;
let timeline: TimelineApp;
let db: DataSource;
const as = async (role: Parameters<typeof testPrincipal>[0], contracts: string[] | 'all' = [own]) => {
  const principal = testPrincipal(role, contracts);
  return { principal, header: { authorization: `Bearer ${await signAccessToken(keys, principal)}` } };
};

beforeAll(async () => {
  keys = await generateTestKeys();
  db = await createTestDataSource();
  timeline = await startTimeline(schema, keys, topics, { env: { TIMELINE_SCHEDULER_INTERVAL: '1h' } });
  for (const script of [picture, fresh, foreign]) await publish(topics, script.caseId, script.events);
  await waitFor(
    async () => {
      const rows = await db.query(`SELECT case_id, event_count FROM "${schema}".case_views`);
      const counts = new Map(
        rows.map((row: { case_id: string; event_count: number }) => [row.case_id, row.event_count]),
      );
      return [picture, fresh, foreign].every((script) => counts.get(script.caseId) === script.events.length);
    },
    { timeoutMs: 60_000, message: 'the three cases on the timeline' },
  );
}, 120_000);

afterAll(async () => {
  await timeline?.app.close();
  await closeProducer();
  await topics.delete();
  await dropSchema(db, schema);
  await db?.destroy();
});

describe('the case list and tenancy', () => {
  it('a client officer sees only their contracts’ cases, overdue first, and gets 404 for another client’s case', async () => {
    const officer = await as('client_officer');
    const server = timeline.app.getHttpServer();
    const list = await request(server).get('/cases').set(officer.header).expect(200);
    expect(list.body.items.map((item: { caseId: string }) => item.caseId)).toEqual([
      picture.caseId,
      fresh.caseId,
    ]);
    expect(list.body.total).toBe(2);
    expect(list.body.items[0]).toMatchObject({
      stage: 'contained',
      nextDeadline: { kind: 'instruction.due', overdue: true },
      openInstructions: 2,
    });
    expect(list.body.items[1].nextDeadline.overdue).toBe(false);

    for (const path of ['', '/events', '/picture.svg', '/picture', '/audit-export']) {
      const hidden = await request(server)
        .get(`/cases/${foreign.caseId}${path}`)
        .set(officer.header)
        .expect(404);
      expect(hidden.body.error.code).toBe('case_not_found');
    }
    const auditor = await as('auditor', 'all');
    const all = await request(server).get('/cases?limit=200').set(auditor.header).expect(200);
    expect(all.body.items.map((item: { caseId: string }) => item.caseId)).toEqual(
      expect.arrayContaining([picture.caseId, fresh.caseId, foreign.caseId]),
    );
    const overdue = await request(server)
      .get(`/cases?overdue=true&contractId=${own}`)
      .set(auditor.header)
      .expect(200);
    expect(overdue.body.items.map((item: { caseId: string }) => item.caseId)).toEqual([picture.caseId]);
    await request(server).get('/cases?limit=0').set(auditor.header).expect(400);
    await request(server).get('/cases?stage=nowhere').set(auditor.header).expect(400);
  });
});

describe('one case', () => {
  it('shows each stage with its time and event, the clocks, what is open and what comes next', async () => {
    const responsible = await as('responsible');
    const res = await request(timeline.app.getHttpServer())
      .get(`/cases/${picture.caseId}`)
      .set(responsible.header)
      .expect(200);
    const stage = (id: string) => res.body.stages.find((s: { id: string }) => s.id === id);
    expect(stage('reported')).toMatchObject({ reached: true, eventId: picture.events[0].eventId });
    expect(stage('client_notified')).toMatchObject({ reached: true, at: hoursAgo(12).toISOString() });
    expect(stage('contained')).toMatchObject({ reached: true, at: hoursAgo(5).toISOString() });
    expect(stage('published')).toMatchObject({ reached: false });
    const clock = (kind: string) => res.body.clocks.find((c: { kind: string }) => c.kind === kind);
    expect(clock('contract.prompt_report')).toMatchObject({ status: 'stopped_late' });
    expect(clock('contract.acknowledgement')).toMatchObject({ status: 'stopped_in_time' });
    expect(clock('appi.preliminary')).toMatchObject({ status: 'running', applies: 'yes' });
    expect(clock('gdpr.authority')).toMatchObject({ status: 'running', applies: 'possibly' });
    expect(res.body.openInstructions).toHaveLength(2);
    expect(res.body.openMeasures).toEqual([]);
    expect(res.body.expectedNext[0]).toMatchObject({
      what: 'acknowledge the instruction (contain)',
      overdue: true,
    });
  });

  it('filters the timeline by kind and by actor', async () => {
    const responsible = await as('responsible');
    const server = timeline.app.getHttpServer();
    const instructions = await request(server)
      .get(`/cases/${picture.caseId}/events?kind=instruction`)
      .set(responsible.header)
      .expect(200);
    expect(instructions.body.map((e: { type: string }) => e.type)).toEqual([
      'InstructionIssued',
      'InstructionIssued',
    ]);
    const client = await request(server)
      .get(`/cases/${picture.caseId}/events?kind=client,MeasureCompleted`)
      .set(responsible.header)
      .expect(200);
    expect(client.body.map((e: { type: string }) => e.type)).toEqual([
      'ClientNotificationSent',
      'ClientAcknowledged',
      'MeasureCompleted',
    ]);
    expect(client.body[0]).toMatchObject({ stage: 'client_notified', category: 'client' });
    const byOfficer = await request(server)
      .get(`/cases/${picture.caseId}/events?actor=${picture.id('officer')}`)
      .set(responsible.header)
      .expect(200);
    expect(byOfficer.body).toHaveLength(2);
    const system = await request(server)
      .get(`/cases/${picture.caseId}/events?actorKind=system`)
      .set(responsible.header)
      .expect(200);
    expect(system.body.every((e: { actor: { kind: string } }) => e.actor.kind === 'system')).toBe(true);
    await request(server).get(`/cases/${picture.caseId}/events?kind=a;b`).set(responsible.header).expect(400);
  });
});

describe('the case picture', () => {
  it('is an SVG without scripts, with every stage and clock', async () => {
    const responsible = await as('responsible');
    const res = await request(timeline.app.getHttpServer())
      .get(`/cases/${picture.caseId}/picture.svg`)
      .set(responsible.header)
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        response.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = res.body as string;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/<script/i);
    for (const text of [
      'Reported',
      'Client notified',
      'Contained',
      'Prompt report to the client',
      'met LATE',
      'MISSED',
    ]) {
      expect(svg).toContain(text);
    }
  });

  it('renders in headless Chromium; the screenshot goes to docs/images/case-picture.png', async () => {
    const responsible = await as('responsible');
    await timeline.app.listen(0, '127.0.0.1');
    const { port } = timeline.app.getHttpServer().address() as AddressInfo;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1260, height: 900 } });
      await page.setExtraHTTPHeaders(responsible.header);
      const violations: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') violations.push(message.text());
      });
      const response = await page.goto(`http://127.0.0.1:${port}/cases/${picture.caseId}/picture`);
      expect(response?.status()).toBe(200);
      const figure = page.locator('figure svg');
      await expect(figure.count()).resolves.toBe(1);
      const box = await figure.boundingBox();
      expect(box?.width).toBeGreaterThan(1000);
      expect(await page.locator('h2').allTextContents()).toEqual(['Expected next', 'Clocks', 'Stages']);
      // the page's style sheet is allowed by its Content-Security-Policy (no violation reported)
      expect(violations).toEqual([]);
      expect(
        await page.evaluate(
          () => getComputedStyle(document.querySelector('table') as Element).borderCollapse,
        ),
      ).toBe('collapse');
      const target = fileURLToPath(new URL('../../../docs/images/case-picture.png', import.meta.url));
      mkdirSync(fileURLToPath(new URL('../../../docs/images/', import.meta.url)), { recursive: true });
      const png = await figure.screenshot({ path: target });
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});

describe('the audit export', () => {
  it('gives every event with actor and time, the case’s access records and the integrity checks, as JSON, CSV and HTML', async () => {
    const auditor = await as('auditor', 'all');
    const server = timeline.app.getHttpServer();
    // an access record of the case to find in the export
    await request(server).get(`/cases/${picture.caseId}`).set(auditor.header).expect(200);
    const json = await request(server)
      .get(`/cases/${picture.caseId}/audit-export`)
      .set(auditor.header)
      .expect(200);
    expect(json.headers['content-disposition']).toMatch(/attachment; filename=".*\.json"/);
    expect(json.body.events).toHaveLength(picture.events.length);
    expect(json.body.events[0]).toMatchObject({
      type: 'IncidentReported',
      actor: { id: picture.id('reporter'), kind: 'user', role: 'responder' },
      occurredAt: picture.events[0].occurredAt,
      receiptSeq: expect.any(Number),
    });
    expect(json.body.accessRecords).toContainEqual(
      expect.objectContaining({
        route: '/cases/:caseId',
        actorId: auditor.principal.id,
        status: 200,
        kind: 'case_read',
      }),
    );
    expect(json.body.verification).toMatchObject({
      ok: true,
      receiptChain: { ok: true, checked: picture.events.length },
    });
    expect(
      json.body.verification.streams.every(
        (s: { missingVersions: number[] }) => s.missingVersions.length === 0,
      ),
    ).toBe(true);

    const csv = await request(server)
      .get(`/cases/${picture.caseId}/audit-export?format=csv`)
      .set(auditor.header)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('section,at,id,what,actor_id,actor_kind,actor_role,detail');
    expect(lines.filter((line) => line.startsWith('event,'))).toHaveLength(picture.events.length);
    expect(lines.some((line) => line.startsWith('access,'))).toBe(true);
    expect(
      lines.some(
        (line) => line.startsWith('verification,') && line.includes('overall') && line.endsWith(',ok'),
      ),
    ).toBe(true);

    const html = await request(server)
      .get(`/cases/${picture.caseId}/audit-export?format=html`)
      .set(auditor.header)
      .expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain('Integrity: verified');
    expect(html.text).not.toMatch(/<script/i);

    // each download is itself an access record, of kind export
    const exports = await db.query(
      `SELECT status, kind FROM "${schema}".access_log WHERE case_id = $1 AND route = '/cases/:caseId/audit-export' AND actor_id = $2`,
      [picture.caseId, auditor.principal.id],
    );
    expect(exports).toEqual([
      { status: 200, kind: 'export' },
      { status: 200, kind: 'export' },
      { status: 200, kind: 'export' },
    ]);
  });

  it('shows a tampered history as a broken receipt chain', async () => {
    await db.query(
      `UPDATE "${schema}".case_history SET actor_id = 'someone-else' WHERE case_id = $1 AND receipt_seq = 2`,
      [fresh.caseId],
    );
    const auditor = await as('auditor', 'all');
    const res = await request(timeline.app.getHttpServer())
      .get(`/cases/${fresh.caseId}/audit-export`)
      .set(auditor.header)
      .expect(200);
    expect(res.body.verification).toMatchObject({
      ok: false,
      receiptChain: { ok: false, firstBreak: { receiptSeq: 2 } },
    });
  });

  it('is refused to roles without an audit need (403) and answered 404 outside the tenant', async () => {
    const responder = await as('responder');
    await request(timeline.app.getHttpServer())
      .get(`/cases/${picture.caseId}/audit-export`)
      .set(responder.header)
      .expect(403);
    await request(timeline.app.getHttpServer())
      .get(`/cases/${picture.caseId}/audit-export?format=pdf`)
      .set((await as('auditor', 'all')).header)
      .expect(400);
  });
});

describe('clock settings per contract', () => {
  it('the responsible person changes the prompt-report target; the contract’s cases follow at once', async () => {
    const responsible = await as('responsible');
    const server = timeline.app.getHttpServer();
    const before = await request(server)
      .get(`/contracts/${own}/clock-settings`)
      .set(responsible.header)
      .expect(200);
    expect(before.body.effective).toMatchObject({
      promptReportWithinMinutes: 1440,
      appiPreliminaryDays: 5,
      appiPreliminaryWarnAtDays: 3,
    });

    const changed = await request(server)
      .put(`/contracts/${own}/clock-settings`)
      .set(responsible.header)
      .send({ promptReportWithinMinutes: 30, leadTimesMinutesByKind: { 'appi.final': [10080] } })
      .expect(200);
    expect(changed.body.overrides).toMatchObject({ promptReportWithinMinutes: 30 });
    expect(changed.body.updatedBy).toBe(responsible.principal.id);
    const list = await request(server).get('/cases').set(responsible.header).expect(200);
    const freshItem = list.body.items.find((item: { caseId: string }) => item.caseId === fresh.caseId);
    // reported an hour ago with a 30-minute target and no notice yet: overdue now
    expect(freshItem.nextDeadline).toMatchObject({ kind: 'contract.prompt_report', overdue: true });

    const reset = await request(server)
      .put(`/contracts/${own}/clock-settings`)
      .set(responsible.header)
      .send({ promptReportWithinMinutes: null })
      .expect(200);
    expect(reset.body.effective.promptReportWithinMinutes).toBe(1440);
  });

  it('refuses bad values with the field named, other roles with 403 and other contracts with 404', async () => {
    const responsible = await as('responsible');
    const server = timeline.app.getHttpServer();
    const bad = await request(server)
      .put(`/contracts/${own}/clock-settings`)
      .set(responsible.header)
      .send({ appiPreliminaryWarnAtDays: 9 })
      .expect(400);
    expect(JSON.stringify(bad.body.error)).toContain('appiPreliminary.warnAtDays');
    const kind = await request(server)
      .put(`/contracts/${own}/clock-settings`)
      .set(responsible.header)
      .send({ leadTimesMinutesByKind: { 'no.such.clock': [5] } })
      .expect(400);
    expect(JSON.stringify(kind.body.error)).toContain('leadTimesMinutesByKind.no.such.clock');
    await request(server)
      .put(`/contracts/${own}/clock-settings`)
      .set((await as('client_officer')).header)
      .send({})
      .expect(403);
    await request(server)
      .put(`/contracts/${other}/clock-settings`)
      .set(responsible.header)
      .send({})
      .expect(404);
    await request(server).get(`/contracts/${other}/clock-settings`).set(responsible.header).expect(404);
  });
});
