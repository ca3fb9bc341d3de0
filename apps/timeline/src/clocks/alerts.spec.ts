import { describe, expect, it } from 'vitest';
import { type DeadlineAlert, dueAlerts, warningPoints } from './alerts.js';
import type { Clock } from './clock.js';
import { applyStops, type CaseClockFacts, type ClockStop, clocksFor } from './clocks-for.js';
import { resolveClockConfig } from './config.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './durations.js';

const caseId = 'c0a8e1e2-0000-4000-8000-000000000001';
const discoveredAt = new Date('2026-06-01T00:00:00Z');

function facts(overrides: Partial<CaseClockFacts> = {}): CaseClockFacts {
  return {
    caseId,
    discoveredAt,
    improperPurposeSuspected: 'no',
    appi: { applies: 'no' },
    gdpr: { applies: 'no' },
    instructions: [],
    ...overrides,
  };
}

/**
 * A scheduler driven by a controllable clock: every `stepMs` from `from` to `until` it asks which alerts
 * are due, "emits" them (records their ids) and applies the stops whose time has come.
 */
function runScheduler(options: {
  facts: CaseClockFacts;
  stops?: ClockStop[];
  from: Date;
  until: Date;
  stepMs: number;
  config?: ReturnType<typeof resolveClockConfig>;
}): DeadlineAlert[] {
  const emitted = new Set<string>();
  const log: DeadlineAlert[] = [];
  for (let t = options.from.getTime(); t <= options.until.getTime(); t += options.stepMs) {
    const now = new Date(t);
    const arrived = (options.stops ?? []).filter((stop) => stop.at.getTime() <= t);
    const clocks = applyStops(clocksFor(options.facts), arrived);
    for (const alert of dueAlerts(clocks, now, emitted, options.config?.alerts)) {
      expect(emitted.has(alert.id)).toBe(false);
      emitted.add(alert.id);
      log.push(alert);
    }
  }
  return log;
}

const summary = (alerts: DeadlineAlert[]) =>
  alerts.map((alert) => `${alert.type} ${alert.clockKind} @${alert.triggerAt.toISOString()}`);

