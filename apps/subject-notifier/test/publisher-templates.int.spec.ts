import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  decodeEventJson,
  type Envelope,
  encodeEnvelope,
  encodeEvent,
  envelopeHeaders,
  TOPICS,
} from '#libs/contracts';
import type { CaseKeyring } from '#libs/sealing';
import { readAllFromTopic } from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  createWorld as createPublisherWorld,
  type World as PublisherWorld,
} from '../../publisher/test/support.js';
import { PUBLISHER_KEYS } from '../src/subject-notifier.module.js';
import {
  NoticeTemplates,
  TemplateHashMismatchError,
  templateContentHash,
} from '../src/templates/notice-templates.js';
import { handlePublisherEvent } from '../src/templates/publisher-events.js';
import {
  bearer,
  createWorld,
  http,
  importPersons,
  type SubjectsApp,
  startSubjects,
  type World,
  waitFor,
} from './support.js';

/**
 * Publisher's consultation feeds subject-notifier's approved templates, on the real database and broker: a
 * `subject_notice` drafted and approved in the real publisher service (its case reported through the real
 * intake service) becomes an approved template in subject-notifier through `NoticeTemplateApproved`,
 * sealed on Kafka and opened with publisher's case key; a campaign sends exactly those words; a redelivered
 * event stores nothing twice; words that do not match the approved hash are refused.
 */

const contractId = randomUUID();
const TITLE_JA = '【重要】個人情報の漏えいに関するお知らせ';
const TITLE_EN = 'Important: notice about your personal information';
const DESCRIPTION = '会員名簿のファイルが誤って外部の宛先にメール送信された。';

let publisher: PublisherWorld;
let world: World;
let smtp: TestSmtpServer;
let service: SubjectsApp;
let caseId: string;
let instructionId: string;

const templatesOf = (templateId: string) =>
  world.db.query(
    `SELECT template_id AS "templateId", revision, case_id AS "caseId", content_hash AS "contentHash",
            subject_ja AS "subjectJa", body_ja AS "bodyJa", subject_en AS "subjectEn", body_en AS "bodyEn",
            approved_by AS "approvedBy"
       FROM "${world.schema}".notice_templates WHERE template_id = $1 ORDER BY revision`,
    [templateId],
  ) as Promise<
    Array<{
      templateId: string;
      revision: number;
      caseId: string;
      contentHash: string;
      subjectJa: string;
      bodyJa: string;
      subjectEn: string;
      bodyEn: string;
      approvedBy: string;
    }>
  >;

/** The `NoticeTemplateApproved` envelopes of the case on publisher's topic, in order. */
async function approvalsOnKafka(): Promise<Array<{ envelope: Envelope; value: Buffer }>> {
  const records = await readAllFromTopic(TOPICS.publisherStatement);
  return records
    .filter((record) => record.key === caseId && record.value !== null)
    .map((record) => ({ envelope: decodeEnvelope(record.value as Buffer), value: record.value as Buffer }))
    .filter(({ envelope }) => envelope.type.endsWith('.NoticeTemplateApproved'));
}

/** A responder submits the current revision and a client officer of the contract approves it. */
async function consultAndApprove(statementId: string, revision: number, contentHash: string) {
  const path = `/cases/${caseId}/statements/${statementId}`;
  const responder = await publisher.bearer('responder', [contractId]);
  const officer = await publisher.bearer('client_officer', [contractId]);
  await publisher.http().post(`${path}/consultation`).set(responder).send({ revision }).expect(200);
  await publisher.http().post(`${path}/approval`).set(officer).send({ revision, contentHash }).expect(200);
}

beforeAll(async () => {
  publisher = await createPublisherWorld('sn_pub');
  world = await createWorld('sn_pubtpl');
  smtp = await startTestSmtpServer();
  service = await startSubjects(world, smtp.port, {
    // publisher's sealed texts open with publisher's case keys: the same master keys, publisher's schema
    ...publisher.sealing,
    PUBLISHER_SCHEMA: publisher.schema,
  });

  // the case, reported and instructed through the real intake service
  const intakeOfficer = await publisher.intake.bearer('client_officer', [contractId]);
  const created = await publisher.reportCase(contractId, {
    description: DESCRIPTION,
    persons: { precision: 'about', value: 3 },
  });
  caseId = created.body.caseId;
  const instructed = await publisher.intake
    .http()
    .post(`/cases/${caseId}/instructions`)
    .set(intakeOfficer)
    .send({ kind: 'notify_subjects', text: '対象となる会員へ個別に通知すること。' })
    .expect(201);
  instructionId = instructed.body.instructionId;
  expect(instructionId).toMatch(/^[0-9a-f-]{36}$/);
  await waitFor(
    async () => {
      const facts = await publisher.query('SELECT 1 FROM $schema.case_facts WHERE case_id = $1', [caseId]);
      const instructions: unknown[] = await world.db.query(
        `SELECT 1 FROM "${world.schema}".instructions WHERE case_id = $1 AND instruction_id = $2`,
        [caseId, instructionId],
      );
      return (facts.length === 1 && instructions.length === 1) || undefined;
    },
    { timeoutMs: 30_000, message: 'publisher and subject-notifier to know the case and its instruction' },
  );
}, 120_000);

