import { AsInteger, Env, IsIntegerInRange, IsNonEmptyText } from '#libs/platform';

/**
 * Settings only the identity service reads (docs/identity.md). The shared authentication settings
 * (AUTH_PUBLIC_KEYS, AUTH_ACCESS_TOKEN_TTL_SECONDS, AUTH_COOKIE_SECURE, IDENTITY_SCHEMA, …) are
 * libs/auth's `AuthConfig`.
 */
export class IdentityConfig {
  @Env('AUTH_SIGNING_KEY', {
    secret: true,
    description:
      'Private Ed25519 JWK (JSON, with kid) that signs access tokens; its public part must be in AUTH_PUBLIC_KEYS. Identity only',
  })
  @IsNonEmptyText()
  readonly signingKey!: string;

  @Env('AUTH_LOGIN_WINDOW_SECONDS', {
    default: '900',
    description: 'Window of the sign-in rate limits, in seconds',
  })
  @AsInteger()
  @IsIntegerInRange(1, 86_400)
  readonly loginWindowSeconds!: number;

  @Env('AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT', {
    default: '5',
    description: 'Failed sign-ins allowed per e-mail address and window; the next attempt gets 429',
  })
  @AsInteger()
  @IsIntegerInRange(1, 1000)
  readonly loginMaxFailuresPerAccount!: number;

  @Env('AUTH_LOGIN_MAX_FAILURES_PER_IP', {
    default: '20',
    description: 'Failed sign-ins allowed per client IP address and window; the next attempt gets 429',
  })
  @AsInteger()
  @IsIntegerInRange(1, 100_000)
  readonly loginMaxFailuresPerIp!: number;
}
