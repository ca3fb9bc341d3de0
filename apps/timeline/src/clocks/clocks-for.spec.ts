import { describe, expect, it } from 'vitest';
import { ValidationError } from '#libs/event-store';
import { evaluate } from './clock.js';
import { applyStops, type CaseClockFacts, type ClockStop, clockRegimes, clocksFor } from './clocks-for.js';
import { resolveClockConfig, resolveContractClockSettings } from './config.js';
import { HOUR_MS, MINUTE_MS } from './durations.js';

const caseId = 'c0a8e1e2-0000-4000-8000-000000000001';
const discoveredAt = new Date('2026-12-02T10:00:00+09:00');

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

const kinds = (f: CaseClockFacts) => clocksFor(f).map((clock) => clock.kind);

describe('clocksFor: which clocks a case has', () => {
  it('always has the contract prompt report, due 24 h after discovery by default', () => {
    const clocks = clocksFor(facts());
    expect(clocks.map((clock) => clock.kind)).toEqual(['contract.prompt_report']);
    expect(clocks[0]).toMatchObject({ startedAt: discoveredAt, applies: 'yes', status: 'running' });
    expect(clocks[0].dueAt.getTime() - discoveredAt.getTime()).toBe(24 * HOUR_MS);
  });

  it('waits for an acknowledgement once the client was notified (30 min by default)', () => {
    const clientNotifiedAt = new Date('2026-12-02T01:00:05Z');
    const ack = clocksFor(facts({ clientNotifiedAt })).find(
      (clock) => clock.kind === 'contract.acknowledgement',
    );
    expect(ack).toMatchObject({ startedAt: clientNotifiedAt, dueAt: new Date('2026-12-02T01:30:05Z') });
  });

  it('uses the contract’s own lengths', () => {
    const contract = resolveContractClockSettings({
      promptReportWithinMs: 2 * HOUR_MS,
      acknowledgementWithinMs: 10 * MINUTE_MS,
    });
    const clocks = clocksFor(facts({ clientNotifiedAt: new Date('2026-12-02T02:00:00Z') }), contract);
    expect(clocks.map((clock) => clock.dueAt.toISOString())).toEqual([
      '2026-12-02T03:00:00.000Z',
      '2026-12-02T02:10:00.000Z',
    ]);
  });

  it('has the APPI clocks when an APPI regime applies or possibly applies, and not otherwise', () => {
    expect(kinds(facts({ appi: { applies: 'yes' } }))).toEqual([
      'contract.prompt_report',
      'appi.preliminary',
      'appi.final',
    ]);
    const possibly = clocksFor(facts({ appi: { applies: 'possibly' } }));
    expect(possibly.filter((clock) => clock.kind.startsWith('appi.')).map((clock) => clock.applies)).toEqual([
      'possibly',
      'possibly',
    ]);
    expect(kinds(facts({ appi: { applies: 'no' } }))).not.toContain('appi.final');
  });

  it('counts the APPI clocks from discovery: 速報 +5 days (warning at 3), 確報 day 30 rolled past New Year', () => {
    const clocks = clocksFor(facts({ appi: { applies: 'yes' } }));
    const preliminary = clocks.find((clock) => clock.kind === 'appi.preliminary');
    const final = clocks.find((clock) => clock.kind === 'appi.final');
    expect(preliminary?.dueAt).toEqual(new Date('2026-12-07T10:00:00+09:00'));
    expect(preliminary?.warnAt).toEqual([new Date('2026-12-05T10:00:00+09:00')]);
    expect(final?.dueAt).toEqual(new Date('2027-01-04T23:59:59.999+09:00'));
    expect(final?.basis).toContain('2026-12-31');
  });

  it('gives the 60-day 確報 only when an improper purpose is suspected ("unknown" counts 30 days)', () => {
    const final = (improperPurposeSuspected: CaseClockFacts['improperPurposeSuspected']) =>
      clocksFor(facts({ appi: { applies: 'yes' }, improperPurposeSuspected })).find(
        (c) => c.kind === 'appi.final',
      );
    // Day 60 from 2026-12-02 is Saturday 2027-01-30 → Monday 2027-02-01.
    expect(final('yes')?.dueAt).toEqual(new Date('2027-02-01T23:59:59.999+09:00'));
    expect(final('unknown')?.dueAt).toEqual(new Date('2027-01-04T23:59:59.999+09:00'));
    expect(final('no')?.dueAt).toEqual(new Date('2027-01-04T23:59:59.999+09:00'));
  });

  it('counts a regime’s clocks from when it came to apply, when that was after discovery', () => {
    const since = new Date('2026-12-10T09:00:00+09:00'); // an amendment crossed 1,000 persons
    const final = clocksFor(facts({ appi: { applies: 'yes', since } })).find((c) => c.kind === 'appi.final');
    expect(final?.startedAt).toEqual(since);
    // Day 30 from 2026-12-10 is Friday 2027-01-08.
    expect(final?.dueAt).toEqual(new Date('2027-01-08T23:59:59.999+09:00'));
    expect(() =>
      clocksFor(facts({ appi: { applies: 'yes', since: new Date('2026-12-01T00:00:00Z') } })),
    ).toThrow(ValidationError);
  });

  it('has the GDPR clocks when EU persons are possibly affected: 72 h and the processor target', () => {
    const clocks = clocksFor(facts({ gdpr: { applies: 'possibly' } }));
    expect(clocks.map((clock) => clock.kind)).toEqual([
      'contract.prompt_report',
      'gdpr.authority',
      'gdpr.processor_to_controller',
    ]);
    const [, authority, processor] = clocks;
    expect(authority.dueAt.getTime() - discoveredAt.getTime()).toBe(72 * HOUR_MS);
    expect(processor.dueAt.getTime() - discoveredAt.getTime()).toBe(24 * HOUR_MS);
    const configured = clocksFor(
      facts({ gdpr: { applies: 'yes' } }),
      undefined,
      resolveClockConfig({ gdprProcessorToControllerWithinMs: 12 * HOUR_MS }),
    ).find((clock) => clock.kind === 'gdpr.processor_to_controller');
    expect(configured?.dueAt.getTime()).toBe(discoveredAt.getTime() + 12 * HOUR_MS);
  });

  it('has one clock per instruction with a due date, due as given', () => {
    const issuedAt = new Date('2026-12-03T09:00:00+09:00');
    const dueAt = new Date('2026-12-04T17:00:00+09:00');
    const clocks = clocksFor(
      facts({
        instructions: [
          { instructionId: 'i-1', issuedAt, dueAt },
          { instructionId: 'i-2', issuedAt },
        ],
      }),
    );
    expect(clocks.filter((clock) => clock.kind === 'instruction.due')).toEqual([
      expect.objectContaining({
        id: `${caseId}/instruction.due/i-1`,
        instructionId: 'i-1',
        startedAt: issuedAt,
        dueAt,
      }),
    ]);
  });

  it('uses the configured 速報 days', () => {
    const config = resolveClockConfig({ appiPreliminary: { days: 3, warnAtDays: 2 } });
    const preliminary = clocksFor(facts({ appi: { applies: 'yes' } }), undefined, config).find(
      (clock) => clock.kind === 'appi.preliminary',
    );
    expect(preliminary?.dueAt).toEqual(new Date('2026-12-05T10:00:00+09:00'));
  });
});

