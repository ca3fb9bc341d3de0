import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { attributeAttempt } from '#libs/audit';
import {
  AUTH_CLOCK,
  AuthConfig,
  Authenticated,
  authenticationOf,
  type Clock,
  CurrentPrincipal,
  csrfTokenFor,
  type Principal,
  Public,
} from '#libs/auth';
import { ApiError } from '#libs/platform';
import { findAccountById } from '../accounts/accounts.js';
import { SessionStore } from '../sessions/session-store.js';
import { AccessTokenSigner } from '../tokens/access-token-signer.js';
import { ApiTokenService } from '../tokens/api-tokens.service.js';
import { AccessTokenDto, LoginDto, MeDto, SignedInDto } from './auth.dto.js';
import { RefusedAttempt } from './errors.js';
import { LoginService } from './login.service.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from './session-cookie.js';

const API_TOKEN_BEARER = /^Bearer[ ]+(lrt_\S+)$/i;

/**
 * Awaits a sign-in or token exchange; a refusal names its account in the access log
 * (`claimed_account`) and is answered with the same error whether or not the account exists.
 */
async function answerAttempt<T>(req: Request, attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (error) {
    if (!(error instanceof RefusedAttempt)) throw error;
    if (error.accountId) attributeAttempt(req, error.accountId);
    throw error.answer;
  }
}

/** Sign-in, sign-out, the exchange of credentials for access tokens, and who am I. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(LoginService) private readonly logins: LoginService,
    @Inject(SessionStore) private readonly sessions: SessionStore,
    @Inject(ApiTokenService) private readonly apiTokens: ApiTokenService,
    @Inject(AccessTokenSigner) private readonly signer: AccessTokenSigner,
    @Inject(AuthConfig) private readonly auth: AuthConfig,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /**
   * E-mail and password (JSON or an HTML form) → a web session in the `lr_session` cookie and the
   * session's CSRF token. Every failure is the same 401 `invalid_credentials`.
   */
  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SignedInDto })
  @ApiUnauthorizedResponse({
    description: 'invalid_credentials (the same for unknown e-mail and wrong password)',
  })
  @ApiTooManyRequestsResponse({
    description: 'too many failed attempts for this account or IP; see Retry-After',
  })
  async login(
    @Body() body: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignedInDto> {
    const session = await answerAttempt(req, this.logins.login(body.email, body.password, this.clock.now()));
    setSessionCookie(res, session.cookieValue, session.absoluteExpiresAt, this.auth.cookieSecure);
    res.setHeader('Cache-Control', 'no-store');
    return {
      userId: session.userId,
      csrfToken: csrfTokenFor(session.cookieValue),
      expiresAt: session.absoluteExpiresAt.toISOString(),
    };
  }

  /** Ends the web session (the cookie's, or the one an access token was issued for) and clears the cookie. */
  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiNoContentResponse()
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    if (principal.sessionId) await this.sessions.revoke(principal.sessionId, this.clock.now());
    clearSessionCookie(res, this.auth.cookieSecure);
  }

  /**
   * Exchanges an API token (`Authorization: Bearer lrt_…`) or a web session (cookie + X-CSRF-Token)
   * for a short-lived access token. The token or user is checked here, at every exchange: a revoked
   * token or a disabled user gets 401 at once. An access token cannot be exchanged for another.
   */
  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AccessTokenDto })
  async token(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AccessTokenDto> {
    res.setHeader('Cache-Control', 'no-store');
    const now = this.clock.now();
    const apiToken = API_TOKEN_BEARER.exec(req.headers.authorization?.trim() ?? '')?.[1];
    let principal: Principal;
    if (apiToken) {
      principal = await answerAttempt(req, this.apiTokens.authenticate(apiToken, now));
    } else {
      // The guard attached the session's principal only if the cookie is live and the CSRF token holds.
      const authentication = authenticationOf(req);
      if (authentication?.via !== 'session') {
        res.setHeader('WWW-Authenticate', 'Bearer realm="leak-response"');
        throw new ApiError('unauthenticated', 'Send an API token, or a session cookie with its CSRF token.');
      }
      principal = authentication.principal;
    }
    const issued = await this.signer.sign(principal, now);
    return { ...issued, tokenType: 'Bearer' };
  }

  /** The signed-in principal with its profile; for a web session also the CSRF token. */
  @Get('me')
  @Authenticated()
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentPrincipal() principal: Principal, @Req() req: Request): Promise<MeDto> {
    const account = await findAccountById(this.dataSource.manager, principal.userId);
    if (!account) throw new ApiError('unauthenticated');
    const cookie = authenticationOf(req)?.via === 'session' ? sessionCookieOf(req) : undefined;
    return {
      id: principal.id,
      type: principal.type,
      userId: principal.userId,
      orgId: principal.orgId,
      orgKind: principal.orgKind,
      roles: [...principal.roles],
      contracts: principal.contracts === 'all' ? 'all' : [...principal.contracts],
      email: account.email,
      displayName: account.displayName,
      ...(cookie ? { csrfToken: csrfTokenFor(cookie) } : {}),
    };
  }
}
