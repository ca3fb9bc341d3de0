import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { aeadOpen, aeadSeal, associatedData } from './aead.js';
import { KeyDestroyedError, SealingUsageError, SealTamperedError, UnknownKeyError } from './errors.js';
import { LruCache } from './lru-cache.js';
import { KEY_LENGTH, type MasterKey } from './master-keys.js';
import { quoteSchema } from './sql-identifier.js';

/** Version byte of a sealed text (see docs/sealing.md, "Formats"). */
export const SEALED_TEXT_VERSION = 1;
/** Version byte of a wrapped data key. */
export const WRAPPED_KEY_VERSION = 1;
/** What an erasure certificate names as the method. */
export const SHREDDING_METHOD = 'crypto-shredding: AES-256 data key destroyed';

const SEAL_LABEL = 'leak-response/sealed-text/v1';
const WRAP_LABEL = 'leak-response/case-key/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_ID = /^ck1-[0-9a-f]{32}$/;
/** A purpose names the field a text is sealed for, e.g. `IncidentReported.description`. */
const PURPOSE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** A sealed text or blob: the `SealedText` contract's two fields. */
export interface Sealed {
  readonly ciphertext: Uint8Array;
  readonly keyId: string;
}

/** The public facts of a case's data key (never the key itself). */
export interface CaseKeyInfo {
  readonly caseId: string;
  readonly keyId: string;
  readonly masterKeyId: string;
  readonly createdAt: Date;
}

/** Who erases a case's sealed data, when and why. */
export interface DestroyRequest {
  /** the responsible person (an account id or name), as the certificate shows it */
  readonly by: string;
  readonly reason: string;
  readonly at: Date;
}

/** What an erasure certificate needs about the destroyed key. */
export interface KeyDestruction {
  readonly caseId: string;
  readonly keyId: string;
  /** when the key was created (for a tombstone: when the case was erased) */
  readonly createdAt: Date;
  readonly destroyedAt: Date;
  readonly destroyedBy: string;
  readonly reason: string;
  readonly method: typeof SHREDDING_METHOD;
  /** false when the case never had a key: nothing was sealed for it, and none can be created now */
  readonly keyExisted: boolean;
  /** true when an earlier call destroyed it; the other fields are that call's */
  readonly alreadyDestroyed: boolean;
}

export interface CaseKeyringOptions {
  /** unwrapped keys kept in memory (least recently used evicted first); default 1,000 */
  readonly cacheSize?: number;
  /**
   * How long an unwrapped key is used for `unseal` without looking at the database again; default 60 s.
   * It bounds how long a process that had the key cached can still open texts after ANOTHER process
   * destroyed it (the destroying process drops it at once; `seal` always checks the database).
   */
  readonly cacheTtlMs?: number;
}

/** How many live case keys each master key wraps (retired ones must reach zero before removal). */
export interface MasterKeyUsage {
  readonly masterKeyId: string;
  readonly liveKeys: number;
}

interface KeyRow {
  case_id: string;
  key_id: string;
  wrapped_key: Buffer | null;
  master_key_id: string | null;
  created_at: Date;
  destroyed_at: Date | null;
  destroyed_by: string | null;
  destroy_reason: string | null;
}

interface CachedKey {
  readonly caseId: string;
  readonly key: Buffer;
}

type Queryable = Pick<EntityManager, 'query'>;

const ROW_COLUMNS =
  'case_id, key_id, wrapped_key, master_key_id, created_at, destroyed_at, destroyed_by, destroy_reason';

/**
 * The per-case data keys of one service schema: creates a case's AES-256 key on first use, wraps it
 * under the active master key, seals and opens texts with it, and destroys it when the case is erased
 * (crypto-shredding). Every method takes an optional `EntityManager` to run in the caller's transaction.
 * Safe with several processes on one schema. See docs/sealing.md.
 */