describe('dueAlerts with a controllable clock', () => {
  it('emits DeadlineApproaching then DeadlineMissed, once each, for a clock nobody stops', () => {
    const alerts = runScheduler({
      facts: facts(),
      from: discoveredAt,
      until: new Date('2026-06-03T00:00:00Z'),
      stepMs: 5 * MINUTE_MS,
    });
    // 24 h prompt report: the 24 h lead would fire at the start, so only the 1 h lead remains.
    expect(summary(alerts)).toEqual([
      'DeadlineApproaching contract.prompt_report @2026-06-01T23:00:00.000Z',
      'DeadlineMissed contract.prompt_report @2026-06-02T00:00:00.000Z',
    ]);
    expect(alerts[0]).toMatchObject({ remainingMs: HOUR_MS, trigger: 'lead_time', caseId });
  });

  it('emits nothing at all when the stopping event arrives in time', () => {
    const alerts = runScheduler({
      facts: facts(),
      stops: [{ kind: 'contract.prompt_report', at: new Date('2026-06-01T00:03:00Z'), eventId: 'notified' }],
      from: discoveredAt,
      until: new Date('2026-06-03T00:00:00Z'),
      stepMs: 5 * MINUTE_MS,
    });
    expect(alerts).toEqual([]);
  });

  it('warns but does not report a miss when the stop comes between the warning and the due date', () => {
    const alerts = runScheduler({
      facts: facts(),
      stops: [{ kind: 'contract.prompt_report', at: new Date('2026-06-01T23:30:00Z'), eventId: 'notified' }],
      from: discoveredAt,
      until: new Date('2026-06-03T00:00:00Z'),
      stepMs: 5 * MINUTE_MS,
    });
    expect(summary(alerts)).toEqual(['DeadlineApproaching contract.prompt_report @2026-06-01T23:00:00.000Z']);
  });

  it('alerts at the 速報’s own warning point (day 3) and at each lead time, then the miss', () => {
    const alerts = runScheduler({
      facts: facts({ appi: { applies: 'yes' } }),
      stops: [{ kind: 'contract.prompt_report', at: new Date('2026-06-01T00:10:00Z'), eventId: 'notified' }],
      from: discoveredAt,
      until: new Date('2026-06-07T00:00:00Z'),
      stepMs: 30 * MINUTE_MS,
    }).filter((alert) => alert.clockKind === 'appi.preliminary');
    expect(summary(alerts)).toEqual([
      'DeadlineApproaching appi.preliminary @2026-06-04T00:00:00.000Z',
      'DeadlineApproaching appi.preliminary @2026-06-05T00:00:00.000Z',
      'DeadlineApproaching appi.preliminary @2026-06-05T23:00:00.000Z',
      'DeadlineMissed appi.preliminary @2026-06-06T00:00:00.000Z',
    ]);
    expect(alerts.map((alert) => (alert.type === 'DeadlineApproaching' ? alert.trigger : 'missed'))).toEqual([
      'warn_at',
      'lead_time',
      'lead_time',
      'missed',
    ]);
  });

  it('after a pause sends the current warning, not a backlog of stale ones', () => {
    const clocks = clocksFor(facts({ appi: { applies: 'yes' } })).filter(
      (c) => c.kind === 'appi.preliminary',
    );
    const now = new Date('2026-06-05T23:30:00Z'); // past day 3, the 24 h and the 1 h points
    const alerts = dueAlerts(clocks, now, new Set());
    expect(summary(alerts)).toEqual(['DeadlineApproaching appi.preliminary @2026-06-05T23:00:00.000Z']);
    // and a scheduler that wakes up after the due date reports only the miss
    expect(summary(dueAlerts(clocks, new Date('2026-06-08T00:00:00Z'), new Set()))).toEqual([
      'DeadlineMissed appi.preliminary @2026-06-06T00:00:00.000Z',
    ]);
  });

  it('gives each alert a deterministic id: recomputed clocks give the same ids', () => {
    const now = new Date('2026-06-02T01:00:00Z');
    const first = dueAlerts(clocksFor(facts()), now, new Set());
    const again = dueAlerts(clocksFor(facts()), now, new Set());
    expect(first).toHaveLength(1);
    expect(again.map((alert) => alert.id)).toEqual(first.map((alert) => alert.id));
    expect(first[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[0].key).toBe(`${caseId}/contract.prompt_report|missed|2026-06-02T00:00:00.000Z`);
    expect(dueAlerts(clocksFor(facts()), now, new Set([first[0].id]))).toEqual([]);
  });

  it('emits nothing for a clock stopped late: its lateness stays on the clock', () => {
    const clocks = applyStops(clocksFor(facts()), [
      { kind: 'contract.prompt_report', at: new Date('2026-06-02T02:00:00Z'), eventId: 'late' },
    ]);
    expect(dueAlerts(clocks, new Date('2026-06-02T03:00:00Z'), new Set())).toEqual([]);
    expect(clocks[0]).toMatchObject({ status: 'stopped_late', lateness: 2 * HOUR_MS });
  });

  it('orders alerts of several clocks by when they became due', () => {
    const clocks = clocksFor(facts({ gdpr: { applies: 'yes' } }));
    const alerts = dueAlerts(clocks, new Date('2026-06-03T23:30:00Z'), new Set());
    expect(summary(alerts)).toEqual([
      'DeadlineMissed contract.prompt_report @2026-06-02T00:00:00.000Z',
      'DeadlineMissed gdpr.processor_to_controller @2026-06-02T00:00:00.000Z',
      'DeadlineApproaching gdpr.authority @2026-06-03T23:00:00.000Z',
    ]);
  });
});

describe('warning points', () => {
  const clockOf = (kind: Clock['kind'], f: CaseClockFacts) => {
    const clock = clocksFor(f).find((c) => c.kind === kind);
    if (!clock) throw new Error(`no ${kind} clock`);
    return clock;
  };

  it('skip lead times that reach back to the clock’s start (a 30-minute acknowledgement wait)', () => {
    const ack = clockOf(
      'contract.acknowledgement',
      facts({ clientNotifiedAt: new Date('2026-06-01T00:01:00Z') }),
    );
    expect(warningPoints(ack)).toEqual([]);
    const config = resolveClockConfig({
      alerts: { leadTimesMsByKind: { 'contract.acknowledgement': [10 * MINUTE_MS] } },
    });
    expect(warningPoints(ack, config.alerts)).toEqual([
      { at: new Date('2026-06-01T00:21:00Z'), trigger: 'lead_time' },
    ]);
  });

  it('use per-kind lead times when configured (a week before the 確報)', () => {
    const final = clockOf('appi.final', facts({ appi: { applies: 'yes' } }));
    const config = resolveClockConfig({
      alerts: { leadTimesMsByKind: { 'appi.final': [7 * DAY_MS, DAY_MS] } },
    });
    expect(warningPoints(final, config.alerts).map((point) => point.at.getTime())).toEqual([
      final.dueAt.getTime() - 7 * DAY_MS,
      final.dueAt.getTime() - DAY_MS,
    ]);
  });

  it('count a lead time and a rule warning at the same instant once, as the rule’s', () => {
    const preliminary = clockOf('appi.preliminary', facts({ appi: { applies: 'yes' } }));
    const config = resolveClockConfig({ alerts: { leadTimesMs: [2 * DAY_MS, HOUR_MS] } });
    expect(warningPoints(preliminary, config.alerts)).toEqual([
      { at: new Date('2026-06-04T00:00:00Z'), trigger: 'warn_at' },
      { at: new Date('2026-06-05T23:00:00Z'), trigger: 'lead_time' },
    ]);
  });
});
