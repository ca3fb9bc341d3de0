import type { ClockKindJson, NotificationKindJson, ReportItemJson } from '#libs/contracts';
import type { LocalizedContent, MailLanguage } from '#libs/mail';
import type { OpenedReport } from '../correspondence/case-facts.js';
import type { OpenedText } from '../directory/case-texts.js';
import {
  clockText,
  countText,
  dataKindsText,
  instructionKindText,
  notificationKindText,
  notKnown,
  openedText,
  reportItemText,
  timeText,
  triStateText,
} from './wording.js';

/**
 * The messages of the correspondence, as plain paragraphs in one language (`composeMessage` of libs/mail
 * renders them as text and as escaped HTML with clickable links). Pure: everything comes in through the
 * model, so the wording is unit-tested without SMTP or a database.
 */

/** What every message about a case names. */
export interface CaseHeading {
  readonly caseId: string;
  /** undefined when the report has not reached client-notifier (a deadline alert can come first) */
  readonly caseNumber?: string;
  readonly contractTitle: string;
  readonly caseUrl: string;
}

export interface PersonRef {
  readonly name: string;
  readonly email: string;
}

/** The first notice and its variants (reminder, notice to the next contacts after an escalation). */
export interface NoticeModel extends CaseHeading {
  readonly variant: 'first' | 'reminder' | 'escalation';
  readonly recipientName: string;
  readonly report: OpenedReport;
  /** the assessment's line in the recipient's language; undefined while it has not arrived */
  readonly assessment?: string;
  readonly responsible?: PersonRef;
  readonly ackUrl: string;
}

const caseLabel = (model: CaseHeading, language: MailLanguage) =>
  model.caseNumber ?? (language === 'ja' ? `事案 ${model.caseId}` : `case ${model.caseId}`);

const SUBJECT_PREFIX: Record<NoticeModel['variant'], readonly [string, string]> = {
  first: ['【漏えい等の報告】', '[Leak report]'],
  reminder: ['【再送・受領確認のお願い】', '[Reminder: please confirm receipt]'],
  escalation: ['【漏えい等の報告・至急ご確認ください】', '[Leak report: please confirm receipt urgently]'],
};

function quantityLines(report: OpenedReport, language: MailLanguage): string {
  return language === 'ja'
    ? `本人の数: ${countText(report.persons, 'persons', language)}\n記録・書類の数: ${countText(report.records, 'records', language)}`
    : `Persons: ${countText(report.persons, 'persons', language)}\nRecords or documents: ${countText(report.records, 'records', language)}`;
}

function placeLines(report: OpenedReport, language: MailLanguage): string {
  const { site, system, medium, route } = report.place;
  const parts: Array<[string, string, OpenedText | undefined]> = [
    ['拠点', 'Site', site],
    ['システム', 'System', system],
    ['媒体', 'Medium', medium],
    ['経路', 'Route', route],
  ];
  const known = parts.filter(([, , text]) => text !== undefined);
  if (known.length === 0) return notKnown(language);
  return known
    .map(([ja, en, text]) => `${language === 'ja' ? ja : en}: ${openedText(text, language)}`)
    .join('\n');
}

function circumstancesLines(report: OpenedReport, language: MailLanguage): string {
  const { whatHappened, howDiscovered } = report.circumstances;
  return language === 'ja'
    ? `発生状況: ${openedText(whatHappened, language)}\n発見の経緯: ${openedText(howDiscovered, language)}`
    : `What happened: ${openedText(whatHappened, language)}\nHow it was discovered: ${openedText(howDiscovered, language)}`;
}

/** The four items of Art. 16(1) and the times, as paragraphs (also used by the acknowledgement page). */
export function reportParagraphs(report: OpenedReport, language: MailLanguage): string[] {
  if (language === 'ja') {
    return [
      `1. 漏えい等した情報の内容\n${openedText(report.description, language)}\n情報の種類: ${dataKindsText(report.dataKinds, language)}`,
      `2. 数量\n${quantityLines(report, language)}`,
      `3. 発生場所\n${placeLines(report, language)}`,
      `4. 発生状況\n${circumstancesLines(report, language)}`,
      `発見日時: ${timeText(report.discoveredAt, language)}\n発生日時: ${timeText(report.occurredAt, language)}\n報告日時: ${timeText(report.reportedAt, language)}`,
      `既に講じた措置: ${report.measuresTaken ? openedText(report.measuresTaken, language) : 'なし（報告時点）'}`,
    ];
  }
  return [
    `1. Content of the leaked information\n${openedText(report.description, language)}\nKinds of data: ${dataKindsText(report.dataKinds, language)}`,
    `2. Quantity\n${quantityLines(report, language)}`,
    `3. Place\n${placeLines(report, language)}`,
    `4. Circumstances\n${circumstancesLines(report, language)}`,
    `Discovered: ${timeText(report.discoveredAt, language)}\nOccurred: ${timeText(report.occurredAt, language)}\nReported: ${timeText(report.reportedAt, language)}`,
    `Measures already taken: ${report.measuresTaken ? openedText(report.measuresTaken, language) : 'none at the time of the report'}`,
  ];
}

