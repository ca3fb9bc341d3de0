import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfig } from '#libs/auth';
import { EventStore, handleCommand } from '#libs/event-store';
import { createServiceApp, DatabaseConfig, KafkaConfig, type ServiceApp } from '#libs/platform';
import {
  authEnv,
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  signAccessToken,
  testConfig,
  testPrincipal,
  uniqueName,
} from '#libs/testing';
import { caseDecider } from '../src/cases/domain/case.decider.js';
import { IntakeModule } from '../src/intake.module.js';

/**
 * The case commands over HTTP on the real database and broker: optimistic concurrency with If-Match,
 * idempotent reports with Idempotency-Key, and closure refused while an instruction is open.
 */
const schema = uniqueName('e2e_intake_cmd');
const config = { database: DatabaseConfig, kafka: KafkaConfig, auth: AuthConfig };
const contractId = randomUUID();

type Headers = { authorization: string };
let intake: ServiceApp<typeof config>;
let reporter: Headers;
let responder: Headers;
let clientOfficer: Headers;

const report = (overrides: object = {}) => ({
  contractId,
  discoveredAt: '2026-11-20T08:30:00.000Z',
  dataKinds: ['name', 'email'],
  persons: { precision: 'about', value: 800 },
  records: { precision: 'unknown' },
  ...overrides,
});

beforeAll(async () => {
  const keys = await generateTestKeys();
  const bearer = async (role: 'reporter' | 'responder' | 'client_officer') => ({
    authorization: `Bearer ${await signAccessToken(keys, testPrincipal(role, [contractId]))}`,
  });
  reporter = await bearer('reporter');
  responder = await bearer('responder');
  clientOfficer = await bearer('client_officer');
  const { databaseUrl, kafkaBrokers } = testConfig();
  intake = await createServiceApp(IntakeModule, {
    name: 'intake',
    config,
    env: {
      ...authEnv(keys),
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SERVICE_NAME: schema.replaceAll('_', '-'),
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
    },
  });
  await intake.app.init();
});

afterAll(async () => {
  await intake?.app.close();
  const ds = await createTestDataSource();
  await dropSchema(ds, schema);
  await ds.destroy();
});

const http = () => request(intake.app.getHttpServer());

async function reportCase(): Promise<{ caseId: string; etag: string }> {
  const created = await http().post('/cases').set(reporter).send(report()).expect(201);
  return { caseId: created.body.caseId, etag: created.headers.etag };
}

