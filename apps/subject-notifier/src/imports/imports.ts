import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { actorOf, type Principal } from '#libs/auth';
import { transactionRetryingConflicts } from '#libs/event-store';
import { ApiError } from '#libs/platform';
import type { CaseRegistry } from '../cases/case-registry.js';
import { type SubjectEvents } from '../events.js';
import { checkRow, mergePersons, type PersonFields } from '../persons/normalise.js';
import { PERSON_COLUMNS, type PersonRow, type PersonVault, PURPOSES } from '../persons/person-vault.js';
import { type ColumnMapping, type CsvEncoding, csvRows } from './csv-rows.js';

/** One line of the validation report: a refused row, or a row merged into another as a duplicate. */
export interface ImportProblem {
  readonly line: number;
  readonly outcome: 'rejected' | 'merged';
  readonly reasons: readonly string[];
}

export interface ImportReport {
  readonly importId: string;
  readonly caseId: string;
  readonly status: 'reported' | 'confirmed' | 'discarded';
  readonly encoding: string;
  readonly rowsRead: number;
  readonly rowsValid: number;
  readonly rowsRejected: number;
  readonly duplicatesMerged: number;
  /** at most MAX_PROBLEMS lines, in file order */
  readonly problems: readonly ImportProblem[];
  readonly problemsTruncated: boolean;
}

const BATCH = 500;
const MAX_PROBLEMS = 1_000;

/**
 * The import of affected persons in two steps: `upload` streams the file, validates every row and keeps
 * the valid ones sealed (nothing is a person yet) and answers the validation report; `confirm` turns the
 * valid rows into persons, merging duplicates (same normalised e-mail or phone, found through their keyed
 * digests) into one person with the union of the leaked items.
 */
