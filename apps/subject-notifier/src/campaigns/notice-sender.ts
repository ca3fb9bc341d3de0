import type { DataSource } from 'typeorm';
import type { Mailer } from '#libs/mail';
import type { BackgroundWorker } from '#libs/messaging';
import type { Logger } from '#libs/platform';
import { returnedRows } from '#libs/platform';
import { KeyDestroyedError } from '#libs/sealing';
import type { Clock } from '../clock.js';

import { PERSON_COLUMNS, type PersonRow, type PersonVault } from '../persons/person-vault.js';
import type { NoticeTemplates, StoredTemplate } from '../templates/notice-templates.js';
import type { Campaigns } from './campaigns.js';
import { renderNotice } from './notice-renderer.js';

export interface NoticeSenderOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly campaigns: Campaigns;
  readonly templates: NoticeTemplates;
  readonly vault: PersonVault;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** notices in flight at once */
  readonly concurrency: number;
  /** notices per second at most */
  readonly ratePerSecond: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly pollMs: number;
  /** the domain of the Message-IDs: `<notice.<campaign>.<person>@domain>` */
  readonly messageIdDomain: string;
}

interface Claimed {
  readonly campaignId: string;
  readonly personId: string;
  readonly attempts: number;
  readonly caseId: string;
  readonly templateId: string;
  readonly templateRevision: number;
}

const SETTLE_EVERY_MS = 1_000;

/** Spaces the start of sends to at most `ratePerSecond` (a token bucket of one second's worth). */
class RateLimiter {
  private next = 0;
  constructor(private readonly ratePerSecond: number) {}

