import type { SignedLinks } from '#libs/auth';
import type { ClockKindJson, NotificationKindJson, ReportItemJson } from '#libs/contracts';
import { SEALED_TEXT_PURPOSES } from '#libs/contracts';
import { composeMessage, type MailLanguage, type MailMessage } from '#libs/mail';
import {
  type OpenedReport,
  openReport,
  substantiveItems,
  type UpdateItem,
} from '../correspondence/case-facts.js';
import type { CaseRecord, CaseRecords } from '../correspondence/case-records.js';
import type { DeliveryRecord } from '../correspondence/deliveries.js';
import type { CaseTexts, OpenedText } from '../directory/case-texts.js';
import type { ClientContact, IdentityDirectory } from '../directory/identity-directory.js';
import {
  type CaseHeading,
  type ContactLine,
  consultationContent,
  deadlineAlertContent,
  escalationAlertContent,
  failureAlertContent,
  noticeContent,
  type OpenedUpdate,
  type PersonRef,
  updateContent,
} from './templates.js';
import { countText, dataKindsText, openedText } from './wording.js';

/** The action acknowledgement links are signed for. */
export const ACKNOWLEDGE_ACTION = 'acknowledge-receipt';

/** A message that can never be sent (its recipient is gone): the delivery fails at once. */
export class UndeliverableError extends Error {
  override readonly name = 'UndeliverableError';
}

/** A message that is no longer wanted (the client acknowledged meanwhile): the delivery is cancelled. */
export class NoLongerWantedError extends Error {
  override readonly name = 'NoLongerWantedError';
}

export interface MessageRendererOptions {
  readonly cases: CaseRecords;
  readonly directory: IdentityDirectory;
  readonly texts: CaseTexts;
  readonly links: SignedLinks;
  readonly publicBaseUrl: string;
  readonly caseLinkBaseUrl: string;
  /** the publisher's base URL: consultation requests link the revision to review */
  readonly publisherUrl: string;
  readonly ackLinkTtlMs: number;
  /** the domain of Message-IDs, also used for the case thread's reference */
  readonly messageIdDomain: string;
}

const PURPOSES = SEALED_TEXT_PURPOSES;
const BOTH: readonly MailLanguage[] = ['ja', 'en'];

/**
 * Writes the message of a delivery record at the moment it is sent: the recipient's address and the case
 * texts are read then (identity's tables, intake's case keys), so nothing personal is stored by this
 * service and an erased case's text reads "erased". Contacts get their own language; contractor users get
 * Japanese and English in one message.
 */
export class MessageRenderer {
  constructor(private readonly options: MessageRendererOptions) {}

  caseUrl(caseId: string): string {
    return `${this.options.caseLinkBaseUrl}/cases/${caseId}`;
  }

  /** The publisher's page of one revision of a statement (its `GET …/revisions/:revision` route). */
  reviewUrl(caseId: string, statementId: string, revision: number): string {
    return `${this.options.publisherUrl}/cases/${caseId}/statements/${statementId}/revisions/${revision}`;
  }

  ackUrl(token: string): string {
    return `${this.options.publicBaseUrl}/acknowledgements/${token}`;
  }

  async render(delivery: DeliveryRecord, now: Date): Promise<MailMessage> {
    const [record, context] = await Promise.all([
      this.options.cases.get(delivery.caseId),
      this.options.directory.messageContext(delivery.contractId, {
        kind: delivery.recipientKind,
        id: delivery.recipientId,
      }),
    ]);
    const message = await this.compose(delivery, record, context, now);
    return {
      ...message,
      messageId: delivery.messageId,
      headers: { References: `<case-${delivery.caseId}@${this.options.messageIdDomain}>` },
    };
  }

