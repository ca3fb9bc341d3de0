import { type CryptoKey, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  claimsOf,
  type Principal,
} from '#libs/auth';

export interface SigningKeys {
  /** The private Ed25519 JWK (with `kid`) as JSON: AUTH_SIGNING_KEY. */
  readonly privateJwk: string;
  /** The public JWKS as JSON, `{"keys":[…]}`: AUTH_PUBLIC_KEYS. Must contain the signing key's `kid`. */
  readonly publicJwks: string;
}

export interface IssuedAccessToken {
  readonly accessToken: string;
  /** seconds until `exp` */
  readonly expiresIn: number;
}

/** A signing key that does not fit the published keys: the service must not start with it. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/**
 * Signs the short-lived access tokens (EdDSA, Ed25519) that every service verifies locally against
 * AUTH_PUBLIC_KEYS. Only the identity service holds the private key. The claims are the contract
 * of docs/identity.md: `sub`, `typ`, `uid`, `org`, `ok`, `roles`, `ctr` and, for web sessions, `sid`.
 */
export class AccessTokenSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
    private readonly jwks: JSONWebKeySet,
    private readonly ttlSeconds: number,
  ) {}

  static async create(keys: SigningKeys, ttlSeconds: number): Promise<AccessTokenSigner> {
    const privateJwk = parseJson<JWK>(keys.privateJwk, 'AUTH_SIGNING_KEY');
    const jwks = parseJson<JSONWebKeySet>(keys.publicJwks, 'AUTH_PUBLIC_KEYS');
    if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || !privateJwk.d || !privateJwk.kid) {
      throw new SigningKeyError(
        'AUTH_SIGNING_KEY must be a private Ed25519 JWK (kty OKP, crv Ed25519) with a kid',
      );
    }
    const published = jwks.keys?.find((candidate) => candidate.kid === privateJwk.kid);
    if (!published || published.x !== privateJwk.x) {
      throw new SigningKeyError(
        `AUTH_PUBLIC_KEYS has no public key with kid ${privateJwk.kid} matching AUTH_SIGNING_KEY: tokens signed with it could not be verified`,
      );
    }
    const key = (await importJWK(
      { ...privateJwk, alg: ACCESS_TOKEN_ALGORITHM },
      ACCESS_TOKEN_ALGORITHM,
    )) as CryptoKey;
    const publicOnly: JSONWebKeySet = {
      keys: jwks.keys.map(({ kty, crv, x, kid, alg, use }) => ({
        kty,
        crv,
        x,
        kid,
        alg: alg ?? ACCESS_TOKEN_ALGORITHM,
        use: use ?? 'sig',
      })),
    };
    return new AccessTokenSigner(key, privateJwk.kid, publicOnly, ttlSeconds);
  }

  /** The published verification keys (`GET /.well-known/jwks.json`): public parts only. */
  get publicKeys(): JSONWebKeySet {
    return this.jwks;
  }

  async sign(principal: Principal, now: Date): Promise<IssuedAccessToken> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const accessToken = await new SignJWT({ ...claimsOf(principal) })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(principal.id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.key);
    return { accessToken, expiresIn: this.ttlSeconds };
  }
}

function parseJson<T>(text: string, variable: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SigningKeyError(`${variable} is not valid JSON`);
  }
}
