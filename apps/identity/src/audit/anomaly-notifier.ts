import type { DataSource } from 'typeorm';
import type { AccessAnomalyDetectedJson } from '#libs/contracts';
import type { Mailer } from '#libs/mail';
import type { Logger } from '#libs/platform';
import { anomalyMail } from './anomaly-mail.js';

const BATCH = 50;
const MAX_BACKOFF_MINUTES = 60;

interface PendingRow {
  finding_id: string;
  data: AccessAnomalyDetectedJson;
  mail_attempts: number;
}

export interface DeliveryOutcome {
  readonly sent: number;
  readonly failed: number;
}

/**
 * Mails each recorded finding to the contractor's responsible persons: active users of the contractor
 * organisation with the `responsible` role. The findings table is the outbox and the delivery record
 * (sent time, Message-ID, number of recipients, failures with backoff). Delivery is at least once: a
 * crash between the SMTP server's acceptance and the update sends that mail again.
 */
export class AnomalyNotifier {
  private readonly table: string;
  private readonly identity: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {
    this.table = `"${schema}".access_anomaly_findings`;
    this.identity = `"${schema}"`;
  }

  async responsiblePersons(): Promise<string[]> {
    const rows: Array<{ email: string }> = await this.dataSource.query(
      `SELECT u.email FROM ${this.identity}.users u
         JOIN ${this.identity}.organisations o ON o.id = u.org_id
        WHERE o.kind = 'contractor' AND u.status = 'active' AND 'responsible' = ANY (u.roles)
        ORDER BY u.email`,
    );
    return rows.map((row) => row.email);
  }

  /** Sends the findings not mailed yet (those due after a failure); another instance skips locked ones. */
  async deliverPending(): Promise<DeliveryOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const pending: PendingRow[] = await manager.query(
        `SELECT finding_id, data, mail_attempts FROM ${this.table}
          WHERE mailed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY detected_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (pending.length === 0) return { sent: 0, failed: 0 };
      const recipients = await this.responsiblePersons();
      let sent = 0;
      let failed = 0;
      for (const row of pending) {
        try {
          if (recipients.length === 0) throw new Error('the contractor has no active responsible person');
          const delivery = await this.mailer.send(anomalyMail(recipients, row.data));
          await manager.query(
            `UPDATE ${this.table} SET mailed_at = now(), message_id = $2, mail_recipients = $3, mail_error = NULL
              WHERE finding_id = $1`,
            [row.finding_id, delivery.messageId, delivery.accepted.length],
          );
          sent++;
        } catch (error) {
          failed++;
          const backoff = Math.min(2 ** row.mail_attempts, MAX_BACKOFF_MINUTES);
          await manager.query(
            `UPDATE ${this.table} SET mail_attempts = mail_attempts + 1, mail_error = $2,
                    next_attempt_at = now() + make_interval(mins => $3) WHERE finding_id = $1`,
            [row.finding_id, error instanceof Error ? error.message.slice(0, 500) : String(error), backoff],
          );
          this.logger.warn(
            { err: error, findingId: row.finding_id },
            'access anomaly e-mail not sent; will retry',
          );
        }
      }
      return { sent, failed };
    });
  }
}
