import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBooleanString, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { assertCaseVisible, CaseNotFoundError, type Clock, contractFilter, type Principal } from '#libs/auth';
import { ClockSettingsStore } from '../clock-settings/clock-settings.js';
import { CLOCK_KIND_INFO, type ClockKind } from '../clocks/index.js';
import { TIMELINE_CLOCK } from '../tokens.js';
import { type CaseState, STAGES } from './case-state.js';
import {
  type CaseView,
  type ClockReading,
  caseViewOf,
  type ExpectedStep,
  expectedNext,
  type InstructionView,
  type MeasureView,
  readClock,
  type StageView,
} from './case-view.js';

export class ListCasesQueryDto {
  @ApiPropertyOptional({
    enum: [...STAGES, 'unknown'],
    description: 'only cases whose current stage is this',
  })
  @IsOptional()
  @IsIn([...STAGES, 'unknown'])
  stage?: string;

  @ApiPropertyOptional({ description: 'only cases with (true) or without (false) a missed deadline' })
  @IsOptional()
  @IsBooleanString()
  overdue?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only this contract’s cases' })
  @IsOptional()
  @IsUUID()
  contractId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;
}

export class DeadlineDto {
  @ApiProperty() clockId!: string;
  @ApiProperty({ type: String }) kind!: ClockKind;
  @ApiProperty() label!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty() overdue!: boolean;
  @ApiProperty({ description: 'ms past the due date (0 when not overdue)' }) latenessMs!: number;
}

export class CaseListItemDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiPropertyOptional() caseNumber?: string;
  @ApiPropertyOptional({ format: 'uuid' }) contractId?: string;
  @ApiProperty({ description: 'the most advanced stage reached' }) stage!: string;
  @ApiPropertyOptional({ type: DeadlineDto, description: 'the earliest deadline still running or missed' })
  nextDeadline?: DeadlineDto;
  @ApiProperty({ type: Object, isArray: true }) openInstructions!: number;
  @ApiProperty({ type: Object, isArray: true }) openMeasures!: number;
  @ApiProperty() eventCount!: number;
  @ApiPropertyOptional({ format: 'date-time' }) lastEventAt?: string;
}

export class CaseListDto {
  @ApiProperty({ type: CaseListItemDto, isArray: true, description: 'overdue first, then by next deadline' })
  items!: CaseListItemDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
}

export class CaseOverviewDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiPropertyOptional() caseNumber?: string;
  @ApiPropertyOptional({ format: 'uuid' }) contractId?: string;
  @ApiPropertyOptional({ format: 'date-time' }) discoveredAt?: string;
  @ApiProperty() stage!: string;
  @ApiProperty({
    type: Object,
    isArray: true,
    description: 'every stage, reached or not, with the time and the event that made it true',
  })
  stages!: StageView[];
  @ApiProperty({ type: Object, isArray: true, description: 'every clock with its status as of `asOf`' })
  clocks!: ClockReading[];
  @ApiProperty({ type: Object, isArray: true }) openInstructions!: InstructionView[];
  @ApiProperty({ type: Object, isArray: true }) openMeasures!: MeasureView[];
  @ApiProperty({ type: Object, isArray: true }) instructions!: InstructionView[];
  @ApiProperty({ type: Object, isArray: true }) measures!: MeasureView[];
  @ApiProperty({ type: Object, isArray: true, description: 'what the case waits for, soonest due first' })
  expectedNext!: ExpectedStep[];
  @ApiPropertyOptional({ type: Object }) assessment?: CaseView['assessment'];
  @ApiProperty({ type: Object }) correspondence!: CaseView['correspondence'];
  @ApiProperty({ type: Object }) alerts!: CaseView['alerts'];
  @ApiProperty() eventCount!: number;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
}

interface ListRow {
  case_id: string;
  contract_id: string | null;
  case_number: string | null;
  stage: string;
  next_due_at: Date | null;
  next_due_kind: ClockKind | null;
  next_due_clock: string | null;
  open_instructions: number;
  open_measures: number;
  event_count: number;
  last_event_at: Date | null;
}

