import type { EntityManager } from 'typeorm';
import {
  applyReportAmendment,
  type CaseClosedJson,
  type CauseIdentifiedJson,
  type ConsultationRequestedJson,
  type DeadlineApproachingJson,
  type DeadlineMissedJson,
  type IncidentReportedJson,
  type InstructionCompletedJson,
  type InstructionIssuedJson,
  type RegulatoryAssessmentMadeJson,
  type ReportAmendedJson,
} from '#libs/contracts';
import { type Logger, returnedRows } from '#libs/platform';
import type { Clock } from '../clock.js';
import type { IdentityDirectory } from '../directory/identity-directory.js';
import { substantiveItems, type UpdateItem } from './case-facts.js';
import type { CaseRecord, CaseRecords } from './case-records.js';
import type { ContractSettingsStore } from './contract-settings.js';
import type { CorrespondenceEvents } from './correspondence-events.js';
import {
  type DeliveryRecord,
  type DeliveryStore,
  type NewDelivery,
  NOTIFICATION_KIND,
} from './deliveries.js';
import type { SmtpFailure } from './smtp-failures.js';
import type { DueTimer, TimerStore } from './timers.js';

/** Where an intake or clock event came from: its id (causation), case, times and correlation. */
export interface EventOrigin {
  readonly eventId: string;
  readonly caseId: string;
  /** when the fact happened (the envelope's `occurred_at`) */
  readonly occurredAt: Date;
  readonly correlationId?: string;
}

export interface CorrespondenceOptions {
  /** the service's schema (the `pending_updates` of digests) */
  readonly schema: string;
  readonly cases: CaseRecords;
  readonly deliveries: DeliveryStore;
  readonly timers: TimerStore;
  readonly settings: ContractSettingsStore;
  readonly directory: IdentityDirectory;
  readonly events: CorrespondenceEvents;
  readonly clock: Clock;
  readonly logger: Logger;
  /** how long a first notice waits for the case's first regulatory assessment */
  readonly assessmentWaitMs: number;
}

const MINUTE = 60_000;
const NOTICE_KINDS = ['first_notice', 'escalation'] as const;

/**
 * The rules of the correspondence with the client. Every method runs inside the caller's transaction (the
 * consumer's inbox transaction, or a timer's), so its effects — the case record, the intended messages,
 * the timers and the events — commit together, once.
 */
export class Correspondence {
  private readonly pendingUpdates: string;

  constructor(private readonly options: CorrespondenceOptions) {
    this.pendingUpdates = `"${options.schema}".pending_updates`;
  }

