/** The report form's words in Japanese and English. Field errors are per field: one clear sentence each. */

export const FORM_LANGUAGES = ['ja', 'en'] as const;
export type FormLanguage = (typeof FORM_LANGUAGES)[number];

export const isFormLanguage = (value: unknown): value is FormLanguage =>
  typeof value === 'string' && (FORM_LANGUAGES as readonly string[]).includes(value);

type Words = Record<FormLanguage, string>;

export const TEXT = {
  title: { ja: '漏えい等の報告', en: 'Report a leak' },
  intro: {
    ja: '契約第16条第1項に基づき、漏えい等の内容・数量・発生場所・発生状況を委託者に報告します。わからない項目は「不明」のままで構いません。後から修正できます。',
    en: 'Under Art. 16(1) of the contract, report the content, quantity, place and circumstances of the leak to the client. Leave what you do not know yet as "unknown": you can amend the report later.',
  },
  required: { ja: '必須', en: 'required' },
  optional: { ja: '任意', en: 'optional' },
  timeHint: {
    ja: '日本時間で「2026-11-25 09:30」の形式で入力してください。',
    en: 'Japan time, written as "2026-11-25 09:30".',
  },
  errorSummary: { ja: '入力内容に問題があります', en: 'There is a problem' },
  submit: { ja: '報告する', en: 'Submit the report' },
  switchLanguage: { ja: 'English', en: '日本語' },
  contract: { ja: '契約', en: 'Contract' },
  discoveredAt: { ja: '発見日時', en: 'When it was discovered' },
  occurredAt: { ja: '発生日時', en: 'When it occurred' },
  occurredAtHint: { ja: 'わからなければ空欄のままにしてください。', en: 'Leave empty if not known.' },
  contentLegend: { ja: '内容', en: 'Content' },
  description: { ja: '漏えい等した情報の内容', en: 'What leaked' },
  descriptionHint: {
    ja: '例: 顧客名簿（氏名・住所・電話番号）を記録したUSBメモリ',
    en: 'E.g. a USB stick holding a customer list (names, addresses, phone numbers)',
  },
  dataKinds: { ja: '含まれる情報の種類', en: 'Kinds of data involved' },
  quantityLegend: { ja: '数量', en: 'Quantity' },
  persons: { ja: '本人の数', en: 'Number of persons' },
  records: { ja: '件数（記録・書類）', en: 'Number of records or documents' },
  precision: { ja: '確度', en: 'Precision' },
  value: { ja: '数', en: 'Number' },
  placeLegend: { ja: '発生場所', en: 'Place' },
  site: { ja: '拠点', en: 'Site' },
  system: { ja: 'システム', en: 'System' },
  medium: { ja: '媒体', en: 'Medium' },
  route: { ja: '経路', en: 'Route' },
  circumstancesLegend: { ja: '発生状況', en: 'Circumstances' },
  whatHappened: { ja: '何が起きたか', en: 'What happened' },
  howDiscovered: { ja: 'どのように発見したか', en: 'How it was discovered' },
  factsLegend: { ja: '評価に必要な事実', en: 'Facts for the regulatory assessment' },
  encrypted: { ja: 'データは暗号化されていたか', en: 'Was the data encrypted?' },
  improperPurposeSuspected: {
    ja: '不正の目的（盗難・不正アクセス等）が疑われるか',
    en: 'Is an improper purpose (theft, unauthorised access) suspected?',
  },
  euPersonsPossiblyAffected: {
    ja: 'EU域内の本人が含まれる可能性があるか',
    en: 'May persons in the EU be affected?',
  },
  measuresTaken: { ja: '既に講じた措置', en: 'Measures already taken' },
  yes: { ja: 'はい', en: 'Yes' },
  no: { ja: 'いいえ', en: 'No' },
  unknown: { ja: '不明', en: 'Unknown' },
  exact: { ja: '確定', en: 'Exact' },
  about: { ja: '約', en: 'About' },
  at_least: { ja: '少なくとも', en: 'At least' },
  successTitle: { ja: '報告を受け付けました', en: 'The report was received' },
  caseNumber: { ja: '事案番号', en: 'Case number' },
  nextSteps: {
    ja: '委託者の指定連絡先へ通知しています。委託者の指示を受けたら、この事案に記録してください。被害の拡大防止のための措置も、講じたら記録してください。',
    en: 'The client’s designated contacts are being notified now. Record the client’s instructions on this case as they come, and every measure taken to contain the damage.',
  },
  newReport: { ja: '別の報告をする', en: 'Report another leak' },
  signedOut: {
    ja: 'サインインしていないか、セッションの有効期限が切れました。入力内容はこのページに残っています。別のタブでサインインしてから、もう一度「報告する」を押してください。',
    en: 'You are not signed in, or your session has expired. What you typed is still on this page: sign in in another tab, then press "Submit the report" again.',
  },
  notReporter: {
    ja: '報告できるのは受託者の担当者（報告者・対応者・責任者）です。',
    en: 'Only the contractor’s staff (reporter, responder, responsible person) can report a leak.',
  },
  alreadySubmitted: {
    ja: 'このフォームは既に別の内容で送信されています。新しい報告として送信するには、フォームを開き直してください。',
    en: 'This form was already submitted with other content. Open a new form to report it as a new case.',
  },
  draftRestored: {
    ja: 'このブラウザに保存されていた下書きを復元しました。',
    en: 'A draft kept in this browser was restored.',
  },
} satisfies Record<string, Words>;

