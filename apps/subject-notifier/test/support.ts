import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { type Role } from '#libs/auth';
import {
  ActorKind,
  decodeEnvelope,
  type EventJson,
  type EventTypeName,
  encodeEnvelope,
  encodeEvent,
  envelopeHeaders,
  fullTypeNameOf,
  TOPICS,
} from '#libs/contracts';
import { KafkaTransport, type OutgoingMessage } from '#libs/messaging';
import { createServiceApp, type ServiceApp } from '#libs/platform';
import {
  authEnv,
  createTestDataSource,
  createTopics,
  dropSchema,
  generateTestKeys,
  kafkaAdmin,
  sealingEnv,
  signAccessToken,
  type TestKeys,
  testConfig,
  testPrincipal,
  uniqueName,
  waitFor,
} from '#libs/testing';
import { SubjectNotifierModule, type SubjectNotifierModuleOptions } from '../src/subject-notifier.module.js';
import { SUBJECT_NOTIFIER_CONFIG, subjectNotifierServiceOptions } from '../src/subject-notifier.service.js';
import { NoticeTemplates } from '../src/templates/notice-templates.js';

export type SubjectsApp = ServiceApp<typeof SUBJECT_NOTIFIER_CONFIG>;

/** One test file's world: a schema, keys, a master key, a Kafka producer, a database connection. */
export interface World {
  readonly schema: string;
  readonly serviceName: string;
  readonly keys: TestKeys;
  readonly sealing: { SEALING_MASTER_KEYS: string };
  readonly db: DataSource;
  readonly transport: KafkaTransport;
  close(): Promise<void>;
}

export async function createWorld(prefix: string): Promise<World> {
  const schema = uniqueName(prefix);
  const serviceName = schema.replaceAll('_', '-');
  const keys = await generateTestKeys();
  const db = await createTestDataSource({ poolSize: 3 });
  const transport = new KafkaTransport({
    brokers: testConfig().kafkaBrokers,
    clientId: uniqueName('sn_test'),
  });
  await startGroupAtEnd(serviceName);
  return {
    schema,
    serviceName,
    keys,
    sealing: sealingEnv(),
    db,
    transport,
    async close() {
      await transport.close();
      await dropSchema(db, schema);
      await db.destroy();
    },
  };
}

/** The environment of a subject-notifier instance in a test. */
export function subjectsEnv(
  world: World,
  smtpPort: number,
  env: Record<string, string> = {},
): Record<string, string> {
  const { databaseUrl, kafkaBrokers } = testConfig();
  return {
    ...authEnv(world.keys),
    ...world.sealing,
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: world.schema,
    DB_POOL_SIZE: '6',
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    SERVICE_NAME: world.serviceName,
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HTTP_PORT: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_TLS: 'none',
    MAIL_FROM: 'Leak Response <noreply@contractor.test>',
    NOTICE_POLL_MS: '100',
    NOTICE_RATE_PER_SECOND: '500',
    NOTICE_CONCURRENCY: '4',
    NOTICE_RETRY_INITIAL_MS: '200',
    NOTICE_RETRY_MAX_MS: '1000',
    ...env,
  };
}

/**
 * Points the service's consumer groups at the end of intake's and publisher's topics: earlier tests'
 * events are not ours.
 */
