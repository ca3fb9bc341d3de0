/** A daily time window in a time zone, e.g. 22:00–06:00 Asia/Tokyo (it may cross midnight). */
export interface OffHours {
  /** minutes after local midnight, inclusive */
  readonly startMinute: number;
  /** minutes after local midnight, exclusive */
  readonly endMinute: number;
  readonly timeZone: string;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses `HH:MM-HH:MM`; `undefined` when malformed or empty (start equals end). */
export function parseOffHours(text: string, timeZone: string): OffHours | undefined {
  const match = WINDOW.exec(text.trim());
  if (!match) return undefined;
  const startMinute = Number(match[1]) * 60 + Number(match[2]);
  const endMinute = Number(match[3]) * 60 + Number(match[4]);
  if (startMinute === endMinute) return undefined;
  return { startMinute, endMinute, timeZone };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local calendar date (`YYYY-MM-DD`) and minute of the day of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): { date: string; minute: number } {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/**
 * The off-hours period an instant falls in, named by the local date it began on (the night of
 * 2026-11-24 runs from 22:00 on the 24th to 06:00 on the 25th), or `undefined` in working hours.
 */
export function offHoursPeriodOf(at: Date, window: OffHours): string | undefined {
  const { date, minute } = localTime(at, window.timeZone);
  const { startMinute, endMinute } = window;
  if (startMinute < endMinute) return minute >= startMinute && minute < endMinute ? date : undefined;
  if (minute >= startMinute) return date;
  if (minute < endMinute) return previousDate(date);
  return undefined;
}

function previousDate(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

/** The longest span an off-hours period lasts, in milliseconds (how far back the analysis must read). */
export function offHoursLengthMs(window: OffHours): number {
  const minutes = (window.endMinute - window.startMinute + 24 * 60) % (24 * 60);
  return minutes * 60_000;
}
