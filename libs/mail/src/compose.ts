import type { MailLanguage, MailMessage } from './mailer.js';

/** The content of a message in one language. */
export interface LocalizedContent {
  readonly subject: string;
  /** paragraphs of plain text (no markup); rendered as text and as escaped HTML */
  readonly paragraphs: readonly string[];
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const SEPARATOR = '----------------------------------------';

/** http(s) URLs in text already escaped for HTML (`&` is `&amp;`, quotes are entities): safe in an href. */
const ESCAPED_URL = /https?:\/\/[^\s<]+/g;

/** A paragraph as HTML: escaped, line breaks kept, web addresses made clickable. */
function paragraphHtml(paragraph: string): string {
  return escapeHtml(paragraph)
    .replace(ESCAPED_URL, (url) => `<a href="${url}">${url}</a>`)
    .replaceAll('\n', '<br>');
}

/**
 * One message carrying the same content in several languages (or one), in the order given (Japanese first for
 * the contractor's staff): subjects joined with ` / `, text parts separated by a rule, HTML sections
 * each with its `lang`.
 */
export function composeMessage(
  to: readonly string[],
  contents: ReadonlyArray<readonly [MailLanguage, LocalizedContent]>,
): MailMessage {
  const subject = contents.map(([, content]) => content.subject).join(' / ');
  const text = contents.map(([, content]) => content.paragraphs.join('\n\n')).join(`\n\n${SEPARATOR}\n\n`);
  const sections = contents.map(
    ([language, content]) =>
      `<section lang="${language}">${content.paragraphs.map((p) => `<p>${paragraphHtml(p)}</p>`).join('')}</section>`,
  );
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${sections.join('<hr>')}</body></html>`;
  return { to, subject, text, html, languages: contents.map(([language]) => language) };
}
