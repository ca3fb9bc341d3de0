import { assertValidInstant } from './calendar-date.js';
import type { Deadline } from './deadline.js';

/** Every kind of clock a case can have. */
export const CLOCK_KINDS = [
  'contract.prompt_report',
  'contract.acknowledgement',
  'appi.preliminary',
  'appi.final',
  'gdpr.authority',
  'gdpr.processor_to_controller',
  'instruction.due',
] as const;

export type ClockKind = (typeof CLOCK_KINDS)[number];

export interface ClockKindInfo {
  label: { en: string; ja: string };
  /** where the rule comes from */
  source: string;
  /** what stops the clock (the wiring maps these facts to `ClockStop`s) */
  stoppedBy: string;
}

/** Names and sources of the clock kinds, for the timeline pages, the case picture and alert emails. */
export const CLOCK_KIND_INFO: Readonly<Record<ClockKind, ClockKindInfo>> = Object.freeze({
  'contract.prompt_report': {
    label: { en: 'Prompt report to the client', ja: '委託元への速やかな報告' },
    source: 'contract Art. 16(1); target per contract (default 24 h)',
    stoppedBy: "the client's designated contacts were notified of the report (first notice sent)",
  },
  'contract.acknowledgement': {
    label: { en: 'Client acknowledgement', ja: '委託元の受領確認' },
    source: 'contract settings (default 30 min after the first notice)',
    stoppedBy: 'a client officer acknowledged receipt',
  },
  'appi.preliminary': {
    label: { en: 'APPI preliminary report to the PPC', ja: '個人情報保護委員会への速報' },
    source: 'APPI Art. 26 / Rule 8; PPC guideline: about 3-5 days (REGULATIONS.md)',
    stoppedBy: 'the preliminary report (or a final report serving as both) was submitted',
  },
  'appi.final': {
    label: { en: 'APPI final report to the PPC', ja: '個人情報保護委員会への確報' },
    source: 'APPI Art. 26 / Rule 8: 30 days, 60 with an improper purpose (REGULATIONS.md)',
    stoppedBy: 'the final report was submitted',
  },
  'gdpr.authority': {
    label: { en: 'GDPR notification to the supervisory authority', ja: 'GDPR 監督機関への通知' },
    source: 'GDPR Art. 33(1): 72 hours after awareness (REGULATIONS.md)',
    stoppedBy: 'the Art. 33 notification was submitted',
  },
  'gdpr.processor_to_controller': {
    label: { en: 'GDPR processor notice to the controller', ja: 'GDPR 処理者から管理者への通知' },
    source: 'GDPR Art. 33(2): without undue delay; configured target (default 24 h)',
    stoppedBy: "the client's designated contacts were notified of the report (first notice sent)",
  },
  'instruction.due': {
    label: { en: 'Instruction due', ja: '指示の期限' },
    source: "the client's instruction (Art. 16(1))",
    stoppedBy: 'the instruction was completed',
  },
});

/**
 * - `running`: not stopped, due date not yet passed
 * - `stopped_in_time`: the stopping event happened at or before the due date
 * - `stopped_late`: the stopping event happened after the due date (`lateness` says by how much)
 * - `missed`: not stopped and the due date has passed (`lateness` grows until it is stopped)
 */
export type ClockStatus = 'running' | 'stopped_in_time' | 'stopped_late' | 'missed';

/**
 * One deadline of a case. Values, never mutated: every operation returns a new clock.
 * `status` and `lateness` are as of the last `evaluate` (or `stopClock`); a clock fresh from
 * `clocksFor` is `running` until evaluated.
 */
export interface Clock {
  /** deterministic: `<caseId>/<kind>`, or `<caseId>/instruction.due/<instructionId>` */
  id: string;
  caseId: string;
  kind: ClockKind;
  /** the instruction an `instruction.due` clock belongs to */
  instructionId?: string;
  /** whether the duty certainly applies or only possibly (the regulatory assessment's "possibly") */
  applies: 'yes' | 'possibly';
  startedAt: Date;
  /** the last instant at which stopping it is still in time (inclusive) */
  dueAt: Date;
  /** warning points defined by the rule itself (lead-time alerts come on top) */
  warnAt: Date[];
  /** how the due date was computed, in words */
  basis: string;
  stoppedAt?: Date;
  /** the id of the event that stopped the clock */
  stoppedBy?: string;
  status: ClockStatus;
  /** milliseconds past the due date (missed: as of evaluation; stopped late: at the stop); otherwise 0 */
  lateness: number;
}

