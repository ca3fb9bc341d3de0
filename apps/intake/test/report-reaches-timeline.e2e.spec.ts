import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfig } from '#libs/auth';
import { decodeEnvelope, decodeEventJson, TOPICS } from '#libs/contracts';
import { createServiceApp, DatabaseConfig, KafkaConfig, type ServiceApp } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import {
  authEnv,
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  kafkaAdmin,
  readAllFromTopic,
  sealingEnv,
  signAccessToken,
  type TestKeys,
  testConfig,
  testPrincipal,
  topicEnds,
  uniqueName,
  waitFor,
} from '#libs/testing';
import { TimelineConfig } from '../../timeline/src/timeline.config.js';
import { TimelineModule } from '../../timeline/src/timeline.module.js';
import { IntakeModule } from '../src/intake.module.js';

/**
 * The foundation's end-to-end proof: a report accepted over HTTP by intake is appended to intake's
 * event store, published by the outbox relay to Kafka (keyed by case id), consumed by timeline's
 * consumer runner, and shown by timeline's API. Real PostgreSQL, real Kafka, both services in this
 * process, each on its own schema.
 */
const intakeSchema = uniqueName('e2e_intake');
const timelineSchema = uniqueName('e2e_timeline');
const config = { database: DatabaseConfig, kafka: KafkaConfig, auth: AuthConfig };
const intakeConfig = { ...config, sealing: SealingConfig };

function serviceEnv(schema: string, name: string, keys: TestKeys) {
  const { databaseUrl, kafkaBrokers } = testConfig();
  return {
    ...authEnv(keys),
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    SERVICE_NAME: name,
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HTTP_PORT: '0',
  };
}

let intake: ServiceApp<typeof intakeConfig>;
let timeline: ServiceApp<typeof config & { timeline: typeof TimelineConfig }>;
/** Bearer headers: a reporter assigned to the report's contract, and a responder of that contract. */
let reporter: { authorization: string };
let responder: { authorization: string };

beforeAll(async () => {
  const keys = await generateTestKeys();
  reporter = {
    authorization: `Bearer ${await signAccessToken(keys, testPrincipal('reporter', [report.contractId]))}`,
  };
  responder = {
    authorization: `Bearer ${await signAccessToken(keys, testPrincipal('responder', [report.contractId]))}`,
  };
  intake = await createServiceApp(IntakeModule, {
    name: 'intake',
    config: intakeConfig,
    env: { ...serviceEnv(intakeSchema, intakeSchema.replaceAll('_', '-'), keys), ...sealingEnv() },
  });
  timeline = await createServiceApp(TimelineModule, {
    name: 'timeline',
    config: { ...config, timeline: TimelineConfig },
    env: {
      ...serviceEnv(timelineSchema, timelineSchema.replaceAll('_', '-'), keys),
      // the broker is shared with other runs: follow what is published from now on, not the topics'
      // history, and keep the deadline scheduler's alerts out of this case's entries
      TIMELINE_CONSUME_FROM: 'latest',
      TIMELINE_SCHEDULER_INTERVAL: '1h',
    },
  });
  await Promise.all([intake.app.init(), timeline.app.init()]);
  await waitUntilGroupIsStable(`${timelineSchema.replaceAll('_', '-')}.history`);
});

afterAll(async () => {
  await Promise.allSettled([intake?.app.close(), timeline?.app.close()]);
  const ds = await createTestDataSource();
  await dropSchema(ds, intakeSchema);
  await dropSchema(ds, timelineSchema);
  await ds.destroy();
});

const report = {
  contractId: '6f1c2b9e-1111-4111-8111-111111111111',
  discoveredAt: '2026-11-20T08:30:00.000Z',
  occurredAt: '2026-11-19T22:00:00.000Z',
  dataKinds: ['name', 'email'],
  description: 'A USB stick with a customer list was lost on a train.',
  persons: { precision: 'about', value: 1200 },
  records: { precision: 'unknown' },
};

/**
 * Waits until the timeline's consumer group has its partitions: a group that starts at the topics' end
 * must have joined before the report is published, or it would start after it.
 */
