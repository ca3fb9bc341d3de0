import type { DescMessage, MessageJsonType, MessageShape } from '@bufbuild/protobuf';
import { AccessAnomalyDetectedSchema } from './gen/leakresponse/audit/v1/events_pb.js';
import {
  ClientAcknowledgedSchema,
  ClientEscalatedSchema,
  ClientNotificationFailedSchema,
  ClientNotificationSentSchema,
  ClientReminderSentSchema,
} from './gen/leakresponse/clientnotifier/v1/events_pb.js';
import {
  CaseClosedSchema,
  CauseIdentifiedSchema,
  IncidentReportedSchema,
  InstructionAcknowledgedSchema,
  InstructionCompletedSchema,
  InstructionConfirmedSchema,
  InstructionIssuedSchema,
  InstructionProgressReportedSchema,
  InstructionReopenedSchema,
  MeasureCompletedSchema,
  MeasureRecordedSchema,
  RegulatoryAssessmentMadeSchema,
  ReportAmendedSchema,
} from './gen/leakresponse/intake/v1/events_pb.js';
import {
  ChangesRequestedSchema,
  ConsultationRequestedSchema,
  NoticeTemplateApprovedSchema,
  RegulatorReportDraftedSchema,
  RegulatorReportSubmittedSchema,
  StatementApprovedSchema,
  StatementDraftedSchema,
  StatementPublishedSchema,
  StatementRevisedSchema,
} from './gen/leakresponse/publisher/v1/events_pb.js';
import {
  NoticeCampaignCancelledSchema,
  NoticeCampaignCompletedSchema,
  NoticeCampaignPausedSchema,
  NoticeCampaignProgressedSchema,
  NoticeCampaignResumedSchema,
  NoticeCampaignStartedSchema,
  PublicNoticePostedSchema,
  SubjectsErasedSchema,
  SubjectsImportedSchema,
} from './gen/leakresponse/subjectnotifier/v1/events_pb.js';
import { DeadlineApproachingSchema, DeadlineMissedSchema } from './gen/leakresponse/timeline/v1/events_pb.js';
import { type EventTopic, TOPICS } from './topics.js';

/** What the system knows about one event type. */
export interface EventRegistration {
  /** the generated message schema of the event's data */
  readonly schema: DescMessage;
  /** the topic the event is published on (its producing aggregate's topic) */
  readonly topic: EventTopic;
  /** version of the event's data schema (the major version of its proto package) */
  readonly schemaVersion: number;
}

/**
 * Every event type of the system, keyed by its short name: the message name in `proto/`, which is also
 * the `type` the deciders emit and the event store keeps. Short names are unique across domains; the
 * wire carries the fully-qualified name (`schema.typeName`). To add an event, see docs/contracts.md.
 */
