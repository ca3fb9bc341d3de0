import { randomUUID } from 'node:crypto';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Logger } from '@nestjs/common';
import { createTwoFilesPatch, diffWords } from 'diff';
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#libs/auth';
import { assertCaseVisible, CaseNotFoundError } from '#libs/auth';
import {
  type EventJson,
  type EventTypeName,
  noticeTemplateHash,
  SEALED_TEXT_PURPOSES,
} from '#libs/contracts';
import {
  type Actor,
  ConflictError,
  DomainError,
  type EventStore,
  IllegalStateError,
  NotFoundError,
} from '#libs/event-store';
import { ApiError } from '#libs/platform';
import { type CaseKeyring, type Sealed, sealedFromJson, sealedToJson } from '#libs/sealing';

/** A sealed text as stored in a jsonb column. */
type SealedJson = Parameters<typeof sealedFromJson>[0];

import type { AffectedPersonNames } from '../cases/affected-names.js';
import type { CaseFactsStore, CaseRecord } from '../cases/case-facts.js';
import type { IntakeCaseTexts } from '../cases/case-texts.js';
import { appendEvent } from '../events.js';
import { noticeTemplateOf } from './notice-template.js';
import { openFacts, prefill } from './prefill.js';
import { type Finding, scanContent } from './safety-check.js';
import {
  changedSections,
  contentHash,
  type DocumentContent,
  type DocumentKind,
  LANGUAGES,
  sanitizeContent,
  sectionsOf,
} from './sections.js';

/** The purposes the publisher seals its own texts for (with its own per-case key, in its own schema). */
export const PUBLISHER_PURPOSES = {
  body: 'Statement.body',
  comment: 'Statement.comment',
  findingReason: 'Statement.findingReason',
  regulatorReport: 'RegulatorReport.body',
} as const;

export type StatementStatus = 'draft' | 'in_consultation' | 'changes_requested' | 'approved' | 'published';

export interface StatementRow {
  readonly statementId: string;
  readonly caseId: string;
  readonly contractId: string;
  readonly kind: DocumentKind;
  readonly number: number;
  readonly status: StatementStatus;
  readonly currentRevision: number;
  readonly consultationRevision: number | null;
  readonly createdAt: string;
}

export interface RevisionView {
  readonly revision: number;
  readonly contentHash: string;
  readonly authorId: string;
  readonly createdAt: string;
  readonly content: DocumentContent;
}

export interface FindingView extends Finding {
  readonly accepted: boolean;
  readonly acceptedBy?: string;
  readonly acceptedAt?: string;
}

export interface StatementView extends StatementRow {
  readonly current: RevisionView;
  readonly approvedRevisions: ReadonlyArray<{
    revision: number;
    contentHash: string;
    approvedBy: string;
    approvedAt: string;
  }>;
  readonly findings: readonly FindingView[];
  readonly slug?: string;
}

export interface CommentInput {
  readonly section: string;
  readonly comment: string;
}

/** The published form of a statement: public, in clear, never changed. */
export interface PublishedStatement {
  readonly slug: string;
  readonly statementId: string;
  readonly caseId: string;
  readonly kind: DocumentKind;
  readonly number: number;
  readonly revision: number;
  readonly contentHash: string;
  readonly content: DocumentContent;
  readonly publishedAt: string;
}

interface Deps {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly store: EventStore;
  readonly cases: CaseFactsStore;
  readonly intakeTexts: IntakeCaseTexts;
  /** the publisher's own keyring (its schema) */
  readonly keyring: CaseKeyring;
  /** the affected persons' names of a case (subject-notifier's), for the safety check */
  readonly affectedNames?: AffectedPersonNames;
  /** called after a publication commits (the public pages drop their cached listings) */
  readonly onPublished?: () => void;
}

const STATEMENT_COLUMNS = `statement_id AS "statementId", case_id AS "caseId", contract_id AS "contractId", kind,
  number, status, current_revision AS "currentRevision", consultation_revision AS "consultationRevision",
  created_at AS "createdAt"`;

