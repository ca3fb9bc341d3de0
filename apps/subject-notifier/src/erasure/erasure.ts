import type { DataSource, EntityManager } from 'typeorm';
import { actorOf, type Principal } from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { transactionRetryingConflicts } from '#libs/event-store';
import type { Campaigns } from '../campaigns/campaigns.js';
import type { CaseRegistry } from '../cases/case-registry.js';
import { type SubjectEvents, SYSTEM_ACTOR } from '../events.js';
import type { PersonVault } from '../persons/person-vault.js';

/** What was erased, as the certificate states it. */
export const ERASED_ITEMS = ['name', 'e-mail address', 'phone number', 'postal address', 'leaked data items'];
export const erasedMedia = (schema: string) => [
  `PostgreSQL schema "${schema}" (persons, staged imports, duplicate digests) and every copy of its sealed values`,
];

export interface ErasureCertificate {
  readonly caseId: string;
  readonly contractId: string;
  readonly items: readonly string[];
  readonly media: readonly string[];
  readonly persons: number;
  readonly method: string;
  readonly keyId: string | null;
  readonly responsible: string;
  readonly reason: string;
  readonly instructionId: string | null;
  readonly erasedAt: string;
}

/**
 * Erasure of a case's affected persons (Art. 7) by crypto-shredding: the case's data key is destroyed, so
 * every sealed name, address, e-mail, phone and item — in the tables, the staged imports and any backup
 * taken after the next master-key rotation — is unreadable at once. Running campaigns are cancelled; the
 * counts stay. `SubjectsErased` records the certificate's facts. Idempotent: a repeat returns the first one.
 */
export class Erasure {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly cases: CaseRegistry,
    private readonly campaigns: Campaigns,
    private readonly vault: PersonVault,
    private readonly events: SubjectEvents,
  ) {}

  /** By the responsible person, through the API. */
  async eraseByRequest(
    principal: Principal,
    caseId: string,
    reason: string,
    now: Date,
  ): Promise<ErasureCertificate> {
    await this.cases.visible(principal, caseId);
    return transactionRetryingConflicts(this.dataSource, (manager) =>
      this.eraseIn(manager, caseId, { responsible: principal.id, reason, now, actor: actorOf(principal) }),
    );
  }

  /** On the client's instruction to return or erase the data (intake's InstructionIssued), in the consumer's transaction. */
  async eraseOnInstruction(
    manager: EntityManager,
    caseId: string,
    input: { instructionId: string; issuedBy: string; now: Date },
  ): Promise<void> {
    if (!(await this.cases.find(caseId, manager))) return; // a case this service never held persons for
    await this.eraseIn(manager, caseId, {
      responsible: input.issuedBy,
      reason: `client instruction ${input.instructionId}: return or erase the data`,
      instructionId: input.instructionId,
      now: input.now,
      actor: SYSTEM_ACTOR,
    });
  }

  async certificate(principal: Principal, caseId: string): Promise<ErasureCertificate | undefined> {
    const record = await this.cases.visible(principal, caseId);
    return this.read(this.dataSource, caseId, record.contractId);
  }

  private async read(
    manager: EntityManager | DataSource,
    caseId: string,
    contractId: string,
  ): Promise<ErasureCertificate | undefined> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT persons, key_id, method, responsible, reason, instruction_id, erased_at FROM "${this.schema}".erasures
        WHERE case_id = $1`,
      [caseId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      caseId,
      contractId,
      items: ERASED_ITEMS,
      media: erasedMedia(this.schema),
      persons: row.persons as number,
      method: row.method as string,
      keyId: (row.key_id as string | null) ?? null,
      responsible: row.responsible as string,
      reason: row.reason as string,
      instructionId: (row.instruction_id as string | null) ?? null,
      erasedAt: new Date(row.erased_at as string).toISOString(),
    };
  }

  private async eraseIn(
    manager: EntityManager,
    caseId: string,
    input: { responsible: string; reason: string; instructionId?: string; now: Date; actor: Actor },
  ): Promise<ErasureCertificate> {
    const record = await this.cases.find(caseId, manager, true);
    if (!record) throw new Error(`case ${caseId} is unknown`);
    const earlier = await this.read(manager, caseId, record.contractId);
    if (earlier) return earlier;
    for (const campaign of await this.campaigns.activeOf(manager, caseId)) {
      await this.campaigns.cancelIn(manager, campaign, 'CANCELLATION_CAUSE_ERASURE', input.now, input.actor);
    }
    const [{ persons }]: Array<{ persons: number }> = await manager.query(
      `SELECT count(*)::int AS persons FROM "${this.schema}".persons WHERE case_id = $1`,
      [caseId],
    );
    // the staged rows of imports never confirmed: sealed too, but nothing should outlive the erasure
    await manager.query(
      `DELETE FROM "${this.schema}".import_rows WHERE import_id IN
         (SELECT import_id FROM "${this.schema}".imports WHERE case_id = $1)`,
      [caseId],
    );
    await manager.query(
      `UPDATE "${this.schema}".imports SET status = 'discarded' WHERE case_id = $1 AND status = 'reported'`,
      [caseId],
    );
    const destroyed = await this.vault.keyring.destroy(
      caseId,
      { by: input.responsible, reason: input.reason, at: input.now },
      manager,
    );
    this.vault.forget(caseId);
    await manager.query(
      `INSERT INTO "${this.schema}".erasures (case_id, persons, key_id, method, responsible, reason, instruction_id, erased_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        caseId,
        persons,
        destroyed.keyExisted ? destroyed.keyId : null,
        destroyed.method,
        input.responsible,
        input.reason,
        input.instructionId ?? null,
        destroyed.destroyedAt,
      ],
    );
    await manager.query(`UPDATE "${this.schema}".cases SET erased_at = $2 WHERE case_id = $1`, [
      caseId,
      destroyed.destroyedAt,
    ]);
    await this.events.append(
      manager,
      caseId,
      [
        {
          type: 'SubjectsErased',
          data: {
            contractId: record.contractId,
            items: ERASED_ITEMS,
            media: erasedMedia(this.schema),
            persons,
            method: destroyed.method,
            keyId: destroyed.keyExisted ? destroyed.keyId : '',
            responsible: input.responsible,
            reason: input.reason,
            instructionId: input.instructionId ?? '',
            erasedAt: destroyed.destroyedAt.toISOString(),
          },
        },
      ],
      { now: input.now, actor: input.actor },
    );
    return (await this.read(manager, caseId, record.contractId)) as ErasureCertificate;
  }
}
