import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  signAccessToken,
  type TestKeys,
  testConfig,
  testPrincipal,
  uniqueName,
  waitFor,
} from '#libs/testing';
import { CaseProjection } from '../src/projection/case-projection.js';
import {
  CaseScript,
  closeProducer,
  publish,
  shuffled,
  startTimeline,
  TestTopics,
  type TimelineApp,
} from './support.js';

/**
 * The timeline is event-sourced: the same events give the same timeline whatever the delivery (clean,
 * or every event twice in a shuffled order across the topics), and a replay from scratch rebuilds
 * exactly what the live consumer built. Real PostgreSQL and Kafka; the events are produced onto the
 * topics the way the producing services publish them.
 */
const schema = uniqueName('tl_replay');
const topics = new TestTopics(schema);
const contractId = randomUUID();
// In the future of every scheduler of the test run (the topics are shared): no deadline of these cases
// comes due while the tests run, so no alert joins their histories.
const start = new Date('2027-06-01T01:00:00.000Z');
const clean = new CaseScript(randomUUID(), contractId, start).everyKind(50);
const messy = new CaseScript(randomUUID(), contractId, start).everyKind(50);

let keys: TestKeys;
let timeline: TimelineApp;
let db: DataSource;
let auth: { authorization: string };

beforeAll(async () => {
  keys = await generateTestKeys();
  auth = {
    authorization: `Bearer ${await signAccessToken(keys, testPrincipal('responsible', [contractId]))}`,
  };
  db = await createTestDataSource();
  timeline = await startTimeline(schema, keys, topics, { env: { TIMELINE_SCHEDULER_INTERVAL: '1h' } });
});

afterAll(async () => {
  await timeline?.app.close();
  await closeProducer();
  await topics.delete();
  await dropSchema(db, schema);
  await db?.destroy();
});

async function viewRow(caseId: string): Promise<{ state: unknown; event_count: number } | undefined> {
  const [row] = await db.query(`SELECT state, event_count FROM "${schema}".case_views WHERE case_id = $1`, [
    caseId,
  ]);
  return row;
}

async function historyCount(caseId: string): Promise<number> {
  const [{ count }] = await db.query(
    `SELECT count(*)::int AS count FROM "${schema}".case_history WHERE case_id = $1`,
    [caseId],
  );
  return count;
}

async function apiSnapshot(script: CaseScript) {
  const server = timeline.app.getHttpServer();
  const overview = await request(server).get(`/cases/${script.caseId}`).set(auth).expect(200);
  const events = await request(server).get(`/cases/${script.caseId}/events`).set(auth).expect(200);
  const { asOf: _asOf, clocks, ...rest } = overview.body;
  // clocks are evaluated at the time of reading: compare them without status and lateness
  const stableClocks = clocks.map(
    ({ status: _s, latenessMs: _l, ...clock }: Record<string, unknown>) => clock,
  );
  return JSON.parse(
    script.normalise(JSON.stringify({ overview: { ...rest, clocks: stableClocks }, events: events.body })),
  );
}

