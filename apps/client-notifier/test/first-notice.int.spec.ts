import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_REGISTRY } from '#libs/contracts';
import type { KafkaTransport } from '#libs/messaging';
import { signAccessToken, type TestKeys, testPrincipal, waitFor } from '#libs/testing';
import { type ReceivedMail, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  ackLinkOf,
  CASE_LINK_BASE_URL,
  CaseEvents,
  type NotifierApp,
  type NotifierTest,
  PUBLIC_BASE_URL,
  startNotifierTest,
  type TestContract,
  to,
  type World,
} from './support.js';

/**
 * The first notice: intake's IncidentReported (and the assessment that follows it) on the real Kafka topic
 * → client-notifier → one e-mail per designated contact, in the contact's language, with both parts, the
 * four items, the assessment line, the responsible person, the case link and the acknowledgement link;
 * delivery records and ClientNotificationSent events. Then the later updates and a deadline alert.
 */

let context: NotifierTest;
let world: World;
let keys: TestKeys;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let notifier: NotifierApp;
let contract: TestContract;

const texts = {
  description: '顧客名簿（氏名・メールアドレス）を含むUSBメモリの紛失',
  site: '東京本社 3階',
  system: '顧客管理システム',
  medium: 'USBメモリ',
  route: '持ち出し中の紛失',
  whatHappened: 'Lost on a commuter train on the way to a client meeting.',
  howDiscovered: 'The employee noticed at the office and reported it.',
  measuresTaken: 'Police report filed; the lost-and-found of the railway was contacted.',
};

beforeAll(async () => {
  context = await startNotifierTest('cn_first');
  ({ world, keys, transport, notifier } = context);
  smtp = context.smtp as TestSmtpServer;
  contract = await world.contract({
    title: '住民情報システム運用保守業務',
    contacts: [
      { name: '山田 太郎', email: 'yamada@client.test', phone: '03-1111-2222', language: 'ja', priority: 1 },
      {
        name: 'Jane Smith',
        email: 'jane@client.test',
        phone: '+81-3-3333-4444',
        language: 'en',
        priority: 2,
      },
    ],
  });
});

afterAll(async () => {
  await context?.close();
});

const mailsTo = (address: string, subject?: RegExp) =>
  smtp.received.filter(
    (mail) => to(mail).includes(address) && (!subject || subject.test(mail.parsed.subject ?? '')),
  );

async function waitForMails(predicate: (mails: ReceivedMail[]) => boolean, message: string) {
  return waitFor(() => (predicate(smtp.received) ? smtp.received : undefined), {
    timeoutMs: 30_000,
    message,
  });
}

