import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ParsedMail } from 'mailparser';
import type { DataSource } from 'typeorm';
import {
  ActorKind,
  decodeEnvelope,
  type EventJson,
  type EventTypeName,
  encodeEnvelope,
  encodeEvent,
  envelopeHeaders,
  fullTypeNameOf,
  SEALED_TEXT_PURPOSES,
  type SealedTextJson,
  TOPICS,
} from '#libs/contracts';
import { KafkaTransport, type OutgoingMessage } from '#libs/messaging';
import { createServiceApp, loadConfig, type ServiceApp } from '#libs/platform';
import { CaseKeyring, SealingConfig, sealedToJson, sealingMigrations } from '#libs/sealing';
import {
  authEnv,
  createTestDataSource,
  createTopics,
  dropSchema,
  freePort,
  generateTestKeys,
  identityFixture,
  kafkaAdmin,
  sealingEnv,
  type TestKeys,
  testConfig,
  uniqueName,
} from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import { identityMigrations } from '../../identity/src/identity.migrations.js';
import { ClientNotifierModule, type ClientNotifierModuleOptions } from '../src/client-notifier.module.js';
import { CLIENT_NOTIFIER_CONFIG, clientNotifierServiceOptions } from '../src/client-notifier.service.js';
import { consumerGroupsOf, startGroupsAtEnd as startConsumerGroupsAtEnd } from '../src/consumer-groups.js';

/** What the tests of client-notifier share: identity's tables, intake's case keys, Kafka, the service. */

export type NotifierApp = ServiceApp<typeof CLIENT_NOTIFIER_CONFIG>;

export const PUBLIC_BASE_URL = 'http://notifier.test';
export const CASE_LINK_BASE_URL = 'http://console.test';

export interface ContactInput {
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly language: 'ja' | 'en';
  readonly priority: number;
}

export interface TestContract {
  readonly id: string;
  readonly title: string;
  readonly clientOrgId: string;
  readonly responsibleUserId: string;
  readonly responsibleEmail: string;
  readonly contacts: ReadonlyArray<ContactInput & { readonly id: string }>;
}

/**
 * One test's world: identity's schema (with its real migrations), intake's schema with the case keys
 * (`sealingMigrations`) and a keyring sealing texts as intake does, the notifier's schema name, and a
 * master key shared by the sealer and the service.
 */
export interface World {
  readonly db: DataSource;
  readonly identitySchema: string;
  readonly intakeSchema: string;
  readonly schema: string;
  readonly sealing: { SEALING_MASTER_KEYS: string };
  readonly keyring: CaseKeyring;
  contract(input: { title?: string; contacts: readonly ContactInput[] }): Promise<TestContract>;
  close(): Promise<void>;
}

