import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '#libs/messaging';
import { signAccessToken, type TestKeys, testPrincipal, waitFor } from '#libs/testing';
import { type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
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
 * Acknowledgement: opening the link (GET, HEAD — what a mail scanner does) changes nothing; the page's
 * button (POST) acknowledges; a second POST says who acknowledged and when; a client officer can
 * acknowledge through the API (tenant-scoped); ClientAcknowledged is recorded once per case.
 */

let context: NotifierTest;
let world: World;
let keys: TestKeys;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let notifier: NotifierApp;
let contract: TestContract;
let otherContract: TestContract;

beforeAll(async () => {
  context = await startNotifierTest('cn_ack');
  ({ world, keys, transport, notifier } = context);
  smtp = context.smtp as TestSmtpServer;
  contract = await world.contract({
    contacts: [
      { name: '鈴木 花子', email: 'suzuki@client.test', phone: '03-0000-0001', language: 'ja', priority: 1 },
      { name: 'John Doe', email: 'john@client.test', language: 'en', priority: 2 },
    ],
  });
  otherContract = await world.contract({
    contacts: [{ name: 'Other', email: 'other@other-client.test', language: 'en', priority: 1 }],
  });
});

afterAll(async () => {
  await context?.close();
});

const http = () => request(notifier.app.getHttpServer());

/** Reports a case and waits for its first notices; answers the case and each contact's mail. */
async function reportCase(target: TestContract) {
  const events = new CaseEvents(world, target.id);
  await transport.publish([
    await events.incidentReported({ description: 'Laptop stolen from a car' }),
    events.assessment(),
  ]);
  const mails = await waitFor(
    () => {
      const found = smtp.received.filter((mail) => mail.parsed.subject?.includes(events.caseNumber));
      return found.length >= target.contacts.length ? found : undefined;
    },
    { timeoutMs: 30_000, message: `first notices of ${events.caseNumber}` },
  );
  const mailTo = (address: string) => {
    const mail = mails.find((m) => to(m).includes(address));
    if (!mail) throw new Error(`no mail to ${address}`);
    return mail.parsed;
  };
  return { events, mailTo };
}

async function acknowledgedEvents(caseId: string): Promise<Array<{ data: Record<string, string> }>> {
  return world.db.query(
    `SELECT data FROM "${world.schema}".events WHERE stream_id = $1 AND type = 'ClientAcknowledged'`,
    [`correspondence-${caseId}`],
  );
}

describe('the acknowledgement link', () => {
  it('GET and HEAD (a mail scanner prefetching the link) show the page and acknowledge nothing', async () => {
    const { events, mailTo } = await reportCase(contract);
    const link = ackLinkOf(mailTo('suzuki@client.test'));

    const page = await http().get(link).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<html lang="ja">');
    expect(page.text).toContain(events.caseNumber);
    expect(page.text).toContain('Laptop stolen from a car');
    expect(page.text).toContain('<form method="post">');
    expect(page.text).toContain('受領を確認しました');
    await http().head(link).expect(200);
    await http().get(link).set('User-Agent', 'Mozilla/5.0 (compatible; SafeLinks scanner)').expect(200);

    expect(await acknowledgedEvents(events.caseId)).toHaveLength(0);
    const correspondence = await http()
      .get(`/cases/${events.caseId}/correspondence`)
      .set('Authorization', `Bearer ${await signAccessToken(keys, testPrincipal('auditor'))}`)
      .expect(200);
    expect(correspondence.body.acknowledgement).toBeUndefined();
    const [timer] = await world.db.query(
      `SELECT fired_at, cancelled_at FROM "${world.schema}".timers WHERE case_id = $1 AND kind = 'reminder'`,
      [events.caseId],
    );
    expect(timer).toEqual({ fired_at: null, cancelled_at: null });
  });

  it('the POST acknowledges; a second POST, with any contact’s link, says by whom and when', async () => {
    const { events, mailTo } = await reportCase(contract);
    const jaLink = ackLinkOf(mailTo('suzuki@client.test'));
    const enLink = ackLinkOf(mailTo('john@client.test'));

    const confirmed = await http().post(jaLink).type('form').send({}).expect(200);
    expect(confirmed.text).toContain('受領を確認しました');

    const again = await http().post(jaLink).type('form').send({}).expect(409);
    expect(again.text).toContain('鈴木 花子');
    expect(again.text).toContain('確認済み');
    const other = await http().post(enLink).type('form').send({}).expect(409);
    expect(other.text).toContain('already confirmed by 鈴木 花子');
    expect(other.text).toMatch(/on \d{4}-\d{2}-\d{2} \d{2}:\d{2} JST/);

    // the page now says who confirmed, and offers no button
    const page = await http().get(enLink).expect(200);
    expect(page.text).toContain('already confirmed by 鈴木 花子');
    expect(page.text).not.toContain('<form');

    const recorded = await acknowledgedEvents(events.caseId);
    expect(recorded).toHaveLength(1);
    const suzuki = contract.contacts.find((c) => c.email === 'suzuki@client.test');
    expect(recorded[0].data).toMatchObject({
      contractId: contract.id,
      channel: 'ACKNOWLEDGEMENT_CHANNEL_LINK',
      acknowledgedBy: suzuki?.id,
    });
    // the reminder is off
    const [timer] = await world.db.query(
      `SELECT cancelled_at FROM "${world.schema}".timers WHERE case_id = $1 AND kind = 'reminder'`,
      [events.caseId],
    );
    expect(timer.cancelled_at).not.toBeNull();
  });

  it('refuses a tampered, foreign or malformed link with a page and changes nothing', async () => {
    const { events, mailTo } = await reportCase(contract);
    const link = ackLinkOf(mailTo('john@client.test'));
    const tampered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const refused = await http().post(tampered).type('form').send({}).expect(403);
    expect(refused.text).toContain('This link is not valid.');
    await http().get('/acknowledgements/not-a-token').expect(403);
    expect(await acknowledgedEvents(events.caseId)).toHaveLength(0);
  });
});

describe('acknowledgement through the API', () => {
  it('a client officer of the contract acknowledges once; a second time is a 409 naming who and when', async () => {
    const { events } = await reportCase(contract);
    const officer = testPrincipal('client_officer', [contract.id]);
    const auth = `Bearer ${await signAccessToken(keys, officer)}`;
    const first = await http()
      .post(`/cases/${events.caseId}/acknowledgement`)
      .set('Authorization', auth)
      .expect(201);
    expect(first.body).toMatchObject({
      caseId: events.caseId,
      acknowledgedBy: officer.userId,
      channel: 'api',
    });
    const second = await http()
      .post(`/cases/${events.caseId}/acknowledgement`)
      .set('Authorization', auth)
      .expect(409);
    expect(second.body.error.code).toBe('already_acknowledged');
    expect(second.body.error.message).toContain(officer.userId);
    expect(await acknowledgedEvents(events.caseId)).toHaveLength(1);
  });

  it('answers 404 for a case of another client, exactly like a missing one, and refuses other roles', async () => {
    const { events } = await reportCase(otherContract);
    const officer = `Bearer ${await signAccessToken(keys, testPrincipal('client_officer', [contract.id]))}`;
    const hidden = await http()
      .post(`/cases/${events.caseId}/acknowledgement`)
      .set('Authorization', officer)
      .expect(404);
    const missing = await http()
      .post('/cases/0190a5b2-0000-7000-8000-00000000abcd/acknowledgement')
      .set('Authorization', officer)
      .expect(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);
    const responder = `Bearer ${await signAccessToken(keys, testPrincipal('responder', [otherContract.id]))}`;
    await http().post(`/cases/${events.caseId}/acknowledgement`).set('Authorization', responder).expect(403);
    await http().post(`/cases/${events.caseId}/acknowledgement`).expect(401);
    expect(await acknowledgedEvents(events.caseId)).toHaveLength(0);
  });
});
