import type { DataKindJson, IncidentReportedJson } from '#libs/contracts';
import { assertNever, type Decider, IllegalStateError, ValidationError } from '#libs/event-store';

/**
 * The incident case aggregate. This is the foundation's first slice: reporting a leak. The intake
 * issue grows it with amendments, instructions, measures, cause and closure.
 *
 * Event data is kept in protobuf JSON form (what the event store stores and the relay encodes).
 */

export type CaseEvent = { type: 'IncidentReported'; data: IncidentReportedJson };

export type CountInput =
  | { precision: 'exact' | 'about' | 'at_least'; value: number }
  | { precision: 'unknown' };

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
  };
  /** time and actor come with the command; decide never reads a clock */
  metadata: { now: Date; actor: { id: string; role?: string } };
}

export type CaseCommand = ReportIncident;

export type CaseState =
  | { status: 'none' }
  | { status: 'reported'; caseNumber: string; contractId: string; discoveredAt: string };

/** Counts above this are refused as absurd (more than the world's population). */
export const MAX_COUNT = 10_000_000_000;

function decideReport(command: ReportIncident, state: CaseState): CaseEvent[] {
  if (state.status !== 'none') {
    throw new IllegalStateError(`case ${command.data.caseId} has already been reported`, {
      code: 'case.already_reported',
    });
  }
  const { data, metadata } = command;
  if (data.discoveredAt.getTime() > metadata.now.getTime()) {
    throw new ValidationError('discoveredAt lies in the future', {
      details: { field: 'discoveredAt', problem: 'must not be in the future' },
    });
  }
  if (data.occurredAt && data.occurredAt.getTime() > data.discoveredAt.getTime()) {
    throw new ValidationError('occurredAt is after discoveredAt', {
      details: { field: 'occurredAt', problem: 'must not be after discoveredAt' },
    });
  }
  return [
    {
      type: 'IncidentReported',
      data: {
        contractId: data.contractId,
        caseNumber: data.caseNumber,
        content: { dataKinds: [...new Set(data.dataKinds)] },
        quantity: {
          persons: toCountJson(data.persons, 'persons'),
          records: toCountJson(data.records, 'records'),
        },
        discoveredAt: data.discoveredAt.toISOString(),
        ...(data.occurredAt ? { occurredAt: data.occurredAt.toISOString() } : {}),
        reporter: {
          userId: metadata.actor.id,
          ...(metadata.actor.role ? { role: metadata.actor.role } : {}),
        },
      },
    },
  ];
}

function toCountJson(count: CountInput, field: string) {
  if (count.precision === 'unknown') return { precision: 'COUNT_PRECISION_UNKNOWN' as const };
  if (!Number.isSafeInteger(count.value) || count.value < 0 || count.value > MAX_COUNT) {
    throw new ValidationError(`${field} count is out of range`, {
      details: { field: `${field}.value`, problem: `must be a whole number from 0 to ${MAX_COUNT}` },
    });
  }
  const precision = {
    exact: 'COUNT_PRECISION_EXACT',
    about: 'COUNT_PRECISION_ESTIMATED_ABOUT',
    at_least: 'COUNT_PRECISION_AT_LEAST',
  } as const;
  // uint64 travels as a decimal string in protobuf JSON
  return { precision: precision[count.precision], value: String(count.value) };
}

export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'ReportIncident':
        return decideReport(command, state);
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'IncidentReported':
        return {
          status: 'reported',
          caseNumber: event.data.caseNumber ?? '',
          contractId: event.data.contractId ?? '',
          discoveredAt: event.data.discoveredAt ?? '',
        };
      default:
        return assertNever(event.type, 'event');
    }
  },
};
