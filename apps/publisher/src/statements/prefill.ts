import {
  type CountJson,
  type DataKindJson,
  type InstructionKindJson,
  SEALED_TEXT_PURPOSES,
  type TriStateJson,
} from '#libs/contracts';
import type { CaseRecord } from '../cases/case-facts.js';
import type { IntakeCaseTexts, OpenedText } from '../cases/case-texts.js';
import { type DocumentContent, type DocumentKind, escapeHtml, type Language } from './sections.js';

/** A case text in clear, `'erased'` when the case's key was destroyed, undefined when not given. */
export type Text = string | { erased: true } | undefined;

/** The case's facts with their texts opened: what the templates and the regulator reports draw from. */
export interface OpenedFacts {
  readonly caseNumber: string;
  readonly discoveredAt?: string;
  readonly occurredAt?: string;
  readonly reportedAt?: string;
  readonly description: Text;
  readonly dataKinds: readonly DataKindJson[];
  readonly persons?: CountJson;
  readonly records?: CountJson;
  readonly place: { site: Text; system: Text; medium: Text; route: Text };
  readonly whatHappened: Text;
  readonly howDiscovered: Text;
  readonly measuresTaken: Text;
  readonly measures: ReadonlyArray<{ text: Text; completed: boolean; resultNote: Text }>;
  readonly instructions: ReadonlyArray<{ kind: InstructionKindJson; text: Text; completed: boolean }>;
  readonly cause: Text;
  readonly causedByProcessor?: TriStateJson;
  readonly improperPurposeSuspected?: TriStateJson;
  readonly euPersonsPossiblyAffected?: TriStateJson;
  readonly encrypted?: TriStateJson;
  readonly assessment?: { readonly ja: string; readonly en: string; readonly regimes: string[] };
  readonly amendmentCount: number;
  readonly sourceEventCount: number;
}

const textOf = (opened: OpenedText | undefined): Text =>
  opened === undefined ? undefined : 'erased' in opened ? { erased: true } : opened.text;

const P = SEALED_TEXT_PURPOSES;

/** Opens every text of a case with intake's case key (in parallel; the keyring caches the key). */
export async function openFacts(texts: IntakeCaseTexts, record: CaseRecord): Promise<OpenedFacts> {
  const { facts } = record;
  const report = facts.report;
  const open = async (sealed: Parameters<IntakeCaseTexts['open']>[0], purpose: string) =>
    textOf(await texts.open(sealed, purpose));
  const [description, site, system, medium, route, whatHappened, howDiscovered, measuresTaken, cause] =
    await Promise.all([
      open(report.content?.description, P.report.description),
      open(report.place?.site, P.report.place.site),
      open(report.place?.system, P.report.place.system),
      open(report.place?.medium, P.report.place.medium),
      open(report.place?.route, P.report.place.route),
      open(report.circumstances?.whatHappened, P.report.circumstances.whatHappened),
      open(report.circumstances?.howDiscovered, P.report.circumstances.howDiscovered),
      open(report.measuresTaken, P.report.measuresTaken),
      open(facts.cause?.cause, P.cause),
    ]);
  const measures = await Promise.all(
    facts.measures.map(async (m) => ({
      text: await open(m.description, P.measureDescription),
      completed: m.completed,
      // a measure's result note is not sealed for a purpose intake publishes in SEALED_TEXT_PURPOSES
      resultNote: undefined,
    })),
  );
  const instructions = await Promise.all(
    facts.instructions.map(async (i) => ({
      kind: i.kind,
      text: await open(i.text, P.instructionText),
      completed: i.completed,
    })),
  );
  const assessment = facts.assessment
    ? {
        ja: facts.assessment.summaryJa ?? '',
        en: facts.assessment.summaryEn ?? '',
        regimes: (facts.assessment.regimes ?? [])
          .filter((r) => r.applies === 'APPLICABILITY_YES' || r.applies === 'APPLICABILITY_POSSIBLY')
          .map((r) => `${r.regime}:${r.applies}`),
      }
    : undefined;
  return {
    caseNumber: record.caseNumber,
    discoveredAt: report.discoveredAt,
    occurredAt: report.occurredAt,
    reportedAt: report.reportedAt,
    description,
    dataKinds: report.content?.dataKinds ?? [],
    persons: report.quantity?.persons,
    records: report.quantity?.records,
    place: { site, system, medium, route },
    whatHappened,
    howDiscovered,
    measuresTaken,
    measures,
    instructions,
    cause,
    causedByProcessor: facts.cause?.causedByProcessor,
    improperPurposeSuspected: report.improperPurposeSuspected,
    euPersonsPossiblyAffected: report.euPersonsPossiblyAffected,
    encrypted: report.encrypted,
    assessment,
    amendmentCount: facts.amendmentCount,
    sourceEventCount: record.sources.length,
  };
}

