/**
 * Errors of the sealing lib. Only `KeyDestroyedError` is an expected outcome (the data was erased on
 * purpose) and carries a `kind` for the HTTP layer; the others mean the stored data or the
 * configuration is wrong and surface as internal errors. No message ever holds plaintext or key bytes.
 */

/** The case's data key was destroyed (crypto-shredding): its sealed texts are gone for good. */
export class KeyDestroyedError extends Error {
  /** the HTTP layer answers 410 Gone (or shows a "data erased" marker in a page) */
  readonly kind = 'gone' as const;
  readonly code = 'data_erased';

  constructor(
    readonly keyId: string,
    readonly destroyedAt: Date,
  ) {
    super(`the data was erased: its key ${keyId} was destroyed at ${destroyedAt.toISOString()}`);
    this.name = 'KeyDestroyedError';
  }
}

/**
 * A sealed text failed authentication: its bytes, its key id or the purpose it is opened for differ from
 * what was sealed (or its layout is not one this lib writes).
 */
export class SealTamperedError extends Error {
  constructor(
    readonly keyId: string,
    readonly reason: string,
  ) {
    super(`sealed text under key ${keyId} cannot be opened: ${reason}`);
    this.name = 'SealTamperedError';
  }
}

/**
 * No data key with this id exists in the schema, or its wrapping master key is not configured (a retired
 * master key removed from `SEALING_MASTER_KEYS` before every case key was re-wrapped).
 */
export class UnknownKeyError extends Error {
  constructor(
    readonly keyId: string,
    readonly reason: string,
  ) {
    super(`unknown key ${keyId}: ${reason}`);
    this.name = 'UnknownKeyError';
  }
}

/** The caller passed something this lib refuses (a case id that is not a UUID, an empty purpose). */
export class SealingUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealingUsageError';
  }
}
