/** Where libs/auth reads the time: injectable so tests can move it (`AUTH_CLOCK`). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Injection token of the `Clock` the guard verifies token lifetimes and sessions against. */
export const AUTH_CLOCK = Symbol('auth.clock');
