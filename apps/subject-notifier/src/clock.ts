/** Where subject-notifier reads the time (back-off, leases, records): injectable so tests control it. */
export const SUBJECT_CLOCK = Symbol('subject-notifier.clock');

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
