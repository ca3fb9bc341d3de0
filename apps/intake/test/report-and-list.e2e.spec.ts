import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntakeUnderTest, startIntake } from './support.js';

/**
 * The whole report of Art. 16(1) over HTTP on the real database: its free text sealed and opened again for
 * readers of the case, what was known when, the case list with its filters, pages and tenancy, and every
 * kind of bad input answered with a 4xx that names the problem while nothing is stored.
 */
const contractA = randomUUID();
const contractB = randomUUID();

type Headers = { authorization: string };
let intake: IntakeUnderTest;
let reporterA: Headers;
let reporterB: Headers;
let officerA: Headers;
let auditor: Headers;

const fullReport = {
  contractId: contractA,
  discoveredAt: '2026-11-20T08:30:00.000Z',
  occurredAt: '2026-11-19T22:00:00.000Z',
  description: '顧客名簿（氏名・メールアドレス）を誤送信した',
  dataKinds: ['name', 'email'],
  persons: { precision: 'about', value: 800 },
  records: { precision: 'at_least', value: 800 },
  place: { site: 'Osaka branch', system: 'CRM', medium: 'email', route: 'misdelivery' },
  circumstances: { whatHappened: 'sent to a wrong recipient', howDiscovered: 'the recipient called us' },
  encrypted: 'no',
  improperPurposeSuspected: 'no',
  euPersonsPossiblyAffected: 'unknown',
  measuresTaken: 'asked the recipient to delete the mail',
};

beforeAll(async () => {
  intake = await startIntake('e2e_intake_report');
  reporterA = await intake.bearer('reporter', [contractA]);
  reporterB = await intake.bearer('reporter', [contractB]);
  officerA = await intake.bearer('client_officer', [contractA]);
  auditor = await intake.bearer('auditor', 'all');
});

afterAll(async () => {
  await intake?.close();
});

const countEvents = async () =>
  (await intake.query<{ count: number }>('SELECT count(*)::int AS count FROM events'))[0].count;

