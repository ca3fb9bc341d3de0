import { createHash } from 'node:crypto';
import sanitizeHtml from 'sanitize-html';

/** The languages every statement is drafted in. */
export const LANGUAGES = ['ja', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** What a document is: the public statement (公表文) or the notice template for affected persons (Rule 10). */
export const DOCUMENT_KINDS = ['statement', 'subject_notice'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * The sections of a public statement, in order (REGULATIONS.md, "Public statement 公表文"): title, lead,
 * background and dates, information involved and quantities, cause, secondary damage and cautions, what
 * was done for the persons, recurrence prevention (done and planned), contact point.
 */
export const STATEMENT_SECTIONS = [
  'title',
  'lead',
  'background',
  'information',
  'cause',
  'secondaryDamage',
  'personsResponse',
  'preventionDone',
  'preventionPlanned',
  'contact',
] as const;

/** The sections of the notice to affected persons (Rule 10: items 1, 2, 4, 5, 9 plus what to do and contact). */
export const SUBJECT_NOTICE_SECTIONS = [
  'title',
  'overview',
  'dataItems',
  'cause',
  'secondaryDamage',
  'whatYouCanDo',
  'contact',
] as const;

export function sectionsOf(kind: DocumentKind): readonly string[] {
  return kind === 'statement' ? STATEMENT_SECTIONS : SUBJECT_NOTICE_SECTIONS;
}

/** A document's text: per language, per section, a sanitised HTML fragment (the title: text only). */
export type DocumentContent = Record<Language, Record<string, string>>;

/** Longest section accepted, in characters. */
export const MAX_SECTION_LENGTH = 20_000;

/**
 * The rich text a section may hold: paragraphs, lists, emphasis, simple tables and links to http(s) or
 * mailto. No script, no style, no event handler, no iframe (foreign or not), no form, no image.
 */
const RICH_TEXT: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    'b',
    'i',
    'a',
    'h3',
    'h4',
    'blockquote',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }),
  },
};

const TEXT_ONLY: sanitizeHtml.IOptions = { allowedTags: [], allowedAttributes: {} };

/** A section's text made safe to render as HTML: the title keeps no tag at all. */
export function sanitizeSection(section: string, html: string): string {
  return sanitizeHtml(html, section === 'title' ? TEXT_ONLY : RICH_TEXT).trim();
}

/** The sanitised form of a whole document (every section of every language, in order). */
export function sanitizeContent(kind: DocumentKind, content: DocumentContent): DocumentContent {
  const clean = {} as DocumentContent;
  for (const language of LANGUAGES) {
    clean[language] = {};
    for (const section of sectionsOf(kind)) {
      clean[language][section] = sanitizeSection(section, content[language]?.[section] ?? '');
    }
  }
  return clean;
}

/** SHA-256 (hex) over the canonical form: kind, then each language's sections in their fixed order. */
export function contentHash(kind: DocumentKind, content: DocumentContent): string {
  const canonical = JSON.stringify([
    kind,
    LANGUAGES.map((language) => [
      language,
      sectionsOf(kind).map((section) => [section, content[language]?.[section] ?? '']),
    ]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The visible text of a sanitised fragment (tags dropped, block ends as line breaks, entities decoded). */
export function textOf(html: string): string {
  return html
    .replace(/<\/(p|li|h3|h4|tr|blockquote)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
      return ENTITIES[entity.toLowerCase()] ?? whole;
    });
}

/** The `<language>.<section>` names whose text differs between two contents. */
export function changedSections(
  kind: DocumentKind,
  before: DocumentContent,
  after: DocumentContent,
): string[] {
  const changed: string[] = [];
  for (const language of LANGUAGES) {
    for (const section of sectionsOf(kind)) {
      if ((before[language]?.[section] ?? '') !== (after[language]?.[section] ?? '')) {
        changed.push(`${language}.${section}`);
      }
    }
  }
  return changed;
}

/** Escapes text for HTML (element content and quoted attributes); also valid for XML. */
export { escapeHtml } from '#libs/mail';
