import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { NotificationKindJson, RecipientKindJson } from '#libs/contracts';
import { returnedRows } from '#libs/platform';

export const DELIVERY_KINDS = [
  'first_notice',
  'reminder',
  'escalation',
  'escalation_alert',
  'update',
  'deadline_alert',
  'failure_alert',
  'consultation',
] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export type RecipientKind = 'client_contact' | 'contractor_user';
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

export const NOTIFICATION_KIND: Readonly<Record<DeliveryKind, NotificationKindJson>> = {
  first_notice: 'NOTIFICATION_KIND_FIRST_NOTICE',
  reminder: 'NOTIFICATION_KIND_REMINDER',
  escalation: 'NOTIFICATION_KIND_ESCALATION',
  escalation_alert: 'NOTIFICATION_KIND_ESCALATION_ALERT',
  update: 'NOTIFICATION_KIND_UPDATE',
  deadline_alert: 'NOTIFICATION_KIND_DEADLINE_ALERT',
  failure_alert: 'NOTIFICATION_KIND_FAILURE_ALERT',
  consultation: 'NOTIFICATION_KIND_CONSULTATION',
};

export const RECIPIENT_KIND: Readonly<Record<RecipientKind, RecipientKindJson>> = {
  client_contact: 'RECIPIENT_KIND_CLIENT_CONTACT',
  contractor_user: 'RECIPIENT_KIND_CONTRACTOR_USER',
};

/** A message to be sent: the delivery record's "intended" state. */
export interface NewDelivery {
  /** makes the intention idempotent: the same key is recorded once (e.g. `first_notice:<case>:<contact>`) */
  readonly dedupeKey: string;
  readonly caseId: string;
  readonly contractId: string;
  readonly kind: DeliveryKind;
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  /** what the message is about, beyond the case (ids, sealed texts, clock facts): never clear personal data */
  readonly source?: Record<string, unknown>;
  /** the event that caused the message (causation id of its ClientNotification* event) */
  readonly sourceEventId?: string;
  /** not before */
  readonly dueAt: Date;
}

/** A delivery record as the sender works on it. */
export interface DeliveryRecord {
  readonly id: string;
  readonly caseId: string;
  readonly contractId: string;
  readonly kind: DeliveryKind;
  readonly recipientKind: RecipientKind;
  readonly recipientId: string;
  readonly source: Record<string, unknown>;
  readonly sourceEventId: string | null;
  readonly status: DeliveryStatus;
  /** attempts including the one claimed */
  readonly attempts: number;
  readonly messageId: string;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly failedAt: Date | null;
  readonly smtpCode: number | null;
  readonly smtpResponse: string | null;
  readonly lastError: string | null;
  /** pending: not before; otherwise null */
  readonly dueAt: Date | null;
  /** sending: the end of the claiming instance's lease (database clock); otherwise null */
  readonly leaseUntil: Date | null;
}

interface DeliveryRow {
  id: string;
  case_id: string;
  contract_id: string;
  kind: DeliveryKind;
  recipient_kind: RecipientKind;
  recipient_id: string;
  source: Record<string, unknown>;
  source_event_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  message_id: string;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  smtp_code: number | null;
  smtp_response: string | null;
  last_error: string | null;
  due_at: Date | null;
  lease_until: Date | null;
}

const toRecord = (row: DeliveryRow): DeliveryRecord => ({
  id: row.id,
  caseId: row.case_id,
  contractId: row.contract_id,
  kind: row.kind,
  recipientKind: row.recipient_kind,
  recipientId: row.recipient_id,
  source: row.source ?? {},
  sourceEventId: row.source_event_id,
  status: row.status,
  attempts: row.attempts,
  messageId: row.message_id,
  createdAt: row.created_at,
  sentAt: row.sent_at,
  failedAt: row.failed_at,
  smtpCode: row.smtp_code,
  smtpResponse: row.smtp_response,
  lastError: row.last_error,
  dueAt: row.due_at,
  leaseUntil: row.lease_until,
});

/** The domain part of the sender address, for Message-IDs (`<delivery id@domain>`). */
export function messageIdDomainOf(from: string): string {
  const address = from.replace(/^.*<([^>]+)>\s*$/, '$1').trim();
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domain.length > 0 ? domain : 'client-notifier.invalid';
}

/**
 * The delivery records (`deliveries`): one row per message and recipient, written as "intended"
 * (`pending`) before anything is sent, then `sending` while one instance holds its lease, then `sent` with
 * the SMTP server's answer, `failed`, or `cancelled`. Every state change is one short statement or one
 * short transaction: no transaction stays open while the SMTP server is talked to.
 */
