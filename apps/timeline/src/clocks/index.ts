/**
 * The legal and contractual clocks of a case, as pure functions: deadline arithmetic (APPI with the
 * Japanese business-day calendar, GDPR in real hours, contract targets), the clock model (start, stop,
 * evaluate) and the deadline alerts a scheduler should emit. No I/O: the timeline service feeds in the
 * case's facts and the current time. See docs/clocks.md.
 */
export * from './alerts.js';
export * from './appi.js';
export * from './calendar-date.js';
export * from './clock.js';
export * from './clocks-for.js';
export * from './config.js';
export * from './contract.js';
export type { Deadline } from './deadline.js';
export { DAY_MS, describeDuration, HOUR_MS, MINUTE_MS } from './durations.js';
export * from './gdpr.js';
export * from './japan-business-days.js';