const pendingAssessment = (language: MailLanguage) =>
  language === 'ja'
    ? '評価中（確定しだい続報でお知らせします）'
    : 'being assessed (it will follow in an update)';

const responsibleLine = (responsible: PersonRef | undefined, language: MailLanguage) => {
  if (!responsible) return language === 'ja' ? '責任者: 未設定' : 'Responsible person: not set';
  return language === 'ja'
    ? `当社責任者: ${responsible.name}\n連絡先: ${responsible.email}（本メールへの返信でも連絡できます）`
    : `Our responsible person: ${responsible.name}\nContact: ${responsible.email} (or reply to this e-mail)`;
};

/** The first notice (Art. 16(1)), a reminder of it, or the same to the next contacts after an escalation. */
export function noticeContent(model: NoticeModel, language: MailLanguage): LocalizedContent {
  const label = caseLabel(model, language);
  const [prefixJa, prefixEn] = SUBJECT_PREFIX[model.variant];
  if (language === 'ja') {
    const opening = {
      first: `委託契約「${model.contractTitle}」に基づきお預かりしている情報について、漏えい等の事案が発生しました。契約に基づき、現時点で判明している事項を速やかにご報告いたします。`,
      reminder: `先にお送りした漏えい等のご報告について、まだ受領のご確認をいただいておりません。お手数ですが内容をご確認のうえ、下記のリンクから受領をご確認ください。（委託契約「${model.contractTitle}」）`,
      escalation: `委託契約「${model.contractTitle}」の漏えい等の事案について、先にご報告した連絡先の方から受領のご確認をいただけていないため、次順位の連絡先であるあなたにご報告いたします。`,
    }[model.variant];
    return {
      subject: `${prefixJa}${label} ${model.contractTitle}`,
      paragraphs: [
        `${model.recipientName} 様`,
        opening,
        `事案番号: ${label}`,
        ...reportParagraphs(model.report, language),
        `法令上の評価: ${model.assessment ?? pendingAssessment(language)}`,
        responsibleLine(model.responsible, language),
        `事案の詳細:\n${model.caseUrl}`,
        `受領のご確認: 下記のリンクを開き、「受領を確認しました」ボタンを押してください。\n${model.ackUrl}`,
        'このメールは漏えい等対応システムから自動送信されています。',
      ],
    };
  }
  const opening = {
    first: `A leak (leakage, loss or damage) of information entrusted to us under the contract "${model.contractTitle}" has occurred. As the contract requires, we report promptly what is known so far.`,
    reminder: `Nobody has yet confirmed receipt of our report of a leak under the contract "${model.contractTitle}". Please read it again below and confirm receipt with the link.`,
    escalation: `The contacts we reported a leak under the contract "${model.contractTitle}" to have not confirmed receipt, so we report it to you as the next contact.`,
  }[model.variant];
  return {
    subject: `${prefixEn} ${label} ${model.contractTitle}`,
    paragraphs: [
      `Dear ${model.recipientName},`,
      opening,
      `Case number: ${label}`,
      ...reportParagraphs(model.report, language),
      `Regulatory assessment: ${model.assessment ?? pendingAssessment(language)}`,
      responsibleLine(model.responsible, language),
      `The case:\n${model.caseUrl}`,
      `Please confirm receipt: open the link below and press "I confirm receipt".\n${model.ackUrl}`,
      'This message was sent automatically by the leak response system.',
    ],
  };
}

/** A contact as the responsible person needs it to call: name, phone, e-mail, language, priority. */
export interface ContactLine {
  readonly name: string;
  readonly phone: string | null;
  readonly email: string;
  readonly language: MailLanguage;
  readonly priority: number;
}

