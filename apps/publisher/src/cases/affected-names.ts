import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdentifier } from '#libs/event-store';
import { type CaseKeyring, KeyDestroyedError } from '#libs/sealing';

/** The purpose subject-notifier seals a person's name for (apps/subject-notifier/src/persons/person-vault.ts). */
const NAME_PURPOSE = 'Person.name';

/**
 * The names of a case's affected persons, for the safety check before publishing (a public statement must
 * not name them). They live sealed in subject-notifier's `persons` table; publisher opens them with
 * subject-notifier's case keys — a deliberate read like intake's keys (SELECT on
 * `<SUBJECT_NOTIFIER_SCHEMA>.persons` and `.case_keys`, see docs/publisher.md). No table there (no import
 * yet, or another installation) or an erased case: no names, and the check says which it could not do.
 */
export class AffectedPersonNames {
  readonly #logger = new Logger('AffectedPersonNames');
  /** whether the table exists; a "no" is looked at again after a minute (subject-notifier may start later) */
  #readable: { answer: Promise<boolean>; at: number } | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    /** subject-notifier's case keys (its schema): unseal only */
    private readonly keyring: CaseKeyring,
  ) {}

  async of(caseId: string, manager?: EntityManager): Promise<string[]> {
    const db = manager ?? this.dataSource;
    const schema = quoteIdentifier(this.schema);
    const now = Date.now();
    if (!this.#readable || (!(await this.#readable.answer) && now - this.#readable.at > 60_000)) {
      this.#readable = { answer: this.#tableExists(db, schema), at: now };
    }
    if (!(await this.#readable.answer)) return [];
    const rows: Array<{ key_id: string; name: Buffer }> = await db.query(
      `SELECT key_id, name FROM ${schema}.persons WHERE case_id = $1`,
      [caseId],
    );
    const names: string[] = [];
    for (const row of rows) {
      try {
        names.push(await this.keyring.unseal({ ciphertext: row.name, keyId: row.key_id }, NAME_PURPOSE));
      } catch (error) {
        if (error instanceof KeyDestroyedError) return [];
        throw error;
      }
    }
    return names;
  }

  async #tableExists(db: DataSource | EntityManager, schema: string): Promise<boolean> {
    const [{ readable }] = await db.query('SELECT to_regclass($1) IS NOT NULL AS readable', [
      `${schema}.persons`,
    ]);
    if (!readable) this.#logger.warn(`no affected persons readable in ${schema}: names are not checked`);
    return Boolean(readable);
  }
}
