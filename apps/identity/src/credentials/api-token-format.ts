import { randomBytes } from 'node:crypto';
import { randomSecret } from './secrets.js';

/**
 * API tokens look like `lrt_<id>_<secret>`: the id (16 hex characters) finds the row, the secret
 * (32 random bytes, base64url) is compared by its SHA-256. The `lrt_` prefix makes leaked tokens
 * easy to find with secret scanners.
 */
export const API_TOKEN_PREFIX = 'lrt_';
const TOKEN_ID = /^[0-9a-f]{16}$/;
const TOKEN_SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface ApiTokenParts {
  readonly id: string;
  readonly secret: string;
}

export function newApiTokenParts(): ApiTokenParts {
  return { id: randomBytes(8).toString('hex'), secret: randomSecret(32) };
}

export function formatApiToken({ id, secret }: ApiTokenParts): string {
  return `${API_TOKEN_PREFIX}${id}_${secret}`;
}

/** The parts of a well-formed token, or undefined. The secret may itself contain `_`. */
export function parseApiToken(token: string): ApiTokenParts | undefined {
  if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
  const rest = token.slice(API_TOKEN_PREFIX.length);
  const separator = rest.indexOf('_');
  if (separator < 0) return undefined;
  const id = rest.slice(0, separator);
  const secret = rest.slice(separator + 1);
  return TOKEN_ID.test(id) && TOKEN_SECRET.test(secret) ? { id, secret } : undefined;
}
