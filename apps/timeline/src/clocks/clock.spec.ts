import { describe, expect, it } from 'vitest';
import { type Clock, evaluate, mostUrgentClock, startClock, stopClock } from './clock.js';
import { promptReportDue } from './contract.js';
import { HOUR_MS } from './durations.js';

const caseId = 'c0a8e1e2-0000-4000-8000-000000000001';
const discoveredAt = new Date('2026-06-01T00:00:00Z');
const dueAt = new Date('2026-06-02T00:00:00Z');
const at = (iso: string) => new Date(iso);

function promptReportClock(): Clock {
  return startClock({
    caseId,
    kind: 'contract.prompt_report',
    applies: 'yes',
    startedAt: discoveredAt,
    deadline: promptReportDue(discoveredAt),
  });
}

describe('a new clock', () => {
  it('is running, with a deterministic id and the deadline it was started with', () => {
    const clock = promptReportClock();
    expect(clock).toMatchObject({
      id: `${caseId}/contract.prompt_report`,
      kind: 'contract.prompt_report',
      startedAt: discoveredAt,
      dueAt,
      warnAt: [],
      status: 'running',
      lateness: 0,
    });
    expect(clock.stoppedAt).toBeUndefined();
  });
});

describe('evaluate', () => {
  it('keeps a clock running up to and including its due instant', () => {
    expect(evaluate(promptReportClock(), dueAt)).toMatchObject({ status: 'running', lateness: 0 });
  });

  it('marks a clock missed one millisecond after, with a lateness that grows', () => {
    const clock = promptReportClock();
    expect(evaluate(clock, new Date(dueAt.getTime() + 1))).toMatchObject({ status: 'missed', lateness: 1 });
    expect(evaluate(clock, at('2026-06-02T03:00:00Z'))).toMatchObject({
      status: 'missed',
      lateness: 3 * HOUR_MS,
    });
  });

  it('does not change the clock it was given', () => {
    const clock = promptReportClock();
    evaluate(clock, at('2026-06-03T00:00:00Z'));
    expect(clock.status).toBe('running');
  });
});

describe('stopClock', () => {
  it('stops in time when the event comes before the due date', () => {
    const stopped = stopClock(promptReportClock(), at('2026-06-01T00:04:00Z'), 'event-1');
    expect(stopped).toMatchObject({ status: 'stopped_in_time', lateness: 0, stoppedBy: 'event-1' });
    // and stays that way whenever it is evaluated later
    expect(evaluate(stopped, at('2027-01-01T00:00:00Z'))).toMatchObject({
      status: 'stopped_in_time',
      lateness: 0,
    });
  });

  it('stops in time exactly at the due instant', () => {
    expect(stopClock(promptReportClock(), dueAt, 'event-1').status).toBe('stopped_in_time');
  });

  it('turns a missed clock into stopped_late with its lateness at the stop', () => {
    const missed = evaluate(promptReportClock(), at('2026-06-02T01:00:00Z'));
    expect(missed).toMatchObject({ status: 'missed', lateness: HOUR_MS });
    const stopped = stopClock(missed, at('2026-06-02T02:30:00Z'), 'event-late');
    expect(stopped).toMatchObject({
      status: 'stopped_late',
      lateness: 2.5 * HOUR_MS,
      stoppedBy: 'event-late',
    });
    // the lateness is fixed at the stop, it no longer grows
    expect(evaluate(stopped, at('2026-06-10T00:00:00Z')).lateness).toBe(2.5 * HOUR_MS);
  });

  it('keeps the earliest stop, whatever order the stopping events arrive in', () => {
    const early = { at: at('2026-06-01T10:00:00Z'), id: 'event-b' };
    const late = { at: at('2026-06-02T10:00:00Z'), id: 'event-a' };
    const inOrder = stopClock(stopClock(promptReportClock(), early.at, early.id), late.at, late.id);
    const reversed = stopClock(stopClock(promptReportClock(), late.at, late.id), early.at, early.id);
    expect(inOrder).toEqual(reversed);
    expect(inOrder).toMatchObject({ stoppedBy: 'event-b', status: 'stopped_in_time', lateness: 0 });
  });

  it('is idempotent for a redelivered event', () => {
    const once = stopClock(promptReportClock(), at('2026-06-01T10:00:00Z'), 'event-1');
    expect(stopClock(once, at('2026-06-01T10:00:00Z'), 'event-1')).toBe(once);
  });

  it('breaks a tie between two stops at the same instant by event id', () => {
    const instant = at('2026-06-01T10:00:00Z');
    const ab = stopClock(stopClock(promptReportClock(), instant, 'b'), instant, 'a');
    const ba = stopClock(stopClock(promptReportClock(), instant, 'a'), instant, 'b');
    expect(ab.stoppedBy).toBe('a');
    expect(ba.stoppedBy).toBe('a');
  });
});

describe('mostUrgentClock', () => {
  const clock = (kind: 'contract.prompt_report' | 'gdpr.authority', due: Date, startedAt = discoveredAt) =>
    startClock({ caseId, kind, applies: 'yes', startedAt, deadline: { dueAt: due, warnAt: [], basis: '' } });

  it('puts an overdue clock first, then the one due soonest, and ignores stopped ones', () => {
    const now = at('2026-06-02T12:00:00Z');
    const overdue = clock('contract.prompt_report', at('2026-06-02T00:00:00Z'));
    const soon = clock('gdpr.authority', at('2026-06-02T18:00:00Z'));
    expect(mostUrgentClock([soon, overdue], now)).toMatchObject({ id: overdue.id, status: 'missed' });
    const handled = stopClock(overdue, at('2026-06-02T11:00:00Z'), 'e');
    expect(mostUrgentClock([soon, handled], now)?.id).toBe(soon.id);
    expect(mostUrgentClock([handled], now)).toBeUndefined();
  });
});
