import request from 'supertest';
import { TOPICS } from '#libs/contracts';
import { createServiceApp, type ServiceApp } from '#libs/platform';
import {
  authEnv,
  createTestDataSource,
  createTopics,
  dropSchema,
  kafkaAdmin,
  sealingEnv,
  signAccessToken,
  testConfig,
  testPrincipal,
  uniqueName,
} from '#libs/testing';
import { type IntakeUnderTest, startIntake } from '../../intake/test/support.js';
import { PublisherModule } from '../src/publisher.module.js';
import { PUBLISHER_CONFIG, publisherServiceOptions } from '../src/publisher.service.js';

export type PublisherApp = ServiceApp<typeof PUBLISHER_CONFIG>;
type Role = 'reporter' | 'responder' | 'responsible' | 'client_officer' | 'auditor';

/**
 * One test's world: the real intake service (its events are the publisher's source) and the publisher,
 * each on its own schema of the real database, on the real broker, sharing the signing keys and the
 * sealing master key (the publisher unseals intake's texts with intake's case keys).
 */
export interface World {
  readonly intake: IntakeUnderTest;
  readonly publisher: PublisherApp;
  readonly schema: string;
  readonly serviceName: string;
  /** the sealing master keys of intake and the publisher (a consumer of their sealed texts needs them) */
  readonly sealing: { SEALING_MASTER_KEYS: string };
  http(): ReturnType<typeof request>;
  /**
   * Reports a case through the real intake service as a reporter of the contract (discovered 2026-11-20,
   * names and e-mail addresses, record count unknown, unless `fields` say otherwise); the 201 answer.
   */
  reportCase(contractId: string, fields: Record<string, unknown>): Promise<request.Response>;
  bearer(role: Role, contracts: string[] | 'all'): Promise<{ authorization: string }>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Points the publisher's intake consumer group at the end of the topic: only this test's events. */
async function startGroupAtEnd(groupId: string): Promise<void> {
  await createTopics([TOPICS.intakeCase, TOPICS.publisherStatement]);
  const admin = await kafkaAdmin();
  try {
    const offsets = await admin.fetchTopicOffsets(TOPICS.intakeCase);
    await admin.setOffsets({
      groupId,
      topic: TOPICS.intakeCase,
      partitions: offsets.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function createWorld(prefix: string, extraEnv: Record<string, string> = {}): Promise<World> {
  const sealing = sealingEnv();
  const intake = await startIntake(`${prefix}_intake`, sealing);
  const schema = uniqueName(`${prefix}_publisher`);
  const serviceName = schema.replaceAll('_', '-');
  await startGroupAtEnd(`${serviceName}.intake`);
  const { databaseUrl, kafkaBrokers } = testConfig();
  const publisher = await createServiceApp(
    PublisherModule,
    publisherServiceOptions({
      ...authEnv(intake.keys),
      ...sealing,
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      DB_POOL_SIZE: '5',
      KAFKA_BROKERS: kafkaBrokers.join(','),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      SERVICE_NAME: serviceName,
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      HTTP_PORT: '0',
      INTAKE_SCHEMA: intake.schema,
      PUBLISHER_PUBLIC_BASE_URL: 'http://statements.test',
      PUBLISHER_LISTING_CACHE_MS: '0',
      ...extraEnv,
    }),
  );
  await publisher.app.init();
  const db = await createTestDataSource();
  return {
    intake,
    publisher,
    schema,
    serviceName,
    sealing,
    http: () => request(publisher.app.getHttpServer()),
    reportCase: async (contractId, fields) =>
      intake
        .http()
        .post('/cases')
        .set(await intake.bearer('reporter', [contractId]))
        .send({
          contractId,
          discoveredAt: '2026-11-20T08:30:00.000Z',
          dataKinds: ['name', 'email'],
          records: { precision: 'unknown' },
          ...fields,
        })
        .expect(201),
    bearer: async (role, contracts) => ({
      authorization: `Bearer ${await signAccessToken(intake.keys, testPrincipal(role, contracts))}`,
    }),
    query: (sql, params = []) => db.query(sql.replaceAll('$schema', `"${schema}"`), params),
    async close() {
      await publisher.app.close();
      await intake.close();
      await dropSchema(db, schema);
      await db.destroy();
    },
  };
}
