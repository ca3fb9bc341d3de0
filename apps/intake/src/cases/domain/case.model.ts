import type {
  CaseClosedJson,
  CauseIdentifiedJson,
  DataKindJson,
  IncidentReportedJson,
  InstructionAcknowledgedJson,
  InstructionCompletedJson,
  InstructionConfirmedJson,
  InstructionIssuedJson,
  InstructionKindJson,
  InstructionProgressReportedJson,
  InstructionReopenedJson,
  MeasureCompletedJson,
  MeasureRecordedJson,
  RegulatoryAssessmentMadeJson,
  ReportAmendedJson,
  SealedTextJson,
} from '#libs/contracts';
import type { AssessmentContext } from './assessment-rules.js';
import type {
  CountInput,
  FactsVersion,
  LeakCircumstancesFacts,
  LeakPlaceFacts,
  ReportFacts,
  TriState,
} from './facts.js';

/**
 * Commands, events and state of the incident case aggregate. Event data is the protobuf JSON form of the
 * messages in proto/leakresponse/intake/v1/events.proto (what the event store keeps and the relay encodes).
 * Free text arrives already sealed with the case key (`SealedTextJson`).
 */

// ---- commands -----------------------------------------------------------------------------------------

/** Time and actor come with every command; decide never reads a clock. */
export interface CommandMetadata {
  now: Date;
  /** the principal; `role` is the role it acts in (e.g. `client_officer`, `responsible`) */
  actor: { id: string; role?: string };
}

export interface ReportIncident {
  type: 'ReportIncident';
  data: {
    caseId: string;
    caseNumber: string;
    contractId: string;
    discoveredAt: Date;
    occurredAt?: Date;
    dataKinds: DataKindJson[];
    persons: CountInput;
    records: CountInput;
    /** The first description of what leaked: required (Art. 16(1) content); undefined is refused. */
    description: SealedTextJson | undefined;
    place?: LeakPlaceFacts;
    circumstances?: LeakCircumstancesFacts;
    /** not stated = unknown */
    encrypted?: TriState;
    improperPurposeSuspected?: TriState;
    euPersonsPossiblyAffected?: TriState;
    measuresTaken?: SealedTextJson;
    /** what the regulatory assessment needs beyond the facts (the HTTP layer looks it up) */
    assessmentContext: AssessmentContext;
  };
  metadata: CommandMetadata;
}

/** Every field but the context is optional: what is present replaces what was known. */
export interface AmendReport {
  type: 'AmendReport';
  data: {
    description?: SealedTextJson;
    dataKinds?: DataKindJson[];
    persons?: CountInput;
    records?: CountInput;
    place?: LeakPlaceFacts;
    circumstances?: LeakCircumstancesFacts;
    occurredAt?: Date;
    encrypted?: TriState;
    improperPurposeSuspected?: TriState;
    euPersonsPossiblyAffected?: TriState;
    measuresTaken?: SealedTextJson;
    assessmentContext: AssessmentContext;
  };
  metadata: CommandMetadata;
}

export interface RecordMeasure {
  type: 'RecordMeasure';
  data: { measureId: string; description: SealedTextJson };
  metadata: CommandMetadata;
}

export interface CompleteMeasure {
  type: 'CompleteMeasure';
  data: { measureId: string; resultNote?: SealedTextJson };
  metadata: CommandMetadata;
}

export type InstructionKind = Exclude<InstructionKindJson, 'INSTRUCTION_KIND_UNSPECIFIED'>;

export interface IssueInstruction {
  type: 'IssueInstruction';
  /** `dueAt` absent: the instruction is due {@link DEFAULT_INSTRUCTION_DUE_MS} after it is issued */
  data: { instructionId: string; kind: InstructionKind; dueAt?: Date; text: SealedTextJson };
  metadata: CommandMetadata;
}

export interface AcknowledgeInstruction {
  type: 'AcknowledgeInstruction';
  data: { instructionId: string };
  metadata: CommandMetadata;
}

export interface ReportInstructionProgress {
  type: 'ReportInstructionProgress';
  data: { instructionId: string; note: SealedTextJson };
  metadata: CommandMetadata;
}

export interface CompleteInstruction {
  type: 'CompleteInstruction';
  data: { instructionId: string; evidenceNote: SealedTextJson };
  metadata: CommandMetadata;
}

