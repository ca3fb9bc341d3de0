import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import type { ContractScope } from '#libs/auth';
import { ApiError } from '#libs/platform';
import type { CaseState } from './domain/case.decider.js';

/**
 * The case list's read model: one row per case, written in the transaction that appends the case's events
 * (so the list never lags behind or runs ahead of the store), and rebuilt from the events for cases that
 * have none (a store older than the table). Holds no text: ids, times, counts, the stage.
 */

/** The stages intake itself can tell from its own events (DOMAIN.md); the timeline has all of them. */
export const INTAKE_STAGES = ['reported', 'instructed', 'contained', 'closed'] as const;
export type IntakeStage = (typeof INTAKE_STAGES)[number];

/**
 * The furthest stage of the case as intake sees it: closed; contained when it has measures and all are
 * completed; instructed when the client issued any instruction; else reported.
 */
export function intakeStageOf(state: Exclude<CaseState, { status: 'none' }>): IntakeStage {
  if (state.status === 'closed') return 'closed';
  const measures = Object.values(state.measures);
  if (measures.length > 0 && measures.every((m) => m.status === 'completed')) return 'contained';
  if (Object.keys(state.instructions).length > 0) return 'instructed';
  return 'reported';
}

export class CaseSummaryRow {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ example: 'INC-2026-000001' }) caseNumber!: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ enum: INTAKE_STAGES }) stage!: IntakeStage;
  @ApiProperty({ format: 'date-time' }) discoveredAt!: string;
  @ApiProperty({ format: 'date-time' }) reportedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastChangedAt!: string;
  @ApiProperty() openInstructions!: number;
  @ApiProperty() openMeasures!: number;
  @ApiProperty({ description: 'stream version (the case’s ETag)' }) version!: number;
}

export class CaseSummaryPage {
  @ApiProperty({ type: CaseSummaryRow, isArray: true }) items!: CaseSummaryRow[];
  @ApiPropertyOptional({ description: 'pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}

type Cursor = { reportedAt: string; caseId: string };

/** An opaque page cursor: the last row's report time and case id. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.reportedAt, cursor.caseId])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a cursor given back by a client; anything that is not one of ours is a 400 naming `cursor`. */
export function decodeCursor(value: string): Cursor {
  try {
    const [reportedAt, caseId] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof reportedAt === 'string' && !Number.isNaN(Date.parse(reportedAt)) && UUID.test(caseId)) {
      return { reportedAt, caseId };
    }
  } catch {
    // falls through to the error below
  }
  throw new ApiError('validation', 'cursor is not a cursor of this list', {
    details: [{ field: 'cursor', problem: 'pass back the nextCursor of the previous page unchanged' }],
  });
}

/** Writes the case's summary after an append, in the append's transaction. */
export async function upsertCaseSummary(
  manager: EntityManager,
  caseId: string,
  state: CaseState,
  version: number,
  changedAt: Date,
): Promise<void> {
  if (state.status === 'none') return;
  const reportedAt = state.factsHistory[0]?.knownFrom ?? changedAt.toISOString();
  await manager.query(
    `INSERT INTO case_summaries (case_id, case_number, contract_id, stage, discovered_at, reported_at,
       last_changed_at, open_instructions, open_measures, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (case_id) DO UPDATE SET stage = EXCLUDED.stage, last_changed_at = EXCLUDED.last_changed_at,
       open_instructions = EXCLUDED.open_instructions, open_measures = EXCLUDED.open_measures,
       version = EXCLUDED.version
     WHERE case_summaries.version < EXCLUDED.version`,
    [
      caseId,
      state.caseNumber,
      state.contractId,
      intakeStageOf(state),
      state.facts.discoveredAt,
      reportedAt,
      changedAt,
      Object.values(state.instructions).filter((i) => i.status !== 'confirmed').length,
      Object.values(state.measures).filter((m) => m.status !== 'completed').length,
      version,
    ],
  );
}

export interface CaseListFilter {
  stage?: IntakeStage;
  contractId?: string;
  discoveredFrom?: Date;
  discoveredTo?: Date;
  reportedFrom?: Date;
  reportedTo?: Date;
  limit: number;
  /** the last row of the previous page */
  after?: { reportedAt: string; caseId: string };
}

/**
 * A page of the cases in the caller's scope, newest report first (keyset pagination on report time and
 * case id, so a page is stable while new reports arrive). One row more than asked tells whether another
 * page follows.
 */
export async function listCaseSummaries(
  manager: EntityManager,
  scope: ContractScope,
  filter: CaseListFilter,
): Promise<{ rows: CaseSummaryRow[]; more: boolean }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (scope !== 'all') where.push(`contract_id = ANY(${param(scope)}::uuid[])`);
  if (filter.contractId) where.push(`contract_id = ${param(filter.contractId)}`);
  if (filter.stage) where.push(`stage = ${param(filter.stage)}`);
  if (filter.discoveredFrom) where.push(`discovered_at >= ${param(filter.discoveredFrom)}`);
  if (filter.discoveredTo) where.push(`discovered_at < ${param(filter.discoveredTo)}`);
  if (filter.reportedFrom) where.push(`reported_at >= ${param(filter.reportedFrom)}`);
  if (filter.reportedTo) where.push(`reported_at < ${param(filter.reportedTo)}`);
  if (filter.after) {
    where.push(
      `(reported_at, case_id) < (${param(filter.after.reportedAt)}::timestamptz, ${param(filter.after.caseId)}::uuid)`,
    );
  }
  const rows: Array<Record<string, unknown>> = await manager.query(
    `SELECT case_id, case_number, contract_id, stage, discovered_at, reported_at, last_changed_at,
            open_instructions, open_measures, version
       FROM case_summaries
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY reported_at DESC, case_id DESC
      LIMIT ${param(filter.limit + 1)}`,
    params,
  );
  return {
    rows: rows.slice(0, filter.limit).map((row) => ({
      caseId: String(row.case_id),
      caseNumber: String(row.case_number),
      contractId: String(row.contract_id),
      stage: row.stage as IntakeStage,
      discoveredAt: (row.discovered_at as Date).toISOString(),
      reportedAt: (row.reported_at as Date).toISOString(),
      lastChangedAt: (row.last_changed_at as Date).toISOString(),
      openInstructions: Number(row.open_instructions),
      openMeasures: Number(row.open_measures),
      version: Number(row.version),
    })),
    more: rows.length > filter.limit,
  };
}

/** Case streams without a summary row (a store that predates the table). */
export async function casesWithoutSummary(manager: EntityManager, streamPrefix: string): Promise<string[]> {
  const rows: Array<{ stream_id: string }> = await manager.query(
    `SELECT DISTINCT e.stream_id FROM events e
      WHERE e.stream_id LIKE $1
        AND NOT EXISTS (SELECT 1 FROM case_summaries s WHERE s.case_id::text = substr(e.stream_id, $2))`,
    [`${streamPrefix}%`, streamPrefix.length + 1],
  );
  return rows.map((row) => row.stream_id.slice(streamPrefix.length));
}
