import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeEventJson, TOPICS } from '#libs/contracts';
import type { WorkerHost } from '#libs/messaging';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  readAllFromTopic,
  signAccessToken,
  type TestKeys,
  testPrincipal,
  uniqueName,
  waitFor,
} from '#libs/testing';
import type { DeadlineScheduler } from '../src/scheduler/deadline-scheduler.js';
import {
  CaseScript,
  closeProducer,
  publish,
  startTimeline,
  TestClock,
  TestTopics,
  type TimelineApp,
} from './support.js';

/**
 * The deadline scheduler with a clock the test moves: `DeadlineApproaching` at the lead time, then
 * `DeadlineMissed`, each emitted once even by two instances racing, none for a case whose stopping
 * events came in time; the alerts reach Kafka through the timeline's outbox and come back onto the
 * case's timeline. Real PostgreSQL and Kafka.
 */
const schema = uniqueName('tl_sched');
// the timeline's own alerts are published on the system's clock topic: consume it too
const topics = new TestTopics(schema, [TOPICS.timelineClock]);
const contractId = randomUUID();
const T0 = new Date('2026-12-07T00:00:00.000Z');
const at = (hours: number, minutes = 0) => new Date(T0.getTime() + hours * 3_600_000 + minutes * 60_000);
const clock = new TestClock(T0);

const noRegimes = { discoveredAt: T0.toISOString(), appi: 'APPLICABILITY_NO', gdpr: 'APPLICABILITY_NO' };
/** Reported, never notified: only the prompt-report clock, due T0 + 24 h (1 h lead at T0 + 23 h). */
const late = new CaseScript(randomUUID(), contractId, at(0, 5)).report(noRegimes);
/** Notified at T0 + 2 h and acknowledged 10 minutes later: every clock stopped in time. */
const onTime = new CaseScript(randomUUID(), contractId, at(0, 5)).report(noRegimes);
onTime.firstNotice(0, at(2).toISOString());
onTime.acknowledged(at(2, 10).toISOString());

let keys: TestKeys;
let first: TimelineApp;
let second: TimelineApp;
let db: DataSource;
let auth: { authorization: string };

const schedulerOf = (app: TimelineApp) =>
  app.app.get<WorkerHost<DeadlineScheduler>>('TIMELINE_DEADLINE_SCHEDULER').worker;

async function storedAlerts(caseId: string): Promise<{ type: string; data: Record<string, string> }[]> {
  return db.query(`SELECT type, data FROM "${schema}".events WHERE stream_id = $1 ORDER BY stream_version`, [
    `clocks-${caseId}`,
  ]);
}

beforeAll(async () => {
  keys = await generateTestKeys();
  auth = {
    authorization: `Bearer ${await signAccessToken(keys, testPrincipal('responsible', [contractId]))}`,
  };
  db = await createTestDataSource();
  const env = { TIMELINE_SCHEDULER_INTERVAL: '1h' };
  // two instances of the service on one schema (one consumer group), sharing the test's clock
  first = await startTimeline(schema, keys, topics, { clock, env });
  second = await startTimeline(schema, keys, topics, { clock, env });
  await publish(topics, late.caseId, late.events);
  await publish(topics, onTime.caseId, onTime.events);
  await waitFor(
    async () => {
      const rows = await db.query(`SELECT event_count FROM "${schema}".case_views WHERE case_id = ANY($1)`, [
        [late.caseId, onTime.caseId],
      ]);
      return rows.length === 2 && rows.every((row: { event_count: number }) => row.event_count >= 2);
    },
    { timeoutMs: 60_000, message: 'both cases on the timeline' },
  );
  await waitFor(
    async () => {
      const [row] = await db.query(`SELECT event_count FROM "${schema}".case_views WHERE case_id = $1`, [
        onTime.caseId,
      ]);
      return row?.event_count === onTime.events.length;
    },
    { timeoutMs: 60_000, message: 'the on-time case complete' },
  );
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([first?.app.close(), second?.app.close()]);
  await closeProducer();
  await topics.delete();
  await dropSchema(db, schema);
  await db?.destroy();
});