  async take(): Promise<void> {
    const interval = 1000 / this.ratePerSecond;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/** SMTP reply code of a nodemailer error, when the server gave one. */
const smtpCodeOf = (error: unknown): number | undefined => {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code : undefined;
};

/** A reason without addresses: the SMTP reply text or the error code. */
const reasonOf = (error: unknown): string => {
  const e = error as { response?: unknown; code?: unknown; message?: unknown };
  const text =
    typeof e.response === 'string' ? e.response : typeof e.code === 'string' ? e.code : String(e.message);
  return text.replace(/[^\s@<>]+@[^\s@<>]+/g, '<address>').slice(0, 300);
};

/**
 * Sends the e-mail notices of running campaigns, resumable from the database:
 *
 * 1. claim due deliveries (`queued`, `deferred` past their retry time, or `sending` whose lease ran out
 *    after a crash) with `FOR UPDATE SKIP LOCKED`, marking them `sending` with a lease: the intent is
 *    recorded before the SMTP transaction;
 * 2. render each person's notice (their name, their items), send it with a Message-ID fixed per campaign and
 *    person, throttled to the configured rate and concurrency;
 * 3. record `sent` with the Message-ID, `deferred` with a retry time (4xx, connection trouble), or `failed`
 *    with the reason (5xx, or the attempts ran out).
 *
 * A notice is sent twice only when the process dies between the SMTP server's acceptance and step 3's
 * commit (the one-SMTP-transaction window): after the lease it is sent again, with the same Message-ID.
 */
export class NoticeSender implements BackgroundWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly limiter: RateLimiter;
  private readonly templateCache = new Map<string, StoredTemplate>();

  constructor(private readonly options: NoticeSenderOptions) {
    this.limiter = new RateLimiter(options.ratePerSecond);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Look for work now (a campaign started or resumed). */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.sendBatch();
      } catch (error) {
        this.options.logger.error({ err: error }, 'notice sender batch failed');
      }
      if (!this.running) break;
      if (!worked) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  /** One round: claims up to a few seconds' worth of notices, sends them, settles their campaigns. */
  async sendBatch(): Promise<boolean> {
    const { dataSource, schema, clock } = this.options;
    const now = clock.now();
    const size = Math.max(this.options.concurrency * 2, Math.min(this.options.ratePerSecond * 2, 200));
    const claimed = returnedRows<Claimed>(
      await dataSource.query(
        `WITH due AS (
         SELECT d.campaign_id, d.person_id FROM "${schema}".deliveries d
           JOIN "${schema}".campaigns c ON c.campaign_id = d.campaign_id
          WHERE d.channel = 'email' AND c.status = 'running'
            AND ((d.status IN ('queued', 'deferred') AND d.next_attempt_at <= $1)
              OR (d.status = 'sending' AND d.lease_until <= $1))
          ORDER BY d.next_attempt_at
          LIMIT $3
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE "${schema}".deliveries d SET status = 'sending', lease_until = $2, attempts = d.attempts + 1, updated_at = $1
         FROM due, "${schema}".campaigns c
        WHERE d.campaign_id = due.campaign_id AND d.person_id = due.person_id AND d.channel = 'email'
          AND c.campaign_id = d.campaign_id
        RETURNING d.campaign_id AS "campaignId", d.person_id AS "personId", d.attempts, c.case_id AS "caseId",
                  c.template_id AS "templateId", c.template_revision AS "templateRevision"`,
        [now, new Date(now.getTime() + this.options.leaseMs), size],
      ),
    );
    if (claimed.length === 0) return false;
    let index = 0;
    let lastSettled = performance.now();
    const campaignIds = [...new Set(claimed.map((c) => c.campaignId))];
    const settleAll = async () => {
      lastSettled = performance.now();
      for (const campaignId of campaignIds)
        await this.options.campaigns.settle(campaignId, this.options.clock.now());
    };
    // the claimed persons in one query (opened one by one, just before their send)
    const persons: PersonRow[] = await dataSource.query(
      `SELECT ${PERSON_COLUMNS} FROM "${schema}".persons WHERE person_id = ANY($1)`,
      [claimed.map((delivery) => delivery.personId)],
    );
    const personOf = new Map(persons.map((row) => [row.personId, row]));
    // two workers per SMTP connection: one prepares or records while the other's message is on the wire
    const workers = Array.from(
      { length: Math.min(this.options.concurrency * 2, claimed.length) },
      async () => {
        while (index < claimed.length && this.running) {
          const delivery = claimed[index++];
          await this.sendOne(delivery, personOf.get(delivery.personId));
          // milestones are recorded as they are passed, not only at the end of a batch
          if (performance.now() - lastSettled > SETTLE_EVERY_MS) await settleAll();
        }
      },
    );
    await Promise.all(workers);
    await settleAll();
    return true;
  }

  private async template(claimed: Claimed): Promise<StoredTemplate | undefined> {
    const key = `${claimed.templateId}/${claimed.templateRevision}`;
    const cached = this.templateCache.get(key);
    if (cached) return cached;
    const found = await this.options.templates.findApproved(
      claimed.caseId,
      claimed.templateId,
      claimed.templateRevision,
    );
    if (found) this.templateCache.set(key, found);
    return found;
  }

  private async sendOne(claimed: Claimed, row: PersonRow | undefined): Promise<void> {
    const { dataSource, schema, vault } = this.options;
    if (!(await this.options.campaigns.isRunning(claimed.campaignId))) {
      // paused or cancelled since the claim: give the notice back untouched
      await dataSource.query(
        `UPDATE "${schema}".deliveries SET status = CASE (SELECT c.status FROM "${schema}".campaigns c WHERE c.campaign_id = $1)
                  WHEN 'cancelled' THEN 'cancelled' ELSE 'queued' END,
                attempts = attempts - 1, lease_until = NULL
          WHERE campaign_id = $1 AND person_id = $2 AND channel = 'email' AND status = 'sending'`,
        [claimed.campaignId, claimed.personId],
      );
      return;
    }
    const messageId = `<notice.${claimed.campaignId}.${claimed.personId}@${this.options.messageIdDomain}>`;
    let rendered: ReturnType<typeof renderNotice>;
    let to: string;
    try {
      if (!row) throw new Error('the person is missing');
      const template = await this.template(claimed);
      if (!template) throw new Error('the approved template is missing');
      const person = await vault.openPerson(row);
      if (!person.email) throw new Error('the person has no e-mail address');
      to = person.email;
      rendered = renderNotice(template, person);
    } catch (error) {
      const reason = error instanceof KeyDestroyedError ? 'data erased' : reasonOf(error);
      await this.record(claimed, 'failed', { reason });
      return;
    }
    await this.limiter.take();
    try {
      const delivery = await this.options.mailer.send({
        to: [to],
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        languages: [rendered.language],
        messageId,
      });
      await this.record(claimed, 'sent', { messageId: delivery.messageId });
    } catch (error) {
      const code = smtpCodeOf(error);
      const reason = reasonOf(error);
      if ((code !== undefined && code >= 500) || claimed.attempts >= this.options.maxAttempts) {
        await this.record(claimed, 'failed', { code, reason, messageId });
      } else {
        const backoff = Math.min(
          this.options.retryMaxMs,
          this.options.retryInitialMs * 2 ** Math.max(0, claimed.attempts - 1),
        );
        await this.record(claimed, 'deferred', { code, reason, retryInMs: backoff });
      }
    }
  }

  private async record(
    claimed: Claimed,
    status: 'sent' | 'failed' | 'deferred',
    facts: { messageId?: string; code?: number; reason?: string; retryInMs?: number },
  ): Promise<void> {
    const now = this.options.clock.now();
    await this.options.dataSource.query(
      `UPDATE "${this.options.schema}".deliveries
          SET status = $3, message_id = coalesce($4, message_id), smtp_code = $5, reason = $6,
              next_attempt_at = $7, lease_until = NULL, updated_at = $8
        WHERE campaign_id = $1 AND person_id = $2 AND channel = 'email' AND status = 'sending'`,
      [
        claimed.campaignId,
        claimed.personId,
        status,
        facts.messageId ?? null,
        facts.code ?? null,
        status === 'sent' ? null : (facts.reason ?? null),
        new Date(now.getTime() + (facts.retryInMs ?? 0)),
        now,
      ],
    );
  }
}
