import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseKeyring, sealedFromJson } from '#libs/sealing';
import { type IntakeUnderTest, startIntake } from './support.js';

/**
 * The case commands over HTTP on the real database and broker: optimistic concurrency with If-Match,
 * idempotent reports with Idempotency-Key, the steps on instructions and measures with their free text
 * sealed under the case key, and closure while an instruction is open.
 */
const contractId = randomUUID();

type Headers = { authorization: string };
let intake: IntakeUnderTest;
let reporter: Headers;
let responder: Headers;
let clientOfficer: Headers;
let responsible: Headers;

const report = (overrides: object = {}) => ({
  contractId,
  discoveredAt: '2026-11-20T08:30:00.000Z',
  dataKinds: ['name', 'email'],
  description: 'A customer list was attached to a mail sent to the wrong address.',
  persons: { precision: 'about', value: 800 },
  records: { precision: 'unknown' },
  ...overrides,
});

beforeAll(async () => {
  intake = await startIntake('e2e_intake_cmd');
  reporter = await intake.bearer('reporter', [contractId]);
  responder = await intake.bearer('responder', [contractId]);
  clientOfficer = await intake.bearer('client_officer', [contractId]);
  responsible = await intake.bearer('responsible', [contractId]);
});

afterAll(async () => {
  await intake?.close();
});

const http = () => intake.http();

async function reportCase(): Promise<{ caseId: string; etag: string }> {
  const created = await http().post('/cases').set(reporter).send(report()).expect(201);
  return { caseId: created.body.caseId, etag: created.headers.etag };
}