// --- wording -----------------------------------------------------------------------------------------

const DATA_KIND_LABELS: Record<Language, Record<string, string>> = {
  ja: {
    DATA_KIND_NAME: '氏名',
    DATA_KIND_ADDRESS: '住所',
    DATA_KIND_PHONE: '電話番号',
    DATA_KIND_EMAIL: 'メールアドレス',
    DATA_KIND_DATE_OF_BIRTH: '生年月日',
    DATA_KIND_MY_NUMBER: 'マイナンバー（個人番号）',
    DATA_KIND_SENSITIVE: '要配慮個人情報',
    DATA_KIND_FINANCIAL: 'クレジットカード番号・口座番号等の金融情報',
    DATA_KIND_CREDENTIALS: 'ID・パスワード等の認証情報',
    DATA_KIND_CONFIDENTIAL_BUSINESS: '業務上の秘密情報',
    DATA_KIND_OTHER: 'その他',
  },
  en: {
    DATA_KIND_NAME: 'names',
    DATA_KIND_ADDRESS: 'postal addresses',
    DATA_KIND_PHONE: 'telephone numbers',
    DATA_KIND_EMAIL: 'email addresses',
    DATA_KIND_DATE_OF_BIRTH: 'dates of birth',
    DATA_KIND_MY_NUMBER: 'My Number (individual numbers)',
    DATA_KIND_SENSITIVE: 'sensitive personal information',
    DATA_KIND_FINANCIAL: 'financial data such as card or account numbers',
    DATA_KIND_CREDENTIALS: 'credentials such as login ids and passwords',
    DATA_KIND_CONFIDENTIAL_BUSINESS: 'confidential business information',
    DATA_KIND_OTHER: 'other information',
  },
};

const WORDS = {
  ja: {
    unknown: '調査中',
    erased: '（消去済み）',
    noCause: '原因は現在調査中です。判明次第お知らせいたします。',
    occurred: '発生日',
    discovered: '判明日',
    howFound: '発見の経緯',
    place: '発生場所',
    items: '漏えい等が発生した（おそれのある）情報の項目',
    persons: '対象者数',
    records: '件数',
    measuresTaken: '判明時に講じた措置',
    instructed: '委託元のご指示',
    done: '（実施済み）',
  },
  en: {
    unknown: 'under investigation',
    erased: '(erased)',
    noCause: 'The cause is still under investigation; we will report it as soon as it is known.',
    occurred: 'Date of occurrence',
    discovered: 'Date of discovery',
    howFound: 'How it was found',
    place: 'Where it happened',
    items: 'Information involved (or possibly involved)',
    persons: 'Persons affected',
    records: 'Records',
    measuresTaken: 'Measures taken on discovery',
    instructed: 'At the instruction of our client',
    done: '(done)',
  },
} as const;

function say(language: Language, text: Text): string {
  if (text === undefined) return WORDS[language].unknown;
  if (typeof text !== 'string') return WORDS[language].erased;
  return text;
}

const para = (html: string) => `<p>${html}</p>`;
const esc = escapeHtml;

