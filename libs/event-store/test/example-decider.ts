import {
  assertNever,
  type Decider,
  IllegalStateError,
  NotFoundError,
  ValidationError,
} from '../src/index.js';

/** A deliberately tiny aggregate used to test the decider helpers (not a real domain model). */

export type IncidentCommand =
  | { type: 'ReportIncident'; summary: string; now: string }
  | { type: 'AcknowledgeIncident'; now: string }
  | { type: 'CloseIncident'; now: string };

export type IncidentEvent =
  | { type: 'IncidentReported'; data: { summary: string; reportedAt: string } }
  | { type: 'IncidentAcknowledged'; data: { acknowledgedAt: string } }
  | { type: 'IncidentClosed'; data: { closedAt: string } };

export type IncidentState =
  | { status: 'none' }
  | { status: 'open'; acknowledged: boolean; summary: string }
  | { status: 'closed' };

export const incidentDecider: Decider<IncidentCommand, IncidentEvent, IncidentState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'ReportIncident':
        if (state.status !== 'none')
          throw new IllegalStateError('incident already reported', { code: 'incident.exists' });
        if (command.summary.trim() === '')
          throw new ValidationError('summary is required', { code: 'summary.empty' });
        return [{ type: 'IncidentReported', data: { summary: command.summary, reportedAt: command.now } }];
      case 'AcknowledgeIncident':
        if (state.status === 'none') throw new NotFoundError('no such incident');
        if (state.status === 'closed')
          throw new IllegalStateError('incident is closed', { code: 'incident.closed' });
        return state.acknowledged
          ? []
          : [{ type: 'IncidentAcknowledged', data: { acknowledgedAt: command.now } }];
      case 'CloseIncident':
        if (state.status !== 'open') throw new IllegalStateError('only an open incident can be closed');
        return [{ type: 'IncidentClosed', data: { closedAt: command.now } }];
      default:
        return assertNever(command, 'command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'IncidentReported':
        return { status: 'open', acknowledged: false, summary: event.data.summary };
      case 'IncidentAcknowledged':
        return state.status === 'open' ? { ...state, acknowledged: true } : state;
      case 'IncidentClosed':
        return { status: 'closed' };
      default:
        return assertNever(event, 'event');
    }
  },
};

export const reported: IncidentEvent = {
  type: 'IncidentReported',
  data: { summary: 'laptop stolen', reportedAt: '2026-01-15T09:00:00.000Z' },
};
export const acknowledged: IncidentEvent = {
  type: 'IncidentAcknowledged',
  data: { acknowledgedAt: '2026-01-15T09:05:00.000Z' },
};
export const closed: IncidentEvent = {
  type: 'IncidentClosed',
  data: { closedAt: '2026-01-15T10:00:00.000Z' },
};
