import { HttpException } from '@nestjs/common';

/**
 * Every error that leaves a service over HTTP goes through `mapErrorToHttp`, so clients see one body
 * shape and one status per kind of failure. docs/operations.md has the table.
 */

/** One field that failed validation: `{ field: 'quantity.persons', problem: 'must not be negative' }`. */
export interface ErrorDetail {
  readonly field: string;
  readonly problem: string;
}

/** The body of every error response. */
export interface ErrorBody {
  readonly error: {
    readonly status: number;
    /** stable, machine-readable, snake_case: clients branch on this, never on `message` */
    readonly code: string;
    /** for humans; never a stack trace, SQL or personal data */
    readonly message: string;
    readonly details?: readonly ErrorDetail[];
    /** quote it when reporting a problem: it finds the server's log lines for the request */
    readonly requestId?: string;
  };
}

interface KindRule {
  readonly status: number;
  readonly code: string;
  /** used when the error has no message of its own */
  readonly message: string;
}

/**
 * Error kinds and the HTTP answer to each. Domain errors (the event store's `DomainError` and any
 * other error with a `kind` from this table) are matched by shape, not by class, so the HTTP layer
 * does not depend on the store.
 */
export const ERROR_KINDS = {
  validation: { status: 400, code: 'validation_failed', message: 'The request is not valid.' },
  malformed_json: { status: 400, code: 'malformed_json', message: 'The request body is not valid JSON.' },
  unauthenticated: { status: 401, code: 'unauthenticated', message: 'Authentication is required.' },
  forbidden: { status: 403, code: 'forbidden', message: 'You are not allowed to do this.' },
  not_found: { status: 404, code: 'not_found', message: 'Not found.' },
  conflict: { status: 409, code: 'conflict', message: 'The request conflicts with the current state.' },
  illegal_state: {
    status: 409,
    code: 'illegal_state',
    message: 'This cannot be done in the current state.',
  },
  gone: {
    status: 410,
    code: 'gone',
    message: 'This data has been erased and cannot be read any more.',
  },
  precondition_failed: {
    status: 412,
    code: 'precondition_failed',
    message: 'The resource has changed since you read it (If-Match no longer holds).',
  },
  payload_too_large: {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is larger than this service accepts.',
  },
  unsupported_media_type: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'The request body must be sent as application/json.',
  },
  unprocessable: {
    status: 422,
    code: 'unprocessable',
    message: 'The request is well-formed but cannot be processed.',
  },
  rate_limited: { status: 429, code: 'rate_limited', message: 'Too many requests; try again later.' },
} as const satisfies Record<string, KindRule>;

export type ErrorKind = keyof typeof ERROR_KINDS;

export const INTERNAL_ERROR_MESSAGE =
  'An unexpected error occurred. Quote the request id when you report it.';

/**
 * The shape a domain error needs to be mapped: a `kind` from `ERROR_KINDS`, optionally `details`,
 * `precondition: true` (a concurrency conflict on a request that carried If-Match → 412), a `code`
 * of its own (snake_case, optionally dotted: `case_closed`, `case.open_instructions`) and, for `rate_limited`, `retryAfterSeconds`.
 */
export interface KindedError {
  readonly kind: ErrorKind;
  readonly message?: string;
  readonly details?: readonly ErrorDetail[];
  readonly precondition?: boolean;
  readonly code?: string;
  readonly retryAfterSeconds?: number;
}

export function isKindedError(error: unknown): error is KindedError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { kind?: unknown }).kind === 'string' &&
    Object.hasOwn(ERROR_KINDS, (error as { kind: string }).kind)
  );
}

/** The HTTP answer to an error. */
export interface MappedError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** not an expected failure: log it with its stack (the body says nothing about it) */
  readonly unexpected: boolean;
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  410: 'gone',
  411: 'length_required',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  500: 'internal_error',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/** Errors of Express's body parser, recognised by the `type` it gives them. */
