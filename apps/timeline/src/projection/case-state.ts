import type { Applicability } from '../clocks/index.js';

/**
 * The case's state folded from its history: a pure left fold over the case's events in a fixed order
 * (occurred-at, then stream id, stream version, event id). The order depends only on the events, never
 * on when or how often they arrived, so duplicates and any delivery order give the same state. The
 * state is plain JSON (instants as ISO strings) so it can be stored and folded further later.
 */

/** One event of a case as the timeline keeps it (a row of `case_history`). */
export interface HistoryEvent {
  eventId: string;
  /** short type name (`IncidentReported`); for a type this build does not know, the message name */
  type: string;
  streamId: string;
  streamVersion: number;
  /** ISO 8601 (milliseconds, UTC) */
  occurredAt: string;
  recordedAt: string;
  actor: { id: string; kind: string; role?: string };
  sourceTopic: string;
  /** protobuf JSON form; `{}` when the type was not known to this build */
  data: Record<string, unknown>;
}

/** Where an event sits in the fold order. */
export interface FoldPosition {
  occurredAt: string;
  streamId: string;
  streamVersion: number;
  eventId: string;
}

/** The fold order: occurred-at, then stream id, stream version, event id (code-unit string order). */
export function compareFoldPosition(a: FoldPosition, b: FoldPosition): number {
  return (
    compareText(a.occurredAt, b.occurredAt) ||
    compareText(a.streamId, b.streamId) ||
    a.streamVersion - b.streamVersion ||
    compareText(a.eventId, b.eventId)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const positionOf = (event: HistoryEvent): FoldPosition => ({
  occurredAt: event.occurredAt,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  eventId: event.eventId,
});

/** The stages of a case (DOMAIN.md), in their usual order. */
export const STAGES = [
  'reported',
  'client_notified',
  'acknowledged',
  'instructed',
  'contained',
  'subjects_notified',
  'statement_agreed',
  'published',
  'closed',
] as const;
export type StageId = (typeof STAGES)[number];

export const STAGE_LABELS: Readonly<Record<StageId, { en: string; ja: string }>> = {
  reported: { en: 'Reported', ja: '報告' },
  client_notified: { en: 'Client notified', ja: '委託元へ通知' },
  acknowledged: { en: 'Acknowledged', ja: '受領確認' },
  instructed: { en: 'Instructed', ja: '指示' },
  contained: { en: 'Contained', ja: '被害拡大防止' },
  subjects_notified: { en: 'Subjects notified', ja: '本人通知' },
  statement_agreed: { en: 'Statement agreed', ja: '公表文合意' },
  published: { en: 'Published', ja: '公表' },
  closed: { en: 'Closed', ja: '終結' },
};

/**
 * The events that make a stage true, by type name: the first one in fold order wins. One table, so the
 * stages of services whose contracts do not exist yet (subject-notifier, publisher) light up as soon as
 * their events arrive (an event of a type this build does not know is kept under its message name).
 * `contained` is not here: it is true while every recorded measure is completed.
 */
export const STAGE_EVENT_TYPES: Readonly<
  Record<string, { stage: Exclude<StageId, 'contained'>; when?: (data: Record<string, unknown>) => boolean }>
> = {
  IncidentReported: { stage: 'reported' },
  ClientNotificationSent: {
    stage: 'client_notified',
    when: (data) => data.kind === 'NOTIFICATION_KIND_FIRST_NOTICE',
  },
  ClientAcknowledged: { stage: 'acknowledged' },
  InstructionIssued: { stage: 'instructed' },
  NoticeCampaignCompleted: { stage: 'subjects_notified' },
  PublicNoticePosted: { stage: 'subjects_notified' },
  StatementApproved: { stage: 'statement_agreed' },
  StatementPublished: { stage: 'published' },
  CaseClosed: { stage: 'closed' },
};

/** A fact with the time it became true and the event that made it so. */
export interface Mark {
  at: string;
  eventId: string;
}

export type InstructionStatus = 'issued' | 'acknowledged' | 'in_progress' | 'completed' | 'confirmed';

export interface InstructionState {
  instructionId: string;
  /** `contain`, `notify_subjects`, … */
  kind: string;
  issued: Mark;
  issuedBy?: string;
  dueAt?: string;
  status: InstructionStatus;
  /** the completion that currently stands (cleared when the client reopens it) */
  completed?: Mark;
  confirmed?: Mark;
  reopened: number;
}

export interface MeasureState {
  measureId: string;
  recorded: Mark;
  completed?: Mark;
}

export interface AssessmentState {
  eventId: string;
  at: string;
  summaryEn: string;
  summaryJa: string;
  appi: Applicability;
  gdpr: Applicability;
  /** when APPI (GDPR) last came to apply after not applying; absent: since discovery */
  appiSince?: string;
  gdprSince?: string;
}

export interface CaseState {
  caseId: string;
  /** the last event folded in */
  last?: FoldPosition;
  eventCount: number;
  lastEventAt?: string;
  contractId?: string;
  caseNumber?: string;
  discoveredAt?: string;
  improperPurpose: 'yes' | 'no' | 'unknown';
  assessment?: AssessmentState;
  stages: Partial<Record<StageId, Mark>>;
  instructions: Record<string, InstructionState>;
  measures: Record<string, MeasureState>;
  correspondence: { notices: number; reminders: number; escalations: number; failures: number };
  alerts: { approaching: number; missed: number };
  /**
   * Reports submitted to a regulator or the controller (publisher's `RegulatorReportSubmitted`), the
   * first of each kind: `ppc_preliminary`, `ppc_final`, `gdpr_art33`, `processor_notice`.
   */
  submissions?: Partial<Record<string, Mark>>;
}

export function initialCaseState(caseId: string): CaseState {
  return {
    caseId,
    eventCount: 0,
    improperPurpose: 'unknown',
    stages: {},
    instructions: {},
    measures: {},
    correspondence: { notices: 0, reminders: 0, escalations: 0, failures: 0 },
    alerts: { approaching: 0, missed: 0 },
  };
}

/** Folds the events (any order, duplicates allowed) from the initial state. */
export function foldCase(caseId: string, events: readonly HistoryEvent[]): CaseState {
  const seen = new Set<string>();
  const unique = events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId));
  unique.sort((a, b) => compareFoldPosition(positionOf(a), positionOf(b)));
  const state = initialCaseState(caseId);
  for (const event of unique) applyEvent(state, event);
  return state;
}