export class Imports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly cases: CaseRegistry,
    private readonly vault: PersonVault,
    private readonly events: SubjectEvents,
    private readonly maxBytes: number,
  ) {}

  async upload(
    principal: Principal,
    caseId: string,
    source: AsyncIterable<Buffer | string>,
    options: { encoding: CsvEncoding; mapping: ColumnMapping; now: Date },
  ): Promise<ImportReport> {
    await this.cases.visibleLive(principal, caseId);
    const importId = randomUUID();
    return this.dataSource.transaction(async (manager) => {
      let encoding: string = options.encoding;
      await manager.query(
        `INSERT INTO "${this.schema}".imports
           (import_id, case_id, status, encoding, rows_read, rows_valid, rows_rejected, duplicates, problems, created_by, created_at)
         VALUES ($1, $2, 'reported', $3, 0, 0, 0, 0, '[]', $4, $5)`,
        [importId, caseId, encoding, principal.id, options.now],
      );
      const key = await this.vault.digestKey(caseId, manager);
      const seen = new Map<string, number>();
      const problems: ImportProblem[] = [];
      let problemCount = 0;
      const note = (problem: ImportProblem) => {
        problemCount += 1;
        if (problems.length < MAX_PROBLEMS) problems.push(problem);
      };
      let rowsRead = 0;
      let rowsValid = 0;
      let duplicates = 0;
      let batch: Array<{ line: number; person: PersonFields; email: Buffer | null; phone: Buffer | null }> =
        [];
      const flush = async () => {
        if (batch.length === 0) return;
        await this.stage(manager, caseId, importId, batch, note, () => duplicates++);
        batch = [];
      };
      for await (const { line, row } of csvRows(source, {
        encoding: options.encoding,
        mapping: options.mapping,
        maxBytes: this.maxBytes,
        onEncoding: (chosen) => {
          encoding = chosen;
        },
      })) {
        rowsRead += 1;
        const checked = checkRow(row);
        if (!checked.ok) {
          note({ line, outcome: 'rejected', reasons: checked.reasons });
          continue;
        }
        rowsValid += 1;
        const email = this.vault.digest(key, checked.person.email);
        const phone = this.vault.digest(key, checked.person.phone);
        const earlier = [
          ['e-mail', email],
          ['phone', phone],
        ].flatMap(([what, digest]) => {
          const at = digest ? seen.get((digest as Buffer).toString('base64')) : undefined;
          return at === undefined ? [] : [`duplicate of line ${at} (same ${what}): merged`];
        });
        if (earlier.length > 0) {
          duplicates += 1;
          note({ line, outcome: 'merged', reasons: [earlier[0]] });
        }
        for (const digest of [email, phone]) {
          if (digest && !seen.has(digest.toString('base64'))) seen.set(digest.toString('base64'), line);
        }
        batch.push({ line, person: checked.person, email, phone });
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      const report: ImportReport = {
        importId,
        caseId,
        status: 'reported',
        encoding,
        rowsRead,
        rowsValid,
        rowsRejected: rowsRead - rowsValid,
        duplicatesMerged: duplicates,
        problems: problems.sort((a, b) => a.line - b.line),
        problemsTruncated: problemCount > problems.length,
      };
      await manager.query(
        `UPDATE "${this.schema}".imports SET encoding = $2, rows_read = $3, rows_valid = $4, rows_rejected = $5,
                duplicates = $6, problems = $7 WHERE import_id = $1`,
        [
          importId,
          encoding,
          rowsRead,
          rowsValid,
          report.rowsRejected,
          duplicates,
          JSON.stringify({ list: report.problems, truncated: report.problemsTruncated }),
        ],
      );
      return report;
    });
  }

  /** Seals a batch of valid rows into `import_rows`; notes rows that will merge into an existing person. */
  private async stage(
    manager: EntityManager,
    caseId: string,
    importId: string,
    batch: ReadonlyArray<{ line: number; person: PersonFields; email: Buffer | null; phone: Buffer | null }>,
    note: (problem: ImportProblem) => void,
    countDuplicate: () => void,
  ): Promise<void> {
    const sealed = await this.vault.keyring.sealMany(
      caseId,
      batch.map((row) => ({ text: JSON.stringify(row.person), purpose: PURPOSES.importRow })),
      manager,
    );
    const digests = batch.flatMap((row) => [row.email, row.phone]).filter((d): d is Buffer => d !== null);
    const existing: Array<{ digest: Buffer }> =
      digests.length === 0
        ? []
        : await manager.query(
            `SELECT email_digest AS digest FROM "${this.schema}".persons WHERE case_id = $1 AND email_digest = ANY($2)
             UNION SELECT phone_digest FROM "${this.schema}".persons WHERE case_id = $1 AND phone_digest = ANY($2)`,
            [caseId, digests],
          );
    const known = new Set(existing.map((row) => row.digest.toString('base64')));
    const values: unknown[] = [];
    const tuples = batch.map((row, index) => {
      if ([row.email, row.phone].some((d) => d && known.has(d.toString('base64')))) {
        countDuplicate();
        note({
          line: row.line,
          outcome: 'merged',
          reasons: ['same e-mail or phone as a person already imported: merged'],
        });
      }
      values.push(
        importId,
        row.line,
        Buffer.from(sealed[index].ciphertext),
        sealed[index].keyId,
        row.email,
        row.phone,
      );
      const base = index * 6;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`;
    });
    await manager.query(
      `INSERT INTO "${this.schema}".import_rows (import_id, line, person, key_id, email_digest, phone_digest)
       VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  async report(principal: Principal, caseId: string, importId: string): Promise<ImportReport> {
    await this.cases.visible(principal, caseId);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT import_id, case_id, status, encoding, rows_read, rows_valid, rows_rejected, duplicates, problems
         FROM "${this.schema}".imports WHERE import_id = $1 AND case_id = $2`,
      [importId, caseId],
    );
    const row = rows[0];
    if (!row)
      throw new ApiError('not_found', `Import ${importId} was not found.`, { code: 'import_not_found' });
    const problems = row.problems as { list?: ImportProblem[]; truncated?: boolean };
    return {
      importId,
      caseId,
      status: row.status as ImportReport['status'],
      encoding: row.encoding as string,
      rowsRead: row.rows_read as number,
      rowsValid: row.rows_valid as number,
      rowsRejected: row.rows_rejected as number,
      duplicatesMerged: row.duplicates as number,
      problems: problems.list ?? [],
      problemsTruncated: problems.truncated ?? false,
    };
  }

  /** Turns the valid rows of a reported import into persons (once); SubjectsImported records the counts. */
  async confirm(
    principal: Principal,
    caseId: string,
    importId: string,
    now: Date,
  ): Promise<{ personsCreated: number; personsMerged: number; personsTotal: number }> {
    return transactionRetryingConflicts(this.dataSource, async (manager) => {
      const record = await this.cases.visibleLive(principal, caseId, manager, true);
      const [imported]: Array<{
        status: string;
        rows_read: number;
        rows_valid: number;
        rows_rejected: number;
        duplicates: number;
      }> = await manager.query(
        `SELECT status, rows_read, rows_valid, rows_rejected, duplicates FROM "${this.schema}".imports
            WHERE import_id = $1 AND case_id = $2 FOR UPDATE`,
        [importId, caseId],
      );
      if (!imported)
        throw new ApiError('not_found', `Import ${importId} was not found.`, { code: 'import_not_found' });
      if (imported.status !== 'reported') {
        throw new ApiError('illegal_state', `Import ${importId} is already ${imported.status}.`, {
          code: 'import_not_pending',
        });
      }
      const [{ next }]: Array<{ next: number }> = await manager.query(
        `SELECT coalesce(max(seq), 0) + 1 AS next FROM "${this.schema}".persons WHERE case_id = $1`,
        [caseId],
      );
      const counts = { created: 0, merged: 0, seq: next };
      for (let after = 0; ; ) {
        const rows: StagedRow[] = await manager.query(
          `SELECT line, person, key_id AS "keyId", email_digest AS email, phone_digest AS phone
             FROM "${this.schema}".import_rows WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
          [importId, after, BATCH],
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1].line;
        await this.confirmBatch(manager, caseId, rows, counts, now);
      }
      const created = counts.created;
      const merged = counts.merged;
      await manager.query(`DELETE FROM "${this.schema}".import_rows WHERE import_id = $1`, [importId]);
      await manager.query(
        `UPDATE "${this.schema}".imports SET status = 'confirmed', confirmed_at = $2 WHERE import_id = $1`,
        [importId, now],
      );
      const [totals]: Array<{ total: number; withEmail: number }> = await manager.query(
        `SELECT count(*)::int AS total, count(email)::int AS "withEmail" FROM "${this.schema}".persons WHERE case_id = $1`,
        [caseId],
      );
      await this.events.append(
        manager,
        caseId,
        [
          {
            type: 'SubjectsImported',
            data: {
              importId,
              contractId: record.contractId,
              rowsRead: imported.rows_read,
              rowsAccepted: imported.rows_valid,
              rowsRejected: imported.rows_rejected,
              duplicatesMerged: imported.duplicates,
              personsTotal: totals.total,
              personsWithEmail: totals.withEmail,
              importedAt: now.toISOString(),
            },
          },
        ],
        { now, actor: actorOf(principal) },
      );
      return { personsCreated: created, personsMerged: merged, personsTotal: totals.total };
    });
  }

  /**
   * One batch of staged rows (in line order) into persons: duplicates found by digest among the persons
   * already stored (one query) and among the batch itself (in memory) are merged; the batch's new and
   * merged persons are sealed with one key look-up and written with one INSERT (updates for the merged).
   */
  private async confirmBatch(
    manager: EntityManager,
    caseId: string,
    rows: readonly StagedRow[],
    counts: { created: number; merged: number; seq: number },
    now: Date,
  ): Promise<void> {
    const key64 = (digest: Buffer | null) => (digest ? digest.toString('base64') : undefined);
    const emails = rows.flatMap((row) => (row.email ? [row.email] : []));
    const phones = rows.flatMap((row) => (row.phone ? [row.phone] : []));
    const stored: Array<PersonRow & { emailDigest: Buffer | null; phoneDigest: Buffer | null }> =
      await manager.query(
        `SELECT ${PERSON_COLUMNS}, email_digest AS "emailDigest", phone_digest AS "phoneDigest"
         FROM "${this.schema}".persons
        WHERE case_id = $1 AND (email_digest = ANY($2) OR phone_digest = ANY($3)) ORDER BY seq`,
        [caseId, emails, phones],
      );
    const pending: Pending[] = [];
    const byDigest = new Map<string, Pending>();
    const remember = (entry: Pending) => {
      for (const digest of [entry.email, entry.phone]) {
        const k = key64(digest);
        if (k && !byDigest.has(k)) byDigest.set(k, entry);
      }
    };
    for (const row of stored) {
      const entry: Pending = {
        personId: row.personId,
        existing: true,
        changed: false,
        fields: await this.vault.openPerson(row),
        email: row.emailDigest,
        phone: row.phoneDigest,
      };
      // e-mail matches first: remember every stored person's e-mail digest before phone digests
      const k = key64(row.emailDigest);
      if (k) byDigest.set(k, entry);
      pending.push(entry);
    }
    for (const entry of pending) {
      const k = key64(entry.phone);
      if (k && !byDigest.has(k)) byDigest.set(k, entry);
    }
    for (const row of rows) {
      const person = JSON.parse(
        await this.vault.keyring.unseal(
          { ciphertext: row.person, keyId: row.keyId },
          PURPOSES.importRow,
          manager,
        ),
      ) as PersonFields;
      const target = byDigest.get(key64(row.email) ?? '') ?? byDigest.get(key64(row.phone) ?? '');
      if (target) {
        target.fields = mergePersons(target.fields, person);
        target.changed = true;
        target.email = target.email ?? row.email;
        target.phone = target.phone ?? row.phone;
        remember(target);
        counts.merged += 1;
        continue;
      }
      const entry: Pending = {
        personId: randomUUID(),
        existing: false,
        changed: true,
        seq: counts.seq++,
        fields: person,
        email: row.email,
        phone: row.phone,
      };
      pending.push(entry);
      remember(entry);
      counts.created += 1;
    }
    const toWrite = pending.filter((entry) => entry.changed);
    if (toWrite.length === 0) return;
    const sealed = await this.vault.sealPeople(
      caseId,
      toWrite.map((entry) => entry.fields),
      manager,
    );
    const inserts: unknown[] = [];
    const tuples: string[] = [];
    for (const [index, entry] of toWrite.entries()) {
      const seal = sealed[index];
      const columns = [seal.keyId, seal.name, seal.email, seal.phone, seal.address, seal.items];
      if (entry.existing) {
        await manager.query(
          `UPDATE "${this.schema}".persons SET key_id = $2, name = $3, email = $4, phone = $5, address = $6, items = $7,
                  email_digest = $8, phone_digest = $9
            WHERE person_id = $1`,
          [entry.personId, ...columns, entry.email, entry.phone],
        );
        continue;
      }
      const base = inserts.length;
      inserts.push(
        entry.personId,
        caseId,
        entry.seq,
        ...columns,
        entry.fields.language,
        entry.email,
        entry.phone,
        now,
      );
      tuples.push(`(${Array.from({ length: 13 }, (_, n) => `$${base + n + 1}`).join(', ')})`);
    }
    if (tuples.length > 0) {
      await manager.query(
        `INSERT INTO "${this.schema}".persons
           (person_id, case_id, seq, key_id, name, email, phone, address, items, language, email_digest, phone_digest, created_at)
         VALUES ${tuples.join(', ')}`,
        inserts,
      );
    }
  }
}

/** A staged row of an import as read back. */
interface StagedRow {
  readonly line: number;
  readonly person: Buffer;
  readonly keyId: string;
  readonly email: Buffer | null;
  readonly phone: Buffer | null;
}

/** A person of a confirmation batch: stored before (merged into) or new. */
interface Pending {
  readonly personId: string;
  readonly existing: boolean;
  changed: boolean;
  readonly seq?: number;
  fields: PersonFields;
  email: Buffer | null;
  phone: Buffer | null;
}
