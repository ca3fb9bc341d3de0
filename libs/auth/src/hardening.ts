import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit as expressRateLimit, ipKeyGenerator } from 'express-rate-limit';
import helmet from 'helmet';
import { ApiError, mapErrorToHttp, requestStateOf } from '#libs/platform';
import type { AuthConfig } from './config.js';
import { CSRF_HEADER } from './session.js';

/**
 * HTTP hardening for the platform's `configureHttp` hook (it runs before the body is parsed, so a
 * refused request is never parsed): security headers, CORS, rate limits.
 */

/**
 * helmet with a strict Content-Security-Policy for server-rendered pages: scripts, styles, fonts and
 * images from the page's own origin only, no inline script, no plugins, no framing, forms post to
 * the same origin. Plus HSTS, nosniff, no referrer, same-origin resource policy.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  }) as RequestHandler;
}

const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = `Authorization, Content-Type, If-Match, X-Request-Id, X-Correlation-Id, ${CSRF_HEADER}`;
const CORS_EXPOSED = 'ETag, Location, Retry-After, X-Request-Id, X-Correlation-Id';

/**
 * CORS by an allow-list of exact origins (CORS_ALLOWED_ORIGINS; none by default). An allowed origin
 * gets the CORS headers (credentials included); a preflight from any other origin is refused with 403
 * `cors_origin_refused`, and its simple requests get no CORS headers, so its scripts cannot read the
 * answers. Requests without an Origin header (servers, curl, same-origin GETs) are not affected.
 */
export function corsPolicy(allowedOrigins: readonly string[] = []): RequestHandler {
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') {
      next();
      return;
    }
    response.vary('Origin');
    const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'];
    if (!allowed.has(origin.toLowerCase())) {
      if (isPreflight) {
        sendError(
          request,
          response,
          new ApiError('forbidden', 'This origin may not call the API.', {
            code: 'cors_origin_refused',
          }),
        );
        return;
      }
      next();
      return;
    }
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED);
    if (isPreflight) {
      response.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
      response.setHeader('Access-Control-Allow-Headers', CORS_HEADERS);
      response.setHeader('Access-Control-Max-Age', '600');
      response.status(204).end();
      return;
    }
    next();
  };
}

export interface RateLimitOptions {
  /** length of the window */
  readonly windowMs: number;
  /** requests allowed per key and window */
  readonly limit: number;
  /** what is counted: the client IP (per /64 for IPv6) by default; e.g. the account for sign-in */
  readonly keyGenerator?: (request: Request) => string | Promise<string>;
  /** requests that are not counted */
  readonly skip?: (request: Request) => boolean;
}

/**
 * A rate limit (express-rate-limit, in-memory store: per process). Over the limit: 429 with
 * `Retry-After` and the platform's error body (`rate_limited`). Behind a proxy, set Express's
 * `trust proxy` so the client IP is the real one.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  return expressRateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    keyGenerator: options.keyGenerator ?? ((request) => ipKeyGenerator(request.ip ?? 'unknown')),
    skip: options.skip,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (request, response) => {
      const resetTime = (request as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(((resetTime?.getTime() ?? Date.now() + options.windowMs) - Date.now()) / 1000),
      );
      sendError(request, response, new ApiError('rate_limited', undefined, { retryAfterSeconds }));
    },
  }) as RequestHandler;
}

/** A rate limit on some routes: `{ path: '/auth/login', method: 'POST', windowMs, limit }`. */
export interface RouteRateLimit extends RateLimitOptions {
  /** Express path (prefix match as with `app.use`) */
  readonly path: string;
  /** only this method is counted; all methods when absent */
  readonly method?: string;
}

export interface HttpHardeningOptions {
  /** the validated AuthConfig (CORS_ALLOWED_ORIGINS) */
  readonly auth: AuthConfig;
  readonly rateLimits?: readonly RouteRateLimit[];
}

/**
 * Everything above, in order, for `configureHttp`:
 * `configureHttp: (app, config) => hardenHttp(app, { auth: config.auth })`.
 */
export function hardenHttp(app: NestExpressApplication, options: HttpHardeningOptions): void {
  app.use(securityHeaders());
  app.use(corsPolicy(options.auth.corsAllowedOrigins ?? []));
  for (const limit of options.rateLimits ?? []) {
    const method = limit.method?.toUpperCase();
    const skip = (request: Request) =>
      (method !== undefined && request.method !== method) || (limit.skip?.(request) ?? false);
    app.use(limit.path, rateLimit({ ...limit, skip }));
  }
}

/** Writes an error the way the platform's exception filter does (middleware runs outside Nest). */
function sendError(request: Request, response: Response, error: ApiError): void {
  const mapped = mapErrorToHttp(error, requestStateOf(request)?.requestId);
  response.status(mapped.status);
  for (const [name, value] of Object.entries(mapped.headers)) response.setHeader(name, value);
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(JSON.stringify(mapped.body));
}
