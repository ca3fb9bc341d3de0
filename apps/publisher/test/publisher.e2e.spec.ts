import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, TOPICS } from '#libs/contracts';
import { EventStore } from '#libs/event-store';
import { encodeRecordedEvent, MESSAGING_TRANSPORT, type Transport } from '#libs/messaging';
import { CaseKeyring, SealingConfig } from '#libs/sealing';
import { createTestDataSource, dropSchema, readAllFromTopic, uniqueName, waitFor } from '#libs/testing';
import { subjectNotifierMigrations } from '../../subject-notifier/src/subject-notifier.migrations.js';
import type { CaseFacts, SourceEvent } from '../src/cases/case-facts.js';
import { createWorld, type World } from './support.js';

/**
 * The publisher end to end on the real database and broker: a case reported and worked on through the
 * real intake service, its events consumed by the publisher; drafting, consultation bound to the content
 * hash, the safety check, publication, the public pages (in headless Chromium) and the PPC draft.
 */
const CHROMIUM = '/usr/bin/chromium';
const contractId = randomUUID();
const otherContract = randomUUID();

type Headers = { authorization: string };
let world: World;
let subjectsSchema: string;
let subjectsDb: DataSource;
let reporter: Headers;
let responder: Headers;
let officer: Headers;
let otherOfficer: Headers;
let caseId: string;
let browser: Browser;
let baseUrl: string;

const DESCRIPTION = '顧客名簿のファイルが誤って外部の宛先にメール送信された。';
const CAUSE = 'Address autocomplete picked the wrong recipient.';
const MEASURE_DONE = '誤送信先に削除を依頼し、削除の報告を受けた。';
const MEASURE_OPEN = 'Introduce a second check before external mail is sent.';
const INSTRUCTION = '対象となる顧客へ個別に通知すること。';

async function factsOf(): Promise<{ facts: CaseFacts; sources: SourceEvent[] } | undefined> {
  const rows = await world.query<{ facts: CaseFacts; sources: SourceEvent[] }>(
    'SELECT facts, sources FROM $schema.case_facts WHERE case_id = $1',
    [caseId],
  );
  return rows[0];
}

beforeAll(async () => {
  // subject-notifier's tables, where the safety check finds the affected persons' names
  subjectsSchema = uniqueName('e2e_pub_subjects');
  subjectsDb = await createTestDataSource({
    schema: subjectsSchema,
    migrations: subjectNotifierMigrations(subjectsSchema),
  });
  world = await createWorld('e2e_pub', { SUBJECT_NOTIFIER_SCHEMA: subjectsSchema });
  reporter = await world.intake.bearer('reporter', [contractId]);
  responder = await world.bearer('responder', [contractId]);
  officer = await world.bearer('client_officer', [contractId]);
  otherOfficer = await world.bearer('client_officer', [otherContract]);
  const intakeResponder = await world.intake.bearer('responder', [contractId]);
  const intakeOfficer = await world.intake.bearer('client_officer', [contractId]);
  const http = () => world.intake.http();

  const created = await world.reportCase(contractId, {
    description: DESCRIPTION,
    persons: { precision: 'about', value: 800 },
  });
  caseId = created.body.caseId;
  await http()
    .post(`/cases/${caseId}/amendments`)
    .set(reporter)
    .set('If-Match', created.headers.etag)
    .send({ persons: { precision: 'at_least', value: 1200 } })
    .expect(200);
  const done = await http()
    .post(`/cases/${caseId}/measures`)
    .set(reporter)
    .send({ description: MEASURE_DONE });
  expect(done.status).toBe(201);
  await http().post(`/cases/${caseId}/measures/${done.body.measureId}/completion`).set(reporter).expect(200);
  await http()
    .post(`/cases/${caseId}/measures`)
    .set(reporter)
    .send({ description: MEASURE_OPEN })
    .expect(201);
  await http()
    .post(`/cases/${caseId}/cause`)
    .set(intakeResponder)
    .send({ cause: CAUSE, causedByProcessor: 'yes' })
    .expect(200);
  await http()
    .post(`/cases/${caseId}/instructions`)
    .set(intakeOfficer)
    .send({ kind: 'notify_subjects', text: INSTRUCTION })
    .expect(201);
  await waitFor(
    async () => {
      const row = await factsOf();
      return row && row.facts.cause !== undefined && row.facts.instructions.length === 1;
    },
    { timeoutMs: 30_000, message: 'the publisher to have consumed the case events' },
  );

  const server = world.publisher.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
  if (subjectsDb) {
    await dropSchema(subjectsDb, subjectsSchema);
    await subjectsDb.destroy();
  }
});

