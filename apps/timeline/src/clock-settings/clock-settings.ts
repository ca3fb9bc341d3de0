import type { EntityManager } from 'typeorm';
import { ValidationError } from '#libs/event-store';
import {
  CLOCK_KINDS,
  type ClockKind,
  resolveClockConfig,
  resolveContractClockSettings,
} from '../clocks/index.js';
import type { EffectiveClockSettings } from '../projection/case-view.js';
import type { TimelineConfig } from '../timeline.config.js';

/** A contract's own clock values; an absent value means "the deployment's default". */
export interface ClockSettingsOverrides {
  promptReportWithinMs?: number;
  acknowledgementWithinMs?: number;
  appiPreliminaryDays?: number;
  appiPreliminaryWarnAtDays?: number;
  leadTimesMs?: number[];
  leadTimesMsByKind?: Partial<Record<ClockKind, number[]>>;
}

export interface StoredClockSettings {
  contractId: string;
  overrides: ClockSettingsOverrides;
  updatedAt?: string;
  updatedBy?: string;
}

/** A row of `contract_clock_settings` (or its `row_to_json`). */
export interface SettingsRow {
  contract_id: string;
  prompt_report_within_ms: string | null;
  acknowledgement_within_ms: string | null;
  appi_preliminary_days: number | null;
  appi_preliminary_warn_at_days: number | null;
  lead_times_ms: string[] | null;
  lead_times_ms_by_kind: Partial<Record<ClockKind, number[]>> | null;
  updated_at: Date | string;
  updated_by: string;
}

const num = (value: string | number | null) => (value === null ? undefined : Number(value));

export function overridesOf(row: SettingsRow | undefined): ClockSettingsOverrides {
  if (!row) return {};
  const entries: [keyof ClockSettingsOverrides, unknown][] = [
    ['promptReportWithinMs', num(row.prompt_report_within_ms)],
    ['acknowledgementWithinMs', num(row.acknowledgement_within_ms)],
    ['appiPreliminaryDays', num(row.appi_preliminary_days)],
    ['appiPreliminaryWarnAtDays', num(row.appi_preliminary_warn_at_days)],
    ['leadTimesMs', row.lead_times_ms?.map(Number)],
    ['leadTimesMsByKind', row.lead_times_ms_by_kind ?? undefined],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as ClockSettingsOverrides;
}

/**
 * The clock settings that apply to a contract's cases: the deployment's defaults (TimelineConfig) with
 * the contract's overrides. Throws a `clock.invalid_config` ValidationError naming the field when the
 * combination is invalid (e.g. the 速報 warning not before its due day).
 */
export function effectiveSettings(
  config: TimelineConfig,
  overrides: ClockSettingsOverrides,
): EffectiveClockSettings {
  return {
    contract: resolveContractClockSettings({
      promptReportWithinMs: overrides.promptReportWithinMs ?? config.promptReportWithinMs,
      acknowledgementWithinMs: overrides.acknowledgementWithinMs ?? config.acknowledgementWithinMs,
    }),
    config: resolveClockConfig({
      appiPreliminary: {
        days: overrides.appiPreliminaryDays ?? config.appiPreliminaryDays,
        warnAtDays: overrides.appiPreliminaryWarnAtDays ?? config.appiPreliminaryWarnAtDays,
      },
      gdprProcessorToControllerWithinMs: config.gdprProcessorToControllerWithinMs,
      alerts: {
        leadTimesMs: overrides.leadTimesMs ?? config.alertLeadTimesMs,
        leadTimesMsByKind: { ...config.alertLeadTimesMsByKind, ...overrides.leadTimesMsByKind },
      },
    }),
  };
}

/** The per-contract clock settings in `<schema>.contract_clock_settings` (docs/timeline.md). */
export class ClockSettingsStore {
  constructor(private readonly config: TimelineConfig) {}

  async load(
    manager: EntityManager,
    contractId: string | undefined,
  ): Promise<StoredClockSettings | undefined> {
    if (!contractId) return undefined;
    const [row]: SettingsRow[] = await manager.query(
      'SELECT * FROM contract_clock_settings WHERE contract_id = $1',
      [contractId],
    );
    return row
      ? {
          contractId,
          overrides: overridesOf(row),
          updatedAt: new Date(row.updated_at).toISOString(),
          updatedBy: row.updated_by,
        }
      : undefined;
  }

  /** Every contract's overrides, for a rebuild. */
  async loadAll(manager: EntityManager): Promise<Map<string, ClockSettingsOverrides>> {
    const rows: SettingsRow[] = await manager.query('SELECT * FROM contract_clock_settings');
    return new Map(rows.map((row) => [row.contract_id, overridesOf(row)]));
  }

  async effectiveFor(
    manager: EntityManager,
    contractId: string | undefined,
  ): Promise<EffectiveClockSettings> {
    return effectiveSettings(this.config, (await this.load(manager, contractId))?.overrides ?? {});
  }

  /** The settings of several contracts in one query (contracts without a row get the defaults). */
  async effectiveForAll(
    manager: EntityManager,
    contractIds: readonly string[],
  ): Promise<Map<string, EffectiveClockSettings>> {
    const unique = [...new Set(contractIds)];
    const rows: SettingsRow[] =
      unique.length === 0
        ? []
        : await manager.query('SELECT * FROM contract_clock_settings WHERE contract_id = ANY($1)', [unique]);
    const byContract = new Map(rows.map((row) => [row.contract_id, overridesOf(row)]));
    return new Map(unique.map((id) => [id, this.effective(byContract.get(id) ?? {})]));
  }

  effective(overrides: ClockSettingsOverrides = {}): EffectiveClockSettings {
    return effectiveSettings(this.config, overrides);
  }

  /** Stores the contract's overrides (validated first: an invalid combination changes nothing). */
  async save(
    manager: EntityManager,
    contractId: string,
    overrides: ClockSettingsOverrides,
    by: string,
  ): Promise<void> {
    for (const kind of Object.keys(overrides.leadTimesMsByKind ?? {})) {
      if (!(CLOCK_KINDS as readonly string[]).includes(kind)) {
        throw new ValidationError(`leadTimesMinutesByKind names an unknown clock kind: ${kind}`, {
          code: 'clock.invalid_config',
          details: { field: 'leadTimesMinutesByKind', problem: `unknown clock kind ${kind}` },
        });
      }
    }
    this.effective(overrides);
    await manager.query(
      `INSERT INTO contract_clock_settings (contract_id, prompt_report_within_ms, acknowledgement_within_ms,
         appi_preliminary_days, appi_preliminary_warn_at_days, lead_times_ms, lead_times_ms_by_kind, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)
       ON CONFLICT (contract_id) DO UPDATE SET
         prompt_report_within_ms = EXCLUDED.prompt_report_within_ms,
         acknowledgement_within_ms = EXCLUDED.acknowledgement_within_ms,
         appi_preliminary_days = EXCLUDED.appi_preliminary_days,
         appi_preliminary_warn_at_days = EXCLUDED.appi_preliminary_warn_at_days,
         lead_times_ms = EXCLUDED.lead_times_ms,
         lead_times_ms_by_kind = EXCLUDED.lead_times_ms_by_kind,
         updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [
        contractId,
        overrides.promptReportWithinMs ?? null,
        overrides.acknowledgementWithinMs ?? null,
        overrides.appiPreliminaryDays ?? null,
        overrides.appiPreliminaryWarnAtDays ?? null,
        overrides.leadTimesMs ?? null,
        overrides.leadTimesMsByKind ? JSON.stringify(overrides.leadTimesMsByKind) : null,
        by,
      ],
    );
  }
}
