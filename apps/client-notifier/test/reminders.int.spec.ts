import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '#libs/messaging';
import { signAccessToken, type TestKeys, testPrincipal, waitFor } from '#libs/testing';
import { type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import { AdjustableClock } from '../src/clock.js';
import {
  ackLinkOf,
  CaseEvents,
  type NotifierApp,
  type NotifierTest,
  startNotifierTest,
  type TestContract,
  to,
  type World,
} from './support.js';

/**
 * Reminders and escalation with a controllable clock: nothing before the configured wait, the reminder to
 * the same contacts at the wait, the escalation (the next contacts by priority, and the responsible person
 * with the phone numbers) one interval later, and nothing at all once someone acknowledged. The settings
 * come from the per-contract route.
 */

const MINUTE = 60_000;
let context: NotifierTest;
let world: World;
let keys: TestKeys;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let notifier: NotifierApp;
let contract: TestContract;
const clock = new AdjustableClock();

beforeAll(async () => {
  context = await startNotifierTest('cn_remind', { module: { clock } });
  ({ world, keys, transport, notifier } = context);
  smtp = context.smtp as TestSmtpServer;
  contract = await world.contract({
    contacts: [
      { name: '一番 連絡', email: 'first@client.test', phone: '03-1000-0001', language: 'ja', priority: 1 },
      {
        name: 'Second Contact',
        email: 'second@client.test',
        phone: '+81-3-1000-0002',
        language: 'en',
        priority: 2,
      },
      { name: '三番 連絡', email: 'third@client.test', phone: '03-1000-0003', language: 'ja', priority: 3 },
    ],
  });
});

afterAll(async () => {
  await context?.close();
});

const http = () => request(notifier.app.getHttpServer());
const mailsOf = (caseNumber: string) =>
  smtp.received.filter((m) => (m.parsed.subject ?? '').includes(caseNumber));
const settle = () => new Promise((resolve) => setTimeout(resolve, 800));

async function waitForMails(caseNumber: string, count: number, what: string) {
  return waitFor(() => (mailsOf(caseNumber).length >= count ? mailsOf(caseNumber) : undefined), {
    timeoutMs: 20_000,
    message: what,
  });
}

async function eventTypes(caseId: string): Promise<string[]> {
  const rows: Array<{ type: string }> = await world.db.query(
    `SELECT type FROM "${world.schema}".events WHERE stream_id = $1 ORDER BY stream_version`,
    [`correspondence-${caseId}`],
  );
  return rows.map((row) => row.type);
}

describe('per-contract settings', () => {
  it('the responsible person reads the defaults and changes them; others get 403 or 404; bad input names the field', async () => {
    const responsible = `Bearer ${await signAccessToken(keys, testPrincipal('responsible', [contract.id]))}`;
    const path = `/contracts/${contract.id}/notification-settings`;
    const defaults = await http().get(path).set('Authorization', responsible).expect(200);
    expect(defaults.body).toMatchObject({
      ackWaitMinutes: 30,
      escalationIntervalMinutes: 30,
      updateMode: 'immediate',
      customised: false,
      firstNoticeContacts: null,
    });
    const bad = await http()
      .put(path)
      .set('Authorization', responsible)
      .send({ ackWaitMinutes: 0, escalationIntervalMinutes: 15, updateMode: 'weekly' })
      .expect(400);
    expect(JSON.stringify(bad.body.error.details)).toContain('ackWaitMinutes');
    expect(JSON.stringify(bad.body.error.details)).toContain('updateMode');
    const saved = await http()
      .put(path)
      .set('Authorization', responsible)
      .send({
        ackWaitMinutes: 30,
        escalationIntervalMinutes: 15,
        updateMode: 'immediate',
        firstNoticeContacts: 2,
      })
      .expect(200);
    expect(saved.body).toMatchObject({
      ackWaitMinutes: 30,
      escalationIntervalMinutes: 15,
      firstNoticeContacts: 2,
      customised: true,
    });

    const officer = `Bearer ${await signAccessToken(keys, testPrincipal('client_officer', [contract.id]))}`;
    await http().get(path).set('Authorization', officer).expect(403);
    const elsewhere = `Bearer ${await signAccessToken(keys, testPrincipal('responsible', []))}`;
    await http().get(path).set('Authorization', elsewhere).expect(404);
  });
});

describe('no acknowledgement', () => {
  it('reminds at the configured wait, escalates one interval later, and stops there', async () => {
    const events = new CaseEvents(world, contract.id);
    await transport.publish([
      await events.incidentReported({ description: 'Misdelivered e-mail with a list' }),
      events.assessment(),
    ]);
    // the first two contacts by priority get the first notice
    const first = await waitForMails(events.caseNumber, 2, 'first notices');
    expect(first.map((m) => to(m)[0]).sort()).toEqual(['first@client.test', 'second@client.test']);

    clock.advance(29 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(2);

    clock.advance(1 * MINUTE + 1_000);
    const reminded = await waitForMails(events.caseNumber, 4, 'reminders');
    const reminders = reminded.slice(2);
    expect(reminders.map((m) => to(m)[0]).sort()).toEqual(['first@client.test', 'second@client.test']);
    expect(reminders.find((m) => to(m)[0] === 'second@client.test')?.parsed.subject).toMatch(
      /^\[Reminder: please confirm receipt\]/,
    );
    expect(reminders.find((m) => to(m)[0] === 'first@client.test')?.parsed.subject).toContain(
      '【再送・受領確認のお願い】',
    );
    for (const reminder of reminders) expect(reminder.parsed.text).toContain('/acknowledgements/');

    clock.advance(14 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(4);

    clock.advance(1 * MINUTE + 1_000);
    const escalated = await waitForMails(events.caseNumber, 6, 'escalation');
    const escalation = escalated.slice(4);
    const third = escalation.find((m) => to(m)[0] === 'third@client.test');
    const alert = escalation.find((m) => to(m)[0] === contract.responsibleEmail);
    expect(third?.parsed.subject).toContain('至急ご確認ください');
    expect(alert?.parsed.text).toContain('The client has not confirmed; call them.');
    for (const phone of ['03-1000-0001', '+81-3-1000-0002', '03-1000-0003'])
      expect(alert?.parsed.text).toContain(phone);

    clock.advance(120 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(6);
    expect(await eventTypes(events.caseId)).toEqual([
      ...Array(2).fill('ClientNotificationSent'),
      'ClientReminderSent',
      ...Array(2).fill('ClientNotificationSent'),
      'ClientEscalated',
      ...Array(2).fill('ClientNotificationSent'),
    ]);
    const [escalatedEvent] = await world.db.query(
      `SELECT data FROM "${world.schema}".events WHERE stream_id = $1 AND type = 'ClientEscalated'`,
      [`correspondence-${events.caseId}`],
    );
    expect(escalatedEvent.data).toMatchObject({
      contactIds: [contract.contacts[2].id],
      responsibleUserId: contract.responsibleUserId,
    });
  });

  it('sends nothing more once someone acknowledged, even when the clock passes both deadlines', async () => {
    const events = new CaseEvents(world, contract.id);
    await transport.publish([
      await events.incidentReported({ description: 'Stolen bag with forms' }),
      events.assessment(),
    ]);
    const first = await waitForMails(events.caseNumber, 2, 'first notices');
    await http().post(ackLinkOf(first[0].parsed)).type('form').send({}).expect(200);

    clock.advance(60 * MINUTE);
    await settle();
    clock.advance(60 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(2);
    const types = await eventTypes(events.caseId);
    expect(types).toContain('ClientAcknowledged');
    expect(types).not.toContain('ClientReminderSent');
    expect(types).not.toContain('ClientEscalated');
  });

  it('an acknowledgement between the reminder and the escalation stops the escalation', async () => {
    const events = new CaseEvents(world, contract.id);
    await transport.publish([
      await events.incidentReported({ description: 'Shredder not used' }),
      events.assessment(),
    ]);
    await waitForMails(events.caseNumber, 2, 'first notices');
    clock.advance(31 * MINUTE);
    const reminded = await waitForMails(events.caseNumber, 4, 'reminders');
    await http().post(ackLinkOf(reminded[3].parsed)).type('form').send({}).expect(200);
    clock.advance(60 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(4);
    expect(await eventTypes(events.caseId)).not.toContain('ClientEscalated');
  });
});

describe('updates in digest mode', () => {
  it('collects the substantive changes and sends one digest per contact when the period ends', async () => {
    const digestContract = await world.contract({
      contacts: [{ name: 'Digest Reader', email: 'digest@client.test', language: 'en', priority: 1 }],
    });
    const responsible = `Bearer ${await signAccessToken(keys, testPrincipal('responsible', [digestContract.id]))}`;
    await http()
      .put(`/contracts/${digestContract.id}/notification-settings`)
      .set('Authorization', responsible)
      .send({ ackWaitMinutes: 600, escalationIntervalMinutes: 60, updateMode: 'digest', digestMinutes: 10 })
      .expect(200);
    const events = new CaseEvents(world, digestContract.id);
    await transport.publish([
      await events.incidentReported({ description: 'Wrong attachment sent' }),
      events.assessment(),
    ]);
    await waitForMails(events.caseNumber, 1, 'first notice');
    await transport.publish([
      events.message('ReportAmended', {
        changedItems: ['REPORT_ITEM_RECORDS'],
        quantity: { records: { precision: 'COUNT_PRECISION_EXACT', value: '350' } },
      }),
      events.message('CauseIdentified', {
        cause: await events.seal('Auto-complete picked the wrong address.', 'CauseIdentified.cause'),
        causedByProcessor: 'TRI_STATE_YES',
      }),
      events.assessment({
        changed: true,
        changedRegimes: ['REGIME_APPI_PRIVATE_SECTOR'],
        summaryEn: 'APPI report to the PPC no longer required: 350 records, no sensitive data',
      }),
    ]);
    await settle();
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(1);

    clock.advance(10 * MINUTE + 1_000);
    const [, digest] = await waitForMails(events.caseNumber, 2, 'the digest');
    expect(digest.parsed.subject).toMatch(/^\[Update\] .*\(3 changes\)$/);
    expect(digest.parsed.text).toContain('350 records or documents');
    expect(digest.parsed.text).toContain('Auto-complete picked the wrong address.');
    expect(digest.parsed.text).toContain('APPI report to the PPC no longer required');
    clock.advance(30 * MINUTE);
    await settle();
    expect(mailsOf(events.caseNumber)).toHaveLength(2);
  });
});