export class CaseKeyring {
  readonly #table: string;
  readonly #masterKeys: ReadonlyMap<string, MasterKey>;
  readonly #activeMasterKey: MasterKey;
  readonly #cache: LruCache<string, CachedKey>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    config: { readonly masterKeys: readonly MasterKey[] },
    options: CaseKeyringOptions = {},
  ) {
    this.#table = `${quoteSchema(schema)}.case_keys`;
    if (config.masterKeys.length === 0) throw new SealingUsageError('at least one master key is required');
    this.#masterKeys = new Map(config.masterKeys.map((key) => [key.id, key]));
    this.#activeMasterKey = config.masterKeys[0];
    this.#cache = new LruCache(options.cacheSize ?? 1_000, options.cacheTtlMs ?? 60_000);
  }

  /**
   * The case's data key, created (random, wrapped under the active master key) on first use. Two
   * processes creating it at once end with one key. Throws `KeyDestroyedError` once it was destroyed.
   */
  async keyFor(caseId: string, manager?: EntityManager): Promise<CaseKeyInfo> {
    const { row } = await this.#liveKey(caseId, manager);
    return infoOf(row);
  }

  /** Seals UTF-8 text for `purpose` (the field it goes into) with the case's key. */
  async seal(caseId: string, plaintext: string, purpose: string, manager?: EntityManager): Promise<Sealed> {
    return this.sealBytes(caseId, Buffer.from(plaintext, 'utf8'), purpose, manager);
  }

  /**
   * Seals several texts of one case with one look-up of its key (one query instead of one per text):
   * `sealMany(caseId, [{ text: description, purpose: 'IncidentReported.description' }, …])`.
   */
  async sealMany(
    caseId: string,
    items: readonly { readonly text: string; readonly purpose: string }[],
    manager?: EntityManager,
    options: { newCase?: boolean } = {},
  ): Promise<Sealed[]> {
    for (const item of items) assertPurpose(item.purpose);
    const { row, key } = await this.#liveKey(caseId, manager, options.newCase);
    return items.map((item) => sealWith(row.key_id, key, Buffer.from(item.text, 'utf8'), item.purpose));
  }

  /** Opens a text sealed by {@link seal} for the same `purpose`. */
  async unseal(sealed: Sealed, purpose: string, manager?: EntityManager): Promise<string> {
    return (await this.unsealBytes(sealed, purpose, manager)).toString('utf8');
  }

  /**
   * Seals bytes. The case's key row is read (and share-locked in a transaction) every time, so nothing
   * is ever sealed under a key another process destroyed, nor under a key whose creation rolled back.
   */
  async sealBytes(
    caseId: string,
    plaintext: Uint8Array,
    purpose: string,
    manager?: EntityManager,
  ): Promise<Sealed> {
    assertPurpose(purpose);
    const { row, key } = await this.#liveKey(caseId, manager);
    return sealWith(row.key_id, key, plaintext, purpose);
  }

  async unsealBytes(sealed: Sealed, purpose: string, manager?: EntityManager): Promise<Buffer> {
    assertPurpose(purpose);
    const key = await this.#keyById(sealed.keyId, manager);
    const opened = aeadOpen(SEALED_TEXT_VERSION, key, sealed.ciphertext, sealAad(sealed.keyId, purpose));
    if ('failure' in opened) {
      throw new SealTamperedError(
        sealed.keyId,
        opened.failure === 'authentication failed'
          ? 'authentication failed (altered bytes, another key id, or another purpose)'
          : opened.failure,
      );
    }
    return opened.plaintext;
  }

  /**
   * Destroys the case's data key: overwrites the wrapped key with NULL, keeps the row as evidence, drops
   * the key from this process's cache. Every text sealed for the case becomes unreadable, everywhere
   * it was copied. Idempotent: a second call returns the first call's facts with `alreadyDestroyed`.
   * A case that never had a key gets a tombstone, so no key can be created for it afterwards.
   */
  async destroy(caseId: string, request: DestroyRequest, manager?: EntityManager): Promise<KeyDestruction> {
    const id = canonicalCaseId(caseId);
    assertDestroyRequest(request);
    const db = manager ?? this.dataSource;
    // Two rounds at most: a tombstone insert can lose to a concurrent keyFor, whose key is then destroyed.
    for (let round = 0; round < 2; round += 1) {
      const destroyed = await this.#markDestroyed(db, id, request);
      if (destroyed) {
        this.#cache.delete(destroyed.key_id);
        return destructionOf(destroyed, { keyExisted: true, alreadyDestroyed: false });
      }
      const existing = await this.#readByCase(db, id, false);
      if (existing) {
        this.#cache.delete(existing.key_id);
        if (existing.destroyed_at) {
          return destructionOf(existing, {
            keyExisted: existing.master_key_id !== null,
            alreadyDestroyed: true,
          });
        }
        continue;
      }
      const tombstone = await this.#insertTombstone(db, id, request);
      if (tombstone) return destructionOf(tombstone, { keyExisted: false, alreadyDestroyed: false });
    }
    throw new Error(`could not destroy the key of case ${id}: it kept changing concurrently`);
  }

  /**
   * Re-wraps live case keys held under a master key other than the active one, `batchSize` per
   * transaction, and returns how many were re-wrapped. Run it after making a new master key active;
   * once {@link masterKeyUsage} shows no live key for a retired master key, remove that key from
   * `SEALING_MASTER_KEYS` and destroy every copy of it (see docs/sealing.md, "Rotation").
   */
  async rewrapUnderActiveMasterKey(options: { batchSize?: number } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 500;
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction((manager) => this.#rewrapBatch(manager, batchSize));
      total += count;
      if (count < batchSize) return total;
    }
  }

  /** Live case keys per master key, for the rotation procedure. */
  async masterKeyUsage(manager?: EntityManager): Promise<MasterKeyUsage[]> {
    const rows: Array<{ master_key_id: string; live_keys: string }> = await (
      manager ?? this.dataSource
    ).query(
      `SELECT master_key_id, count(*) AS live_keys FROM ${this.#table}
        WHERE wrapped_key IS NOT NULL GROUP BY master_key_id ORDER BY master_key_id`,
    );
    return rows.map((row) => ({ masterKeyId: row.master_key_id, liveKeys: Number(row.live_keys) }));
  }

  /** Forgets every unwrapped key this process holds (e.g. on shutdown or before a master-key change). */
  clearCache(): void {
    this.#cache.clear();
  }

  /**
   * The case's live key, created on first use. `newCase`: the case id was just made, so the key is created
   * straight away (one INSERT … RETURNING) instead of first looked for; an existing key still wins.
   */
  async #liveKey(
    caseId: string,
    manager?: EntityManager,
    newCase = false,
  ): Promise<{ row: KeyRow; key: Buffer }> {
    const id = canonicalCaseId(caseId);
    const db = manager ?? this.dataSource;
    const row = newCase
      ? await this.#create(db, id)
      : ((await this.#readByCase(db, id, true)) ?? (await this.#create(db, id)));
    if (row.destroyed_at) throw new KeyDestroyedError(row.key_id, row.destroyed_at);
    return { row, key: this.#unwrapCached(row) };
  }

  async #keyById(keyId: string, manager?: EntityManager): Promise<Buffer> {
    if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
      throw new UnknownKeyError(String(keyId).slice(0, 100), 'not a key id this lib issues');
    }
    const cached = this.#cache.get(keyId);
    if (cached) return cached.key;
    const rows: KeyRow[] = await (manager ?? this.dataSource).query(
      `SELECT ${ROW_COLUMNS} FROM ${this.#table} WHERE key_id = $1`,
      [keyId],
    );
    const row = rows[0];
    if (!row) throw new UnknownKeyError(keyId, `no such key in schema ${this.schema}`);
    if (row.destroyed_at) throw new KeyDestroyedError(row.key_id, row.destroyed_at);
    return this.#unwrapCached(row);
  }

  /** Reads the case's key row; `lock` share-locks it so a concurrent destroy waits for the caller. */
  async #readByCase(db: Queryable, caseId: string, lock: boolean): Promise<KeyRow | undefined> {
    const rows: KeyRow[] = await db.query(
      `SELECT ${ROW_COLUMNS} FROM ${this.#table} WHERE case_id = $1${lock ? ' FOR SHARE' : ''}`,
      [caseId],
    );
    return rows[0];
  }

  /** Inserts a new key unless another process got there first, then reads whichever key won. */
  async #create(db: Queryable, caseId: string): Promise<KeyRow> {
    const keyId = `ck1-${randomUUID().replaceAll('-', '')}`;
    const key = randomBytes(KEY_LENGTH);
    const master = this.#activeMasterKey;
    const wrapped = aeadSeal(WRAPPED_KEY_VERSION, master.material(), key, this.#wrapAad(caseId, keyId));
    const inserted: KeyRow[] = await db.query(
      `INSERT INTO ${this.#table} (case_id, key_id, wrapped_key, master_key_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING RETURNING ${ROW_COLUMNS}`,
      [caseId, keyId, wrapped, master.id],
    );
    key.fill(0);
    // ours (the row is locked by the insert until the caller commits), or the one that got there first
    const row = inserted[0] ?? (await this.#readByCase(db, caseId, true));
    if (!row) throw new Error(`the key of case ${caseId} vanished right after its creation`);
    return row;
  }

  #unwrapCached(row: KeyRow): Buffer {
    const cached = this.#cache.get(row.key_id);
    if (cached) return cached.key;
    const key = this.#unwrap(row);
    this.#cache.set(row.key_id, { caseId: row.case_id, key });
    return key;
  }

  #unwrap(row: KeyRow): Buffer {
    if (!row.wrapped_key || !row.master_key_id) {
      throw new Error(`the key ${row.key_id} has no wrapped key but is not marked destroyed`);
    }
    const master = this.#masterKeys.get(row.master_key_id);
    if (!master) {
      throw new UnknownKeyError(
        row.key_id,
        `its master key "${row.master_key_id}" is not in SEALING_MASTER_KEYS (retired before re-wrapping?)`,
      );
    }
    const opened = aeadOpen(
      WRAPPED_KEY_VERSION,
      master.material(),
      row.wrapped_key,
      this.#wrapAad(row.case_id, row.key_id),
    );
    if ('failure' in opened || opened.plaintext.length !== KEY_LENGTH) {
      throw new SealTamperedError(row.key_id, 'the wrapped data key failed authentication');
    }
    return opened.plaintext;
  }

  #wrapAad(caseId: string, keyId: string): Buffer {
    return associatedData(WRAP_LABEL, this.schema, caseId, keyId);
  }

  async #markDestroyed(db: Queryable, caseId: string, request: DestroyRequest): Promise<KeyRow | undefined> {
    const [rows]: [KeyRow[], number] = await db.query(
      `UPDATE ${this.#table}
          SET wrapped_key = NULL, destroyed_at = $2, destroyed_by = $3, destroy_reason = $4
        WHERE case_id = $1 AND destroyed_at IS NULL
        RETURNING ${ROW_COLUMNS}`,
      [caseId, request.at, request.by, request.reason],
    );
    return rows[0];
  }

  async #insertTombstone(
    db: Queryable,
    caseId: string,
    request: DestroyRequest,
  ): Promise<KeyRow | undefined> {
    const rows: KeyRow[] = await db.query(
      `INSERT INTO ${this.#table}
              (case_id, key_id, wrapped_key, master_key_id, created_at, destroyed_at, destroyed_by, destroy_reason)
       VALUES ($1, $2, NULL, NULL, $3, $3, $4, $5)
       ON CONFLICT (case_id) DO NOTHING
       RETURNING ${ROW_COLUMNS}`,
      [caseId, `ck1-${randomUUID().replaceAll('-', '')}`, request.at, request.by, request.reason],
    );
    return rows[0];
  }

  async #rewrapBatch(manager: EntityManager, batchSize: number): Promise<number> {
    const active = this.#activeMasterKey;
    const rows: KeyRow[] = await manager.query(
      `SELECT ${ROW_COLUMNS} FROM ${this.#table}
        WHERE wrapped_key IS NOT NULL AND master_key_id <> $1
        ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [active.id, batchSize],
    );
    for (const row of rows) {
      const key = this.#unwrap(row);
      const wrapped = aeadSeal(
        WRAPPED_KEY_VERSION,
        active.material(),
        key,
        this.#wrapAad(row.case_id, row.key_id),
      );
      key.fill(0);
      await manager.query(
        `UPDATE ${this.#table} SET wrapped_key = $2, master_key_id = $3 WHERE case_id = $1`,
        [row.case_id, wrapped, active.id],
      );
    }
    return rows.length;
  }
}