async function countReports(): Promise<number> {
  const [{ count }] = await intake.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events WHERE type = 'IncidentReported'`,
  );
  return count;
}

/** Issues an instruction to the case as the client officer; answers its id. */
async function issueInstruction(caseId: string, text = 'Take the leaked file offline.'): Promise<string> {
  const issued = await http()
    .post(`/cases/${caseId}/instructions`)
    .set(clientOfficer)
    .send({ kind: 'contain', text })
    .expect(201);
  expect(issued.headers.location).toBe(`/cases/${caseId}/instructions/${issued.body.instructionId}`);
  return issued.body.instructionId;
}

function eventsOf(caseId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  return intake.query('SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_version', [
    `case-${caseId}`,
  ]);
}

describe('amending a report with If-Match', () => {
  it('lets one of two concurrent amendments on the same version win; the other gets 412 with the current version', async () => {
    const { caseId, etag } = await reportCase();
    const amend = (persons: number) =>
      http()
        .post(`/cases/${caseId}/amendments`)
        .set(reporter)
        .set('If-Match', etag)
        .send({ persons: { precision: 'at_least', value: persons } });
    const answers = await Promise.all([amend(1_200), amend(900)]);

    expect(answers.map((res) => res.status).sort()).toEqual([200, 412]);
    const won = answers.find((res) => res.status === 200);
    const lost = answers.find((res) => res.status === 412);
    expect(won?.body).toMatchObject({ caseId, status: 'reported', openInstructions: 0, openMeasures: 0 });
    expect(won?.headers.etag).toBe(`"${won?.body.version}"`);
    expect(won?.body.version).toBeGreaterThan(2);
    expect(lost?.body.error.code).toBe('precondition_failed');
    expect(lost?.headers.etag).toBe(won?.headers.etag);
    expect(JSON.stringify(lost?.body.error.details)).toContain(`current version is ${won?.body.version}`);

    const current = await http().get(`/cases/${caseId}`).set(responder).expect(200);
    expect(current.headers.etag).toBe(won?.headers.etag);
  });

  it('requires If-Match (400 if_match_required) and refuses a malformed one, changing nothing', async () => {
    const { caseId, etag } = await reportCase();
    const amendment = { encrypted: 'yes' };
    const missing = await http()
      .post(`/cases/${caseId}/amendments`)
      .set(reporter)
      .send(amendment)
      .expect(400);
    expect(missing.body.error.code).toBe('if_match_required');
    for (const malformed of ['2', 'W/"2"', '*', '"2", "3"', '"abc"']) {
      const res = await http()
        .post(`/cases/${caseId}/amendments`)
        .set(reporter)
        .set('If-Match', malformed)
        .send(amendment);
      expect(res.status, malformed).toBe(400);
      expect(JSON.stringify(res.body.error.details)).toContain('If-Match');
    }
    const unchanged = await http().get(`/cases/${caseId}`).set(reporter).expect(200);
    expect(unchanged.headers.etag).toBe(etag);
  });
});

describe('reporting with an Idempotency-Key', () => {
  it('creates one case when a report is retried after its first response was lost', async () => {
    const before = await countReports();
    const key = randomUUID();
    const body = report({ occurredAt: '2026-11-19T22:00:00.000Z' });
    // The first attempt reaches the server; its answer is dropped as if the connection broke.
    await http().post('/cases').set(reporter).set('Idempotency-Key', key).send(body);
    // The retry sends the same body with its keys in another order.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retried = await http().post('/cases').set(reporter).set('Idempotency-Key', key).send(reordered);

    expect(retried.status).toBe(200);
    expect(retried.headers.etag).toBe(`"${retried.body.version}"`);
    expect(await countReports()).toBe(before + 1);
    const stored = await http().get(`/cases/${retried.body.caseId}`).set(reporter).expect(200);
    expect(stored.body.caseNumber).toBe(retried.body.caseNumber);
  });

  it('returns the same case to concurrent requests with one key', async () => {
    const before = await countReports();
    const key = randomUUID();
    const send = () => http().post('/cases').set(reporter).set('Idempotency-Key', key).send(report());
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(answers.map((res) => res.body.caseId)).size).toBe(1);
    expect(await countReports()).toBe(before + 1);
  });

  it('refuses the same key with another body (422 idempotency_key_reused) and stores nothing', async () => {
    const key = randomUUID();
    const first = await http().post('/cases').set(reporter).set('Idempotency-Key', key).send(report());
    expect(first.status).toBe(201);
    const before = await countReports();

    const reused = await http()
      .post('/cases')
      .set(reporter)
      .set('Idempotency-Key', key)
      .send(report({ persons: { precision: 'exact', value: 5 } }))
      .expect(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await countReports()).toBe(before);

    // another principal's key space is its own: the same key is a new report for the responder
    const otherPrincipal = await http()
      .post('/cases')
      .set(responder)
      .set('Idempotency-Key', key)
      .send(report());
    expect(otherPrincipal.status).toBe(201);
    expect(otherPrincipal.body.caseId).not.toBe(first.body.caseId);
  });

  it('refuses a malformed key with 400 and stores nothing', async () => {
    const before = await countReports();
    const res = await http().post('/cases').set(reporter).set('Idempotency-Key', 'a b').send(report());
    expect(res.status).toBe(400);
    expect(await countReports()).toBe(before);
  });
});

describe('closing a case', () => {
  it('refuses a responder while an instruction is open (409); the responsible person closes with a reason', async () => {
    const { caseId } = await reportCase();
    await issueInstruction(caseId);
    const current = await http().get(`/cases/${caseId}`).set(responder).expect(200);
    expect(current.body.openInstructions).toBe(1);
    const refused = await http()
      .post(`/cases/${caseId}/closure`)
      .set(responder)
      .set('If-Match', current.headers.etag)
      .send({ reason: 'nothing left to do' })
      .expect(409);
    // the domain's own code reaches the client, so it can tell why
    expect(refused.body.error.code).toBe('case.open_instructions');
    const withoutReason = await http()
      .post(`/cases/${caseId}/closure`)
      .set(responsible)
      .set('If-Match', current.headers.etag)
      .expect(400);
    expect(withoutReason.body.error.code).toBe('case.close_reason_required');

    const closed = await http()
      .post(`/cases/${caseId}/closure`)
      .set(responsible)
      .set('If-Match', current.headers.etag)
      .send({ reason: 'The client takes over the open instruction.' })
      .expect(200);
    expect(closed.body).toMatchObject({ caseId, status: 'closed', openInstructions: 1 });
    const [caseClosed] = (await eventsOf(caseId)).filter((event) => event.type === 'CaseClosed');
    const reason = sealedFromJson(caseClosed.data.reason as { ciphertext: string; keyId: string });
    expect(await intake.app.get(CaseKeyring).unseal(reason, 'CaseClosed.reason')).toBe(
      'The client takes over the open instruction.',
    );
  });

  it('closes a case without open instructions without a reason, after which it takes no change', async () => {
    const { caseId, etag } = await reportCase();
    const closed = await http()
      .post(`/cases/${caseId}/closure`)
      .set(responder)
      .set('If-Match', etag)
      .expect(200);
    expect(closed.body).toMatchObject({ caseId, status: 'closed', version: 3 });
    expect(closed.headers.etag).toBe('"3"');
    // a closed case takes no amendment and no measure
    await http()
      .post(`/cases/${caseId}/amendments`)
      .set(reporter)
      .set('If-Match', '"3"')
      .send({ encrypted: 'no' })
      .expect(409);
    await http().post(`/cases/${caseId}/measures`).set(reporter).send({ description: 'late' }).expect(409);
  });
});

describe('steps on instructions and measures', () => {
  it('takes an instruction from issue through progress, completion and reopening to the client’s confirmation', async () => {
    const { caseId } = await reportCase();
    const instructionId = await issueInstruction(caseId);
    const issued = await http().get(`/cases/${caseId}`).set(responder).expect(200);
    expect(issued.body.openInstructions).toBe(1);
    const step = (name: string) => `/cases/${caseId}/instructions/${instructionId}/${name}`;

    // progress before acknowledgement is refused
    await http().post(step('progress')).set(responder).send({ note: 'Started.' }).expect(409);
    const acknowledged = await http()
      .post(step('acknowledgement'))
      .set(responder)
      .set('If-Match', issued.headers.etag)
      .expect(200);
    expect(acknowledged.headers.etag).toBe(`"${issued.body.version + 1}"`);
    // acknowledging twice is refused
    await http().post(step('acknowledgement')).set(reporter).expect(409);
    // the client cannot confirm what is not completed
    await http().post(step('confirmation')).set(clientOfficer).expect(409);

    await http().post(step('progress')).set(responder).send({ note: 'The file is offline.' }).expect(200);
    const completed = await http()
      .post(step('completion'))
      .set(responder)
      .send({ evidenceNote: 'Server log shows the file removed.' })
      .expect(200);
    const reopened = await http()
      .post(step('reopening'))
      .set(clientOfficer)
      .send({ reason: 'The backup copy is still online.' })
      .expect(200);
    expect(reopened.body.openInstructions).toBe(1);
    await http()
      .post(step('completion'))
      .set(responder)
      .send({ evidenceNote: 'The backup copy is removed as well.' })
      .expect(200);
    // a stale If-Match on the confirmation: 412
    await http()
      .post(step('confirmation'))
      .set(clientOfficer)
      .set('If-Match', completed.headers.etag)
      .expect(412);
    const confirmed = await http().post(step('confirmation')).set(clientOfficer).expect(200);
    expect(confirmed.body).toMatchObject({ openInstructions: 0, status: 'reported' });

    expect((await eventsOf(caseId)).map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'InstructionIssued',
        'InstructionAcknowledged',
        'InstructionProgressReported',
        'InstructionCompleted',
        'InstructionReopened',
        'InstructionConfirmed',
      ]),
    );
    // with no instruction open, the responder may close
    await http()
      .post(`/cases/${caseId}/closure`)
      .set(responder)
      .set('If-Match', confirmed.headers.etag)
      .expect(200);
  });

  it('records and completes a measure and identifies the cause; only the client officer confirms instructions', async () => {
    const { caseId } = await reportCase();
    const recorded = await http()
      .post(`/cases/${caseId}/measures`)
      .set(reporter)
      .send({ description: 'Asked the recipient to delete the e-mail.' })
      .expect(201);
    const { measureId } = recorded.body;
    expect(recorded.body.openMeasures).toBe(1);
    expect(recorded.headers.location).toBe(`/cases/${caseId}/measures/${measureId}`);
    const completed = await http()
      .post(`/cases/${caseId}/measures/${measureId}/completion`)
      .set(reporter)
      .expect(200);
    expect(completed.body.openMeasures).toBe(0);
    await http().post(`/cases/${caseId}/measures/${measureId}/completion`).set(reporter).expect(409);
    await http().post(`/cases/${caseId}/measures/${randomUUID()}/completion`).set(reporter).expect(404);

    const caused = await http()
      .post(`/cases/${caseId}/cause`)
      .set(responder)
      .send({ cause: 'A mail sent to the wrong recipient.', causedByProcessor: 'no' })
      .expect(200);
    expect(caused.body.causeIdentified).toBe(true);

    await http()
      .post(`/cases/${caseId}/instructions/${randomUUID()}/confirmation`)
      .set(responder)
      .expect(403);
    await http()
      .post(`/cases/${caseId}/instructions`)
      .set(responder)
      .send({ kind: 'contain', text: 'x' })
      .expect(403);
  });

  it('refuses an empty, blank or too long text with 400 naming the field, and stores nothing', async () => {
    const { caseId, etag } = await reportCase();
    for (const description of [undefined, '', '   ', 'x'.repeat(10_001)]) {
      const res = await http().post(`/cases/${caseId}/measures`).set(reporter).send({ description });
      expect(res.status, String(description?.length)).toBe(400);
      expect(JSON.stringify(res.body.error.details)).toContain('description');
    }
    const res = await http()
      .post(`/cases/${caseId}/instructions`)
      .set(clientOfficer)
      .send({ kind: 'contain' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('text');
    const unchanged = await http().get(`/cases/${caseId}`).set(reporter).expect(200);
    expect(unchanged.headers.etag).toBe(etag);
  });

  it('stores only sealed text: the events table holds no plaintext of a submitted text', async () => {
    const { caseId } = await reportCase();
    const secret = `Only-sealed ${randomUUID()}`;
    await issueInstruction(caseId, secret);

    const [{ count }] = await intake.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM events WHERE data::text LIKE $1 OR metadata::text LIKE $1',
      [`%${secret}%`],
    );
    expect(count).toBe(0);
    // what is stored opens to the text again with the case's key, for its purpose
    const [issued] = (await eventsOf(caseId)).filter((event) => event.type === 'InstructionIssued');
    const sealed = sealedFromJson(issued.data.text as { ciphertext: string; keyId: string });
    expect(await intake.app.get(CaseKeyring).unseal(sealed, 'InstructionIssued.text')).toBe(secret);
  });
});
