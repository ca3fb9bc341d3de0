import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport, WorkerHost } from '#libs/messaging';
import { generateTestKeys, type TestKeys, uniqueName, waitFor } from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import { TIMER_WORKER } from '../src/client-notifier.module.js';
import { AdjustableClock } from '../src/clock.js';
import type { TimerScheduler } from '../src/correspondence/timer-scheduler.js';
import {
  CaseEvents,
  createWorld,
  type NotifierApp,
  startGroupsAtEnd,
  startNotifier,
  type TestContract,
  testTransport,
  to,
  type World,
} from './support.js';

/**
 * Two instances of the service on one schema (one deployment scaled to two): every timer — reminder and
 * escalation of every case — fires exactly once, whichever instance gets it; so does every message.
 */

const MINUTE = 60_000;
const CASES = 12;
let world: World;
let keys: TestKeys;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let instances: NotifierApp[];
let contract: TestContract;
const clocks = [new AdjustableClock(), new AdjustableClock()];

beforeAll(async () => {
  world = await createWorld('cn_two');
  keys = await generateTestKeys();
  smtp = await startTestSmtpServer();
  transport = testTransport();
  contract = await world.contract({
    contacts: [
      { name: 'One', email: 'one@client.test', language: 'en', priority: 1 },
      { name: 'Two', email: 'two@client.test', language: 'ja', priority: 2 },
    ],
  });
  const serviceName = uniqueName('cn-two').replaceAll('_', '-');
  await startGroupsAtEnd(serviceName);
  // the second start runs the migrations again: they are applied once (advisory lock), then skipped
  instances = [];
  for (const clock of clocks) {
    instances.push(await startNotifier(world, keys, { serviceName, smtpPort: smtp.port, module: { clock } }));
  }
});

afterAll(async () => {
  await Promise.allSettled((instances ?? []).map((instance) => instance.app.close()));
  await transport?.close();
  await smtp?.close();
  await world?.close();
});

const advanceBoth = (ms: number) => {
  for (const clock of clocks) clock.advance(ms);
};

async function countEvents(type: string): Promise<Map<string, number>> {
  const rows: Array<{ stream_id: string; n: number }> = await world.db.query(
    `SELECT stream_id, count(*)::int AS n FROM "${world.schema}".events WHERE type = $1 GROUP BY stream_id`,
    [type],
  );
  return new Map(rows.map((row) => [row.stream_id, row.n]));
}

describe('two instances', () => {
  it('fire each reminder and each escalation once, and send each message once', async () => {
    const cases = Array.from({ length: CASES }, () => new CaseEvents(world, contract.id));
    const messages = [];
    for (const events of cases) {
      messages.push(
        await events.incidentReported({ description: `two instances ${events.caseNumber}` }),
        events.assessment(),
      );
    }
    await transport.publish(messages);
    await waitFor(() => smtp.received.length >= CASES * 2 || undefined, {
      timeoutMs: 30_000,
      message: 'first notices',
    });

    advanceBoth(31 * MINUTE);
    await waitFor(() => smtp.received.length >= CASES * 4 || undefined, {
      timeoutMs: 30_000,
      message: 'reminders',
    });
    advanceBoth(31 * MINUTE);
    // escalation: no further contacts, so one alert to the responsible person per case
    await waitFor(() => smtp.received.length >= CASES * 5 || undefined, {
      timeoutMs: 30_000,
      message: 'escalations',
    });
    // both instances keep polling for a while: nothing more may come
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(smtp.received).toHaveLength(CASES * 5);

    const reminders = await countEvents('ClientReminderSent');
    const escalations = await countEvents('ClientEscalated');
    expect(reminders.size).toBe(CASES);
    expect(escalations.size).toBe(CASES);
    expect([...reminders.values(), ...escalations.values()].every((n) => n === 1)).toBe(true);

    for (const events of cases) {
      const ofCase = smtp.received.filter((mail) => (mail.parsed.subject ?? '').includes(events.caseNumber));
      expect(ofCase.filter((mail) => to(mail).includes('one@client.test'))).toHaveLength(2);
      expect(ofCase.filter((mail) => to(mail).includes('two@client.test'))).toHaveLength(2);
      expect(ofCase.filter((mail) => to(mail).includes(contract.responsibleEmail))).toHaveLength(1);
    }
    const ids = smtp.received.map((mail) => mail.parsed.messageId);
    expect(new Set(ids).size).toBe(ids.length);

    const timers: Array<{ kind: string; fired_by: string | null; n: number }> = await world.db.query(
      `SELECT kind, fired_by, count(*)::int AS n FROM "${world.schema}".timers GROUP BY kind, fired_by`,
    );
    const fired = timers.filter((t) => t.fired_by !== null);
    expect(fired.reduce((sum, t) => sum + t.n, 0)).toBe(CASES * 2);
  });

  it('two schedulers ticking at the same moment never fire one timer twice', async () => {
    const events = new CaseEvents(world, contract.id);
    await transport.publish([
      await events.incidentReported({ description: 'simultaneous ticks' }),
      events.assessment(),
    ]);
    await waitFor(
      () =>
        smtp.received.filter((m) => m.parsed.subject?.includes(events.caseNumber)).length >= 2 || undefined,
      { timeoutMs: 30_000, message: 'first notices' },
    );
    advanceBoth(31 * MINUTE);
    const schedulers = instances.map(
      (instance) => instance.app.get<WorkerHost<TimerScheduler>>(TIMER_WORKER).worker,
    );
    const fired = await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
    const reminders = await countEvents('ClientReminderSent');
    expect(reminders.get(`correspondence-${events.caseId}`)).toBe(1);
    expect(fired.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
  });
});
