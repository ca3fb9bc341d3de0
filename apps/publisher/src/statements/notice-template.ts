import type { NoticeTemplateTexts } from '#libs/contracts';
import { type DocumentContent, type Language, SUBJECT_NOTICE_SECTIONS, textOf } from './sections.js';

/** The placeholders subject-notifier fills per person: their name, and only the data items leaked for them. */
export const NOTICE_PLACEHOLDERS = { name: '{{name}}', items: '{{items}}' } as const;

/** The heading line of each body section of the notice, per language (the title is the subject). */
export const NOTICE_HEADINGS: Record<Language, Record<string, string>> = {
  ja: {
    overview: '概要',
    dataItems: '漏えい等が発生した（おそれのある）情報',
    cause: '原因',
    secondaryDamage: '二次被害の有無とご注意',
    whatYouCanDo: 'お願いしたいこと',
    contact: 'お問い合わせ窓口',
  },
  en: {
    overview: 'What happened',
    dataItems: 'What information was involved',
    cause: 'Cause',
    secondaryDamage: 'Possible secondary damage',
    whatYouCanDo: 'What you can do',
    contact: 'For more information',
  },
};

/** A list item's mark in the plain text (the same marks subject-notifier puts before each leaked item). */
const BULLET: Record<Language, string> = { ja: '・', en: '- ' };

/** The visible text of a sanitised section as plain text: list items marked, lines trimmed, blank runs folded. */
function plainText(html: string, language: Language): string {
  const inlineless = html.replace(/<\/?(a|strong|em|b|i)\b[^>]*>/gi, '');
  return textOf(inlineless.replace(/<li\b[^>]*>/gi, `<li>${BULLET[language]}`))
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The notice template for affected persons, from an approved `subject_notice` revision (pure, deterministic:
 * the same content always gives the same texts and so the same `noticeTemplateHash`):
 *
 * - the subject is the `title` section (text only);
 * - the body is every other section in order (overview, data items, cause, secondary damage, what you can
 *   do, contact), each as its heading line followed by its visible text (tags dropped, emphasis and links
 *   kept as their words, list items marked `・` / `- `), separated by a blank line; an empty section is
 *   left out with its heading;
 * - nothing is added: `{{name}}` and `{{items}}` are filled per person only where the approved text has
 *   them (the pre-filled draft puts `{{name}}` in a salutation and `{{items}}` in the data items section).
 */
export function noticeTemplateOf(content: DocumentContent): NoticeTemplateTexts {
  const texts = {} as Record<Language, { subject: string; body: string }>;
  for (const language of ['ja', 'en'] as const) {
    const sections = content[language] ?? {};
    const subject = plainText(sections.title ?? '', language).replace(/\s+/g, ' ');
    const body = SUBJECT_NOTICE_SECTIONS.filter((section) => section !== 'title')
      .map((section) => {
        const text = plainText(sections[section] ?? '', language);
        return text === '' ? '' : `${NOTICE_HEADINGS[language][section]}\n${text}`;
      })
      .filter((part) => part !== '')
      .join('\n\n');
    texts[language] = { subject, body };
  }
  return {
    subjectJa: texts.ja.subject,
    bodyJa: texts.ja.body,
    subjectEn: texts.en.subject,
    bodyEn: texts.en.body,
  };
}
