import type { LinkErrorCode } from '#libs/auth';
import { escapeHtml, type MailLanguage } from '#libs/mail';
import type { AcknowledgementView } from '../correspondence/acknowledgements.js';
import type { OpenedReport } from '../correspondence/case-facts.js';
import { reportParagraphs } from '../mail/templates.js';
import { timeText } from '../mail/wording.js';

/**
 * The server-rendered pages behind the acknowledgement link: no script, no inline style (the service's
 * CSP forbids both), a plain form whose button POSTs to the same address.
 */

export interface AckPageModel {
  readonly language: MailLanguage;
  readonly caseNumber?: string;
  readonly contractTitle: string;
  readonly report: OpenedReport;
  readonly assessment?: string;
  readonly responsible?: { readonly name: string; readonly email: string };
  readonly acknowledgement?: AcknowledgementView;
}

const paragraphs = (texts: readonly string[]) =>
  texts.map((text) => `<p>${escapeHtml(text).replaceAll('\n', '<br>')}</p>`).join('\n');

function page(language: MailLanguage, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function acknowledgedText(ack: AcknowledgementView, language: MailLanguage): string {
  const who = ack.byName ?? (language === 'ja' ? '委託元のご担当者' : 'a person at the client');
  return language === 'ja'
    ? `この事案の受領は ${who} により ${timeText(ack.at.toISOString(), language)} に確認済みです。`
    : `Receipt of this case was already confirmed by ${who} on ${timeText(ack.at.toISOString(), language)}.`;
}

/** GET: the case summary and, unless someone already confirmed, the "I confirm receipt" button. */
export function acknowledgementPage(model: AckPageModel): string {
  const ja = model.language === 'ja';
  const label = model.caseNumber ?? '';
  const title = ja ? `漏えい等の報告の受領確認 ${label}` : `Confirm receipt of the leak report ${label}`;
  const summary = paragraphs([
    ja ? `委託契約: ${model.contractTitle}` : `Contract: ${model.contractTitle}`,
    ...reportParagraphs(model.report, model.language),
    ja
      ? `法令上の評価: ${model.assessment ?? '評価中'}`
      : `Regulatory assessment: ${model.assessment ?? 'being assessed'}`,
    ...(model.responsible
      ? [
          ja
            ? `当社責任者: ${model.responsible.name} (${model.responsible.email})`
            : `Our responsible person: ${model.responsible.name} (${model.responsible.email})`,
        ]
      : []),
  ]);
  const action = model.acknowledgement
    ? `<p role="status">${escapeHtml(acknowledgedText(model.acknowledgement, model.language))}</p>`
    : `<form method="post">
<p>${escapeHtml(ja ? '内容を確認のうえ、下のボタンを押してください。ボタンを押すまで受領は記録されません。' : 'Please read the report, then press the button. Receipt is recorded only when you press it.')}</p>
<button type="submit">${escapeHtml(ja ? '受領を確認しました' : 'I confirm receipt')}</button>
</form>`;
  return page(model.language, title, `${summary}\n${action}`);
}

/** POST answered: confirmed now, or already confirmed earlier (by whom, when). */
export function acknowledgedPage(
  language: MailLanguage,
  caseNumber: string | undefined,
  ack: AcknowledgementView,
  now: boolean,
): string {
  const ja = language === 'ja';
  const title = now
    ? ja
      ? `受領を確認しました ${caseNumber ?? ''}`
      : `Receipt confirmed ${caseNumber ?? ''}`
    : ja
      ? `受領は確認済みです ${caseNumber ?? ''}`
      : `Receipt already confirmed ${caseNumber ?? ''}`;
  const text = now
    ? ja
      ? `ありがとうございます。${timeText(ack.at.toISOString(), language)} に受領を記録しました。担当者から追ってご連絡します。`
      : `Thank you. Your confirmation was recorded on ${timeText(ack.at.toISOString(), language)}. We will keep you informed.`
    : acknowledgedText(ack, language);
  return page(language, title, `<p role="status">${escapeHtml(text)}</p>`);
}

const LINK_PROBLEMS: Record<LinkErrorCode | 'case_not_found', readonly [string, string]> = {
  link_tampered: ['このリンクは無効です。', 'This link is not valid.'],
  link_wrong_action: ['このリンクは無効です。', 'This link is not valid.'],
  link_wrong_case: ['このリンクは無効です。', 'This link is not valid.'],
  link_expired: [
    'このリンクは有効期限が切れています。当社責任者にご連絡ください。',
    'This link has expired. Please contact our responsible person.',
  ],
  link_already_used: ['このリンクは使用済みです。', 'This link was already used.'],
  case_not_found: ['この事案は見つかりません。', 'This case was not found.'],
};

/** A link that cannot be used: the reason in both languages (the recipient's language is not known). */
export function linkProblemPage(code: LinkErrorCode | 'case_not_found'): string {
  const [ja, en] = LINK_PROBLEMS[code];
  return page(
    'ja',
    'リンクを使用できません / This link cannot be used',
    `<p lang="ja">${escapeHtml(ja)}</p>\n<p lang="en">${escapeHtml(en)}</p>`,
  );
}
