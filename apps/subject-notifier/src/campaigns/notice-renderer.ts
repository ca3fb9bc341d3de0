import { escapeHtml, type MailLanguage } from '#libs/mail';
import type { PersonFields } from '../persons/normalise.js';
import type { StoredTemplate } from '../templates/notice-templates.js';

export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** the HTML part's body content (for a printed letter) */
  readonly bodyHtml: string;
  readonly language: MailLanguage;
}

const fill = (template: string, values: { name: string; items: string }) =>
  template.replace(/\{\{\s*(name|items)\s*\}\}/g, (_match, key: 'name' | 'items') => values[key]);

/**
 * One person's notice: the approved template in the person's language, `{{name}}` replaced by their name
 * and `{{items}}` by only the data items that leaked for them (one per line). Pure.
 */
export function renderNotice(template: StoredTemplate, person: PersonFields): RenderedNotice {
  const language = person.language;
  const [subject, body] =
    language === 'en' ? [template.subjectEn, template.bodyEn] : [template.subjectJa, template.bodyJa];
  const bullet = language === 'en' ? '- ' : '・';
  const itemsText = person.items.map((item) => `${bullet}${item}`).join('\n');
  const text = fill(body, { name: person.name, items: itemsText });
  const htmlBody = fill(escapeHtml(body), {
    name: escapeHtml(person.name),
    items: `<ul>${person.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
  }).replace(/\n/g, '<br>\n');
  return {
    subject: fill(subject, { name: person.name, items: person.items.join(language === 'en' ? ', ' : '、') }),
    text,
    html: `<!doctype html><html lang="${language}"><body>${htmlBody}</body></html>`,
    bodyHtml: htmlBody,
    language,
  };
}