  private async compose(
    delivery: DeliveryRecord,
    record: CaseRecord | undefined,
    context: MessageContext,
    now: Date,
  ): Promise<MailMessage> {
    const heading: CaseHeading = {
      caseId: delivery.caseId,
      caseNumber: record?.caseNumber,
      contractTitle: context.contract?.title ?? delivery.contractId,
      caseUrl: this.caseUrl(delivery.caseId),
    };
    const responsible: PersonRef | undefined = context.responsible && {
      name: context.responsible.displayName,
      email: context.responsible.email,
    };
    switch (delivery.kind) {
      case 'first_notice':
      case 'reminder':
      case 'escalation': {
        if (delivery.kind !== 'first_notice' && record?.acknowledgement) {
          throw new NoLongerWantedError('the client acknowledged the case');
        }
        const contact = contactOf(context);
        if (!record?.report) throw new UndeliverableError('the case report is not known');
        const token = this.options.links.issue({
          action: ACKNOWLEDGE_ACTION,
          caseId: delivery.caseId,
          recipient: contact.id,
          expiresAt: new Date(now.getTime() + this.options.ackLinkTtlMs),
        });
        const variant = delivery.kind === 'first_notice' ? 'first' : delivery.kind;
        const content = noticeContent(
          {
            ...heading,
            variant,
            recipientName: contact.name,
            report: await openReport(this.options.texts, record.report),
            assessment:
              record.assessment &&
              (contact.language === 'ja' ? record.assessment.summaryJa : record.assessment.summaryEn),
            responsible,
            ackUrl: this.ackUrl(token),
          },
          contact.language,
        );
        return composeMessage([contact.email], [[contact.language, content]]);
      }
      case 'update': {
        const contact = contactOf(context);
        const items = (delivery.source.updates ?? []) as UpdateItem[];
        const updates = await Promise.all(items.map((item) => this.openUpdate(item, contact.language)));
        const content = updateContent(
          {
            ...heading,
            recipientName: contact.name,
            updates,
            responsible,
          },
          contact.language,
        );
        return composeMessage([contact.email], [[contact.language, content]]);
      }
      case 'consultation': {
        const contact = contactOf(context);
        const source = delivery.source as {
          statementId: string;
          revision: number;
          number: number;
          contentHash: string;
        };
        const content = consultationContent(
          {
            ...heading,
            recipientName: contact.name,
            statementNumber: source.number,
            revision: source.revision,
            contentHash: source.contentHash,
            reviewUrl: this.reviewUrl(delivery.caseId, source.statementId, source.revision),
            responsible,
          },
          contact.language,
        );
        return composeMessage([contact.email], [[contact.language, content]]);
      }
      case 'escalation_alert': {
        const user = userOf(context);
        const contacts = (await this.options.directory.contacts(delivery.contractId)).map(contactLine);
        return composeMessage(
          [user.email],
          BOTH.map((language) => [
            language,
            escalationAlertContent(
              { ...heading, notifiedSince: record?.receivedAt?.toISOString(), contacts },
              language,
            ),
          ]),
        );
      }
      case 'deadline_alert': {
        const user = userOf(context);
        const source = delivery.source as {
          event: 'approaching' | 'missed';
          clock: ClockKindJson;
          dueAt?: string;
          leadSeconds?: number;
        };
        return composeMessage(
          [user.email],
          BOTH.map((language) => [language, deadlineAlertContent({ ...heading, ...source }, language)]),
        );
      }
      case 'failure_alert': {
        const user = userOf(context);
        const source = delivery.source as {
          reason: string;
          about?: 'consultation';
          failedKind?: NotificationKindJson;
          contactId?: string;
          smtpCode?: number;
          attempts?: number;
        };
        const contact = source.contactId ? await this.options.directory.contact(source.contactId) : undefined;
        const failed =
          source.failedKind === undefined
            ? undefined
            : {
                kind: source.failedKind,
                recipient: contact && contactLine(contact),
                smtpCode: source.smtpCode,
                reason: source.reason,
                attempts: source.attempts ?? 1,
              };
        return composeMessage(
          [user.email],
          BOTH.map((language) => [
            language,
            failureAlertContent(
              { ...heading, failed, noContactsFor: source.about ?? 'first_notice' },
              language,
            ),
          ]),
        );
      }
    }
  }

  /** One update with its texts opened, in the recipient's language. */
  async openUpdate(item: UpdateItem, language: MailLanguage): Promise<OpenedUpdate> {
    const { texts } = this.options;
    switch (item.type) {
      case 'assessment':
        return {
          type: 'assessment',
          at: item.at,
          summary: language === 'ja' ? item.summaryJa : item.summaryEn,
        };
      case 'cause':
        return {
          type: 'cause',
          at: item.at,
          cause: await texts.open(item.cause.cause, PURPOSES.cause),
          causedByProcessor: item.cause.causedByProcessor,
        };
      case 'instruction_completed':
        return {
          type: 'instruction_completed',
          at: item.at,
          kind: item.instruction?.kind ?? 'INSTRUCTION_KIND_UNSPECIFIED',
          instructionText: await texts.open(item.instruction?.text, PURPOSES.instructionText),
          evidenceNote: await texts.open(item.evidenceNote, PURPOSES.instructionEvidenceNote),
        };
      case 'amendment': {
        const amended = item.amended;
        const report: OpenedReport = await openReport(texts, {
          content: {
            description: amended.content?.description,
            dataKinds: amended.content?.dataKinds?.values,
          },
          quantity: amended.quantity,
          place: amended.place,
          circumstances: amended.circumstances,
        });
        const value = (changed: ReportItemJson): string => {
          const text = (opened: OpenedText | undefined) => openedText(opened, language);
          switch (changed) {
            case 'REPORT_ITEM_DESCRIPTION':
              return text(report.description);
            case 'REPORT_ITEM_DATA_KINDS':
              return dataKindsText(report.dataKinds, language);
            case 'REPORT_ITEM_PERSONS':
              return countText(report.persons, 'persons', language);
            case 'REPORT_ITEM_RECORDS':
              return countText(report.records, 'records', language);
            case 'REPORT_ITEM_PLACE_SITE':
              return text(report.place.site);
            case 'REPORT_ITEM_PLACE_SYSTEM':
              return text(report.place.system);
            case 'REPORT_ITEM_PLACE_MEDIUM':
              return text(report.place.medium);
            case 'REPORT_ITEM_PLACE_ROUTE':
              return text(report.place.route);
            case 'REPORT_ITEM_WHAT_HAPPENED':
              return text(report.circumstances.whatHappened);
            case 'REPORT_ITEM_HOW_DISCOVERED':
              return text(report.circumstances.howDiscovered);
            default:
              return '';
          }
        };
        const items = substantiveItems(amended)
          .map((changed) => ({ item: changed, value: value(changed) }))
          .filter((entry) => entry.value !== '');
        return { type: 'amendment', at: item.at, items };
      }
    }
  }
}

type MessageContext = Awaited<ReturnType<IdentityDirectory['messageContext']>>;

function contactOf(context: MessageContext): ClientContact {
  if (!context.contact)
    throw new UndeliverableError('recipient_removed: the contact is no longer on the contract');
  return context.contact;
}

function userOf(context: MessageContext) {
  if (!context.user?.active)
    throw new UndeliverableError('recipient_removed: the user is unknown or disabled');
  return context.user;
}

export const contactLine = (contact: ClientContact): ContactLine => ({
  name: contact.name,
  phone: contact.phone,
  email: contact.email,
  language: contact.language,
  priority: contact.priority,
});
