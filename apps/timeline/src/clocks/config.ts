import { ValidationError } from '#libs/event-store';
import { APPI_PRELIMINARY_DEFAULTS } from './appi.js';
import { CLOCK_KINDS, type ClockKind } from './clock.js';
import { CONTRACT_ACKNOWLEDGEMENT_DEFAULT_MS, CONTRACT_PROMPT_REPORT_DEFAULT_MS } from './contract.js';
import { assertPositiveInteger, HOUR_MS } from './durations.js';
import { GDPR_PROCESSOR_TO_CONTROLLER_DEFAULT_MS } from './gdpr.js';

/** When `DeadlineApproaching` alerts fire: this long before a clock's due date (plus at its `warnAt`). */
export interface AlertConfig {
  /** lead times in milliseconds for every clock kind; default 24 h and 1 h */
  leadTimesMs: readonly number[];
  /** lead times replacing `leadTimesMs` for some kinds (e.g. a week before the 確報) */
  leadTimesMsByKind: Readonly<Partial<Record<ClockKind, readonly number[]>>>;
}

/** The deployment-wide clock settings (everything not fixed by law and not per contract). */
export interface ClockConfig {
  appiPreliminary: { days: number; warnAtDays: number };
  /** the target for GDPR Art. 33(2) "without undue delay" (processor → controller) */
  gdprProcessorToControllerWithinMs: number;
  alerts: AlertConfig;
}

/** Per-contract clock settings (the contract's own terms). */
export interface ContractClockSettings {
  /** discovery → client notified; default 24 h */
  promptReportWithinMs: number;
  /** client notified → acknowledged; default 30 min */
  acknowledgementWithinMs: number;
}

export const DEFAULT_ALERT_CONFIG: AlertConfig = Object.freeze({
  leadTimesMs: Object.freeze([24 * HOUR_MS, HOUR_MS]),
  leadTimesMsByKind: Object.freeze({}),
});

export const DEFAULT_CLOCK_CONFIG: ClockConfig = Object.freeze({
  appiPreliminary: Object.freeze({ ...APPI_PRELIMINARY_DEFAULTS }),
  gdprProcessorToControllerWithinMs: GDPR_PROCESSOR_TO_CONTROLLER_DEFAULT_MS,
  alerts: DEFAULT_ALERT_CONFIG,
});

export const DEFAULT_CONTRACT_CLOCK_SETTINGS: ContractClockSettings = Object.freeze({
  promptReportWithinMs: CONTRACT_PROMPT_REPORT_DEFAULT_MS,
  acknowledgementWithinMs: CONTRACT_ACKNOWLEDGEMENT_DEFAULT_MS,
});

export interface ClockConfigOverrides {
  appiPreliminary?: Partial<ClockConfig['appiPreliminary']>;
  gdprProcessorToControllerWithinMs?: number;
  alerts?: Partial<AlertConfig>;
}

/**
 * The defaults with the given overrides, validated (positive whole numbers; the 速報 warning before its
 * due day; lead times only for known kinds). Throws a `clock.invalid_config` ValidationError naming
 * the field.
 */
export function resolveClockConfig(overrides: ClockConfigOverrides = {}): ClockConfig {
  const config: ClockConfig = {
    appiPreliminary: {
      ...DEFAULT_CLOCK_CONFIG.appiPreliminary,
      ...withoutUndefined(overrides.appiPreliminary ?? {}),
    },
    gdprProcessorToControllerWithinMs:
      overrides.gdprProcessorToControllerWithinMs ?? DEFAULT_CLOCK_CONFIG.gdprProcessorToControllerWithinMs,
    alerts: { ...DEFAULT_ALERT_CONFIG, ...withoutUndefined(overrides.alerts ?? {}) },
  };
  const { days, warnAtDays } = config.appiPreliminary;
  assertPositiveInteger(days, 'appiPreliminary.days');
  assertPositiveInteger(warnAtDays, 'appiPreliminary.warnAtDays');
  if (warnAtDays >= days) invalid('appiPreliminary.warnAtDays', warnAtDays, 'must be less than days');
  assertPositiveInteger(config.gdprProcessorToControllerWithinMs, 'gdprProcessorToControllerWithinMs');
  assertLeadTimes(config.alerts.leadTimesMs, 'alerts.leadTimesMs');
  for (const [kind, leadTimes] of Object.entries(config.alerts.leadTimesMsByKind)) {
    if (!(CLOCK_KINDS as readonly string[]).includes(kind))
      invalid('alerts.leadTimesMsByKind', kind, 'unknown kind');
    assertLeadTimes(leadTimes ?? [], `alerts.leadTimesMsByKind.${kind}`);
  }
  return config;
}

/** The defaults with the contract's own values, validated. */
export function resolveContractClockSettings(
  overrides: Partial<ContractClockSettings> = {},
): ContractClockSettings {
  const settings = { ...DEFAULT_CONTRACT_CLOCK_SETTINGS, ...withoutUndefined(overrides) };
  assertPositiveInteger(settings.promptReportWithinMs, 'promptReportWithinMs');
  assertPositiveInteger(settings.acknowledgementWithinMs, 'acknowledgementWithinMs');
  return settings;
}

function assertLeadTimes(leadTimes: readonly number[], field: string): void {
  leadTimes.forEach((leadTime, index) => {
    assertPositiveInteger(leadTime, `${field}[${index}]`);
  });
}

function invalid(field: string, value: unknown, problem: string): never {
  throw new ValidationError(`${field} ${problem}`, {
    code: 'clock.invalid_config',
    details: { field, value, problem },
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
