import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '#libs/contracts';
import { eventually, readAllFromTopic } from '#libs/testing';

import {
  type ReceivedMail,
  type SmtpRefusal,
  startTestSmtpServer,
  type TestSmtpServer,
} from '../../../libs/mail/test/smtp-test-server.js';
import {
  approveTemplate,
  bearer,
  createWorld,
  http,
  importPersons,
  personsCsv,
  type SubjectsApp,
  startSubjects,
  TestCase,
  type World,
  waitFor,
} from './support.js';

const run = promisify(execFile);

/** Campaigns against the real SMTP server, PostgreSQL and Kafka: refusal, exactly once, faults, outreach, erasure. */

let world: World;
let smtp: TestSmtpServer;
let service: SubjectsApp;
/** what the SMTP server answers a recipient (tests switch it) */
let refuse: (address: string) => SmtpRefusal | undefined = () => undefined;

const recipientsOf = (mail: ReceivedMail) => mail.envelopeTo;
const mailsTo = (address: string) => smtp.received.filter((mail) => recipientsOf(mail).includes(address));

async function eventsOf(caseId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  return world.db.query(
    `SELECT type, data FROM "${world.schema}".events WHERE stream_id = $1 ORDER BY stream_version`,
    [`subjects-${caseId}`],
  );
}

/** A case known from Kafka with a notify instruction, persons imported, a template approved. */
async function preparedCase(csv: string) {
  const testCase = new TestCase(world);
  const notify = testCase.instruction('INSTRUCTION_KIND_NOTIFY_SUBJECTS');
  await testCase.publish([testCase.reported(), notify.message], { instructions: 1 });
  const responder = await bearer(world, 'responder', [testCase.contractId]);
  await importPersons(service, responder, testCase.caseId, csv);
  const template = await approveTemplate(world, testCase.caseId);
  const startCampaign = () =>
    http(service)
      .post(`/cases/${testCase.caseId}/campaigns`)
      .set('Authorization', responder)
      .send({ instructionId: notify.instructionId, templateId: template.templateId })
      .expect(201);
  return { testCase, responder, startCampaign };
}

async function waitForCampaign(
  caseId: string,
  campaignId: string,
  auth: string,
  status: string,
  timeoutMs = 60_000,
) {
  return waitFor(
    async () => {
      const res = await http(service)
        .get(`/cases/${caseId}/campaigns/${campaignId}`)
        .set('Authorization', auth);
      return res.body.status === status ? res.body : undefined;
    },
    { timeoutMs, message: `campaign ${status}` },
  );
}

beforeAll(async () => {
  world = await createWorld('sn_campaign');
  smtp = await startTestSmtpServer({ refuseRecipient: (address) => refuse(address) });
  service = await startSubjects(world, smtp.port, {
    NOTICE_RATE_PER_SECOND: '200',
    LOG_LEVEL: process.env.SN_LOG ?? 'error',
  });
});

afterAll(async () => {
  await service?.app.close();
  await smtp?.close();
  await world?.close();
});