async function waitUntilGroupIsStable(groupId: string): Promise<void> {
  const admin = await kafkaAdmin();
  try {
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Stable' && groups[0].members.length > 0 ? true : undefined;
      },
      { timeoutMs: 30_000, message: `the consumer group ${groupId} never became stable` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** The reporter's user id, read back from its token (the actor the event must record). */
function reporterId(): string {
  const payload = reporter.authorization.split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sub;
}

describe('a report travels from intake through Kafka to the timeline', () => {
  it('both services are ready: database and broker answer', async () => {
    await request(intake.app.getHttpServer()).get('/health/ready').expect(200);
    await request(timeline.app.getHttpServer()).get('/health/ready').expect(200);
  });

  it('accepts the report with its first regulatory assessment, publishes both keyed by case id, and the timeline shows them', async () => {
    const from = await topicEnds(TOPICS.intakeCase);
    const created = await request(intake.app.getHttpServer())
      .post('/cases')
      .set(reporter)
      .send(report)
      .expect(201);
    const caseId: string = created.body.caseId;
    // version 2: IncidentReported, then RegulatoryAssessmentMade
    expect(created.body).toMatchObject({ status: 'reported', contractId: report.contractId, version: 2 });
    expect(created.body.caseNumber).toMatch(/^INC-\d{4}-\d{6}$/);
    expect(created.headers.etag).toBe('"2"');

    await request(intake.app.getHttpServer())
      .get(`/cases/${caseId}`)
      .set(responder)
      .expect(200)
      .expect((res) => expect(res.body.caseNumber).toBe(created.body.caseNumber));

    // On the wire: the protobuf envelope on the intake topic, keyed by the case id.
    const ofCase = await waitFor(
      async () => {
        const messages = await readAllFromTopic(TOPICS.intakeCase, { timeoutMs: 5_000, from });
        const found = messages.filter((message) => message.key === caseId);
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 30_000, message: `the events of case ${caseId} never reached Kafka` },
    );
    // one case, one partition, in order
    expect(ofCase.map((message) => message.headers['event-type'])).toEqual([
      'leakresponse.intake.v1.IncidentReported',
      'leakresponse.intake.v1.RegulatoryAssessmentMade',
    ]);
    expect(new Set(ofCase.map((message) => message.partition)).size).toBe(1);
    const [onKafka] = ofCase;
    expect(onKafka.value).not.toBeNull();
    const envelope = decodeEnvelope(onKafka.value as Buffer);
    expect(envelope.caseId).toBe(caseId);
    expect(onKafka.headers['event-type']).toBe('leakresponse.intake.v1.IncidentReported');
    expect(decodeEventJson(envelope).data).toMatchObject({
      contractId: report.contractId,
      quantity: { persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' } },
    });

    // Through the timeline's consumer into its API.
    const entries = await waitFor(
      async () => {
        const res = await request(timeline.app.getHttpServer()).get(`/cases/${caseId}/events`).set(responder);

        return res.status === 200 && res.body.length >= 2 ? res.body : undefined;
      },
      { timeoutMs: 30_000, message: `case ${caseId} never appeared on the timeline` },
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      type: 'IncidentReported',
      streamId: `case-${caseId}`,
      streamVersion: 1,
      actor: { kind: 'user', id: reporterId() },
      data: { caseNumber: created.body.caseNumber },
    });
    // about 1,200 persons: the APPI private-sector threshold (more than 1,000) is crossed
    expect(entries[1]).toMatchObject({ type: 'RegulatoryAssessmentMade', streamVersion: 2 });
    expect(JSON.stringify(entries[1].data)).toContain('1,000');
  });

  it('refuses a bad report with a 400 that names the field, and stores nothing', async () => {
    const res = await request(intake.app.getHttpServer())
      .post('/cases')
      .set(reporter)
      .send({ ...report, persons: { precision: 'exact', value: -3 } })
      .expect(400);
    expect(JSON.stringify(res.body.error.details)).toContain('persons');
    const ds = await createTestDataSource();
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM "${intakeSchema}".events WHERE data->>'contractId' = $1 AND data->'quantity'->'persons'->>'value' = '-3'`,
      [report.contractId],
    );
    await ds.destroy();
    expect(count).toBe(0);
  });

  it('answers 404 for a case that does not exist, on both services', async () => {
    const unknown = '0190a5b2-0000-7000-8000-000000000000';
    await request(intake.app.getHttpServer()).get(`/cases/${unknown}`).set(responder).expect(404);
    await request(timeline.app.getHttpServer()).get(`/cases/${unknown}/events`).set(responder).expect(404);
  });
});
