import { describe, expect, it } from 'vitest';
import {
  acknowledged,
  closed,
  type IncidentEvent,
  incidentDecider,
  reported,
} from '../test/example-decider.js';
import type { Decider } from './decider.js';
import { foldEvents } from './decider.js';
import { DeciderSpec, DeciderSpecFailure } from './decider-spec.js';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from './errors.js';

const spec = DeciderSpec.for(incidentDecider);
const now = '2026-01-15T11:00:00.000Z';

/** Runs an expectation that must fail and returns the failure. */
function failureOf(expectation: () => void): DeciderSpecFailure {
  try {
    expectation();
  } catch (error) {
    if (error instanceof DeciderSpecFailure) return error;
    throw error;
  }
  throw new Error('the expectation passed but should have failed');
}

describe('DeciderSpec: passing scenarios', () => {
  it('then: the events decide produces', () => {
    spec
      .when({ type: 'ReportIncident', summary: 'laptop stolen', now })
      .then([{ type: 'IncidentReported', data: { summary: 'laptop stolen', reportedAt: now } }]);
    spec
      .given([reported])
      .when({ type: 'AcknowledgeIncident', now })
      .then([{ type: 'IncidentAcknowledged', data: { acknowledgedAt: now } }]);
  });

  it('then([]): nothing happens', () => {
    spec.given([reported, acknowledged]).when({ type: 'AcknowledgeIncident', now }).then([]);
  });

  it('thenThrows: the error class, and optionally a predicate on it', () => {
    spec.given([reported, closed]).when({ type: 'AcknowledgeIncident', now }).thenThrows(IllegalStateError);
    spec
      .given([reported, closed])
      .when({ type: 'AcknowledgeIncident', now })
      .thenThrows(
        IllegalStateError,
        (error) => error.code === 'incident.closed' && error.kind === 'illegal_state',
      );
    spec.when({ type: 'AcknowledgeIncident', now }).thenThrows(NotFoundError);
    spec.when({ type: 'ReportIncident', summary: ' ', now }).thenThrows(ValidationError);
  });
});

describe('DeciderSpec: failure messages', () => {
  it('names the first differing event and shows the scenario, expected and actual', () => {
    const failure = failureOf(() =>
      spec
        .given([reported])
        .when({ type: 'AcknowledgeIncident', now })
        .then([{ type: 'IncidentAcknowledged', data: { acknowledgedAt: '2000-01-01T00:00:00.000Z' } }]),
    );
    expect(failure.message).toContain(
      'decide produced other events than expected (event #0 IncidentAcknowledged differs)',
    );
    expect(failure.message).toContain('given: IncidentReported');
    expect(failure.message).toContain(
      "when:  { now: '2026-01-15T11:00:00.000Z', type: 'AcknowledgeIncident' }",
    );
    expect(failure.message).toContain("acknowledgedAt: '2000-01-01T00:00:00.000Z'");
    expect(failure.message).toContain(`acknowledgedAt: '${now}'`);
    expect(failure.expected).toEqual([
      { type: 'IncidentAcknowledged', data: { acknowledgedAt: '2000-01-01T00:00:00.000Z' } },
    ]);
    expect(failure.actual).toEqual([{ type: 'IncidentAcknowledged', data: { acknowledgedAt: now } }]);
  });

  it('reports a different type, a missing event and an extra event', () => {
    const when = spec.given([reported]).when({ type: 'CloseIncident', now });
    expect(failureOf(() => when.then([acknowledged])).message).toContain(
      '(event #0: expected IncidentAcknowledged, got IncidentClosed)',
    );
    const produced: IncidentEvent = { type: 'IncidentClosed', data: { closedAt: now } };
    expect(failureOf(() => when.then([produced, closed])).message).toContain(
      '(missing event #1: IncidentClosed)',
    );
    expect(failureOf(() => when.then([])).message).toContain('(unexpected extra event #0: IncidentClosed)');
  });

  it('reports a throw where events were expected, with the error as cause', () => {
    const failure = failureOf(() =>
      spec.given([reported, closed]).when({ type: 'CloseIncident', now }).then([closed]),
    );
    expect(failure.message).toContain(
      'expected decide to produce events, but it threw IllegalStateError: only an open incident can be closed',
    );
    expect(failure.cause).toBeInstanceOf(IllegalStateError);
  });

  it('reports events where a throw was expected, the wrong error class, and a rejecting predicate', () => {
    expect(
      failureOf(() =>
        spec.given([reported]).when({ type: 'CloseIncident', now }).thenThrows(IllegalStateError),
      ).message,
    ).toContain('expected decide to throw IllegalStateError, but it returned 1 event(s)');
    expect(
      failureOf(() => spec.when({ type: 'CloseIncident', now }).thenThrows(ConflictError)).message,
    ).toContain('expected decide to throw ConflictError, but it threw IllegalStateError');
    expect(
      failureOf(() =>
        spec
          .given([reported, closed])
          .when({ type: 'AcknowledgeIncident', now })
          .thenThrows(IllegalStateError, (error) => error.code === 'something.else'),
      ).message,
    ).toContain('decide threw IllegalStateError as expected, but the predicate rejected it');
  });

  it('reports a given event that evolve cannot fold as a broken setup', () => {
    const strict: Decider<unknown, IncidentEvent, number> = {
      initialState: () => 0,
      decide: () => [],
      evolve: (state, event) => {
        if (event.type === 'IncidentClosed') throw new Error('cannot fold a close here');
        return state + 1;
      },
    };
    const failure = failureOf(() => DeciderSpec.for(strict).given([reported, closed]).when({}).then([]));
    expect(failure.message).toContain(
      'evolve failed on given event #1 (IncidentClosed): Error: cannot fold a close here',
    );
  });
});

describe('foldEvents and the example decider', () => {
  it('folds from the initial state, or from a given state', () => {
    expect(foldEvents(incidentDecider, [])).toEqual({ status: 'none' });
    expect(foldEvents(incidentDecider, [reported, acknowledged])).toEqual({
      status: 'open',
      acknowledged: true,
      summary: 'laptop stolen',
    });
    expect(
      foldEvents(incidentDecider, [closed], { status: 'open', acknowledged: true, summary: 's' }),
    ).toEqual({
      status: 'closed',
    });
  });
});
