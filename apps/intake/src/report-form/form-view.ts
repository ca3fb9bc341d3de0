import { escapeHtml as e } from '#libs/mail';
import { DATA_KINDS } from '../cases/report-incident.dto.js';
import {
  CIRCUMSTANCE_FIELDS,
  FORM_FIELDS,
  type FormField,
  type FormValues,
  PLACE_FIELDS,
  single,
} from './form-input.js';
import { DATA_KIND_LABELS, FIELD_ERRORS, type FormLanguage, TEXT } from './messages.js';

/** Server-rendered pages of the report form: no script is needed to use them (see docs/report-form.md). */

export interface FormPage {
  readonly lang: FormLanguage;
  readonly values: FormValues;
  /** fields with a problem, shown in the summary and next to each field */
  readonly problems: ReadonlySet<FormField>;
  /** a notice above the form (signed out, already submitted) */
  readonly notice?: string;
  readonly contracts: ReadonlyArray<{ id: string; title: string }>;
  readonly csrfToken?: string;
  readonly submissionId: string;
}

const t = (lang: FormLanguage, key: keyof typeof TEXT) => e(TEXT[key][lang]);

/** The element of each field the error summary links to (its first control). */
const ANCHOR: Record<FormField, string> = {
  contractId: 'field-contractId',
  discoveredAt: 'field-discoveredAt',
  occurredAt: 'field-occurredAt',
  description: 'field-description',
  dataKinds: `field-dataKinds-${DATA_KINDS[0]}`,
  persons: 'field-personsPrecision',
  records: 'field-recordsPrecision',
  place: 'field-site',
  circumstances: 'field-whatHappened',
  encrypted: 'field-encrypted-yes',
  improperPurposeSuspected: 'field-improperPurposeSuspected-yes',
  euPersonsPossiblyAffected: 'field-euPersonsPossiblyAffected-yes',
  measuresTaken: 'field-measuresTaken',
};

