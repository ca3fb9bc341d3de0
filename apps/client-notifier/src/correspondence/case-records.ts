import type { DataSource, EntityManager } from 'typeorm';
import type { InstructionRecord, ReportFacts } from './case-facts.js';

/** The case as client-notifier knows it from intake's events (the `cases` table). */
export interface CaseRecord {
  readonly caseId: string;
  /** undefined until `IncidentReported` arrived (an assessment may in theory come first) */
  readonly contractId?: string;
  readonly caseNumber?: string;
  readonly report?: ReportFacts;
  readonly reportedAt?: Date;
  readonly receivedAt?: Date;
  readonly correlationId?: string;
  readonly assessment?: { readonly summaryJa: string; readonly summaryEn: string };
  readonly instructions: Readonly<Record<string, InstructionRecord>>;
  readonly acknowledgement?: {
    readonly at: Date;
    /** a contact id (link) or a user id (API) */
    readonly by: string;
    readonly channel: 'link' | 'api';
  };
  readonly closedAt?: Date;
}

interface CaseRow {
  case_id: string;
  contract_id: string | null;
  case_number: string | null;
  report: ReportFacts | null;
  reported_at: Date | null;
  received_at: Date | null;
  correlation_id: string | null;
  assessment: { summaryJa: string; summaryEn: string } | null;
  instructions: Record<string, InstructionRecord>;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_channel: 'link' | 'api' | null;
  closed_at: Date | null;
}

const toRecord = (row: CaseRow): CaseRecord => ({
  caseId: row.case_id,
  contractId: row.contract_id ?? undefined,
  caseNumber: row.case_number ?? undefined,
  report: row.report ?? undefined,
  reportedAt: row.reported_at ?? undefined,
  receivedAt: row.received_at ?? undefined,
  correlationId: row.correlation_id ?? undefined,
  assessment: row.assessment ?? undefined,
  instructions: row.instructions ?? {},
  acknowledgement:
    row.acknowledged_at && row.acknowledged_by && row.acknowledged_channel
      ? { at: row.acknowledged_at, by: row.acknowledged_by, channel: row.acknowledged_channel }
      : undefined,
  closedAt: row.closed_at ?? undefined,
});

type Runner = Pick<EntityManager, 'query'>;

/** Reads and writes of the `cases` table; writes always in the caller's transaction. */
export class CaseRecords {
  readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `"${schema}".cases`;
  }

  async get(caseId: string, manager?: Runner): Promise<CaseRecord | undefined> {
    const rows: CaseRow[] = await (manager ?? this.dataSource).query(
      `SELECT * FROM ${this.table} WHERE case_id = $1`,
      [caseId],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** The case's row, locked until the caller's transaction ends (acknowledgement, timers, updates). */
  async lock(caseId: string, manager: EntityManager): Promise<CaseRecord | undefined> {
    const rows: CaseRow[] = await manager.query(`SELECT * FROM ${this.table} WHERE case_id = $1 FOR UPDATE`, [
      caseId,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Records the report. `undefined` when the case already had one (a replayed event); else whether the
   * case's assessment is already known (it arrived first).
   */
  async recordReport(
    manager: EntityManager,
    input: {
      caseId: string;
      contractId: string;
      caseNumber: string;
      report: ReportFacts;
      reportedAt: Date;
      receivedAt: Date;
      correlationId?: string;
    },
  ): Promise<{ assessed: boolean } | undefined> {
    const rows: Array<{ assessed: boolean }> = await manager.query(
      `INSERT INTO ${this.table} (case_id, contract_id, case_number, report, reported_at, received_at, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (case_id) DO UPDATE SET contract_id = EXCLUDED.contract_id, case_number = EXCLUDED.case_number,
              report = EXCLUDED.report, reported_at = EXCLUDED.reported_at, received_at = EXCLUDED.received_at,
              correlation_id = EXCLUDED.correlation_id
        WHERE ${this.table}.report IS NULL
       RETURNING assessment IS NOT NULL AS assessed`,
      [
        input.caseId,
        input.contractId,
        input.caseNumber,
        JSON.stringify(input.report),
        input.reportedAt,
        input.receivedAt,
        input.correlationId ?? null,
      ],
    );
    return rows[0];
  }

  async setReport(manager: EntityManager, caseId: string, report: ReportFacts): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET report = $2 WHERE case_id = $1`, [
      caseId,
      JSON.stringify(report),
    ]);
  }

  /**
   * Keeps the latest assessment line (creating the row when the assessment comes first); answers the
   * case's contract, undefined while its report has not arrived.
   */
  async setAssessment(
    manager: EntityManager,
    caseId: string,
    assessment: { summaryJa: string; summaryEn: string },
  ): Promise<{ contractId?: string }> {
    const rows: Array<{ contract_id: string | null }> = await manager.query(
      `INSERT INTO ${this.table} (case_id, assessment) VALUES ($1, $2)
       ON CONFLICT (case_id) DO UPDATE SET assessment = EXCLUDED.assessment
       RETURNING contract_id`,
      [caseId, JSON.stringify(assessment)],
    );
    return { contractId: rows[0]?.contract_id ?? undefined };
  }

  async addInstruction(
    manager: EntityManager,
    caseId: string,
    instructionId: string,
    instruction: InstructionRecord,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET instructions = instructions || jsonb_build_object($2::text, $3::jsonb)
        WHERE case_id = $1`,
      [caseId, instructionId, JSON.stringify(instruction)],
    );
  }

  async acknowledge(
    manager: EntityManager,
    caseId: string,
    acknowledgement: { at: Date; by: string; channel: 'link' | 'api' },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET acknowledged_at = $2, acknowledged_by = $3, acknowledged_channel = $4
        WHERE case_id = $1 AND acknowledged_at IS NULL`,
      [caseId, acknowledgement.at, acknowledgement.by, acknowledgement.channel],
    );
  }

  async close(manager: EntityManager, caseId: string, at: Date): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET closed_at = $2 WHERE case_id = $1 AND closed_at IS NULL`, [
      caseId,
      at,
    ]);
  }
}