  /**
   * A new case: the first notice to every designated contact (or the first N by priority), held back
   * briefly for the regulatory assessment that intake records right after the report, and the reminder
   * timer. A contract without contacts alerts the responsible person instead.
   */
  async incidentReported(
    manager: EntityManager,
    origin: EventOrigin,
    data: IncidentReportedJson,
  ): Promise<void> {
    const { cases, deliveries, directory, timers, settings, clock, logger } = this.options;
    const contractId = data.contractId ?? '';
    const found = contractId ? await directory.contractWithContacts(contractId, manager) : undefined;
    if (!found) {
      // Not a contract of this deployment's identity service: nothing to tell anyone (and nobody to tell).
      logger.warn(
        { caseId: origin.caseId, eventId: origin.eventId },
        'report for an unknown contract ignored',
      );
      return;
    }
    const { contract, contacts } = found;
    const now = clock.now();
    const recorded = await cases.recordReport(manager, {
      caseId: origin.caseId,
      contractId,
      caseNumber: data.caseNumber ?? '',
      report: data,
      reportedAt: data.reportedAt ? new Date(data.reportedAt) : origin.occurredAt,
      receivedAt: now,
      correlationId: origin.correlationId,
    });
    if (!recorded) return;
    const contractSettings = await settings.get(contractId, manager);
    const designated =
      contractSettings.firstNoticeContacts === null
        ? contacts
        : contacts.slice(0, contractSettings.firstNoticeContacts);
    if (designated.length === 0) {
      await deliveries.queue(
        manager,
        [
          {
            dedupeKey: `no_contacts:${origin.caseId}`,
            caseId: origin.caseId,
            contractId,
            kind: 'failure_alert',
            recipientKind: 'contractor_user',
            recipientId: contract.responsibleUserId,
            source: { reason: 'no_contacts' },
            sourceEventId: origin.eventId,
            dueAt: now,
          },
        ],
        now,
      );
      logger.warn(
        { caseId: origin.caseId },
        'the contract has no client contacts: responsible person alerted',
      );
      return;
    }
    // The assessment normally follows within milliseconds (same transaction at intake, same partition here).
    const dueAt = recorded.assessed ? now : new Date(now.getTime() + this.options.assessmentWaitMs);
    await deliveries.queue(
      manager,
      designated.map((contact) => ({
        dedupeKey: `first_notice:${origin.caseId}:${contact.id}`,
        caseId: origin.caseId,
        contractId,
        kind: 'first_notice' as const,
        recipientKind: 'client_contact' as const,
        recipientId: contact.id,
        sourceEventId: origin.eventId,
        dueAt,
      })),
      now,
    );
    await timers.schedule(
      manager,
      origin.caseId,
      'reminder',
      new Date(now.getTime() + contractSettings.ackWaitMinutes * MINUTE),
      now,
    );
  }

  /**
   * The regulatory assessment: the first one releases the waiting first notices (which then carry its
   * line); a changed one, or a first one that came after the first notice went out, is an update.
   */
  async assessmentMade(
    manager: EntityManager,
    origin: EventOrigin,
    data: RegulatoryAssessmentMadeJson,
  ): Promise<void> {
    const summary = { summaryJa: data.summaryJa ?? '', summaryEn: data.summaryEn ?? '' };
    const { contractId } = await this.options.cases.setAssessment(manager, origin.caseId, summary);
    if (!contractId) return; // the report has not arrived: it will find the assessment
    if (!data.changed) {
      const now = this.options.clock.now();
      const { goneOut } = await this.options.deliveries.releaseFirstNotices(manager, origin.caseId, now);
      if (!goneOut) return;
    }
    const record = await this.options.cases.get(origin.caseId, manager);
    if (!record) return;
    await this.queueUpdate(manager, record, origin, {
      type: 'assessment',
      at: origin.occurredAt.toISOString(),
      ...summary,
    });
  }

  async reportAmended(manager: EntityManager, origin: EventOrigin, data: ReportAmendedJson): Promise<void> {
    const record = await this.options.cases.lock(origin.caseId, manager);
    if (!record?.report) return;
    await this.options.cases.setReport(manager, origin.caseId, applyReportAmendment(record.report, data));
    if (substantiveItems(data).length === 0) return;
    await this.queueUpdate(manager, record, origin, {
      type: 'amendment',
      at: data.amendedAt ?? origin.occurredAt.toISOString(),
      amended: data,
    });
  }

  async instructionIssued(
    manager: EntityManager,
    origin: EventOrigin,
    data: InstructionIssuedJson,
  ): Promise<void> {
    if (!data.instructionId) return;
    await this.options.cases.addInstruction(manager, origin.caseId, data.instructionId, {
      kind: data.kind ?? 'INSTRUCTION_KIND_UNSPECIFIED',
      text: data.text,
    });
  }

  async instructionCompleted(
    manager: EntityManager,
    origin: EventOrigin,
    data: InstructionCompletedJson,
  ): Promise<void> {
    const record = await this.options.cases.get(origin.caseId, manager);
    if (!record?.contractId || !data.instructionId) return;
    await this.queueUpdate(manager, record, origin, {
      type: 'instruction_completed',
      at: origin.occurredAt.toISOString(),
      instructionId: data.instructionId,
      instruction: record.instructions[data.instructionId],
      evidenceNote: data.evidenceNote,
    });
  }