export interface EscalationAlertModel extends CaseHeading {
  readonly notifiedSince?: string;
  readonly contacts: readonly ContactLine[];
}

const contactLines = (contacts: readonly ContactLine[], language: MailLanguage) =>
  contacts.length === 0
    ? language === 'ja'
      ? '（連絡先が登録されていません）'
      : '(no contacts are registered)'
    : contacts
        .map(
          (c) =>
            `${c.priority}. ${c.name} ${language === 'ja' ? '電話' : 'phone'}: ${c.phone ?? (language === 'ja' ? '未登録' : 'none')} / ${c.email}`,
        )
        .join('\n');

/** To the contractor's responsible person: the client has not confirmed; call them. */
export function escalationAlertContent(
  model: EscalationAlertModel,
  language: MailLanguage,
): LocalizedContent {
  const label = caseLabel(model, language);
  if (language === 'ja') {
    return {
      subject: `【要対応】委託元が受領を確認していません: ${label}`,
      paragraphs: [
        `委託契約「${model.contractTitle}」の事案 ${label} について、委託元から第一報の受領確認がありません（第一報: ${timeText(model.notifiedSince, language)}）。再送と次順位の連絡先への報告を行いました。電話で連絡してください。`,
        `委託元の連絡先（優先順位順）:\n${contactLines(model.contacts, language)}`,
        `事案:\n${model.caseUrl}`,
      ],
    };
  }
  return {
    subject: `[Action needed] The client has not confirmed receipt: ${label}`,
    paragraphs: [
      `The client has not confirmed receipt of the first notice of case ${label} under the contract "${model.contractTitle}" (first notice: ${timeText(model.notifiedSince, language)}). A reminder was sent and the next contacts were notified. The client has not confirmed; call them.`,
      `The client's contacts, by priority:\n${contactLines(model.contacts, language)}`,
      `The case:\n${model.caseUrl}`,
    ],
  };
}

/** One change in an update, with its texts opened. */
export type OpenedUpdate =
  | {
      readonly type: 'amendment';
      readonly at: string;
      readonly items: ReadonlyArray<{ readonly item: ReportItemJson; readonly value: string }>;
    }
  | { readonly type: 'assessment'; readonly at: string; readonly summary: string }
  | {
      readonly type: 'instruction_completed';
      readonly at: string;
      readonly kind: Parameters<typeof instructionKindText>[0];
      readonly instructionText?: OpenedText;
      readonly evidenceNote?: OpenedText;
    }
  | {
      readonly type: 'cause';
      readonly at: string;
      readonly cause?: OpenedText;
      readonly causedByProcessor: Parameters<typeof triStateText>[0];
    };

export interface UpdateModel extends CaseHeading {
  readonly recipientName: string;
  readonly updates: readonly OpenedUpdate[];
  readonly responsible?: PersonRef;
}

function updateParagraph(update: OpenedUpdate, language: MailLanguage): string {
  const at = timeText(update.at, language);
  switch (update.type) {
    case 'amendment':
      return language === 'ja'
        ? `■ 報告内容の訂正・追加（${at}）\n${update.items.map((i) => `${reportItemText(i.item, language)}: ${i.value}`).join('\n')}`
        : `■ The report was amended (${at})\n${update.items.map((i) => `${reportItemText(i.item, language)}: ${i.value}`).join('\n')}`;
    case 'assessment':
      return language === 'ja'
        ? `■ 法令上の評価が変わりました（${at}）\n${update.summary}`
        : `■ The regulatory assessment changed (${at})\n${update.summary}`;
    case 'instruction_completed':
      return language === 'ja'
        ? `■ ご指示（${instructionKindText(update.kind, language)}）への対応が完了しました（${at}）\nご指示: ${openedText(update.instructionText, language)}\n対応内容・証跡: ${openedText(update.evidenceNote, language)}`
        : `■ Your instruction (${instructionKindText(update.kind, language)}) was completed (${at})\nInstruction: ${openedText(update.instructionText, language)}\nWhat was done, evidence: ${openedText(update.evidenceNote, language)}`;
    case 'cause':
      return language === 'ja'
        ? `■ 発生原因が判明しました（${at}）\n${openedText(update.cause, language)}\n当社に起因するもの: ${triStateText(update.causedByProcessor, language)}`
        : `■ The cause was identified (${at})\n${openedText(update.cause, language)}\nCaused by us (the contractor): ${triStateText(update.causedByProcessor, language)}`;
  }
}

