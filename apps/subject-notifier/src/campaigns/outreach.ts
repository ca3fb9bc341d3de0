import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { actorOf, type Principal } from '#libs/auth';
import { transactionRetryingConflicts } from '#libs/event-store';
import { escapeHtml } from '#libs/mail';
import { ApiError, returnedRows } from '#libs/platform';
import type { SubjectEvents } from '../events.js';
import { PERSON_COLUMNS, type PersonRow, type PersonVault, personRef } from '../persons/person-vault.js';
import type { NoticeTemplates } from '../templates/notice-templates.js';
import type { Campaigns } from './campaigns.js';
import { renderNotice } from './notice-renderer.js';

export const CALL_RESULTS = ['reached', 'no_answer', 'wrong_number', 'refused'] as const;
export type CallResult = (typeof CALL_RESULTS)[number];

/** A CSV field, quoted when it must be (RFC 4180); a leading `=+-@` is neutralised against formula injection. */
export function csvField(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (fields: ReadonlyArray<string | number | null | undefined>) =>
  `${fields.map(csvField).join(',')}\r\n`;

/** Persons not reached by e-mail: the e-mail was never possible, failed or bounced. */
const NOT_REACHED_BY_EMAIL = (schema: string) => `
  NOT EXISTS (SELECT 1 FROM "${schema}".deliveries e WHERE e.campaign_id = $1 AND e.person_id = p.person_id
               AND e.channel = 'email' AND e.status IN ('queued', 'sending', 'deferred', 'sent'))
  AND NOT EXISTS (SELECT 1 FROM "${schema}".deliveries r WHERE r.campaign_id = $1 AND r.person_id = p.person_id
               AND r.channel <> 'email' AND r.status = 'sent')`;

/**
 * The persons e-mail cannot reach: the mail-merge export for postal letters (and recording them as
 * posted), the call list (and each call's date, time and result), and the public notice (代替措置) that
 * covers whoever is left.
 */
export class Outreach {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly campaigns: Campaigns,
    private readonly vault: PersonVault,
    private readonly events: SubjectEvents,
    private readonly templates: NoticeTemplates,
  ) {}

  /** Mail-merge CSV (UTF-8 with BOM, for spreadsheets) of persons with a postal address not yet reached. */
  async *letters(principal: Principal, caseId: string, campaignId: string): AsyncGenerator<string> {
    await this.campaigns.find(principal, caseId, campaignId, undefined, false, true);
    yield `\ufeff${csvLine(['reference', 'language', 'name', 'postal_address', 'leaked_items'])}`;
    for await (const row of this.pages(
      `SELECT ${PERSON_COLUMNS} FROM "${this.schema}".persons p
        WHERE p.case_id = $2 AND p.address IS NOT NULL AND ${NOT_REACHED_BY_EMAIL(this.schema)}`,
      [campaignId, caseId],
    )) {
      const person = await this.vault.openPerson(row);
      yield csvLine([
        personRef(row.seq),
        person.language,
        person.name,
        person.address,
        person.items.join('; '),
      ]);
    }
  }

  /**
   * Printable letters (one page each, A4) for the same persons as the mail merge: the postal address block,
   * then the approved notice in the person's language with their name and their items.
   */
  async *printableLetters(principal: Principal, caseId: string, campaignId: string): AsyncGenerator<string> {
    const { campaign } = await this.campaigns.find(principal, caseId, campaignId, undefined, false, true);
    const template = await this.templates.findApproved(
      caseId,
      campaign.templateId,
      campaign.templateRevision,
    );
    if (!template) throw new ApiError('not_found', 'The campaign’s approved template is missing.');
    yield `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Letters ${escapeHtml(campaignId)}</title>
<style>body{font-family:serif;margin:0}.letter{padding:25mm 20mm;page-break-after:always;break-after:page}
.address{white-space:pre-line;margin-bottom:15mm}@page{size:A4;margin:0}</style></head><body>\n`;
    for await (const row of this.pages(
      `SELECT ${PERSON_COLUMNS} FROM "${this.schema}".persons p
        WHERE p.case_id = $2 AND p.address IS NOT NULL AND ${NOT_REACHED_BY_EMAIL(this.schema)}`,
      [campaignId, caseId],
    )) {
      const person = await this.vault.openPerson(row);
      const notice = renderNotice(template, person);
      const salutation = person.language === 'en' ? person.name : `${person.name} 様`;
      yield `<section class="letter" lang="${person.language}"><p class="address">${escapeHtml(person.address ?? '')}
${escapeHtml(salutation)}</p><p class="reference">${personRef(row.seq)}</p><h1>${escapeHtml(notice.subject)}</h1>
<div>${notice.bodyHtml}</div></section>\n`;
    }
    yield '</body></html>\n';
  }

  /** The call list: persons with a phone number not reached, with the calls made so far. */
  async callList(principal: Principal, caseId: string, campaignId: string) {
    await this.campaigns.find(principal, caseId, campaignId, undefined, false, true);
    const list = [];
    for await (const row of this.pages(
      `SELECT ${PERSON_COLUMNS} FROM "${this.schema}".persons p
        WHERE p.case_id = $2 AND p.phone IS NOT NULL AND ${NOT_REACHED_BY_EMAIL(this.schema)}`,
      [campaignId, caseId],
    )) {
      const person = await this.vault.openPerson(row);
      const calls: Array<{ calledAt: Date; result: string }> = await this.dataSource.query(
        `SELECT called_at AS "calledAt", result FROM "${this.schema}".calls WHERE campaign_id = $1 AND person_id = $2
          ORDER BY called_at`,
        [campaignId, row.personId],
      );
      list.push({
        reference: personRef(row.seq),
        name: person.name,
        phone: person.phone ?? '',
        language: person.language,
        calls: calls.map((call) => ({
          calledAt: new Date(call.calledAt).toISOString(),
          result: call.result,
        })),
      });
    }
    return list;
  }

  private async *pages(sql: string, params: unknown[]): AsyncGenerator<PersonRow> {
    for (let after = 0; ; ) {
      const rows: PersonRow[] = await this.dataSource.query(
        `${sql} AND p.seq > $3 ORDER BY p.seq LIMIT 500`,
        [...params, after],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].seq;
      yield* rows;
    }
  }

  private async personIdsOf(caseId: string, references: readonly string[]): Promise<Map<string, string>> {
    const seqs = references.map((ref) => {
      const match = /^P(\d{6,})$/.exec(ref);
      if (!match) {
        throw new ApiError('validation', 'The request is not valid.', {
          details: [{ field: 'references', problem: `"${ref}" is not a person reference (P000001)` }],
        });
      }
      return Number(match[1]);
    });
    const rows: Array<{ personId: string; seq: number }> = await this.dataSource.query(
      `SELECT person_id AS "personId", seq FROM "${this.schema}".persons WHERE case_id = $1 AND seq = ANY($2)`,
      [caseId, seqs],
    );
    const found = new Map(rows.map((row) => [personRef(row.seq), row.personId]));
    const unknown = references.filter((ref) => !found.has(ref));
    if (unknown.length > 0) {
      throw new ApiError('unprocessable', 'Some references name no person of the case.', {
        code: 'unknown_person',
        details: unknown
          .slice(0, 20)
          .map((ref) => ({ field: 'references', problem: `${ref}: no such person` })),
      });
    }
    return found;
  }

  /** Records letters as posted on `postedAt` for these persons. */
  async lettersPosted(
    principal: Principal,
    caseId: string,
    campaignId: string,
    input: { references: readonly string[]; postedAt: Date },
    now: Date,
  ): Promise<{ recorded: number }> {
    const { campaign } = await this.campaigns.find(principal, caseId, campaignId);
    if (campaign.status === 'cancelled') {
      throw new ApiError('illegal_state', 'The campaign was cancelled.', { code: 'campaign_finished' });
    }
    const ids = await this.personIdsOf(caseId, input.references);
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".deliveries (campaign_id, person_id, channel, status, next_attempt_at, updated_at)
       SELECT $1, unnest($2::uuid[]), 'letter', 'sent', $3, $3
       ON CONFLICT (campaign_id, person_id, channel) DO NOTHING`,
      [campaignId, [...ids.values()], input.postedAt],
    );
    await this.campaigns.settle(campaignId, now);
    return { recorded: ids.size };
  }

  /** Records one call; a call that reached the person notifies them by phone. */
  async recordCall(
    principal: Principal,
    caseId: string,
    campaignId: string,
    input: { reference: string; calledAt: Date; result: CallResult },
    now: Date,
  ): Promise<{ callId: string }> {
    const { campaign } = await this.campaigns.find(principal, caseId, campaignId);
    if (campaign.status === 'cancelled') {
      throw new ApiError('illegal_state', 'The campaign was cancelled.', { code: 'campaign_finished' });
    }
    const personId = (await this.personIdsOf(caseId, [input.reference])).get(input.reference) as string;
    const callId = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO "${this.schema}".calls (call_id, campaign_id, person_id, called_at, result, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [callId, campaignId, personId, input.calledAt, input.result, principal.id, now],
      );
      await manager.query(
        `INSERT INTO "${this.schema}".deliveries (campaign_id, person_id, channel, status, next_attempt_at, updated_at)
         VALUES ($1, $2, 'phone', $3, $4, $4)
         ON CONFLICT (campaign_id, person_id, channel) DO UPDATE SET status = CASE
           WHEN "${this.schema}".deliveries.status = 'sent' THEN 'sent' ELSE EXCLUDED.status END,
           updated_at = EXCLUDED.updated_at`,
        [campaignId, personId, input.result === 'reached' ? 'sent' : 'not_reached', input.calledAt],
      );
    });
    await this.campaigns.settle(campaignId, now);
    return { callId };
  }

  /**
   * The public notice (代替措置) covering every person of the campaign not reached otherwise. Allowed once the
   * e-mails are settled (none waits), once per campaign.
   */
  async postPublicNotice(
    principal: Principal,
    caseId: string,
    campaignId: string,
    input: { url: string; postedAt: Date },
    now: Date,
  ): Promise<{ personsCovered: number }> {
    const covered = await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const { campaign } = await this.campaigns.find(principal, caseId, campaignId, manager, true);
      if (campaign.status === 'cancelled' || campaign.status === 'completed') {
        throw new ApiError('illegal_state', `The campaign is ${campaign.status}.`, {
          code: 'campaign_finished',
        });
      }
      const tally = await this.campaigns.tally(manager, campaignId);
      if (tally.queued + tally.sending + tally.deferred > 0) {
        throw new ApiError('illegal_state', 'E-mails of the campaign are still being sent.', {
          code: 'emails_pending',
        });
      }
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${this.schema}".deliveries (campaign_id, person_id, channel, status, next_attempt_at, updated_at)
         SELECT $1, p.person_id, 'public_notice', 'sent', $3, $3 FROM "${this.schema}".persons p
          WHERE p.case_id = $2 AND p.created_at <= $4
            AND NOT EXISTS (SELECT 1 FROM "${this.schema}".deliveries d WHERE d.campaign_id = $1
                             AND d.person_id = p.person_id AND d.status = 'sent')
         ON CONFLICT DO NOTHING RETURNING 1`,
        [campaignId, caseId, input.postedAt, campaign.startedAt],
      );
      await manager.query(
        `INSERT INTO "${this.schema}".public_notices (campaign_id, url, persons_covered, posted_at, posted_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [campaignId, input.url, inserted.length, input.postedAt, principal.id],
      );
      await this.events.append(
        manager,
        caseId,
        [
          {
            type: 'PublicNoticePosted',
            data: {
              campaignId,
              contractId: campaign.contractId,
              url: input.url,
              personsCovered: inserted.length,
              postedAt: input.postedAt.toISOString(),
            },
          },
        ],
        { now, actor: actorOf(principal) },
      );
      return inserted.length;
    });
    await this.campaigns.settle(campaignId, now);
    return { personsCovered: covered };
  }

  /** Marks the e-mail with this Message-ID bounced (a bounce report or DSN after the SMTP server accepted it). */
  async bounce(
    principal: Principal,
    caseId: string,
    campaignId: string,
    input: { messageId: string; reason: string },
    now: Date,
  ): Promise<void> {
    await this.campaigns.find(principal, caseId, campaignId);
    const updated = returnedRows(
      await this.dataSource.query(
        `UPDATE "${this.schema}".deliveries SET status = 'bounced', reason = $3, updated_at = $4
        WHERE campaign_id = $1 AND channel = 'email' AND message_id = $2 AND status IN ('sent', 'bounced')
        RETURNING 1`,
        [campaignId, input.messageId, input.reason.slice(0, 300), now],
      ),
    );
    if (updated.length === 0) {
      throw new ApiError('not_found', 'No notice of the campaign was sent with this Message-ID.', {
        code: 'message_not_found',
      });
    }
  }

  /** The delivery report: one line per person and channel (reference, name, channel, status, time, Message-ID). */
  async *deliveryReport(principal: Principal, caseId: string, campaignId: string): AsyncGenerator<string> {
    await this.campaigns.find(principal, caseId, campaignId);
    yield `\ufeff${csvLine(['reference', 'name', 'channel', 'status', 'time', 'message_id', 'attempts', 'reason'])}`;
    for (let after: [number, string] = [0, '']; ; ) {
      const rows: Array<
        PersonRow & {
          channel: string;
          status: string;
          updatedAt: Date;
          messageId: string | null;
          attempts: number;
          reason: string | null;
        }
      > = await this.dataSource.query(
        `SELECT p.person_id AS "personId", p.seq, p.key_id AS "keyId", p.name, d.channel, d.status,
                  d.updated_at AS "updatedAt", d.message_id AS "messageId", d.attempts, d.reason
             FROM "${this.schema}".deliveries d JOIN "${this.schema}".persons p ON p.person_id = d.person_id
            WHERE d.campaign_id = $1 AND (p.seq, d.channel) > ($2, $3)
            ORDER BY p.seq, d.channel LIMIT 500`,
        [campaignId, after[0], after[1]],
      );
      if (rows.length === 0) return;
      after = [rows[rows.length - 1].seq, rows[rows.length - 1].channel];
      let chunk = '';
      for (const row of rows) {
        const name = (await this.vault.nameOrErased(row)) ?? '(erased)';
        chunk += csvLine([
          personRef(row.seq),
          name,
          row.channel,
          row.status,
          new Date(row.updatedAt).toISOString(),
          row.messageId,
          row.attempts,
          row.reason,
        ]);
      }
      yield chunk;
    }
  }
}