const http = () => world.http();
const statementsPath = () => `/cases/${caseId}/statements`;

async function draft(): Promise<{
  statementId: string;
  number: number;
  current: { revision: number; contentHash: string; content: Record<'ja' | 'en', Record<string, string>> };
}> {
  const res = await http().post(statementsPath()).set(responder).send({}).expect(201);
  return res.body;
}

async function revise(
  statementId: string,
  edit: (content: Record<'ja' | 'en', Record<string, string>>) => void,
) {
  const current = await http().get(`${statementsPath()}/${statementId}`).set(responder).expect(200);
  const content = structuredClone(current.body.current.content);
  edit(content);
  const res = await http()
    .post(`${statementsPath()}/${statementId}/revisions`)
    .set(responder)
    .send({ baseRevision: current.body.currentRevision, sections: content })
    .expect(201);
  return res.body as { currentRevision: number; current: { contentHash: string } };
}

async function consultAndApprove(statementId: string, revision: number, contentHash: string) {
  await http()
    .post(`${statementsPath()}/${statementId}/consultation`)
    .set(responder)
    .send({ revision })
    .expect(200);
  await http()
    .post(`${statementsPath()}/${statementId}/approval`)
    .set(officer)
    .send({ revision, contentHash })
    .expect(200);
}

describe('prefill from the case', () => {
  it('drafts 第1報 whose sections hold the report, the amendment, both measures, the cause and the instruction in each language', async () => {
    const statement = await draft();
    expect(statement.number).toBe(1);
    const { ja, en } = statement.current.content;
    expect(ja.title).toContain('第1報');
    expect(en.title).toContain('update 1');
    expect(ja.background).toContain(DESCRIPTION);
    expect(ja.background).toContain('2026年11月20日');
    expect(en.background).toContain('2026-11-20');
    // the amendment replaced "about 800"
    expect(ja.information).toContain('1,200名以上');
    expect(en.information).toContain('at least 1,200 persons');
    expect(ja.information).toContain('メールアドレス');
    expect(en.information).toContain('email addresses');
    expect(ja.cause).toContain(CAUSE);
    expect(ja.preventionDone).toContain(MEASURE_DONE);
    expect(ja.preventionPlanned).toContain(MEASURE_OPEN);
    expect(en.preventionPlanned).toContain(MEASURE_OPEN);
    expect(ja.personsResponse).toContain(INSTRUCTION);
    expect(ja.personsResponse).toContain('委託元のご指示');
    expect(en.personsResponse).toContain('At the instruction of our client');
    expect(ja.contact).toContain('お問い合わせ窓口');
    expect(en.contact).toContain('Contact point');
  });
});

describe('the notice template for affected persons', () => {
  it('is drafted with the Rule 10 sections, agreed through the same consultation, and never published', async () => {
    const res = await http()
      .post(statementsPath())
      .set(responder)
      .send({ kind: 'subject_notice' })
      .expect(201);
    expect(res.body.kind).toBe('subject_notice');
    expect(Object.keys(res.body.current.content.ja)).toEqual([
      'title',
      'overview',
      'dataItems',
      'cause',
      'secondaryDamage',
      'whatYouCanDo',
      'contact',
    ]);
    expect(res.body.current.content.ja.cause).toContain(CAUSE);
    expect(res.body.current.content.en.dataItems).toContain('at least 1,200 persons');
    await consultAndApprove(res.body.statementId, 1, res.body.current.contentHash);
    const refused = await http()
      .post(`${statementsPath()}/${res.body.statementId}/publication`)
      .set(responder)
      .send({ revision: 1 })
      .expect(409);
    expect(refused.body.error.code).toBe('not_publishable');
    await http().post(statementsPath()).set(responder).send({ kind: 'press_release' }).expect(400);
  });
});

