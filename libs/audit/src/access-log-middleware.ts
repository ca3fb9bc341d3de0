import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecorder } from '#libs/platform';
import { requestStateOf, routeTemplateOf } from '#libs/platform';
import type { AccessLogLogger, AccessLogWriter } from './access-log-writer.js';
import {
  type AccessActor,
  type AccessRecord,
  defaultKindOf,
  mustBeDurable,
  outcomeOf,
} from './access-record.js';
import { type ActorResolver, accessKindMarkOf, claimedAccountOf } from './request-marks.js';

export interface AccessLogMiddlewareOptions {
  readonly writer: AccessLogWriter;
  /** the service name recorded in every row */
  readonly service: string;
  readonly actorOf: ActorResolver;
  readonly logger?: AccessLogLogger;
}

/** What the middleware reads from an Express request (kept structural: Express is the platform's). */
interface ExpressRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
  params?: Record<string, unknown>;
  ip?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 512;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * Control characters (NUL above all, which PostgreSQL text refuses) never reach a row. Runs on every
 * request (method, route, address, user agent), so the common clean text is returned as it is.
 */
export function withoutControlCharacters(text: string): string {
  CONTROL_CHARACTERS.lastIndex = 0;
  return CONTROL_CHARACTERS.test(text) ? text.replace(CONTROL_CHARACTERS, '') : text;
}

const clip = (value: string | undefined, length = MAX_TEXT): string | null => {
  if (value === undefined) return null;
  const clean = withoutControlCharacters(value.slice(0, length));
  return clean === '' ? null : clean;
};

function caseIdOf(request: ExpressRequest): string | null {
  const value = request.params?.caseId;
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function buildRecord(
  request: ExpressRequest,
  response: ServerResponse,
  startedAt: bigint,
  options: AccessLogMiddlewareOptions,
): AccessRecord {
  const actor: AccessActor | undefined = options.actorOf(request);
  const method = request.method ?? 'UNKNOWN';
  const route = routeTemplateOf(request);
  const caseId = caseIdOf(request);
  const status = response.statusCode;
  return {
    at: new Date(),
    service: options.service,
    actorId: actor?.id ?? null,
    actorType: actor?.type ?? 'anonymous',
    roles: actor?.roles ?? [],
    orgId: actor?.orgId ?? null,
    claimedAccount: clip(claimedAccountOf(request), 128),
    method: withoutControlCharacters(method.slice(0, 16)),
    route: withoutControlCharacters(route.slice(0, MAX_TEXT)),
    caseId,
    status,
    ip: clip(request.ip ?? request.socket?.remoteAddress, 64),
    userAgent: clip(headerOf(request, 'user-agent')),
    requestId: requestStateOf(request)?.requestId ?? null,
    outcome: outcomeOf(status),
    kind: accessKindMarkOf(request) ?? defaultKindOf(method, route, caseId),
    durationMs: Math.min(2_147_483_647, Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6)),
  };
}

/** Data leaves with these responses: when their record cannot be written, the data is withheld. */
const withholdsOnFailure = (record: AccessRecord) =>
  record.outcome === 'allowed' && (record.kind === 'case_read' || record.kind === 'export');

function answerAuditUnavailable(response: ServerResponse, requestId: string | null): string {
  for (const name of response.getHeaderNames()) {
    if (!/^x-(request|correlation)-id$/.test(name)) response.removeHeader(name);
  }
  response.statusCode = 503;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Retry-After', '5');
  return JSON.stringify({
    error: {
      status: 503,
      code: 'service_unavailable',
      message: 'The access to this data cannot be recorded right now; it is withheld. Try again shortly.',
      requestId,
    },
  });
}

type Write = ServerResponse['write'];
type End = ServerResponse['end'];

/**
 * The access log's Express middleware. It watches the response: when the handler (or a guard, a rate
 * limiter, the body parser, the 404 handler) first writes or ends it, the record is built from the
 * final status, the route template, the principal and the request's marks. Durable records (denials,
 * case data) are committed before any byte of the body leaves: the response's `write`/`end` calls
 * are held and replayed once the INSERT commits. Other records are batched.
 */
export function createAccessLogMiddleware(options: AccessLogMiddlewareOptions): RequestRecorder {
  return function recordAccess(request, response, next) {
    const startedAt = process.hrtime.bigint();
    const originalWrite: Write = response.write;
    const originalEnd: End = response.end;
    let held: Array<() => void> | undefined;
    let decided = false;

    // The wrappers stay in place once released (middleware mounted later may have wrapped them in turn).
    const release = () => {
      const calls = held ?? [];
      held = undefined;
      for (const call of calls) call();
    };

    const decide = () => {
      decided = true;
      const record = buildRecord(request as ExpressRequest, response, startedAt, options);
      if (!mustBeDurable(record)) {
        options.writer.write(record);
        release();
        return;
      }
      held = [];
      options.writer.writeDurably(record).then(release, (error: unknown) => {
        options.logger?.error(
          { err: error, requestId: record.requestId, route: record.route, status: record.status },
          'access record could not be written before the response',
        );
        if (withholdsOnFailure(record) && !response.headersSent) {
          const body = answerAuditUnavailable(response, record.requestId);
          held = [() => originalEnd.call(response, body, 'utf8')];
          options.writer.write({ ...record, status: 503, outcome: 'error' });
        } else {
          options.writer.write(record);
        }
        release();
      });
    };

    response.write = function heldWrite(this: ServerResponse, ...args: Parameters<Write>) {
      if (!decided) decide();
      if (!held) return originalWrite.apply(this, args);
      held.push(() => originalWrite.apply(response, args));
      return true;
    } as Write;
    response.end = function heldEnd(this: ServerResponse, ...args: Parameters<End>) {
      if (!decided) decide();
      if (!held) return originalEnd.apply(this, args);
      held.push(() => originalEnd.apply(response, args));
      return this;
    } as End;
    next();
  };
}
