import { toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { v5 as uuidv5 } from 'uuid';
import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, type Clock } from '#libs/auth';
import {
  ActorKind,
  decodeEnvelope,
  EnvelopeSchema,
  type EventTopic,
  encodeEnvelope,
  envelopeFromRecorded,
  envelopeHeaders,
  TOPICS,
} from '#libs/contracts';
import { createServiceApp, DatabaseConfig, KafkaConfig, type ServiceApp } from '#libs/platform';
import {
  authEnv,
  createTopics,
  deleteTopics,
  kafkaAdmin,
  type TestKeys,
  testConfig,
  waitFor,
} from '#libs/testing';
import { TimelineConfig } from '../src/timeline.config.js';
import { TimelineModule, timelineModuleWithClock } from '../src/timeline.module.js';

export const TIMELINE_TEST_CONFIG = {
  database: DatabaseConfig,
  kafka: KafkaConfig,
  auth: AuthConfig,
  audit: AccessLogConfig,
  timeline: TimelineConfig,
};

export type TimelineApp = ServiceApp<typeof TIMELINE_TEST_CONFIG>;

/**
 * Topics of one test file, standing in for the system's event topics: the timeline under test consumes
 * them (TIMELINE_SOURCE_TOPICS), so a test's events neither reach nor wait behind other tests'.
 */
export class TestTopics {
  readonly map: Readonly<Record<EventTopic, string>>;

  constructor(prefix: string, keepReal: readonly EventTopic[] = []) {
    this.map = Object.fromEntries(
      Object.values(TOPICS).map((topic) => [topic, keepReal.includes(topic) ? topic : `${prefix}.${topic}`]),
    ) as Record<EventTopic, string>;
  }

  get all(): string[] {
    return Object.values(this.map);
  }