describe('tenancy and access', () => {
  it('answers 404 to a client officer of another contract, 401 without login, and keeps drafts off the public pages', async () => {
    const statement = await draft();
    const path = `${statementsPath()}/${statement.statementId}`;
    await http().get(path).set(officer).expect(200);
    const hidden = await http().get(path).set(otherOfficer).expect(404);
    expect(hidden.body.error.code).toBe('case_not_found');
    await http().get(statementsPath()).set(otherOfficer).expect(404);
    await http()
      .post(statementsPath())
      .set(await world.bearer('responder', [otherContract]))
      .send({})
      .expect(404);
    await http().get(path).expect(401);
    await http().post(statementsPath()).set(officer).send({}).expect(403);
    // a draft has no public address: nothing under /statements names it
    const index = await http().get('/statements').expect(200);
    expect(index.text).not.toContain(statement.statementId.slice(0, 8));
    await http().get(`/statements/${statement.statementId}`).expect(404);
  });
});

describe('consultation bound to the content hash', () => {
  it('approve revision 3, edit → revision 4 cannot be published; approve 4, publish; the public page shows revision 4', async () => {
    const statement = await draft();
    const id = statement.statementId;
    await revise(id, (c) => {
      c.ja.contact = '<p>お問い合わせ窓口：顧客相談室（平日9時〜17時）</p>';
      c.en.contact = '<p>Contact: customer desk (weekdays 9:00-17:00)</p>';
    });
    const r3 = await revise(id, (c) => {
      c.ja.lead = '<p>第3版のリード文です。</p>';
    });
    expect(r3.currentRevision).toBe(3);
    await consultAndApprove(id, 3, r3.current.contentHash);

    const r4 = await revise(id, (c) => {
      c.ja.lead = '<p>第4版のリード文です。</p>';
      c.en.lead = '<p>The lead of revision 4.</p>';
    });
    expect(r4.currentRevision).toBe(4);
    const refused = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 4 })
      .expect(409);
    expect(refused.body.error.code).toBe('approval_required');
    // approving with a stale hash (revision 3's) is refused too
    await http()
      .post(`${statementsPath()}/${id}/consultation`)
      .set(responder)
      .send({ revision: 4 })
      .expect(200);
    const stale = await http()
      .post(`${statementsPath()}/${id}/approval`)
      .set(officer)
      .send({ revision: 4, contentHash: r3.current.contentHash })
      .expect(409);
    expect(stale.body.error.code).toBe('content_hash_mismatch');
    await http()
      .post(`${statementsPath()}/${id}/approval`)
      .set(officer)
      .send({ revision: 4, contentHash: r4.current.contentHash })
      .expect(200);

    const published = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 4 })
      .expect(200);
    expect(published.body.status).toBe('published');
    const slug: string = published.body.slug;
    const ja = await http().get(`/statements/${slug}`).expect(200);
    expect(ja.text).toContain('第4版のリード文です。');
    expect(ja.text).not.toContain('第3版');
    expect(ja.text).toContain('<html lang="ja">');
    expect(ja.text).toContain(`hreflang="en" href="/statements/${slug}?lang=en"`);
    const en = await http().get(`/statements/${slug}?lang=en`).expect(200);
    expect(en.text).toContain('The lead of revision 4.');

    // published statements are immutable
    const edit = await http()
      .post(`${statementsPath()}/${id}/revisions`)
      .set(responder)
      .send({ baseRevision: 4, sections: { ja: { title: 'x' }, en: { title: 'y' } } })
      .expect(409);
    expect(edit.body.error.code).toBe('statement_published');

    // every revision is kept, with a diff between any two
    const diff = await http().get(`${statementsPath()}/${id}/diff?from=3&to=4`).set(officer).expect(200);
    expect(diff.body.sections.map((s: { section: string }) => s.section)).toEqual(['ja.lead', 'en.lead']);
    expect(diff.body.sections[0].patch).toContain('-<p>第3版のリード文です。</p>');
    const r1 = await http().get(`${statementsPath()}/${id}/revisions/1`).set(responder).expect(200);
    expect(r1.body.content.ja.title).toContain('第');

    // events: ids, revisions and hashes only, keyed by case id; the draft text is not on the wire
    // the relay publishes after the commit: read until this statement's publication is on the topic
    const mine = await waitFor(
      async () => {
        const envelopes = (await readAllFromTopic(TOPICS.publisherStatement))
          .filter((r) => r.key === caseId)
          .map((r) => decodeEnvelope(r.value as Buffer));
        return envelopes.some((e) => e.type.endsWith('StatementPublished')) ? envelopes : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'StatementPublished on the topic' },
    );
    expect(mine.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'leakresponse.publisher.v1.StatementDrafted',
        'leakresponse.publisher.v1.ConsultationRequested',
        'leakresponse.publisher.v1.StatementApproved',
        'leakresponse.publisher.v1.StatementPublished',
      ]),
    );
    for (const envelope of mine) {
      expect(Buffer.from(envelope.payload).toString('utf8')).not.toContain('リード文');
    }
  }, 60_000);

  it('lets a client officer request changes with per-section comments, recorded', async () => {
    const statement = await draft();
    const id = statement.statementId;
    await http()
      .post(`${statementsPath()}/${id}/consultation`)
      .set(responder)
      .send({ revision: 1 })
      .expect(200);
    const res = await http()
      .post(`${statementsPath()}/${id}/change-requests`)
      .set(officer)
      .send({
        revision: 1,
        contentHash: statement.current.contentHash,
        comments: [
          { section: 'ja.cause', comment: '原因の記載を具体的に。' },
          { section: 'en.contact', comment: 'Add the desk hours.' },
        ],
      })
      .expect(200);
    expect(res.body.status).toBe('changes_requested');
    const comments = await http().get(`${statementsPath()}/${id}/comments`).set(responder).expect(200);
    expect(
      comments.body.map((c: { section: string; comment: string }) => `${c.section}:${c.comment}`),
    ).toEqual(['ja.cause:原因の記載を具体的に。', 'en.contact:Add the desk hours.']);
    const bad = await http()
      .post(`${statementsPath()}/${id}/change-requests`)
      .set(officer)
      .send({
        revision: 1,
        contentHash: statement.current.contentHash,
        comments: [{ section: 'ja.nope', comment: 'x' }],
      })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('ja.nope');
  });
});

