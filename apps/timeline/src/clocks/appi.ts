import { ValidationError } from '#libs/event-store';
import {
  addDays,
  assertValidInstant,
  type CalendarDate,
  endOfTokyoDay,
  tokyoDateOf,
} from './calendar-date.js';
import type { Deadline } from './deadline.js';
import { addMs, assertPositiveInteger, DAY_MS } from './durations.js';
import {
  describeNonBusinessDay,
  type NonBusinessDay,
  rollForwardToBusinessDay,
} from './japan-business-days.js';

/**
 * APPI (Act on the Protection of Personal Information) report clocks: the preliminary report 速報 and
 * the final report 確報 to the Personal Information Protection Commission. Source: REGULATIONS.md
 * ("Japan APPI, private sector", Art. 26, Rules 7-10, and the clock rules for 確報 below the table);
 * the same timings apply to public bodies (Art. 68) and to My Number leaks.
 */

export interface AppiPreliminaryOptions {
  /** days from discovery until the 速報 is due (the guideline says "about 3-5 days"); default 5 */
  days?: number;
  /** days from discovery until the early warning; default 3 (the short end of the guideline's range) */
  warnAtDays?: number;
}

export const APPI_PRELIMINARY_DEFAULTS = Object.freeze({ days: 5, warnAtDays: 3 });

/**
 * The 速報 target. The law says 速やかに (promptly); the PPC guideline reads that as "about 3-5 days
 * from when any department knew". That is a guide, not a day count with roll-over, so this clock is
 * an instant: discovery + `days` × 24 h (the same time of day in Tokyo, `days` calendar days later:
 * Japan has no daylight saving time), with a warning at discovery + `warnAtDays` × 24 h. It is not
 * moved past weekends or holidays: that would stretch a "promptly" target.
 */
export function appiPreliminaryDue(discoveredAt: Date, options: AppiPreliminaryOptions = {}): Deadline {
  const { days, warnAtDays } = { ...APPI_PRELIMINARY_DEFAULTS, ...options };
  assertValidInstant(discoveredAt, 'discoveredAt');
  assertPositiveInteger(days, 'appi.preliminaryDays');
  assertPositiveInteger(warnAtDays, 'appi.preliminaryWarnAtDays');
  if (warnAtDays >= days) {
    throw new ValidationError('the 速報 warning must come before the due date', {
      code: 'clock.invalid_config',
      details: { field: 'appi.preliminaryWarnAtDays', value: warnAtDays, days },
    });
  }
  return {
    dueAt: addMs(discoveredAt, days * DAY_MS),
    warnAt: [addMs(discoveredAt, warnAtDays * DAY_MS)],
    basis:
      `速報 (preliminary report) target: discovery + ${days} days (PPC guideline: about 3-5 days), ` +
      `warning at ${warnAtDays} days; not moved past weekends or holidays`,
  };
}

export interface AppiFinalOptions {
  /** an improper purpose (不正の目的) is suspected: 60 days instead of 30 */
  improperPurpose: boolean;
}

/** The 確報 deadline with the steps that produced it. */
export interface AppiFinalDeadline extends Deadline {
  days: 30 | 60;
  /** the discovery date in Tokyo: day 1 */
  firstDay: CalendarDate;
  /** day 30 (or 60) before any roll-over */
  nominalLastDay: CalendarDate;
  /** the business day the deadline ends on */
  lastDay: CalendarDate;
  /** the non-business days passed over to reach `lastDay` (empty when day 30/60 is a business day) */
  skipped: NonBusinessDay[];
}

/**
 * The 確報 deadline: 30 days, or 60 when an improper purpose is suspected, counted on the Asia/Tokyo
 * calendar with the discovery day as day 1 (weekends and holidays inside the period count). When day
 * 30/60 is a Saturday, Sunday, national holiday or falls in 12/29–1/3, the deadline moves to the next
 * business day. It ends at the end of that day: 23:59:59.999 JST.
 *
 * Example: discovered 2026-12-02 (JST) → day 30 is 2026-12-31 (year-end break) → 2027-01-04, due
 * 2027-01-04T23:59:59.999+09:00.
 */
export function appiFinalDue(discoveredAt: Date, options: AppiFinalOptions): AppiFinalDeadline {
  assertValidInstant(discoveredAt, 'discoveredAt');
  const days = options.improperPurpose ? 60 : 30;
  const firstDay = tokyoDateOf(discoveredAt);
  const nominalLastDay = addDays(firstDay, days - 1);
  const { date: lastDay, skipped } = rollForwardToBusinessDay(nominalLastDay);
  return {
    dueAt: endOfTokyoDay(lastDay),
    warnAt: [],
    basis: describeFinal(days, options.improperPurpose, firstDay, nominalLastDay, lastDay, skipped),
    days,
    firstDay,
    nominalLastDay,
    lastDay,
    skipped,
  };
}

function describeFinal(
  days: number,
  improperPurpose: boolean,
  firstDay: CalendarDate,
  nominalLastDay: CalendarDate,
  lastDay: CalendarDate,
  skipped: NonBusinessDay[],
): string {
  const why = improperPurpose ? ' (improper purpose suspected)' : '';
  const head = `確報 (final report): ${days} days${why} counted from ${firstDay} (day 1, Asia/Tokyo); day ${days} is ${nominalLastDay}`;
  if (skipped.length === 0) return `${head}, a business day; due at its end (23:59:59.999 JST)`;
  const passed = skipped.map(describeNonBusinessDay);
  return `${head}; passed over ${passed.join(', ')}; due at the end of ${lastDay} (23:59:59.999 JST)`;
}
