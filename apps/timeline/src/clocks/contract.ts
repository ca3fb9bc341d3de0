import { assertValidInstant } from './calendar-date.js';
import type { Deadline } from './deadline.js';
import { addMs, assertPositiveInteger, describeDuration, HOUR_MS, MINUTE_MS } from './durations.js';

/**
 * Clocks from the outsourcing contract (DOMAIN.md, Article 16(1): report promptly 速やかに, then follow
 * the client's instructions). Their lengths are per contract.
 */

export const CONTRACT_PROMPT_REPORT_DEFAULT_MS = 24 * HOUR_MS;
export const CONTRACT_ACKNOWLEDGEMENT_DEFAULT_MS = 30 * MINUTE_MS;

export interface WithinOptions {
  /** the clock's length in milliseconds */
  withinMs?: number;
}

/** Discovery → the client is notified: the contract's "prompt report" target (default 24 h). */
export function promptReportDue(discoveredAt: Date, options: WithinOptions = {}): Deadline {
  const withinMs = options.withinMs ?? CONTRACT_PROMPT_REPORT_DEFAULT_MS;
  assertValidInstant(discoveredAt, 'discoveredAt');
  assertPositiveInteger(withinMs, 'contract.promptReportWithinMs');
  return {
    dueAt: addMs(discoveredAt, withinMs),
    warnAt: [],
    basis: `contract Art. 16(1) prompt report: client notified within ${describeDuration(withinMs)} of discovery`,
  };
}

/**
 * The client is notified → a client officer acknowledges receipt (default 30 min; after it the client
 * notifier reminds and escalates).
 */
export function acknowledgementDue(notifiedAt: Date, options: WithinOptions = {}): Deadline {
  const withinMs = options.withinMs ?? CONTRACT_ACKNOWLEDGEMENT_DEFAULT_MS;
  assertValidInstant(notifiedAt, 'notifiedAt');
  assertPositiveInteger(withinMs, 'contract.acknowledgementWithinMs');
  return {
    dueAt: addMs(notifiedAt, withinMs),
    warnAt: [],
    basis: `acknowledgement of the first notice expected within ${describeDuration(withinMs)}`,
  };
}

/** An instruction's due date is the one the client gave, unchanged. */
export function instructionDue(issuedAt: Date, dueAt: Date): Deadline {
  assertValidInstant(issuedAt, 'issuedAt');
  assertValidInstant(dueAt, 'dueAt');
  return {
    dueAt: new Date(dueAt.getTime()),
    warnAt: [],
    basis: 'due date set by the client in the instruction',
  };
}
