import type { DataSource, EntityManager } from 'typeorm';
import {
  assertCaseVisible,
  CaseNotFoundError,
  type LinkPayload,
  type Principal,
  type SignedLinks,
} from '#libs/auth';
import { type Actor, transactionRetryingConflicts } from '#libs/event-store';
import type { Clock } from '../clock.js';
import type { IdentityDirectory } from '../directory/identity-directory.js';
import { ACKNOWLEDGE_ACTION } from '../mail/message-renderer.js';
import type { CaseRecord, CaseRecords } from './case-records.js';
import type { CorrespondenceEvents } from './correspondence-events.js';
import type { DeliveryStore } from './deliveries.js';
import type { TimerStore } from './timers.js';

/** Who confirmed receipt of a case's first notice, and when. */
export interface AcknowledgementView {
  readonly at: Date;
  /** the contact id (link) or user id (API) */
  readonly by: string;
  /** the contact's or user's name, when they still exist */
  readonly byName?: string;
  readonly channel: 'link' | 'api';
}

export type AcknowledgementOutcome =
  | { readonly outcome: 'acknowledged'; readonly acknowledgement: AcknowledgementView }
  | { readonly outcome: 'already_acknowledged'; readonly acknowledgement: AcknowledgementView };

export interface AcknowledgementsOptions {
  readonly dataSource: DataSource;
  readonly cases: CaseRecords;
  readonly deliveries: DeliveryStore;
  readonly timers: TimerStore;
  readonly events: CorrespondenceEvents;
  readonly links: SignedLinks;
  readonly directory: IdentityDirectory;
  readonly clock: Clock;
}

/** The case id a token names, read without trusting it (`verify` then checks the MAC, action and case). */
function caseIdNamedBy(token: string): string {
  try {
    const body = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof body?.cid === 'string' ? body.cid : '';
  } catch {
    return '';
  }
}

/**
 * Confirming receipt of a case's first notice (`ClientAcknowledged`, recorded once per case): by the
 * signed link in the e-mail (only the POST of its page's button; opening the link changes nothing, so
 * mail scanners that prefetch links acknowledge nothing), or by a client officer through the API. It stops
 * the reminder and the escalation.
 */
export class Acknowledgements {
  constructor(private readonly options: AcknowledgementsOptions) {}

  /** The link's payload when it is genuine, an acknowledgement link and not expired; `LinkError` otherwise. */
  verifyLink(token: string): LinkPayload {
    return this.options.links.verify(token, {
      action: ACKNOWLEDGE_ACTION,
      caseId: caseIdNamedBy(token),
      now: this.options.clock.now(),
    });
  }

  /** What the link's page shows: the case and, when someone already confirmed, who and when. Reads only. */
  async viewByLink(
    token: string,
  ): Promise<{ payload: LinkPayload; record: CaseRecord; acknowledgement?: AcknowledgementView }> {
    const payload = this.verifyLink(token);
    const record = await this.options.cases.get(payload.caseId);
    if (!record?.contractId) throw new CaseNotFoundError(payload.caseId);
    return { payload, record, acknowledgement: await this.viewOf(record) };
  }

  /** The button's POST: acknowledges the case unless someone already did (then says who and when). */
  async acknowledgeByLink(
    token: string,
  ): Promise<AcknowledgementOutcome & { payload: LinkPayload; caseNumber?: string }> {
    const payload = this.verifyLink(token);
    const outcome = await transactionRetryingConflicts(this.options.dataSource, async (manager) => {
      const now = this.options.clock.now();
      const record = await this.options.cases.lock(payload.caseId, manager);
      if (!record?.contractId) throw new CaseNotFoundError(payload.caseId);
      if (record.acknowledgement) return { outcome: 'already_acknowledged' as const, record };
      // single use, in this transaction: a refused or failed acknowledgement leaves the link usable
      await this.options.links.consume(
        token,
        { action: ACKNOWLEDGE_ACTION, caseId: payload.caseId, now, usedBy: payload.recipient },
        manager,
      );
      const acknowledgement = { at: now, by: payload.recipient, channel: 'link' as const };
      await this.record(manager, record, acknowledgement, {
        id: `contact:${payload.recipient}`,
        kind: 'system',
        role: 'client_contact',
      });
      return { outcome: 'acknowledged' as const, record: { ...record, acknowledgement } };
    });
    const view = await this.viewOf(outcome.record);
    if (!view) throw new Error('an acknowledged case without its acknowledgement');
    return {
      outcome: outcome.outcome,
      acknowledgement: view,
      payload,
      caseNumber: outcome.record.caseNumber,
    };
  }

  /** A client officer confirms receipt through the API; a case outside its contracts answers 404. */
  async acknowledgeByApi(
    caseId: string,
    principal: Principal,
    actor: Actor,
  ): Promise<AcknowledgementOutcome> {
    const outcome = await transactionRetryingConflicts(this.options.dataSource, async (manager) => {
      const now = this.options.clock.now();
      const record = await this.options.cases.lock(caseId, manager);
      if (!record?.contractId) throw new CaseNotFoundError(caseId);
      assertCaseVisible(principal, record.contractId, caseId);
      if (record.acknowledgement) return { outcome: 'already_acknowledged' as const, record };
      const acknowledgement = { at: now, by: principal.userId, channel: 'api' as const };
      await this.record(manager, record, acknowledgement, actor);
      return { outcome: 'acknowledged' as const, record: { ...record, acknowledgement } };
    });
    const view = await this.viewOf(outcome.record);
    if (!view) throw new Error('an acknowledged case without its acknowledgement');
    return { outcome: outcome.outcome, acknowledgement: view };
  }

  /** Who acknowledged, with a name for people to read. */
  async viewOf(record: CaseRecord): Promise<AcknowledgementView | undefined> {
    const ack = record.acknowledgement;
    if (!ack) return undefined;
    const byName =
      ack.channel === 'link'
        ? (await this.options.directory.contact(ack.by))?.name
        : (await this.options.directory.user(ack.by))?.displayName;
    return { at: ack.at, by: ack.by, byName, channel: ack.channel };
  }

  private async record(
    manager: EntityManager,
    record: CaseRecord,
    acknowledgement: { at: Date; by: string; channel: 'link' | 'api' },
    actor: Actor,
  ): Promise<void> {
    const { cases, timers, deliveries, events } = this.options;
    const now = acknowledgement.at;
    await cases.acknowledge(manager, record.caseId, acknowledgement);
    await timers.cancelOpen(manager, record.caseId, ['reminder', 'escalation'], now);
    await deliveries.cancelPending(manager, record.caseId, ['reminder', 'escalation', 'escalation_alert']);
    await events.append(
      manager,
      record.caseId,
      [
        {
          type: 'ClientAcknowledged',
          data: {
            contractId: record.contractId,
            channel:
              acknowledgement.channel === 'link'
                ? 'ACKNOWLEDGEMENT_CHANNEL_LINK'
                : 'ACKNOWLEDGEMENT_CHANNEL_API',
            acknowledgedBy: acknowledgement.by,
            acknowledgedAt: now.toISOString(),
          },
        },
      ],
      { now, actor, correlationId: record.correlationId },
    );
  }
}
