import type {
  ClockKindJson,
  CountJson,
  DataKindJson,
  InstructionKindJson,
  NotificationKindJson,
  ReportItemJson,
  TriStateJson,
} from '#libs/contracts';
import type { MailLanguage } from '#libs/mail';
import type { OpenedText } from '../directory/case-texts.js';

/** The words of the messages, in Japanese and English: labels of the contract's enums and small phrases. */

type Words<K extends string> = Readonly<Record<K, readonly [ja: string, en: string]>>;

const pick = <K extends string>(words: Words<K>, key: K, language: MailLanguage): string =>
  words[key][language === 'ja' ? 0 : 1];

const DATA_KINDS: Words<Exclude<DataKindJson, 'DATA_KIND_UNSPECIFIED'>> = {
  DATA_KIND_NAME: ['氏名', 'names'],
  DATA_KIND_ADDRESS: ['住所', 'postal addresses'],
  DATA_KIND_PHONE: ['電話番号', 'telephone numbers'],
  DATA_KIND_EMAIL: ['メールアドレス', 'e-mail addresses'],
  DATA_KIND_DATE_OF_BIRTH: ['生年月日', 'dates of birth'],
  DATA_KIND_MY_NUMBER: ['個人番号（マイナンバー）', 'My Number (individual numbers)'],
  DATA_KIND_SENSITIVE: ['要配慮個人情報', 'sensitive personal information'],
  DATA_KIND_FINANCIAL: ['クレジットカード番号・口座番号等', 'card or bank account numbers'],
  DATA_KIND_CREDENTIALS: ['認証情報（パスワード等）', 'credentials (passwords and the like)'],
  DATA_KIND_CONFIDENTIAL_BUSINESS: ['業務上の秘密情報', 'confidential business information'],
  DATA_KIND_OTHER: ['その他', 'other'],
};

export function dataKindsText(kinds: readonly DataKindJson[], language: MailLanguage): string {
  const known = kinds.filter((kind): kind is keyof typeof DATA_KINDS => kind in DATA_KINDS);
  if (known.length === 0) return notKnown(language);
  return known.map((kind) => pick(DATA_KINDS, kind, language)).join(language === 'ja' ? '、' : ', ');
}

export const notKnown = (language: MailLanguage) => (language === 'ja' ? '未確認' : 'not yet known');

/** A count: "約1,200人" / "about 1,200 persons". */
export function countText(count: CountJson | undefined, unit: 'persons' | 'records', language: MailLanguage) {
  const precision = count?.precision ?? 'COUNT_PRECISION_UNKNOWN';
  if (precision === 'COUNT_PRECISION_UNKNOWN' || precision === 'COUNT_PRECISION_UNSPECIFIED') {
    return notKnown(language);
  }
  const n = BigInt(count?.value ?? '0').toLocaleString('en-US');
  if (language === 'ja') {
    const suffix = unit === 'persons' ? '人' : '件';
    if (precision === 'COUNT_PRECISION_ESTIMATED_ABOUT') return `約${n}${suffix}`;
    if (precision === 'COUNT_PRECISION_AT_LEAST') return `${n}${suffix}以上`;
    return `${n}${suffix}`;
  }
  const noun = unit === 'persons' ? 'persons' : 'records or documents';
  if (precision === 'COUNT_PRECISION_ESTIMATED_ABOUT') return `about ${n} ${noun}`;
  if (precision === 'COUNT_PRECISION_AT_LEAST') return `at least ${n} ${noun}`;
  return `${n} ${noun}`;
}

/** A text item of the case: the text, "erased", or "not yet known". */
export function openedText(text: OpenedText | undefined, language: MailLanguage): string {
  if (text === undefined) return notKnown(language);
  if ('erased' in text) {
    return language === 'ja'
      ? '（この事案のデータは消去されたため表示できません）'
      : '(erased: the data of this case was erased and cannot be shown)';
  }
  return text.text;
}

const JST_OFFSET_MS = 9 * 3_600_000;