const KIND_ENUM = {
  statement: 'DOCUMENT_KIND_STATEMENT',
  subject_notice: 'DOCUMENT_KIND_SUBJECT_NOTICE',
} as const;

/** The statements of cases: drafting, revisions, consultation, safety check, publication. */
export class Statements {
  readonly #logger = new Logger('Statements');

  constructor(private readonly deps: Deps) {}

  private get schema() {
    return this.deps.schema;
  }

  /** The case as the principal may see it, or 404 (unknown, or another tenant's). */
  async visibleCase(caseId: string, principal: Principal): Promise<CaseRecord> {
    const record = await this.deps.cases.find(caseId);
    assertCaseVisible(principal, record?.contractId, caseId);
    if (!record) throw new CaseNotFoundError(caseId);
    return record;
  }

  /** Appends one event of a statement to its stream, in the caller's transaction. */
  private emit<K extends EventTypeName>(
    manager: EntityManager,
    statement: Pick<StatementRow, 'statementId' | 'caseId'>,
    actor: Actor,
    now: Date,
    type: K,
    data: EventJson<K>,
  ): Promise<void> {
    const stream = { streamId: `statement-${statement.statementId}`, caseId: statement.caseId };
    return appendEvent(this.deps.store, manager, stream, actor, now, type, data);
  }

  private async seal(caseId: string, text: string, purpose: string, manager: EntityManager) {
    return sealedToJson(await this.deps.keyring.seal(caseId, text, purpose, manager));
  }

  private open(sealed: SealedJson, purpose: string, manager?: EntityManager): Promise<string> {
    return this.deps.keyring.unseal(sealedFromJson(sealed), purpose, manager);
  }

  /** A change of one statement: tenancy, then the work on the locked row in one transaction, then the view. */
  private async change(
    caseId: string,
    statementId: string,
    principal: Principal,
    work: (row: StatementRow, manager: EntityManager) => Promise<void>,
  ): Promise<StatementView> {
    await this.visibleCase(caseId, principal);
    await this.deps.dataSource.transaction(async (manager) =>
      work(await this.row(caseId, statementId, manager, true), manager),
    );
    return this.view(caseId, statementId, principal);
  }

  /** Tenancy and existence of a statement, for the reads. */
  private async readable(caseId: string, statementId: string, principal: Principal): Promise<StatementRow> {
    await this.visibleCase(caseId, principal);
    return this.row(caseId, statementId);
  }

