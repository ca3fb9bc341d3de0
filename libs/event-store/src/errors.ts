import type { ExpectedVersion } from './types.js';

/**
 * Domain errors. Each carries a `kind`; the HTTP layer (libs/platform) maps kinds to status codes in one
 * place, so domain code never thinks about HTTP:
 * validation → 400, forbidden → 403, not_found → 404, conflict → 409 (412 for a failed If-Match),
 * illegal_state → 409/422.
 */
export type DomainErrorKind = 'validation' | 'forbidden' | 'not_found' | 'conflict' | 'illegal_state';

export interface DomainErrorOptions {
  /** stable, machine-readable code for clients, e.g. `case.already_closed`; defaults per class */
  code?: string;
  /** extra facts for the error body; never put personal data here */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  protected constructor(message: string, defaultCode: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
    this.details = options.details;
  }
}

/** The input breaks a rule that does not depend on state (a malformed value, a missing field). */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'validation_failed', options);
  }
}

/** The actor may not do this. */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'forbidden', options);
  }
}

/** The thing the command is about does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'not_found', options);
  }
}

/** The command collides with another change (a duplicate, a concurrent update). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'conflict', options);
  }
}

/** The command is not allowed in the current state (closing a closed case). */
export class IllegalStateError extends DomainError {
  readonly kind = 'illegal_state' as const;
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, 'illegal_state', options);
  }
}

/**
 * Why an append was refused:
 * - `version-mismatch`: the stream's version is not the expected one (someone appended first);
 * - `transaction-order`: the appending transaction is older (lower transaction id) than the one that wrote
 *   the stream's last event; appending would put this stream's events out of order in the global log, so
 *   the whole transaction must be retried (a new transaction gets a newer id);
 * - `serialization-failure`: PostgreSQL aborted the caller's transaction (serialization failure under
 *   REPEATABLE READ/SERIALIZABLE, or a deadlock between transactions appending to several streams);
 *   retry the whole transaction.
 */
export type ConcurrencyReason = 'version-mismatch' | 'transaction-order' | 'serialization-failure';

/** Optimistic concurrency failure on append (HTTP 409, or 412 when the expected version came from If-Match). */
export class ConcurrencyError extends ConflictError {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  /** the stream's version when the append was refused; undefined when it could not be read */
  readonly actual: number | undefined;
  readonly reason: ConcurrencyReason;

  constructor(
    streamId: string,
    expected: ExpectedVersion,
    actual: number | undefined,
    reason: ConcurrencyReason = 'version-mismatch',
  ) {
    super(
      `stream ${streamId}: expected version ${String(expected)}, actual ${actual ?? 'unknown'} (${reason})`,
      { code: 'concurrency_conflict', details: { streamId, expected, actual, reason } },
    );
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
    this.reason = reason;
  }
}

/** An event with this id is already stored (an event id is unique across the store). */
export class DuplicateEventError extends ConflictError {
  readonly eventId: string | undefined;

  constructor(eventId: string | undefined, cause?: unknown) {
    super(`an event with id ${eventId ?? '(unknown)'} already exists`, {
      code: 'duplicate_event',
      details: { eventId },
      cause,
    });
    this.eventId = eventId;
  }
}