/** A later update of the case (one change, or a digest of several). */
export function updateContent(model: UpdateModel, language: MailLanguage): LocalizedContent {
  const label = caseLabel(model, language);
  const digest = model.updates.length > 1;
  if (language === 'ja') {
    return {
      subject: `【続報】${label} ${model.contractTitle}${digest ? `（${model.updates.length}件）` : ''}`,
      paragraphs: [
        `${model.recipientName} 様`,
        `委託契約「${model.contractTitle}」の漏えい等の事案 ${label} について、続報をお知らせします。`,
        ...model.updates.map((update) => updateParagraph(update, language)),
        responsibleLine(model.responsible, language),
        `事案の詳細:\n${model.caseUrl}`,
      ],
    };
  }
  return {
    subject: `[Update] ${label} ${model.contractTitle}${digest ? ` (${model.updates.length} changes)` : ''}`,
    paragraphs: [
      `Dear ${model.recipientName},`,
      `An update on the leak ${label} under the contract "${model.contractTitle}".`,
      ...model.updates.map((update) => updateParagraph(update, language)),
      responsibleLine(model.responsible, language),
      `The case:\n${model.caseUrl}`,
    ],
  };
}

/** A revision of a publisher statement awaiting the client's review (協議). */
export interface ConsultationModel extends CaseHeading {
  readonly recipientName: string;
  /** the statement's number within the case (第N報) */
  readonly statementNumber: number;
  readonly revision: number;
  /** SHA-256 (hex) of the revision's content: an approval is bound to it */
  readonly contentHash: string;
  /** the publisher's page of exactly this revision */
  readonly reviewUrl: string;
  readonly responsible?: PersonRef;
}

/** To a client contact: a revision of a statement awaits your review; approve it or request changes. */
export function consultationContent(model: ConsultationModel, language: MailLanguage): LocalizedContent {
  const label = caseLabel(model, language);
  const { statementNumber: n, revision } = model;
  if (language === 'ja') {
    return {
      subject: `【公表文案のご確認のお願い】${label} 第${n}報（改訂${revision}）`,
      paragraphs: [
        `${model.recipientName} 様`,
        `委託契約「${model.contractTitle}」の漏えい等の事案 ${label} について、公表文案（第${n}報、改訂${revision}）を作成しました。契約に基づき、公表の前にご協議をお願いいたします。内容をご確認のうえ、承認または修正のご依頼（項目ごとにコメントできます）をお願いいたします。`,
        `ご確認いただく版: 第${n}報 改訂${revision}\n内容のハッシュ値: ${model.contentHash}\n承認はこの版の内容に対するものです。この後に修正した場合は、改めてご確認をお願いします。`,
        `公表文案（この版）:\n${model.reviewUrl}`,
        responsibleLine(model.responsible, language),
        `事案の詳細:\n${model.caseUrl}`,
        'このメールは漏えい等対応システムから自動送信されています。',
      ],
    };
  }
  return {
    subject: `[Please review] ${label} statement No. ${n} (revision ${revision})`,
    paragraphs: [
      `Dear ${model.recipientName},`,
      `We have drafted statement No. ${n} (revision ${revision}) about the leak ${label} under the contract "${model.contractTitle}". As the contract requires, we consult you before publishing it: please review it, then approve it or request changes (with comments per section).`,
      `Revision to review: statement No. ${n}, revision ${revision}\nContent hash: ${model.contentHash}\nAn approval applies to exactly this revision's content; any later edit will be sent to you for review again.`,
      `The draft (this revision):\n${model.reviewUrl}`,
      responsibleLine(model.responsible, language),
      `The case:\n${model.caseUrl}`,
      'This message was sent automatically by the leak response system.',
    ],
  };
}

export interface DeadlineAlertModel extends CaseHeading {
  readonly event: 'approaching' | 'missed';
  readonly clock: ClockKindJson;
  readonly dueAt?: string;
  readonly leadSeconds?: number;
}

const leadText = (seconds: number | undefined, language: MailLanguage) => {
  if (!seconds) return '';
  const hours = Math.round((seconds / 3600) * 10) / 10;
  return language === 'ja' ? `（残り約${hours}時間）` : ` (about ${hours} hours left)`;
};