export class DeliveryStore {
  readonly table: string;
  /** LISTEN/NOTIFY channel woken when a delivery becomes due */
  readonly channel: string;

  constructor(
    schema: string,
    private readonly messageIdDomain: string,
  ) {
    this.table = `"${schema}".deliveries`;
    this.channel = `deliveries_${schema}`.slice(0, 63);
  }

  /**
   * Records intended messages in the caller's transaction (a key already recorded is skipped) and wakes
   * the senders when the transaction commits. Returns how many were new.
   */
  async queue(manager: EntityManager, deliveries: readonly NewDelivery[], now: Date): Promise<number> {
    if (deliveries.length === 0) return 0;
    const ids = deliveries.map(() => randomUUID());
    const [{ n }]: Array<{ n: number }> = await manager.query(
      `WITH inserted AS (INSERT INTO ${this.table} (id, dedupe_key, case_id, contract_id, kind, recipient_kind, recipient_id,
                                  source, source_event_id, status, due_at, message_id, created_at)
       SELECT d.id, d.dedupe_key, d.case_id, d.contract_id, d.kind, d.recipient_kind, d.recipient_id,
              d.source, d.source_event_id, 'pending', d.due_at, d.message_id, $2
         FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, dedupe_key text, case_id uuid, contract_id uuid,
              kind text, recipient_kind text, recipient_id uuid, source jsonb, source_event_id text,
              due_at timestamptz, message_id text)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id),
       woken AS (SELECT pg_notify($3, '') FROM (SELECT 1 FROM inserted LIMIT 1) any_row)
       SELECT (SELECT count(*)::int FROM inserted) AS n, (SELECT count(*) FROM woken) AS woken`,
      [
        JSON.stringify(
          deliveries.map((d, i) => ({
            id: ids[i],
            dedupe_key: d.dedupeKey,
            case_id: d.caseId,
            contract_id: d.contractId,
            kind: d.kind,
            recipient_kind: d.recipientKind,
            recipient_id: d.recipientId,
            source: d.source ?? {},
            source_event_id: d.sourceEventId ?? null,
            due_at: d.dueAt.toISOString(),
            message_id: `<${ids[i]}@${this.messageIdDomain}>`,
          })),
        ),
        now,
        this.channel,
      ],
    );
    // the notification (one statement with the insert) reaches the listeners when the transaction commits
    return n;
  }

  /**
   * Makes the case's first notices still waiting (for the assessment) due now, and tells whether one of them
   * had already gone out (being sent, sent or failed) before.
   */
  async releaseFirstNotices(
    manager: EntityManager,
    caseId: string,
    now: Date,
  ): Promise<{ released: number; goneOut: boolean }> {
    const [row]: Array<{ released: number; gone_out: boolean }> = await manager.query(
      `WITH released AS (UPDATE ${this.table} SET due_at = $2
                          WHERE case_id = $1 AND kind = 'first_notice' AND status = 'pending' AND due_at > $2
                          RETURNING id),
            woken AS (SELECT pg_notify($3, '') FROM (SELECT 1 FROM released LIMIT 1) any_row)
       SELECT (SELECT count(*)::int FROM released) AS released, (SELECT count(*) FROM woken) AS woken,
              EXISTS (SELECT 1 FROM ${this.table}
                       WHERE case_id = $1 AND kind = 'first_notice' AND status <> 'pending') AS gone_out`,
      [caseId, now, this.channel],
    );
    return { released: row.released, goneOut: row.gone_out };
  }

