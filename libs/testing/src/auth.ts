import { randomBytes, randomUUID, type webcrypto } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  claimsOf,
  type Principal,
  type Role,
} from '#libs/auth';

/** An Ed25519 key pair made for one test run, in the forms the services and identity take. */
export interface TestKeys {
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
  readonly privateJwk: JWK;
  /** AUTH_PUBLIC_KEYS: `{"keys":[…]}` as JSON */
  readonly publicJwks: string;
  /** AUTH_SIGNING_KEY: the private JWK as JSON */
  readonly signingKey: string;
  /** LINK_SIGNING_KEY: 32 random bytes, base64url */
  readonly linkKey: string;
}

/** Generates the keys in-process: tests never depend on deploy/local/.state. */
export async function generateTestKeys(): Promise<TestKeys> {
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
  return {
    kid,
    privateKey: privateKey as webcrypto.CryptoKey,
    privateJwk,
    publicJwks: JSON.stringify({ keys: [publicJwk] }),
    signingKey: JSON.stringify(privateJwk),
    linkKey: randomBytes(32).toString('base64url'),
  };
}

export interface SignOptions {
  /** `iat` (default: now) */
  readonly now?: Date;
  /** seconds from `iat` to `exp` (default 600) */
  readonly ttlSeconds?: number;
  /** override claims to forge malformed tokens */
  readonly extraClaims?: Record<string, unknown>;
  readonly issuer?: string;
  readonly audience?: string;
}

/** An access token for `principal` signed as identity would sign it. */
export async function signAccessToken(
  keys: Pick<TestKeys, 'kid' | 'privateKey'>,
  principal: Principal,
  options: SignOptions = {},
): Promise<string> {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ ...claimsOf(principal), ...options.extraClaims })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? ACCESS_TOKEN_ISSUER)
    .setAudience(options.audience ?? ACCESS_TOKEN_AUDIENCE)
    .setSubject(principal.id)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 600))
    .sign(keys.privateKey);
}

/**
 * A principal for a test: a user of the contractor (or of a client for `client_officer`) holding
 * `role`, seeing `contracts` ('all' for auditor and admin by default).
 */
export function testPrincipal(
  role: Role,
  contracts: readonly string[] | 'all' = role === 'auditor' || role === 'admin' ? 'all' : [],
  overrides: Partial<Principal> = {},
): Principal {
  const userId = overrides.userId ?? randomUUID();
  return {
    id: userId,
    type: 'user',
    userId,
    orgId: randomUUID(),
    orgKind: role === 'client_officer' ? 'client' : 'contractor',
    roles: [role],
    contracts,
    ...overrides,
  };
}

/** The environment variables of libs/auth for a service under test. */
export function authEnv(keys: Pick<TestKeys, 'publicJwks' | 'linkKey'>, identitySchema = 'identity') {
  return {
    AUTH_PUBLIC_KEYS: keys.publicJwks,
    AUTH_COOKIE_SECURE: 'false',
    IDENTITY_SCHEMA: identitySchema,
    LINK_SIGNING_KEY: keys.linkKey,
  };
}