/** To the responsible person: a clock of the case is about to run out, or ran out. */
export function deadlineAlertContent(model: DeadlineAlertModel, language: MailLanguage): LocalizedContent {
  const label = caseLabel(model, language);
  const clock = clockText(model.clock, language);
  if (language === 'ja') {
    return model.event === 'approaching'
      ? {
          subject: `【期限間近】${clock}: ${label}`,
          paragraphs: [
            `事案 ${label}（委託契約「${model.contractTitle}」）の「${clock}」の期限が近づいています。`,
            `期限: ${timeText(model.dueAt, language)}${leadText(model.leadSeconds, language)}`,
            `事案:\n${model.caseUrl}`,
          ],
        }
      : {
          subject: `【期限超過】${clock}: ${label}`,
          paragraphs: [
            `事案 ${label}（委託契約「${model.contractTitle}」）の「${clock}」の期限を過ぎました。`,
            `期限: ${timeText(model.dueAt, language)}`,
            `事案:\n${model.caseUrl}`,
          ],
        };
  }
  return model.event === 'approaching'
    ? {
        subject: `[Deadline approaching] ${clock}: ${label}`,
        paragraphs: [
          `The deadline for ${clock} of case ${label} (contract "${model.contractTitle}") is approaching.`,
          `Due: ${timeText(model.dueAt, language)}${leadText(model.leadSeconds, language)}`,
          `The case:\n${model.caseUrl}`,
        ],
      }
    : {
        subject: `[Deadline missed] ${clock}: ${label}`,
        paragraphs: [
          `The deadline for ${clock} of case ${label} (contract "${model.contractTitle}") has passed.`,
          `Was due: ${timeText(model.dueAt, language)}`,
          `The case:\n${model.caseUrl}`,
        ],
      };
}

export interface FailureAlertModel extends CaseHeading {
  /** with `failed` undefined: which message found no client contacts (default: the first notice) */
  readonly noContactsFor?: 'first_notice' | 'consultation';
  /** undefined: the contract has no client contacts at all */
  readonly failed?: {
    readonly kind: NotificationKindJson;
    readonly recipient?: ContactLine;
    readonly smtpCode?: number;
    readonly reason: string;
    readonly attempts: number;
  };
}

/** To the responsible person: a message to the client could not be delivered (or had nobody to go to). */
export function failureAlertContent(model: FailureAlertModel, language: MailLanguage): LocalizedContent {
  const label = caseLabel(model, language);
  const failed = model.failed;
  if (language === 'ja') {
    return {
      subject: `【要対応】委託元への通知が届きませんでした: ${label}`,
      paragraphs: failed
        ? [
            `事案 ${label}（委託契約「${model.contractTitle}」）の${notificationKindText(failed.kind, language)}を送信できませんでした（${failed.attempts}回試行）。直接連絡してください。`,
            `宛先: ${failed.recipient ? contactLines([failed.recipient], language) : '（連絡先が削除されています）'}`,
            `理由: ${failed.smtpCode ? `${failed.smtpCode} ` : ''}${failed.reason}`,
            `事案:\n${model.caseUrl}`,
          ]
        : [
            `事案 ${label}（委託契約「${model.contractTitle}」）について、委託元の連絡先が登録されていないため、${model.noContactsFor === 'consultation' ? '公表文案のご確認のお願い' : '第一報'}を送信できません。直接連絡し、連絡先を登録してください。`,
            `事案:\n${model.caseUrl}`,
          ],
    };
  }
  return {
    subject: `[Action needed] A message to the client was not delivered: ${label}`,
    paragraphs: failed
      ? [
          `The ${notificationKindText(failed.kind, language)} of case ${label} (contract "${model.contractTitle}") could not be delivered (${failed.attempts} attempts). Contact the client directly.`,
          `Recipient: ${failed.recipient ? contactLines([failed.recipient], language) : '(the contact was removed)'}`,
          `Reason: ${failed.smtpCode ? `${failed.smtpCode} ` : ''}${failed.reason}`,
          `The case:\n${model.caseUrl}`,
        ]
      : [
          `The contract "${model.contractTitle}" of case ${label} has no client contacts, so no ${model.noContactsFor === 'consultation' ? 'request to review the statement draft' : 'first notice'} can be sent. Contact the client directly and register the contacts.`,
          `The case:\n${model.caseUrl}`,
        ],
  };
}
