import { createHmac, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type CaseKeyring, KeyDestroyedError } from '#libs/sealing';
import type { Language, PersonFields } from './normalise.js';

/** The sealing purposes of subject-notifier: one per field (docs/sealing.md). */
export const PURPOSES = {
  name: 'Person.name',
  email: 'Person.email',
  phone: 'Person.phone',
  address: 'Person.address',
  items: 'Person.items',
  importRow: 'ImportRow.person',
  digestKey: 'Person.digestKey',
} as const;

/** A person's sealed columns as stored. */
export interface SealedPerson {
  readonly keyId: string;
  readonly name: Buffer;
  readonly email: Buffer | null;
  readonly phone: Buffer | null;
  readonly address: Buffer | null;
  readonly items: Buffer;
}

/** A person row as read from `persons`. */
export interface PersonRow extends SealedPerson {
  readonly personId: string;
  readonly seq: number;
  readonly language: Language;
}

/** `P000042`: the reference of a person in reports and exports (no personal data). */
export const personRef = (seq: number) => `P${String(seq).padStart(6, '0')}`;

export const PERSON_COLUMNS = `person_id AS "personId", seq, language, key_id AS "keyId", name, email, phone, address, items`;

/**
 * Seals and opens the affected persons of a case with the case's data key, and computes the keyed
 * digests of e-mail addresses and phone numbers that find duplicates: HMAC-SHA256 under a random per-case
 * key that is itself sealed with the case key, so the digests mean nothing without it and nothing after
 * erasure (a dictionary of phone numbers cannot be run against them).
 */
export class PersonVault {
  private readonly digestKeys = new Map<string, Buffer>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    readonly keyring: CaseKeyring,
  ) {}

  /** The case's digest key, created (sealed) on first use inside the caller's transaction. */
  async digestKey(caseId: string, manager: EntityManager): Promise<Buffer> {
    const cached = this.digestKeys.get(caseId);
    if (cached) return cached;
    const rows: Array<{ sealed: Buffer; keyId: string }> = await manager.query(
      `SELECT sealed_key AS sealed, key_id AS "keyId" FROM "${this.schema}".case_hash_keys WHERE case_id = $1`,
      [caseId],
    );
    let key: Buffer;
    if (rows[0]) {
      key = await this.keyring.unsealBytes(
        { ciphertext: rows[0].sealed, keyId: rows[0].keyId },
        PURPOSES.digestKey,
        manager,
      );
    } else {
      key = randomBytes(32);
      const sealed = await this.keyring.sealBytes(caseId, key, PURPOSES.digestKey, manager);
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${this.schema}".case_hash_keys (case_id, sealed_key, key_id) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO NOTHING RETURNING case_id`,
        [caseId, Buffer.from(sealed.ciphertext), sealed.keyId],
      );
      if (inserted.length === 0) return this.digestKey(caseId, manager);
    }
    this.digestKeys.set(caseId, key);
    return key;
  }

  digest(key: Buffer, value: string | undefined): Buffer | null {
    return value === undefined ? null : createHmac('sha256', key).update(value, 'utf8').digest();
  }

  forget(caseId: string): void {
    this.digestKeys.delete(caseId);
  }

  /** Seals several persons of a case with one key look-up (`sealMany`). */
  async sealPeople(
    caseId: string,
    persons: readonly PersonFields[],
    manager: EntityManager,
  ): Promise<SealedPerson[]> {
    const fields: Array<{ text: string; purpose: string }> = [];
    const layout = persons.map((person) => {
      const start = fields.length;
      fields.push({ text: person.name, purpose: PURPOSES.name });
      fields.push({ text: JSON.stringify(person.items), purpose: PURPOSES.items });
      const at: Partial<Record<'email' | 'phone' | 'address', number>> = {};
      for (const field of ['email', 'phone', 'address'] as const) {
        const value = person[field];
        if (value === undefined) continue;
        at[field] = fields.length;
        fields.push({ text: value, purpose: PURPOSES[field] });
      }
      return { start, at };
    });
    const sealed = fields.length === 0 ? [] : await this.keyring.sealMany(caseId, fields, manager);
    const bytes = (index: number | undefined) =>
      index === undefined ? null : Buffer.from(sealed[index].ciphertext);
    return layout.map(({ start, at }) => ({
      keyId: sealed[start].keyId,
      name: bytes(start) as Buffer,
      items: bytes(start + 1) as Buffer,
      email: bytes(at.email),
      phone: bytes(at.phone),
      address: bytes(at.address),
    }));
  }

  async openPerson(row: PersonRow): Promise<PersonFields> {
    const open = (bytes: Buffer | null, purpose: string) =>
      bytes === null
        ? Promise.resolve(undefined)
        : this.keyring.unseal({ ciphertext: bytes, keyId: row.keyId }, purpose);
    const [name, items, email, phone, address] = await Promise.all([
      open(row.name, PURPOSES.name),
      open(row.items, PURPOSES.items),
      open(row.email, PURPOSES.email),
      open(row.phone, PURPOSES.phone),
      open(row.address, PURPOSES.address),
    ]);
    return {
      name: name ?? '',
      items: JSON.parse(items ?? '[]') as string[],
      language: row.language,
      ...(email === undefined ? {} : { email }),
      ...(phone === undefined ? {} : { phone }),
      ...(address === undefined ? {} : { address }),
    };
  }

  /** Reads persons of a case (a page), opened. Throws `KeyDestroyedError` after erasure. */
  async readPersons(
    caseId: string,
    page: { offset: number; limit: number },
  ): Promise<Array<{ ref: string } & PersonFields>> {
    const rows: PersonRow[] = await this.dataSource.query(
      `SELECT ${PERSON_COLUMNS} FROM "${this.schema}".persons WHERE case_id = $1 ORDER BY seq OFFSET $2 LIMIT $3`,
      [caseId, page.offset, page.limit],
    );
    const persons = [];
    for (const row of rows) persons.push({ ref: personRef(row.seq), ...(await this.openPerson(row)) });
    return persons;
  }

  /** The person's name, or `undefined` once the case key is destroyed. */
  async nameOrErased(row: Pick<PersonRow, 'keyId' | 'name'>): Promise<string | undefined> {
    try {
      return await this.keyring.unseal({ ciphertext: row.name, keyId: row.keyId }, PURPOSES.name);
    } catch (error) {
      if (error instanceof KeyDestroyedError) return undefined;
      throw error;
    }
  }
}
