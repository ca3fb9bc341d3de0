import type { DataSource, EntityManager } from 'typeorm';
import { noticeTemplateHash } from '#libs/contracts';

/**
 * A notice template the client approved (publisher's consultation, Art. 16(2) and Rule 10): the words every
 * affected person receives, in Japanese and English, with two placeholders filled per person:
 * `{{name}}` (the person's name) and `{{items}}` (only the data items that leaked for that person).
 */
export interface ApprovedTemplate {
  readonly templateId: string;
  readonly revision: number;
  readonly caseId: string;
  readonly subjectJa: string;
  readonly bodyJa: string;
  readonly subjectEn: string;
  readonly bodyEn: string;
  readonly approvedAt: Date;
  /** who approved it at the client (user id) */
  readonly approvedBy: string;
}

export type StoredTemplate = ApprovedTemplate & { readonly contentHash: string };

/** SHA-256 (hex) of the template's content: the four texts, each length-prefixed, in a fixed order. */
export function templateContentHash(
  template: Pick<ApprovedTemplate, 'subjectJa' | 'bodyJa' | 'subjectEn' | 'bodyEn'>,
): string {
  return noticeTemplateHash(template);
}

export class TemplateHashMismatchError extends Error {
  override readonly name = 'TemplateHashMismatchError';
}

/**
 * The `notice_templates` table: approved templates per case, fed from publisher's `NoticeTemplateApproved`
 * (publisher-events.ts) through `recordApproved` (which tests also call directly). A campaign starts only
 * with a template found here.
 */
export class NoticeTemplates {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /**
   * Records an approved revision (idempotent). With `contentHash` (the hash the approval was bound to) the
   * content must match it, or nothing is stored.
   */
  async recordApproved(
    template: ApprovedTemplate & { readonly contentHash?: string },
    manager?: EntityManager,
  ): Promise<StoredTemplate> {
    const contentHash = templateContentHash(template);
    if (template.contentHash !== undefined && template.contentHash !== contentHash) {
      throw new TemplateHashMismatchError(
        `template ${template.templateId} revision ${template.revision}: content does not match the approved hash`,
      );
    }
    await (manager ?? this.dataSource).query(
      `INSERT INTO "${this.schema}".notice_templates
         (template_id, revision, case_id, content_hash, subject_ja, body_ja, subject_en, body_en, approved_at, approved_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (template_id, revision) DO NOTHING`,
      [
        template.templateId,
        template.revision,
        template.caseId,
        contentHash,
        template.subjectJa,
        template.bodyJa,
        template.subjectEn,
        template.bodyEn,
        template.approvedAt,
        template.approvedBy,
      ],
    );
    return { ...template, contentHash };
  }

  /** The approved revision (the latest when `revision` is absent) of a case's template. */
  async findApproved(
    caseId: string,
    templateId: string,
    revision?: number,
    manager?: EntityManager,
  ): Promise<StoredTemplate | undefined> {
    const rows: StoredTemplate[] = await (manager ?? this.dataSource).query(
      `SELECT template_id AS "templateId", revision, case_id AS "caseId", content_hash AS "contentHash",
              subject_ja AS "subjectJa", body_ja AS "bodyJa", subject_en AS "subjectEn", body_en AS "bodyEn",
              approved_at AS "approvedAt", approved_by AS "approvedBy"
         FROM "${this.schema}".notice_templates
        WHERE case_id = $1 AND template_id = $2 AND ($3::int IS NULL OR revision = $3)
        ORDER BY revision DESC LIMIT 1`,
      [caseId, templateId, revision ?? null],
    );
    const found = rows[0];
    // a row whose content no longer matches its hash was altered after approval: not approved
    return found && templateContentHash(found) === found.contentHash ? found : undefined;
  }
}