/** Applies one event that sorts after every event folded so far. Pure: returns a new state. */
export function evolveCase(previous: CaseState, event: HistoryEvent): CaseState {
  const state = structuredClone(previous);
  applyEvent(state, event);
  return state;
}

/** True when the event comes after everything folded so far (it can be applied with `evolveCase`). */
export function foldsAfter(state: CaseState, event: HistoryEvent): boolean {
  return state.last === undefined || compareFoldPosition(state.last, positionOf(event)) < 0;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const enumTail = (value: unknown, prefix: string): string | undefined => {
  const name = text(value);
  return name?.startsWith(prefix) ? name.slice(prefix.length).toLowerCase() : undefined;
};
const triState = (value: unknown): 'yes' | 'no' | 'unknown' | undefined => {
  const tail = enumTail(value, 'TRI_STATE_');
  return tail === 'yes' || tail === 'no' || tail === 'unknown' ? tail : undefined;
};

/** The fold step, in place (the fold owns its working state). */
function applyEvent(state: CaseState, event: HistoryEvent): void {
  state.last = positionOf(event);
  state.eventCount += 1;
  state.lastEventAt = event.occurredAt;
  const data = event.data ?? {};
  const mark: Mark = { at: event.occurredAt, eventId: event.eventId };
  const contractId = text(data.contractId);
  if (contractId && (state.contractId === undefined || event.type === 'IncidentReported')) {
    state.contractId = contractId;
  }

  switch (event.type) {
    case 'IncidentReported': {
      state.caseNumber = text(data.caseNumber) ?? state.caseNumber;
      state.discoveredAt = isoOf(data.discoveredAt) ?? state.discoveredAt;
      state.improperPurpose = triState(data.improperPurposeSuspected) ?? 'unknown';
      mark.at = isoOf(data.reportedAt) ?? event.occurredAt;
      break;
    }
    case 'ReportAmended': {
      const improper = triState(data.improperPurposeSuspected);
      if (improper) state.improperPurpose = improper;
      break;
    }
    case 'RegulatoryAssessmentMade':
      state.assessment = assessmentOf(state.assessment, data, mark);
      break;
    case 'InstructionIssued': {
      const id = text(data.instructionId);
      if (id && !state.instructions[id]) {
        const issuedBy = text((data.issuedBy as Record<string, unknown> | undefined)?.userId);
        const dueAt = isoOf(data.dueAt);
        state.instructions[id] = {
          instructionId: id,
          kind: enumTail(data.kind, 'INSTRUCTION_KIND_') ?? 'other',
          issued: mark,
          ...(issuedBy ? { issuedBy } : {}),
          ...(dueAt ? { dueAt } : {}),
          status: 'issued',
          reopened: 0,
        };
      }
      break;
    }
    case 'InstructionAcknowledged':
    case 'InstructionProgressReported':
    case 'InstructionCompleted':
    case 'InstructionConfirmed':
    case 'InstructionReopened':
      applyInstructionStep(state, event.type, text(data.instructionId), mark);
      break;
    case 'MeasureRecorded': {
      const id = text(data.measureId);
      if (id && !state.measures[id]) state.measures[id] = { measureId: id, recorded: mark };
      break;
    }
    case 'MeasureCompleted': {
      const measure = state.measures[text(data.measureId) ?? ''];
      if (measure && !measure.completed) measure.completed = mark;
      break;
    }
    case 'ClientNotificationSent':
      state.correspondence.notices += 1;
      mark.at = isoOf(data.sentAt) ?? event.occurredAt;
      break;
    case 'ClientAcknowledged':
      mark.at = isoOf(data.acknowledgedAt) ?? event.occurredAt;
      break;
    case 'ClientReminderSent':
      state.correspondence.reminders += 1;
      break;
    case 'ClientEscalated':
      state.correspondence.escalations += 1;
      break;
    case 'ClientNotificationFailed':
      state.correspondence.failures += 1;
      break;
    case 'DeadlineApproaching':
      state.alerts.approaching += 1;
      break;
    case 'DeadlineMissed':
      state.alerts.missed += 1;
      break;
    case 'RegulatorReportSubmitted': {
      const kind = enumTail(data.kind, 'REGULATOR_REPORT_KIND_');
      state.submissions ??= {};
      if (kind && !state.submissions[kind]) {
        state.submissions[kind] = { at: isoOf(data.submittedAt) ?? event.occurredAt, eventId: event.eventId };
      }
      break;
    }
    default:
      break;
  }

  const trigger = STAGE_EVENT_TYPES[event.type];
  if (trigger && !state.stages[trigger.stage] && (trigger.when?.(data) ?? true)) {
    state.stages[trigger.stage] = mark;
  }
  if (event.type === 'MeasureRecorded' || event.type === 'MeasureCompleted') {
    const measures = Object.values(state.measures);
    const contained = measures.length > 0 && measures.every((measure) => measure.completed);
    if (!contained) delete state.stages.contained;
    else if (!state.stages.contained) state.stages.contained = mark;
  }
}

function applyInstructionStep(state: CaseState, type: string, id: string | undefined, mark: Mark): void {
  const instruction = id ? state.instructions[id] : undefined;
  if (!instruction) return;
  switch (type) {
    case 'InstructionAcknowledged':
      if (instruction.status === 'issued') instruction.status = 'acknowledged';
      break;
    case 'InstructionProgressReported':
      if (instruction.status === 'issued' || instruction.status === 'acknowledged') {
        instruction.status = 'in_progress';
      }
      break;
    case 'InstructionCompleted':
      instruction.status = 'completed';
      instruction.completed = mark;
      delete instruction.confirmed;
      break;
    case 'InstructionConfirmed':
      instruction.status = 'confirmed';
      instruction.confirmed = mark;
      break;
    case 'InstructionReopened':
      instruction.status = 'in_progress';
      instruction.reopened += 1;
      delete instruction.completed;
      delete instruction.confirmed;
      break;
  }
}

const APPI_REGIMES = new Set(['appi_private_sector', 'appi_public_body', 'my_number']);
const STRENGTH: Record<Applicability, number> = { no: 0, possibly: 1, yes: 2 };

function assessmentOf(
  previous: AssessmentState | undefined,
  data: Record<string, unknown>,
  mark: Mark,
): AssessmentState {
  const regimes = Array.isArray(data.regimes) ? (data.regimes as Record<string, unknown>[]) : [];
  let appi: Applicability = 'no';
  let gdpr: Applicability = 'no';
  for (const entry of regimes) {
    const regime = enumTail(entry.regime, 'REGIME_');
    const applies = enumTail(entry.applies, 'APPLICABILITY_');
    if (applies !== 'yes' && applies !== 'possibly') continue;
    if (regime && APPI_REGIMES.has(regime) && STRENGTH[applies] > STRENGTH[appi]) appi = applies;
    if (regime === 'gdpr' && STRENGTH[applies] > STRENGTH[gdpr]) gdpr = applies;
  }
  const since = (was: Applicability | undefined, now: Applicability, before: string | undefined) => {
    if (now === 'no') return undefined;
    if (was === undefined) return undefined; // the first assessment: from discovery
    return was === 'no' ? mark.at : before;
  };
  const appiSince = since(previous?.appi, appi, previous?.appiSince);
  const gdprSince = since(previous?.gdpr, gdpr, previous?.gdprSince);
  return {
    eventId: mark.eventId,
    at: mark.at,
    summaryEn: text(data.summaryEn) ?? '',
    summaryJa: text(data.summaryJa) ?? '',
    appi,
    gdpr,
    ...(appiSince ? { appiSince } : {}),
    ...(gdprSince ? { gdprSince } : {}),
  };
}

/** An RFC 3339 timestamp from protobuf JSON, normalised to `toISOString()`; undefined when absent or bad. */
export function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
