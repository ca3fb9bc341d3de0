import { inspect } from 'node:util';

/** Bytes of an AES-256 key. */
export const KEY_LENGTH = 32;

/** A master-key id: what `case_keys.master_key_id` records; never secret, never the key itself. */
const MASTER_KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** 32 bytes in base64url: 43 characters, optionally one `=` of padding. */
const KEY_MATERIAL = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * One master key from `SEALING_MASTER_KEYS`. The key bytes are kept out of `JSON.stringify` and
 * `util.inspect`, so logging a config object by mistake prints the id only.
 */
export class MasterKey {
  readonly #key: Buffer;

  constructor(
    readonly id: string,
    key: Buffer,
  ) {
    if (key.length !== KEY_LENGTH) throw new RangeError(`master key ${id} must be ${KEY_LENGTH} bytes`);
    this.#key = Buffer.from(key);
  }

  /** The key bytes; only the keyring calls this. */
  material(): Buffer {
    return this.#key;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return `MasterKey(${this.id})`;
  }
}

/** What parsing `SEALING_MASTER_KEYS` found wrong; the message never quotes key material. */
export class InvalidMasterKeys {
  constructor(readonly reason: string) {}
}

export const MASTER_KEYS_FORMAT =
  'must be one or more comma-separated id:key entries, key = 32 random bytes in base64url (the first entry wraps new keys)';

/**
 * Parses `id:base64url(32 bytes),id2:…`. Returns the keys in order (the first is the active one) or the
 * first problem found, naming the entry by position and id, never by its key.
 */
export function parseMasterKeys(raw: string): MasterKey[] | InvalidMasterKeys {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) return new InvalidMasterKeys(MASTER_KEYS_FORMAT);

  const keys: MasterKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const parsed = parseEntry(entry, index + 1);
    if (parsed instanceof InvalidMasterKeys) return parsed;
    const sameId = keys.find((key) => key.id === parsed.id);
    if (sameId) return new InvalidMasterKeys(`master key ids must be unique: "${parsed.id}" appears twice`);
    const sameKey = keys.find((key) => key.material().equals(parsed.material()));
    if (sameKey) {
      return new InvalidMasterKeys(`master keys "${sameKey.id}" and "${parsed.id}" hold the same key bytes`);
    }
    keys.push(parsed);
  }
  return keys;
}

function parseEntry(entry: string, position: number): MasterKey | InvalidMasterKeys {
  const separator = entry.indexOf(':');
  if (separator < 0) {
    return new InvalidMasterKeys(`entry ${position} must be id:key (no ":" found); ${MASTER_KEYS_FORMAT}`);
  }
  const id = entry.slice(0, separator).trim();
  const encoded = entry.slice(separator + 1).trim();
  if (!MASTER_KEY_ID.test(id)) {
    return new InvalidMasterKeys(
      `entry ${position}: the id must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (!KEY_MATERIAL.test(encoded)) {
    return new InvalidMasterKeys(
      `master key "${id}" must be exactly ${KEY_LENGTH} bytes in base64url (43 characters); generate one with ` +
        `node -p "require('node:crypto').randomBytes(32).toString('base64url')"`,
    );
  }
  const key = Buffer.from(encoded, 'base64url');
  if (key.length !== KEY_LENGTH) {
    return new InvalidMasterKeys(`master key "${id}" must decode to exactly ${KEY_LENGTH} bytes`);
  }
  if (key.every((byte) => byte === key[0])) {
    return new InvalidMasterKeys(`master key "${id}" is a placeholder (one byte repeated), not a random key`);
  }
  return new MasterKey(id, key);
}
