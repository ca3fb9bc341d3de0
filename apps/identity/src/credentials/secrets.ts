import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a secret; what the database stores instead of session ids and API token secrets. */
export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `bytes` random bytes as base64url (no padding). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time comparison of two SHA-256 digests (false when the lengths differ). */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
