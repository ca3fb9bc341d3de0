import { ValidationError } from '#libs/event-store';
import { appiFinalDue, appiPreliminaryDue } from './appi.js';
import { assertValidInstant } from './calendar-date.js';
import { type Clock, type ClockKind, startClock, stopClock } from './clock.js';
import {
  type ClockConfig,
  type ContractClockSettings,
  DEFAULT_CLOCK_CONFIG,
  DEFAULT_CONTRACT_CLOCK_SETTINGS,
} from './config.js';
import { acknowledgementDue, instructionDue, promptReportDue } from './contract.js';
import { gdprAuthorityDue, gdprProcessorToControllerDue } from './gdpr.js';

/** The regulatory assessment's answer for one regime. */
export type Applicability = 'yes' | 'no' | 'possibly';

export interface RegimeFinding {
  applies: Applicability;
  /**
   * When the organisation learned that the regime (possibly) applies, if that was after discovery
   * (e.g. an amendment took the count past 1,000 persons: "the category applies from then on").
   * The regime's clocks count from here. Default: the discovery time.
   */
  since?: Date;
}

/**
 * Regime ids of the regulatory assessment (apps/intake assessment rules) whose clocks these are. The
 * three APPI variants share the 速報/確報 timings; only their thresholds differ.
 */
export const APPI_REGIME_IDS: readonly string[] = ['appi_private_sector', 'appi_public_body', 'my_number'];
export const GDPR_REGIME_IDS: readonly string[] = ['gdpr'];

const STRENGTH: Record<Applicability, number> = { no: 0, possibly: 1, yes: 2 };

/**
 * The APPI and GDPR answers from an assessment's regimes: the strongest answer of the regimes in each
 * group ("yes" over "possibly" over "no"); a regime the assessment does not list counts as "no".
 */
export function clockRegimes(regimes: readonly { regime: string; applies: Applicability }[]): {
  appi: Applicability;
  gdpr: Applicability;
} {
  const strongest = (ids: readonly string[]): Applicability =>
    regimes
      .filter((entry) => ids.includes(entry.regime))
      .map((entry) => entry.applies)
      .reduce<Applicability>((best, next) => (STRENGTH[next] > STRENGTH[best] ? next : best), 'no');
  return { appi: strongest(APPI_REGIME_IDS), gdpr: strongest(GDPR_REGIME_IDS) };
}

/** An instruction that may carry a due date. */
export interface InstructionFacts {
  instructionId: string;
  issuedAt: Date;
  /** as given by the client; an instruction without one has no clock */
  dueAt?: Date;
}

/**
 * What the clocks of a case depend on, taken from its events and its latest regulatory assessment:
 * `appi` is "yes" when any APPI regime applies (private sector, public body or My Number: they share
 * the timings), "possibly" when none does but one possibly does; `gdpr` likewise for GDPR.
 */
export interface CaseClockFacts {
  caseId: string;
  /** when the contractor discovered the leak (the report's `discovered_at`) */
  discoveredAt: Date;
  /** APPI 不正の目的: only "yes" gives the 60-day 確報; "unknown" counts 30 days (the earlier date) */
  improperPurposeSuspected: 'yes' | 'no' | 'unknown';
  appi: RegimeFinding;
  gdpr: RegimeFinding;
  /** when the client's contacts were first notified; starts the acknowledgement wait */
  clientNotifiedAt?: Date;
  instructions: readonly InstructionFacts[];
}

/**
 * The clocks a case has, all running (apply the stops with `applyStops`, then `evaluate`):
 * - always the contract's prompt report; the acknowledgement wait once the client was notified;
 * - APPI 速報 and 確報 when an APPI regime applies or possibly applies;
 * - GDPR authority (72 h) and processor → controller when EU persons are possibly affected;
 * - one per instruction that has a due date.
 * Pure: recompute it whenever the facts change (an amendment, a new assessment, an instruction).
 */