describe('a campaign starts only on instruction and with an approved template', () => {
  it('is refused without a notify-subjects instruction, or with a template not approved for the case', async () => {
    const testCase = new TestCase(world);
    const publish = testCase.instruction('INSTRUCTION_KIND_PUBLISH');
    const notify = testCase.instruction('INSTRUCTION_KIND_NOTIFY_SUBJECTS');
    await testCase.publish([testCase.reported(), publish.message, notify.message], { instructions: 2 });
    const responder = await bearer(world, 'responder', [testCase.contractId]);
    await importPersons(service, responder, testCase.caseId, personsCsv(3, 'refused'));
    const template = await approveTemplate(world, testCase.caseId);
    const elsewhere = await approveTemplate(world, randomUUID());
    const start = (body: object) =>
      http(service).post(`/cases/${testCase.caseId}/campaigns`).set('Authorization', responder).send(body);

    const noInstruction = await start({
      instructionId: randomUUID(),
      templateId: template.templateId,
    }).expect(422);
    expect(noInstruction.body.error.code).toBe('no_notify_instruction');
    const wrongKind = await start({
      instructionId: publish.instructionId,
      templateId: template.templateId,
    }).expect(422);
    expect(wrongKind.body.error.code).toBe('no_notify_instruction');
    const unapproved = await start({ instructionId: notify.instructionId, templateId: randomUUID() }).expect(
      422,
    );
    expect(unapproved.body.error.code).toBe('template_not_approved');
    const otherCase = await start({
      instructionId: notify.instructionId,
      templateId: elsewhere.templateId,
    }).expect(422);
    expect(otherCase.body.error.code).toBe('template_not_approved');
    const notYetApproved = await start({
      instructionId: notify.instructionId,
      templateId: template.templateId,
      templateRevision: 2,
    }).expect(422);
    expect(notYetApproved.body.error.code).toBe('template_not_approved');
    await start({ instructionId: 'x' }).expect(400);
    const officer = await bearer(world, 'client_officer', [testCase.contractId]);
    await http(service)
      .post(`/cases/${testCase.caseId}/campaigns`)
      .set('Authorization', officer)
      .send({ instructionId: notify.instructionId, templateId: template.templateId })
      .expect(403);

    const [{ n }] = await world.db.query(
      `SELECT count(*)::int AS n FROM "${world.schema}".campaigns WHERE case_id = $1`,
      [testCase.caseId],
    );
    expect(n).toBe(0);
    expect(
      smtp.received.filter((mail) => recipientsOf(mail).some((to) => to.startsWith('refused-'))),
    ).toEqual([]);
  });
});