export interface StartClock {
  caseId: string;
  kind: ClockKind;
  instructionId?: string;
  applies: 'yes' | 'possibly';
  startedAt: Date;
  deadline: Deadline;
}

export function clockId(caseId: string, kind: ClockKind, instructionId?: string): string {
  return instructionId === undefined ? `${caseId}/${kind}` : `${caseId}/${kind}/${instructionId}`;
}

/** A new, running clock. */
export function startClock(start: StartClock): Clock {
  assertValidInstant(start.startedAt, 'startedAt');
  return {
    id: clockId(start.caseId, start.kind, start.instructionId),
    caseId: start.caseId,
    kind: start.kind,
    ...(start.instructionId === undefined ? {} : { instructionId: start.instructionId }),
    applies: start.applies,
    startedAt: start.startedAt,
    dueAt: start.deadline.dueAt,
    warnAt: [...start.deadline.warnAt],
    basis: start.deadline.basis,
    status: 'running',
    lateness: 0,
  };
}

/**
 * The clock stopped at `at` by the event `eventId`. Stopping is order-independent: when a clock is
 * stopped again, the earliest stop wins (ties: the smaller event id), so redelivered or out-of-order
 * events give the same clock. Stopping a missed clock marks it `stopped_late` with its lateness at the
 * stop.
 */
export function stopClock(clock: Clock, at: Date, eventId: string): Clock {
  assertValidInstant(at, 'at');
  if (clock.stoppedAt && !isEarlierStop(at, eventId, clock.stoppedAt, clock.stoppedBy ?? '')) {
    return clock;
  }
  return settle({ ...clock, stoppedAt: at, stoppedBy: eventId }, at);
}

function isEarlierStop(at: Date, eventId: string, currentAt: Date, currentEventId: string): boolean {
  if (at.getTime() !== currentAt.getTime()) return at.getTime() < currentAt.getTime();
  return eventId < currentEventId;
}

/**
 * The clock as of `now`: a stopped clock keeps the status its stop gave it; a running one becomes
 * `missed` once `now` is past `dueAt`, with `lateness = now - dueAt`. A missed clock stays missed
 * until it is stopped (then `stopped_late`).
 */
export function evaluate(clock: Clock, now: Date): Clock {
  assertValidInstant(now, 'now');
  if (clock.stoppedAt) return settle(clock, clock.stoppedAt);
  const overdueBy = now.getTime() - clock.dueAt.getTime();
  const status: ClockStatus = overdueBy > 0 ? 'missed' : 'running';
  const lateness = Math.max(0, overdueBy);
  return clock.status === status && clock.lateness === lateness ? clock : { ...clock, status, lateness };
}

/** Status and lateness of a stopped clock, which depend only on the stop. */
function settle(clock: Clock, stoppedAt: Date): Clock {
  const lateness = Math.max(0, stoppedAt.getTime() - clock.dueAt.getTime());
  const status: ClockStatus = lateness > 0 ? 'stopped_late' : 'stopped_in_time';
  return clock.status === status && clock.lateness === lateness ? clock : { ...clock, status, lateness };
}

export function isStopped(clock: Clock): boolean {
  return clock.stoppedAt !== undefined;
}

/**
 * The clock that matters most now, for the case list: a missed one first (the longest overdue), else
 * the running one due soonest; `undefined` when every clock is stopped.
 */
export function mostUrgentClock(clocks: readonly Clock[], now: Date): Clock | undefined {
  const open = clocks.filter((clock) => !isStopped(clock)).map((clock) => evaluate(clock, now));
  open.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id.localeCompare(b.id));
  return open[0];
}