  /** Creates the topics and waits until every broker answers for their partitions. */
  async create(): Promise<void> {
    await createTopics(this.all);
    const admin = await kafkaAdmin();
    try {
      for (const topic of this.all) {
        await waitFor(async () => (await admin.fetchTopicOffsets(topic)).length > 0, {
          timeoutMs: 30_000,
          message: `topic ${topic} served`,
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async delete(): Promise<void> {
    await deleteTopics(this.all.filter((topic) => !(Object.values(TOPICS) as string[]).includes(topic)));
  }
}

/** A timeline service on its own schema and consumer group, initialised (workers running). */
export async function startTimeline(
  schema: string,
  keys: TestKeys,
  topics: TestTopics,
  options: { clock?: Clock; env?: Record<string, string> } = {},
): Promise<TimelineApp> {
  await topics.create();
  const { databaseUrl, kafkaBrokers } = testConfig();
  const service = await createServiceApp(
    options.clock ? timelineModuleWithClock(options.clock) : TimelineModule,
    {
      name: 'timeline',
      config: TIMELINE_TEST_CONFIG,
      env: {
        ...authEnv(keys),
        DATABASE_URL: databaseUrl,
        DB_SCHEMA: schema,
        DB_POOL_SIZE: '6',
        KAFKA_BROKERS: kafkaBrokers.join(','),
        SERVICE_NAME: schema.replaceAll('_', '-'),
        DATA_RESIDENCY_REGION: 'jp',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HTTP_PORT: '0',
        TIMELINE_AUDIT_SOURCE_SCHEMAS: schema,
        TIMELINE_SOURCE_TOPICS: topics.all.join(','),
        ...options.env,
      },
    },
  );
  await service.app.init();
  return service;
}

/** A clock the test moves. */
export class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
}

/** One event as a producer would publish it. */
export interface ScriptEvent {
  eventId: string;
  type: string;
  /** registered short types are encoded with the contracts; others are sent with their full name only */
  fullType?: string;
  topic: EventTopic;
  streamId: string;
  streamVersion: number;
  occurredAt: string;
  actor: { id: string; kind: 'user' | 'token' | 'system'; role?: string };
  data: Record<string, unknown>;
}

export function encodeScriptEvent(caseId: string, event: ScriptEvent): Buffer {
  if (event.fullType) {
    return Buffer.from(
      encodeEnvelope({
        eventId: event.eventId,
        type: event.fullType,
        caseId,
        streamId: event.streamId,
        streamVersion: event.streamVersion,
        occurredAt: timestampFromDate(new Date(event.occurredAt)),
        recordedAt: timestampFromDate(new Date(event.occurredAt)),
        actor: { id: event.actor.id, kind: ActorKind.SYSTEM, role: '' },
        schemaVersion: 1,
        payload: new Uint8Array(),
      }),
    );
  }
  return Buffer.from(
    toBinary(
      EnvelopeSchema,
      envelopeFromRecorded({
        eventId: event.eventId,
        streamId: event.streamId,
        streamVersion: event.streamVersion,
        type: event.type,
        data: event.data,
        metadata: { caseId, occurredAt: event.occurredAt, actor: event.actor, schemaVersion: 1 },
        recordedAt: event.occurredAt,
      }),
    ),
  );
}

let producer: Producer | undefined;

/** Publishes the events (in the order given) keyed by case id, each once per `copies`. */
export async function publish(
  topics: TestTopics,
  caseId: string,
  events: readonly ScriptEvent[],
  copies = 1,
): Promise<void> {
  if (!producer) {
    const kafka = new Kafka({
      clientId: 'timeline-tests',
      brokers: testConfig().kafkaBrokers,
      logLevel: logLevel.WARN,
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }
  for (const event of events) {
    const value = encodeScriptEvent(caseId, event);
    const headers = event.fullType
      ? { 'event-id': event.eventId, 'event-type': event.fullType }
      : envelopeHeaders(decodeEnvelope(value));
    for (let copy = 0; copy < copies; copy++) {
      await producer.send({ topic: topics.map[event.topic], messages: [{ key: caseId, value, headers }] });
    }
  }
}

export async function closeProducer(): Promise<void> {
  await producer?.disconnect();
  producer = undefined;
}

const sealed = (label: string) => ({
  ciphertext: Buffer.from(`sealed:${label}`).toString('base64'),
  keyId: 'test-key',
});

/**
 * A case's events from every producer, in the order they happened, with ids derived from the case id
 * and a label (so two cases built with the same parameters differ only by those ids).
 */
export class CaseScript {
  readonly events: ScriptEvent[] = [];
  readonly ids = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private time: number;

  constructor(
    readonly caseId: string,
    readonly contractId: string,
    readonly start: Date,
  ) {
    this.time = start.getTime();
  }

  id(label: string): string {
    let found = this.ids.get(label);
    if (!found) {
      found = uuidv5(label, this.caseId);
      this.ids.set(label, found);
    }
    return found;
  }

  /** The clock of the script: each event one minute after the previous one unless told. */
  at(ms?: number): string {
    if (ms !== undefined) this.time = ms;
    else this.time += 60_000;
    return new Date(this.time).toISOString();
  }

  add(
    type: string,
    data: Record<string, unknown>,
    options: {
      topic?: EventTopic;
      stream?: string;
      fullType?: string;
      actor?: ScriptEvent['actor'];
      at?: string;
    } = {},
  ): ScriptEvent {
    const topic = options.topic ?? TOPICS.intakeCase;
    const streamId = options.stream ?? `case-${this.caseId}`;
    const version = (this.versions.get(streamId) ?? 0) + 1;
    this.versions.set(streamId, version);
    const event: ScriptEvent = {
      eventId: this.id(`event-${this.events.length}`),
      type,
      ...(options.fullType ? { fullType: options.fullType } : {}),
      topic,
      streamId,
      streamVersion: version,
      occurredAt: options.at ?? this.at(),
      actor: options.actor ?? { id: this.id('reporter'), kind: 'user', role: 'responder' },
      data,
    };
    this.events.push(event);
    return event;
  }

  report(options: { discoveredAt?: string; improper?: string; appi?: string; gdpr?: string } = {}): this {
    this.add('IncidentReported', {
      contractId: this.contractId,
      caseNumber: `INC-2026-${this.caseId.slice(0, 6)}`,
      content: { description: sealed('description'), dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'] },
      discoveredAt: options.discoveredAt ?? new Date(this.start.getTime() - 3_600_000).toISOString(),
      improperPurposeSuspected: options.improper ?? 'TRI_STATE_UNKNOWN',
      euPersonsPossiblyAffected: 'TRI_STATE_YES',
      reporter: { userId: this.id('reporter'), role: 'responder' },
      reportedAt: new Date(this.time + 60_000).toISOString(),
    });
    return this.assessment(options.appi ?? 'APPLICABILITY_YES', options.gdpr ?? 'APPLICABILITY_POSSIBLY');
  }

  assessment(appi: string, gdpr: string): this {
    this.add('RegulatoryAssessmentMade', {
      regimes: [
        { regime: 'REGIME_APPI_PRIVATE_SECTOR', applies: appi },
        { regime: 'REGIME_GDPR', applies: gdpr },
        { regime: 'REGIME_PROCESSOR_DUTY', applies: 'APPLICABILITY_YES' },
      ],
      clientKind: 'CLIENT_KIND_UNKNOWN',
      summaryEn: 'APPI report to the PPC likely required',
      summaryJa: '個人情報保護委員会への報告が必要となる可能性',
    });
    return this;
  }

  private client(type: string, data: Record<string, unknown>, at?: string): ScriptEvent {
    return this.add(
      type,
      { contractId: this.contractId, ...data },
      {
        topic: TOPICS.clientNotifierCorrespondence,
        stream: `correspondence-${this.caseId}`,
        actor: { id: 'system:client-notifier', kind: 'system' },
        ...(at ? { at } : {}),
      },
    );
  }

  firstNotice(contact: number, at?: string): ScriptEvent {
    const sentAt = at ?? this.at();
    return this.client(
      'ClientNotificationSent',
      {
        notificationId: this.id(`notification-${contact}`),
        kind: 'NOTIFICATION_KIND_FIRST_NOTICE',
        recipient: { kind: 'RECIPIENT_KIND_CLIENT_CONTACT', id: this.id(`contact-${contact}`) },
        messageId: `<${this.id(`message-${contact}`)}@example.jp>`,
        sentAt,
        attempts: 1,
      },
      sentAt,
    );
  }

  acknowledged(at?: string): ScriptEvent {
    const when = at ?? this.at();
    return this.client(
      'ClientAcknowledged',
      { channel: 'ACKNOWLEDGEMENT_CHANNEL_LINK', acknowledgedBy: this.id('contact-0'), acknowledgedAt: when },
      when,
    );
  }

  /** `n` of every kind of event (one report), ending with the closure. */
  everyKind(n: number): this {
    this.report();
    for (let i = 0; i < n; i++) this.firstNotice(i);
    for (let i = 0; i < n; i++) this.acknowledged();
    const officer = { id: this.id('officer'), kind: 'user' as const, role: 'client_officer' };
    for (let i = 0; i < n; i++) {
      const instructionId = this.id(`instruction-${i}`);
      const measureId = this.id(`measure-${i}`);
      this.add('MeasureRecorded', { measureId, description: sealed(`measure ${i}`) });
      this.add(
        'InstructionIssued',
        {
          instructionId,
          kind: i % 3 === 0 ? 'INSTRUCTION_KIND_NOTIFY_SUBJECTS' : 'INSTRUCTION_KIND_CONTAIN',
          dueAt: new Date(this.time + 3 * 86_400_000).toISOString(),
          text: sealed(`instruction ${i}`),
          issuedBy: { userId: officer.id, role: 'client_officer' },
        },
        { actor: officer },
      );
      this.add('InstructionAcknowledged', { instructionId });
      this.add('InstructionProgressReported', { instructionId, note: sealed('progress') });
      this.add('InstructionCompleted', { instructionId, evidenceNote: sealed('evidence') });
      this.add(
        'InstructionReopened',
        {
          instructionId,
          reason: sealed('again'),
          reopenedBy: { userId: officer.id, role: 'client_officer' },
        },
        { actor: officer },
      );
      this.add('InstructionCompleted', { instructionId, evidenceNote: sealed('evidence 2') });
      this.add(
        'InstructionConfirmed',
        { instructionId, confirmedBy: { userId: officer.id, role: 'client_officer' } },
        { actor: officer },
      );
      this.add('MeasureCompleted', { measureId, resultNote: sealed('done') });
      this.add('ReportAmended', {
        changedItems: ['REPORT_ITEM_PERSONS'],
        quantity: { persons: { precision: 'COUNT_PRECISION_AT_LEAST', value: String(1000 + i) } },
        improperPurposeSuspected: i === n - 1 ? 'TRI_STATE_YES' : 'TRI_STATE_UNSPECIFIED',
        amendedAt: new Date(this.time).toISOString(),
      });
      this.assessment(i % 2 === 0 ? 'APPLICABILITY_YES' : 'APPLICABILITY_POSSIBLY', 'APPLICABILITY_POSSIBLY');
      this.add('CauseIdentified', { cause: sealed('cause'), causedByProcessor: 'TRI_STATE_YES' });
      this.client('ClientReminderSent', {
        reminderNumber: i + 1,
        contactIds: [this.id('contact-0')],
        sentAt: this.at(),
      });
      this.client('ClientEscalated', {
        contactIds: [this.id('contact-1')],
        responsibleUserId: this.id('responsible'),
        escalatedAt: this.at(),
      });
      this.client('ClientNotificationFailed', {
        notificationId: this.id(`failed-${i}`),
        kind: 'NOTIFICATION_KIND_UPDATE',
        recipient: { kind: 'RECIPIENT_KIND_CLIENT_CONTACT', id: this.id('contact-2') },
        smtpCode: 550,
        reason: 'mailbox unavailable',
        failedAt: this.at(),
        attempts: 1,
      });
      const clock = {
        topic: TOPICS.timelineClock,
        stream: `clocks-${this.caseId}`,
        actor: { id: 'system:timeline-scheduler', kind: 'system' as const },
      };
      this.add(
        'DeadlineApproaching',
        {
          contractId: this.contractId,
          clock: 'CLOCK_KIND_APPI_FINAL',
          dueAt: '2026-12-31T14:59:59.999Z',
          leadSeconds: '86400',
          detectedAt: this.at(),
        },
        clock,
      );
      this.add(
        'DeadlineMissed',
        {
          contractId: this.contractId,
          clock: 'CLOCK_KIND_INSTRUCTION_DUE',
          subjectId: instructionId,
          dueAt: this.at(),
          detectedAt: this.at(),
        },
        clock,
      );
      const system = { id: 'system:future-service', kind: 'system' as const };
      this.add(
        'NoticeCampaignCompleted',
        {},
        {
          topic: TOPICS.subjectNotifierCampaign,
          stream: `campaign-${this.caseId}`,
          fullType: 'leakresponse.subjectnotifier.v1.NoticeCampaignCompleted',
          actor: system,
        },
      );
      this.add(
        'StatementApproved',
        {},
        {
          topic: TOPICS.publisherStatement,
          stream: `statement-${this.caseId}`,
          fullType: 'leakresponse.publisher.v1.StatementApproved',
          actor: system,
        },
      );
      this.add(
        'StatementPublished',
        {},
        {
          topic: TOPICS.publisherStatement,
          stream: `statement-${this.caseId}`,
          fullType: 'leakresponse.publisher.v1.StatementPublished',
          actor: system,
        },
      );
      const submittedAt = this.at();
      this.add(
        'RegulatorReportSubmitted',
        {
          reportId: this.id(`report-${i}`),
          contractId: this.contractId,
          kind: [
            'REGULATOR_REPORT_KIND_PPC_PRELIMINARY',
            'REGULATOR_REPORT_KIND_GDPR_ART33',
            'REGULATOR_REPORT_KIND_PPC_FINAL',
          ][i % 3],
          submittedAt,
          referenceNumber: `PPC-${i}`,
        },
        {
          topic: TOPICS.publisherStatement,
          stream: `statement-${this.caseId}`,
          actor: officer,
          at: submittedAt,
        },
      );
    }
    this.add(
      'CaseClosed',
      { closedBy: { userId: this.id('responsible'), role: 'responsible' } },
      { actor: { id: this.id('responsible'), kind: 'user', role: 'responsible' } },
    );
    return this;
  }

  /** The text with every id of this script replaced by its label (to compare two scripts' results). */
  normalise(text: string): string {
    let out = text.replaceAll(this.caseId, '<case>');
    for (const [label, id] of this.ids) out = out.replaceAll(id, `<${label}>`);
    // summaries quote ids by their first 8 characters
    for (const [label, id] of this.ids) out = out.replaceAll(id.slice(0, 8), `<${label}>`);
    return out.replace(/INC-2026-[0-9a-f]{6}/g, 'INC-2026-<n>');
  }
}

/** A deterministic shuffle (mulberry32), so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
