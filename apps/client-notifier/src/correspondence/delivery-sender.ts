import type { DataSource, EntityManager } from 'typeorm';
import { transactionRetryingConflicts } from '#libs/event-store';
import type { MailDelivery, MailMessage } from '#libs/mail';
import {
  type BackgroundWorker,
  type BackoffOptions,
  backoffDelay,
  PgNotificationListener,
} from '#libs/messaging';
import type { Logger } from '#libs/platform';
import type { Clock } from '../clock.js';
import { NoLongerWantedError, UndeliverableError } from '../mail/message-renderer.js';
import type { CorrespondenceEvents } from './correspondence-events.js';
import { type DeliveryRecord, type DeliveryStore, NOTIFICATION_KIND, RECIPIENT_KIND } from './deliveries.js';
import { classifySmtpFailure, type SmtpFailure } from './smtp-failures.js';

/** What the sender needs of the mail side: write a record's message, and send it. */
export interface MessageSource {
  render(delivery: DeliveryRecord, now: Date): Promise<MailMessage>;
}

export interface MailSender {
  send(message: MailMessage): Promise<MailDelivery>;
}

export interface DeliverySenderOptions {
  readonly dataSource: DataSource;
  readonly deliveries: DeliveryStore;
  readonly events: CorrespondenceEvents;
  readonly renderer: MessageSource;
  readonly mailer: MailSender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** messages in flight at once (= SMTP_POOL_SIZE) */
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoff: Pick<BackoffOptions, 'initialMs' | 'maxMs'>;
  readonly pollMs: number;
  /** a dedicated connection for LISTEN (the wake-up when a delivery becomes due) */
  readonly listenConnection: string;
  /** queues the alert to the responsible person about a message to the client given up, in that transaction */
  readonly alertOnFailure: (
    manager: EntityManager,
    delivery: DeliveryRecord,
    failure: SmtpFailure,
    now: Date,
  ) => Promise<void>;
}

/**
 * Sends what the delivery records say is due: claim (a short statement that leases the rows), render, one
 * SMTP transaction per message, then record the answer and the ClientNotificationSent event in one short
 * transaction. A crash after the SMTP server accepted a message and before that record commits is the only
 * way a message goes out twice (the lease runs out and the message is sent again, with the same
 * Message-ID); see docs/client-notifier.md.
 */
export class DeliverySender implements BackgroundWorker {
  private readonly listener: PgNotificationListener;
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private pumping?: Promise<void>;
  private pumpAgain = false;
  private stopped = true;

