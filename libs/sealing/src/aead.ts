import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce and a 128-bit tag, in the one layout both the sealed texts and
 * the wrapped data keys use:
 *
 *     version (1 byte) ‖ nonce (12 bytes) ‖ tag (16 bytes) ‖ encrypted data (as long as the plaintext)
 *
 * The version byte is authenticated through the associated data (each caller's AAD names its version).
 */

export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const HEADER_LENGTH = 1 + NONCE_LENGTH + TAG_LENGTH;

const ALGORITHM = 'aes-256-gcm';

export function aeadSeal(version: number, key: Buffer, plaintext: Uint8Array, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(version), nonce, cipher.getAuthTag(), data]);
}

/** Why opening failed, for the caller's typed error; never includes any of the bytes. */
export type OpenFailure = 'too short' | 'unknown version' | 'authentication failed';

export function aeadOpen(
  version: number,
  key: Buffer,
  sealed: Uint8Array,
  aad: Buffer,
): { plaintext: Buffer } | { failure: OpenFailure } {
  if (sealed.length < HEADER_LENGTH) return { failure: 'too short' };
  if (sealed[0] !== version) return { failure: 'unknown version' };
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = bytes.subarray(1, 1 + NONCE_LENGTH);
  const tag = bytes.subarray(1 + NONCE_LENGTH, HEADER_LENGTH);
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return { plaintext: Buffer.concat([decipher.update(bytes.subarray(HEADER_LENGTH)), decipher.final()]) };
  } catch {
    return { failure: 'authentication failed' };
  }
}

/** Associated data: a label then each part, NUL-separated (no part may contain NUL; callers check). */
export function associatedData(label: string, ...parts: string[]): Buffer {
  return Buffer.from([label, ...parts].join('\0'), 'utf8');
}