export interface ConfirmInstruction {
  type: 'ConfirmInstruction';
  data: { instructionId: string };
  metadata: CommandMetadata;
}

export interface ReopenInstruction {
  type: 'ReopenInstruction';
  data: { instructionId: string; reason: SealedTextJson };
  metadata: CommandMetadata;
}

export interface IdentifyCause {
  type: 'IdentifyCause';
  data: { cause: SealedTextJson; causedByProcessor: TriState };
  metadata: CommandMetadata;
}

export interface CloseCase {
  type: 'CloseCase';
  /** `reason` is required when instructions are still open (then only the responsible person may close) */
  data: { reason?: SealedTextJson };
  metadata: CommandMetadata;
}

export type CaseCommand =
  | ReportIncident
  | AmendReport
  | RecordMeasure
  | CompleteMeasure
  | IssueInstruction
  | AcknowledgeInstruction
  | ReportInstructionProgress
  | CompleteInstruction
  | ConfirmInstruction
  | ReopenInstruction
  | IdentifyCause
  | CloseCase;

// ---- events -------------------------------------------------------------------------------------------

/**
 * A recorded event also carries its metadata; evolve reads only `occurredAt`, and only for reports
 * recorded before `IncidentReported.reported_at` existed.
 */
type Event<T extends string, D> = { type: T; data: D; metadata?: { occurredAt?: string } };

export type CaseEvent =
  | Event<'IncidentReported', IncidentReportedJson>
  | Event<'ReportAmended', ReportAmendedJson>
  | Event<'RegulatoryAssessmentMade', RegulatoryAssessmentMadeJson>
  | Event<'MeasureRecorded', MeasureRecordedJson>
  | Event<'MeasureCompleted', MeasureCompletedJson>
  | Event<'InstructionIssued', InstructionIssuedJson>
  | Event<'InstructionAcknowledged', InstructionAcknowledgedJson>
  | Event<'InstructionProgressReported', InstructionProgressReportedJson>
  | Event<'InstructionCompleted', InstructionCompletedJson>
  | Event<'InstructionConfirmed', InstructionConfirmedJson>
  | Event<'InstructionReopened', InstructionReopenedJson>
  | Event<'CauseIdentified', CauseIdentifiedJson>
  | Event<'CaseClosed', CaseClosedJson>;

// ---- state --------------------------------------------------------------------------------------------

/**
 * issued → acknowledged → in_progress (progress reported) → completed → confirmed;
 * reopened (from completed or confirmed) → in_progress. Open = not confirmed.
 */
export type InstructionStatus = 'issued' | 'acknowledged' | 'in_progress' | 'completed' | 'confirmed';

export interface InstructionState {
  id: string;
  kind: InstructionKindJson;
  /** RFC 3339; absent when the event carried none */
  dueAt?: string;
  status: InstructionStatus;
  issuedBy: string;
  /** how many times the client reopened it */
  reopenCount: number;
}

export interface MeasureState {
  id: string;
  status: 'recorded' | 'completed';
}

/** Everything a case knows, open or closed. */
export interface CaseRecord {
  caseNumber: string;
  contractId: string;
  /** the facts as known now (the last entry of `factsHistory`) */
  facts: ReportFacts;
  /** every version of the facts, oldest first, each with the instant from which it was known */
  factsHistory: FactsVersion[];
  instructions: Readonly<Record<string, InstructionState>>;
  measures: Readonly<Record<string, MeasureState>>;
  cause?: { cause: SealedTextJson; causedByProcessor: TriState };
  /** the last recorded regulatory assessment */
  assessment?: RegulatoryAssessmentMadeJson;
}

export interface Closure {
  closedBy: string;
  withOpenInstructions: string[];
}

export type CaseState =
  | { status: 'none' }
  | (CaseRecord & { status: 'reported' })
  | (CaseRecord & { status: 'closed'; closure: Closure });

/** Roles of the contractor's staff and of the client (see libs/auth). */
export const CONTRACTOR_ROLES = ['reporter', 'responder', 'responsible'] as const;
export const CLIENT_ROLES = ['client_officer'] as const;
/** Who may close a case; with open instructions only `responsible`, with a reason. */
export const CLOSING_ROLES = ['responder', 'responsible'] as const;
