import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '#libs/event-store';
import {
  type AcknowledgeInstruction,
  type CaseEvent,
  type CaseRecord,
  type CaseState,
  CLIENT_ROLES,
  CONTRACTOR_ROLES,
  type CompleteInstruction,
  type ConfirmInstruction,
  type InstructionState,
  type InstructionStatus,
  type IssueInstruction,
  type ReopenInstruction,
  type ReportInstructionProgress,
} from './case.model.js';
import { requireOpenCase, requireRole, requireUuid } from './case-errors.js';
import { requireSealed } from './facts.js';

/** How long an instruction issued without a due date has (a contract setting later). */
export const DEFAULT_INSTRUCTION_DUE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Instructions (指示) from the client, Art. 16(1): a client officer issues them; the contractor
 * acknowledges, reports progress and completes them with evidence; the client confirms or reopens.
 * An instruction is open until it is confirmed.
 */

const INSTRUCTION_KINDS = new Set([
  'INSTRUCTION_KIND_INVESTIGATE',
  'INSTRUCTION_KIND_CONTAIN',
  'INSTRUCTION_KIND_NOTIFY_SUBJECTS',
  'INSTRUCTION_KIND_PUBLISH',
  'INSTRUCTION_KIND_RETURN_OR_ERASE_DATA',
  'INSTRUCTION_KIND_REPORT',
  'INSTRUCTION_KIND_OTHER',
]);

export function decideIssue(command: IssueInstruction, state: CaseState): CaseEvent[] {
  const record = requireOpenCase(state);
  const { data, metadata } = command;
  requireRole(metadata, CLIENT_ROLES, 'issue instructions');
  requireUuid(data.instructionId, 'instructionId');
  if (Object.hasOwn(record.instructions, data.instructionId)) {
    throw new ConflictError('an instruction with this id already exists', {
      code: 'instruction.already_exists',
      details: { field: 'instructionId', instructionId: data.instructionId },
    });
  }
  if (!INSTRUCTION_KINDS.has(data.kind)) {
    throw new ValidationError('unknown instruction kind', {
      details: { field: 'kind', problem: `must be one of ${[...INSTRUCTION_KINDS].join(', ')}` },
    });
  }
  const dueAt = data.dueAt ?? new Date(metadata.now.getTime() + DEFAULT_INSTRUCTION_DUE_MS);
  if (Number.isNaN(dueAt.getTime()) || dueAt.getTime() <= metadata.now.getTime()) {
    throw new ValidationError('dueAt is not in the future', {
      code: 'instruction.due_in_past',
      details: { field: 'dueAt', problem: 'must be a valid time after now' },
    });
  }
  return [
    {
      type: 'InstructionIssued',
      data: {
        instructionId: data.instructionId,
        kind: data.kind,
        dueAt: dueAt.toISOString(),
        text: requireSealed(data.text, 'text'),
        issuedBy: { userId: metadata.actor.id, role: metadata.actor.role },
      },
    },
  ];
}

export function decideAcknowledge(command: AcknowledgeInstruction, state: CaseState): CaseEvent[] {
  const instruction = contractorWork(command, state, 'acknowledge instructions');
  if (instruction.status !== 'issued') {
    throw refused(instruction, 'instruction.already_acknowledged', 'has already been acknowledged');
  }
  return [{ type: 'InstructionAcknowledged', data: { instructionId: instruction.id } }];
}

export function decideProgress(command: ReportInstructionProgress, state: CaseState): CaseEvent[] {
  const instruction = contractorWork(command, state, 'report progress on instructions');
  requireWorkable(instruction);
  const note = requireSealed(command.data.note, 'note');
  return [{ type: 'InstructionProgressReported', data: { instructionId: instruction.id, note } }];
}

export function decideComplete(command: CompleteInstruction, state: CaseState): CaseEvent[] {
  const instruction = contractorWork(command, state, 'complete instructions');
  requireWorkable(instruction);
  const evidenceNote = requireSealed(command.data.evidenceNote, 'evidenceNote');
  return [{ type: 'InstructionCompleted', data: { instructionId: instruction.id, evidenceNote } }];
}

export function decideConfirm(command: ConfirmInstruction, state: CaseState): CaseEvent[] {
  const instruction = clientReview(command, state, 'confirm instructions');
  if (instruction.status === 'confirmed') {
    throw refused(instruction, 'instruction.already_confirmed', 'has already been confirmed');
  }
  if (instruction.status !== 'completed') {
    throw refused(instruction, 'instruction.not_completed', 'has not been completed');
  }
  return [
    {
      type: 'InstructionConfirmed',
      data: { instructionId: instruction.id, confirmedBy: actingUser(command) },
    },
  ];
}