function layout(lang: FormLanguage, title: string, body: string): string {
  const other = lang === 'ja' ? 'en' : 'ja';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/report/assets/form.css">
<script src="/report/assets/draft.js" defer></script>
</head>
<body>
<header class="top"><a class="lang" href="/report?lang=${other}" hreflang="${other}" lang="${other}">${t(lang, 'switchLanguage')}</a></header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

function errorOf(page: FormPage, field: FormField): string {
  return page.problems.has(field)
    ? `<p class="error" id="${field}-error"><span class="visually-hidden">${e(TEXT.errorSummary[page.lang])}: </span>${e(FIELD_ERRORS[field][page.lang])}</p>`
    : '';
}

/** aria attributes of a control: its hint and error, and whether it is invalid. */
function described(page: FormPage, field: FormField, hint?: string): string {
  const ids = [hint, page.problems.has(field) ? `${field}-error` : undefined].filter(Boolean).join(' ');
  return `${ids ? ` aria-describedby="${ids}"` : ''}${page.problems.has(field) ? ' aria-invalid="true"' : ''}`;
}

const groupClass = (page: FormPage, field: FormField) =>
  `group${page.problems.has(field) ? ' group-error' : ''}`;

/** A labelled text control (one line, or several for `multiline`) with its hint and its error. */
function textControl(
  page: FormPage,
  field: FormField,
  name: string,
  label: string,
  options: { hint?: string; required?: boolean; multiline?: boolean } = {},
) {
  const hintId = options.hint ? `${name}-hint` : undefined;
  const attributes = `id="field-${name}" name="${name}"${options.required ? ' required aria-required="true"' : ''}${described(page, field, hintId)}`;
  const value = e(single(page.values, name));
  const control = options.multiline
    ? `<textarea ${attributes} rows="4">${value}</textarea>`
    : `<input type="text" ${attributes} value="${value}">`;
  return `<div class="${groupClass(page, field)}">
<label for="field-${name}">${label} <span class="tag">${t(page.lang, options.required ? 'required' : 'optional')}</span></label>
${options.hint ? `<p class="hint" id="${hintId}">${e(options.hint)}</p>` : ''}${name === field ? errorOf(page, field) : ''}
${control}
</div>`;
}

const textInput = textControl;
const textArea = (...[page, field, name, label, options = {}]: Parameters<typeof textControl>) =>
  textControl(page, field, name, label, { ...options, multiline: true });

function count(page: FormPage, field: 'persons' | 'records') {
  const precision = single(page.values, `${field}Precision`) || 'unknown';
  const options = (['unknown', 'exact', 'about', 'at_least'] as const)
    .map((p) => `<option value="${p}"${p === precision ? ' selected' : ''}>${t(page.lang, p)}</option>`)
    .join('');
  return `<fieldset class="${groupClass(page, field)}">
<legend>${t(page.lang, field)}</legend>${errorOf(page, field)}
<label for="field-${field}Precision">${t(page.lang, 'precision')}</label>
<select id="field-${field}Precision" name="${field}Precision"${described(page, field)}>${options}</select>
<label for="field-${field}Value">${t(page.lang, 'value')}</label>
<input type="text" inputmode="numeric" id="field-${field}Value" name="${field}Value" value="${e(single(page.values, `${field}Value`))}"${described(page, field)}>
</fieldset>`;
}

function triState(
  page: FormPage,
  field: 'encrypted' | 'improperPurposeSuspected' | 'euPersonsPossiblyAffected',
) {
  const chosen = single(page.values, field) || 'unknown';
  const radios = (['yes', 'no', 'unknown'] as const)
    .map(
      (v) =>
        `<span class="choice"><input type="radio" id="field-${field}-${v}" name="${field}" value="${v}"${v === chosen ? ' checked' : ''}${described(page, field)}><label for="field-${field}-${v}">${t(page.lang, v)}</label></span>`,
    )
    .join('');
  return `<fieldset class="${groupClass(page, field)}"><legend>${t(page.lang, field)}</legend>${errorOf(page, field)}${radios}</fieldset>`;
}

function dataKinds(page: FormPage) {
  const value = page.values.dataKinds;
  const chosen = new Set(value === undefined ? [] : typeof value === 'string' ? [value] : value);
  const boxes = DATA_KINDS.map(
    (kind) =>
      `<span class="choice"><input type="checkbox" id="field-dataKinds-${kind}" name="dataKinds" value="${kind}"${chosen.has(kind) ? ' checked' : ''}${described(page, 'dataKinds')}><label for="field-dataKinds-${kind}">${e(DATA_KIND_LABELS[kind][page.lang])}</label></span>`,
  ).join('');
  return `<fieldset class="${groupClass(page, 'dataKinds')}"><legend>${t(page.lang, 'dataKinds')} <span class="tag">${t(page.lang, 'optional')}</span></legend>${errorOf(page, 'dataKinds')}${boxes}</fieldset>`;
}

function contractSelect(page: FormPage) {
  const chosen = single(page.values, 'contractId');
  const options = page.contracts
    .map((c) => `<option value="${e(c.id)}"${c.id === chosen ? ' selected' : ''}>${e(c.title)}</option>`)
    .join('');
  return `<div class="${groupClass(page, 'contractId')}">
<label for="field-contractId">${t(page.lang, 'contract')} <span class="tag">${t(page.lang, 'required')}</span></label>${errorOf(page, 'contractId')}
<select id="field-contractId" name="contractId" required aria-required="true"${described(page, 'contractId')}>
${page.contracts.length === 1 ? '' : `<option value="">—</option>`}${options}</select>
</div>`;
}

function errorSummary(page: FormPage): string {
  if (page.problems.size === 0) return '';
  const items = FORM_FIELDS.filter((field) => page.problems.has(field))
    .map((field) => `<li><a href="#${ANCHOR[field]}">${e(FIELD_ERRORS[field][page.lang])}</a></li>`)
    .join('');
  // focused on load (no script needed), so a screen reader announces the problems first
  return `<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus id="error-summary">
<h2 id="error-summary-title">${t(page.lang, 'errorSummary')}</h2><ul>${items}</ul></div>`;
}

export function renderForm(page: FormPage): string {
  const { lang } = page;
  const notice = page.notice ? `<div class="notice" role="status">${e(page.notice)}</div>` : '';
  const body = `<h1>${t(lang, 'title')}</h1>
<p>${t(lang, 'intro')}</p>
${notice}${errorSummary(page)}
<p class="notice" role="status" id="draft-restored" hidden>${t(lang, 'draftRestored')}</p>
<form method="post" action="/report" novalidate id="report-form" data-draft-key="lr-report-draft">
<input type="hidden" name="_csrf" value="${e(page.csrfToken ?? '')}">
<input type="hidden" name="submissionId" value="${e(page.submissionId)}">
<input type="hidden" name="lang" value="${lang}">
${contractSelect(page)}
${textInput(page, 'discoveredAt', 'discoveredAt', t(lang, 'discoveredAt'), { hint: TEXT.timeHint[lang], required: true })}
${textInput(page, 'occurredAt', 'occurredAt', t(lang, 'occurredAt'), { hint: `${TEXT.timeHint[lang]} ${TEXT.occurredAtHint[lang]}` })}
<fieldset><legend>${t(lang, 'contentLegend')}</legend>
${textArea(page, 'description', 'description', t(lang, 'description'), { hint: TEXT.descriptionHint[lang], required: true })}
${dataKinds(page)}
</fieldset>
<fieldset><legend>${t(lang, 'quantityLegend')}</legend>${count(page, 'persons')}${count(page, 'records')}</fieldset>
<fieldset class="${groupClass(page, 'place')}"><legend>${t(lang, 'placeLegend')}</legend>${errorOf(page, 'place')}
${PLACE_FIELDS.map((name) => textInput(page, 'place', name, t(lang, name))).join('\n')}
</fieldset>
<fieldset class="${groupClass(page, 'circumstances')}"><legend>${t(lang, 'circumstancesLegend')}</legend>${errorOf(page, 'circumstances')}
${CIRCUMSTANCE_FIELDS.map((name) => textArea(page, 'circumstances', name, t(lang, name))).join('\n')}
</fieldset>
<fieldset><legend>${t(lang, 'factsLegend')}</legend>
${triState(page, 'encrypted')}${triState(page, 'improperPurposeSuspected')}${triState(page, 'euPersonsPossiblyAffected')}
</fieldset>
${textArea(page, 'measuresTaken', 'measuresTaken', t(lang, 'measuresTaken'))}
<button type="submit">${t(lang, 'submit')}</button>
</form>`;
  return layout(lang, t(lang, 'title'), body);
}

export function renderReceived(lang: FormLanguage, caseNumber: string, caseId: string): string {
  const body = `<h1 tabindex="-1" autofocus>${t(lang, 'successTitle')}</h1>
<div class="received" role="status" data-report-received="${e(caseId)}">
<p>${t(lang, 'caseNumber')}: <strong id="case-number">${e(caseNumber)}</strong></p>
<p>${t(lang, 'nextSteps')}</p>
</div>
<p><a href="/report?lang=${lang}">${t(lang, 'newReport')}</a></p>`;
  return layout(lang, t(lang, 'successTitle'), body);
}

export function renderRefusal(lang: FormLanguage, message: string): string {
  return layout(
    lang,
    t(lang, 'title'),
    `<h1>${t(lang, 'title')}</h1><p class="notice" role="alert">${e(message)}</p>`,
  );
}