describe('replay and delivery order', () => {
  it('has at least 50 events of every kind but the report and the closure', () => {
    const counts = new Map<string, number>();
    for (const event of messy.events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(21);
    for (const [type, count] of counts) {
      if (type !== 'IncidentReported' && type !== 'CaseClosed')
        expect(count, type).toBeGreaterThanOrEqual(50);
    }
  });

  it('a clean delivery, one event at a time in the order they happened, builds the case', async () => {
    for (const [index, event] of clean.events.entries()) {
      await publish(topics, clean.caseId, [event]);
      await waitFor(async () => (await historyCount(clean.caseId)) === index + 1, {
        timeoutMs: 20_000,
        intervalMs: 5,
        message: `event ${index} of the clean delivery`,
      });
    }
    await waitFor(async () => (await viewRow(clean.caseId))?.event_count === clean.events.length, {
      timeoutMs: 20_000,
      message: 'the clean case folded',
    });
  }, 600_000);

  it('every event twice, shuffled across and within the topics, gives the same timeline', async () => {
    await publish(topics, messy.caseId, shuffled(messy.events, 20261125), 2);
    await waitFor(async () => (await viewRow(messy.caseId))?.event_count === messy.events.length, {
      timeoutMs: 120_000,
      message: 'every event of the messy delivery',
    });
    expect(await historyCount(messy.caseId)).toBe(messy.events.length);

    const cleanRow = await viewRow(clean.caseId);
    const messyRow = await viewRow(messy.caseId);
    expect(JSON.parse(messy.normalise(JSON.stringify(messyRow?.state)))).toEqual(
      JSON.parse(clean.normalise(JSON.stringify(cleanRow?.state))),
    );
    expect(await apiSnapshot(messy)).toEqual(await apiSnapshot(clean));

    // the stages the events made true, with the event that made each true
    const overview = await request(timeline.app.getHttpServer())
      .get(`/cases/${messy.caseId}`)
      .set(auth)
      .expect(200);
    const stages = Object.fromEntries(
      overview.body.stages.map((stage: { id: string; reached: boolean; eventId?: string }) => [
        stage.id,
        stage,
      ]),
    );
    expect(Object.values(stages).every((stage) => (stage as { reached: boolean }).reached)).toBe(true);
    expect(stages.reported.eventId).toBe(messy.events[0].eventId);
    expect(stages.client_notified.eventId).toBe(
      messy.events.find((e) => e.type === 'ClientNotificationSent')?.eventId,
    );
    expect(stages.subjects_notified.eventId).toBe(
      messy.events.find((e) => e.type === 'NoticeCampaignCompleted')?.eventId,
    );
    expect(overview.body.stage).toBe('closed');
    expect(overview.body.openInstructions).toEqual([]);
  }, 300_000);

  it('a replay from scratch rebuilds exactly the live read model', async () => {
    const before: unknown[] = await db.query(
      `SELECT case_id, contract_id, case_number, stage, next_due_at, next_due_kind, next_alert_at, open_instructions,
              open_measures, event_count, last_event_at, next_due_clock, state
         FROM "${schema}".case_views WHERE case_id = ANY($1) ORDER BY case_id`,
      [[clean.caseId, messy.caseId]],
    );
    const cleanApi = await apiSnapshot(clean);
    const messyApi = await apiSnapshot(messy);
    await db.query(`UPDATE "${schema}".case_views SET state = '{}'::jsonb, stage = 'tampered'`);

    const result = await timeline.app.get(CaseProjection).rebuild();
    expect(result.events).toBeGreaterThanOrEqual(clean.events.length + messy.events.length);

    const after: unknown[] = await db.query(
      `SELECT case_id, contract_id, case_number, stage, next_due_at, next_due_kind, next_alert_at, open_instructions,
              open_measures, event_count, last_event_at, next_due_clock, state
         FROM "${schema}".case_views WHERE case_id = ANY($1) ORDER BY case_id`,
      [[clean.caseId, messy.caseId]],
    );
    // next_alert_at moves as the scheduler works through a case; everything else is the events' alone
    const strip = (rows: unknown[]) =>
      rows.map((row) => ({ ...(row as Record<string, unknown>), next_alert_at: undefined }));
    expect(strip(after)).toEqual(strip(before));
    expect(await apiSnapshot(clean)).toEqual(cleanApi);
    expect(await apiSnapshot(messy)).toEqual(messyApi);
  }, 120_000);

  it('the replay command (compiled, `npm run build` first) rebuilds the same views from scratch', async () => {
    const cli = fileURLToPath(new URL('../../../dist/apps/timeline/src/cli/replay.js', import.meta.url));
    const snapshot = () =>
      db.query(
        `SELECT case_id, stage, next_due_at, event_count, folded_seq, state FROM "${schema}".case_views
          WHERE case_id = ANY($1) ORDER BY case_id`,
        [[clean.caseId, messy.caseId]],
      );
    const before = await snapshot();
    await db.query(`DELETE FROM "${schema}".case_views WHERE case_id = $1`, [messy.caseId]);
    const { stdout } = await promisify(execFile)(process.execPath, [cli], {
      env: {
        ...process.env,
        DATABASE_URL: testConfig().databaseUrl,
        DB_SCHEMA: schema,
        DATA_RESIDENCY_REGION: 'jp',
      },
    });
    const result = JSON.parse(stdout.trim());
    expect(result.events).toBeGreaterThanOrEqual(clean.events.length + messy.events.length);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
    const bad = await promisify(execFile)(process.execPath, [cli, '--case', 'nope'], {
      env: process.env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(bad).toMatchObject({ code: 64 });
  }, 120_000);
});