describe('scheduled publication', () => {
  it('publishes an approved revision at its time, not before; an edit in between drops the schedule', async () => {
    const statement = await draft();
    const id = statement.statementId;
    const r2 = await revise(id, (c) => {
      c.ja.lead = '<p>予定された公表です。</p>';
    });
    await consultAndApprove(id, 2, r2.current.contentHash);
    const publishAt = new Date(Date.now() + 3_000).toISOString();
    const scheduled = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 2, publishAt })
      .expect(200);
    expect(scheduled.body.status).not.toBe('published');
    expect(scheduled.body.scheduledPublication).toEqual({ revision: 2, publishAt });
    const published = await waitFor(
      async () => {
        const view = await http().get(`${statementsPath()}/${id}`).set(responder).expect(200);
        return view.body.status === 'published' ? view.body : undefined;
      },
      { timeoutMs: 20_000, message: 'the scheduled statement to be published' },
    );
    const [event] = await world.query<{ data: { publishedAt: string; revision: number } }>(
      `SELECT data FROM $schema.events WHERE type = 'StatementPublished' AND stream_id = $1`,
      [`statement-${id}`],
    );
    expect(event.data.revision).toBe(2);
    expect(new Date(event.data.publishedAt).getTime()).toBeGreaterThanOrEqual(new Date(publishAt).getTime());
    expect(published.slug).toBeDefined();

    // scheduled, then edited: the new revision has no approval, so nothing is published
    const other = await draft();
    const o2 = await revise(other.statementId, (c) => {
      c.ja.lead = '<p>取り下げる予定の公表です。</p>';
    });
    await consultAndApprove(other.statementId, 2, o2.current.contentHash);
    await http()
      .post(`${statementsPath()}/${other.statementId}/publication`)
      .set(responder)
      .send({ revision: 2, publishAt: new Date(Date.now() + 2_000).toISOString() })
      .expect(200);
    await revise(other.statementId, (c) => {
      c.ja.lead = '<p>内容を変更しました。</p>';
    });
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const still = await http().get(`${statementsPath()}/${other.statementId}`).set(responder).expect(200);
    expect(still.body.status).not.toBe('published');
    const [{ count }] = await world.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM $schema.scheduled_publications WHERE statement_id = $1`,
      [other.statementId],
    );
    expect(count).toBe(0);
  }, 60_000);
});

describe('safety check before publishing', () => {
  it('finds an affected person’s name (from subject-notifier’s sealed list) and blocks publishing until fixed', async () => {
    const keys = new CaseKeyring(subjectsDb, subjectsSchema, world.publisher.app.get(SealingConfig));
    const name = await keys.seal(caseId, '佐藤 花子', 'Person.name');
    const items = await keys.seal(caseId, '["name"]', 'Person.items');
    await subjectsDb.query(
      `INSERT INTO "${subjectsSchema}".persons (person_id, case_id, seq, key_id, name, items, language, created_at)
       VALUES ($1, $2, 1, $3, $4, $5, 'ja', now())`,
      [randomUUID(), caseId, name.keyId, Buffer.from(name.ciphertext), Buffer.from(items.ciphertext)],
    );
    const statement = await draft();
    const id = statement.statementId;
    const named = await revise(id, (c) => {
      c.ja.lead = '<p>佐藤花子様をはじめ、お客様の情報が漏えいしました。</p>';
    });
    await consultAndApprove(id, 2, named.current.contentHash);
    const view = await http().get(`${statementsPath()}/${id}`).set(responder).expect(200);
    expect(view.body.findings).toEqual([
      expect.objectContaining({ kind: 'person_name', section: 'ja.lead', masked: '佐***' }),
    ]);
    expect(JSON.stringify(view.body)).not.toContain('佐藤 花子');
    await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 2 })
      .expect(409);

    const fixed = await revise(id, (c) => {
      c.ja.lead = '<p>お客様の情報が漏えいしました。</p>';
    });
    await consultAndApprove(id, 3, fixed.current.contentHash);
    await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 3 })
      .expect(200);
  }, 60_000);

  it('blocks an email address and a card number; one accepted with a reason, the other fixed: published, both recorded', async () => {
    const statement = await draft();
    const id = statement.statementId;
    const r2 = await revise(id, (c) => {
      c.ja.contact = '<p>お問い合わせ：privacy-desk@example.co.jp</p>';
      c.en.personsResponse = '<p>Refund sent to card 4111 1111 1111 1111.</p>';
    });
    await consultAndApprove(id, 2, r2.current.contentHash);
    const blocked = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 2 })
      .expect(409);
    expect(blocked.body.error.code).toBe('safety_findings_open');
    const view = await http().get(`${statementsPath()}/${id}`).set(responder).expect(200);
    const kinds = view.body.findings.map((f: { kind: string }) => f.kind).sort();
    expect(kinds).toEqual(['card_number', 'email']);
    expect(JSON.stringify(view.body.findings)).not.toContain('4111 1111 1111 1111');

    const email = view.body.findings.find((f: { kind: string }) => f.kind === 'email');
    await http()
      .post(`${statementsPath()}/${id}/finding-acceptances`)
      .set(responder)
      .send({ findingId: email.findingId, reason: 'This is the public privacy desk address.' })
      .expect(200);
    const stillBlocked = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 2 })
      .expect(409);
    expect(stillBlocked.body.error.details).toBeDefined();

    const r3 = await revise(id, (c) => {
      c.en.personsResponse = '<p>Refunds were sent to the cards on file.</p>';
    });
    await consultAndApprove(id, 3, r3.current.contentHash);
    const published = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 3 })
      .expect(200);
    expect(published.body.findings).toEqual([expect.objectContaining({ kind: 'email', accepted: true })]);
    const acceptances = await http()
      .get(`${statementsPath()}/${id}/finding-acceptances`)
      .set(officer)
      .expect(200);
    expect(acceptances.body).toEqual([
      expect.objectContaining({
        kind: 'email',
        revision: 2,
        reason: 'This is the public privacy desk address.',
      }),
    ]);
    const [event] = await world.query<{ data: { acceptedFindingCount: number } }>(
      `SELECT data FROM $schema.events WHERE type = 'StatementPublished' AND stream_id = $1`,
      [`statement-${id}`],
    );
    expect(event.data.acceptedFindingCount).toBe(1);
  }, 60_000);
});

describe('public pages', () => {
  it('renders stored-XSS attempts in every text field inert (headless Chromium: no script runs, no dialog opens)', async () => {
    const statement = await draft();
    const id = statement.statementId;
    const attacks = [
      '<script>window.__xss = 1; alert(1)</script>',
      '<img src=x onerror="window.__xss = 2; alert(2)">',
      '<a href="javascript:alert(3)" id="js-link">click</a>',
      '<iframe src="https://evil.example/" onload="alert(4)"></iframe>',
      '<svg onload="alert(5)"></svg>',
      '<p onmouseover="alert(6)" style="position:fixed;inset:0">hover</p>',
      '</title><script>alert(7)</script>',
      '<details open ontoggle="alert(8)">x</details>',
    ];
    const r2 = await revise(id, (c) => {
      for (const language of ['ja', 'en'] as const) {
        for (const [i, section] of Object.keys(c[language]).entries()) {
          c[language][section] = `${attacks[i % attacks.length]}<p>${section}</p>`;
        }
      }
    });
    await consultAndApprove(id, 2, r2.current.contentHash);
    const published = await http()
      .post(`${statementsPath()}/${id}/publication`)
      .set(responder)
      .send({ revision: 2 })
      .expect(200);
    const slug = published.body.slug;

    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    for (const lang of ['ja', 'en']) {
      const response = await page.goto(`${baseUrl}/statements/${slug}?lang=${lang}`);
      expect(response?.status()).toBe(200);
      await page.hover('body');
      const link = await page.$('a[href^="javascript:"]');
      expect(link).toBeNull();
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(
        await page.$$('script, iframe, svg, [onerror], [onload], [onmouseover], [ontoggle]'),
      ).toHaveLength(0);
    }
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);

  it('serves the index and a well-formed Atom feed listing the statements newest first, without login', async () => {
    const index = await http().get('/statements').expect(200);
    expect(index.headers['content-type']).toContain('text/html');
    const feed = await http().get('/statements/feed.atom').expect(200);
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    const slugs = (
      await world.query<{ slug: string }>(
        'SELECT slug FROM $schema.published_statements ORDER BY published_at DESC',
      )
    ).map((r) => r.slug);
    expect(slugs.length).toBeGreaterThanOrEqual(3);

    const page = await browser.newPage();
    await page.goto(`${baseUrl}/statements`);
    const parsed = await page.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI,
        ids: [...doc.getElementsByTagName('entry')].map(
          (e) => e.getElementsByTagName('id')[0]?.textContent ?? '',
        ),
        published: [...doc.getElementsByTagName('entry')].map(
          (e) => e.getElementsByTagName('published')[0]?.textContent ?? '',
        ),
      };
    }, feed.text);
    await page.close();
    expect(parsed.error).toBe(0);
    expect(parsed.root).toBe('http://www.w3.org/2005/Atom');
    expect(parsed.ids).toEqual(slugs.map((slug) => `http://statements.test/statements/${slug}`));
    expect([...parsed.published].sort().reverse()).toEqual(parsed.published);
    for (const slug of slugs) expect(index.text).toContain(`/statements/${slug}`);
    await http()
      .get('/statements/assets/statement.css')
      .expect(200)
      .expect('content-type', /text\/css/);
  });
});

