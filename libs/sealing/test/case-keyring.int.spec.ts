import { createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/platform';
import { createTestDataSource, dropSchema, testConfig, uniqueName, waitFor } from '#libs/testing';
import {
  CaseKeyring,
  KeyDestroyedError,
  runMasterKeyCommand,
  type Sealed,
  SealingConfig,
  SealingUsageError,
  SealTamperedError,
  SHREDDING_METHOD,
  sealedFromJson,
  sealedToJson,
  sealingMigrations,
  UnknownKeyError,
} from '../src/index.js';

const PURPOSE = 'IncidentReported.description';
const k1Text = randomBytes(32).toString('base64url');
const k2Text = randomBytes(32).toString('base64url');

function sealingConfig(value: string): SealingConfig {
  return loadConfig({ sealing: SealingConfig }, { env: { SEALING_MASTER_KEYS: value } }).sealing;
}

const onlyK1 = sealingConfig(`k1:${k1Text}`);

/** Flips one bit of one byte of a copy of the ciphertext. */
function flipped(sealed: Sealed, index: number): Sealed {
  const ciphertext = Uint8Array.from(sealed.ciphertext);
  ciphertext[index] ^= 0x01;
  return { ...sealed, ciphertext };
}

/**
 * Opens a sealed text with node:crypto alone, following docs/sealing.md ("Formats"): proves the
 * documented layouts and associated data are exactly what the lib writes.
 */
function openAsDocumented(
  masterKey: Buffer,
  schema: string,
  row: { case_id: string; key_id: string; wrapped_key: Buffer },
  sealed: Sealed,
  purpose: string,
): { dataKey: Buffer; text: string } {
  const open = (key: Buffer, bytes: Buffer, aad: string) => {
    expect(bytes[0]).toBe(1);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 13));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(bytes.subarray(13, 29));
    return Buffer.concat([decipher.update(bytes.subarray(29)), decipher.final()]);
  };
  const dataKey = open(
    masterKey,
    row.wrapped_key,
    `leak-response/case-key/v1\0${schema}\0${row.case_id}\0${row.key_id}`,
  );
  const text = open(
    dataKey,
    Buffer.from(sealed.ciphertext),
    `leak-response/sealed-text/v1\0${sealed.keyId}\0${purpose}`,
  ).toString('utf8');
  return { dataKey, text };
}

