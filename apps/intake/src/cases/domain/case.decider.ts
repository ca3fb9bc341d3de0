import {
  assertNever,
  ConflictError,
  type Decider,
  IllegalStateError,
  NotFoundError,
  ValidationError,
} from '#libs/event-store';
import {
  type CaseCommand,
  type CaseEvent,
  type CaseRecord,
  type CaseState,
  CLOSING_ROLES,
  type CloseCase,
  CONTRACTOR_ROLES,
  type CompleteMeasure,
  type IdentifyCause,
  type RecordMeasure,
} from './case.model.js';
import { requireOpenCase, requireRole, requireUuid } from './case-errors.js';
import {
  applyAmendment,
  factsFromReport,
  factsKnownAt,
  optionalSealed,
  type ReportFacts,
  requireSealed,
  toTriStateJson,
} from './facts.js';
import {
  decideAcknowledge,
  decideComplete,
  decideConfirm,
  decideIssue,
  decideProgress,
  decideReopen,
  evolveInstruction,
  openInstructions,
} from './instructions.js';
import { decideAmend, decideReport } from './report.js';

/**
 * The incident case aggregate (Emmett style): `decide(command, state)` → events or a DomainError,
 * `evolve(state, event)` → state, `initialState()`. Pure: time and actor come in `command.metadata`.
 * See docs/case-domain.md for the commands, events, states and every refusal with its code.
 */

export * from './case.model.js';
export type { CountInput, FactsVersion, ReportFacts, TriState } from './facts.js';
export { MAX_COUNT } from './facts.js';

function decideRecordMeasure(command: RecordMeasure, state: CaseState): CaseEvent[] {
  const record = requireOpenCase(state);
  requireRole(command.metadata, CONTRACTOR_ROLES, 'record measures');
  const { measureId } = command.data;
  requireUuid(measureId, 'measureId');
  if (Object.hasOwn(record.measures, measureId)) {
    throw new ConflictError('a measure with this id already exists', {
      code: 'measure.already_exists',
      details: { field: 'measureId', measureId },
    });
  }
  const description = requireSealed(command.data.description, 'description');
  return [{ type: 'MeasureRecorded', data: { measureId, description } }];
}

function decideCompleteMeasure(command: CompleteMeasure, state: CaseState): CaseEvent[] {
  const record = requireOpenCase(state);
  requireRole(command.metadata, CONTRACTOR_ROLES, 'complete measures');
  const { measureId } = command.data;
  if (!Object.hasOwn(record.measures, measureId)) {
    throw new NotFoundError('no measure with this id in the case', {
      code: 'measure.not_found',
      details: { field: 'measureId', measureId },
    });
  }
  if (record.measures[measureId].status === 'completed') {
    throw new IllegalStateError('the measure has already been completed', {
      code: 'measure.already_completed',
      details: { field: 'measureId', measureId },
    });
  }
  const resultNote = optionalSealed(command.data.resultNote, 'resultNote');
  return [{ type: 'MeasureCompleted', data: { measureId, ...(resultNote ? { resultNote } : {}) } }];
}

function decideIdentifyCause(command: IdentifyCause, state: CaseState): CaseEvent[] {
  requireOpenCase(state);
  requireRole(command.metadata, CONTRACTOR_ROLES, 'identify the cause');
  const cause = requireSealed(command.data.cause, 'cause');
  return [
    {
      type: 'CauseIdentified',
      data: { cause, causedByProcessor: toTriStateJson(command.data.causedByProcessor) },
    },
  ];
}

/**
 * Closing is refused while instructions are open (issued and not confirmed), unless the contract's
 * responsible person closes with a reason; the open instructions are then named in the event.
 */
function decideClose(command: CloseCase, state: CaseState): CaseEvent[] {
  const record = requireOpenCase(state);
  const { metadata } = command;
  requireRole(metadata, CLOSING_ROLES, 'close the case');
  const open = openInstructions(record).map((instruction) => instruction.id);
  const reason = optionalSealed(command.data.reason, 'reason');
  if (open.length > 0 && metadata.actor.role !== 'responsible') {
    throw new IllegalStateError('instructions are still open; only the responsible person may close now', {
      code: 'case.open_instructions',
      details: { field: 'instructions', openInstructionIds: open },
    });
  }
  if (open.length > 0 && !reason) {
    throw new ValidationError('closing with open instructions needs a reason', {
      code: 'case.close_reason_required',
      details: { field: 'reason', openInstructionIds: open },
    });
  }
  const closedBy = {
    userId: metadata.actor.id,
    ...(metadata.actor.role ? { role: metadata.actor.role } : {}),
  };
  return [
    {
      type: 'CaseClosed',
      data: { ...(reason ? { reason } : {}), closedBy, openInstructionIds: open },
    },
  ];
}

