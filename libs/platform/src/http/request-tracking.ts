import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runWithContext } from '../logging/context.js';
import type { Logger } from '../logging/logger.js';
import { type HistogramMetric, HTTP_REQUEST_DURATION, type Metrics } from '../metrics/metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** Ids accepted from clients: short and plain, so nothing odd reaches logs or headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route label of requests that matched no route (404s), so scanners cannot inflate the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

const REQUEST_STATE = Symbol('platform.request');

/** The request as Express hands it to middleware, reduced to what the platform reads. */
export interface TrackedRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
  [REQUEST_STATE]?: RequestState;
}

export type TrackedResponse = ServerResponse & { locals?: Record<string, unknown> };

export type Next = (error?: unknown) => void;

export interface RequestState {
  readonly requestId: string;
  readonly correlationId: string;
  readonly startedAt: bigint;
}

/** The ids the platform assigned to a request (undefined before its first middleware ran). */
export function requestStateOf(request: object): RequestState | undefined {
  return (request as TrackedRequest)[REQUEST_STATE];
}

/** The route template Express matched (`/cases/:id`), or `unmatched`. */
export function routeTemplateOf(request: TrackedRequest): string {
  const path = request.route?.path;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  return `${request.baseUrl ?? ''}${path}` || '/';
}

function acceptableId(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single !== undefined && ACCEPTABLE_ID.test(single) ? single : undefined;
}

/** The code an error response carried, set by the exception filter, for the request log line. */
export const ERROR_CODE_LOCAL = 'platformErrorCode';

export interface RequestTrackingOptions {
  logger: Logger;
  metrics: Metrics;
  /** Routes logged at debug level when they succeed (probes and scrapes hit them all day). */
  quietRoutes?: readonly string[];
  /** Graceful shutdown: refuses new requests while draining and closes connections after in-flight ones. */
  lifecycle?: DrainControl;
}

/** The part of the HTTP lifecycle the tracker talks to. */
export interface DrainControl {
  readonly isDraining: boolean;
  /** Follows a response until it is done, so shutdown can close its connection afterwards. */
  track(response: ServerResponse): void;
}

function refuseWhileDraining(response: ServerResponse, requestId: string): void {
  response.statusCode = 503;
  response.shouldKeepAlive = false;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(
    JSON.stringify({
      error: {
        status: 503,
        code: 'service_unavailable',
        message: 'The service is shutting down.',
        requestId,
      },
    }),
  );
}

/**
 * The first middleware of every request: assigns the request id (the client's `X-Request-Id` when it
 * is acceptable, else a new UUID) and the correlation id (`X-Correlation-Id`, else the request id),
 * echoes both in the response headers, and when the response is done records the HTTP histogram and
 * writes one log line with method, route template, status and duration (no URL, no headers).
 */
export function createRequestTracker(options: RequestTrackingOptions) {
  const duration = options.metrics.histogram(HTTP_REQUEST_DURATION);
  const quiet = new Set(options.quietRoutes ?? []);

  return function trackRequest(request: TrackedRequest, response: TrackedResponse, next: Next): void {
    const requestId = acceptableId(request.headers[REQUEST_ID_HEADER]) ?? randomUUID();
    const correlationId = acceptableId(request.headers[CORRELATION_ID_HEADER]) ?? requestId;
    const state: RequestState = { requestId, correlationId, startedAt: process.hrtime.bigint() };
    request[REQUEST_STATE] = state;
    response.setHeader('X-Request-Id', requestId);
    response.setHeader('X-Correlation-Id', correlationId);

    response.once('finish', () =>
      record(request, response, state, { duration, quiet, logger: options.logger }),
    );
    response.once('close', () => {
      if (!response.writableFinished) {
        options.logger.info(
          { requestId, correlationId, method: request.method, route: routeTemplateOf(request) },
          'request aborted by the client',
        );
      }
    });

    if (options.lifecycle?.isDraining) {
      refuseWhileDraining(response, requestId);
      return;
    }
    options.lifecycle?.track(response);
    next();
  };
}

function record(
  request: TrackedRequest,
  response: TrackedResponse,
  state: RequestState,
  deps: { duration: HistogramMetric; quiet: Set<string>; logger: Logger },
): void {
  const seconds = Number(process.hrtime.bigint() - state.startedAt) / 1e9;
  const route = routeTemplateOf(request);
  const method = request.method ?? 'UNKNOWN';
  const status = response.statusCode;
  deps.duration.observe({ method, route, status_code: status }, seconds);

  const fields = {
    requestId: state.requestId,
    correlationId: state.correlationId,
    method,
    route,
    status,
    durationMs: Math.round(seconds * 1e4) / 10,
    ...(typeof response.locals?.[ERROR_CODE_LOCAL] === 'string'
      ? { code: response.locals[ERROR_CODE_LOCAL] }
      : {}),
  };
  if (status >= 500) deps.logger.warn(fields, 'request failed');
  else if (deps.quiet.has(route) && status < 400) deps.logger.debug(fields, 'request completed');
  else deps.logger.info(fields, 'request completed');
}

/**
 * Enters the request's log context, so every line logged while serving it carries its ids. It runs
 * after the body parsers: they resume the request from the socket's own async context, which would
 * otherwise lose the one entered before them.
 */
export function enterRequestContext(request: TrackedRequest, _response: ServerResponse, next: Next): void {
  const state = requestStateOf(request);
  if (!state) {
    next();
    return;
  }
  runWithContext({ requestId: state.requestId, correlationId: state.correlationId }, () => next());
}