  async causeIdentified(
    manager: EntityManager,
    origin: EventOrigin,
    data: CauseIdentifiedJson,
  ): Promise<void> {
    const record = await this.options.cases.get(origin.caseId, manager);
    if (!record?.contractId) return;
    await this.queueUpdate(manager, record, origin, {
      type: 'cause',
      at: origin.occurredAt.toISOString(),
      cause: data,
    });
  }

  /** A closed case needs no reminder or escalation any more; updates already collected still go out. */
  async caseClosed(manager: EntityManager, origin: EventOrigin, _data: CaseClosedJson): Promise<void> {
    const now = this.options.clock.now();
    await this.options.cases.close(manager, origin.caseId, origin.occurredAt);
    await this.options.timers.cancelOpen(manager, origin.caseId, ['reminder', 'escalation'], now);
  }

  /** A clock of the case is near or ran out: one e-mail to the contract's responsible person. */
  async deadline(
    manager: EntityManager,
    origin: EventOrigin,
    event: 'approaching' | 'missed',
    data: DeadlineApproachingJson | DeadlineMissedJson,
  ): Promise<void> {
    const contract = data.contractId
      ? await this.options.directory.contract(data.contractId, manager)
      : undefined;
    if (!contract) {
      this.options.logger.warn(
        { caseId: origin.caseId, eventId: origin.eventId },
        'deadline of an unknown contract ignored',
      );
      return;
    }
    const now = this.options.clock.now();
    await this.options.deliveries.queue(
      manager,
      [
        {
          dedupeKey: `deadline:${origin.eventId}`,
          caseId: origin.caseId,
          contractId: contract.id,
          kind: 'deadline_alert',
          recipientKind: 'contractor_user',
          recipientId: contract.responsibleUserId,
          source: {
            event,
            clock: data.clock ?? 'CLOCK_KIND_UNSPECIFIED',
            dueAt: data.dueAt,
            leadSeconds:
              'leadSeconds' in data && data.leadSeconds !== undefined ? Number(data.leadSeconds) : undefined,
          },
          sourceEventId: origin.eventId,
          dueAt: now,
        },
      ],
      now,
    );
  }

  /**
   * The publisher submitted a revision of a statement for consultation (協議): one message to every client
   * contact of the contract (all of them, whatever `firstNoticeContacts` says: agreeing the words is not an
   * alarm), in their language, linking the revision to review. Keyed by the event, so a redelivered event
   * intends nothing new while a deliberate second request of the same revision is sent again. A contract
   * without contacts alerts the responsible person instead.
   */
  async consultationRequested(
    manager: EntityManager,
    origin: EventOrigin,
    data: ConsultationRequestedJson,
  ): Promise<void> {
    const { deliveries, directory, clock, logger } = this.options;
    const contractId = data.contractId ?? '';
    const found = contractId ? await directory.contractWithContacts(contractId, manager) : undefined;
    if (!found || !data.statementId || !data.revision) {
      logger.warn(
        { caseId: origin.caseId, eventId: origin.eventId },
        'consultation request for an unknown contract, or without a statement or revision, ignored',
      );
      return;
    }
    const { contract, contacts } = found;
    const now = clock.now();
    const source = {
      statementId: data.statementId,
      revision: data.revision,
      number: data.number ?? 0,
      contentHash: data.contentHash ?? '',
    };
    if (contacts.length === 0) {
      await deliveries.queue(
        manager,
        [
          {
            dedupeKey: `no_contacts:${origin.eventId}`,
            caseId: origin.caseId,
            contractId,
            kind: 'failure_alert',
            recipientKind: 'contractor_user',
            recipientId: contract.responsibleUserId,
            source: { reason: 'no_contacts', about: 'consultation' },
            sourceEventId: origin.eventId,
            dueAt: now,
          },
        ],
        now,
      );
      logger.warn({ caseId: origin.caseId }, 'consultation: no client contacts, responsible person alerted');
      return;
    }
    await deliveries.queue(
      manager,
      contacts.map((contact) => ({
        dedupeKey: `consultation:${origin.eventId}:${contact.id}`,
        caseId: origin.caseId,
        contractId,
        kind: 'consultation' as const,
        recipientKind: 'client_contact' as const,
        recipientId: contact.id,
        source,
        sourceEventId: origin.eventId,
        dueAt: now,
      })),
      now,
    );
  }