/** The read side of the case views: tenant-scoped list and one case, evaluated at the time of reading. */
@Injectable()
export class CaseReader {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TIMELINE_CLOCK) private readonly clock: Clock,
    private readonly settings: ClockSettingsStore,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  /**
   * The case's view (computed from its state with its contract's current clock settings), or 404 when
   * it does not exist or belongs to a contract the reader cannot see.
   */
  async view(caseId: string, reader: Principal): Promise<CaseView> {
    const [row]: { state: CaseState; contract_id: string | null }[] = await this.dataSource.query(
      'SELECT state, contract_id::text AS contract_id FROM case_views WHERE case_id = $1',
      [caseId],
    );
    if (!row) throw new CaseNotFoundError(caseId);
    assertCaseVisible(reader, row.contract_id ?? undefined, caseId);
    return caseViewOf(
      row.state,
      await this.settings.effectiveFor(this.dataSource.manager, row.state.contractId),
    );
  }

  async overview(caseId: string, reader: Principal): Promise<CaseOverviewDto> {
    return overviewOf(await this.view(caseId, reader), this.now());
  }

  /** The reader's cases: overdue first (the longest overdue first), then by the next deadline. */
  async list(reader: Principal, query: ListCasesQueryDto): Promise<CaseListDto> {
    const now = this.now();
    const scope = contractFilter(reader);
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const overdue = query.overdue === undefined ? null : query.overdue === 'true';
    // The filters, built so that each one not asked for drops out of the plan (the page itself is a
    // top-N walk of the (next_due_at, case_id) index; the total is a separate count, run alongside).
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (!scope.all) conditions.push(`contract_id = ANY(${param(scope.contractIds)}::uuid[])`);
    if (query.stage) conditions.push(`stage = ${param(query.stage)}`);
    if (query.contractId) conditions.push(`contract_id = ${param(query.contractId)}::uuid`);
    if (overdue !== null) {
      conditions.push(
        overdue ? `next_due_at < ${param(now)}` : `(next_due_at IS NULL OR next_due_at >= ${param(now)})`,
      );
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const filterParams = [...params];
    const page = `LIMIT ${param(limit)} OFFSET ${param(offset)}`;
    const [rows, [{ total }]]: [ListRow[], { total: number }[]] = await Promise.all([
      this.dataSource.query(
        `SELECT case_id::text AS case_id, contract_id::text AS contract_id, case_number, stage, next_due_at,
                next_due_kind, next_due_clock, open_instructions, open_measures, event_count, last_event_at
           FROM case_views ${where}
          ORDER BY next_due_at ASC NULLS LAST, case_id ${page}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS total FROM case_views ${where}`, filterParams),
    ]);
    return {
      items: rows.map((row) => ({
        caseId: row.case_id,
        ...(row.case_number ? { caseNumber: row.case_number } : {}),
        ...(row.contract_id ? { contractId: row.contract_id } : {}),
        stage: row.stage,
        ...(row.next_due_at && row.next_due_kind
          ? {
              nextDeadline: {
                clockId: row.next_due_clock ?? '',
                kind: row.next_due_kind,
                label: CLOCK_KIND_INFO[row.next_due_kind].label.en,
                dueAt: row.next_due_at.toISOString(),
                overdue: row.next_due_at.getTime() < now.getTime(),
                latenessMs: Math.max(0, now.getTime() - row.next_due_at.getTime()),
              },
            }
          : {}),
        openInstructions: row.open_instructions,
        openMeasures: row.open_measures,
        eventCount: row.event_count,
        ...(row.last_event_at ? { lastEventAt: row.last_event_at.toISOString() } : {}),
      })),
      total,
      limit,
      offset,
      asOf: now.toISOString(),
    };
  }
}

/** The case as of `now`: clocks evaluated, what is open, what is expected next. */
export function overviewOf(view: CaseView, now: Date): CaseOverviewDto {
  return {
    caseId: view.caseId,
    ...(view.caseNumber ? { caseNumber: view.caseNumber } : {}),
    ...(view.contractId ? { contractId: view.contractId } : {}),
    ...(view.discoveredAt ? { discoveredAt: view.discoveredAt } : {}),
    stage: view.stage,
    stages: view.stages,
    clocks: view.clocks.map((clock) => readClock(clock, now)),
    openInstructions: view.instructions.filter((instruction) => instruction.open),
    openMeasures: view.measures.filter((measure) => measure.open),
    instructions: view.instructions,
    measures: view.measures,
    expectedNext: expectedNext(view, now),
    ...(view.assessment ? { assessment: view.assessment } : {}),
    correspondence: view.correspondence,
    alerts: view.alerts,
    eventCount: view.eventCount,
    asOf: now.toISOString(),
  };
}