  constructor(private readonly options: DeliverySenderOptions) {
    this.listener = new PgNotificationListener({
      connection: options.listenConnection,
      channel: options.deliveries.channel,
      onNotification: () => this.wake(),
      onConnected: () => this.wake(),
      logger: options.logger,
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener.stop();
    // a claim in progress still hands its rows to deliver(): wait for it, then for every send
    await this.pumping;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due work now (a notification, the poll, a send that finished). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.pumpAgain && !this.stopped) {
        this.pumpAgain = false;
        this.wake();
      }
    });
  }

  /** One pass: claims as many due messages as there are free slots, until none is due. For tests too. */
  async pump(): Promise<void> {
    try {
      while (!this.stopped && this.inFlight.size < this.options.concurrency) {
        const free = this.options.concurrency - this.inFlight.size;
        const claimed = await this.options.deliveries.claim(
          this.options.dataSource,
          this.options.clock.now(),
          free,
          this.options.leaseMs,
        );
        if (claimed.length === 0) return;
        for (const delivery of claimed) {
          const sending: Promise<void> = this.deliver(delivery).finally(() => {
            this.inFlight.delete(sending);
            this.wake();
          });
          this.inFlight.add(sending);
        }
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'claiming due messages failed; retrying at the next poll');
    }
  }

  private async deliver(delivery: DeliveryRecord): Promise<void> {
    const { deliveries, logger } = this.options;
    const log = {
      deliveryId: delivery.id,
      caseId: delivery.caseId,
      kind: delivery.kind,
      attempt: delivery.attempts,
    };
    let message: MailMessage;
    try {
      message = await this.options.renderer.render(delivery, this.options.clock.now());
    } catch (error) {
      if (error instanceof NoLongerWantedError) {
        await deliveries.markCancelled(this.options.dataSource, delivery).catch(() => {});
        logger.info(log, 'message cancelled: no longer wanted');
        return;
      }
      if (error instanceof UndeliverableError) {
        await this.failed(delivery, { transient: false, reason: error.message });
        return;
      }
      // A database or key problem: retry like a transient SMTP failure (and alert when the budget runs out).
      logger.error({ ...log, err: error }, 'could not write the message; will retry');
      await this.retryOrFail(delivery, { transient: true, reason: `render failed: ${errorName(error)}` });
      return;
    }
    let accepted: MailDelivery;
    try {
      accepted = await this.options.mailer.send(message);
    } catch (error) {
      const failure = classifySmtpFailure(error);
      logger.warn({ ...log, smtpCode: failure.code, reason: failure.reason }, 'SMTP attempt failed');
      if (failure.transient) await this.retryOrFail(delivery, failure);
      else await this.failed(delivery, failure);
      return;
    }
    await this.sent(delivery, accepted).catch((error: unknown) =>
      // The message went out but its record did not commit: after the lease it is sent again (same
      // Message-ID). This is the one window for a duplicate.
      logger.error({ ...log, err: error }, 'the SMTP server accepted the message but its record failed'),
    );
  }

  private async sent(delivery: DeliveryRecord, accepted: MailDelivery): Promise<void> {
    const now = this.options.clock.now();
    await transactionRetryingConflicts(this.options.dataSource, async (manager) => {
      if (
        !(await this.options.deliveries.markSent(manager, delivery, { response: accepted.response, now }))
      ) {
        return; // the lease ran out and another instance took the message over; it records its own outcome
      }
      await this.options.events.append(
        manager,
        delivery.caseId,
        [
          {
            type: 'ClientNotificationSent',
            data: {
              notificationId: delivery.id,
              contractId: delivery.contractId,
              kind: NOTIFICATION_KIND[delivery.kind],
              recipient: { kind: RECIPIENT_KIND[delivery.recipientKind], id: delivery.recipientId },
              messageId: delivery.messageId,
              sentAt: now.toISOString(),
              attempts: delivery.attempts,
            },
          },
        ],
        { now, causationId: delivery.sourceEventId ?? undefined },
      );
    });
  }

  private async retryOrFail(delivery: DeliveryRecord, failure: SmtpFailure): Promise<void> {
    if (delivery.attempts >= this.options.maxAttempts) {
      await this.failed(delivery, {
        ...failure,
        reason: `gave up after ${delivery.attempts} attempts: ${failure.reason}`,
      });
      return;
    }
    const delay = backoffDelay(delivery.attempts, { ...this.options.backoff, factor: 2, jitter: 0.2 });
    const retryAt = new Date(this.options.clock.now().getTime() + delay);
    await this.options.deliveries
      .markRetry(this.options.dataSource, delivery, { code: failure.code, reason: failure.reason, retryAt })
      .catch((error: unknown) =>
        this.options.logger.error(
          { err: error, deliveryId: delivery.id },
          'could not record a failed attempt',
        ),
      );
  }

  /** Given up: ClientNotificationFailed, and for a message to the client an alert to the responsible person. */
  private async failed(delivery: DeliveryRecord, failure: SmtpFailure): Promise<void> {
    const now = this.options.clock.now();
    const { deliveries } = this.options;
    try {
      await transactionRetryingConflicts(this.options.dataSource, async (manager) => {
        if (
          !(await deliveries.markFailed(manager, delivery, {
            code: failure.code,
            reason: failure.reason,
            now,
          }))
        ) {
          return;
        }
        await this.options.events.append(
          manager,
          delivery.caseId,
          [
            {
              type: 'ClientNotificationFailed',
              data: {
                notificationId: delivery.id,
                contractId: delivery.contractId,
                kind: NOTIFICATION_KIND[delivery.kind],
                recipient: { kind: RECIPIENT_KIND[delivery.recipientKind], id: delivery.recipientId },
                smtpCode: failure.code ?? 0,
                reason: failure.reason,
                failedAt: now.toISOString(),
                attempts: delivery.attempts,
              },
            },
          ],
          { now, causationId: delivery.sourceEventId ?? undefined },
        );
        if (delivery.recipientKind === 'client_contact') {
          await this.options.alertOnFailure(manager, delivery, failure, now);
        }
      });
      this.options.logger.warn(
        { deliveryId: delivery.id, caseId: delivery.caseId, kind: delivery.kind, smtpCode: failure.code },
        'message given up: ClientNotificationFailed recorded',
      );
    } catch (error) {
      this.options.logger.error({ err: error, deliveryId: delivery.id }, 'could not record a failed message');
    }
  }
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'Error');