  async create(
    caseId: string,
    kind: DocumentKind,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    const record = await this.visibleCase(caseId, principal);
    const facts = await openFacts(this.deps.intakeTexts, record);
    const statementId = randomUUID();
    await this.deps.dataSource.transaction(async (manager) => {
      // one number per case and kind, in order: serialise the drafts of one case
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`publisher:number:${caseId}`]);
      const [{ next }] = await manager.query(
        `SELECT coalesce(max(number), 0) + 1 AS next FROM "${this.schema}".statements WHERE case_id = $1 AND kind = $2`,
        [caseId, kind],
      );
      const number = Number(next);
      const content = sanitizeContent(kind, prefill(kind, number, facts));
      const hash = contentHash(kind, content);
      await manager.query(
        `INSERT INTO "${this.schema}".statements
           (statement_id, case_id, contract_id, kind, number, status, current_revision, created_at)
         VALUES ($1, $2, $3, $4, $5, 'draft', 1, $6)`,
        [statementId, caseId, record.contractId, kind, number, now.toISOString()],
      );
      await this.insertRevision(manager, { statementId, caseId }, 1, content, hash, actor, now);
      await this.emit(manager, { statementId, caseId }, actor, now, 'StatementDrafted', {
        statementId,
        contractId: record.contractId,
        number,
        revision: 1,
        contentHash: hash,
        sourceEventCount: facts.sourceEventCount,
        kind: KIND_ENUM[kind],
      });
    });
    return this.view(caseId, statementId, principal);
  }

  private async insertRevision(
    manager: EntityManager,
    statement: Pick<StatementRow, 'statementId' | 'caseId'>,
    revision: number,
    content: DocumentContent,
    hash: string,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    const sealed = await this.seal(
      statement.caseId,
      JSON.stringify(content),
      PUBLISHER_PURPOSES.body,
      manager,
    );
    await manager.query(
      `INSERT INTO "${this.schema}".statement_revisions (statement_id, revision, body, content_hash, author_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [statement.statementId, revision, sealed, hash, actor.id, now.toISOString()],
    );
  }

  async list(caseId: string, principal: Principal): Promise<StatementRow[]> {
    await this.visibleCase(caseId, principal);
    return this.deps.dataSource.query(
      `SELECT ${STATEMENT_COLUMNS} FROM "${this.schema}".statements WHERE case_id = $1 ORDER BY kind, number`,
      [caseId],
    );
  }

  private async row(
    caseId: string,
    statementId: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<StatementRow> {
    const rows: StatementRow[] = await (manager ?? this.deps.dataSource).query(
      `SELECT ${STATEMENT_COLUMNS} FROM "${this.schema}".statements WHERE statement_id = $1 AND case_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [statementId, caseId],
    );
    if (!rows[0]) {
      throw new NotFoundError(`Statement ${statementId} was not found.`, { code: 'statement_not_found' });
    }
    return rows[0];
  }

  async revision(caseId: string, statementId: string, revision: number, principal: Principal) {
    await this.readable(caseId, statementId, principal);
    return this.readRevision(statementId, revision);
  }

  private async readRevision(
    statementId: string,
    revision: number,
    manager?: EntityManager,
  ): Promise<RevisionView> {
    const rows: Array<{ body: SealedJson; content_hash: string; author_id: string; created_at: Date }> =
      await (manager ?? this.deps.dataSource).query(
        `SELECT body, content_hash, author_id, created_at FROM "${this.schema}".statement_revisions
          WHERE statement_id = $1 AND revision = $2`,
        [statementId, revision],
      );
    const row = rows[0];
    if (!row) throw new NotFoundError(`Revision ${revision} was not found.`, { code: 'revision_not_found' });
    const content = JSON.parse(
      await this.open(row.body, PUBLISHER_PURPOSES.body, manager),
    ) as DocumentContent;
    return {
      revision,
      contentHash: row.content_hash,
      authorId: row.author_id,
      createdAt: new Date(row.created_at).toISOString(),
      content,
    };
  }

  async view(caseId: string, statementId: string, principal: Principal): Promise<StatementView> {
    const row = await this.readable(caseId, statementId, principal);
    const current = await this.readRevision(statementId, row.currentRevision);
    const approvals: Array<{ revision: number; contentHash: string; approvedBy: string; approvedAt: Date }> =
      await this.deps.dataSource.query(
        `SELECT revision, content_hash AS "contentHash", approved_by AS "approvedBy", approved_at AS "approvedAt"
           FROM "${this.schema}".statement_approvals WHERE statement_id = $1 ORDER BY revision`,
        [statementId],
      );
    const slugRows: Array<{ slug: string }> = await this.deps.dataSource.query(
      `SELECT slug FROM "${this.schema}".published_statements WHERE statement_id = $1`,
      [statementId],
    );
    return {
      ...row,
      current,
      approvedRevisions: approvals.map((a) => ({ ...a, approvedAt: new Date(a.approvedAt).toISOString() })),
      findings: await this.findings(statementId, row.caseId, row.kind, current.content),
      ...(slugRows[0] ? { slug: slugRows[0].slug } : {}),
      ...(await this.scheduleOf(statementId)),
    };
  }

  private async findings(
    statementId: string,
    caseId: string,
    kind: DocumentKind,
    content: DocumentContent,
    manager?: EntityManager,
  ): Promise<FindingView[]> {
    const names = (await this.deps.affectedNames?.of(caseId, manager)) ?? [];
    const accepted: Array<{ finding_id: string; accepted_by: string; accepted_at: Date }> = await (
      manager ?? this.deps.dataSource
    ).query(
      `SELECT finding_id, accepted_by, accepted_at FROM "${this.schema}".finding_acceptances WHERE statement_id = $1`,
      [statementId],
    );
    const byId = new Map(accepted.map((a) => [a.finding_id, a]));
    return scanContent(kind, content, names).map((finding) => {
      const acceptance = byId.get(finding.findingId);
      return acceptance
        ? {
            ...finding,
            accepted: true,
            acceptedBy: acceptance.accepted_by,
            acceptedAt: new Date(acceptance.accepted_at).toISOString(),
          }
        : { ...finding, accepted: false };
    });
  }

  /** A new revision from edited sections (every section of both languages; missing ones are empty). */
  revise(
    caseId: string,
    statementId: string,
    baseRevision: number,
    edited: DocumentContent,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    return this.change(caseId, statementId, principal, async (row, manager) => {
      if (row.status === 'published') {
        throw new IllegalStateError(
          'A published statement is never edited: draft a new statement to correct it.',
          { code: 'statement_published' },
        );
      }
      if (baseRevision !== row.currentRevision) {
        throw new ConflictError(
          `baseRevision ${baseRevision} is not the current revision (${row.currentRevision}).`,
          { code: 'stale_revision' },
        );
      }
      const before = await this.readRevision(statementId, row.currentRevision, manager);
      const content = sanitizeContent(row.kind, edited);
      const changed = changedSections(row.kind, before.content, content);
      if (changed.length === 0) return;
      const revision = row.currentRevision + 1;
      const hash = contentHash(row.kind, content);
      await this.insertRevision(manager, row, revision, content, hash, actor, now);
      await manager.query(
        `UPDATE "${this.schema}".statements SET current_revision = $2, status = 'draft', consultation_revision = NULL
          WHERE statement_id = $1`,
        [statementId, revision],
      );
      await this.emit(manager, row, actor, now, 'StatementRevised', {
        statementId,
        revision,
        contentHash: hash,
        changedSections: changed,
      });
    });
  }

  /** Per changed section: a unified patch of the HTML and the word changes of its text. */
  async diff(caseId: string, statementId: string, from: number, to: number, principal: Principal) {
    const row = await this.readable(caseId, statementId, principal);
    const [a, b] = await Promise.all([
      this.readRevision(statementId, from),
      this.readRevision(statementId, to),
    ]);
    const blocks = (html: string) =>
      html.replace(/(<\/(?:p|li|h3|h4|tr|blockquote|ul|ol)>|<br\s*\/?>)/g, '$1\n');
    const sections = changedSections(row.kind, a.content, b.content).map((name) => {
      const [language, section] = name.split('.') as [(typeof LANGUAGES)[number], string];
      const before = a.content[language][section] ?? '';
      const after = b.content[language][section] ?? '';
      return {
        section: name,
        patch: createTwoFilesPatch(
          `revision ${from}`,
          `revision ${to}`,
          `${blocks(before)}\n`,
          `${blocks(after)}\n`,
        ),
        changes: diffWords(before, after).map((change) => ({
          value: change.value,
          ...(change.added ? { added: true } : {}),
          ...(change.removed ? { removed: true } : {}),
        })),
      };
    });
    return { statementId, from, to, fromHash: a.contentHash, toHash: b.contentHash, sections };
  }

  /** The responder submits the current revision to the client (協議). */
  requestConsultation(
    caseId: string,
    statementId: string,
    revision: number,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    return this.change(caseId, statementId, principal, async (row, manager) => {
      this.assertNotPublished(row);
      this.assertCurrent(row, revision);
      const current = await this.readRevision(statementId, revision, manager);
      await manager.query(
        `UPDATE "${this.schema}".statements SET status = 'in_consultation', consultation_revision = $2 WHERE statement_id = $1`,
        [statementId, revision],
      );
      await this.emit(manager, row, actor, now, 'ConsultationRequested', {
        statementId,
        contractId: row.contractId,
        revision,
        contentHash: current.contentHash,
        number: row.number,
      });
    });
  }

  private assertNotPublished(row: StatementRow): void {
    if (row.status === 'published') {
      throw new IllegalStateError('The statement is already published.', { code: 'statement_published' });
    }
  }

  private assertCurrent(row: StatementRow, revision: number): void {
    if (revision !== row.currentRevision) {
      throw new ConflictError(`Revision ${revision} is not the current revision (${row.currentRevision}).`, {
        code: 'stale_revision',
      });
    }
  }

  private async assertInConsultation(
    row: StatementRow,
    revision: number,
    hash: string,
    manager: EntityManager,
  ): Promise<RevisionView> {
    this.assertNotPublished(row);
    this.assertCurrent(row, revision);
    if (row.consultationRevision !== revision) {
      throw new IllegalStateError(`Revision ${revision} was not submitted for consultation.`, {
        code: 'not_in_consultation',
      });
    }
    const current = await this.readRevision(row.statementId, revision, manager);
    if (current.contentHash !== hash) {
      throw new ConflictError('contentHash is not the hash of that revision: reload it before deciding.', {
        code: 'content_hash_mismatch',
      });
    }
    return current;
  }

  /** A client officer approves one exact revision (bound to its content hash). */
  approve(
    caseId: string,
    statementId: string,
    revision: number,
    hash: string,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    return this.change(caseId, statementId, principal, async (row, manager) => {
      const current = await this.assertInConsultation(row, revision, hash, manager);
      await manager.query(
        `INSERT INTO "${this.schema}".statement_approvals (statement_id, revision, content_hash, approved_by, approved_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [statementId, revision, hash, actor.id, now.toISOString()],
      );
      await this.setStatus(manager, statementId, 'approved');
      await this.emit(manager, row, actor, now, 'StatementApproved', {
        statementId,
        revision,
        contentHash: hash,
        approvedBy: actor.id,
      });
      if (row.kind === 'subject_notice') {
        await this.emitNoticeTemplate(manager, row, current, actor, now);
      }
    });
  }

  /**
   * The approved words of a notice for affected persons, for subject-notifier: the template texts
   * (`noticeTemplateOf`) sealed with the case key, with the hash of the clear texts.
   */
  private async emitNoticeTemplate(
    manager: EntityManager,
    row: StatementRow,
    approved: RevisionView,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    const template = noticeTemplateOf(approved.content);
    const purposes = SEALED_TEXT_PURPOSES.noticeTemplate;
    const [subjectJa, bodyJa, subjectEn, bodyEn] = await this.deps.keyring.sealMany(
      row.caseId,
      [
        { text: template.subjectJa, purpose: purposes.subjectJa },
        { text: template.bodyJa, purpose: purposes.bodyJa },
        { text: template.subjectEn, purpose: purposes.subjectEn },
        { text: template.bodyEn, purpose: purposes.bodyEn },
      ],
      manager,
    );
    await this.emit(manager, row, actor, now, 'NoticeTemplateApproved', {
      statementId: row.statementId,
      contractId: row.contractId,
      revision: approved.revision,
      contentHash: approved.contentHash,
      templateHash: noticeTemplateHash(template),
      approvedBy: actor.id,
      approvedAt: now.toISOString(),
      subjectJa: sealedToJson(subjectJa as Sealed),
      bodyJa: sealedToJson(bodyJa as Sealed),
      subjectEn: sealedToJson(subjectEn as Sealed),
      bodyEn: sealedToJson(bodyEn as Sealed),
    });
  }

  private async setStatus(
    manager: EntityManager,
    statementId: string,
    status: StatementStatus,
  ): Promise<void> {
    await manager.query(`UPDATE "${this.schema}".statements SET status = $2 WHERE statement_id = $1`, [
      statementId,
      status,
    ]);
  }

  /** A client officer asks for changes, with comments per section (kept sealed here). */
  requestChanges(
    caseId: string,
    statementId: string,
    revision: number,
    hash: string,
    comments: readonly CommentInput[],
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    return this.change(caseId, statementId, principal, async (row, manager) => {
      const allowed = new Set(LANGUAGES.flatMap((l) => sectionsOf(row.kind).map((s) => `${l}.${s}`)));
      const unknown = comments.filter((c) => !allowed.has(c.section) && c.section !== 'general');
      if (unknown.length > 0) {
        throw new ApiError('validation', `comments: unknown section ${unknown[0].section}`, {
          details: unknown.map((c) => ({
            field: 'comments.section',
            problem: `unknown section ${c.section}: use general or <ja|en>.<section>`,
          })),
        });
      }
      await this.assertInConsultation(row, revision, hash, manager);
      for (const comment of comments) {
        const sealed = await this.seal(caseId, comment.comment, PUBLISHER_PURPOSES.comment, manager);
        await manager.query(
          `INSERT INTO "${this.schema}".statement_comments (comment_id, statement_id, revision, section, comment, author_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [randomUUID(), statementId, revision, comment.section, sealed, actor.id, now.toISOString()],
        );
      }
      await this.setStatus(manager, statementId, 'changes_requested');
      await this.emit(manager, row, actor, now, 'ChangesRequested', {
        statementId,
        revision,
        contentHash: hash,
        sections: [...new Set(comments.map((c) => c.section))],
        commentCount: comments.length,
      });
    });
  }

  /** Rows of a statement's record with one sealed column opened (comments, acceptance reasons). */
  private async openedRows<T extends Record<string, unknown>>(
    sql: string,
    statementId: string,
    sealedColumn: keyof T & string,
    purpose: string,
  ): Promise<Array<T & { opened: string }>> {
    const rows: T[] = await this.deps.dataSource.query(sql, [statementId]);
    return Promise.all(
      rows.map(async (row) => ({
        ...row,
        opened: await this.open(row[sealedColumn] as SealedJson, purpose),
      })),
    );
  }

  async comments(caseId: string, statementId: string, principal: Principal) {
    await this.readable(caseId, statementId, principal);
    const rows = await this.openedRows<{
      revision: number;
      section: string;
      comment: SealedJson;
      author_id: string;
      created_at: Date;
    }>(
      `SELECT revision, section, comment, author_id, created_at FROM "${this.schema}".statement_comments
          WHERE statement_id = $1 ORDER BY seq`,
      statementId,
      'comment',
      PUBLISHER_PURPOSES.comment,
    );
    return rows.map((row) => ({
      revision: row.revision,
      section: row.section,
      comment: row.opened,
      authorId: row.author_id,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }

  /** Accepts one finding of the current revision with a reason (recorded, sealed). */
  acceptFinding(
    caseId: string,
    statementId: string,
    findingId: string,
    reason: string,
    principal: Principal,
    actor: Actor,
    now: Date,
  ): Promise<StatementView> {
    return this.change(caseId, statementId, principal, async (row, manager) => {
      this.assertNotPublished(row);
      const current = await this.readRevision(statementId, row.currentRevision, manager);
      const finding = scanContent(row.kind, current.content).find((f) => f.findingId === findingId);
      if (!finding) {
        throw new NotFoundError(`Finding ${findingId} is not in the current revision.`, {
          code: 'finding_not_found',
        });
      }
      const sealed = await this.seal(caseId, reason, PUBLISHER_PURPOSES.findingReason, manager);
      await manager.query(
        `INSERT INTO "${this.schema}".finding_acceptances
           (statement_id, finding_id, finding_kind, revision, reason, accepted_by, accepted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (statement_id, finding_id) DO NOTHING`,
        [statementId, findingId, finding.kind, row.currentRevision, sealed, actor.id, now.toISOString()],
      );
    });
  }

  /** The recorded acceptances with their reasons (for the record: who accepted what, why, when). */
  async acceptances(caseId: string, statementId: string, principal: Principal) {
    await this.readable(caseId, statementId, principal);
    const rows = await this.openedRows<{
      finding_id: string;
      finding_kind: string;
      revision: number;
      reason: SealedJson;
      accepted_by: string;
      accepted_at: Date;
    }>(
      `SELECT finding_id, finding_kind, revision, reason, accepted_by, accepted_at
           FROM "${this.schema}".finding_acceptances WHERE statement_id = $1 ORDER BY accepted_at, finding_id`,
      statementId,
      'reason',
      PUBLISHER_PURPOSES.findingReason,
    );
    return rows.map((row) => ({
      findingId: row.finding_id,
      kind: row.finding_kind,
      revision: row.revision,
      reason: row.opened,
      acceptedBy: row.accepted_by,
      acceptedAt: new Date(row.accepted_at).toISOString(),
    }));
  }

  /**
   * Publishes the current revision: refused unless a client officer approved exactly this revision (its
   * content hash) and every safety-check finding is fixed or accepted.
   */
  /**
   * Publishes the revision now, or — with `publishAt` in the future — schedules it: every check (approval of
   * exactly that revision, no open safety finding) is made now and made again when the time comes, by
   * `publishDue`. A later edit or an open finding then drops the schedule (logged) instead of publishing.
   */
  async publish(
    caseId: string,
    statementId: string,
    revision: number,
    principal: Principal,
    actor: Actor,
    now: Date,
    publishAt?: Date,
  ): Promise<StatementView> {
    const scheduled = publishAt !== undefined && publishAt.getTime() > now.getTime();
    const view = await this.change(caseId, statementId, principal, async (row, manager) => {
      const checked = await this.publishable(row, revision, manager);
      if (scheduled) {
        await manager.query(
          `INSERT INTO "${this.schema}".scheduled_publications
             (statement_id, case_id, revision, publish_at, actor, scheduled_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (statement_id) DO UPDATE SET revision = EXCLUDED.revision, publish_at = EXCLUDED.publish_at,
             actor = EXCLUDED.actor, scheduled_at = EXCLUDED.scheduled_at`,
          [statementId, caseId, revision, publishAt, JSON.stringify(actor), now],
        );
        return;
      }
      await this.publishChecked(row, checked, actor, now, manager);
    });
    if (!scheduled) this.deps.onPublished?.();
    return view;
  }

  /**
   * Publishes the scheduled statements whose time has come (one transaction each, claimed with SKIP LOCKED so
   * two instances never publish one twice). Answers how many were published.
   */
  async publishDue(now: Date): Promise<number> {
    let published = 0;
    for (;;) {
      const outcome = await this.deps.dataSource.transaction(async (manager) => {
        const [due]: Array<{ statement_id: string; case_id: string; revision: number; actor: Actor }> =
          await manager.query(
            `SELECT statement_id, case_id, revision, actor FROM "${this.schema}".scheduled_publications
              WHERE publish_at <= $1 ORDER BY publish_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [now],
          );
        if (!due) return 'none' as const;
        await manager.query(`DELETE FROM "${this.schema}".scheduled_publications WHERE statement_id = $1`, [
          due.statement_id,
        ]);
        const row = await this.row(due.case_id, due.statement_id, manager, true);
        try {
          await manager.query('SAVEPOINT scheduled_publication');
          const checked = await this.publishable(row, due.revision, manager);
          await this.publishChecked(row, checked, due.actor, now, manager);
          return 'published' as const;
        } catch (error) {
          if (!(error instanceof DomainError) && !(error instanceof ApiError)) throw error;
          await manager.query('ROLLBACK TO SAVEPOINT scheduled_publication');
          this.#logger.warn(
            `the scheduled publication of statement ${due.statement_id} revision ${due.revision} was dropped: ${error.message}`,
          );
          return 'dropped' as const;
        }
      });
      if (outcome === 'none') break;
      if (outcome === 'published') published++;
    }
    if (published > 0) this.deps.onPublished?.();
    return published;
  }

  /** The publication scheduled for the statement, if any, as the view shows it. */
  private async scheduleOf(statementId: string) {
    const [row]: Array<{ revision: number; publish_at: Date }> = await this.deps.dataSource.query(
      `SELECT revision, publish_at FROM "${this.schema}".scheduled_publications WHERE statement_id = $1`,
      [statementId],
    );
    return row
      ? { scheduledPublication: { revision: row.revision, publishAt: row.publish_at.toISOString() } }
      : {};
  }

  /** The checks before publishing a revision; answers what publishing it needs. */
  private async publishable(row: StatementRow, revision: number, manager: EntityManager) {
    const statementId = row.statementId;
    this.assertNotPublished(row);
    if (row.kind !== 'statement') {
      throw new IllegalStateError(
        'A notice template for affected persons is not published: subject-notifier sends its approved revision.',
        { code: 'not_publishable' },
      );
    }
    this.assertCurrent(row, revision);
    const current = await this.readRevision(statementId, revision, manager);
    const approvals: Array<{ content_hash: string }> = await manager.query(
      `SELECT content_hash FROM "${this.schema}".statement_approvals WHERE statement_id = $1 AND revision = $2`,
      [statementId, revision],
    );
    if (approvals[0]?.content_hash !== current.contentHash) {
      throw new IllegalStateError(
        `Revision ${revision} has no approval by the client: submit it for consultation and have it approved.`,
        { code: 'approval_required' },
      );
    }
    const findings = await this.findings(statementId, row.caseId, row.kind, current.content, manager);
    const open = findings.filter((f) => !f.accepted);
    if (open.length > 0) {
      throw new ApiError(
        'illegal_state',
        `${open.length} safety-check finding(s) must be fixed or accepted with a reason before publishing.`,
        {
          code: 'safety_findings_open',
          details: open.map((f) => ({
            field: f.section,
            problem: `${f.kind} ${f.masked} (finding ${f.findingId})`,
          })),
        },
      );
    }
    return { revision, current, findings };
  }

  private async publishChecked(
    row: StatementRow,
    { revision, current, findings }: Awaited<ReturnType<Statements['publishable']>>,
    actor: Actor,
    now: Date,
    manager: EntityManager,
  ): Promise<void> {
    const { statementId, caseId } = row;
    const slug = `${now.toISOString().slice(0, 10)}-s${row.number}-${statementId.slice(0, 8)}`;
    await manager.query(
      `INSERT INTO "${this.schema}".published_statements
         (slug, statement_id, case_id, kind, number, revision, content_hash, content, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        slug,
        statementId,
        caseId,
        row.kind,
        row.number,
        revision,
        current.contentHash,
        current.content,
        now.toISOString(),
      ],
    );
    await manager.query(`DELETE FROM "${this.schema}".scheduled_publications WHERE statement_id = $1`, [
      statementId,
    ]);
    await this.setStatus(manager, statementId, 'published');
    await this.emit(manager, row, actor, now, 'StatementPublished', {
      statementId,
      contractId: row.contractId,
      number: row.number,
      revision,
      contentHash: current.contentHash,
      slug,
      publishedAt: toTimestampJson(now),
      acceptedFindingCount: findings.length,
      kind: KIND_ENUM[row.kind],
    });
  }
}

/** A Date as protobuf JSON's Timestamp (RFC 3339, UTC). */
export function toTimestampJson(date: Date): string {
  return timestampDate(timestampFromDate(date)).toISOString();
}
