import type { Clock } from '#libs/auth';

/** Where client-notifier reads the time (timers, back-off, link expiry): injectable so tests move it. */
export const NOTIFIER_CLOCK = Symbol('client-notifier.clock');

export type { Clock };

/**
 * The wall clock shifted by an offset the caller moves forward: time keeps running (timeouts, Kafka and
 * PostgreSQL behave as usual) while a test jumps over a 30-minute acknowledgement wait in one call.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a clock only moves forward');
    this.offsetMs += ms;
  }
}