describe('regulator reports', () => {
  it('drafts the PPC preliminary report with all nine items from the case, sources listed, unknown ones flagged; submission recorded once', async () => {
    const drafted = await http()
      .post(`/cases/${caseId}/regulator-reports`)
      .set(responder)
      .send({ kind: 'ppc_preliminary' })
      .expect(201);
    const items: Array<{ no: number; value: string; known: boolean; sources: SourceEvent[] }> =
      drafted.body.draft.items;
    expect(items.map((i) => i.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(items[0].value).toContain(DESCRIPTION);
    expect(items[0].value).toContain('2026-11-20');
    expect(items[1].value).toContain('メールアドレス');
    expect(items[2].value).toBe('1,200名以上');
    expect(items[2].sources.map((s) => s.type)).toEqual(['IncidentReported', 'ReportAmended']);
    expect(items[3].value).toContain(CAUSE);
    expect(items[3].value).toContain('はい yes');
    expect(items[5].value).toContain(INSTRUCTION);
    expect(items[6].value).toContain('第');
    expect(items[7].value).toContain(MEASURE_DONE);
    expect(items[7].value).toContain(MEASURE_OPEN);
    expect(items.filter((i) => !i.known).map((i) => i.no)).toEqual([5]);
    expect(drafted.body.unknownItems).toEqual([5]);

    const reportId = drafted.body.reportId;
    const text = await http()
      .get(`/cases/${caseId}/regulator-reports/${reportId}/text`)
      .set(officer)
      .expect(200);
    expect(text.text).toContain('5. 二次被害');
    expect(text.text).toContain('[UNKNOWN / 未確認]');
    const html = await http()
      .get(`/cases/${caseId}/regulator-reports/${reportId}/html`)
      .set(responder)
      .expect(200);
    expect(html.text).toContain('<table>');
    await http().get(`/cases/${caseId}/regulator-reports/${reportId}`).set(otherOfficer).expect(404);

    const submitted = await http()
      .post(`/cases/${caseId}/regulator-reports/${reportId}/submission`)
      .set(responder)
      .send({ submittedAt: '2026-11-22T03:00:00.000Z', referenceNumber: 'PPC-2026-0042' })
      .expect(200);
    expect(submitted.body).toMatchObject({
      submittedAt: '2026-11-22T03:00:00.000Z',
      referenceNumber: 'PPC-2026-0042',
    });
    await http()
      .post(`/cases/${caseId}/regulator-reports/${reportId}/submission`)
      .set(responder)
      .send({ submittedAt: '2026-11-22T03:00:00.000Z', referenceNumber: 'PPC-2026-0042' })
      .expect(409);
    const types = await world.query<{ type: string }>(
      'SELECT type FROM $schema.events WHERE stream_id = $1 ORDER BY stream_version',
      [`regulator-report-${reportId}`],
    );
    expect(types.map((t) => t.type)).toEqual(['RegulatorReportDrafted', 'RegulatorReportSubmitted']);

    const gdpr = await http()
      .post(`/cases/${caseId}/regulator-reports`)
      .set(responder)
      .send({ kind: 'gdpr_art33' })
      .expect(201);
    expect(gdpr.body.draft.items).toHaveLength(4);
    expect(gdpr.body.unknownItems).toContain(2);
    await http().post(`/cases/${caseId}/regulator-reports`).set(responder).send({ kind: 'nope' }).expect(400);
  });
});

describe('the intake consumer', () => {
  it('deduplicates a redelivered event', async () => {
    const before = await factsOf();
    const recorded = await world.intake.app.get(EventStore).readStream(`case-${caseId}`);
    const measure = recorded.find((e) => e.type === 'MeasureRecorded');
    expect(measure).toBeDefined();
    const transport = world.publisher.app.get<Transport>(MESSAGING_TRANSPORT);
    // the same event again, then a new one: once the new one is folded in, the copy has been handled
    await transport.publish([encodeRecordedEvent(measure as NonNullable<typeof measure>)]);
    await world.intake
      .http()
      .post(`/cases/${caseId}/measures`)
      .set(reporter)
      .send({ description: 'A third measure.' })
      .expect(201);
    const after = await waitFor(
      async () => {
        const row = await factsOf();
        return row && row.facts.measures.length === 3 ? row : undefined;
      },
      { timeoutMs: 20_000, message: 'the third measure' },
    );
    expect(after.facts.measures.length).toBe((before?.facts.measures.length ?? 0) + 1);
    const ids = after.sources.map((s) => s.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const [{ count }] = await world.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM $schema.inbox WHERE event_id = $1',
      [measure?.eventId],
    );
    expect(count).toBe(1);
  });
});
