import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CaseScript, shuffled } from '../../test/support.js';
import { DEFAULT_CLOCK_CONFIG, DEFAULT_CONTRACT_CLOCK_SETTINGS } from '../clocks/index.js';
import { evolveCase, foldCase, foldsAfter, type HistoryEvent, initialCaseState } from './case-state.js';
import { caseViewOf, expectedNext, readClock } from './case-view.js';

const settings = { contract: DEFAULT_CONTRACT_CLOCK_SETTINGS, config: DEFAULT_CLOCK_CONFIG };
const historyOf = (script: CaseScript): HistoryEvent[] =>
  script.events.map((event) => ({ ...event, recordedAt: event.occurredAt, sourceTopic: event.topic }));
/** JSON with sorted keys: states compare by content, whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

describe('the case fold', () => {
  const script = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z')).everyKind(5);
  const events = historyOf(script);
  const clean = foldCase(script.caseId, events);

  it('gives the same state for duplicates and any order', () => {
    for (const seed of [1, 2, 3, 42]) {
      const messy = shuffled([...events, ...events.slice(0, 40)], seed);
      expect(canonical(foldCase(script.caseId, messy))).toBe(canonical(clean));
    }
  });

  it('folding one event at a time (through JSON, as stored) equals folding them all at once', () => {
    let state = initialCaseState(script.caseId);
    for (const event of events) {
      expect(foldsAfter(state, event)).toBe(true);
      state = JSON.parse(JSON.stringify(evolveCase(state, event)));
    }
    expect(canonical(state)).toBe(canonical(clean));
    expect(foldsAfter(state, events[3])).toBe(false);
  });

  it('marks each stage with the first event that made it true', () => {
    const firstOf = (type: string) => events.find((event) => event.type === type)?.eventId;
    expect(clean.stages.reported?.eventId).toBe(events[0].eventId);
    expect(clean.stages.client_notified?.eventId).toBe(firstOf('ClientNotificationSent'));
    expect(clean.stages.acknowledged?.eventId).toBe(firstOf('ClientAcknowledged'));
    expect(clean.stages.instructed?.eventId).toBe(firstOf('InstructionIssued'));
    expect(clean.stages.subjects_notified?.eventId).toBe(firstOf('NoticeCampaignCompleted'));
    expect(clean.stages.statement_agreed?.eventId).toBe(firstOf('StatementApproved'));
    expect(clean.stages.published?.eventId).toBe(firstOf('StatementPublished'));
    expect(clean.stages.closed?.eventId).toBe(firstOf('CaseClosed'));
    // contained: the completion of the last open measure
    const completions = events.filter((event) => event.type === 'MeasureCompleted');
    expect(clean.stages.contained?.eventId).toBe(completions.at(-1)?.eventId);
  });

  it('contained holds only while every recorded measure is completed', () => {
    const measures = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z')).report();
    measures.add('MeasureRecorded', { measureId: measures.id('m1') });
    measures.add('MeasureCompleted', { measureId: measures.id('m1') });
    const contained = foldCase(measures.caseId, historyOf(measures));
    expect(contained.stages.contained?.eventId).toBe(measures.events.at(-1)?.eventId);
    measures.add('MeasureRecorded', { measureId: measures.id('m2') });
    expect(foldCase(measures.caseId, historyOf(measures)).stages.contained).toBeUndefined();
  });

  it('a reopened instruction loses its stop and its clock runs again', () => {
    const case1 = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z')).report();
    const instructionId = case1.id('i');
    case1.add('InstructionIssued', {
      instructionId,
      kind: 'INSTRUCTION_KIND_CONTAIN',
      dueAt: '2026-11-03T00:00:00Z',
    });
    case1.add('InstructionAcknowledged', { instructionId });
    case1.add('InstructionCompleted', { instructionId });
    const done = caseViewOf(foldCase(case1.caseId, historyOf(case1)), settings);
    expect(done.clocks.find((c) => c.kind === 'instruction.due')?.stoppedAt).toBeDefined();
    case1.add('InstructionReopened', { instructionId });
    const reopened = caseViewOf(foldCase(case1.caseId, historyOf(case1)), settings);
    const clock = reopened.clocks.find((c) => c.kind === 'instruction.due');
    expect(clock?.stoppedAt).toBeUndefined();
    expect(readClock(clock as NonNullable<typeof clock>, new Date('2026-11-04T00:00:00Z')).status).toBe(
      'missed',
    );
    expect(reopened.instructions[0]).toMatchObject({ status: 'in_progress', open: true, reopened: 1 });
  });

  it('an improper purpose confirmed later moves the 確報 to day 60; APPI coming to apply later starts its clocks then', () => {
    const s = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z'));
    s.report({
      discoveredAt: '2026-11-02T01:00:00.000Z',
      appi: 'APPLICABILITY_NO',
      gdpr: 'APPLICABILITY_NO',
    });
    expect(caseViewOf(foldCase(s.caseId, historyOf(s)), settings).clocks.map((c) => c.kind)).toEqual([
      'contract.prompt_report',
    ]);
    s.at(Date.parse('2026-11-05T03:00:00.000Z'));
    s.add('ReportAmended', { improperPurposeSuspected: 'TRI_STATE_YES' });
    s.assessment('APPLICABILITY_YES', 'APPLICABILITY_NO');
    const view = caseViewOf(foldCase(s.caseId, historyOf(s)), settings);
    const final = view.clocks.find((c) => c.kind === 'appi.final');
    expect(final?.startedAt).toBe(s.events.at(-1)?.occurredAt);
    expect(final?.basis).toContain('60 days (improper purpose suspected) counted from 2026-11-05');
  });

  it('a submitted 確報 stops both APPI clocks; a GDPR Art. 33 notification stops the 72 hours', () => {
    const s = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z'));
    s.report({ discoveredAt: '2026-11-02T00:00:00.000Z' });
    const submit = (kind: string, at: string) =>
      s.add('RegulatorReportSubmitted', { kind, submittedAt: at, referenceNumber: 'PPC-1' }, { at });
    submit('REGULATOR_REPORT_KIND_PPC_FINAL', '2026-11-20T00:00:00.000Z');
    submit('REGULATOR_REPORT_KIND_GDPR_ART33', '2026-11-06T00:00:00.000Z');
    const clocks = caseViewOf(foldCase(s.caseId, historyOf(s)), settings).clocks;
    const read = (kind: string) =>
      readClock(
        clocks.find((c) => c.kind === kind) as (typeof clocks)[number],
        new Date('2026-12-01T00:00:00Z'),
      );
    expect(read('appi.final')).toMatchObject({
      status: 'stopped_in_time',
      stoppedAt: '2026-11-20T00:00:00.000Z',
    });
    expect(read('appi.preliminary')).toMatchObject({ status: 'stopped_late' });
    expect(read('gdpr.authority')).toMatchObject({ status: 'stopped_late', latenessMs: 24 * 3_600_000 });
  });

  it('says what is expected next, soonest due first', () => {
    const s = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z'));
    s.report({ discoveredAt: '2026-11-02T00:00:00.000Z' });
    const steps = expectedNext(
      caseViewOf(foldCase(s.caseId, historyOf(s)), settings),
      new Date('2026-11-03T01:00:00Z'),
    );
    expect(steps[0]).toMatchObject({ by: 'system', overdue: true, dueAt: '2026-11-03T00:00:00.000Z' });
    expect(steps.map((step) => step.what)).toContain('submit the APPI preliminary report (速報) to the PPC');
  });
});