const BODY_PARSER_KINDS: Readonly<Record<string, ErrorKind>> = {
  'entity.parse.failed': 'malformed_json',
  'entity.too.large': 'payload_too_large',
  'charset.unsupported': 'unsupported_media_type',
  'encoding.unsupported': 'unsupported_media_type',
};

// snake_case, optionally namespaced with dots (`case.open_instructions`), as the domain errors use
const OWN_CODE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

export function mapErrorToHttp(error: unknown, requestId?: string): MappedError {
  if (isKindedError(error)) return fromKind(error, requestId);
  const parserKind = bodyParserKind(error);
  if (parserKind) return fromRule(ERROR_KINDS[parserKind], undefined, requestId);
  if (error instanceof HttpException) return fromHttpException(error, requestId);
  return unexpected(requestId);
}

function fromKind(error: KindedError, requestId: string | undefined): MappedError {
  const rule =
    error.kind === 'conflict' && error.precondition === true
      ? ERROR_KINDS.precondition_failed
      : ERROR_KINDS[error.kind];
  const code =
    typeof error.code === 'string' && error.code.length <= 64 && OWN_CODE.test(error.code)
      ? error.code
      : rule.code;
  const message =
    typeof error.message === 'string' && error.message.length > 0 ? error.message : rule.message;
  const headers: Record<string, string> = {};
  if (
    rule.status === 429 &&
    typeof error.retryAfterSeconds === 'number' &&
    Number.isFinite(error.retryAfterSeconds)
  ) {
    headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterSeconds)));
  }
  return {
    status: rule.status,
    body: errorBody(rule.status, code, message, requestId, sanitizeDetails(error.details)),
    headers,
    unexpected: false,
  };
}

function fromRule(
  rule: KindRule,
  details: readonly ErrorDetail[] | undefined,
  requestId?: string,
): MappedError {
  return {
    status: rule.status,
    body: errorBody(rule.status, rule.code, rule.message, requestId, details),
    headers: {},
    unexpected: false,
  };
}

/**
 * Body-parser errors arrive either raw or wrapped by Nest in an HttpException whose `cause` is the
 * original. Their messages quote the body (Node's JSON parser prints the text around the error), so
 * only the fixed message of the kind is used.
 */
function bodyParserKind(error: unknown): ErrorKind | undefined {
  const candidate = error instanceof HttpException ? error.cause : error;
  const type = (candidate as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' ? BODY_PARSER_KINDS[type] : undefined;
}

function fromHttpException(error: HttpException, requestId: string | undefined): MappedError {
  const status = error.getStatus();
  if (status >= 500 && status !== 503 && status !== 501) return unexpected(requestId, status);
  const code = STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : 'client_error');
  return {
    status,
    body: errorBody(status, code, messageOf(error), requestId),
    headers: {},
    unexpected: false,
  };
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return error.message;
}

function unexpected(requestId: string | undefined, status = 500): MappedError {
  return {
    status,
    body: errorBody(status, STATUS_CODES[status] ?? 'internal_error', INTERNAL_ERROR_MESSAGE, requestId),
    headers: {},
    unexpected: true,
  };
}

function sanitizeDetails(details: unknown): ErrorDetail[] | undefined {
  if (!Array.isArray(details)) return undefined;
  const valid = details.filter(
    (detail): detail is ErrorDetail =>
      typeof detail === 'object' &&
      detail !== null &&
      typeof (detail as ErrorDetail).field === 'string' &&
      typeof (detail as ErrorDetail).problem === 'string',
  );
  return valid.length > 0 ? valid.map(({ field, problem }) => ({ field, problem })) : undefined;
}

function errorBody(
  status: number,
  code: string,
  message: string,
  requestId: string | undefined,
  details?: readonly ErrorDetail[],
): ErrorBody {
  return {
    error: {
      status,
      code,
      message,
      ...(details && details.length > 0 ? { details } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}