  /** Cancels the case's messages of these kinds not yet claimed (e.g. reminders once someone acknowledged). */
  async cancelPending(
    manager: EntityManager,
    caseId: string,
    kinds: readonly DeliveryKind[],
  ): Promise<number> {
    const cancelled: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET status = 'cancelled', due_at = NULL
        WHERE case_id = $1 AND status = 'pending' AND kind = ANY($2) RETURNING id`,
        [caseId, kinds],
      ),
    );
    return cancelled.length;
  }

  /**
   * Claims up to `limit` due messages for this instance: pending ones whose time has come (the service's
   * clock), and ones another instance claimed whose lease ran out (it died mid-send). Leases run on the
   * database server's clock: they are about processes failing in real time, not about the domain's time.
   * One statement; `SKIP LOCKED` keeps two instances from claiming the same row.
   */
  async claim(dataSource: DataSource, now: Date, limit: number, leaseMs: number): Promise<DeliveryRecord[]> {
    const rows = returnedRows<DeliveryRow>(
      await dataSource.query(
        `WITH due AS (SELECT id FROM ${this.table} WHERE status = 'pending' AND due_at <= $1
                       ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED),
              stale AS (SELECT id FROM ${this.table} WHERE status = 'sending' AND lease_until <= clock_timestamp()
                         ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED)
         UPDATE ${this.table} d
            SET status = 'sending', attempts = d.attempts + 1, due_at = NULL,
                lease_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
          WHERE d.id IN (SELECT id FROM (SELECT id FROM due UNION ALL SELECT id FROM stale) claimable LIMIT $3)
         RETURNING d.*`,
        [now, leaseMs, limit],
      ),
    );
    return rows.map(toRecord);
  }

  /**
   * The SMTP server accepted the message: record its answer, in the caller's transaction (with the
   * ClientNotificationSent event). False when this instance no longer holds the claim.
   */
  async markSent(
    manager: EntityManager,
    claimed: DeliveryRecord,
    outcome: { response: string; now: Date },
  ): Promise<boolean> {
    const updated: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET status = 'sent', lease_until = NULL, sent_at = $3, smtp_code = $4, smtp_response = $5,
                                last_error = NULL
        WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`,
        [
          claimed.id,
          claimed.attempts,
          outcome.now,
          smtpCodeOf(outcome.response),
          outcome.response.slice(0, 500),
        ],
      ),
    );
    return updated.length === 1;
  }

  /** A transient failure: try again at `retryAt`. False when this instance no longer holds the claim. */
  async markRetry(
    manager: EntityManager | DataSource,
    claimed: DeliveryRecord,
    failure: { code?: number; reason: string; retryAt: Date },
  ): Promise<boolean> {
    const updated: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET status = 'pending', lease_until = NULL, due_at = $3, smtp_code = $4, last_error = $5
        WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`,
        [claimed.id, claimed.attempts, failure.retryAt, failure.code ?? null, failure.reason.slice(0, 500)],
      ),
    );
    return updated.length === 1;
  }

  /** Given up (permanent refusal, or attempts exhausted), in the caller's transaction (with the event). */
  async markFailed(
    manager: EntityManager,
    claimed: DeliveryRecord,
    failure: { code?: number; reason: string; now: Date },
  ): Promise<boolean> {
    const updated: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET status = 'failed', lease_until = NULL, failed_at = $3, smtp_code = $4, last_error = $5
        WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`,
        [claimed.id, claimed.attempts, failure.now, failure.code ?? null, failure.reason.slice(0, 500)],
      ),
    );
    return updated.length === 1;
  }

  /** Not to be sent after all (acknowledged meanwhile). */
  async markCancelled(manager: EntityManager | DataSource, claimed: DeliveryRecord): Promise<boolean> {
    const updated: unknown[] = returnedRows<unknown>(
      await manager.query(
        `UPDATE ${this.table} SET status = 'cancelled', lease_until = NULL
        WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`,
        [claimed.id, claimed.attempts],
      ),
    );
    return updated.length === 1;
  }

  /** The case's delivery records, oldest first. */
  async ofCase(dataSource: DataSource | EntityManager, caseId: string): Promise<DeliveryRecord[]> {
    const rows: DeliveryRow[] = await dataSource.query(
      `SELECT * FROM ${this.table} WHERE case_id = $1 ORDER BY created_at, kind, id`,
      [caseId],
    );
    return rows.map(toRecord);
  }

  /**
   * Distinct client contacts that got (or are getting) the case's messages of these kinds, in the order they
   * were first intended; contacts whose message was given up (a 5xx: the address does not work) are left out.
   */
  async caseRecipients(
    manager: EntityManager,
    caseId: string,
    kinds: readonly DeliveryKind[],
  ): Promise<string[]> {
    const rows: Array<{ recipient_id: string }> = await manager.query(
      `SELECT recipient_id FROM ${this.table}
        WHERE case_id = $1 AND kind = ANY($2) AND recipient_kind = 'client_contact' AND status <> 'failed'
        GROUP BY recipient_id ORDER BY min(created_at), recipient_id`,
      [caseId, kinds],
    );
    return rows.map((row) => row.recipient_id);
  }
}

/** `250 2.0.0 Ok: queued as …` → 250. */
function smtpCodeOf(response: string): number | null {
  const match = /^(\d{3})\b/.exec(response.trim());
  return match ? Number(match[1]) : null;
}