describe('the first notice', () => {
  let events: CaseEvents;

  it('reaches every contact once, in their language, with the four items, the assessment and both links', async () => {
    events = new CaseEvents(world, contract.id);
    await transport.publish([await events.incidentReported(texts), events.assessment()]);
    await waitForMails(
      (mails) => mails.filter((m) => to(m).some((a) => a.endsWith('@client.test'))).length >= 2,
      'first notices',
    );

    const [ja] = mailsTo('yamada@client.test');
    const [en] = mailsTo('jane@client.test');
    expect(mailsTo('yamada@client.test')).toHaveLength(1);
    expect(mailsTo('jane@client.test')).toHaveLength(1);

    // Japanese for the Japanese contact, English for the English one; text and HTML parts both
    expect(ja.parsed.subject).toContain('【漏えい等の報告】');
    expect(ja.parsed.subject).toContain(events.caseNumber);
    expect(ja.parsed.headers.get('content-language')).toBe('ja');
    expect(en.parsed.subject).toMatch(/^\[Leak report\] INC-/);
    expect(en.parsed.headers.get('content-language')).toBe('en');
    for (const mail of [ja, en]) {
      expect(mail.parsed.text).toBeTruthy();
      expect(mail.parsed.html).toBeTruthy();
      for (const part of [mail.parsed.text ?? '', String(mail.parsed.html)]) {
        // the four items (the texts are unsealed with intake's case key), discovery time, measures
        expect(part).toContain(texts.description);
        expect(part).toContain(texts.site);
        expect(part).toContain(texts.medium);
        expect(part).toContain(texts.whatHappened);
        expect(part).toContain(texts.howDiscovered);
        expect(part).toContain(texts.measuresTaken);
        expect(part).toContain('2026-11-20 17:30');
        expect(part).toContain(`${CASE_LINK_BASE_URL}/cases/${events.caseId}`);
        expect(part).toContain(`${PUBLIC_BASE_URL}/acknowledgements/`);
        expect(part).toContain(contract.responsibleEmail);
      }
      expect(String(mail.parsed.html)).toContain(`<a href="${CASE_LINK_BASE_URL}/cases/${events.caseId}">`);
      expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@contractor\.test>$/);
    }
    expect(ja.parsed.text).toContain('約1,200人');
    expect(ja.parsed.text).toContain('1,000人を超える本人');
    expect(ja.parsed.text).toContain('山田 太郎 様');
    expect(en.parsed.text).toContain('about 1,200 persons');
    expect(en.parsed.text).toContain('APPI report to the PPC likely required: more than 1,000 persons');
    expect(en.parsed.text).toContain('Dear Jane Smith,');
    // each contact's link is their own
    expect(ackLinkOf(ja.parsed)).not.toBe(ackLinkOf(en.parsed));
  });

  it('keeps a delivery record per message with the SMTP answer and records ClientNotificationSent', async () => {
    const auditor = `Bearer ${await signAccessToken(keys, testPrincipal('auditor'))}`;
    // the record is written just after the SMTP server's acceptance (the documented window): wait for it
    const notices = await waitFor(
      async () => {
        const res = await request(notifier.app.getHttpServer())
          .get(`/cases/${events.caseId}/correspondence`)
          .set('Authorization', auditor)
          .expect(200);
        const firsts = res.body.messages.filter((m: { kind: string }) => m.kind === 'first_notice');
        return firsts.length === 2 &&
          firsts.every((m: { status: string }) => m.status !== 'sending' && m.status !== 'pending')
          ? firsts
          : undefined;
      },
      { timeoutMs: 10_000, message: 'both first notices recorded with the SMTP answer' },
    );
    for (const notice of notices) {
      expect(notice).toMatchObject({ status: 'sent', attempts: 1, recipientKind: 'client_contact' });
      expect(notice.smtpResponse).toMatch(/^250/);
    }
    const messageIds = new Set(smtp.received.map((mail) => mail.parsed.messageId));
    for (const notice of notices) expect(messageIds.has(notice.messageId)).toBe(true);

    const sent = await waitFor(
      async () => {
        const rows: Array<{ data: { recipient: { id: string }; kind: string; messageId: string } }> =
          await world.db.query(
            `SELECT data FROM "${world.schema}".events WHERE stream_id = $1 AND type = 'ClientNotificationSent'`,
            [`correspondence-${events.caseId}`],
          );
        return rows.length >= 2 ? rows : undefined;
      },
      { timeoutMs: 10_000, message: 'ClientNotificationSent events' },
    );
    expect(sent.map((row) => row.data.recipient.id).sort()).toEqual(
      contract.contacts.map((c) => c.id).sort(),
    );
    expect(sent.every((row) => row.data.kind === 'NOTIFICATION_KIND_FIRST_NOTICE')).toBe(true);
    // the event names contacts by id only
    expect(JSON.stringify(sent)).not.toContain('@client.test');
    expect(EVENT_REGISTRY.ClientNotificationSent.topic).toBe('clientnotifier.correspondence.events.v1');
  });

  it('sends substantive changes as updates, and skips amendments that change nothing the client needs', async () => {
    const P = { cause: 'CauseIdentified.cause', evidence: 'InstructionCompleted.evidenceNote' };
    const before = smtp.received.length;
    const instructionId = '0190a5b2-0000-7000-8000-0000000000aa';
    await transport.publish([
      // not substantive: only the occurrence time
      events.message('ReportAmended', {
        changedItems: ['REPORT_ITEM_OCCURRED_AT'],
        occurredAt: '2026-11-19T21:00:00Z',
      }),
      events.message('ReportAmended', {
        changedItems: ['REPORT_ITEM_PERSONS'],
        quantity: { persons: { precision: 'COUNT_PRECISION_AT_LEAST', value: '1500' } },
      }),
      events.message('InstructionIssued', {
        instructionId,
        kind: 'INSTRUCTION_KIND_CONTAIN',
        text: await events.seal('Disable the lost device’s VPN account.', 'InstructionIssued.text'),
      }),
      events.message('InstructionCompleted', {
        instructionId,
        evidenceNote: await events.seal(
          'VPN account disabled at 10:05; log attached to ticket 42.',
          P.evidence,
        ),
      }),
      events.message('CauseIdentified', {
        cause: await events.seal('Device carried without the required encryption.', P.cause),
        causedByProcessor: 'TRI_STATE_YES',
      }),
    ]);
    await waitForMails((mails) => mails.length >= before + 6, 'three updates to two contacts');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const updates = smtp.received.slice(before);
    expect(updates).toHaveLength(6);
    const enUpdates = updates
      .filter((m) => to(m).includes('jane@client.test'))
      .map((m) => m.parsed.text ?? '');
    expect(
      enUpdates.some((t) => t.includes('The report was amended') && t.includes('at least 1,500 persons')),
    ).toBe(true);
    expect(
      enUpdates.some((t) => t.includes('Disable the lost device’s VPN account.') && t.includes('ticket 42')),
    ).toBe(true);
    expect(enUpdates.some((t) => t.includes('Device carried without the required encryption.'))).toBe(true);
    const jaUpdates = updates.filter((m) => to(m).includes('yamada@client.test'));
    expect(jaUpdates.every((m) => (m.parsed.subject ?? '').startsWith('【続報】'))).toBe(true);
  });

  it('turns a timeline clock event into one e-mail to the contract’s responsible person', async () => {
    const before = smtp.received.length;
    const clock = events.message('DeadlineApproaching', {
      contractId: contract.id,
      clock: 'CLOCK_KIND_APPI_PRELIMINARY',
      dueAt: '2026-11-25T08:30:00Z',
      leadSeconds: '86400',
      detectedAt: '2026-11-24T08:30:00Z',
    });
    await transport.publish([
      { ...clock, topic: 'timeline.clock.events.v1' },
      { ...clock, topic: 'timeline.clock.events.v1' },
    ]);
    await waitForMails((mails) => mails.length >= before + 1, 'deadline alert');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const alerts = smtp.received.slice(before);
    // the same event delivered twice: one e-mail
    expect(alerts).toHaveLength(1);
    expect(to(alerts[0])).toEqual([contract.responsibleEmail]);
    expect(alerts[0].parsed.subject).toContain('速報');
    expect(alerts[0].parsed.text).toContain('2026-11-25 17:30');
    expect(alerts[0].parsed.text).toContain('APPI preliminary report');
  });
});