function date(language: Language, iso: string | undefined): string {
  if (!iso) return WORDS[language].unknown;
  const d = new Date(iso);
  return language === 'ja'
    ? `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`
    : d.toISOString().slice(0, 10);
}

/** "約800名", "at least 1,200 persons", "under investigation". */
export function countText(
  language: Language,
  count: CountJson | undefined,
  unit: 'persons' | 'records',
): string {
  const precision = count?.precision ?? 'COUNT_PRECISION_UNKNOWN';
  if (!count || precision === 'COUNT_PRECISION_UNKNOWN' || precision === 'COUNT_PRECISION_UNSPECIFIED') {
    return WORDS[language].unknown;
  }
  const value = Number(count.value ?? 0).toLocaleString('en-US');
  if (language === 'ja') {
    const u = unit === 'persons' ? '名' : '件';
    if (precision === 'COUNT_PRECISION_ESTIMATED_ABOUT') return `約${value}${u}`;
    if (precision === 'COUNT_PRECISION_AT_LEAST') return `${value}${u}以上`;
    return `${value}${u}`;
  }
  const u = unit === 'persons' ? 'persons' : 'records';
  if (precision === 'COUNT_PRECISION_ESTIMATED_ABOUT') return `about ${value} ${u}`;
  if (precision === 'COUNT_PRECISION_AT_LEAST') return `at least ${value} ${u}`;
  return `${value} ${u}`;
}

export function dataKindsText(language: Language, kinds: readonly DataKindJson[]): string {
  if (kinds.length === 0) return WORDS[language].unknown;
  return kinds.map((k) => DATA_KIND_LABELS[language][k] ?? k).join(language === 'ja' ? '、' : ', ');
}