describe('a campaign of 200 persons', () => {
  it('sends every person exactly one notice with their own name and items, and records milestones and completion', async () => {
    const { testCase, responder, startCampaign } = await preparedCase(personsCsv(200, 'c200'));
    const started = await startCampaign();
    expect(started.body).toMatchObject({ status: 'running', personsTotal: 200, emailTotal: 200 });
    const done = await waitForCampaign(testCase.caseId, started.body.campaignId, responder, 'completed');
    expect(done.tally).toMatchObject({
      sent: 200,
      failed: 0,
      queued: 0,
      sending: 0,
      deferred: 0,
      personsReached: 200,
    });

    for (let n = 1; n <= 200; n++) {
      const mails = mailsTo(`c200-${n}@persons.test`);
      expect(mails, `person ${n}`).toHaveLength(1);
      const { parsed } = mails[0];
      const name = `Person c200 ${n}`;
      expect(parsed.text).toContain(name);
      expect(parsed.text).toContain(`item-${n}`);
      expect(parsed.text).not.toContain(`item-${n + 1}\n`);
      expect(parsed.subject).toBe(
        n % 2 === 0 ? 'Important: notice of a personal data leak' : '【重要】個人情報漏えいに関するお知らせ',
      );
      expect(parsed.messageId).toMatch(
        new RegExp(`^<notice\\.${started.body.campaignId}\\.[0-9a-f-]{36}@contractor\\.test>$`),
      );
    }

    const events = await eventsOf(testCase.caseId);
    expect(events.map((event) => event.type)).toEqual([
      'SubjectsImported',
      'NoticeCampaignStarted',
      'NoticeCampaignProgressed',
      'NoticeCampaignProgressed',
      'NoticeCampaignProgressed',
      'NoticeCampaignCompleted',
    ]);
    expect(events.slice(2, 5).map((event) => event.data.percent)).toEqual([25, 50, 75]);
    expect(events[5].data.counts).toMatchObject({ personsTotal: 200, sent: 200, failed: 0, bounced: 0 });
    // counts only: no person on Kafka
    await eventually(
      async () => {
        const records = (await readAllFromTopic(TOPICS.subjectNotifierCampaign)).filter(
          (record) => record.key === testCase.caseId,
        );
        expect(records).toHaveLength(6);
        for (const record of records) {
          expect(Buffer.from(record.value ?? []).toString('latin1')).not.toContain('persons.test');
          expect(Buffer.from(record.value ?? []).toString('utf8')).not.toContain('Person c200');
        }
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 120_000);
});

describe('pause and resume', () => {
  it('stops sending while paused and sends the rest, each once, after the resume', async () => {
    const { testCase, responder, startCampaign } = await preparedCase(personsCsv(300, 'pause'));
    const started = await startCampaign();
    const url = `/cases/${testCase.caseId}/campaigns/${started.body.campaignId}`;
    const sentSoFar = () => smtp.received.filter((mail) => mail.envelopeTo[0]?.startsWith('pause-')).length;
    await waitFor(() => sentSoFar() >= 40 || undefined, { timeoutMs: 30_000, message: '40 notices' });
    const paused = await http(service).post(`${url}/pause`).set('Authorization', responder).expect(200);
    expect(paused.body.status).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the notices in flight finish
    const atPause = sentSoFar();
    expect(atPause).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sentSoFar()).toBe(atPause);
    const progress = await http(service).get(url).set('Authorization', responder).expect(200);
    expect(progress.body.tally.sent).toBe(atPause);
    expect(progress.body.tally.queued).toBe(300 - atPause);
    await http(service).post(`${url}/pause`).set('Authorization', responder).expect(409);

    // the same progress for people: the case page's bar and the command-line tool's
    const page = await http(service).get(`${url}/progress`).set('Authorization', responder).expect(200);
    expect(page.text).toContain(`<progress id="campaign-progress" max="300" value="${atPause}">`);
    const server = service.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { stdout } = await run(
      process.execPath,
      [
        fileURLToPath(
          new URL('../../../dist/apps/subject-notifier/src/cli/campaign-progress.js', import.meta.url),
        ),
        ...['--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`],
        ...['--case', testCase.caseId, '--campaign', started.body.campaignId, '--once'],
      ],
      { env: { ...process.env, LR_ACCESS_TOKEN: responder.replace(/^Bearer /, '') } },
    );
    expect(stdout).toContain(`${atPause}/300 e-mails`);
    expect(stdout).toMatch(/^\[[█░]+\] +\d+%/);
    expect(stdout.trim().endsWith('paused')).toBe(true);

    await http(service).post(`${url}/resume`).set('Authorization', responder).expect(200);
    await waitForCampaign(testCase.caseId, started.body.campaignId, responder, 'completed');
    for (let n = 1; n <= 300; n++) expect(mailsTo(`pause-${n}@persons.test`), `person ${n}`).toHaveLength(1);
    const types = (await eventsOf(testCase.caseId)).map((event) => event.type);
    expect(types).toContain('NoticeCampaignPaused');
    expect(types).toContain('NoticeCampaignResumed');
    expect(types.at(-1)).toBe('NoticeCampaignCompleted');
  });
});

describe('SMTP faults, letters, calls and the public notice', () => {
  it('defers on 451 then sends; fails on 550 with the reason; the others are reached by letter, phone and public notice', async () => {
    const csv = [
      'name,email,phone,address,language,items',
      'Temp One,temp-1@persons.test,,,en,name',
      'Temp Two,temp-2@persons.test,,,en,name',
      'Refused Letter,refused-1@persons.test,,"1-1 Chiyoda, Tokyo",en,name;address',
      'Refused Nobody,refused-2@persons.test,,,en,name',
      'Phone Only,,090-1234-0000,,ja,氏名;電話番号',
      'Letter Only,,,"2-2 Kita, Osaka",ja,氏名;住所',
    ].join('\n');
    const { testCase, responder, startCampaign } = await preparedCase(csv);
    let temporary = true;
    refuse = (address) => {
      if (address.startsWith('temp-') && temporary) return { code: 451, message: '4.3.0 try again later' };
      if (address.startsWith('refused-')) return { code: 550, message: '5.1.1 mailbox unavailable' };
      return undefined;
    };
    const started = await startCampaign();
    expect(started.body).toMatchObject({ personsTotal: 6, emailTotal: 4 });
    const url = `/cases/${testCase.caseId}/campaigns/${started.body.campaignId}`;
    await waitFor(
      async () => {
        const rows: Array<{ status: string; attempts: number }> = await world.db.query(
          `SELECT status, attempts FROM "${world.schema}".deliveries WHERE campaign_id = $1 AND status = 'deferred'`,
          [started.body.campaignId],
        );
        return rows.length === 2 && rows.every((row) => row.attempts >= 2) ? rows : undefined;
      },
      { timeoutMs: 20_000, message: 'two notices deferred twice' },
    );
    temporary = false;
    await waitFor(
      async () => {
        const res = await http(service).get(url).set('Authorization', responder);
        return res.body.tally.sent === 2 && res.body.tally.failed === 2 ? res.body : undefined;
      },
      { timeoutMs: 20_000, message: 'two sent, two failed' },
    );
    refuse = () => undefined;
    expect(mailsTo('temp-1@persons.test')).toHaveLength(1);
    expect(mailsTo('refused-1@persons.test')).toHaveLength(0);
    const failed: Array<{ smtp_code: number; reason: string }> = await world.db.query(
      `SELECT smtp_code, reason FROM "${world.schema}".deliveries WHERE campaign_id = $1 AND status = 'failed'`,
      [started.body.campaignId],
    );
    expect(failed).toHaveLength(2);
    for (const row of failed) {
      expect(row.smtp_code).toBe(550);
      expect(row.reason).toContain('mailbox unavailable');
      expect(row.reason).not.toContain('@');
    }

    // letters: the refused person with an address and the person with an address only
    const letters = await http(service).get(`${url}/letters`).set('Authorization', responder).expect(200);
    expect(letters.headers['content-type']).toMatch(/^text\/csv/);
    const lines = letters.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines).toEqual([
      'reference,language,name,postal_address,leaked_items',
      'P000003,en,Refused Letter,"1-1 Chiyoda, Tokyo",name; address',
      'P000006,ja,Letter Only,"2-2 Kita, Osaka",氏名; 住所',
    ]);
    const printable = await http(service)
      .get(`${url}/letters/print`)
      .set('Authorization', responder)
      .expect(200);
    expect(printable.headers['content-type']).toMatch(/^text\/html/);
    expect(printable.text.match(/<section class="letter"/g)).toHaveLength(2);
    expect(printable.text).toContain('1-1 Chiyoda, Tokyo');
    expect(printable.text).toContain('Letter Only 様');
    expect(printable.text).toContain('【重要】個人情報漏えいに関するお知らせ');
    expect(printable.text).toContain('<li>住所</li>');
    await http(service)
      .post(`${url}/letters`)
      .set('Authorization', responder)
      .send({ references: ['P000003', 'P000006'], postedAt: '2026-11-22T10:00:00Z' })
      .expect(200, { recorded: 2 });

    // calls: the phone-only person, no answer first, then reached
    const callList = await http(service).get(`${url}/calls`).set('Authorization', responder).expect(200);
    expect(callList.body.persons).toEqual([
      { reference: 'P000005', name: 'Phone Only', phone: '09012340000', language: 'ja', calls: [] },
    ]);
    await http(service)
      .post(`${url}/calls`)
      .set('Authorization', responder)
      .send({ reference: 'P000005', calledAt: '2026-11-22T11:00:00Z', result: 'no_answer' })
      .expect(201);
    await http(service)
      .post(`${url}/calls`)
      .set('Authorization', responder)
      .send({ reference: 'P000005', calledAt: '2026-11-22T15:30:00Z', result: 'reached' })
      .expect(201);
    const afterCalls = await http(service).get(`${url}/calls`).set('Authorization', responder).expect(200);
    expect(afterCalls.body.persons).toEqual([]);

    // the public notice covers the one left (refused, no address, no phone) and completes the campaign
    await http(service)
      .post(`${url}/public-notice`)
      .set('Authorization', await bearer(world, 'responsible', [testCase.contractId]))
      .send({ url: 'https://example.jp/statements/notice-1', postedAt: '2026-11-23T09:00:00Z' })
      .expect(201, { personsCovered: 1 });
    const done = await http(service).get(url).set('Authorization', responder).expect(200);
    expect(done.body.status).toBe('completed');
    const events = await eventsOf(testCase.caseId);
    expect(events.at(-2)?.type).toBe('PublicNoticePosted');
    expect(events.at(-1)).toMatchObject({
      type: 'NoticeCampaignCompleted',
      data: { counts: { personsTotal: 6, sent: 2, failed: 2, byLetter: 2, byPhone: 1, byPublicNotice: 1 } },
    });
  });
});

describe('bounces, the delivery report and erasure', () => {
  it('marks a bounce, gives the auditor the report (logged as an export), and after erasure nothing is readable', async () => {
    const { testCase, responder, startCampaign } = await preparedCase(personsCsv(5, 'erase'));
    const started = await startCampaign();
    const url = `/cases/${testCase.caseId}/campaigns/${started.body.campaignId}`;
    await waitForCampaign(testCase.caseId, started.body.campaignId, responder, 'completed');
    const bounced = mailsTo('erase-2@persons.test')[0].parsed.messageId as string;
    await http(service)
      .post(`${url}/bounces`)
      .set('Authorization', responder)
      .send({ messageId: bounced, reason: '5.1.1 user unknown (DSN)' })
      .expect(204);
    await http(service)
      .post(`${url}/bounces`)
      .set('Authorization', responder)
      .send({ messageId: '<unknown@contractor.test>', reason: 'x' })
      .expect(404);

    const auditor = await bearer(world, 'auditor', 'all');
    await http(service).get(`${url}/delivery-report`).set('Authorization', responder).expect(403);
    const report = await http(service)
      .get(`${url}/delivery-report`)
      .set('Authorization', auditor)
      .expect(200);
    const rows = report.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toBe('reference,name,channel,status,time,message_id,attempts,reason');
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatch(/^P000001,Person erase 1,email,sent,[^,]+,<notice\.[^,]+>,1,$/);
    expect(rows[2]).toMatch(/^P000002,Person erase 2,email,bounced,.*5\.1\.1 user unknown \(DSN\)$/);
    await eventually(async () => {
      const logged = await world.db.query(
        `SELECT kind, status FROM "${world.schema}".access_log WHERE route = $1 AND kind = 'export'`,
        ['/cases/:caseId/campaigns/:campaignId/delivery-report'],
      );
      expect(logged).toContainEqual({ kind: 'export', status: 200 });
    });

    const responsible = await bearer(world, 'responsible', [testCase.contractId]);
    const erased = await http(service)
      .post(`/cases/${testCase.caseId}/erasure`)
      .set('Authorization', responsible)
      .send({ reason: 'client instruction of 2026-11-30: erase the entrusted data' })
      .expect(201);
    expect(erased.body).toMatchObject({
      caseId: testCase.caseId,
      persons: 5,
      method: 'crypto-shredding: AES-256 data key destroyed',
      items: expect.arrayContaining(['name', 'e-mail address']),
    });
    // idempotent
    const again = await http(service)
      .post(`/cases/${testCase.caseId}/erasure`)
      .set('Authorization', responsible)
      .send({ reason: 'again' })
      .expect(201);
    expect(again.body.erasedAt).toBe(erased.body.erasedAt);

    // no route reads a person any more
    await http(service).get(`/cases/${testCase.caseId}/persons`).set('Authorization', responder).expect(410);
    await http(service).get(`${url}/letters`).set('Authorization', responder).expect(410);
    await http(service).get(`${url}/calls`).set('Authorization', responder).expect(410);
    const after = await http(service).get(`${url}/delivery-report`).set('Authorization', auditor).expect(200);
    const afterRows = after.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n')
      .slice(1);
    expect(afterRows).toHaveLength(5);
    for (const row of afterRows) expect(row.split(',')[1]).toBe('(erased)');
    await http(service)
      .post(`/cases/${testCase.caseId}/imports`)
      .set('Authorization', responder)
      .set('Content-Type', 'text/csv')
      .send('name,email,items\nA,a@example.jp,x\n')
      .expect(410);

    // the certificate, as JSON and printable; the counts stay on record
    const page = await http(service)
      .get(`/cases/${testCase.caseId}/erasure`)
      .set('Authorization', responsible)
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('データ消去証明書');
    expect(page.text).toContain('crypto-shredding');
    const events = await eventsOf(testCase.caseId);
    expect(events.map((event) => event.type)).toContain('NoticeCampaignCompleted');
    expect(events.at(-1)).toMatchObject({ type: 'SubjectsErased', data: { persons: 5 } });
  });

  it('cancels a campaign still sending when the persons are erased, keeping the counts', async () => {
    const { testCase, responder, startCampaign } = await preparedCase(personsCsv(4, 'cancelme'));
    refuse = (address) =>
      address.startsWith('cancelme-') ? { code: 451, message: '4.3.0 busy' } : undefined;
    try {
      const started = await startCampaign();
      await waitFor(
        async () => {
          const [{ n }] = await world.db.query(
            `SELECT count(*)::int AS n FROM "${world.schema}".deliveries WHERE campaign_id = $1 AND status = 'deferred'
                AND next_attempt_at > now() + interval '400 milliseconds'`,
            [started.body.campaignId],
          );
          // all four waiting for a retry well after the erasure below (none being sent right then)
          return n === 4 || undefined;
        },
        { timeoutMs: 20_000, message: 'four deferred notices' },
      );
      await http(service)
        .post(`/cases/${testCase.caseId}/erasure`)
        .set('Authorization', await bearer(world, 'responsible', [testCase.contractId]))
        .send({ reason: 'client instruction: erase' })
        .expect(201);
      const progress = await http(service)
        .get(`/cases/${testCase.caseId}/campaigns/${started.body.campaignId}`)
        .set('Authorization', responder)
        .expect(200);
      expect(progress.body).toMatchObject({ status: 'cancelled', tally: { cancelled: 4, sent: 0 } });
      const events = await eventsOf(testCase.caseId);
      expect(events.slice(-2)).toMatchObject([
        { type: 'NoticeCampaignCancelled', data: { cause: 'CANCELLATION_CAUSE_ERASURE', notSent: 4 } },
        { type: 'SubjectsErased', data: { persons: 4 } },
      ]);
      expect(smtp.received.filter((mail) => mail.envelopeTo[0]?.startsWith('cancelme-'))).toEqual([]);
    } finally {
      refuse = () => undefined;
    }
  });

  it('erases on the client instruction to return or erase the data, consumed from Kafka', async () => {
    const { testCase, responder, startCampaign } = await preparedCase(personsCsv(3, 'instructed'));
    const started = await startCampaign();
    await waitForCampaign(testCase.caseId, started.body.campaignId, responder, 'completed');
    const erase = testCase.instruction('INSTRUCTION_KIND_RETURN_OR_ERASE_DATA');
    await testCase.publish([erase.message], { instructions: 2 });
    await waitFor(
      async () =>
        (await http(service).get(`/cases/${testCase.caseId}/erasure`).set('Authorization', responder)).body
          .erased === true || undefined,
      { timeoutMs: 20_000, message: 'the erasure certificate' },
    );
    const certificate = await http(service)
      .get(`/cases/${testCase.caseId}/erasure`)
      .set('Authorization', responder);
    expect(certificate.body).toMatchObject({ erased: true, persons: 3, instructionId: erase.instructionId });
    await http(service).get(`/cases/${testCase.caseId}/persons`).set('Authorization', responder).expect(410);
  });
});