afterAll(async () => {
  await service?.app.close();
  await smtp?.close();
  await world?.close();
  await publisher?.close();
});

describe("publisher's approved notice becomes subject-notifier's approved template", () => {
  let statementId: string;

  it('stores the approved revision (sealed on Kafka), and a campaign sends exactly those words', async () => {
    const responder = await publisher.bearer('responder', [contractId]);
    const drafted = await publisher
      .http()
      .post(`/cases/${caseId}/statements`)
      .set(responder)
      .send({ kind: 'subject_notice' })
      .expect(201);
    statementId = drafted.body.statementId;
    // the pre-filled notice carries the placeholders filled per person
    expect(drafted.body.current.content.ja.overview).toContain('{{name}}');
    expect(drafted.body.current.content.en.dataItems).toContain('{{items}}');
    const content = structuredClone(drafted.body.current.content);
    content.ja.title = TITLE_JA;
    content.en.title = TITLE_EN;
    const revised = await publisher
      .http()
      .post(`/cases/${caseId}/statements/${statementId}/revisions`)
      .set(responder)
      .send({ baseRevision: 1, sections: content })
      .expect(201);
    expect(revised.body.currentRevision).toBe(2);

    // revision 2 in consultation only: nothing reaches subject-notifier before the approval
    await publisher
      .http()
      .post(`/cases/${caseId}/statements/${statementId}/consultation`)
      .set(responder)
      .send({ revision: 2 })
      .expect(200);
    const officer = await publisher.bearer('client_officer', [contractId]);
    await publisher
      .http()
      .post(`/cases/${caseId}/statements/${statementId}/approval`)
      .set(officer)
      .send({ revision: 2, contentHash: revised.body.current.contentHash })
      .expect(200);

    const [stored] = await waitFor(
      async () => {
        const rows = await templatesOf(statementId);
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 30_000, message: 'subject-notifier to record the approved template' },
    );
    expect(stored).toMatchObject({ templateId: statementId, revision: 2, caseId, subjectJa: TITLE_JA });
    expect(stored.subjectEn).toBe(TITLE_EN);
    expect(stored.bodyJa).toContain('{{name}} 様');
    expect(stored.bodyJa).toContain('{{items}}');
    expect(stored.bodyJa).toContain(DESCRIPTION);
    expect(stored.bodyEn.startsWith('What happened\nDear {{name}},')).toBe(true);
    expect(stored.bodyJa).not.toMatch(/<\/?p>/);
    expect(stored.contentHash).toBe(templateContentHash(stored));

    // on Kafka: the hashes and the sealed texts, never the words in clear
    const onKafka = await approvalsOnKafka();
    expect(onKafka).toHaveLength(1);
    const event = decodeEventJson(onKafka[0].envelope);
    expect(event.type).toBe('NoticeTemplateApproved');
    if (event.type !== 'NoticeTemplateApproved') return;
    expect(event.data).toMatchObject({
      statementId,
      contractId,
      revision: 2,
      contentHash: revised.body.current.contentHash,
      templateHash: stored.contentHash,
    });
    expect(event.data.subjectJa?.keyId).toBeTruthy();
    const wire = onKafka[0].value.toString('utf8');
    for (const clear of [TITLE_JA, TITLE_EN, DESCRIPTION, '{{name}}', 'What happened']) {
      expect(wire).not.toContain(clear);
    }

    // a campaign with it starts, and each person gets the approved words with their own name and items
    const auth = await bearer(world, 'responder', [contractId]);
    await importPersons(
      service,
      auth,
      caseId,
      [
        'name,email,phone,address,language,items',
        '山田 太郎,taro@persons.test,,,ja,氏名;メールアドレス',
        'Jane Roe,jane@persons.test,,,en,email address',
      ].join('\n'),
    );
    const started = await http(service)
      .post(`/cases/${caseId}/campaigns`)
      .set('Authorization', auth)
      .send({ instructionId, templateId: statementId })
      .expect(201);
    expect(started.body).toMatchObject({ templateRevision: 2, emailTotal: 2 });
    await waitFor(() => (smtp.received.length >= 2 ? true : undefined), {
      timeoutMs: 30_000,
      message: 'both notices sent',
    });
    const to = (address: string) => smtp.received.filter((mail) => mail.envelopeTo.includes(address));
    const [taro] = to('taro@persons.test');
    expect(taro.parsed.subject).toBe(TITLE_JA);
    expect(taro.parsed.text).toContain('山田 太郎 様');
    expect(taro.parsed.text).toContain('・氏名\n・メールアドレス');
    expect(taro.parsed.text).toContain(DESCRIPTION);
    expect(taro.parsed.text).not.toContain('{{');
    const [jane] = to('jane@persons.test');
    expect(jane.parsed.subject).toBe(TITLE_EN);
    expect(jane.parsed.text).toContain('Dear Jane Roe,');
    expect(jane.parsed.text).toContain('- email address');
    expect(to('taro@persons.test')).toHaveLength(1);
  });

  it('stores nothing twice when the event is redelivered, as is or re-sent under a new event id', async () => {
    const [original] = await approvalsOnKafka();
    const resent = encodeEnvelope({ ...original.envelope, eventId: randomUUID() });
    await world.transport.publish([
      {
        topic: TOPICS.publisherStatement,
        key: caseId,
        value: original.value,
        headers: envelopeHeaders(original.envelope),
      },
      {
        topic: TOPICS.publisherStatement,
        key: caseId,
        value: resent,
        headers: envelopeHeaders(decodeEnvelope(resent)),
      },
    ]);
    // a later approval on the same partition: once it is stored, the redeliveries before it were handled
    const responder = await publisher.bearer('responder', [contractId]);
    const current = await publisher
      .http()
      .get(`/cases/${caseId}/statements/${statementId}`)
      .set(responder)
      .expect(200);
    const content = structuredClone(current.body.current.content);
    content.en.whatYouCanDo = '<p>Please change your password.</p>';
    const revised = await publisher
      .http()
      .post(`/cases/${caseId}/statements/${statementId}/revisions`)
      .set(responder)
      .send({ baseRevision: 2, sections: content })
      .expect(201);
    await consultAndApprove(statementId, 3, revised.body.current.contentHash);
    const rows = await waitFor(
      async () => {
        const found = await templatesOf(statementId);
        return found.some((row) => row.revision === 3) ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'revision 3 recorded' },
    );
    expect(rows.map((row) => row.revision)).toEqual([2, 3]);
    expect(rows[1].bodyEn).toContain('Please change your password.');
    const inbox: Array<{ n: number }> = await world.db.query(
      `SELECT count(*)::int AS n FROM "${world.schema}".inbox WHERE event_id = $1`,
      [original.envelope.eventId],
    );
    expect(inbox[0].n).toBe(1);
  });

  it('refuses words that do not match the approved hash, and stores nothing', async () => {
    const [original] = await approvalsOnKafka();
    const event = decodeEventJson(original.envelope);
    if (event.type !== 'NoticeTemplateApproved') throw new Error('not a NoticeTemplateApproved');
    // the sealed English body swapped for the sealed Japanese one: each opens, but not as approved
    const forged: Envelope = {
      ...original.envelope,
      eventId: randomUUID(),
      payload: encodeEvent('NoticeTemplateApproved', {
        ...event.data,
        revision: 9,
        bodyEn: event.data.bodyJa,
      }),
    };
    const templates = service.app.get(NoticeTemplates);
    const publisherKeys = service.app.get<CaseKeyring>(PUBLISHER_KEYS);
    const logger = { warn() {}, info() {}, error() {}, debug() {}, child: () => logger } as never;
    await expect(
      world.db.transaction((manager) =>
        handlePublisherEvent({ templates, publisherKeys, logger }, forged, manager),
      ),
    ).rejects.toThrow(/purpose|tamper|authenticat/i);
    const hashForged: Envelope = {
      ...forged,
      payload: encodeEvent('NoticeTemplateApproved', {
        ...event.data,
        revision: 9,
        templateHash: 'f'.repeat(64),
      }),
    };
    await expect(
      world.db.transaction((manager) =>
        handlePublisherEvent({ templates, publisherKeys, logger }, hashForged, manager),
      ),
    ).rejects.toBeInstanceOf(TemplateHashMismatchError);
    expect((await templatesOf(event.data.statementId ?? '')).map((row) => row.revision)).toEqual([2, 3]);
  });
});
