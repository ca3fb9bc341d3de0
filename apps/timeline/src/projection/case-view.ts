import {
  applyStops,
  CLOCK_KIND_INFO,
  type Clock,
  type ClockConfig,
  type ClockKind,
  type ClockStatus,
  type ClockStop,
  type ContractClockSettings,
  clocksFor,
  evaluate,
  warningPoints,
} from '../clocks/index.js';
import {
  type CaseState,
  type InstructionStatus,
  type Mark,
  STAGE_LABELS,
  STAGES,
  type StageId,
} from './case-state.js';

/** The clock settings that apply to one case: the deployment's, with its contract's own values. */
export interface EffectiveClockSettings {
  contract: ContractClockSettings;
  config: ClockConfig;
}

/** A clock as stored in the view (instants as ISO strings), not yet evaluated against `now`. */
export interface StoredClock {
  id: string;
  kind: ClockKind;
  instructionId?: string;
  applies: 'yes' | 'possibly';
  startedAt: string;
  dueAt: string;
  warnAt: string[];
  basis: string;
  stoppedAt?: string;
  stoppedBy?: string;
}

export interface StageView {
  id: StageId;
  label: { en: string; ja: string };
  reached: boolean;
  at?: string;
  eventId?: string;
}

export interface InstructionView {
  instructionId: string;
  kind: string;
  status: InstructionStatus;
  open: boolean;
  issuedAt: string;
  issuedEventId: string;
  dueAt?: string;
  completedAt?: string;
  confirmedAt?: string;
  reopened: number;
}

export interface MeasureView {
  measureId: string;
  open: boolean;
  recordedAt: string;
  recordedEventId: string;
  completedAt?: string;
}

/** The stored read model of one case: everything but what depends on the time of reading. */
export interface CaseView {
  caseId: string;
  contractId?: string;
  caseNumber?: string;
  discoveredAt?: string;
  /** the most advanced stage reached (in the order of STAGES); `unknown` before the report arrived */
  stage: StageId | 'unknown';
  stages: StageView[];
  clocks: StoredClock[];
  instructions: InstructionView[];
  measures: MeasureView[];
  assessment?: {
    at: string;
    eventId: string;
    summaryEn: string;
    summaryJa: string;
    appi: string;
    gdpr: string;
  };
  correspondence: CaseState['correspondence'];
  alerts: CaseState['alerts'];
  eventCount: number;
  lastEventAt?: string;
  /** the earliest due date of a clock still running (or missed and not stopped) */
  nextDue?: { clockId: string; kind: ClockKind; dueAt: string };
  /**
   * the earliest instant at which the scheduler may owe an alert for this case: the earliest warning
   * point or due date of a running clock (possibly already past: the scheduler then checks and moves
   * it forward)
   */
  nextAlertAt?: string;
}

const iso = (date: Date) => date.toISOString();
const date = (value: string) => new Date(value);

/** The clocks of the case, with the stops its facts give (pure; no `now`). */
export function clocksOf(state: CaseState, settings: EffectiveClockSettings): Clock[] {
  if (!state.discoveredAt) return [];
  const assessment = state.assessment;
  const clocks = clocksFor(
    {
      caseId: state.caseId,
      discoveredAt: date(state.discoveredAt),
      improperPurposeSuspected: state.improperPurpose,
      appi: {
        applies: assessment?.appi ?? 'no',
        ...(assessment?.appiSince ? { since: later(assessment.appiSince, state.discoveredAt) } : {}),
      },
      gdpr: {
        applies: assessment?.gdpr ?? 'no',
        ...(assessment?.gdprSince ? { since: later(assessment.gdprSince, state.discoveredAt) } : {}),
      },
      ...(state.stages.client_notified ? { clientNotifiedAt: date(state.stages.client_notified.at) } : {}),
      // key order of a stored state is jsonb's, not insertion order: sort for a deterministic result
      instructions: sortedInstructions(state).map((instruction) => ({
        instructionId: instruction.instructionId,
        issuedAt: date(instruction.issued.at),
        ...(instruction.dueAt ? { dueAt: date(instruction.dueAt) } : {}),
      })),
    },
    settings.contract,
    settings.config,
  );
  return applyStops(clocks, stopsOf(state));
}

const later = (a: string, b: string): Date => date(a > b ? a : b);

