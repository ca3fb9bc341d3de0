import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, type EventJson, encodeEnvelope, envelopeHeaders, TOPICS } from '#libs/contracts';
import type { KafkaTransport, OutgoingMessage } from '#libs/messaging';
import { waitFor } from '#libs/testing';
import type { ReceivedMail, TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import { Correspondence } from '../src/correspondence/correspondence.js';
import {
  CaseEvents,
  type NotifierApp,
  type NotifierTest,
  startNotifierTest,
  type TestContract,
  to,
  type World,
} from './support.js';

/**
 * The consultation request (協議): the publisher's ConsultationRequested on the real
 * `publisher.statement.events.v1` topic → client-notifier's publisher consumer → one e-mail per client
 * contact of the contract, in the contact's language, naming the statement, the revision and its content
 * hash and linking that revision on the publisher; delivery records and ClientNotificationSent. A
 * redelivered event sends nothing more; the publisher's other events and unknown types send nothing.
 */

const PUBLISHER_URL = 'http://publisher.test';

let context: NotifierTest;
let world: World;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let notifier: NotifierApp;
let contract: TestContract;
let events: CaseEvents;
const statementId = randomUUID();

beforeAll(async () => {
  context = await startNotifierTest('cn_consult', {
    env: { CLIENT_NOTIFIER_PUBLISHER_URL: PUBLISHER_URL },
  });
  ({ world, transport, notifier } = context);
  smtp = context.smtp as TestSmtpServer;
  contract = await world.contract({
    title: '住民情報システム運用保守業務',
    contacts: [
      { name: '山田 太郎', email: 'yamada@client.test', language: 'ja', priority: 1 },
      { name: 'Jane Smith', email: 'jane@client.test', language: 'en', priority: 2 },
      { name: 'Kim Lee', email: 'kim@client.test', language: 'en', priority: 3 },
    ],
  });
  events = new CaseEvents(world, contract.id);
});

afterAll(async () => {
  await context?.close();
});

/** A publisher event of the test's case, as the publisher's relay publishes it (key = case id). */
function publisherEvent<K extends 'ConsultationRequested' | 'StatementDrafted'>(
  type: K,
  data: EventJson<K>,
): OutgoingMessage {
  return { ...events.message(type, data), topic: TOPICS.publisherStatement };
}

function consultation(revision: number, contentHash: string): OutgoingMessage {
  return publisherEvent('ConsultationRequested', {
    statementId,
    contractId: contract.id,
    revision,
    contentHash,
    number: 2,
  });
}

/** An event type this build does not know (a newer publisher): skipped, like intake's unknown types. */
function unknownTypeEvent(): OutgoingMessage {
  const known = decodeEnvelope(consultation(99, 'f'.repeat(64)).value);
  const now = timestampFromDate(new Date());
  const value = encodeEnvelope({
    ...known,
    eventId: randomUUID(),
    type: 'leakresponse.publisher.v1.StatementScheduled',
    occurredAt: now,
    recordedAt: now,
  });
  return {
    topic: TOPICS.publisherStatement,
    key: events.caseId,
    value,
    headers: envelopeHeaders(decodeEnvelope(value)),
  };
}

const reviewUrl = (revision: number) =>
  `${PUBLISHER_URL}/cases/${events.caseId}/statements/${statementId}/revisions/${revision}`;

/** The consultation e-mails received so far for one revision. */
const consultationMails = (revision: number) =>
  smtp.received.filter((mail) => (mail.parsed.text ?? '').includes(reviewUrl(revision)));

async function waitForConsultationMails(revision: number, count: number): Promise<ReceivedMail[]> {
  return waitFor(
    () => {
      const found = consultationMails(revision);
      return found.length >= count ? found : undefined;
    },
    { timeoutMs: 30_000, message: `consultation e-mails of revision ${revision}` },
  );
}

interface DeliveryRow {
  kind: string;
  recipient_id: string;
  status: string;
  attempts: number;
  message_id: string;
  source: { statementId: string; revision: number };
}

const consultationDeliveries = async (): Promise<DeliveryRow[]> =>
  world.db.query(
    `SELECT kind, recipient_id, status, attempts, message_id, source FROM "${world.schema}".deliveries
      WHERE case_id = $1 AND kind = 'consultation' ORDER BY created_at, recipient_id`,
    [events.caseId],
  );

describe('a statement revision submitted for consultation', () => {
  const hash4 = 'a1'.repeat(32);
  const hash5 = 'b2'.repeat(32);
  let requested: OutgoingMessage;

  it('reaches every client contact once, in their language, with the revision, its hash and the link', async () => {
    await transport.publish([
      await events.incidentReported({ description: 'USBメモリの紛失' }),
      events.assessment(),
    ]);
    await waitFor(
      () =>
        smtp.received.filter((m) => m.parsed.subject?.includes(events.caseNumber)).length >= 3
          ? true
          : undefined,
      { timeoutMs: 30_000, message: 'first notices' },
    );
    requested = consultation(4, hash4);
    await transport.publish([
      // the publisher's other events concern nobody at the client
      publisherEvent('StatementDrafted', {
        statementId,
        contractId: contract.id,
        number: 2,
        revision: 1,
        contentHash: 'c3'.repeat(32),
        sourceEventCount: 3,
        kind: 'DOCUMENT_KIND_STATEMENT',
      }),
      requested,
    ]);
    const mails = await waitForConsultationMails(4, 3);
    for (const contact of contract.contacts) {
      expect(mails.filter((mail) => to(mail).includes(contact.email))).toHaveLength(1);
    }
    const ja = mails.find((mail) => to(mail).includes('yamada@client.test')) as ReceivedMail;
    const en = mails.find((mail) => to(mail).includes('jane@client.test')) as ReceivedMail;
    expect(ja.parsed.subject).toBe(`【公表文案のご確認のお願い】${events.caseNumber} 第2報（改訂4）`);
    expect(ja.parsed.headers.get('content-language')).toBe('ja');
    expect(ja.parsed.text).toContain('山田 太郎 様');
    expect(en.parsed.subject).toBe(`[Please review] ${events.caseNumber} statement No. 2 (revision 4)`);
    expect(en.parsed.headers.get('content-language')).toBe('en');
    expect(en.parsed.text).toContain('Dear Jane Smith,');
    for (const mail of mails) {
      for (const part of [mail.parsed.text ?? '', String(mail.parsed.html)]) {
        expect(part).toContain(reviewUrl(4));
        expect(part).toContain(hash4);
        expect(part).toContain(contract.title);
        expect(part).toContain(contract.responsibleEmail);
      }
      expect(String(mail.parsed.html)).toContain(`<a href="${reviewUrl(4)}">`);
      expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@contractor\.test>$/);
    }
    // nothing for the drafted statement: only the three consultation mails after the first notices
    expect(smtp.received.filter((m) => m.parsed.subject?.includes(events.caseNumber))).toHaveLength(6);
  });

  it('keeps a sent delivery record per contact and records ClientNotificationSent of kind consultation', async () => {
    const rows = await waitFor(
      async () => {
        const found = await consultationDeliveries();
        return found.length === 3 && found.every((row) => row.status === 'sent') ? found : undefined;
      },
      { timeoutMs: 10_000, message: 'sent consultation records' },
    );
    expect(rows.map((row) => row.recipient_id).sort()).toEqual(contract.contacts.map((c) => c.id).sort());
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, source: { statementId, revision: 4 } });
    }
    const sentIds = new Set(consultationMails(4).map((mail) => mail.parsed.messageId));
    expect(rows.every((row) => sentIds.has(row.message_id))).toBe(true);
    const sent = await waitFor(
      async () => {
        const found: Array<{ data: { kind: string; messageId: string } }> = await world.db.query(
          `SELECT data FROM "${world.schema}".events
            WHERE stream_id = $1 AND type = 'ClientNotificationSent' AND data->>'kind' = 'NOTIFICATION_KIND_CONSULTATION'`,
          [`correspondence-${events.caseId}`],
        );
        return found.length >= 3 ? found : undefined;
      },
      { timeoutMs: 10_000, message: 'ClientNotificationSent events' },
    );
    expect(sent.map((row) => row.data.messageId).sort()).toEqual(rows.map((row) => row.message_id).sort());
    expect(JSON.stringify(sent)).not.toContain('@client.test');
  });

  it('sends nothing more for a redelivered event, nor for an unknown event type', async () => {
    // the exact message already handled (same event id), delivered twice more
    expect(await consultationDeliveries()).toHaveLength(3);
    // then a later revision on the same partition (key = case id): once its mails are in, the copies and
    // the unknown event before it have been handled
    await transport.publish([requested, unknownTypeEvent(), requested, consultation(5, hash5)]);
    const later = await waitForConsultationMails(5, 3);
    for (const contact of contract.contacts) {
      expect(later.filter((mail) => to(mail).includes(contact.email))).toHaveLength(1);
      expect(consultationMails(4).filter((mail) => to(mail).includes(contact.email))).toHaveLength(1);
    }
    expect(consultationMails(99)).toHaveLength(0);
    expect(await consultationDeliveries()).toHaveLength(6);
  });

  it('intends nothing new when the same event reaches the rule again past the inbox (dedupe key)', async () => {
    const [row]: Array<{ source_event_id: string }> = await world.db.query(
      `SELECT source_event_id FROM "${world.schema}".deliveries WHERE case_id = $1 AND kind = 'consultation'
        AND source->>'revision' = '5' LIMIT 1`,
      [events.caseId],
    );
    const correspondence = notifier.app.get(Correspondence);
    await notifier.app
      .get(DataSource)
      .transaction((manager) =>
        correspondence.consultationRequested(
          manager,
          { eventId: row.source_event_id, caseId: events.caseId, occurredAt: new Date() },
          { statementId, contractId: contract.id, revision: 5, contentHash: hash5, number: 2 },
        ),
      );
    expect(await consultationDeliveries()).toHaveLength(6);
  });
});
