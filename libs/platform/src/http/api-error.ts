import { ERROR_KINDS, type ErrorDetail, type ErrorKind, type KindedError } from './error-mapping.js';

export interface ApiErrorOptions {
  readonly details?: readonly ErrorDetail[];
  /** a more specific snake_case code than the kind's, e.g. `case_closed` */
  readonly code?: string;
  /** for `rate_limited`: sent as `Retry-After` */
  readonly retryAfterSeconds?: number;
  /** for `conflict`: the client's If-Match no longer holds → 412 */
  readonly precondition?: boolean;
  readonly cause?: unknown;
}

/**
 * An error raised by the HTTP layer itself (a guard, a pipe, a controller) with a kind from
 * `ERROR_KINDS`. Domain code throws its own errors (the event store's `DomainError`); both map the same.
 */
export class ApiError extends Error implements KindedError {
  override readonly name = 'ApiError';
  readonly details?: readonly ErrorDetail[];
  readonly code?: string;
  readonly retryAfterSeconds?: number;
  readonly precondition?: boolean;

  constructor(
    readonly kind: ErrorKind,
    message: string = ERROR_KINDS[kind].message,
    options: ApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.code = options.code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.precondition = options.precondition;
  }
}
