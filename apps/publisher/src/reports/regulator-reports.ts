import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Principal } from '#libs/auth';
import type { RegulatorReportKindJson } from '#libs/contracts';
import { type Actor, ConflictError, type EventStore, NotFoundError } from '#libs/event-store';
import { type CaseKeyring, sealedFromJson, sealedToJson } from '#libs/sealing';
import type { IntakeCaseTexts } from '../cases/case-texts.js';
import { appendEvent } from '../events.js';
import { openFacts } from '../statements/prefill.js';
import { PUBLISHER_PURPOSES, type Statements, toTimestampJson } from '../statements/statements.js';
import {
  gdprReport,
  ppcReport,
  processorNotice,
  type RegulatorReportDraft,
  type RegulatorReportKind,
  reportHtml,
  reportText,
} from './regulator-report.js';

const KIND_ENUM: Record<RegulatorReportKind, RegulatorReportKindJson> = {
  ppc_preliminary: 'REGULATOR_REPORT_KIND_PPC_PRELIMINARY',
  ppc_final: 'REGULATOR_REPORT_KIND_PPC_FINAL',
  gdpr_art33: 'REGULATOR_REPORT_KIND_GDPR_ART33',
  processor_notice: 'REGULATOR_REPORT_KIND_PROCESSOR_NOTICE',
};

const streamOf = (reportId: string, caseId: string) => ({ streamId: `regulator-report-${reportId}`, caseId });

export interface RegulatorReportView {
  readonly reportId: string;
  readonly caseId: string;
  readonly kind: RegulatorReportKind;
  readonly contentHash: string;
  readonly draftedAt: string;
  readonly submittedAt?: string;
  readonly referenceNumber?: string;
  readonly unknownItems: number[];
  readonly draft: RegulatorReportDraft;
  readonly text: string;
}

interface Deps {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly store: EventStore;
  readonly statements: Statements;
  readonly intakeTexts: IntakeCaseTexts;
  readonly keyring: CaseKeyring;
}

/** Regulator report drafts from the case's facts, and the record of their submission. */
export class RegulatorReports {
  constructor(private readonly deps: Deps) {}

  async draft(
    caseId: string,
    kind: RegulatorReportKind,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<RegulatorReportView> {
    const record = await this.deps.statements.visibleCase(caseId, principal);
    const facts = await openFacts(this.deps.intakeTexts, record);
    const published: Array<{ number: number; published_at: Date; slug: string }> =
      await this.deps.dataSource.query(
        `SELECT number, published_at, slug FROM "${this.deps.schema}".published_statements
        WHERE case_id = $1 AND kind = 'statement' ORDER BY number`,
        [caseId],
      );
    const draft =
      kind === 'gdpr_art33'
        ? gdprReport(facts, record.sources, record.facts.factSources)
        : kind === 'processor_notice'
          ? processorNotice(facts, record.sources, record.facts.factSources)
          : ppcReport(kind, facts, record.sources, record.facts.factSources, {
              published: published.map((p) => ({
                number: p.number,
                slug: p.slug,
                publishedAt: new Date(p.published_at).toISOString(),
              })),
            });
    const text = reportText(draft);
    const hash = createHash('sha256').update(text).digest('hex');
    const reportId = randomUUID();
    const unknown = draft.items.filter((item) => !item.known).length;
    await this.deps.dataSource.transaction(async (manager) => {
      const sealed = sealedToJson(
        await this.deps.keyring.seal(
          caseId,
          JSON.stringify(draft),
          PUBLISHER_PURPOSES.regulatorReport,
          manager,
        ),
      );
      await manager.query(
        `INSERT INTO "${this.deps.schema}".regulator_reports (report_id, case_id, contract_id, kind, body, content_hash, drafted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [reportId, caseId, record.contractId, kind, sealed, hash, now.toISOString()],
      );
      await appendEvent(
        this.deps.store,
        manager,
        streamOf(reportId, caseId),
        actor,
        now,
        'RegulatorReportDrafted',
        {
          reportId,
          contractId: record.contractId,
          kind: KIND_ENUM[kind],
          contentHash: hash,
          unknownItemCount: unknown,
        },
      );
    });
    return this.view(caseId, reportId, principal);
  }

  async view(caseId: string, reportId: string, principal: Principal): Promise<RegulatorReportView> {
    await this.deps.statements.visibleCase(caseId, principal);
    const rows: Array<{
      kind: RegulatorReportKind;
      body: Parameters<typeof sealedFromJson>[0];
      content_hash: string;
      drafted_at: Date;
      submitted_at: Date | null;
      reference_number: string | null;
    }> = await this.deps.dataSource.query(
      `SELECT kind, body, content_hash, drafted_at, submitted_at, reference_number
         FROM "${this.deps.schema}".regulator_reports WHERE report_id = $1 AND case_id = $2`,
      [reportId, caseId],
    );
    const row = rows[0];
    if (!row)
      throw new NotFoundError(`Regulator report ${reportId} was not found.`, { code: 'report_not_found' });
    const draft = JSON.parse(
      await this.deps.keyring.unseal(sealedFromJson(row.body), PUBLISHER_PURPOSES.regulatorReport),
    ) as RegulatorReportDraft;
    return {
      reportId,
      caseId,
      kind: row.kind,
      contentHash: row.content_hash,
      draftedAt: new Date(row.drafted_at).toISOString(),
      ...(row.submitted_at ? { submittedAt: new Date(row.submitted_at).toISOString() } : {}),
      ...(row.reference_number ? { referenceNumber: row.reference_number } : {}),
      unknownItems: draft.items.filter((item) => !item.known).map((item) => item.no),
      draft,
      text: reportText(draft),
    };
  }

  async html(caseId: string, reportId: string, principal: Principal): Promise<string> {
    return reportHtml((await this.view(caseId, reportId, principal)).draft);
  }

  /** Records that the report was submitted (date and the regulator's reference number): stops its clock. */
  async submit(
    caseId: string,
    reportId: string,
    submittedAt: Date,
    referenceNumber: string,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<RegulatorReportView> {
    const record = await this.deps.statements.visibleCase(caseId, principal);
    await this.deps.dataSource.transaction(async (manager) => {
      const rows: Array<{ kind: RegulatorReportKind; submitted_at: Date | null }> = await manager.query(
        `SELECT kind, submitted_at FROM "${this.deps.schema}".regulator_reports WHERE report_id = $1 AND case_id = $2 FOR UPDATE`,
        [reportId, caseId],
      );
      const row = rows[0];
      if (!row)
        throw new NotFoundError(`Regulator report ${reportId} was not found.`, { code: 'report_not_found' });
      if (row.submitted_at) {
        throw new ConflictError('This report was already recorded as submitted.', {
          code: 'already_submitted',
        });
      }
      await manager.query(
        `UPDATE "${this.deps.schema}".regulator_reports SET submitted_at = $2, reference_number = $3 WHERE report_id = $1`,
        [reportId, submittedAt.toISOString(), referenceNumber],
      );
      await appendEvent(
        this.deps.store,
        manager,
        streamOf(reportId, caseId),
        actor,
        now,
        'RegulatorReportSubmitted',
        {
          reportId,
          contractId: record.contractId,
          kind: KIND_ENUM[row.kind],
          submittedAt: toTimestampJson(submittedAt),
          referenceNumber,
        },
      );
    });
    return this.view(caseId, reportId, principal);
  }
}