export function decideReopen(command: ReopenInstruction, state: CaseState): CaseEvent[] {
  const instruction = clientReview(command, state, 'reopen instructions');
  if (instruction.status !== 'completed' && instruction.status !== 'confirmed') {
    throw refused(instruction, 'instruction.not_completed', 'has not been completed');
  }
  const reason = requireSealed(command.data.reason, 'reason');
  return [
    {
      type: 'InstructionReopened',
      data: { instructionId: instruction.id, reason, reopenedBy: actingUser(command) },
    },
  ];
}

/** Open instructions: issued and not yet confirmed by the client. */
export function openInstructions(record: CaseRecord): InstructionState[] {
  return Object.values(record.instructions).filter((instruction) => instruction.status !== 'confirmed');
}

type InstructionCommand = { data: { instructionId: string }; metadata: IssueInstruction['metadata'] };

function contractorWork(command: InstructionCommand, state: CaseState, action: string): InstructionState {
  const record = requireOpenCase(state);
  requireRole(command.metadata, CONTRACTOR_ROLES, action);
  return findInstruction(record, command.data.instructionId);
}

function clientReview(command: InstructionCommand, state: CaseState, action: string): InstructionState {
  const record = requireOpenCase(state);
  requireRole(command.metadata, CLIENT_ROLES, action);
  return findInstruction(record, command.data.instructionId);
}

function findInstruction(record: CaseRecord, instructionId: string): InstructionState {
  if (!Object.hasOwn(record.instructions, instructionId)) {
    throw new NotFoundError('no instruction with this id in the case', {
      code: 'instruction.not_found',
      details: { field: 'instructionId', instructionId },
    });
  }
  return record.instructions[instructionId];
}

/** Progress and completion need an acknowledged instruction that is not completed yet. */
function requireWorkable(instruction: InstructionState): void {
  const workable: readonly InstructionStatus[] = ['acknowledged', 'in_progress'];
  if (instruction.status === 'issued') {
    throw refused(instruction, 'instruction.not_acknowledged', 'has not been acknowledged');
  }
  if (!workable.includes(instruction.status)) {
    throw refused(instruction, 'instruction.already_completed', 'has already been completed');
  }
}

function refused(instruction: InstructionState, code: string, what: string): IllegalStateError {
  return new IllegalStateError(`the instruction ${what}`, {
    code,
    details: { field: 'instructionId', instructionId: instruction.id, status: instruction.status },
  });
}

function actingUser(command: InstructionCommand) {
  const { id, role } = command.metadata.actor;
  return { userId: id, ...(role ? { role } : {}) };
}

/** The instruction's state after one of its events. */
export function evolveInstruction(
  instructions: Readonly<Record<string, InstructionState>>,
  event: CaseEvent,
): Readonly<Record<string, InstructionState>> {
  if (event.type === 'InstructionIssued') {
    const { data } = event;
    const id = data.instructionId ?? '';
    return {
      ...instructions,
      [id]: {
        id,
        kind: data.kind ?? 'INSTRUCTION_KIND_UNSPECIFIED',
        ...(data.dueAt ? { dueAt: data.dueAt } : {}),
        status: 'issued',
        issuedBy: data.issuedBy?.userId ?? '',
        reopenCount: 0,
      },
    };
  }
  const id = 'instructionId' in event.data ? event.data.instructionId : undefined;
  const current = id !== undefined && Object.hasOwn(instructions, id) ? instructions[id] : undefined;
  if (id === undefined || !current) {
    throw new Error(`${event.type} names an instruction the case does not have: ${id}`);
  }
  const next = (changes: Partial<InstructionState>) => ({
    ...instructions,
    [id]: { ...current, ...changes },
  });
  switch (event.type) {
    case 'InstructionAcknowledged':
      return next({ status: 'acknowledged' });
    case 'InstructionProgressReported':
      return next({ status: 'in_progress' });
    case 'InstructionCompleted':
      return next({ status: 'completed' });
    case 'InstructionConfirmed':
      return next({ status: 'confirmed' });
    case 'InstructionReopened':
      return next({ status: 'in_progress', reopenCount: current.reopenCount + 1 });
    default:
      throw new Error(`${event.type} is not an instruction event`);
  }
}