async function startGroupAtEnd(serviceName: string): Promise<void> {
  const groups = [
    { groupId: `${serviceName}.intake`, topic: TOPICS.intakeCase },
    { groupId: `${serviceName}.publisher`, topic: TOPICS.publisherStatement },
  ];
  await createTopics(groups.map((group) => group.topic));
  const admin = await kafkaAdmin();
  try {
    for (const { groupId, topic } of groups) {
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: offsets.map((p) => ({ partition: p.partition, offset: p.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** Boots subject-notifier in this process (its sender and consumer run). */
export async function startSubjects(
  world: World,
  smtpPort: number,
  env: Record<string, string> = {},
  module: SubjectNotifierModuleOptions = {},
): Promise<SubjectsApp> {
  const service = await createServiceApp(
    SubjectNotifierModule.forRoot({ smtp: { ignoreTLS: true }, ...module }),
    subjectNotifierServiceOptions(subjectsEnv(world, smtpPort, env)),
  );
  await service.app.init();
  return service;
}

export async function bearer(world: World, role: Role, contracts: string[] | 'all'): Promise<string> {
  return `Bearer ${await signAccessToken(world.keys, testPrincipal(role, contracts))}`;
}

export const http = (service: SubjectsApp) => request(service.app.getHttpServer());

/** A case as intake publishes it: IncidentReported, then instructions. */
export class TestCase {
  readonly caseId = randomUUID();
  readonly contractId = randomUUID();
  private version = 0;

  constructor(private readonly world: World) {}

  message<K extends EventTypeName>(type: K, data: EventJson<K>): OutgoingMessage {
    this.version += 1;
    const now = timestampFromDate(new Date());
    const value = encodeEnvelope({
      eventId: randomUUID(),
      type: fullTypeNameOf(type),
      caseId: this.caseId,
      streamId: `case-${this.caseId}`,
      streamVersion: this.version,
      occurredAt: now,
      recordedAt: now,
      actor: { id: 'test', kind: ActorKind.USER, role: 'reporter' },
      correlationId: `corr-${this.caseId}`,
      schemaVersion: 1,
      payload: encodeEvent(type, data),
    });
    return {
      topic: TOPICS.intakeCase,
      key: this.caseId,
      value,
      headers: envelopeHeaders(decodeEnvelope(value)),
    };
  }

  reported(): OutgoingMessage {
    return this.message('IncidentReported', {
      contractId: this.contractId,
      caseNumber: `INC-2026-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
      content: { dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'] },
      discoveredAt: '2026-11-20T08:30:00Z',
      reportedAt: '2026-11-20T09:00:00Z',
    });
  }

  instruction(
    kind:
      | 'INSTRUCTION_KIND_NOTIFY_SUBJECTS'
      | 'INSTRUCTION_KIND_RETURN_OR_ERASE_DATA'
      | 'INSTRUCTION_KIND_PUBLISH',
  ) {
    const instructionId = randomUUID();
    return {
      instructionId,
      message: this.message('InstructionIssued', {
        instructionId,
        kind,
        issuedBy: { userId: randomUUID(), role: 'client_officer' },
      }),
    };
  }

  /** Publishes the report (and the given instructions) and waits until the service has recorded them. */
  async publish(messages: OutgoingMessage[], until: { instructions: number }): Promise<void> {
    await this.world.transport.publish(messages);
    await waitFor(
      async () => {
        const rows: Array<{ n: number }> = await this.world.db
          .query(`SELECT count(*)::int AS n FROM "${this.world.schema}".instructions WHERE case_id = $1`, [
            this.caseId,
          ])
          .catch(() => [{ n: -1 }]);
        const cases: unknown[] = await this.world.db
          .query(`SELECT 1 FROM "${this.world.schema}".cases WHERE case_id = $1`, [this.caseId])
          .catch(() => []);
        return (cases.length === 1 && rows[0].n >= until.instructions) || undefined;
      },
      { timeoutMs: 30_000, message: 'the service recorded the case from Kafka' },
    );
  }
}

/** Approved template through the module's own function (what the integrator will feed from publisher). */
export async function approveTemplate(world: World, caseId: string, revision = 1) {
  const templateId = randomUUID();
  return new NoticeTemplates(world.db, world.schema).recordApproved({
    templateId,
    revision,
    caseId,
    subjectJa: '【重要】個人情報漏えいに関するお知らせ',
    bodyJa:
      '{{name}} 様\n\n漏えいしたおそれのある情報は次のとおりです。\n{{items}}\n\nお問い合わせ窓口: 0120-000-000',
    subjectEn: 'Important: notice of a personal data leak',
    bodyEn:
      'Dear {{name}},\n\nThe following information about you may have leaked:\n{{items}}\n\nContact: 0120-000-000',
    approvedAt: new Date('2026-11-21T00:00:00Z'),
    approvedBy: randomUUID(),
  });
}

/** Persons CSV (UTF-8) of `count` persons with e-mail addresses `<prefix>-<n>@persons.test`. */
export function personsCsv(count: number, prefix: string): string {
  let csv = 'name,email,phone,address,language,items\n';
  for (let n = 1; n <= count; n++) {
    csv += `Person ${prefix} ${n},${prefix}-${n}@persons.test,,,${n % 2 === 0 ? 'en' : 'ja'},name;email;item-${n}\n`;
  }
  return csv;
}

/** Imports and confirms a CSV through the API; returns the report. */
export async function importPersons(
  target: SubjectsApp | string,
  auth: string,
  caseId: string,
  csv: string | Buffer,
  query = '',
) {
  const agent = () => (typeof target === 'string' ? request(target) : http(target));
  const report = await agent()
    .post(`/cases/${caseId}/imports${query}`)
    .set('Authorization', auth)
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(201);
  await agent()
    .post(`/cases/${caseId}/imports/${report.body.importId}/confirmation`)
    .set('Authorization', auth)
    .expect(200);
  return report.body;
}

export { dropSchema, generateTestKeys, uniqueName, waitFor };