export const EVENT_REGISTRY = {
  IncidentReported: { schema: IncidentReportedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  ReportAmended: { schema: ReportAmendedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  RegulatoryAssessmentMade: {
    schema: RegulatoryAssessmentMadeSchema,
    topic: TOPICS.intakeCase,
    schemaVersion: 1,
  },
  MeasureRecorded: { schema: MeasureRecordedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  MeasureCompleted: { schema: MeasureCompletedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  InstructionIssued: { schema: InstructionIssuedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  InstructionAcknowledged: {
    schema: InstructionAcknowledgedSchema,
    topic: TOPICS.intakeCase,
    schemaVersion: 1,
  },
  InstructionProgressReported: {
    schema: InstructionProgressReportedSchema,
    topic: TOPICS.intakeCase,
    schemaVersion: 1,
  },
  InstructionCompleted: { schema: InstructionCompletedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  InstructionConfirmed: { schema: InstructionConfirmedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  InstructionReopened: { schema: InstructionReopenedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  CauseIdentified: { schema: CauseIdentifiedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  CaseClosed: { schema: CaseClosedSchema, topic: TOPICS.intakeCase, schemaVersion: 1 },
  AccessAnomalyDetected: { schema: AccessAnomalyDetectedSchema, topic: TOPICS.auditAccess, schemaVersion: 1 },
  ClientNotificationSent: {
    schema: ClientNotificationSentSchema,
    topic: TOPICS.clientNotifierCorrespondence,
    schemaVersion: 1,
  },
  ClientNotificationFailed: {
    schema: ClientNotificationFailedSchema,
    topic: TOPICS.clientNotifierCorrespondence,
    schemaVersion: 1,
  },
  ClientAcknowledged: {
    schema: ClientAcknowledgedSchema,
    topic: TOPICS.clientNotifierCorrespondence,
    schemaVersion: 1,
  },
  ClientReminderSent: {
    schema: ClientReminderSentSchema,
    topic: TOPICS.clientNotifierCorrespondence,
    schemaVersion: 1,
  },
  ClientEscalated: {
    schema: ClientEscalatedSchema,
    topic: TOPICS.clientNotifierCorrespondence,
    schemaVersion: 1,
  },
  StatementDrafted: { schema: StatementDraftedSchema, topic: TOPICS.publisherStatement, schemaVersion: 1 },
  StatementRevised: { schema: StatementRevisedSchema, topic: TOPICS.publisherStatement, schemaVersion: 1 },
  ConsultationRequested: {
    schema: ConsultationRequestedSchema,
    topic: TOPICS.publisherStatement,
    schemaVersion: 1,
  },
  StatementApproved: { schema: StatementApprovedSchema, topic: TOPICS.publisherStatement, schemaVersion: 1 },
  NoticeTemplateApproved: {
    schema: NoticeTemplateApprovedSchema,
    topic: TOPICS.publisherStatement,
    schemaVersion: 1,
  },
  ChangesRequested: { schema: ChangesRequestedSchema, topic: TOPICS.publisherStatement, schemaVersion: 1 },
  StatementPublished: {
    schema: StatementPublishedSchema,
    topic: TOPICS.publisherStatement,
    schemaVersion: 1,
  },
  RegulatorReportDrafted: {
    schema: RegulatorReportDraftedSchema,
    topic: TOPICS.publisherStatement,
    schemaVersion: 1,
  },
  RegulatorReportSubmitted: {
    schema: RegulatorReportSubmittedSchema,
    topic: TOPICS.publisherStatement,
    schemaVersion: 1,
  },
  SubjectsImported: {
    schema: SubjectsImportedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignStarted: {
    schema: NoticeCampaignStartedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignProgressed: {
    schema: NoticeCampaignProgressedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignCompleted: {
    schema: NoticeCampaignCompletedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignPaused: {
    schema: NoticeCampaignPausedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignResumed: {
    schema: NoticeCampaignResumedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  NoticeCampaignCancelled: {
    schema: NoticeCampaignCancelledSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  PublicNoticePosted: {
    schema: PublicNoticePostedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  SubjectsErased: {
    schema: SubjectsErasedSchema,
    topic: TOPICS.subjectNotifierCampaign,
    schemaVersion: 1,
  },
  DeadlineApproaching: { schema: DeadlineApproachingSchema, topic: TOPICS.timelineClock, schemaVersion: 1 },
  DeadlineMissed: { schema: DeadlineMissedSchema, topic: TOPICS.timelineClock, schemaVersion: 1 },
} as const satisfies Record<string, EventRegistration>;

type Registry = typeof EVENT_REGISTRY;

/** The short name of a registered event type, e.g. `'IncidentReported'`. */
export type EventTypeName = keyof Registry;

/** The generated schema of an event type. */
export type EventSchema<K extends EventTypeName> = Registry[K]['schema'];

/** The typed message of an event type's data (what `decodeEvent` returns). */
export type EventData<K extends EventTypeName> = MessageShape<EventSchema<K>>;

/** The protobuf JSON form of an event type's data (what the event store keeps in jsonb). */
export type EventJson<K extends EventTypeName> = MessageJsonType<EventSchema<K>>;

/** All registered short names. */
export const EVENT_TYPE_NAMES: readonly EventTypeName[] = Object.freeze(
  Object.keys(EVENT_REGISTRY) as EventTypeName[],
);

/** Schema version per event type (1 for all so far). */
export const SCHEMA_VERSION: { readonly [K in EventTypeName]: Registry[K]['schemaVersion'] } = Object.freeze(
  Object.fromEntries(EVENT_TYPE_NAMES.map((type) => [type, EVENT_REGISTRY[type].schemaVersion])) as {
    [K in EventTypeName]: Registry[K]['schemaVersion'];
  },
);

const typeByFullName: ReadonlyMap<string, EventTypeName> = indexByFullName();

function indexByFullName(): Map<string, EventTypeName> {
  const index = new Map<string, EventTypeName>();
  for (const type of EVENT_TYPE_NAMES) {
    const schema: DescMessage = EVENT_REGISTRY[type].schema;
    // The key must be the message's own name so the store's `type` and the proto cannot drift apart.
    if (schema.name !== type) {
      throw new Error(`event registry key '${type}' does not match its message name '${schema.typeName}'`);
    }
    index.set(schema.typeName, type);
  }
  return index;
}

export function isEventTypeName(value: string): value is EventTypeName {
  return Object.hasOwn(EVENT_REGISTRY, value);
}

/** The registration of a registered short name, or `undefined`. */
export function registrationOf(type: string): EventRegistration | undefined {
  return isEventTypeName(type) ? EVENT_REGISTRY[type] : undefined;
}

/** The fully-qualified protobuf name carried in `Envelope.type`, e.g. `leakresponse.intake.v1.IncidentReported`. */
export function fullTypeNameOf(type: EventTypeName): string {
  return EVENT_REGISTRY[type].schema.typeName;
}

/** The short name of a fully-qualified protobuf name, or `undefined` when it is not registered. */
export function eventTypeOfFullName(fullName: string): EventTypeName | undefined {
  return typeByFullName.get(fullName);
}

/** The topic an event type is published on. */
export function topicFor(type: EventTypeName): EventTopic {
  return EVENT_REGISTRY[type].topic;
}