describe('clockRegimes: the APPI and GDPR answers from an assessment', () => {
  it('takes the strongest answer of the three APPI regimes, and GDPR’s own', () => {
    expect(
      clockRegimes([
        { regime: 'appi_private_sector', applies: 'no' },
        { regime: 'appi_public_body', applies: 'possibly' },
        { regime: 'my_number', applies: 'no' },
        { regime: 'gdpr', applies: 'possibly' },
        { regime: 'processor_duty', applies: 'yes' },
      ]),
    ).toEqual({ appi: 'possibly', gdpr: 'possibly' });
    expect(
      clockRegimes([
        { regime: 'my_number', applies: 'yes' },
        { regime: 'appi_private_sector', applies: 'possibly' },
      ]),
    ).toEqual({ appi: 'yes', gdpr: 'no' });
    expect(clockRegimes([{ regime: 'processor_duty', applies: 'yes' }])).toEqual({ appi: 'no', gdpr: 'no' });
  });
});

describe('applyStops', () => {
  const all = facts({
    appi: { applies: 'yes' },
    gdpr: { applies: 'possibly' },
    clientNotifiedAt: new Date('2026-12-02T01:00:05Z'),
    instructions: [
      {
        instructionId: 'i-1',
        issuedAt: new Date('2026-12-03T00:00:00Z'),
        dueAt: new Date('2026-12-04T00:00:00Z'),
      },
      {
        instructionId: 'i-2',
        issuedAt: new Date('2026-12-03T00:00:00Z'),
        dueAt: new Date('2026-12-05T00:00:00Z'),
      },
    ],
  });
  const notified: ClockStop[] = [
    { kind: 'contract.prompt_report', at: new Date('2026-12-02T01:00:05Z'), eventId: 'notified' },
    { kind: 'gdpr.processor_to_controller', at: new Date('2026-12-02T01:00:05Z'), eventId: 'notified' },
  ];

  it('stops only the matching clocks (an instruction clock by its instruction id)', () => {
    const stops: ClockStop[] = [
      ...notified,
      {
        kind: 'instruction.due',
        instructionId: 'i-2',
        at: new Date('2026-12-04T12:00:00Z'),
        eventId: 'done-2',
      },
    ];
    const stopped = applyStops(clocksFor(all), stops).filter((clock) => clock.stoppedAt);
    expect(stopped.map((clock) => [clock.kind, clock.instructionId, clock.status])).toEqual([
      ['contract.prompt_report', undefined, 'stopped_in_time'],
      ['gdpr.processor_to_controller', undefined, 'stopped_in_time'],
      ['instruction.due', 'i-2', 'stopped_in_time'],
    ]);
  });

  it('lets a final report (確報) stand in for a preliminary one not yet submitted', () => {
    const finalSubmitted: ClockStop = {
      kind: 'appi.final',
      at: new Date('2026-12-10T00:00:00Z'),
      eventId: 'final',
    };
    const clocks = applyStops(clocksFor(all), [finalSubmitted]);
    expect(clocks.find((clock) => clock.kind === 'appi.final')).toMatchObject({ status: 'stopped_in_time' });
    // the 速報 was due on 7 December: answered by the 確報, but late
    expect(clocks.find((clock) => clock.kind === 'appi.preliminary')).toMatchObject({
      status: 'stopped_late',
      stoppedBy: 'final',
    });
    const preliminaryFirst: ClockStop = {
      kind: 'appi.preliminary',
      at: new Date('2026-12-04T00:00:00Z'),
      eventId: 'p',
    };
    const both = applyStops(clocksFor(all), [finalSubmitted, preliminaryFirst]);
    expect(both.find((clock) => clock.kind === 'appi.preliminary')).toMatchObject({
      stoppedBy: 'p',
      status: 'stopped_in_time',
    });
  });

  it('gives the same clocks for the stops in any order and delivered twice', () => {
    const stops: ClockStop[] = [
      ...notified,
      { kind: 'contract.acknowledgement', at: new Date('2026-12-02T01:45:00Z'), eventId: 'ack-late' },
      { kind: 'contract.acknowledgement', at: new Date('2026-12-02T01:20:00Z'), eventId: 'ack' },
    ];
    const clean = applyStops(clocksFor(all), stops);
    const messy = applyStops(clocksFor(all), [...stops].reverse().concat(stops));
    expect(messy).toEqual(clean);
    expect(clean.find((clock) => clock.kind === 'contract.acknowledgement')).toMatchObject({
      stoppedBy: 'ack',
      status: 'stopped_in_time',
    });
  });

  it('keeps a missed clock visibly missed, then stopped late with its lateness', () => {
    const now = new Date('2026-12-04T06:00:00Z');
    const i1 = (clocks: ReturnType<typeof clocksFor>) =>
      clocks.find((clock) => clock.instructionId === 'i-1');
    expect(evaluate(i1(clocksFor(all)) ?? fail(), now)).toMatchObject({
      status: 'missed',
      lateness: 6 * HOUR_MS,
    });
    const completedLate: ClockStop = {
      kind: 'instruction.due',
      instructionId: 'i-1',
      at: new Date('2026-12-04T08:00:00Z'),
      eventId: 'done-1',
    };
    const stopped = i1(applyStops(clocksFor(all), [completedLate])) ?? fail();
    expect(evaluate(stopped, new Date('2026-12-20T00:00:00Z'))).toMatchObject({
      status: 'stopped_late',
      lateness: 8 * HOUR_MS,
    });
  });
});

describe('clock configuration', () => {
  it.each([
    [{ appiPreliminary: { days: 3, warnAtDays: 3 } }],
    [{ gdprProcessorToControllerWithinMs: 0 }],
    [{ alerts: { leadTimesMs: [HOUR_MS, -5] } }],
    [{ alerts: { leadTimesMsByKind: { 'appi.finale': [HOUR_MS] } as never } }],
  ])('refuses %j', (overrides) => {
    expect(() => resolveClockConfig(overrides)).toThrow(ValidationError);
  });

  it('refuses a contract setting that is not a positive whole number of milliseconds', () => {
    expect(() => resolveContractClockSettings({ promptReportWithinMs: 1.5 })).toThrow(ValidationError);
    expect(resolveContractClockSettings({ promptReportWithinMs: undefined }).promptReportWithinMs).toBe(
      24 * HOUR_MS,
    );
  });
});

function fail(): never {
  throw new Error('expected a clock');
}
