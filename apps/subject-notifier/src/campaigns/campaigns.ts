import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { actorOf, type Principal } from '#libs/auth';
import type { CampaignCountsJson } from '#libs/contracts';
import type { Actor } from '#libs/event-store';
import { transactionRetryingConflicts } from '#libs/event-store';
import { ApiError, returnedRows } from '#libs/platform';
import { type CaseRegistry, NOTIFY_SUBJECTS } from '../cases/case-registry.js';
import { type SubjectEvent, type SubjectEvents } from '../events.js';
import type { NoticeTemplates } from '../templates/notice-templates.js';

export const CAMPAIGN_STATUSES = ['running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CampaignRow {
  readonly campaignId: string;
  readonly caseId: string;
  readonly contractId: string;
  readonly instructionId: string;
  readonly templateId: string;
  readonly templateRevision: number;
  readonly status: CampaignStatus;
  readonly personsTotal: number;
  readonly emailTotal: number;
  readonly milestones: number;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** Counts of one campaign, per channel and status. */
export interface CampaignTally {
  readonly queued: number;
  readonly sending: number;
  readonly deferred: number;
  readonly sent: number;
  readonly failed: number;
  readonly bounced: number;
  readonly cancelled: number;
  readonly byLetter: number;
  readonly byPhone: number;
  readonly byPublicNotice: number;
  /** persons with at least one channel that reached them */
  readonly personsReached: number;
}

export interface CampaignProgress {
  readonly campaignId: string;
  readonly caseId: string;
  readonly instructionId: string;
  readonly templateId: string;
  readonly templateRevision: number;
  readonly status: CampaignStatus;
  readonly personsTotal: number;
  readonly emailTotal: number;
  readonly tally: CampaignTally;
  /** e-mails accepted per second over the last minute */
  readonly ratePerSecond: number;
  /** when the e-mails still waiting will be out at that rate; null when nothing waits or nothing moves */
  readonly estimatedFinishAt: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

const MILESTONES = [25, 50, 75] as const;
const CAMPAIGN_COLUMNS = `campaign_id AS "campaignId", case_id AS "caseId", contract_id AS "contractId",
  instruction_id AS "instructionId", template_id AS "templateId", template_revision AS "templateRevision", status,
  persons_total AS "personsTotal", email_total AS "emailTotal", milestones, started_at AS "startedAt",
  finished_at AS "finishedAt"`;

/**
 * Notice campaigns: started only on a client instruction of kind "notify subjects" with an approved
 * template; their e-mail deliveries are sent by the NoticeSender; pause, resume and cancel; progress;
 * milestones and completion recorded as events (counts only).
 */
export class Campaigns {
  private readonly statusCache = new Map<string, { at: number; running: boolean }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly cases: CaseRegistry,
    private readonly templates: NoticeTemplates,
    private readonly events: SubjectEvents,
    private readonly wake: () => void,
  ) {}

  async start(
    principal: Principal,
    caseId: string,
    input: { instructionId: string; templateId: string; templateRevision?: number },
    now: Date,
  ): Promise<CampaignProgress> {
    const campaignId = randomUUID();
    await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const record = await this.cases.visibleLive(principal, caseId, manager, true);
      const kind = await this.cases.instructionKind(caseId, input.instructionId, manager);
      if (kind !== NOTIFY_SUBJECTS) {
        throw new ApiError(
          'unprocessable',
          kind === undefined
            ? `The case has no instruction ${input.instructionId}: a campaign needs the client's instruction to notify the persons.`
            : `Instruction ${input.instructionId} is not an instruction to notify the persons (${kind}).`,
          {
            code: 'no_notify_instruction',
            details: [
              { field: 'instructionId', problem: 'must name an instruction of kind notify subjects' },
            ],
          },
        );
      }
      const template = await this.templates.findApproved(
        caseId,
        input.templateId,
        input.templateRevision,
        manager,
      );
      if (!template) {
        throw new ApiError(
          'unprocessable',
          'The notice template is not approved by the client for this case.',
          {
            code: 'template_not_approved',
            details: [
              { field: 'templateId', problem: 'must name a template the client approved for this case' },
            ],
          },
        );
      }
      const active: unknown[] = await manager.query(
        `SELECT 1 FROM "${this.schema}".campaigns WHERE case_id = $1 AND status IN ('running', 'paused')`,
        [caseId],
      );
      if (active.length > 0) {
        throw new ApiError('conflict', 'The case already has a campaign running or paused.', {
          code: 'campaign_active',
        });
      }
      const [counts]: Array<Record<'total' | 'email' | 'letter' | 'phone', number>> = await manager.query(
        `SELECT count(*)::int AS total, count(email)::int AS email,
                count(*) FILTER (WHERE email IS NULL AND address IS NOT NULL)::int AS letter,
                count(*) FILTER (WHERE email IS NULL AND address IS NULL AND phone IS NOT NULL)::int AS phone
           FROM "${this.schema}".persons WHERE case_id = $1`,
        [caseId],
      );
      if (counts.total === 0) {
        throw new ApiError('unprocessable', 'The case has no affected persons: import them first.', {
          code: 'no_persons',
        });
      }
      await manager.query(
        `INSERT INTO "${this.schema}".campaigns (campaign_id, case_id, contract_id, instruction_id, template_id,
           template_revision, status, persons_total, email_total, started_by, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10)`,
        [
          campaignId,
          caseId,
          record.contractId,
          input.instructionId,
          template.templateId,
          template.revision,
          counts.total,
          counts.email,
          principal.id,
          now,
        ],
      );
      await manager.query(
        `INSERT INTO "${this.schema}".deliveries (campaign_id, person_id, channel, status, next_attempt_at, updated_at)
         SELECT $1, person_id, 'email', 'queued', $3, $3 FROM "${this.schema}".persons
          WHERE case_id = $2 AND email IS NOT NULL`,
        [campaignId, caseId, now],
      );
      await this.events.append(
        manager,
        caseId,
        [
          {
            type: 'NoticeCampaignStarted',
            data: {
              campaignId,
              contractId: record.contractId,
              instructionId: input.instructionId,
              templateId: template.templateId,
              templateRevision: template.revision,
              templateContentHash: template.contentHash,
              personsTotal: counts.total,
              byEmail: counts.email,
              byLetter: counts.letter,
              byPhone: counts.phone,
              unreachable: counts.total - counts.email - counts.letter - counts.phone,
              startedAt: now.toISOString(),
            },
          },
        ],
        { now, actor: actorOf(principal) },
      );
    });
    this.wake();
    return this.progress(principal, caseId, campaignId, now);
  }

  async list(principal: Principal, caseId: string, now: Date): Promise<CampaignProgress[]> {
    await this.cases.visible(principal, caseId);
    const rows: CampaignRow[] = await this.dataSource.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM "${this.schema}".campaigns WHERE case_id = $1 ORDER BY started_at`,
      [caseId],
    );
    return Promise.all(rows.map((row) => this.progressOf(row, now)));
  }

  /** The campaign of a visible case (404 for another case's campaign or an unknown one). */
  async find(
    principal: Principal,
    caseId: string,
    campaignId: string,
    manager?: EntityManager,
    lock = false,
    live = false,
  ) {
    const record = live
      ? await this.cases.visibleLive(principal, caseId, manager)
      : await this.cases.visible(principal, caseId, manager);
    const rows: CampaignRow[] = await (manager ?? this.dataSource).query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM "${this.schema}".campaigns WHERE campaign_id = $1 AND case_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [campaignId, caseId],
    );
    if (!rows[0]) {
      throw new ApiError('not_found', `Campaign ${campaignId} was not found.`, {
        code: 'campaign_not_found',
      });
    }
    return { record, campaign: rows[0] };
  }

  async progress(
    principal: Principal,
    caseId: string,
    campaignId: string,
    now: Date,
  ): Promise<CampaignProgress> {
    const { campaign } = await this.find(principal, caseId, campaignId);
    return this.progressOf(campaign, now);
  }

  async pause(
    principal: Principal,
    caseId: string,
    campaignId: string,
    now: Date,
  ): Promise<CampaignProgress> {
    await this.transition(
      principal,
      caseId,
      campaignId,
      now,
      'running',
      'paused',
      async (manager, campaign) => {
        const tally = await this.tally(manager, campaign.campaignId);
        return [
          {
            type: 'NoticeCampaignPaused',
            data: {
              campaignId,
              contractId: campaign.contractId,
              sent: tally.sent,
              pausedAt: now.toISOString(),
            },
          },
        ];
      },
    );
    return this.progress(principal, caseId, campaignId, now);
  }

  async resume(
    principal: Principal,
    caseId: string,
    campaignId: string,
    now: Date,
  ): Promise<CampaignProgress> {
    await this.transition(
      principal,
      caseId,
      campaignId,
      now,
      'paused',
      'running',
      async (_manager, campaign) => [
        {
          type: 'NoticeCampaignResumed',
          data: { campaignId, contractId: campaign.contractId, resumedAt: now.toISOString() },
        },
      ],
    );
    this.wake();
    return this.progress(principal, caseId, campaignId, now);
  }

  async cancel(
    principal: Principal,
    caseId: string,
    campaignId: string,
    now: Date,
  ): Promise<CampaignProgress> {
    await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const { campaign } = await this.find(principal, caseId, campaignId, manager, true);
      if (campaign.status !== 'running' && campaign.status !== 'paused') {
        throw new ApiError('illegal_state', `The campaign is ${campaign.status}.`, {
          code: 'campaign_finished',
        });
      }
      await this.cancelIn(manager, campaign, 'CANCELLATION_CAUSE_USER', now, actorOf(principal));
    });
    return this.progress(principal, caseId, campaignId, now);
  }

  /** Cancels a running or paused campaign in the caller's transaction (a user, or an erasure). */
  async cancelIn(
    manager: EntityManager,
    campaign: CampaignRow,
    cause: 'CANCELLATION_CAUSE_USER' | 'CANCELLATION_CAUSE_ERASURE',
    now: Date,
    actor?: Actor,
  ): Promise<void> {
    const cancelled = returnedRows(
      await manager.query(
        `UPDATE "${this.schema}".deliveries SET status = 'cancelled', updated_at = $2
        WHERE campaign_id = $1 AND channel = 'email' AND status IN ('queued', 'deferred') RETURNING 1`,
        [campaign.campaignId, now],
      ),
    );
    await manager.query(
      `UPDATE "${this.schema}".campaigns SET status = 'cancelled', finished_at = $2 WHERE campaign_id = $1`,
      [campaign.campaignId, now],
    );
    const tally = await this.tally(manager, campaign.campaignId);
    await this.events.append(
      manager,
      campaign.caseId,
      [
        {
          type: 'NoticeCampaignCancelled',
          data: {
            campaignId: campaign.campaignId,
            contractId: campaign.contractId,
            counts: countsOf(campaign, tally),
            notSent: cancelled.length,
            cause,
            cancelledAt: now.toISOString(),
          },
        },
      ],
      { now, actor },
    );
  }

  private async transition(
    principal: Principal,
    caseId: string,
    campaignId: string,
    now: Date,
    from: CampaignStatus,
    to: CampaignStatus,
    events: (manager: EntityManager, campaign: CampaignRow) => Promise<SubjectEvent[]>,
  ): Promise<void> {
    await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const { campaign } = await this.find(principal, caseId, campaignId, manager, true);
      if (campaign.status !== from) {
        throw new ApiError('illegal_state', `The campaign is ${campaign.status}, not ${from}.`, {
          code: `campaign_not_${from}`,
        });
      }
      await manager.query(`UPDATE "${this.schema}".campaigns SET status = $2 WHERE campaign_id = $1`, [
        campaignId,
        to,
      ]);
      await this.events.append(manager, caseId, await events(manager, campaign), {
        now,
        actor: actorOf(principal),
      });
    });
  }

  async tally(manager: EntityManager | DataSource, campaignId: string): Promise<CampaignTally> {
    const rows: Array<{ channel: string; status: string; n: number }> = await manager.query(
      `SELECT channel, status, count(*)::int AS n FROM "${this.schema}".deliveries WHERE campaign_id = $1
        GROUP BY channel, status`,
      [campaignId],
    );
    const [{ reached }]: Array<{ reached: number }> = await manager.query(
      `SELECT count(DISTINCT person_id)::int AS reached FROM "${this.schema}".deliveries
        WHERE campaign_id = $1 AND status = 'sent'`,
      [campaignId],
    );
    const of = (channel: string, status: string) =>
      rows.find((row) => row.channel === channel && row.status === status)?.n ?? 0;
    return {
      queued: of('email', 'queued'),
      sending: of('email', 'sending'),
      deferred: of('email', 'deferred'),
      sent: of('email', 'sent'),
      failed: of('email', 'failed'),
      bounced: of('email', 'bounced'),
      cancelled: of('email', 'cancelled'),
      byLetter: of('letter', 'sent'),
      byPhone: of('phone', 'sent'),
      byPublicNotice: of('public_notice', 'sent'),
      personsReached: reached,
    };
  }

  private async progressOf(campaign: CampaignRow, now: Date): Promise<CampaignProgress> {
    const tally = await this.tally(this.dataSource, campaign.campaignId);
    const [{ recent }]: Array<{ recent: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS recent FROM "${this.schema}".deliveries
        WHERE campaign_id = $1 AND channel = 'email' AND status = 'sent' AND updated_at > $2`,
      [campaign.campaignId, new Date(now.getTime() - 60_000)],
    );
    const waiting = tally.queued + tally.sending + tally.deferred;
    const ratePerSecond = recent / 60;
    return {
      campaignId: campaign.campaignId,
      caseId: campaign.caseId,
      instructionId: campaign.instructionId,
      templateId: campaign.templateId,
      templateRevision: campaign.templateRevision,
      status: campaign.status,
      personsTotal: campaign.personsTotal,
      emailTotal: campaign.emailTotal,
      tally,
      ratePerSecond: Math.round(ratePerSecond * 100) / 100,
      estimatedFinishAt:
        waiting > 0 && ratePerSecond > 0 && campaign.status === 'running'
          ? new Date(now.getTime() + (waiting / ratePerSecond) * 1000).toISOString()
          : null,
      startedAt: new Date(campaign.startedAt).toISOString(),
      finishedAt: campaign.finishedAt ? new Date(campaign.finishedAt).toISOString() : null,
    };
  }

  /**
   * Records what a campaign's counts have reached: a milestone event per 25/50/75 % of the e-mails settled
   * (sent, failed or bounced), and completion once no e-mail waits and every person is reached by some
   * channel (e-mail, letter, phone, public notice). Safe to call any time; one transaction, campaign locked.
   */
  async settle(campaignId: string, now: Date): Promise<void> {
    await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const rows: CampaignRow[] = await manager.query(
        `SELECT ${CAMPAIGN_COLUMNS} FROM "${this.schema}".campaigns WHERE campaign_id = $1 FOR UPDATE`,
        [campaignId],
      );
      const campaign = rows[0];
      if (!campaign || campaign.status === 'completed' || campaign.status === 'cancelled') return;
      const tally = await this.tally(manager, campaignId);
      const settled = tally.sent + tally.failed + tally.bounced;
      const percent = campaign.emailTotal === 0 ? 100 : (settled * 100) / campaign.emailTotal;
      const events: SubjectEvent[] = [];
      let milestones = campaign.milestones;
      for (const milestone of MILESTONES) {
        if (campaign.emailTotal > 0 && milestone > milestones && percent >= milestone) {
          milestones = milestone;
          events.push({
            type: 'NoticeCampaignProgressed',
            data: {
              campaignId,
              contractId: campaign.contractId,
              percent: milestone,
              sent: tally.sent,
              failed: tally.failed,
              bounced: tally.bounced,
              emailTotal: campaign.emailTotal,
              reachedAt: now.toISOString(),
            },
          });
        }
      }
      const waiting = tally.queued + tally.sending + tally.deferred;
      const complete = waiting === 0 && tally.personsReached >= campaign.personsTotal;
      if (complete) {
        events.push({
          type: 'NoticeCampaignCompleted',
          data: {
            campaignId,
            contractId: campaign.contractId,
            counts: countsOf(campaign, tally),
            completedAt: now.toISOString(),
          },
        });
      }
      if (events.length === 0) return;
      await manager.query(
        `UPDATE "${this.schema}".campaigns SET milestones = $2, status = $3, finished_at = $4 WHERE campaign_id = $1`,
        [campaignId, milestones, complete ? 'completed' : campaign.status, complete ? now : null],
      );
      await this.events.append(manager, campaign.caseId, events, { now });
    });
  }

  /** Whether a campaign is running (the sender asks before each notice; cached for 200 ms). */
  async isRunning(campaignId: string): Promise<boolean> {
    const cached = this.statusCache.get(campaignId);
    if (cached && cached.at > Date.now() - 200) return cached.running;
    const rows: Array<{ status: string }> = await this.dataSource.query(
      `SELECT status FROM "${this.schema}".campaigns WHERE campaign_id = $1`,
      [campaignId],
    );
    const running = rows[0]?.status === 'running';
    this.statusCache.set(campaignId, { at: Date.now(), running });
    if (this.statusCache.size > 1_000) this.statusCache.clear();
    return running;
  }

  /** The running or paused campaigns of a case (locked), for an erasure. */
  async activeOf(manager: EntityManager, caseId: string): Promise<CampaignRow[]> {
    return manager.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM "${this.schema}".campaigns
        WHERE case_id = $1 AND status IN ('running', 'paused') FOR UPDATE`,
      [caseId],
    );
  }
}

/** The event form of a campaign's counts. */
export function countsOf(
  campaign: Pick<CampaignRow, 'personsTotal'>,
  tally: CampaignTally,
): CampaignCountsJson {
  return {
    personsTotal: campaign.personsTotal,
    sent: tally.sent,
    failed: tally.failed,
    bounced: tally.bounced,
    byLetter: tally.byLetter,
    byPhone: tally.byPhone,
    byPublicNotice: tally.byPublicNotice,
  };
}
