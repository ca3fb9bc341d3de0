import { assertValidInstant } from './calendar-date.js';
import type { Deadline } from './deadline.js';
import { addMs, assertPositiveInteger, describeDuration, HOUR_MS } from './durations.js';

/**
 * GDPR clocks. Source: REGULATIONS.md ("EU GDPR Art. 33/34"): the controller notifies the supervisory
 * authority within 72 hours after becoming aware of a personal data breach (Art. 33(1)); the processor
 * notifies the controller "without undue delay" (Art. 33(2)).
 */

/** Art. 33(1): 72 hours, fixed by the regulation (not configurable). */
export const GDPR_AUTHORITY_WINDOW_MS = 72 * HOUR_MS;

/** The processor's target for "without undue delay" unless configured otherwise. */
export const GDPR_PROCESSOR_TO_CONTROLLER_DEFAULT_MS = 24 * HOUR_MS;

/**
 * Art. 33(1): awareness + 72 real hours. The arithmetic is on instants (UTC), so a daylight saving
 * change in a European zone inside the window changes nothing: it is always 72 × 3600 s, even though a
 * Berlin wall clock then shows 71 or 73 hours between the two moments.
 */
export function gdprAuthorityDue(awareAt: Date): Deadline {
  assertValidInstant(awareAt, 'awareAt');
  return {
    dueAt: addMs(awareAt, GDPR_AUTHORITY_WINDOW_MS),
    warnAt: [],
    basis: 'GDPR Art. 33(1): supervisory authority within 72 hours (real elapsed time) after awareness',
  };
}

export interface GdprProcessorOptions {
  /** the target for "without undue delay"; default 24 h */
  withinMs?: number;
}

/**
 * Art. 33(2): the processor notifies the controller "without undue delay". The regulation sets no
 * number; the default 24 h is this product's target (configurable), not a statutory deadline.
 */
export function gdprProcessorToControllerDue(awareAt: Date, options: GdprProcessorOptions = {}): Deadline {
  const withinMs = options.withinMs ?? GDPR_PROCESSOR_TO_CONTROLLER_DEFAULT_MS;
  assertValidInstant(awareAt, 'awareAt');
  assertPositiveInteger(withinMs, 'gdpr.processorToControllerWithinMs');
  return {
    dueAt: addMs(awareAt, withinMs),
    warnAt: [],
    basis:
      `GDPR Art. 33(2): processor to controller "without undue delay"; target ${describeDuration(withinMs)} ` +
      'after awareness (a configured target, not a statutory deadline)',
  };
}