export async function createWorld(prefix: string): Promise<World> {
  const identitySchema = uniqueName(`${prefix}_identity`);
  const intakeSchema = uniqueName(`${prefix}_intake`);
  const schema = uniqueName(`${prefix}_notifier`);
  const db = await createTestDataSource({ poolSize: 4 });
  const identityDb = await createTestDataSource({
    schema: identitySchema,
    migrations: identityMigrations(identitySchema),
  });
  const intakeDb = await createTestDataSource({
    schema: intakeSchema,
    migrations: sealingMigrations(intakeSchema),
  });
  const sealing = sealingEnv();
  const sealingConfig = loadConfig({ sealing: SealingConfig }, { env: sealing }).sealing;
  const keyring = new CaseKeyring(intakeDb, intakeSchema, sealingConfig);
  const identity = identityFixture(identityDb, identitySchema);
  return {
    db,
    identitySchema,
    intakeSchema,
    schema,
    sealing,
    keyring,
    async contract({ title = `Contract ${randomUUID().slice(0, 6)}`, contacts }) {
      const contractor = await identity.organisation('contractor');
      const clientOrgId = await identity.organisation('client');
      const responsibleEmail = `responsible-${randomUUID().slice(0, 8)}@contractor.test`;
      const responsibleUserId = await identity.user({
        orgId: contractor,
        roles: ['responsible'],
        email: responsibleEmail,
      });
      await identityDb.query(`UPDATE "${identitySchema}".users SET display_name = $2 WHERE id = $1`, [
        responsibleUserId,
        'Sato Responsible',
      ]);
      const id = await identity.contract({ clientOrgId, responsibleUserId, title });
      const withIds = [];
      for (const contact of contacts) {
        const contactId = randomUUID();
        await identityDb.query(
          `INSERT INTO "${identitySchema}".client_contacts (id, contract_id, name, email, phone, language, priority)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            contactId,
            id,
            contact.name,
            contact.email,
            contact.phone ?? null,
            contact.language,
            contact.priority,
          ],
        );
        withIds.push({ ...contact, id: contactId });
      }
      return { id, title, clientOrgId, responsibleUserId, responsibleEmail, contacts: withIds };
    },
    async close() {
      for (const s of [identitySchema, intakeSchema, schema]) await dropSchema(db, s);
      await Promise.allSettled([identityDb.destroy(), intakeDb.destroy()]);
      await db.destroy();
    },
  };
}

/** The environment of a client-notifier instance in a test. */
export function notifierEnv(
  world: World,
  keys: TestKeys,
  options: { serviceName: string; smtpPort: number; env?: Record<string, string> },
): Record<string, string> {
  const { databaseUrl, kafkaBrokers } = testConfig();
  return {
    ...authEnv(keys, world.identitySchema),
    ...world.sealing,
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: world.schema,
    DB_POOL_SIZE: '6',
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    SERVICE_NAME: options.serviceName,
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'test',
    // other tests' events on the shared topics are logged as warnings (unknown contracts): keep quiet
    LOG_LEVEL: 'error',
    HTTP_PORT: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(options.smtpPort),
    SMTP_TLS: 'none',
    SMTP_POOL_SIZE: '3',
    MAIL_FROM: 'Leak Response <noreply@contractor.test>',
    PUBLIC_BASE_URL,
    CASE_LINK_BASE_URL,
    INTAKE_SCHEMA: world.intakeSchema,
    NOTIFIER_POLL_MS: '100',
    FIRST_NOTICE_ASSESSMENT_WAIT_MS: '2000',
    ...options.env,
  };
}

/**
 * Points the service's consumer groups at the current end of their topics, so a test's service handles
 * the events the test publishes and not every event earlier tests left on the shared topics.
 */
export async function startGroupsAtEnd(serviceName: string): Promise<void> {
  await createTopics(consumerGroupsOf(serviceName).map((group) => group.topic));
  const admin = await kafkaAdmin();
  try {
    await startConsumerGroupsAtEnd(admin, serviceName);
  } finally {
    await admin.disconnect();
  }
}

/** Boots client-notifier in this process (its workers and consumers run; `app.init()` starts them). */
export async function startNotifier(
  world: World,
  keys: TestKeys,
  options: {
    serviceName: string;
    smtpPort: number;
    env?: Record<string, string>;
    module?: ClientNotifierModuleOptions;
  },
): Promise<NotifierApp> {
  const service = await createServiceApp(
    ClientNotifierModule.forRoot({ smtp: { ignoreTLS: true }, ...options.module }),
    clientNotifierServiceOptions(notifierEnv(world, keys, options)),
  );
  await service.app.init();
  return service;
}

/** One in-process notifier with its world, keys, SMTP server and Kafka producer: what most tests need. */
export interface NotifierTest {
  readonly world: World;
  readonly keys: TestKeys;
  /** undefined while the test keeps the SMTP server down (`smtpDown`) */
  smtp?: TestSmtpServer;
  readonly smtpPort: number;
  readonly transport: KafkaTransport;
  readonly notifier: NotifierApp;
  close(): Promise<void>;
}

export async function startNotifierTest(
  prefix: string,
  options: { smtpDown?: boolean; env?: Record<string, string>; module?: ClientNotifierModuleOptions } = {},
): Promise<NotifierTest> {
  const world = await createWorld(prefix);
  const keys = await generateTestKeys();
  const smtp = options.smtpDown ? undefined : await startTestSmtpServer();
  const smtpPort = smtp?.port ?? (await freePort());
  const transport = testTransport();
  const serviceName = uniqueName(prefix.replaceAll('_', '-')).replaceAll('_', '-');
  await startGroupsAtEnd(serviceName);
  const notifier = await startNotifier(world, keys, {
    serviceName,
    smtpPort,
    env: options.env,
    module: options.module,
  });
  const context: NotifierTest = {
    world,
    keys,
    smtp,
    smtpPort,
    transport,
    notifier,
    async close() {
      await notifier.app.close();
      await transport.close();
      await context.smtp?.close();
      await world.close();
    },
  };
  return context;
}

/** The texts of a report, as a reporter would type them. */
export interface ReportTexts {
  readonly description: string;
  readonly site?: string;
  readonly system?: string;
  readonly medium?: string;
  readonly route?: string;
  readonly whatHappened?: string;
  readonly howDiscovered?: string;
  readonly measuresTaken?: string;
}

/** Case numbers unique within a test run (a random start, then counting). */
let nextCaseNumber = Math.floor(Math.random() * 500_000);

/** Builds intake's events of one case, sealing the texts with the case key as intake does. */
export class CaseEvents {
  readonly caseId = randomUUID();
  readonly caseNumber = `INC-2026-${String(nextCaseNumber++ % 1_000_000).padStart(6, '0')}`;
  private version = 0;

  constructor(
    private readonly world: World,
    readonly contractId: string,
  ) {}

  async seal(text: string, purpose: string): Promise<SealedTextJson> {
    return sealedToJson(await this.world.keyring.seal(this.caseId, text, purpose));
  }

  async incidentReported(texts: ReportTexts, overrides: Partial<EventJson<'IncidentReported'>> = {}) {
    const P = SEALED_TEXT_PURPOSES.report;
    const sealedIf = (text: string | undefined, purpose: string) =>
      text === undefined ? Promise.resolve(undefined) : this.seal(text, purpose);
    const [description, site, system, medium, route, whatHappened, howDiscovered, measuresTaken] =
      await Promise.all([
        this.seal(texts.description, P.description),
        sealedIf(texts.site, P.place.site),
        sealedIf(texts.system, P.place.system),
        sealedIf(texts.medium, P.place.medium),
        sealedIf(texts.route, P.place.route),
        sealedIf(texts.whatHappened, P.circumstances.whatHappened),
        sealedIf(texts.howDiscovered, P.circumstances.howDiscovered),
        sealedIf(texts.measuresTaken, P.measuresTaken),
      ]);
    const data: EventJson<'IncidentReported'> = {
      contractId: this.contractId,
      caseNumber: this.caseNumber,
      content: { description, dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'] },
      quantity: {
        persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' },
        records: { precision: 'COUNT_PRECISION_UNKNOWN' },
      },
      place: { site, system, medium, route },
      circumstances: { whatHappened, howDiscovered },
      discoveredAt: '2026-11-20T08:30:00Z',
      occurredAt: '2026-11-19T22:00:00Z',
      measuresTaken,
      reporter: { userId: randomUUID(), role: 'reporter' },
      reportedAt: '2026-11-20T09:00:00Z',
      ...overrides,
    };
    return this.message('IncidentReported', data);
  }

  assessment(overrides: Partial<EventJson<'RegulatoryAssessmentMade'>> = {}) {
    return this.message('RegulatoryAssessmentMade', {
      summaryJa: '個人情報保護委員会への報告が必要となる可能性が高い: 1,000人を超える本人',
      summaryEn: 'APPI report to the PPC likely required: more than 1,000 persons',
      ...overrides,
    });
  }

  /** One envelope as intake's relay publishes it: key = case id, the next stream version. */
  message<K extends EventTypeName>(type: K, data: EventJson<K>, eventId = randomUUID()): OutgoingMessage {
    this.version += 1;
    const now = timestampFromDate(new Date());
    const value = encodeEnvelope({
      eventId,
      type: fullTypeNameOf(type),
      caseId: this.caseId,
      streamId: `case-${this.caseId}`,
      streamVersion: this.version,
      occurredAt: now,
      recordedAt: now,
      actor: { id: 'test-reporter', kind: ActorKind.USER, role: 'reporter' },
      correlationId: `corr-${this.caseId}`,
      schemaVersion: 1,
      payload: encodeEvent(type, withoutUndefined(data)),
    });
    return {
      topic: TOPICS.intakeCase,
      key: this.caseId,
      value,
      headers: envelopeHeaders(decodeEnvelope(value)),
    };
  }
}

/** protobuf JSON has no `undefined`: drop absent fields. */
const withoutUndefined = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A Kafka producer for the test's events (the same transport the services use). */
export function testTransport(): KafkaTransport {
  return new KafkaTransport({ brokers: testConfig().kafkaBrokers, clientId: uniqueName('cn_test') });
}

/** A parsed mail's text part, HTML part and the first acknowledgement link in it. */
export function ackLinkOf(mail: ParsedMail): string {
  const match = /http:\/\/notifier\.test\/acknowledgements\/([A-Za-z0-9_.-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('no acknowledgement link in the mail');
  return `/acknowledgements/${match[1]}`;
}

export const to = (mail: { parsed: ParsedMail }) =>
  (Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to])
    .flatMap((address) => address?.value ?? [])
    .map((address) => address.address ?? '');