  /** A message to the client was given up: alert the contract's responsible person at once. */
  async failureAlert(
    manager: EntityManager,
    delivery: DeliveryRecord,
    failure: SmtpFailure,
    now: Date,
  ): Promise<void> {
    const contract = await this.options.directory.contract(delivery.contractId, manager);
    if (!contract) return;
    await this.options.deliveries.queue(
      manager,
      [
        {
          dedupeKey: `failure_alert:${delivery.id}`,
          caseId: delivery.caseId,
          contractId: delivery.contractId,
          kind: 'failure_alert',
          recipientKind: 'contractor_user',
          recipientId: contract.responsibleUserId,
          source: {
            reason: failure.reason,
            failedKind: NOTIFICATION_KIND[delivery.kind],
            contactId: delivery.recipientId,
            smtpCode: failure.code,
            attempts: delivery.attempts,
          },
          sourceEventId: delivery.sourceEventId ?? undefined,
          dueAt: now,
        },
      ],
      now,
    );
  }

  /** Fires one due timer in the caller's transaction (the timer row is locked by the caller). */
  async fire(manager: EntityManager, timer: DueTimer, now: Date): Promise<void> {
    const record = await this.options.cases.lock(timer.caseId, manager);
    if (!record?.contractId) return;
    switch (timer.kind) {
      case 'reminder':
        return this.remind(manager, record, now);
      case 'escalation':
        return this.escalate(manager, record, now);
      case 'digest':
        return this.sendDigest(manager, record, timer, now);
    }
  }

  /** Nobody acknowledged in time: the first notice again to the same contacts, and the escalation timer. */
  private async remind(manager: EntityManager, record: CaseRecord, now: Date): Promise<void> {
    if (record.acknowledgement || record.closedAt || !record.contractId) return;
    const contractId = record.contractId;
    const contactIds = await this.options.deliveries.caseRecipients(manager, record.caseId, ['first_notice']);
    await this.options.deliveries.queue(
      manager,
      contactIds.map((contactId) => ({
        dedupeKey: `reminder:${record.caseId}:${contactId}`,
        caseId: record.caseId,
        contractId,
        kind: 'reminder' as const,
        recipientKind: 'client_contact' as const,
        recipientId: contactId,
        dueAt: now,
      })),
      now,
    );
    await this.options.events.append(
      manager,
      record.caseId,
      [
        {
          type: 'ClientReminderSent',
          data: { contractId, reminderNumber: 1, contactIds, sentAt: now.toISOString() },
        },
      ],
      { now, correlationId: record.correlationId },
    );
    const settings = await this.options.settings.get(contractId, manager);
    await this.options.timers.schedule(
      manager,
      record.caseId,
      'escalation',
      new Date(now.getTime() + settings.escalationIntervalMinutes * MINUTE),
      now,
    );
  }

