import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '#libs/platform';
import { type AccessRule, accessRuleOf } from './access-rules.js';
import { type AccessTokenVerifier, InvalidAccessTokenError } from './access-token.js';
import { AuthConfig } from './config.js';
import type { Principal, Role } from './principal.js';
import { attachAuthentication, type RequestAuthentication } from './request-auth.js';
import {
  CSRF_FIELD,
  CSRF_HEADER,
  isValidCsrfToken,
  SESSION_COOKIE,
  type SessionVerifier,
} from './session.js';

/** Injection tokens of the two verifiers (classes with options, built by `AuthModule`). */
export const ACCESS_TOKEN_VERIFIER = Symbol('auth.access-token-verifier');
export const SESSION_VERIFIER = Symbol('auth.session-verifier');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface HttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

interface HttpResponse {
  setHeader(name: string, value: string | string[]): unknown;
}

/** What the request presented, before it is checked. */
type Credentials =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'session'; readonly cookie: string }
  | { readonly kind: 'none' };

type Outcome =
  | { readonly ok: true; readonly authentication: RequestAuthentication; readonly cookie?: string }
  | { readonly ok: false; readonly message: string; readonly staleCookie: boolean };

/**
 * The global guard of every service (registered by `AuthModule.forService()`): authenticates the
 * request (Bearer access token, else the session cookie), then authorises it by the route's rule.
 *
 * - no rule on the route → 403 `no_access_rule` (a programming error; the start-up check logs it)
 * - no or bad credentials → 401 `unauthenticated` with `WWW-Authenticate: Bearer`
 * - session cookie on POST/PUT/PATCH/DELETE without a valid CSRF token → 403 `csrf_failed`
 * - none of the route's roles → 403 `forbidden`
 *
 * Public routes never fail here; credentials they carry are still checked and, when valid, attached.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly tokens: AccessTokenVerifier,
    @Inject(SESSION_VERIFIER) private readonly sessions: SessionVerifier,
    @Inject(AuthConfig) private readonly config: AuthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const rule = accessRuleOf(this.reflector, [context.getHandler(), context.getClass()]);
    if (!rule) {
      throw new ApiError('forbidden', 'This route has no access rule and is refused to everyone.', {
        code: 'no_access_rule',
      });
    }
    const outcome = await this.authenticate(request);
    if (rule.kind === 'public') {
      if (outcome.ok && (!outcome.cookie || this.csrfHolds(request, outcome.cookie))) {
        attachAuthentication(request, outcome.authentication);
      }
      return true;
    }
    if (!outcome.ok) {
      if (outcome.staleCookie) this.clearSessionCookie(response);
      response.setHeader('WWW-Authenticate', 'Bearer realm="leak-response"');
      throw new ApiError('unauthenticated', outcome.message);
    }
    const role = admittedRole(rule, outcome.authentication.principal);
    attachAuthentication(request, { ...outcome.authentication, ...(role ? { role } : {}) });
    if (outcome.cookie && !this.csrfHolds(request, outcome.cookie)) {
      throw new ApiError('forbidden', 'The request lacks a valid CSRF token.', { code: 'csrf_failed' });
    }
    if (rule.kind === 'roles' && !role) throw new ApiError('forbidden');
    return true;
  }

  private async authenticate(request: HttpRequest): Promise<Outcome> {
    const credentials = credentialsOf(request);
    switch (credentials.kind) {
      case 'none':
        return { ok: false, message: 'Sign in or send an access token.', staleCookie: false };
      case 'bearer':
        try {
          const principal = await this.tokens.verify(credentials.token);
          return { ok: true, authentication: { principal, via: 'bearer' } };
        } catch (error) {
          if (!(error instanceof InvalidAccessTokenError)) throw error;
          const message =
            error.reason === 'expired' ? 'The access token has expired.' : 'The access token is not valid.';
          return { ok: false, message, staleCookie: false };
        }
      case 'session': {
        const principal = await this.sessions.verify(credentials.cookie);
        if (!principal)
          return { ok: false, message: 'The session has ended; sign in again.', staleCookie: true };
        return { ok: true, authentication: { principal, via: 'session' }, cookie: credentials.cookie };
      }
      default: {
        const unknown: never = credentials;
        throw new Error(`unknown credentials ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Safe methods need no token; state changes need the session's token in the header or the form. */
  private csrfHolds(request: HttpRequest, cookie: string): boolean {
    if (SAFE_METHODS.has(request.method)) return true;
    const header = request.headers[CSRF_HEADER];
    const field = (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    return isValidCsrfToken(cookie, Array.isArray(header) ? header[0] : (header ?? field));
  }

  private clearSessionCookie(response: HttpResponse): void {
    const secure = this.config.cookieSecure ? '; Secure' : '';
    response.setHeader(
      'Set-Cookie',
      `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure}`,
    );
  }
}

/** The first of the principal's roles the rule admits (any role for `authenticated`). */
function admittedRole(rule: AccessRule, principal: Principal): Role | undefined {
  if (rule.kind === 'roles') return principal.roles.find((role) => rule.roles.includes(role));
  return principal.roles[0];
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i;

/** A Bearer token wins over the cookie (and then needs no CSRF token). */
function credentialsOf(request: HttpRequest): Credentials {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const token = BEARER.exec(authorization.trim())?.[1];
    // A malformed Authorization header is a bad credential, not an absent one.
    return { kind: 'bearer', token: token ?? '' };
  }
  const cookie = sessionCookieOf(request.headers.cookie);
  return cookie ? { kind: 'session', cookie } : { kind: 'none' };
}

function sessionCookieOf(header: string | string[] | undefined): string | undefined {
  const value = cookieOf(header, SESSION_COOKIE);
  return value !== undefined && /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
}

/** The raw value of one cookie in a `Cookie` header (no decoding: the system's cookies are URL-safe). */
export function cookieOf(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
