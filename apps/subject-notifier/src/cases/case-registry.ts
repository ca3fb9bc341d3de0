import type { DataSource, EntityManager } from 'typeorm';
import { assertCaseVisible, CaseNotFoundError, type Principal } from '#libs/auth';
import { ApiError } from '#libs/platform';

export interface CaseRecord {
  readonly caseId: string;
  readonly contractId: string;
  readonly erasedAt: Date | null;
}

/** `notify subjects` and `return or erase data`, as intake's InstructionKind names them. */
export const NOTIFY_SUBJECTS = 'INSTRUCTION_KIND_NOTIFY_SUBJECTS';
export const RETURN_OR_ERASE = 'INSTRUCTION_KIND_RETURN_OR_ERASE_DATA';

/**
 * What subject-notifier knows of intake's cases, from `intake.case.events.v1`: each case's contract (tenant
 * scoping) and the instructions issued on it (a campaign must carry out one of kind "notify subjects").
 */
export class CaseRegistry {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async caseReported(
    manager: EntityManager,
    input: { caseId: string; contractId: string; caseNumber: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".cases (case_id, contract_id, case_number) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO NOTHING`,
      [input.caseId, input.contractId, input.caseNumber],
    );
  }

  async instructionIssued(
    manager: EntityManager,
    input: { caseId: string; instructionId: string; kind: string; issuedAt: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".instructions (case_id, instruction_id, kind, issued_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [input.caseId, input.instructionId, input.kind, input.issuedAt],
    );
  }

  async find(caseId: string, manager?: EntityManager, lock = false): Promise<CaseRecord | undefined> {
    const rows: CaseRecord[] = await (manager ?? this.dataSource).query(
      `SELECT case_id AS "caseId", contract_id AS "contractId", erased_at AS "erasedAt"
         FROM "${this.schema}".cases WHERE case_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [caseId],
    );
    return rows[0];
  }

  /** The case if the principal may see it; 404 (the same as an unknown case) otherwise. */
  async visible(
    principal: Principal,
    caseId: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<CaseRecord> {
    const record = await this.find(caseId, manager, lock);
    if (!record) throw new CaseNotFoundError(caseId);
    assertCaseVisible(principal, record.contractId, caseId);
    return record;
  }

  /** As `visible`, and refused with 410 once the case's persons were erased. */
  async visibleLive(
    principal: Principal,
    caseId: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<CaseRecord> {
    const record = await this.visible(principal, caseId, manager, lock);
    if (record.erasedAt) {
      throw new ApiError('gone', 'The affected persons of this case were erased.', { code: 'data_erased' });
    }
    return record;
  }

  async instructionKind(
    caseId: string,
    instructionId: string,
    manager: EntityManager,
  ): Promise<string | undefined> {
    const rows: Array<{ kind: string }> = await manager.query(
      `SELECT kind FROM "${this.schema}".instructions WHERE case_id = $1 AND instruction_id = $2`,
      [caseId, instructionId],
    );
    return rows[0]?.kind;
  }
}