describe('the report with its free text', () => {
  it('keeps every item, shows it to the client officer of the contract, and stores no text in clear', async () => {
    const created = await intake.http().post('/cases').set(reporterA).send(fullReport).expect(201);
    const { caseId } = created.body;

    const read = await intake.http().get(`/cases/${caseId}`).set(officerA).expect(200);
    expect(read.headers.etag).toBe('"2"');
    expect(read.body).toMatchObject({
      caseId,
      stage: 'reported',
      report: {
        description: fullReport.description,
        dataKinds: ['name', 'email'],
        persons: { precision: 'about', value: 800 },
        records: { precision: 'at_least', value: 800 },
        place: fullReport.place,
        circumstances: fullReport.circumstances,
        occurredAt: fullReport.occurredAt,
        encrypted: 'no',
        measuresTaken: fullReport.measuresTaken,
        erased: false,
      },
    });
    expect(read.body.assessment.summaryEn).toMatch(/\S/);

    const [{ count }] = await intake.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM events WHERE data::text LIKE '%misdelivery%' OR data::text LIKE '%誤送信%'`,
    );
    expect(count).toBe(0);
  });

  it('amends the text items as new events and shows what was known when', async () => {
    const created = await intake.http().post('/cases').set(reporterA).send(fullReport).expect(201);
    const { caseId } = created.body;
    await intake
      .http()
      .post(`/cases/${caseId}/amendments`)
      .set(reporterA)
      .set('If-Match', created.headers.etag)
      .send({ description: 'customer list of 1,500 persons', persons: { precision: 'exact', value: 1500 } })
      .expect(200);

    const read = await intake.http().get(`/cases/${caseId}`).set(reporterA).expect(200);
    expect(read.body.report.description).toBe('customer list of 1,500 persons');
    expect(read.body.report.place).toEqual(fullReport.place);
    expect(
      read.body.reportHistory.map((v: { report: { description: string } }) => v.report.description),
    ).toEqual([fullReport.description, 'customer list of 1,500 persons']);
    // the threshold of 1,000 persons was crossed: a new assessment event follows the amendment
    const types = await intake.query<{ type: string }>(
      'SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`case-${caseId}`],
    );
    expect(types.map((t) => t.type)).toEqual([
      'IncidentReported',
      'RegulatoryAssessmentMade',
      'ReportAmended',
      'RegulatoryAssessmentMade',
    ]);
  });

  it('accepts a first report with only the contract, the discovery time and a description', async () => {
    const created = await intake
      .http()
      .post('/cases')
      .set(reporterA)
      .send({
        contractId: contractA,
        discoveredAt: '2026-11-21T01:00:00.000Z',
        description: 'a laptop is missing',
      })
      .expect(201);
    const read = await intake.http().get(`/cases/${created.body.caseId}`).set(reporterA).expect(200);
    expect(read.body.report).toMatchObject({
      dataKinds: [],
      persons: { precision: 'unknown' },
      records: { precision: 'unknown' },
      encrypted: 'unknown',
      place: {},
    });
  });
});

describe('bad reports: a 4xx naming the problem, nothing stored', () => {
  const cases: Array<[string, object | string, number, string, string?]> = [
    ['a missing description', { ...fullReport, description: undefined }, 400, 'description'],
    ['a blank description', { ...fullReport, description: '   ' }, 400, 'description'],
    ['a missing discovery time', { ...fullReport, discoveredAt: undefined }, 400, 'discoveredAt'],
    ['a missing contract', { ...fullReport, contractId: undefined }, 400, 'contractId'],
    ['an unknown data kind', { ...fullReport, dataKinds: ['name', 'shoe_size'] }, 400, 'dataKinds'],
    ['a negative count', { ...fullReport, persons: { precision: 'exact', value: -1 } }, 400, 'persons'],
    ['an absurd count', { ...fullReport, records: { precision: 'exact', value: 1e15 } }, 400, 'records'],
    ['an unknown precision', { ...fullReport, persons: { precision: 'roughly', value: 3 } }, 400, 'persons'],
    ['an unknown tri-state', { ...fullReport, encrypted: 'perhaps' }, 400, 'encrypted'],
    ['null for an item (leave it out instead)', { ...fullReport, encrypted: null }, 400, 'encrypted'],
    ['a __proto__ key', `{"__proto__":{"x":1},"contractId":"${contractA}"}`, 400, '__proto__'],
    ['an unknown field', { ...fullReport, colour: 'red' }, 400, 'colour'],
    [
      'a text over 10,000 characters',
      { ...fullReport, measuresTaken: 'x'.repeat(10_001) },
      400,
      'measuresTaken',
    ],
    [
      'a discovery in the future',
      { ...fullReport, discoveredAt: '2099-01-01T00:00:00.000Z', occurredAt: undefined },
      400,
      'discoveredAt',
    ],
    [
      'an occurrence after the discovery',
      { ...fullReport, occurredAt: '2026-11-21T00:00:00.000Z' },
      400,
      'occurredAt',
    ],
    ['a contract the reporter is not assigned to', { ...fullReport, contractId: contractB }, 404, 'contract'],
    ['malformed JSON', '{"contractId": ', 400, 'JSON'],
  ];

  for (const [name, body, status, mention] of cases) {
    it(`refuses ${name} with ${status}`, async () => {
      const before = await countEvents();
      const req = intake.http().post('/cases').set(reporterA).set('content-type', 'application/json');
      const res = await req.send(typeof body === 'string' ? body : JSON.stringify(body));
      expect(res.status).toBe(status);
      expect(JSON.stringify(res.body.error)).toContain(mention);
      expect(await countEvents()).toBe(before);
    });
  }

  it('refuses a body that is not JSON with 415 and an oversized one with 413', async () => {
    const before = await countEvents();
    await intake
      .http()
      .post('/cases')
      .set(reporterA)
      .set('content-type', 'text/plain')
      .send('a leak')
      .expect(415);
    const huge = { ...fullReport, description: 'x'.repeat(2_000_000) };
    await intake.http().post('/cases').set(reporterA).send(huge).expect(413);
    expect(await countEvents()).toBe(before);
  });

  it('refuses an If-Match that is not an ETag with 400 naming If-Match', async () => {
    const created = await intake.http().post('/cases').set(reporterA).send(fullReport).expect(201);
    const res = await intake
      .http()
      .post(`/cases/${created.body.caseId}/amendments`)
      .set(reporterA)
      .set('If-Match', 'yesterday')
      .send({ encrypted: 'yes' })
      .expect(400);
    expect(JSON.stringify(res.body.error)).toContain('If-Match');
  });
});

describe('the case list', () => {
  let listed: string[];

  beforeAll(async () => {
    listed = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await intake
        .http()
        .post('/cases')
        .set(reporterB)
        .send({
          ...fullReport,
          contractId: contractB,
          discoveredAt: `2026-11-0${i + 1}T00:00:00.000Z`,
          occurredAt: undefined,
        })
        .expect(201);
      listed.push(created.body.caseId);
    }
  });

  it('pages through the cases of the caller’s contracts, newest report first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await intake
        .http()
        .get('/cases')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(reporterB)
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { caseId: string }) => item.caseId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...listed].reverse());
  });

  it('filters by discovery date, contract and stage', async () => {
    const byDate = await intake
      .http()
      .get('/cases')
      .query({ discoveredFrom: '2026-11-02T00:00:00.000Z', discoveredTo: '2026-11-04T00:00:00.000Z' })
      .set(reporterB)
      .expect(200);
    expect(byDate.body.items.map((item: { caseId: string }) => item.caseId).sort()).toEqual(
      listed.slice(1, 3).sort(),
    );
    const closed = await intake.http().get('/cases').query({ stage: 'closed' }).set(reporterB).expect(200);
    expect(closed.body.items).toEqual([]);
    const all = await intake.http().get('/cases').query({ contractId: contractB, limit: 100 }).set(auditor);
    expect(all.body.items).toHaveLength(5);
  });

  it('shows another contract’s cases to nobody outside it: not in the list, 404 on read', async () => {
    const other = await intake
      .http()
      .get('/cases')
      .query({ contractId: contractB })
      .set(officerA)
      .expect(200);
    expect(other.body.items).toEqual([]);
    const mine = await intake.http().get('/cases').query({ limit: 100 }).set(officerA).expect(200);
    expect(mine.body.items.every((item: { contractId: string }) => item.contractId === contractA)).toBe(true);
    await intake.http().get(`/cases/${listed[0]}`).set(officerA).expect(404);
  });

  it('refuses a malformed filter, limit or cursor with 400 naming it', async () => {
    for (const [query, field] of [
      [{ stage: 'lost' }, 'stage'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ discoveredFrom: 'tuesday' }, 'discoveredFrom'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ sort: 'name' }, 'sort'],
    ] as const) {
      const res = await intake.http().get('/cases').query(query).set(reporterB).expect(400);
      expect(JSON.stringify(res.body.error)).toContain(field);
    }
  });
});
