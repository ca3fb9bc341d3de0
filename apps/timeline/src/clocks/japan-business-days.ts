// @holiday-jp/holiday_jp is CommonJS (`module.exports = {...}`): under Node ESM only its default export
// (the whole module.exports object) is reliable, so it is imported as a default, never by name.
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, type CalendarDate, parseCalendarDate, weekdayOf } from './calendar-date.js';

/** Why a date is not a business day in Japan. */
export type NonBusinessDayReason = 'saturday' | 'sunday' | 'national_holiday' | 'year_end_break';

export interface NonBusinessDay {
  date: CalendarDate;
  /** every reason that applies (2027-01-01 is both a national holiday and in the year-end break) */
  reasons: NonBusinessDayReason[];
  /** the holiday's name when it is a national holiday, in Japanese and English, as the package names it */
  holidayName?: { ja: string; en: string };
}

/**
 * The package's holiday table, keyed by `YYYY-MM-DD`: national holidays 国民の祝日, substitute holidays
 * 振替休日 and citizens' holidays 国民の休日 (named "休日" in the table). Looked up by key here: the
 * package's own `isHoliday(Date)` and `between` read a Date's fields in the process's local time zone,
 * which names the wrong day for a Tokyo date anywhere but Asia/Tokyo.
 */
const HOLIDAYS: Readonly<Record<string, { readonly name: string; readonly name_en: string }>> =
  holidayJp.holidays;
const HOLIDAY_YEARS = Object.keys(HOLIDAYS).map((date) => Number(date.slice(0, 4)));

/** The years the installed holiday table covers. Dates outside them cannot be classified safely. */
export const HOLIDAY_CALENDAR_COVERAGE = Object.freeze({
  firstYear: Math.min(...HOLIDAY_YEARS),
  lastYear: Math.max(...HOLIDAY_YEARS),
  source: `@holiday-jp/holiday_jp ${holidayJp.VERSION}`,
});

/**
 * A date outside the years the holiday table covers: treating it as "no holiday" could put a deadline
 * on a holiday, so the calculation refuses. The cure is upgrading `@holiday-jp/holiday_jp`.
 */
export class HolidayCalendarOutOfRangeError extends RangeError {
  constructor(readonly date: CalendarDate) {
    super(
      `${date} is outside the Japanese holiday calendar (${HOLIDAY_CALENDAR_COVERAGE.firstYear}-` +
        `${HOLIDAY_CALENDAR_COVERAGE.lastYear}, ${HOLIDAY_CALENDAR_COVERAGE.source}); upgrade the package`,
    );
    this.name = 'HolidayCalendarOutOfRangeError';
  }
}

/**
 * Why the date is not a business day in Japan, or `undefined` when it is one. Non-business days are
 * Saturdays, Sundays, national holidays (incl. substitute holidays and 国民の休日) and the year-end
 * break 12/29–1/3 (the government offices' closing days, which the PPC's deadline rule also skips).
 */
export function nonBusinessDay(date: CalendarDate): NonBusinessDay | undefined {
  const { year, month, day } = parseCalendarDate(date);
  if (year < HOLIDAY_CALENDAR_COVERAGE.firstYear || year > HOLIDAY_CALENDAR_COVERAGE.lastYear) {
    throw new HolidayCalendarOutOfRangeError(date);
  }
  const reasons: NonBusinessDayReason[] = [];
  const weekday = weekdayOf(date);
  if (weekday === 6) reasons.push('saturday');
  if (weekday === 0) reasons.push('sunday');
  const holiday = Object.hasOwn(HOLIDAYS, date) ? HOLIDAYS[date] : undefined;
  if (holiday) reasons.push('national_holiday');
  if ((month === 12 && day >= 29) || (month === 1 && day <= 3)) reasons.push('year_end_break');
  if (reasons.length === 0) return undefined;
  return {
    date,
    reasons,
    ...(holiday ? { holidayName: { ja: holiday.name, en: holiday.name_en } } : {}),
  };
}

const REASON_WORDS: Record<Exclude<NonBusinessDayReason, 'national_holiday'>, string> = {
  saturday: 'Saturday',
  sunday: 'Sunday',
  year_end_break: 'year-end break',
};

/** `2027-01-01 (New Year's Day, year-end break)`: for explanations of a rolled-forward deadline. */
export function describeNonBusinessDay(day: NonBusinessDay): string {
  const words = day.reasons.map((reason) =>
    reason === 'national_holiday' ? (day.holidayName?.en ?? 'national holiday') : REASON_WORDS[reason],
  );
  return `${day.date} (${words.join(', ')})`;
}

export function isJapaneseBusinessDay(date: CalendarDate): boolean {
  return nonBusinessDay(date) === undefined;
}

/**
 * No stretch of Japanese non-business days comes close to this (the longest, New Year with a weekend
 * and a holiday on either side, is under two weeks); reaching it means the calendar data is broken.
 */
const MAX_CONSECUTIVE_NON_BUSINESS_DAYS = 31;

export interface RollForward {
  /** the first business day on or after the date */
  date: CalendarDate;
  /** the non-business days passed over, in order (empty when the date itself is a business day) */
  skipped: NonBusinessDay[];
}

/**
 * The date itself when it is a business day in Japan, otherwise the next one, with the days skipped
 * (to explain a deadline: "day 30 is 2026-12-31, year-end break → 2027-01-04").
 */
export function rollForwardToBusinessDay(date: CalendarDate): RollForward {
  const skipped: NonBusinessDay[] = [];
  let candidate = date;
  for (let step = 0; step <= MAX_CONSECUTIVE_NON_BUSINESS_DAYS; step += 1) {
    const closed = nonBusinessDay(candidate);
    if (!closed) return { date: candidate, skipped };
    skipped.push(closed);
    candidate = addDays(candidate, 1);
  }
  throw new RangeError(`no business day within ${MAX_CONSECUTIVE_NON_BUSINESS_DAYS} days after ${date}`);
}

/**
 * The date itself when it is a business day in Japan (Asia/Tokyo calendar), otherwise the next day that
 * is not a Saturday, Sunday, national holiday (incl. substitute holidays and 国民の休日) or 12/29–1/3.
 */
export function businessDayRollForward(date: CalendarDate): CalendarDate {
  return rollForwardToBusinessDay(date).date;
}
