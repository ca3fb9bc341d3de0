import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { DataSource } from 'typeorm';
import { assertContractVisible, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import { ValidationError } from '#libs/event-store';
import { CLOCK_KINDS, type ClockKind } from '../clocks/index.js';
import { CaseProjection } from '../projection/case-projection.js';
import { type ClockSettingsOverrides, ClockSettingsStore } from './clock-settings.js';

const MINUTE_MS = 60_000;
const YEAR_MINUTES = 366 * 24 * 60;

/**
 * A change of a contract's clock settings. A field left out stays as it is; `null` returns it to the
 * deployment's default. Durations are whole minutes.
 */
export class ClockSettingsChangeDto {
  @ApiPropertyOptional({
    nullable: true,
    description: 'discovery → client notified, minutes (default 1440 = 24 h)',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(YEAR_MINUTES)
  promptReportWithinMinutes?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'first notice → acknowledgement, minutes (default 30)',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(YEAR_MINUTES)
  acknowledgementWithinMinutes?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'APPI 速報 due, days after discovery (default 5)' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(30)
  appiPreliminaryDays?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'APPI 速報 warning, days after discovery (default 3)' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(29)
  appiPreliminaryWarnAtDays?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    type: [Number],
    description: 'alert lead times, minutes before a due date',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(YEAR_MINUTES, { each: true })
  leadTimesMinutes?: number[] | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'lead times (minutes) replacing leadTimesMinutes for some clock kinds',
    example: { 'appi.final': [10080, 1440] },
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject()
  leadTimesMinutesByKind?: Record<string, number[]> | null;
}

export class ClockSettingsDto {
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ description: 'the values in force for the contract’s cases (minutes, days)' })
  effective!: {
    promptReportWithinMinutes: number;
    acknowledgementWithinMinutes: number;
    appiPreliminaryDays: number;
    appiPreliminaryWarnAtDays: number;
    gdprProcessorToControllerWithinMinutes: number;
    leadTimesMinutes: number[];
    leadTimesMinutesByKind: Record<string, number[]>;
  };
  @ApiProperty({ description: 'what the contract sets itself (the rest is the deployment’s default)' })
  overrides!: Record<string, unknown>;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
  @ApiPropertyOptional() updatedBy?: string;
}

const minutes = (ms: number) => ms / MINUTE_MS;
const byKindInMinutes = (byKind: Partial<Record<ClockKind, readonly number[]>>) =>
  Object.fromEntries(Object.entries(byKind).map(([kind, list]) => [kind, (list ?? []).map(minutes)]));

/** A contract's clock settings: read by anyone who sees the contract, changed by responsible or admin. */
@ApiTags('clock settings')
@Controller('contracts')
export class ClockSettingsController {
  constructor(
    private readonly store: ClockSettingsStore,
    private readonly projection: CaseProjection,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get(':contractId/clock-settings')
  @Roles('responsible', 'responder', 'client_officer', 'auditor', 'admin')
  @ApiOkResponse({ type: ClockSettingsDto })
  @ApiNotFoundResponse({ description: 'Not one of the caller’s contracts.' })
  async read(
    @Param('contractId', new ParseUUIDPipe()) contractId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ClockSettingsDto> {
    assertContractVisible(principal, contractId);
    return this.describe(contractId);
  }

  @Put(':contractId/clock-settings')
  @Roles('responsible', 'admin')
  @ApiOkResponse({
    type: ClockSettingsDto,
    description: 'the settings now in force; the contract’s cases are recomputed',
  })
  @ApiNotFoundResponse({ description: 'Not one of the caller’s contracts.' })
  async change(
    @Param('contractId', new ParseUUIDPipe()) contractId: string,
    @Body() body: ClockSettingsChangeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ClockSettingsDto> {
    assertContractVisible(principal, contractId);
    await this.dataSource.transaction(async (manager) => {
      const current = (await this.store.load(manager, contractId))?.overrides ?? {};
      const next = applyChange(current, body);
      await this.store.save(manager, contractId, next, principal.id);
      await this.projection.recomputeContract(contractId, manager);
    });
    return this.describe(contractId);
  }

  private async describe(contractId: string): Promise<ClockSettingsDto> {
    const stored = await this.store.load(this.dataSource.manager, contractId);
    const effective = this.store.effective(stored?.overrides ?? {});
    const overrides = stored?.overrides ?? {};
    return {
      contractId,
      effective: {
        promptReportWithinMinutes: minutes(effective.contract.promptReportWithinMs),
        acknowledgementWithinMinutes: minutes(effective.contract.acknowledgementWithinMs),
        appiPreliminaryDays: effective.config.appiPreliminary.days,
        appiPreliminaryWarnAtDays: effective.config.appiPreliminary.warnAtDays,
        gdprProcessorToControllerWithinMinutes: minutes(effective.config.gdprProcessorToControllerWithinMs),
        leadTimesMinutes: effective.config.alerts.leadTimesMs.map(minutes),
        leadTimesMinutesByKind: byKindInMinutes(effective.config.alerts.leadTimesMsByKind),
      },
      overrides: {
        ...(overrides.promptReportWithinMs
          ? { promptReportWithinMinutes: minutes(overrides.promptReportWithinMs) }
          : {}),
        ...(overrides.acknowledgementWithinMs
          ? { acknowledgementWithinMinutes: minutes(overrides.acknowledgementWithinMs) }
          : {}),
        ...(overrides.appiPreliminaryDays ? { appiPreliminaryDays: overrides.appiPreliminaryDays } : {}),
        ...(overrides.appiPreliminaryWarnAtDays
          ? { appiPreliminaryWarnAtDays: overrides.appiPreliminaryWarnAtDays }
          : {}),
        ...(overrides.leadTimesMs ? { leadTimesMinutes: overrides.leadTimesMs.map(minutes) } : {}),
        ...(overrides.leadTimesMsByKind
          ? { leadTimesMinutesByKind: byKindInMinutes(overrides.leadTimesMsByKind) }
          : {}),
      },
      ...(stored?.updatedAt ? { updatedAt: stored.updatedAt } : {}),
      ...(stored?.updatedBy ? { updatedBy: stored.updatedBy } : {}),
    };
  }
}

/** The overrides after a change: absent fields unchanged, `null` removes the override. */
export function applyChange(
  current: ClockSettingsOverrides,
  change: ClockSettingsChangeDto,
): ClockSettingsOverrides {
  const next: ClockSettingsOverrides = { ...current };
  const set = <K extends keyof ClockSettingsOverrides>(
    key: K,
    value: ClockSettingsOverrides[K] | null | undefined,
  ) => {
    if (value === undefined) return;
    if (value === null) delete next[key];
    else next[key] = value;
  };
  const ms = (value: number | null | undefined) => (value == null ? value : value * MINUTE_MS);
  set('promptReportWithinMs', ms(change.promptReportWithinMinutes));
  set('acknowledgementWithinMs', ms(change.acknowledgementWithinMinutes));
  set('appiPreliminaryDays', change.appiPreliminaryDays);
  set('appiPreliminaryWarnAtDays', change.appiPreliminaryWarnAtDays);
  set(
    'leadTimesMs',
    change.leadTimesMinutes == null
      ? change.leadTimesMinutes
      : change.leadTimesMinutes.map((m) => m * MINUTE_MS),
  );
  if (change.leadTimesMinutesByKind !== undefined) {
    set(
      'leadTimesMsByKind',
      change.leadTimesMinutesByKind === null ? null : leadTimesByKind(change.leadTimesMinutesByKind),
    );
  }
  return next;
}

function leadTimesByKind(input: Record<string, unknown>): Partial<Record<ClockKind, number[]>> {
  const result: Partial<Record<ClockKind, number[]>> = {};
  for (const [kind, list] of Object.entries(input)) {
    const valid =
      (CLOCK_KINDS as readonly string[]).includes(kind) &&
      Array.isArray(list) &&
      list.length > 0 &&
      list.length <= 10 &&
      list.every((value) => Number.isSafeInteger(value) && value > 0 && value <= YEAR_MINUTES);
    if (!valid) {
      throw new ValidationError(`leadTimesMinutesByKind.${kind} is not valid`, {
        code: 'clock.invalid_config',
        details: {
          field: `leadTimesMinutesByKind.${kind}`,
          problem: `must be a known clock kind (${CLOCK_KINDS.join(', ')}) with 1 to 10 whole minutes`,
        },
      });
    }
    result[kind as ClockKind] = (list as number[]).map((value) => value * MINUTE_MS);
  }
  return result;
}