export function clocksFor(
  facts: CaseClockFacts,
  contract: ContractClockSettings = DEFAULT_CONTRACT_CLOCK_SETTINGS,
  config: ClockConfig = DEFAULT_CLOCK_CONFIG,
): Clock[] {
  assertValidInstant(facts.discoveredAt, 'discoveredAt');
  const { caseId, discoveredAt } = facts;
  const clocks: Clock[] = [
    startClock({
      caseId,
      kind: 'contract.prompt_report',
      applies: 'yes',
      startedAt: discoveredAt,
      deadline: promptReportDue(discoveredAt, { withinMs: contract.promptReportWithinMs }),
    }),
  ];
  if (facts.clientNotifiedAt) {
    clocks.push(
      startClock({
        caseId,
        kind: 'contract.acknowledgement',
        applies: 'yes',
        startedAt: facts.clientNotifiedAt,
        deadline: acknowledgementDue(facts.clientNotifiedAt, { withinMs: contract.acknowledgementWithinMs }),
      }),
    );
  }
  const appi = applying(facts.appi, discoveredAt, 'appi.since');
  if (appi) {
    clocks.push(
      startClock({
        caseId,
        kind: 'appi.preliminary',
        applies: appi.applies,
        startedAt: appi.since,
        deadline: appiPreliminaryDue(appi.since, config.appiPreliminary),
      }),
      startClock({
        caseId,
        kind: 'appi.final',
        applies: appi.applies,
        startedAt: appi.since,
        deadline: appiFinalDue(appi.since, { improperPurpose: facts.improperPurposeSuspected === 'yes' }),
      }),
    );
  }
  const gdpr = applying(facts.gdpr, discoveredAt, 'gdpr.since');
  if (gdpr) {
    clocks.push(
      startClock({
        caseId,
        kind: 'gdpr.authority',
        applies: gdpr.applies,
        startedAt: gdpr.since,
        deadline: gdprAuthorityDue(gdpr.since),
      }),
      startClock({
        caseId,
        kind: 'gdpr.processor_to_controller',
        applies: gdpr.applies,
        startedAt: gdpr.since,
        deadline: gdprProcessorToControllerDue(gdpr.since, {
          withinMs: config.gdprProcessorToControllerWithinMs,
        }),
      }),
    );
  }
  for (const instruction of facts.instructions) {
    if (!instruction.dueAt) continue;
    clocks.push(
      startClock({
        caseId,
        kind: 'instruction.due',
        instructionId: instruction.instructionId,
        applies: 'yes',
        startedAt: instruction.issuedAt,
        deadline: instructionDue(instruction.issuedAt, instruction.dueAt),
      }),
    );
  }
  return clocks;
}

function applying(
  finding: RegimeFinding,
  discoveredAt: Date,
  field: string,
): { applies: 'yes' | 'possibly'; since: Date } | undefined {
  if (finding.applies === 'no') return undefined;
  const since = finding.since ?? discoveredAt;
  assertValidInstant(since, field);
  if (since.getTime() < discoveredAt.getTime()) {
    throw new ValidationError(`${field} lies before the discovery`, {
      code: 'clock.invalid_facts',
      details: { field, problem: 'must not be before discoveredAt' },
    });
  }
  return { applies: finding.applies, since };
}

/**
 * A fact that stops clocks: the event that discharged the duty. The wiring maps event types to these
 * (see `CLOCK_KIND_INFO[kind].stoppedBy`), e.g. the first notice sent → `contract.prompt_report` and
 * `gdpr.processor_to_controller`; an instruction completed → `instruction.due` with its id.
 */
export interface ClockStop {
  kind: ClockKind;
  /** required for `instruction.due`: which instruction */
  instructionId?: string;
  at: Date;
  /** the id of the stopping event */
  eventId: string;
}

/**
 * Kinds a stop of another kind also stops: a final report (確報) submitted before any preliminary one
 * serves as both (REGULATIONS.md: "One report can serve as both 速報 and 確報").
 */
const ALSO_STOPS: Readonly<Partial<Record<ClockKind, readonly ClockKind[]>>> = {
  'appi.final': ['appi.preliminary'],
};

/**
 * The clocks with every matching stop applied. Order-independent and idempotent: the same stops in
 * any order, or repeated, give the same clocks (the earliest stop of a clock wins). A stop for a clock
 * the case does not have (yet) changes nothing; keep it and apply it again after recomputing.
 */
export function applyStops(clocks: readonly Clock[], stops: readonly ClockStop[]): Clock[] {
  return clocks.map((clock) =>
    stops
      .filter((stop) => stopMatches(stop, clock))
      .reduce((c, stop) => stopClock(c, stop.at, stop.eventId), clock),
  );
}

function stopMatches(stop: ClockStop, clock: Clock): boolean {
  const kinds = [stop.kind, ...(ALSO_STOPS[stop.kind] ?? [])];
  if (!kinds.includes(clock.kind)) return false;
  return clock.kind !== 'instruction.due' || stop.instructionId === clock.instructionId;
}
