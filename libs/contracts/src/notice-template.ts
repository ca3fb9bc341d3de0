import { createHash } from 'node:crypto';

/** The four texts of a notice template for affected persons (publisher drafts them, subject-notifier sends). */
export interface NoticeTemplateTexts {
  readonly subjectJa: string;
  readonly bodyJa: string;
  readonly subjectEn: string;
  readonly bodyEn: string;
}

/**
 * SHA-256 (hex) of a notice template's texts, each length-prefixed, in the fixed order subject_ja, body_ja,
 * subject_en, body_en: `NoticeTemplateApproved.template_hash` (publisher computes it over the approved
 * words, subject-notifier over what it opened) and subject-notifier's `notice_templates.content_hash`.
 */
export function noticeTemplateHash(template: NoticeTemplateTexts): string {
  const hash = createHash('sha256');
  for (const text of [template.subjectJa, template.bodyJa, template.subjectEn, template.bodyEn]) {
    hash.update(`${Buffer.byteLength(text)}:${text}\n`);
  }
  return hash.digest('hex');
}