describe('CaseKeyring (PostgreSQL)', () => {
  const schema = uniqueName('sealing');
  let dataSource: DataSource;
  /** a second pool on the same schema: another process, as far as the database can tell */
  let otherDataSource: DataSource;
  let keyring: CaseKeyring;

  beforeAll(async () => {
    dataSource = await createTestDataSource({ schema, migrations: sealingMigrations(schema) });
    otherDataSource = await createTestDataSource({ schema });
    keyring = new CaseKeyring(dataSource, schema, onlyK1);
  });

  afterAll(async () => {
    await otherDataSource?.destroy();
    if (dataSource) {
      await dropSchema(dataSource, schema);
      await dataSource.destroy();
    }
  });

  const rowOf = async (caseId: string) =>
    (await dataSource.query(`SELECT * FROM "${schema}".case_keys WHERE case_id = $1`, [caseId]))[0];

  describe('sealing and opening', () => {
    it.each([
      ['Japanese text', '氏名: 山田太郎、住所: 東京都千代田区1-1、電話 03-1234-5678 😀'],
      ['the empty string', ''],
      ['100 KB of text', 'メールアドレス一覧 alice@example.jp; '.repeat(3_000).slice(0, 100 * 1024)],
    ])('round-trips %s', async (_, text) => {
      const caseId = randomUUID();
      const sealed = await keyring.seal(caseId, text, PURPOSE);
      expect(sealed.ciphertext).toBeInstanceOf(Uint8Array);
      expect(sealed.ciphertext.length).toBe(1 + 12 + 16 + Buffer.byteLength(text, 'utf8'));
      expect(await keyring.unseal(sealed, PURPOSE)).toBe(text);
      // through the event store's JSON form, and from a process with a cold cache
      const fresh = new CaseKeyring(otherDataSource, schema, onlyK1);
      expect(await fresh.unseal(sealedFromJson(sealedToJson(sealed)), PURPOSE)).toBe(text);
    });

    it('uses one key per case, and a fresh nonce for every seal', async () => {
      const [caseA, caseB] = [randomUUID(), randomUUID()];
      const first = await keyring.keyFor(caseA);
      expect(first.keyId).toMatch(/^ck1-[0-9a-f]{32}$/);
      expect(first.masterKeyId).toBe('k1');
      expect((await keyring.keyFor(caseA.toUpperCase())).keyId).toBe(first.keyId);
      expect((await keyring.keyFor(caseB)).keyId).not.toBe(first.keyId);

      const one = await keyring.seal(caseA, 'same text', PURPOSE);
      const two = await keyring.seal(caseA, 'same text', PURPOSE);
      expect(one.keyId).toBe(first.keyId);
      expect(Buffer.from(one.ciphertext).equals(Buffer.from(two.ciphertext))).toBe(false);
    });

    it('seals several fields of a case at once, each bound to its own purpose', async () => {
      const caseId = randomUUID();
      const [description, place] = await keyring.sealMany(caseId, [
        { text: '説明: 名簿の誤送信', purpose: 'IncidentReported.description' },
        { text: '場所: 本社', purpose: 'IncidentReported.place' },
      ]);
      expect(place.keyId).toBe(description.keyId);
      expect(await keyring.unseal(description, 'IncidentReported.description')).toBe('説明: 名簿の誤送信');
      expect(await keyring.unseal(place, 'IncidentReported.place')).toBe('場所: 本社');
      await expect(keyring.unseal(place, 'IncidentReported.description')).rejects.toThrow(SealTamperedError);
      await expect(keyring.sealMany(caseId, [{ text: 'x', purpose: 'bad purpose' }])).rejects.toThrow(
        SealingUsageError,
      );
    });

    it('leaves no plaintext and no unwrapped key in the table; the documented format opens it', async () => {
      const caseId = randomUUID();
      const text = `被害者 佐藤花子 ${randomUUID()}`;
      const sealed = await keyring.seal(caseId, text, PURPOSE);
      const row = await rowOf(caseId);
      expect(row.wrapped_key).toBeInstanceOf(Buffer);
      expect(row.wrapped_key.length).toBe(1 + 12 + 16 + 32);

      const { dataKey, text: opened } = openAsDocumented(
        Buffer.from(k1Text, 'base64url'),
        schema,
        row,
        sealed,
        PURPOSE,
      );
      expect(opened).toBe(text);

      // every byte the table holds, raw and as text
      const dump: Array<{ raw: Buffer; text: string }> = await dataSource.query(
        `SELECT convert_to(t::text, 'UTF8') AS raw, t::text AS text FROM "${schema}".case_keys t`,
      );
      const bytes = Buffer.concat([...dump.map((r) => r.raw), ...dump.map((r) => Buffer.from(r.text))]);
      const wrappedColumns: Array<{ wrapped_key: Buffer | null }> = await dataSource.query(
        `SELECT wrapped_key FROM "${schema}".case_keys`,
      );
      const haystack = Buffer.concat([
        bytes,
        ...wrappedColumns.flatMap((r) => (r.wrapped_key ? [r.wrapped_key] : [])),
      ]);
      for (const needle of [
        Buffer.from(text, 'utf8'),
        Buffer.from('佐藤花子', 'utf8'),
        dataKey,
        Buffer.from(dataKey.toString('hex')),
        Buffer.from(dataKey.toString('base64')),
        dataKey.subarray(0, 8),
      ]) {
        expect(haystack.includes(needle)).toBe(false);
      }
      expect(haystack.includes(Buffer.from(sealed.keyId))).toBe(true); // the search does see the row
    });
  });

  describe('refusals', () => {
    let sealed: Sealed;
    let otherCaseKeyId: string;

    beforeAll(async () => {
      sealed = await keyring.seal(randomUUID(), '漏えいした顧客名簿', PURPOSE);
      otherCaseKeyId = (await keyring.keyFor(randomUUID())).keyId;
    });

    it.each([
      ['the version byte', 0],
      ['the nonce', 1],
      ['the nonce (last byte)', 12],
      ['the tag', 13],
      ['the tag (last byte)', 28],
      ['the data', 29],
      ['the data (last byte)', -1],
    ])('refuses a change to %s', async (_, index) => {
      const position = index < 0 ? sealed.ciphertext.length + index : index;
      await expect(keyring.unseal(flipped(sealed, position), PURPOSE)).rejects.toThrow(SealTamperedError);
    });

    it('refuses a truncated ciphertext', async () => {
      const truncated = {
        ...sealed,
        ciphertext: sealed.ciphertext.subarray(0, sealed.ciphertext.length - 1),
      };
      await expect(keyring.unseal(truncated, PURPOSE)).rejects.toThrow(SealTamperedError);
      const headerOnly = { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 20) };
      await expect(keyring.unseal(headerOnly, PURPOSE)).rejects.toThrow(SealTamperedError);
    });

    it("refuses the text under another case's key id", async () => {
      await expect(keyring.unseal({ ...sealed, keyId: otherCaseKeyId }, PURPOSE)).rejects.toThrow(
        SealTamperedError,
      );
    });

    it('refuses to open a text for another purpose', async () => {
      await expect(keyring.unseal(sealed, 'IncidentReported.place')).rejects.toThrow(SealTamperedError);
      expect(await keyring.unseal(sealed, PURPOSE)).toBe('漏えいした顧客名簿');
    });

    it('reports a key id that does not exist as unknown', async () => {
      const missing = `ck1-${randomBytes(16).toString('hex')}`;
      await expect(keyring.unseal({ ...sealed, keyId: missing }, PURPOSE)).rejects.toThrow(UnknownKeyError);
      await expect(keyring.unseal({ ...sealed, keyId: 'x\0y' }, PURPOSE)).rejects.toThrow(UnknownKeyError);
    });

    it('refuses a case id that is not a UUID and a malformed purpose', async () => {
      await expect(keyring.keyFor('case-1')).rejects.toThrow(SealingUsageError);
      await expect(keyring.seal(randomUUID(), 'x', '')).rejects.toThrow(SealingUsageError);
      await expect(keyring.seal(randomUUID(), 'x', 'a\0b')).rejects.toThrow(SealingUsageError);
    });
  });

  describe('destruction (crypto-shredding)', () => {
    const request = () => ({
      by: 'officer-42',
      reason: 'client instructed erasure (Art. 7)',
      at: new Date(),
    });

    it('makes every sealed text unreadable, for this instance and any other, and forbids a new key', async () => {
      const caseId = randomUUID();
      const sealed = await keyring.seal(caseId, '山田太郎', PURPOSE);
      const warmElsewhere = new CaseKeyring(otherDataSource, schema, onlyK1, { cacheTtlMs: 0 });
      expect(await keyring.unseal(sealed, PURPOSE)).toBe('山田太郎'); // now cached here
      expect(await warmElsewhere.unseal(sealed, PURPOSE)).toBe('山田太郎');
      const created = await rowOf(caseId);

      const at = new Date('2026-11-25T09:30:00.000Z');
      const certificate = await keyring.destroy(caseId, { ...request(), at });
      expect(certificate).toEqual({
        caseId,
        keyId: sealed.keyId,
        createdAt: created.created_at,
        destroyedAt: at,
        destroyedBy: 'officer-42',
        reason: 'client instructed erasure (Art. 7)',
        method: SHREDDING_METHOD,
        keyExisted: true,
        alreadyDestroyed: false,
      });
      expect(SHREDDING_METHOD).toBe('crypto-shredding: AES-256 data key destroyed');

      const row = await rowOf(caseId);
      expect(row).toMatchObject({ key_id: sealed.keyId, wrapped_key: null, master_key_id: 'k1' });
      expect(row.destroyed_at).toEqual(at);

      const fresh = new CaseKeyring(otherDataSource, schema, onlyK1);
      for (const ring of [keyring, fresh, warmElsewhere]) {
        const error = await ring.unseal(sealed, PURPOSE).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KeyDestroyedError);
        expect(error).toMatchObject({
          kind: 'gone',
          code: 'data_erased',
          keyId: sealed.keyId,
          destroyedAt: at,
        });
        await expect(ring.keyFor(caseId)).rejects.toThrow(KeyDestroyedError);
        await expect(ring.seal(caseId, 'new text', PURPOSE)).rejects.toThrow(KeyDestroyedError);
      }
      expect((await rowOf(caseId)).key_id).toBe(sealed.keyId);
    });

    it('is idempotent: a second destroy returns the first one', async () => {
      const caseId = randomUUID();
      await keyring.keyFor(caseId);
      const first = await keyring.destroy(caseId, request());
      const again = await new CaseKeyring(otherDataSource, schema, onlyK1).destroy(caseId, {
        by: 'someone-else',
        reason: 'retry',
        at: new Date(),
      });
      expect(again).toEqual({ ...first, alreadyDestroyed: true });
    });

    it('leaves a tombstone for a case that never had a key', async () => {
      const caseId = randomUUID();
      const certificate = await keyring.destroy(caseId, request());
      expect(certificate).toMatchObject({ caseId, keyExisted: false, alreadyDestroyed: false });
      expect(await rowOf(caseId)).toMatchObject({ wrapped_key: null, master_key_id: null });
      await expect(keyring.keyFor(caseId)).rejects.toThrow(KeyDestroyedError);
    });

    it("runs in the caller's transaction: a rolled-back destroy destroys nothing", async () => {
      const caseId = randomUUID();
      const sealed = await keyring.seal(caseId, 'まだ消さない', PURPOSE);
      await expect(
        dataSource.transaction(async (manager) => {
          await keyring.destroy(caseId, request(), manager);
          await expect(keyring.unseal(sealed, PURPOSE, manager)).rejects.toThrow(KeyDestroyedError);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await keyring.unseal(sealed, PURPOSE)).toBe('まだ消さない');
    });
  });

  describe('creation in transactions and by several processes', () => {
    it('forgets a key whose creating transaction rolled back', async () => {
      const caseId = randomUUID();
      let rolledBackKeyId = '';
      await expect(
        dataSource.transaction(async (manager) => {
          rolledBackKeyId = (await keyring.seal(caseId, 'x', PURPOSE, manager)).keyId;
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await rowOf(caseId)).toBeUndefined();

      const sealed = await keyring.seal(caseId, 'after the rollback', PURPOSE);
      expect(sealed.keyId).not.toBe(rolledBackKeyId);
      expect((await rowOf(caseId)).key_id).toBe(sealed.keyId);
      expect(await new CaseKeyring(otherDataSource, schema, onlyK1).unseal(sealed, PURPOSE)).toBe(
        'after the rollback',
      );
    });

    it('ends with one key per case when two instances create keys at once', async () => {
      const one = new CaseKeyring(dataSource, schema, onlyK1);
      const two = new CaseKeyring(otherDataSource, schema, onlyK1);
      const caseIds = Array.from({ length: 20 }, () => randomUUID());
      const results = await Promise.all(caseIds.flatMap((id) => [one.keyFor(id), two.keyFor(id)]));
      for (const [index, caseId] of caseIds.entries()) {
        expect(results[2 * index].keyId).toBe(results[2 * index + 1].keyId);
        expect((await rowOf(caseId)).key_id).toBe(results[2 * index].keyId);
      }
    });

    it("waits for a concurrent creator's transaction and then uses its key", async () => {
      const caseId = randomUUID();
      const two = new CaseKeyring(otherDataSource, schema, onlyK1);
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let firstKeyId = '';
      const first = dataSource.transaction(async (manager) => {
        firstKeyId = (await keyring.keyFor(caseId, manager)).keyId;
        await released;
      });
      await waitFor(() => firstKeyId, { message: 'the first transaction to create the key' });
      const second = two.seal(caseId, '二番目', PURPOSE);
      await waitFor(
        async () =>
          (
            await dataSource.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
              [`%"${schema}".case_keys%`],
            )
          ).length > 0,
        { message: 'the second instance to wait on the first one' },
      );
      release();
      await first;
      const sealed = await second;
      expect(sealed.keyId).toBe(firstKeyId);
      expect(await keyring.unseal(sealed, PURPOSE)).toBe('二番目');
    });
    it('makes a destroy wait for a transaction that is sealing under the key', async () => {
      const caseId = randomUUID();
      await keyring.keyFor(caseId);
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let sealedInTransaction: Sealed | undefined;
      const writer = dataSource.transaction(async (manager) => {
        sealedInTransaction = await keyring.seal(caseId, '書き込み中', PURPOSE, manager);
        await released;
      });
      await waitFor(() => sealedInTransaction, { message: 'the writer to seal' });
      let destroyedAt: Date | undefined;
      const destroyer = new CaseKeyring(otherDataSource, schema, onlyK1)
        .destroy(caseId, { by: 'officer-42', reason: 'erasure', at: new Date() })
        .then((certificate) => {
          destroyedAt = certificate.destroyedAt;
        });
      await waitFor(
        async () =>
          (
            await dataSource.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
              [`%UPDATE "${schema}".case_keys%`],
            )
          ).length > 0,
        { message: 'the destroy to wait for the writer' },
      );
      expect(destroyedAt).toBeUndefined();
      release();
      await writer;
      await destroyer;
      expect(destroyedAt).toBeInstanceOf(Date);
      // (the writer's own cache may serve the key for up to cacheTtlMs: another process destroyed it)
      const fresh = new CaseKeyring(dataSource, schema, onlyK1);
      await expect(fresh.unseal(sealedInTransaction as Sealed, PURPOSE)).rejects.toThrow(KeyDestroyedError);
    });
  });

  describe('master-key rotation', () => {
    const rotationSchema = uniqueName('sealing_rotation');

    beforeAll(async () => {
      const runner = dataSource.createQueryRunner();
      try {
        for (const Migration of sealingMigrations(rotationSchema)) await new Migration().up(runner);
      } finally {
        await runner.release();
      }
    });

    afterAll(async () => {
      await dropSchema(dataSource, rotationSchema);
    });

    it('opens old texts after a rotation, wraps new keys with the new master key, re-wraps the old ones', async () => {
      const beforeRotation = new CaseKeyring(dataSource, rotationSchema, onlyK1);
      const oldCase = randomUUID();
      const oldText = await beforeRotation.seal(oldCase, '旧鍵で封印', PURPOSE);

      const rotated = new CaseKeyring(dataSource, rotationSchema, sealingConfig(`k2:${k2Text},k1:${k1Text}`));
      expect(await rotated.unseal(oldText, PURPOSE)).toBe('旧鍵で封印');
      const newCase = randomUUID();
      const newText = await rotated.seal(newCase, '新鍵で封印', PURPOSE);
      expect((await rotated.keyFor(newCase)).masterKeyId).toBe('k2');
      expect((await rotated.keyFor(oldCase)).masterKeyId).toBe('k1');
      expect(await rotated.masterKeyUsage()).toEqual([
        { masterKeyId: 'k1', liveKeys: 1 },
        { masterKeyId: 'k2', liveKeys: 1 },
      ]);

      // k1 cannot be dropped yet: the old case's key is still wrapped under it
      const onlyK2 = sealingConfig(`k2:${k2Text}`);
      await expect(
        new CaseKeyring(dataSource, rotationSchema, onlyK2).unseal(oldText, PURPOSE),
      ).rejects.toThrow(/master key "k1" is not in SEALING_MASTER_KEYS/);

      expect(await rotated.rewrapUnderActiveMasterKey({ batchSize: 1 })).toBe(1);
      expect(await rotated.masterKeyUsage()).toEqual([{ masterKeyId: 'k2', liveKeys: 2 }]);
      const afterRetirement = new CaseKeyring(dataSource, rotationSchema, onlyK2);
      expect(await afterRetirement.unseal(oldText, PURPOSE)).toBe('旧鍵で封印');
      expect(await afterRetirement.unseal(newText, PURPOSE)).toBe('新鍵で封印');
      expect((await afterRetirement.keyFor(oldCase)).keyId).toBe(oldText.keyId);
    });

    it('the master-keys command reports usage and re-wraps, naming ids and counts only', async () => {
      const k3Text = randomBytes(32).toString('base64url');
      await new CaseKeyring(dataSource, rotationSchema, sealingConfig(`k2:${k2Text}`)).keyFor(randomUUID());
      const env = {
        DATABASE_URL: testConfig().databaseUrl,
        DB_SCHEMA: rotationSchema,
        SEALING_MASTER_KEYS: `k3:${k3Text},k2:${k2Text},k1:${k1Text}`,
      };
      const before = await runMasterKeyCommand('usage', env);
      expect(before).toEqual({
        schema: rotationSchema,
        activeMasterKeyId: 'k3',
        usage: [{ masterKeyId: 'k2', liveKeys: 3 }],
        unusedMasterKeyIds: ['k3', 'k1'],
      });
      const after = await runMasterKeyCommand('rewrap', env);
      expect(after).toMatchObject({ rewrapped: 3, usage: [{ masterKeyId: 'k3', liveKeys: 3 }] });
      expect(after.unusedMasterKeyIds).toEqual(['k2', 'k1']);
      expect(JSON.stringify(after)).not.toContain(k3Text);
    });

    it('refuses a wrapped key moved to another case (its AAD binds schema, case and key id)', async () => {
      const ring = new CaseKeyring(dataSource, rotationSchema, onlyK1);
      const [victim, attacker] = [randomUUID(), randomUUID()];
      const sealed = await ring.seal(victim, '秘密', PURPOSE);
      await ring.keyFor(attacker);
      await dataSource.query(
        `UPDATE "${rotationSchema}".case_keys SET wrapped_key =
           (SELECT wrapped_key FROM "${rotationSchema}".case_keys WHERE case_id = $1) WHERE case_id = $2`,
        [victim, attacker],
      );
      const fresh = new CaseKeyring(dataSource, rotationSchema, onlyK1);
      const attackerKeyId = (
        await dataSource.query(`SELECT key_id FROM "${rotationSchema}".case_keys WHERE case_id = $1`, [
          attacker,
        ])
      )[0].key_id as string;
      await expect(fresh.unseal({ ...sealed, keyId: attackerKeyId }, PURPOSE)).rejects.toThrow(
        SealTamperedError,
      );
      expect(await fresh.unseal(sealed, PURPOSE)).toBe('秘密');
    });
  });
});
