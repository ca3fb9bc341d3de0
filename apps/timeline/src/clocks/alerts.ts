import { v5 as uuidv5 } from 'uuid';
import { assertValidInstant } from './calendar-date.js';
import { type Clock, type ClockKind, evaluate, isStopped } from './clock.js';
import { type AlertConfig, DEFAULT_ALERT_CONFIG } from './config.js';

/** Namespace of the alert ids (UUID v5 of the alert key): fixed forever, or every id changes. */
export const DEADLINE_ALERT_NAMESPACE = 'a60a5b62-27d3-44fb-9bca-9a8a3d8cf612';

interface AlertBase {
  /**
   * Deterministic UUID (v5 of `key`): computing the same alert again gives the same id, so it can be
   * the emitted event's id and a second emission is caught as a duplicate.
   */
  id: string;
  /** readable identity: `<clockId>|approaching|<triggerAt ISO>` or `<clockId>|missed|<dueAt ISO>` */
  key: string;
  caseId: string;
  clockId: string;
  clockKind: ClockKind;
  instructionId?: string;
  dueAt: Date;
  /** the instant the alert became due: the warning point, or `dueAt` for a missed deadline */
  triggerAt: Date;
}

export interface DeadlineApproaching extends AlertBase {
  type: 'DeadlineApproaching';
  /** time left at `triggerAt` (ms) */
  remainingMs: number;
  /** a configured lead time before the due date, or a warning point the rule defines (`warnAt`) */
  trigger: 'lead_time' | 'warn_at';
}

export interface DeadlineMissed extends AlertBase {
  type: 'DeadlineMissed';
}

export type DeadlineAlert = DeadlineApproaching | DeadlineMissed;

/** What the caller already emitted: alert ids (a Set works). */
export interface EmittedAlerts {
  has(alertId: string): boolean;
}

/**
 * The alerts to emit now that have not been emitted yet, ordered by `triggerAt` (then clock id).
 * The caller records what it emitted and passes it back next time, so each alert goes out once.
 *
 * - Stopped clocks alert nothing: the duty is done (a late stop keeps its lateness on the clock).
 * - A running clock past its due date gives one `DeadlineMissed` (and no more approaching alerts).
 * - Otherwise one `DeadlineApproaching` for the latest warning point already reached, if not emitted:
 *   after a pause (a scheduler down for a day) the user gets the current warning, not a backlog of
 *   stale ones. Warning points are `dueAt - leadTime` for each configured lead time and the clock's
 *   own `warnAt`, strictly after the clock started and before it is due (a 24 h lead on a 30-minute
 *   clock would fire before the clock existed, so it is skipped).
 */
export function dueAlerts(
  clocks: readonly Clock[],
  now: Date,
  alreadyEmitted: EmittedAlerts,
  config: AlertConfig = DEFAULT_ALERT_CONFIG,
): DeadlineAlert[] {
  assertValidInstant(now, 'now');
  const alerts: DeadlineAlert[] = [];
  for (const clock of clocks) {
    const alert = alertFor(evaluate(clock, now), now, config);
    if (alert && !alreadyEmitted.has(alert.id)) alerts.push(alert);
  }
  return alerts.sort(
    (a, b) => a.triggerAt.getTime() - b.triggerAt.getTime() || a.clockId.localeCompare(b.clockId),
  );
}

function alertFor(clock: Clock, now: Date, config: AlertConfig): DeadlineAlert | undefined {
  if (isStopped(clock)) return undefined;
  if (clock.status === 'missed') {
    return { type: 'DeadlineMissed', ...base(clock, 'missed', clock.dueAt) };
  }
  const reached = warningPoints(clock, config).filter((point) => point.at.getTime() <= now.getTime());
  const latest = reached.at(-1);
  if (!latest) return undefined;
  return {
    type: 'DeadlineApproaching',
    ...base(clock, 'approaching', latest.at),
    remainingMs: clock.dueAt.getTime() - latest.at.getTime(),
    trigger: latest.trigger,
  };
}

interface WarningPoint {
  at: Date;
  trigger: DeadlineApproaching['trigger'];
}

/** The clock's warning points, ascending, one per instant (a rule's own `warnAt` wins a tie). */
export function warningPoints(clock: Clock, config: AlertConfig = DEFAULT_ALERT_CONFIG): WarningPoint[] {
  const leadTimes = config.leadTimesMsByKind[clock.kind] ?? config.leadTimesMs;
  const candidates: WarningPoint[] = [
    ...clock.warnAt.map((at) => ({ at, trigger: 'warn_at' as const })),
    ...leadTimes.map((lead) => ({
      at: new Date(clock.dueAt.getTime() - lead),
      trigger: 'lead_time' as const,
    })),
  ];
  const byInstant = new Map<number, WarningPoint>();
  for (const point of candidates) {
    const at = point.at.getTime();
    if (at <= clock.startedAt.getTime() || at >= clock.dueAt.getTime() || byInstant.has(at)) continue;
    byInstant.set(at, point);
  }
  return [...byInstant.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

function base(clock: Clock, what: 'approaching' | 'missed', triggerAt: Date): AlertBase {
  const key = `${clock.id}|${what}|${triggerAt.toISOString()}`;
  return {
    id: uuidv5(key, DEADLINE_ALERT_NAMESPACE),
    key,
    caseId: clock.caseId,
    clockId: clock.id,
    clockKind: clock.kind,
    ...(clock.instructionId === undefined ? {} : { instructionId: clock.instructionId }),
    dueAt: clock.dueAt,
    triggerAt,
  };
}