function list(items: string[]): string {
  return items.length === 0 ? '' : `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

function placeText(language: Language, facts: OpenedFacts): string | undefined {
  const parts = [facts.place.site, facts.place.system, facts.place.medium, facts.place.route]
    .filter((part) => part !== undefined)
    .map((part) => esc(say(language, part)));
  return parts.length === 0 ? undefined : parts.join(language === 'ja' ? '／' : ' / ');
}

/** The contractor's own wording of the sections; the officers and the responder edit from here. */
function statementSections(language: Language, number: number, facts: OpenedFacts): Record<string, string> {
  const w = WORDS[language];
  const ja = language === 'ja';
  const place = placeText(language, facts);
  const doneMeasures = facts.measures.filter((m) => m.completed);
  const openMeasures = facts.measures.filter((m) => !m.completed);
  const notify = facts.instructions.filter((i) => i.kind === 'INSTRUCTION_KIND_NOTIFY_SUBJECTS');
  const otherInstructions = facts.instructions.filter((i) => i.kind !== 'INSTRUCTION_KIND_NOTIFY_SUBJECTS');
  const instructionItem = (i: OpenedFacts['instructions'][number]) =>
    `${esc(w.instructed)}: ${esc(say(language, i.text))}${i.completed ? ` ${w.done}` : ''}`;
  return {
    title: ja
      ? `個人情報の漏えい等に関するお詫びとお知らせ（第${number}報）`
      : `Notice of a data incident and our apology (update ${number})`,
    lead: para(
      ja
        ? 'このたび、当社が委託を受けて取り扱っていた情報について、漏えい等の事案（またはそのおそれ）が判明しました。関係する皆さまに多大なご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。現時点で、本件に起因する不正利用等の二次被害は確認されておりません。新たな事実が判明した場合は、速やかにお知らせいたします。'
        : 'We have found that information we handled on behalf of our client has leaked, or may have leaked. We sincerely apologise to everyone affected for the concern and inconvenience this causes. So far no misuse resulting from this incident has been confirmed. We will publish an update as soon as we learn more.',
    ),
    background: [
      para(`${esc(w.occurred)}: ${esc(date(language, facts.occurredAt))}`),
      para(`${esc(w.discovered)}: ${esc(date(language, facts.discoveredAt))}`),
      para(esc(say(language, facts.whatHappened ?? facts.description))),
      facts.howDiscovered !== undefined
        ? para(`${esc(w.howFound)}: ${esc(say(language, facts.howDiscovered))}`)
        : '',
      place ? para(`${esc(w.place)}: ${place}`) : '',
    ].join(''),
    information: [
      para(`${esc(w.items)}: ${esc(dataKindsText(language, facts.dataKinds))}`),
      para(`${esc(w.persons)}: ${esc(countText(language, facts.persons, 'persons'))}`),
      facts.records ? para(`${esc(w.records)}: ${esc(countText(language, facts.records, 'records'))}`) : '',
      facts.description !== undefined && facts.whatHappened !== undefined
        ? para(esc(say(language, facts.description)))
        : '',
    ].join(''),
    cause: facts.cause === undefined ? para(esc(w.noCause)) : para(esc(say(language, facts.cause))),
    secondaryDamage: para(
      ja
        ? '現時点で、本件に起因する二次被害は確認されておりません。当社や委託元を装った不審な電話・メール等にご注意ください。'
        : 'No secondary damage resulting from this incident has been confirmed so far. Please beware of suspicious calls or emails claiming to come from us or our client.',
    ),
    personsResponse: [
      para(
        ja
          ? '対象となる方には、個別にご連絡を差し上げております（ご連絡先が不明な方については、本公表をもって代えさせていただきます）。'
          : 'We are contacting the persons affected individually (this statement serves those whose contact details are unknown).',
      ),
      list(notify.map(instructionItem)),
    ].join(''),
    preventionDone: [
      facts.measuresTaken !== undefined
        ? para(`${esc(w.measuresTaken)}: ${esc(say(language, facts.measuresTaken))}`)
        : '',
      list(doneMeasures.map((m) => esc(say(language, m.text)))),
      list(otherInstructions.filter((i) => i.completed).map(instructionItem)),
    ].join(''),
    preventionPlanned: [
      list(openMeasures.map((m) => esc(say(language, m.text)))),
      list(otherInstructions.filter((i) => !i.completed).map(instructionItem)),
    ].join(''),
    contact: para(
      ja
        ? '本件に関するお問い合わせ窓口：（窓口名・電話番号・受付時間を記入してください）'
        : 'Contact point for this incident: (fill in the desk, telephone number and hours)',
    ),
  };
}

function subjectNoticeSections(language: Language, facts: OpenedFacts): Record<string, string> {
  const s = statementSections(language, 1, facts);
  const ja = language === 'ja';
  return {
    title: ja ? '個人情報の漏えい等に関するお知らせとお詫び' : 'Notice about your personal information',
    // the placeholders subject-notifier fills per person (docs/publisher.md, "Notice template")
    overview: [para(ja ? '{{name}} 様' : 'Dear {{name}},'), s.background].join(''),
    dataItems: [
      s.information,
      para(
        ja
          ? 'このうち、お客様について漏えい等した情報は次のとおりです。'
          : 'Of these, the following concern you:',
      ),
      para('{{items}}'),
    ].join(''),
    cause: s.cause,
    secondaryDamage: s.secondaryDamage,
    whatYouCanDo: para(
      ja
        ? '心当たりのない連絡を受けた場合は、個人情報を伝えたりリンクを開いたりせず、下記の窓口までご相談ください。'
        : 'If you receive a message you did not expect, do not give any personal information or open its links; contact us at the address below.',
    ),
    contact: s.contact,
  };
}

/** The pre-filled text of a new document in both languages (escaped HTML: the case's texts are data). */
export function prefill(kind: DocumentKind, number: number, facts: OpenedFacts): DocumentContent {
  if (kind === 'subject_notice') {
    return { ja: subjectNoticeSections('ja', facts), en: subjectNoticeSections('en', facts) };
  }
  return { ja: statementSections('ja', number, facts), en: statementSections('en', number, facts) };
}