export const DATA_KIND_LABELS: Record<string, Words> = {
  name: { ja: '氏名', en: 'Names' },
  address: { ja: '住所', en: 'Addresses' },
  phone: { ja: '電話番号', en: 'Phone numbers' },
  email: { ja: 'メールアドレス', en: 'Email addresses' },
  date_of_birth: { ja: '生年月日', en: 'Dates of birth' },
  my_number: { ja: 'マイナンバー（個人番号）', en: 'My Number' },
  sensitive: { ja: '要配慮個人情報（健康情報等）', en: 'Sensitive data (health and the like)' },
  financial: {
    ja: '財産的被害が生じうる情報（カード番号・口座番号等）',
    en: 'Financial data (card or account numbers)',
  },
  credentials: { ja: '認証情報（パスワード等）', en: 'Credentials (passwords and the like)' },
  confidential_business: {
    ja: '秘密情報（業務・行政情報）',
    en: 'Confidential business or administrative information',
  },
  other: { ja: 'その他', en: 'Other' },
};

/** One message per field for any problem with it, and the specific ones the domain reports. */
export const FIELD_ERRORS: Record<string, Words> = {
  contractId: { ja: '報告する契約を選んでください。', en: 'Choose the contract the leak falls under.' },
  discoveredAt: {
    ja: '発見日時を「2026-11-25 09:30」の形式で、現在より前の日時で入力してください。',
    en: 'Enter when it was discovered as "2026-11-25 09:30", not in the future.',
  },
  occurredAt: {
    ja: '発生日時は「2026-11-25 09:30」の形式で、発見日時より前の日時を入力してください。',
    en: 'Enter when it occurred as "2026-11-25 09:30", not after the discovery.',
  },
  description: {
    ja: '漏えい等した情報の内容を入力してください（10,000文字以内）。',
    en: 'Describe what leaked (at most 10,000 characters).',
  },
  dataKinds: { ja: '情報の種類を一覧から選んでください。', en: 'Choose the kinds of data from the list.' },
  persons: {
    ja: '本人の数は0以上の整数で入力してください（不明の場合は「不明」を選択）。',
    en: 'Enter the number of persons as a whole number from 0 (or choose "Unknown").',
  },
  records: {
    ja: '件数は0以上の整数で入力してください（不明の場合は「不明」を選択）。',
    en: 'Enter the number of records as a whole number from 0 (or choose "Unknown").',
  },
  place: {
    ja: '発生場所は各10,000文字以内で入力してください。',
    en: 'Keep each part of the place under 10,000 characters.',
  },
  circumstances: {
    ja: '発生状況は各10,000文字以内で入力してください。',
    en: 'Keep each part of the circumstances under 10,000 characters.',
  },
  encrypted: { ja: '「はい」「いいえ」「不明」から選んでください。', en: 'Choose yes, no or unknown.' },
  improperPurposeSuspected: {
    ja: '「はい」「いいえ」「不明」から選んでください。',
    en: 'Choose yes, no or unknown.',
  },
  euPersonsPossiblyAffected: {
    ja: '「はい」「いいえ」「不明」から選んでください。',
    en: 'Choose yes, no or unknown.',
  },
  measuresTaken: {
    ja: '既に講じた措置は10,000文字以内で入力してください。',
    en: 'Keep the measures under 10,000 characters.',
  },
};
