import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, type RateLimitRequestHandler, rateLimit } from 'express-rate-limit';
import { ApiError, mapErrorToHttp, requestStateOf } from '#libs/platform';
import { normaliseEmail } from '../accounts/accounts.js';
import type { IdentityConfig } from '../identity.config.js';

export const LOGIN_PATH = '/auth/login';

/**
 * Answers a refused attempt with the platform's error body, `429 rate_limited` and `Retry-After`
 * (seconds until the window of this key resets).
 */
function tooManyAttempts(req: Request, res: Response): void {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const retryAfterSeconds = resetTime
    ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
    : 60;
  const mapped = mapErrorToHttp(
    new ApiError('rate_limited', 'Too many failed sign-in attempts; try again later.', { retryAfterSeconds }),
    requestStateOf(req)?.requestId,
  );
  res.status(mapped.status).set(mapped.headers).json(mapped.body);
}

interface LoginLimitOptions {
  readonly windowMs: number;
  readonly limit: number;
  readonly key: (req: Request) => string | undefined;
}

/**
 * Counts failed sign-ins only (a successful one takes its count back), per key; the attempt after
 * `limit` failures within the window is refused before the password is checked. Requests without a
 * key (no e-mail in the body) are not counted here. The counters live in this process: a service
 * running several instances behind a balancer multiplies the allowance by the number of instances.
 */
function loginLimiter(options: LoginLimitOptions): RateLimitRequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    skipSuccessfulRequests: true,
    standardHeaders: false,
    legacyHeaders: false,
    skip: (req) => req.method !== 'POST' || options.key(req) === undefined,
    keyGenerator: (req) => options.key(req) ?? '',
    handler: tooManyAttempts,
    // the key is computed by us, not taken from X-Forwarded-For; nothing to validate
    validate: { keyGeneratorIpFallback: false },
  });
}

/** Per client IP: mounted in `configureHttp`, before the body is parsed. */
export function loginLimiterPerIp(config: IdentityConfig): RequestHandler {
  return loginLimiter({
    windowMs: config.loginWindowSeconds * 1000,
    limit: config.loginMaxFailuresPerIp,
    key: (req) => `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`,
  });
}

/** Per account (the e-mail address of the attempt): a Nest middleware on `POST /auth/login`, after body parsing. */
export function loginLimiterPerAccount(config: IdentityConfig): RequestHandler {
  return loginLimiter({
    windowMs: config.loginWindowSeconds * 1000,
    limit: config.loginMaxFailuresPerAccount,
    key: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return typeof email === 'string' && email.length > 0 && email.length <= 254
        ? `account:${normaliseEmail(email)}`
        : undefined;
    },
  });
}