/** RFC 3339 → "2026-11-20 17:30 (日本時間)" / "2026-11-20 17:30 JST (08:30 UTC)"; Japan has no DST. */
export function timeText(iso: string | undefined, language: MailLanguage): string {
  if (!iso) return notKnown(language);
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return notKnown(language);
  const jst = new Date(at.getTime() + JST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
  if (language === 'ja') return `${jst}（日本時間）`;
  return `${jst} JST (${at.toISOString().slice(11, 16)} UTC)`;
}

const TRI_STATES: Words<TriStateJson> = {
  TRI_STATE_UNSPECIFIED: ['未確認', 'not yet known'],
  TRI_STATE_UNKNOWN: ['未確認', 'not yet known'],
  TRI_STATE_YES: ['はい', 'yes'],
  TRI_STATE_NO: ['いいえ', 'no'],
};

export const triStateText = (value: TriStateJson | undefined, language: MailLanguage) =>
  pick(TRI_STATES, value ?? 'TRI_STATE_UNSPECIFIED', language);

const INSTRUCTION_KINDS: Words<InstructionKindJson> = {
  INSTRUCTION_KIND_UNSPECIFIED: ['指示', 'instruction'],
  INSTRUCTION_KIND_INVESTIGATE: ['調査', 'investigate'],
  INSTRUCTION_KIND_CONTAIN: ['封じ込め', 'contain'],
  INSTRUCTION_KIND_NOTIFY_SUBJECTS: ['本人への通知', 'notify the affected persons'],
  INSTRUCTION_KIND_PUBLISH: ['公表', 'publish'],
  INSTRUCTION_KIND_RETURN_OR_ERASE_DATA: ['データの返還・消去', 'return or erase the data'],
  INSTRUCTION_KIND_REPORT: ['報告', 'report'],
  INSTRUCTION_KIND_OTHER: ['その他', 'other'],
};

export const instructionKindText = (kind: InstructionKindJson | undefined, language: MailLanguage) =>
  pick(INSTRUCTION_KINDS, kind ?? 'INSTRUCTION_KIND_UNSPECIFIED', language);

const CLOCKS: Words<ClockKindJson> = {
  CLOCK_KIND_UNSPECIFIED: ['期限', 'deadline'],
  CLOCK_KIND_CONTRACT_PROMPT_REPORT: ['契約上の速やかな報告', 'the contract’s prompt report to the client'],
  CLOCK_KIND_CLIENT_ACKNOWLEDGEMENT: ['委託元の受領確認', 'the client’s confirmation of receipt'],
  CLOCK_KIND_APPI_PRELIMINARY: ['個人情報保護委員会への速報', 'APPI preliminary report (速報) to the PPC'],
  CLOCK_KIND_APPI_FINAL: ['個人情報保護委員会への確報', 'APPI final report (確報) to the PPC'],
  CLOCK_KIND_GDPR_SUPERVISORY_AUTHORITY: [
    'GDPR 監督機関への通知（72時間）',
    'GDPR notification to the supervisory authority (72 hours)',
  ],
  CLOCK_KIND_GDPR_PROCESSOR_TO_CONTROLLER: [
    'GDPR 処理者から管理者への通知',
    'GDPR notice of the processor to the controller',
  ],
  CLOCK_KIND_INSTRUCTION_DUE: ['指示の期限', 'the due date of an instruction'],
};

export const clockText = (clock: ClockKindJson | undefined, language: MailLanguage) =>
  pick(CLOCKS, clock ?? 'CLOCK_KIND_UNSPECIFIED', language);

const REPORT_ITEMS: Words<ReportItemJson> = {
  REPORT_ITEM_UNSPECIFIED: ['項目', 'item'],
  REPORT_ITEM_DESCRIPTION: ['漏えい等した情報の内容', 'what leaked'],
  REPORT_ITEM_DATA_KINDS: ['情報の種類', 'kinds of data'],
  REPORT_ITEM_PERSONS: ['本人の数', 'number of persons'],
  REPORT_ITEM_RECORDS: ['記録・書類の数', 'number of records or documents'],
  REPORT_ITEM_PLACE_SITE: ['発生場所（拠点）', 'place: site'],
  REPORT_ITEM_PLACE_SYSTEM: ['発生場所（システム）', 'place: system'],
  REPORT_ITEM_PLACE_MEDIUM: ['発生場所（媒体）', 'place: medium'],
  REPORT_ITEM_PLACE_ROUTE: ['発生場所（経路）', 'place: route'],
  REPORT_ITEM_WHAT_HAPPENED: ['発生状況', 'what happened'],
  REPORT_ITEM_HOW_DISCOVERED: ['発見の経緯', 'how it was discovered'],
  REPORT_ITEM_OCCURRED_AT: ['発生日時', 'when it occurred'],
  REPORT_ITEM_ENCRYPTED: ['暗号化の有無', 'whether the data was encrypted'],
  REPORT_ITEM_IMPROPER_PURPOSE_SUSPECTED: ['不正の目的の疑い', 'whether an improper purpose is suspected'],
  REPORT_ITEM_EU_PERSONS_POSSIBLY_AFFECTED: [
    'EU 域内の本人の有無',
    'whether persons in the EU may be affected',
  ],
  REPORT_ITEM_MEASURES_TAKEN: ['講じた措置', 'measures taken'],
};

export const reportItemText = (item: ReportItemJson, language: MailLanguage) =>
  pick(REPORT_ITEMS, item, language);

const NOTIFICATION_KINDS: Words<NotificationKindJson> = {
  NOTIFICATION_KIND_UNSPECIFIED: ['通知', 'message'],
  NOTIFICATION_KIND_FIRST_NOTICE: ['第一報', 'first notice'],
  NOTIFICATION_KIND_REMINDER: ['再送（受領確認のお願い）', 'reminder'],
  NOTIFICATION_KIND_ESCALATION: ['次順位の連絡先への報告', 'notice to the next contacts'],
  NOTIFICATION_KIND_ESCALATION_ALERT: ['未確認の警告', 'unconfirmed-receipt alert'],
  NOTIFICATION_KIND_UPDATE: ['続報', 'update'],
  NOTIFICATION_KIND_DEADLINE_ALERT: ['期限の警告', 'deadline alert'],
  NOTIFICATION_KIND_FAILURE_ALERT: ['送信失敗の警告', 'delivery failure alert'],
  NOTIFICATION_KIND_CONSULTATION: ['公表文案のご確認のお願い（協議）', 'request to review a statement draft'],
};

export const notificationKindText = (kind: NotificationKindJson, language: MailLanguage) =>
  pick(NOTIFICATION_KINDS, kind, language);
