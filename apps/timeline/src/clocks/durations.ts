import { ValidationError } from '#libs/event-store';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Adds real elapsed milliseconds to an instant (UTC arithmetic: no zone, no daylight saving time). */
export function addMs(instant: Date, ms: number): Date {
  return new Date(instant.getTime() + ms);
}

/** Throws a `clock.invalid_config` ValidationError unless the value is a positive whole number. */
export function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(`${field} must be a positive whole number, got ${String(value)}`, {
      code: 'clock.invalid_config',
      details: { field, value },
    });
  }
}

/** Renders a duration for explanations: `72 h`, `30 min`, `1500 ms`. */
export function describeDuration(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS} min`;
  return `${ms} ms`;
}