  /**
   * Still nobody: the first notice to the contract's further contacts in priority order, and to the
   * contractor's responsible person an alert with every contact's phone number ("call them").
   */
  private async escalate(manager: EntityManager, record: CaseRecord, now: Date): Promise<void> {
    if (record.acknowledgement || record.closedAt || !record.contractId) return;
    const contractId = record.contractId;
    const contract = await this.options.directory.contract(contractId, manager);
    if (!contract) return;
    const notified = new Set(
      await this.options.deliveries.caseRecipients(manager, record.caseId, NOTICE_KINDS),
    );
    const further = (await this.options.directory.contacts(contractId, manager)).filter(
      (c) => !notified.has(c.id),
    );
    const messages: NewDelivery[] = further.map((contact) => ({
      dedupeKey: `escalation:${record.caseId}:${contact.id}`,
      caseId: record.caseId,
      contractId,
      kind: 'escalation',
      recipientKind: 'client_contact',
      recipientId: contact.id,
      dueAt: now,
    }));
    messages.push({
      dedupeKey: `escalation_alert:${record.caseId}`,
      caseId: record.caseId,
      contractId,
      kind: 'escalation_alert',
      recipientKind: 'contractor_user',
      recipientId: contract.responsibleUserId,
      dueAt: now,
    });
    await this.options.deliveries.queue(manager, messages, now);
    await this.options.events.append(
      manager,
      record.caseId,
      [
        {
          type: 'ClientEscalated',
          data: {
            contractId,
            contactIds: further.map((contact) => contact.id),
            responsibleUserId: contract.responsibleUserId,
            escalatedAt: now.toISOString(),
          },
        },
      ],
      { now, correlationId: record.correlationId },
    );
  }

  /** The digest: every update collected since the last one, in one message per recipient. */
  private async sendDigest(
    manager: EntityManager,
    record: CaseRecord,
    timer: DueTimer,
    now: Date,
  ): Promise<void> {
    const rows = returnedRows<{ event_id: string; item: UpdateItem }>(
      await manager.query(
        `UPDATE ${this.pendingUpdates} SET digested_at = $2 WHERE case_id = $1 AND digested_at IS NULL RETURNING event_id, item, received_at`,
        [record.caseId, now],
      ),
    );
    if (rows.length === 0 || !record.contractId) return;
    const contractId = record.contractId;
    const items = rows.map((row) => row.item).sort((a, b) => a.at.localeCompare(b.at));
    const recipients = await this.options.deliveries.caseRecipients(manager, record.caseId, NOTICE_KINDS);
    await this.options.deliveries.queue(
      manager,
      recipients.map((contactId) => ({
        dedupeKey: `digest:${timer.id}:${contactId}`,
        caseId: record.caseId,
        contractId,
        kind: 'update' as const,
        recipientKind: 'client_contact' as const,
        recipientId: contactId,
        source: { updates: items },
        dueAt: now,
      })),
      now,
    );
  }

  /** A substantive change: at once to the case's recipients, or collected for the contract's digest. */
  private async queueUpdate(
    manager: EntityManager,
    record: CaseRecord,
    origin: EventOrigin,
    item: UpdateItem,
  ) {
    if (!record.contractId) return;
    const contractId = record.contractId;
    const now = this.options.clock.now();
    const settings = await this.options.settings.get(contractId, manager);
    if (settings.updateMode === 'digest') {
      await manager.query(
        `INSERT INTO ${this.pendingUpdates} (event_id, case_id, item, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event_id) DO NOTHING`,
        [origin.eventId, record.caseId, JSON.stringify(item), now],
      );
      await this.options.timers.schedule(
        manager,
        record.caseId,
        'digest',
        new Date(now.getTime() + settings.digestMinutes * MINUTE),
        now,
      );
      return;
    }
    const recipients = await this.options.deliveries.caseRecipients(manager, record.caseId, NOTICE_KINDS);
    await this.options.deliveries.queue(
      manager,
      recipients.map((contactId) => ({
        dedupeKey: `update:${origin.eventId}:${contactId}`,
        caseId: record.caseId,
        contractId,
        kind: 'update' as const,
        recipientKind: 'client_contact' as const,
        recipientId: contactId,
        source: { updates: [item] },
        sourceEventId: origin.eventId,
        dueAt: now,
      })),
      now,
    );
  }
}