async function countReports(): Promise<number> {
  const ds = await createTestDataSource();
  try {
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM "${schema}".events WHERE type = 'IncidentReported'`,
    );
    return count;
  } finally {
    await ds.destroy();
  }
}

/**
 * Runs a command that needs sealed text (not offered over HTTP yet) through the domain on the service's
 * own event store, with opaque bytes standing in for the sealed text.
 */
async function throughTheDomain(
  caseId: string,
  role: string,
  command:
    | { type: 'IssueInstruction'; instructionId: string }
    | { type: 'CompleteInstruction'; instructionId: string }
    | { type: 'RecordMeasure'; measureId: string },
): Promise<void> {
  const sealed = { ciphertext: Buffer.from('opaque test bytes').toString('base64'), keyId: 'test/v1' };
  const now = new Date();
  const metadata = { now, actor: { id: `${role}-1`, role } };
  const decided =
    command.type === 'IssueInstruction'
      ? {
          type: command.type,
          data: {
            instructionId: command.instructionId,
            kind: 'INSTRUCTION_KIND_CONTAIN' as const,
            dueAt: new Date(now.getTime() + 86_400_000),
            text: sealed,
          },
          metadata,
        }
      : command.type === 'CompleteInstruction'
        ? {
            type: command.type,
            data: { instructionId: command.instructionId, evidenceNote: sealed },
            metadata,
          }
        : { type: command.type, data: { measureId: command.measureId, description: sealed }, metadata };
  await handleCommand(intake.app.get(EventStore), `case-${caseId}`, caseDecider, decided, {
    caseId,
    occurredAt: now.toISOString(),
    actor: { id: `${role}-1`, kind: 'user', role },
  });
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
  it('refuses a responder while an instruction is open (409), and closes once none is', async () => {
    const withInstruction = await reportCase();
    await throughTheDomain(withInstruction.caseId, 'client_officer', {
      type: 'IssueInstruction',
      instructionId: randomUUID(),
    });
    const current = await http().get(`/cases/${withInstruction.caseId}`).set(responder).expect(200);
    expect(current.body.openInstructions).toBe(1);
    const refused = await http()
      .post(`/cases/${withInstruction.caseId}/closure`)
      .set(responder)
      .set('If-Match', current.headers.etag)
      .expect(409);
    // the domain's own code reaches the client, so it can tell why
    expect(refused.body.error.code).toBe('case.open_instructions');

    const { caseId, etag } = await reportCase();
    const closed = await http()
      .post(`/cases/${caseId}/closure`)
      .set(responder)
      .set('If-Match', etag)
      .expect(200);
    expect(closed.body).toMatchObject({ caseId, status: 'closed', version: 3 });
    expect(closed.headers.etag).toBe('"3"');
    // a closed case takes no amendment
    await http()
      .post(`/cases/${caseId}/amendments`)
      .set(reporter)
      .set('If-Match', '"3"')
      .send({ encrypted: 'no' })
      .expect(409);
  });
});

describe('steps on instructions and measures', () => {
  it('takes an instruction from issue through acknowledgement and completion to the client’s confirmation', async () => {
    const { caseId } = await reportCase();
    const instructionId = randomUUID();
    await throughTheDomain(caseId, 'client_officer', { type: 'IssueInstruction', instructionId });
    const issued = await http().get(`/cases/${caseId}`).set(responder).expect(200);
    expect(issued.body.openInstructions).toBe(1);

    const acknowledged = await http()
      .post(`/cases/${caseId}/instructions/${instructionId}/acknowledgement`)
      .set(responder)
      .set('If-Match', issued.headers.etag)
      .expect(200);
    expect(acknowledged.headers.etag).toBe(`"${issued.body.version + 1}"`);
    // acknowledging twice is refused
    await http()
      .post(`/cases/${caseId}/instructions/${instructionId}/acknowledgement`)
      .set(reporter)
      .expect(409);
    // the client cannot confirm what is not completed
    await http()
      .post(`/cases/${caseId}/instructions/${instructionId}/confirmation`)
      .set(clientOfficer)
      .expect(409);

    await throughTheDomain(caseId, 'responder', { type: 'CompleteInstruction', instructionId });
    // a stale If-Match on the confirmation: 412
    await http()
      .post(`/cases/${caseId}/instructions/${instructionId}/confirmation`)
      .set(clientOfficer)
      .set('If-Match', acknowledged.headers.etag)
      .expect(412);
    const confirmed = await http()
      .post(`/cases/${caseId}/instructions/${instructionId}/confirmation`)
      .set(clientOfficer)
      .expect(200);
    expect(confirmed.body).toMatchObject({ openInstructions: 0, status: 'reported' });

    // with no instruction open, the responder may close
    await http()
      .post(`/cases/${caseId}/closure`)
      .set(responder)
      .set('If-Match', confirmed.headers.etag)
      .expect(200);
  });

  it('completes a recorded measure once; only the client officer confirms instructions', async () => {
    const { caseId } = await reportCase();
    const measureId = randomUUID();
    await throughTheDomain(caseId, 'responder', { type: 'RecordMeasure', measureId });
    const before = await http().get(`/cases/${caseId}`).set(reporter).expect(200);
    expect(before.body.openMeasures).toBe(1);
    const completed = await http()
      .post(`/cases/${caseId}/measures/${measureId}/completion`)
      .set(reporter)
      .expect(200);
    expect(completed.body.openMeasures).toBe(0);
    await http().post(`/cases/${caseId}/measures/${measureId}/completion`).set(reporter).expect(409);
    await http().post(`/cases/${caseId}/measures/${randomUUID()}/completion`).set(reporter).expect(404);
    await http()
      .post(`/cases/${caseId}/instructions/${randomUUID()}/confirmation`)
      .set(responder)
      .expect(403);
  });
});