describe('deadline alerts', () => {
  it('emits nothing before the lead time', async () => {
    clock.set(at(1));
    expect(await schedulerOf(first).runOnce()).toEqual([]);
  });

  it('emits DeadlineApproaching once at the 1 h lead time, and nothing for the case stopped in time', async () => {
    clock.set(at(23, 1));
    const alerts = await schedulerOf(first).runOnce();
    expect(alerts.map((alert) => [alert.caseId, alert.type, alert.clockKind])).toEqual([
      [late.caseId, 'DeadlineApproaching', 'contract.prompt_report'],
    ]);
    expect(await schedulerOf(second).runOnce()).toEqual([]);
    expect(await schedulerOf(first).runOnce()).toEqual([]);
  });

  it('emits DeadlineMissed once when two instances race past the due date', async () => {
    clock.set(at(24, 1));
    const rounds = await Promise.all(
      Array.from({ length: 3 }, () => [schedulerOf(first).runOnce(), schedulerOf(second).runOnce()]).flat(),
    );
    const missed = rounds.flat();
    expect(missed.map((alert) => [alert.caseId, alert.type])).toEqual([[late.caseId, 'DeadlineMissed']]);

    const stored = await storedAlerts(late.caseId);
    expect(stored.map((row) => row.type)).toEqual(['DeadlineApproaching', 'DeadlineMissed']);
    expect(stored[0].data).toMatchObject({
      contractId,
      clock: 'CLOCK_KIND_CONTRACT_PROMPT_REPORT',
      dueAt: at(24).toISOString(),
      leadSeconds: '3600',
    });
    expect(await storedAlerts(onTime.caseId)).toEqual([]);
  });

  it('publishes each alert once on Kafka, keyed by the case, and shows them on the timeline', async () => {
    const onKafka = await waitFor(
      async () => {
        const messages = (await readAllFromTopic(TOPICS.timelineClock, { timeoutMs: 10_000 })).filter(
          (message) => message.key === late.caseId,
        );
        return messages.length >= 2 ? messages : undefined;
      },
      { timeoutMs: 30_000, message: 'the alerts on Kafka' },
    );
    expect(onKafka.map((message) => decodeEventJson(decodeEnvelope(message.value as Buffer)).type)).toEqual([
      'DeadlineApproaching',
      'DeadlineMissed',
    ]);
    const entries = await waitFor(
      async () => {
        const res = await request(first.app.getHttpServer())
          .get(`/cases/${late.caseId}/events?kind=clock`)
          .set(auth);
        return res.status === 200 && res.body.length === 2 ? res.body : undefined;
      },
      { timeoutMs: 30_000, message: 'the alerts on the timeline' },
    );
    expect(
      entries.map((entry: { type: string; actor: { id: string } }) => [entry.type, entry.actor.id]),
    ).toEqual([
      ['DeadlineApproaching', 'system:timeline-scheduler'],
      ['DeadlineMissed', 'system:timeline-scheduler'],
    ]);
  });

  it('a missed clock stays visibly missed, then late with its lateness once the stopping event arrives', async () => {
    clock.set(at(24, 31));
    const missed = await request(first.app.getHttpServer())
      .get(`/cases/${late.caseId}`)
      .set(auth)
      .expect(200);
    const prompt = (body: { clocks: { kind: string; status: string; latenessMs: number }[] }) =>
      body.clocks.find((c) => c.kind === 'contract.prompt_report');
    expect(prompt(missed.body)).toMatchObject({ status: 'missed', latenessMs: 31 * 60_000 });
    expect(missed.body.expectedNext[0]).toMatchObject({ by: 'system', overdue: true });

    late.firstNotice(0, at(25).toISOString());
    await publish(topics, late.caseId, late.events.slice(-1));
    const stopped = await waitFor(
      async () => {
        const res = await request(first.app.getHttpServer()).get(`/cases/${late.caseId}`).set(auth);
        return prompt(res.body)?.status === 'stopped_late' ? res.body : undefined;
      },
      { timeoutMs: 30_000, message: 'the late notice on the timeline' },
    );
    expect(prompt(stopped)).toMatchObject({ status: 'stopped_late', latenessMs: 3_600_000 });
    clock.set(at(30));
    const after = [...(await schedulerOf(first).runOnce()), ...(await schedulerOf(second).runOnce())];
    expect(after.filter((alert) => alert.clockKind === 'contract.prompt_report')).toEqual([]);
  });

  it('the on-time case never got an alert', async () => {
    clock.set(at(48));
    await schedulerOf(first).runOnce();
    expect(await storedAlerts(onTime.caseId)).toEqual([]);
  });
});