function canonicalCaseId(caseId: string): string {
  if (typeof caseId !== 'string' || !UUID.test(caseId)) {
    throw new SealingUsageError('a case id must be a UUID');
  }
  return caseId.toLowerCase();
}

function assertPurpose(purpose: string): void {
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) {
    throw new SealingUsageError(
      'a purpose must be 1-200 letters, digits, ".", "_", ":", "/" or "-", e.g. IncidentReported.description',
    );
  }
}

function assertDestroyRequest(request: DestroyRequest): void {
  if (typeof request.by !== 'string' || request.by.trim() === '') {
    throw new SealingUsageError('destroying a key needs the responsible person (by)');
  }
  if (typeof request.reason !== 'string' || request.reason.trim() === '') {
    throw new SealingUsageError('destroying a key needs a reason');
  }
  if (!(request.at instanceof Date) || Number.isNaN(request.at.getTime())) {
    throw new SealingUsageError('destroying a key needs the time (at) as a valid Date');
  }
}

function sealWith(keyId: string, key: Buffer, plaintext: Uint8Array, purpose: string): Sealed {
  const ciphertext = aeadSeal(SEALED_TEXT_VERSION, key, plaintext, sealAad(keyId, purpose));
  return { ciphertext: new Uint8Array(ciphertext), keyId };
}

function sealAad(keyId: string, purpose: string): Buffer {
  return associatedData(SEAL_LABEL, keyId, purpose);
}

function infoOf(row: KeyRow): CaseKeyInfo {
  return {
    caseId: row.case_id,
    keyId: row.key_id,
    masterKeyId: row.master_key_id ?? '',
    createdAt: row.created_at,
  };
}

function destructionOf(
  row: KeyRow,
  flags: { keyExisted: boolean; alreadyDestroyed: boolean },
): KeyDestruction {
  if (!row.destroyed_at || row.destroyed_by === null || row.destroy_reason === null) {
    throw new Error(`the key ${row.key_id} is not destroyed`);
  }
  return {
    caseId: row.case_id,
    keyId: row.key_id,
    createdAt: row.created_at,
    destroyedAt: row.destroyed_at,
    destroyedBy: row.destroyed_by,
    reason: row.destroy_reason,
    method: SHREDDING_METHOD,
    ...flags,
  };
}
