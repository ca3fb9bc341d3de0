import {
  type DocumentContent,
  escapeHtml,
  type Language,
  STATEMENT_SECTIONS,
  textOf,
} from '../statements/sections.js';
import type { PublishedStatement } from '../statements/statements.js';

const HEADINGS: Record<Language, Record<string, string>> = {
  ja: {
    lead: '',
    background: '経緯・概要',
    information: '漏えい等が発生した（おそれのある）情報と件数',
    cause: '原因',
    secondaryDamage: '二次被害の有無とご注意',
    personsResponse: '対象となる方への対応',
    preventionDone: '再発防止策（実施済み）',
    preventionPlanned: '再発防止策（今後の予定）',
    contact: 'お問い合わせ窓口',
  },
  // California's headings (What Happened / What Information Was Involved / What We Are Doing / What You
  // Can Do / For More Information), in the statement's order
  en: {
    lead: '',
    background: 'What happened',
    information: 'What information was involved',
    cause: 'Cause',
    secondaryDamage: 'What you can do',
    personsResponse: 'What we are doing for the persons affected',
    preventionDone: 'What we have done to prevent a recurrence',
    preventionPlanned: 'What we will do to prevent a recurrence',
    contact: 'For more information',
  },
};

const UI = {
  ja: {
    index: '公表文の一覧',
    published: '公表日',
    other: 'English',
    feed: 'Atom フィード',
    none: '公表済みの文書はありません。',
    revision: '版',
    back: '一覧に戻る',
  },
  en: {
    index: 'Published statements',
    published: 'Published',
    other: '日本語',
    feed: 'Atom feed',
    none: 'No statement has been published.',
    revision: 'revision',
    back: 'All statements',
  },
} as const;

const other = (language: Language): Language => (language === 'ja' ? 'en' : 'ja');

function urlOf(slug: string, language: Language): string {
  return `/statements/${encodeURIComponent(slug)}${language === 'en' ? '?lang=en' : ''}`;
}

/** `titleHtml` is safe HTML text (a sanitised title, or escaped). */
function page(language: Language, titleHtml: string, body: string, alternate: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${titleHtml}</title>
<link rel="stylesheet" href="/statements/assets/statement.css">
<link rel="alternate" type="application/atom+xml" href="/statements/feed.atom" title="${escapeHtml(UI[language].feed)}">
${alternate}
</head>
<body>
<a class="skip" href="#main">${language === 'ja' ? '本文へ移動' : 'Skip to content'}</a>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

/** One published statement: its sections in order (already sanitised at save), server-rendered. */
export function renderStatementPage(statement: PublishedStatement, language: Language): string {
  const content: DocumentContent = statement.content;
  const sections = content[language];
  const title = sections.title ?? '';
  const alt = other(language);
  const published = statement.publishedAt.slice(0, 10);
  const body = [
    `<nav aria-label="${language === 'ja' ? '言語' : 'Language'}" class="no-print"><a href="${urlOf(statement.slug, alt)}" hreflang="${alt}" lang="${alt}">${UI[language].other}</a> · <a href="/statements${language === 'en' ? '?lang=en' : ''}">${UI[language].back}</a></nav>`,
    `<article>`,
    `<h1>${title}</h1>`,
    `<p class="meta">${UI[language].published}: <time datetime="${escapeHtml(statement.publishedAt)}">${published}</time></p>`,
    ...STATEMENT_SECTIONS.filter((section) => section !== 'title' && (sections[section] ?? '') !== '').map(
      (section) => {
        const heading = HEADINGS[language][section];
        return `<section>${heading ? `<h2>${escapeHtml(heading)}</h2>` : ''}${sections[section]}</section>`;
      },
    ),
    `</article>`,
  ].join('\n');
  const alternate = `<link rel="alternate" hreflang="${alt}" href="${urlOf(statement.slug, alt)}">`;
  return page(language, title, body, alternate);
}

export interface ListedStatement {
  readonly slug: string;
  readonly number: number;
  readonly titleJa: string;
  readonly titleEn: string;
  readonly publishedAt: string;
}

/** The index of published statements, newest first. */
export function renderIndexPage(statements: readonly ListedStatement[], language: Language): string {
  const ui = UI[language];
  const items = statements
    .map((s) => {
      const title = language === 'ja' ? s.titleJa : s.titleEn;
      return `<li><a href="${urlOf(s.slug, language)}">${title}</a> <time datetime="${escapeHtml(s.publishedAt)}">${s.publishedAt.slice(0, 10)}</time></li>`;
    })
    .join('\n');
  const alt = other(language);
  const body = `<nav class="no-print"><a href="/statements${alt === 'en' ? '?lang=en' : ''}" hreflang="${alt}" lang="${alt}">${ui.other}</a> · <a href="/statements/feed.atom">${ui.feed}</a></nav>
<h1>${ui.index}</h1>
${statements.length === 0 ? `<p>${ui.none}</p>` : `<ol class="statements">\n${items}\n</ol>`}`;
  return page(language, escapeHtml(ui.index), body, '');
}

const xml = escapeHtml;

/** Titles are stored as sanitised text (entities escaped for HTML): back to plain text for XML. */
const plain = (html: string) => textOf(html).trim();

/** The Atom feed (RFC 4287) of published statements, newest first. */
export function renderAtomFeed(statements: readonly ListedStatement[], baseUrl: string): string {
  const updated = statements[0]?.publishedAt ?? new Date(0).toISOString();
  const entries = statements
    .map(
      (s) => `  <entry>
    <id>${xml(`${baseUrl}/statements/${s.slug}`)}</id>
    <title>${xml(plain(s.titleJa))}</title>
    <link rel="alternate" hreflang="ja" href="${xml(`${baseUrl}${urlOf(s.slug, 'ja')}`)}"/>
    <link rel="alternate" hreflang="en" href="${xml(`${baseUrl}${urlOf(s.slug, 'en')}`)}"/>
    <published>${s.publishedAt}</published>
    <updated>${s.publishedAt}</updated>
    <summary>${xml(plain(s.titleEn))}</summary>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
  <id>${xml(`${baseUrl}/statements`)}</id>
  <title>公表文 / Published statements</title>
  <link rel="self" href="${xml(`${baseUrl}/statements/feed.atom`)}"/>
  <link rel="alternate" href="${xml(`${baseUrl}/statements`)}"/>
  <updated>${updated}</updated>
  <author><name>Leak response publisher</name></author>
${entries}
</feed>
`;
}

/** Readable on screen and in print; no script anywhere. */
export const STATEMENT_CSS = `body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;line-height:1.7;max-width:46rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
a{color:#0645ad}a:focus{outline:3px solid #f90;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
h1{font-size:1.6rem;line-height:1.3}h2{font-size:1.2rem;border-bottom:1px solid #ccc;margin-top:2rem}
.meta{color:#444}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.25rem .5rem}
@media print{.no-print{display:none}body{max-width:none;font-size:11pt}a{color:#000;text-decoration:none}}
`;
