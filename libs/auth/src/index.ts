/**
 * Authentication, authorisation and tenant scoping of every service, signed single-purpose links,
 * and HTTP hardening. See docs/security.md.
 */

export {
  ACCESS_RULE,
  type AccessRule,
  Authenticated,
  accessRuleOf,
  CurrentActor,
  CurrentPrincipal,
  Public,
  Roles,
} from './access-rules.js';
export {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type AccessTokenClaims,
  AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  CLOCK_TOLERANCE_SECONDS,
  claimsOf,
  InvalidAccessTokenError,
  principalFromClaims,
} from './access-token.js';
export { ACCESS_TOKEN_VERIFIER, AuthGuard, cookieOf, SESSION_VERIFIER } from './auth.guard.js';
export { AuthModule, type AuthModuleOptions } from './auth.module.js';
export { AUTH_CLOCK, type Clock, systemClock } from './clock.js';
export {
  AuthConfig,
  LinkConfig,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  MIN_LINK_KEY_BYTES,
  publicKeySetProblem,
} from './config.js';
export {
  corsPolicy,
  type HttpHardeningOptions,
  hardenHttp,
  type RateLimitOptions,
  type RouteRateLimit,
  rateLimit,
  securityHeaders,
} from './hardening.js';
export {
  actorOf,
  type ContractScope,
  isRole,
  ORG_KINDS,
  type OrgKind,
  type Principal,
  ROLES,
  type Role,
} from './principal.js';
export { authenticationOf, principalOf, type RequestAuthentication } from './request-auth.js';
export { AccessRuleCheck, type DeclaredRoute, declaredRoutes } from './routes.js';
export {
  CSRF_FIELD,
  CSRF_HEADER,
  csrfTokenFor,
  isValidCsrfToken,
  SESSION_COOKIE,
  SessionVerifier,
  type SessionVerifierOptions,
  sessionIdHashOf,
} from './session.js';
export {
  authMigrations,
  type ConsumeLinkInput,
  type IssueLinkInput,
  LinkAlreadyUsedError,
  LinkError,
  type LinkErrorCode,
  type LinkPayload,
  SignedLinks,
  type SignedLinksOptions,
  type VerifyLinkInput,
} from './signed-links.js';
export {
  assertCaseVisible,
  assertContractVisible,
  CaseNotFoundError,
  type ContractFilter,
  ContractNotFoundError,
  canSeeContract,
  contractFilter,
} from './tenancy.js';
