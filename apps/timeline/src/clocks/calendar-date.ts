import { ValidationError } from '#libs/event-store';

/**
 * A calendar date without a time of day or a zone, as `YYYY-MM-DD` (ISO 8601). Clock rules that count
 * days (APPI 確報: "the day the organisation learned is day 1") count these, never instants: the
 * instant → date step happens once, in the zone the rule belongs to.
 */
export type CalendarDate = string;

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Japan Standard Time is UTC+9 all year: Japan has not observed daylight saving time since 1951. */
const JST_OFFSET_MS = 9 * 3_600_000;

interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** Splits and validates a calendar date; throws a ValidationError for `2026-02-30`, `2026-1-5` or `x`. */
export function parseCalendarDate(date: CalendarDate): DateParts {
  const match = CALENDAR_DATE.exec(date);
  const parts = match
    ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }
    : undefined;
  if (!parts || formatUtcDay(Date.UTC(parts.year, parts.month - 1, parts.day)) !== date) {
    throw new ValidationError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`, {
      code: 'clock.invalid_date',
      details: { value: date },
    });
  }
  return parts;
}

/** The date `days` days after `date` (negative: before). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const { year, month, day } = parseCalendarDate(date);
  return formatUtcDay(Date.UTC(year, month - 1, day + days));
}

/** 0 = Sunday … 6 = Saturday (the weekday of the date itself, not of any instant). */
export function weekdayOf(date: CalendarDate): number {
  const { year, month, day } = parseCalendarDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The calendar date in Japan (Asia/Tokyo) at the given instant: 2026-11-30T20:00Z is 2026-12-01 in Tokyo. */
export function tokyoDateOf(instant: Date): CalendarDate {
  assertValidInstant(instant);
  return formatUtcDay(instant.getTime() + JST_OFFSET_MS);
}

/** The first instant of the date in Japan (00:00:00.000 JST). */
export function startOfTokyoDay(date: CalendarDate): Date {
  const { year, month, day } = parseCalendarDate(date);
  return new Date(Date.UTC(year, month - 1, day) - JST_OFFSET_MS);
}

/**
 * The last instant of the date in Japan (23:59:59.999 JST): a deadline "by the end of day N" is met by
 * anything recorded up to and including this instant.
 */
export function endOfTokyoDay(date: CalendarDate): Date {
  return new Date(startOfTokyoDay(date).getTime() + DAY_MS - 1);
}

/** Throws a ValidationError unless the value is a Date holding a real instant (not `new Date('x')`). */
export function assertValidInstant(instant: Date, field = 'instant'): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new ValidationError(`${field} is not a valid instant`, {
      code: 'clock.invalid_instant',
      details: { field },
    });
  }
}

function formatUtcDay(epochMs: number): CalendarDate {
  return new Date(epochMs).toISOString().slice(0, 10);
}