/** Items in the order of a mark's time (ties: by id): for output that must not depend on key order. */
function byMark<T>(items: Iterable<T>, mark: (item: T) => string, id: (item: T) => string): T[] {
  const key = (item: T) => `${mark(item)}\u0000${id(item)}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The case's instructions in the order they were issued (ties: by id). */
function sortedInstructions(state: CaseState): CaseState['instructions'][string][] {
  return byMark(
    Object.values(state.instructions),
    (i) => i.issued.at,
    (i) => i.instructionId,
  );
}

/**
 * The facts that stop clocks, from the current state (so a reopened instruction has lost its stop):
 * the first notice, the acknowledgement, the standing completion of an instruction, and the reports
 * the publisher records as submitted (`RegulatorReportSubmitted`: PPC 速報 and 確報, GDPR Art. 33, the
 * processor's notice to the controller). A 確報 also stops a running 速報 (clocksFor's ALSO_STOPS).
 */
export function stopsOf(state: CaseState): ClockStop[] {
  const stops: ClockStop[] = [];
  const stop = (kind: ClockKind, mark: Mark | undefined, instructionId?: string) => {
    if (mark) {
      stops.push({
        kind,
        at: date(mark.at),
        eventId: mark.eventId,
        ...(instructionId ? { instructionId } : {}),
      });
    }
  };
  stop('contract.prompt_report', state.stages.client_notified);
  stop('gdpr.processor_to_controller', state.stages.client_notified);
  stop('contract.acknowledgement', state.stages.acknowledged);
  for (const instruction of Object.values(state.instructions)) {
    stop('instruction.due', instruction.completed, instruction.instructionId);
  }
  const submitted = state.submissions ?? {};
  stop('appi.preliminary', submitted.ppc_preliminary);
  stop('appi.final', submitted.ppc_final);
  stop('gdpr.authority', submitted.gdpr_art33);
  stop('gdpr.processor_to_controller', submitted.processor_notice);
  return stops;
}

/** The read model of the case for its state and settings. */
export function caseViewOf(state: CaseState, settings: EffectiveClockSettings): CaseView {
  const clocks = clocksOf(state, settings);
  const stages: StageView[] = STAGES.map((id) => {
    const mark = state.stages[id];
    return {
      id,
      label: STAGE_LABELS[id],
      reached: mark !== undefined,
      ...(mark ? { at: mark.at, eventId: mark.eventId } : {}),
    };
  });
  const reached = stages.filter((stage) => stage.reached);
  const running = clocks
    .filter((clock) => !clock.stoppedAt)
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1));
  const next = running[0];
  const alertPoints = running.flatMap((clock) => [
    ...warningPoints(clock, settings.config.alerts).map((point) => point.at.getTime()),
    clock.dueAt.getTime() + 1,
  ]);
  const instructions: InstructionView[] = sortedInstructions(state).map((instruction) => ({
    instructionId: instruction.instructionId,
    kind: instruction.kind,
    status: instruction.status,
    open: instruction.status !== 'confirmed' && !state.stages.closed,
    issuedAt: instruction.issued.at,
    issuedEventId: instruction.issued.eventId,
    ...(instruction.dueAt ? { dueAt: instruction.dueAt } : {}),
    ...(instruction.completed ? { completedAt: instruction.completed.at } : {}),
    ...(instruction.confirmed ? { confirmedAt: instruction.confirmed.at } : {}),
    reopened: instruction.reopened,
  }));
  const measures: MeasureView[] = byMark(
    Object.values(state.measures),
    (m) => m.recorded.at,
    (m) => m.measureId,
  ).map((measure) => ({
    measureId: measure.measureId,
    open: !measure.completed,
    recordedAt: measure.recorded.at,
    recordedEventId: measure.recorded.eventId,
    ...(measure.completed ? { completedAt: measure.completed.at } : {}),
  }));
  const assessment = state.assessment;
  return {
    caseId: state.caseId,
    ...(state.contractId ? { contractId: state.contractId } : {}),
    ...(state.caseNumber ? { caseNumber: state.caseNumber } : {}),
    ...(state.discoveredAt ? { discoveredAt: state.discoveredAt } : {}),
    stage: reached.at(-1)?.id ?? 'unknown',
    stages,
    clocks: clocks.map(storedClock),
    instructions,
    measures,
    ...(assessment
      ? {
          assessment: {
            at: assessment.at,
            eventId: assessment.eventId,
            summaryEn: assessment.summaryEn,
            summaryJa: assessment.summaryJa,
            appi: assessment.appi,
            gdpr: assessment.gdpr,
          },
        }
      : {}),
    correspondence: state.correspondence,
    alerts: state.alerts,
    eventCount: state.eventCount,
    ...(state.lastEventAt ? { lastEventAt: state.lastEventAt } : {}),
    ...(next ? { nextDue: { clockId: next.id, kind: next.kind, dueAt: iso(next.dueAt) } } : {}),
    ...(alertPoints.length > 0 ? { nextAlertAt: iso(new Date(Math.min(...alertPoints))) } : {}),
  };
}

function storedClock(clock: Clock): StoredClock {
  return {
    id: clock.id,
    kind: clock.kind,
    ...(clock.instructionId ? { instructionId: clock.instructionId } : {}),
    applies: clock.applies,
    startedAt: iso(clock.startedAt),
    dueAt: iso(clock.dueAt),
    warnAt: clock.warnAt.map(iso),
    basis: clock.basis,
    ...(clock.stoppedAt ? { stoppedAt: iso(clock.stoppedAt) } : {}),
    ...(clock.stoppedBy ? { stoppedBy: clock.stoppedBy } : {}),
  };
}

/** A stored clock back as the clocks library's `Clock` (running until evaluated). */
export function clockOf(stored: StoredClock): Clock {
  return {
    id: stored.id,
    caseId: stored.id.split('/')[0],
    kind: stored.kind,
    ...(stored.instructionId ? { instructionId: stored.instructionId } : {}),
    applies: stored.applies,
    startedAt: date(stored.startedAt),
    dueAt: date(stored.dueAt),
    warnAt: stored.warnAt.map(date),
    basis: stored.basis,
    ...(stored.stoppedAt ? { stoppedAt: date(stored.stoppedAt) } : {}),
    ...(stored.stoppedBy ? { stoppedBy: stored.stoppedBy } : {}),
    status: 'running',
    lateness: 0,
  };
}

/** A clock as of the time of reading. */
export interface ClockReading extends StoredClock {
  label: { en: string; ja: string };
  status: ClockStatus;
  /** ms past the due date: growing for a missed clock, fixed for one stopped late */
  latenessMs: number;
}

export function readClock(stored: StoredClock, now: Date): ClockReading {
  const clock = evaluate(clockOf(stored), now);
  return {
    ...stored,
    label: CLOCK_KIND_INFO[stored.kind].label,
    status: clock.status,
    latenessMs: clock.lateness,
  };
}

/** One thing the case waits for, and who must do it. */
export interface ExpectedStep {
  what: string;
  by: 'contractor' | 'client' | 'system';
  dueAt?: string;
  overdue: boolean;
  clockId?: string;
  instructionId?: string;
  measureId?: string;
}

/** What is expected next, soonest due first (steps without a due date last). */
export function expectedNext(view: CaseView, now: Date): ExpectedStep[] {
  if (view.stage === 'unknown' || view.stages.find((stage) => stage.id === 'closed')?.reached) return [];
  const reached = (id: StageId) => view.stages.find((stage) => stage.id === id)?.reached ?? false;
  const clock = (kind: ClockKind, instructionId?: string) =>
    view.clocks.find((c) => c.kind === kind && c.instructionId === instructionId && !c.stoppedAt);
  const steps: ExpectedStep[] = [];
  const add = (
    what: string,
    by: ExpectedStep['by'],
    due?: StoredClock | string,
    extra: Partial<ExpectedStep> = {},
  ) => {
    const dueAt = typeof due === 'string' ? due : due?.dueAt;
    steps.push({
      what,
      by,
      ...(dueAt ? { dueAt, overdue: date(dueAt).getTime() < now.getTime() } : { overdue: false }),
      ...(typeof due === 'object' ? { clockId: due.id } : {}),
      ...extra,
    });
  };
  if (!reached('client_notified')) {
    add(
      "the client's designated contacts are sent the first notice",
      'system',
      clock('contract.prompt_report'),
    );
  } else if (!reached('acknowledged')) {
    add(
      'a client officer acknowledges receipt of the first notice',
      'client',
      clock('contract.acknowledgement'),
    );
  }
  for (const instruction of view.instructions.filter((i) => i.open)) {
    const due = clock('instruction.due', instruction.instructionId) ?? instruction.dueAt;
    const extra = { instructionId: instruction.instructionId };
    if (instruction.status === 'issued')
      add(`acknowledge the instruction (${instruction.kind})`, 'contractor', due, extra);
    else if (instruction.status === 'completed')
      add(`the client confirms the completed instruction (${instruction.kind})`, 'client', undefined, extra);
    else add(`complete the instruction (${instruction.kind})`, 'contractor', due, extra);
  }
  for (const measure of view.measures.filter((m) => m.open)) {
    add('complete the damage-minimising measure', 'contractor', undefined, { measureId: measure.measureId });
  }
  const regulator: [ClockKind, string][] = [
    ['appi.preliminary', 'submit the APPI preliminary report (速報) to the PPC'],
    ['appi.final', 'submit the APPI final report (確報) to the PPC'],
    ['gdpr.authority', 'the controller notifies the supervisory authority (GDPR Art. 33)'],
  ];
  for (const [kind, what] of regulator) {
    const running = clock(kind);
    if (running) add(what, kind === 'gdpr.authority' ? 'client' : 'contractor', running);
  }
  const notifyInstruction = view.instructions.find((i) => i.kind === 'notify_subjects');
  if (notifyInstruction && !reached('subjects_notified')) {
    add('notify the affected persons (or post a public notice)', 'system', notifyInstruction.dueAt);
  }
  if (reached('statement_agreed') && !reached('published')) add('publish the agreed statement', 'contractor');
  else if (!reached('statement_agreed') && view.instructions.some((i) => i.kind === 'publish')) {
    add('agree the public statement with the client (consultation)', 'client');
  }
  if (steps.length === 0)
    add('close the case (return or erase the data, certificate of erasure)', 'contractor');
  return steps.sort((a, b) => {
    if (a.dueAt && b.dueAt) return a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0;
    return a.dueAt ? -1 : b.dueAt ? 1 : 0;
  });
}
