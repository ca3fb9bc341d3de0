import { Transform } from 'class-transformer';
import type { JSONWebKeySet } from 'jose';
import {
  AsBoolean,
  AsInteger,
  AsList,
  Check,
  Env,
  IsBooleanFlag,
  IsIntegerInRange,
  IsSqlIdentifier,
} from '#libs/platform';

/** Longest access-token lifetime the system accepts (issue 3: revocation takes effect within 15 min). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 900;

/** Shortest signing key for links: 256 bits. */
export const MIN_LINK_KEY_BYTES = 32;

/** `{"keys":[…]}` → the parsed object; text that is not JSON stays a string (rejected by the check). */
const AsJson = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  });

/**
 * Why a JWKS is not usable as AUTH_PUBLIC_KEYS, or undefined when it is: Ed25519 public keys only,
 * each with a distinct `kid`, and never a private part (`d`) — a private key pasted into a variable
 * every service reads would let any of them mint tokens.
 */
export function publicKeySetProblem(value: unknown): string | undefined {
  const keys = (value as Partial<JSONWebKeySet> | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0) {
    return 'must be a JWKS JSON object {"keys":[…]} with at least one key';
  }
  const kids = new Set<string>();
  for (const key of keys) {
    if (key?.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.x !== 'string') {
      return 'must hold Ed25519 public keys only (kty OKP, crv Ed25519)';
    }
    if ('d' in key) return 'must hold public keys only: a key has a private part (d); remove it';
    if (typeof key.kid !== 'string' || key.kid.length === 0) return 'every key needs a kid';
    if (kids.has(key.kid)) return `kid ${key.kid} appears twice`;
    kids.add(key.kid);
  }
  return undefined;
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/**
 * What every service needs to authenticate requests (docs/configuration.md, "Authentication").
 * Services verify access tokens locally against AUTH_PUBLIC_KEYS; only identity signs them.
 */
export class AuthConfig {
  @Env('AUTH_PUBLIC_KEYS', {
    description:
      'JWKS JSON {"keys":[…]} of the Ed25519 public keys access tokens are verified with (each with a kid; several during a key rotation)',
  })
  @AsJson()
  @Check(
    (value) => publicKeySetProblem(value) === undefined,
    (value) => publicKeySetProblem(value) ?? 'is invalid',
  )
  readonly publicKeys!: JSONWebKeySet;

  @Env('AUTH_ACCESS_TOKEN_TTL_SECONDS', {
    default: '600',
    description: `Lifetime of the access tokens identity issues, in seconds (60–${MAX_ACCESS_TOKEN_TTL_SECONDS}); a revoked user or API token keeps working at most this long`,
  })
  @AsInteger()
  @IsIntegerInRange(60, MAX_ACCESS_TOKEN_TTL_SECONDS)
  readonly accessTokenTtlSeconds!: number;

  @Env('AUTH_COOKIE_SECURE', {
    default: 'true',
    description: 'Mark the session cookie Secure (sent over HTTPS only); false only for local http',
  })
  @AsBoolean()
  @IsBooleanFlag()
  readonly cookieSecure!: boolean;

  @Env('CORS_ALLOWED_ORIGINS', {
    optional: true,
    description:
      'Comma-separated origins (scheme://host[:port]) whose browser scripts may call the API; unset means none',
  })
  @AsList()
  @Check(
    (value) => Array.isArray(value) && value.every((origin) => ORIGIN.test(origin)),
    'must be a comma-separated list of origins such as https://console.example.jp',
  )
  readonly corsAllowedOrigins?: readonly string[];

  @Env('IDENTITY_SCHEMA', {
    default: 'identity',
    description:
      "Schema of the identity service's tables, read to verify web sessions (sessions, users, contracts)",
  })
  @IsSqlIdentifier()
  readonly identitySchema!: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Signed single-purpose links (email actions): only the services that issue or accept them load it. */
export class LinkConfig {
  @Env('LINK_SIGNING_KEY', {
    secret: true,
    description: `Key signing single-purpose links: at least ${MIN_LINK_KEY_BYTES} random bytes, base64url`,
  })
  @Check(
    (value) =>
      typeof value === 'string' &&
      BASE64URL.test(value) &&
      Buffer.from(value, 'base64url').length >= MIN_LINK_KEY_BYTES,
    `must be at least ${MIN_LINK_KEY_BYTES} random bytes in base64url (e.g. openssl rand -base64 48 | tr '+/' '-_' | tr -d '=')`,
  )
  readonly signingKey!: string;

  get keyBytes(): Buffer {
    return Buffer.from(this.signingKey, 'base64url');
  }
}