function decide(command: CaseCommand, state: CaseState): CaseEvent[] {
  switch (command.type) {
    case 'ReportIncident':
      return decideReport(command, state);
    case 'AmendReport':
      return decideAmend(command, state);
    case 'RecordMeasure':
      return decideRecordMeasure(command, state);
    case 'CompleteMeasure':
      return decideCompleteMeasure(command, state);
    case 'IssueInstruction':
      return decideIssue(command, state);
    case 'AcknowledgeInstruction':
      return decideAcknowledge(command, state);
    case 'ReportInstructionProgress':
      return decideProgress(command, state);
    case 'CompleteInstruction':
      return decideComplete(command, state);
    case 'ConfirmInstruction':
      return decideConfirm(command, state);
    case 'ReopenInstruction':
      return decideReopen(command, state);
    case 'IdentifyCause':
      return decideIdentifyCause(command, state);
    case 'CloseCase':
      return decideClose(command, state);
    default:
      return assertNever(command, 'command');
  }
}

// ---- evolve -------------------------------------------------------------------------------------------

function evolve(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'IncidentReported') return reportedCase(event);
  if (state.status === 'none') {
    throw new Error(`${event.type} before IncidentReported: the stream is not a case`);
  }
  switch (event.type) {
    case 'ReportAmended': {
      const facts = applyAmendment(state.facts, event.data);
      const knownFrom = event.data.amendedAt ?? event.metadata?.occurredAt ?? '';
      return { ...state, facts, factsHistory: [...state.factsHistory, { knownFrom, facts }] };
    }
    case 'RegulatoryAssessmentMade':
      return { ...state, assessment: event.data };
    case 'MeasureRecorded': {
      const id = event.data.measureId ?? '';
      return { ...state, measures: { ...state.measures, [id]: { id, status: 'recorded' } } };
    }
    case 'MeasureCompleted': {
      const id = event.data.measureId ?? '';
      return { ...state, measures: { ...state.measures, [id]: { id, status: 'completed' } } };
    }
    case 'InstructionIssued':
    case 'InstructionAcknowledged':
    case 'InstructionProgressReported':
    case 'InstructionCompleted':
    case 'InstructionConfirmed':
    case 'InstructionReopened':
      return { ...state, instructions: evolveInstruction(state.instructions, event) };
    case 'CauseIdentified':
      return {
        ...state,
        cause: {
          cause: event.data.cause ?? {},
          causedByProcessor:
            event.data.causedByProcessor === 'TRI_STATE_YES'
              ? 'yes'
              : event.data.causedByProcessor === 'TRI_STATE_NO'
                ? 'no'
                : 'unknown',
        },
      };
    case 'CaseClosed':
      return {
        ...state,
        status: 'closed',
        closure: {
          closedBy: event.data.closedBy?.userId ?? '',
          withOpenInstructions: event.data.openInstructionIds ?? [],
        },
      };
    default:
      return assertNever(event, 'event');
  }
}

function reportedCase(event: Extract<CaseEvent, { type: 'IncidentReported' }>): CaseState {
  const facts = factsFromReport(event.data);
  // Reports recorded before `reported_at` existed: the envelope's time, else the discovery time.
  const knownFrom = event.data.reportedAt ?? event.metadata?.occurredAt ?? facts.discoveredAt;
  const record: CaseRecord = {
    caseNumber: event.data.caseNumber ?? '',
    contractId: event.data.contractId ?? '',
    facts,
    factsHistory: [{ knownFrom, facts }],
    instructions: {},
    measures: {},
  };
  return { status: 'reported', ...record };
}

export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

/**
 * The report's facts as the case knew them at `instant` (amendments never overwrite), or `undefined`
 * when the case had not been reported by then.
 */
export function factsAsKnownAt(state: CaseState, instant: Date | string): ReportFacts | undefined {
  return state.status === 'none' ? undefined : factsKnownAt(state.factsHistory, instant);
}
