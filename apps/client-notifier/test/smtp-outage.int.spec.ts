import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '#libs/messaging';
import { waitFor } from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  CaseEvents,
  type NotifierTest,
  startNotifierTest,
  type TestContract,
  to,
  type World,
} from './support.js';

/**
 * Delivery when the SMTP server is not there: every message is intended, retried with back-off from the
 * database, and arrives exactly once when the server comes up. A permanent refusal (5xx) is given up at
 * once: ClientNotificationFailed, and an alert to the responsible person.
 */

let context: NotifierTest;
let world: World;
let smtp: TestSmtpServer | undefined;
let smtpPort: number;
let transport: KafkaTransport;
let contract: TestContract;
const CASES = 10;

beforeAll(async () => {
  context = await startNotifierTest('cn_smtp', {
    smtpDown: true,
    env: { DELIVERY_RETRY_INITIAL_MS: '200', DELIVERY_RETRY_MAX_MS: '1000', DELIVERY_MAX_ATTEMPTS: '100' },
  });
  ({ world, transport } = context);
  smtpPort = context.smtpPort;
  contract = await world.contract({
    contacts: [
      { name: 'A', email: 'a@client.test', language: 'en', priority: 1 },
      { name: 'B', email: 'b@client.test', language: 'ja', priority: 2 },
      {
        name: 'Bounce Contact',
        email: 'bounce@client.test',
        phone: '03-9999-0000',
        language: 'en',
        priority: 3,
      },
    ],
  });
});

afterAll(async () => {
  await context?.close();
});

interface Row {
  kind: string;
  recipient_id: string;
  status: string;
  attempts: number;
  message_id: string;
  last_error: string | null;
  smtp_code: number | null;
}

const deliveries = (): Promise<Row[]> =>
  world.db.query(
    `SELECT kind, recipient_id, status, attempts, message_id, last_error, smtp_code FROM "${world.schema}".deliveries
      WHERE contract_id = $1`,
    [contract.id],
  );

describe('the SMTP server down for a while, then up', () => {
  it('delivers every e-mail exactly once, after retries recorded in the database', async () => {
    const cases = Array.from({ length: CASES }, () => new CaseEvents(world, contract.id));
    for (const events of cases) {
      await transport.publish([
        await events.incidentReported({ description: `outage case ${events.caseNumber}` }),
        events.assessment(),
      ]);
    }
    // every first notice intended, and retried while nobody answers on the port
    await waitFor(
      async () => {
        const rows = await deliveries();
        return rows.length === CASES * 3 && rows.every((row) => row.attempts >= 2 && row.status === 'pending')
          ? rows
          : undefined;
      },
      { timeoutMs: 30_000, message: 'first notices retried while the SMTP server is down' },
    );
    const pending = await deliveries();
    expect(pending.every((row) => /ECONNREFUSED|ESOCKET|connect/i.test(row.last_error ?? ''))).toBe(true);

    context.smtp = smtp = await startTestSmtpServer({
      port: smtpPort,
      refuseRecipient: (address) =>
        address === 'bounce@client.test'
          ? { code: 550, message: '5.1.1 <bounce@client.test>: mailbox unknown' }
          : undefined,
    });
    const server = smtp;
    await waitFor(
      async () => {
        const rows = await deliveries();
        const settled = rows.filter(
          (row) => row.kind === 'first_notice' && (row.status === 'sent' || row.status === 'failed'),
        );
        return settled.length === CASES * 3 ? rows : undefined;
      },
      { timeoutMs: 30_000, message: 'every first notice settled once the server is up' },
    );
    await waitFor(
      async () =>
        (await deliveries()).filter((r) => r.kind === 'failure_alert' && r.status === 'sent').length ===
          CASES || undefined,
      { timeoutMs: 20_000, message: 'failure alerts sent' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // each contact that can receive got exactly one first notice per case, with its record's Message-ID
    const notices = server.received.filter((mail) => !to(mail).includes(contract.responsibleEmail));
    expect(notices).toHaveLength(CASES * 2);
    const ids = notices.map((mail) => mail.parsed.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const events of cases) {
      for (const address of ['a@client.test', 'b@client.test']) {
        expect(
          notices.filter(
            (mail) => to(mail).includes(address) && mail.parsed.subject?.includes(events.caseNumber),
          ),
        ).toHaveLength(1);
      }
    }
    const rows = await deliveries();
    const sent = rows.filter((row) => row.kind === 'first_notice' && row.status === 'sent');
    expect(sent).toHaveLength(CASES * 2);
    expect(new Set(sent.map((row) => row.message_id))).toEqual(new Set(ids));
  });

  it('a permanent refusal (550) is ClientNotificationFailed at once, and the responsible person is alerted', async () => {
    const bounce = contract.contacts.find((c) => c.email === 'bounce@client.test');
    const failed = (await deliveries()).filter((row) => row.recipient_id === bounce?.id);
    expect(failed).toHaveLength(CASES);
    // the refusal was not retried: the attempts are the refused one plus those made while the server was down
    for (const row of failed) expect(row).toMatchObject({ status: 'failed', smtp_code: 550 });

    const events: Array<{ data: Record<string, unknown> }> = await world.db.query(
      `SELECT data FROM "${world.schema}".events WHERE type = 'ClientNotificationFailed' AND data->>'contractId' = $1`,
      [contract.id],
    );
    expect(events).toHaveLength(CASES);
    expect(events[0].data).toMatchObject({
      kind: 'NOTIFICATION_KIND_FIRST_NOTICE',
      recipient: { kind: 'RECIPIENT_KIND_CLIENT_CONTACT', id: bounce?.id },
      smtpCode: 550,
    });
    // no address in the event, even though the SMTP reply quoted it
    expect(JSON.stringify(events)).not.toContain('bounce@client.test');

    const alerts = smtp?.received.filter((mail) => to(mail).includes(contract.responsibleEmail)) ?? [];
    expect(alerts).toHaveLength(CASES);
    expect(alerts[0].parsed.text).toContain('Bounce Contact');
    expect(alerts[0].parsed.text).toContain('03-9999-0000');
    expect(alerts[0].parsed.text).toContain('550');
  });
});