describe('an erased case', () => {
  it('says that the text was erased instead of failing (the case key was destroyed, Art. 7)', async () => {
    const events = new CaseEvents(world, contract.id);
    await transport.publish([
      await events.incidentReported({ description: 'secret description', site: 'secret site' }),
    ]);
    await world.keyring.destroy(events.caseId, {
      by: contract.responsibleUserId,
      reason: 'client instruction',
      at: new Date(),
    });
    await transport.publish([events.assessment()]);
    const mails = await waitFor(
      () => {
        const found = smtp.received.filter((m) => m.parsed.subject?.includes(events.caseNumber));
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'first notices of the erased case' },
    );
    const en = mails.find((m) => to(m).includes('jane@client.test'));
    expect(en?.parsed.text).toContain('(erased: the data of this case was erased and cannot be shown)');
    expect(en?.parsed.text).not.toContain('secret');
  });
});

describe('a contract without contacts', () => {
  it('alerts the responsible person instead of sending nothing', async () => {
    const lonely = await world.contract({ contacts: [] });
    const events = new CaseEvents(world, lonely.id);
    await transport.publish([
      await events.incidentReported({ description: 'paper files lost' }),
      events.assessment(),
    ]);
    const [alert] = await waitFor(
      () => {
        const found = smtp.received.filter((m) => to(m).includes(lonely.responsibleEmail));
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'no-contacts alert' },
    );
    expect(alert.parsed.text).toContain('no client contacts');
  });
});
