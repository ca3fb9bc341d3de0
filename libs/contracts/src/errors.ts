/**
 * Errors raised when an event cannot be encoded or decoded against the contracts. Both are permanent:
 * the same bytes or data will fail the same way on every retry, so a consumer should dead-letter the
 * message rather than retry it.
 */
export abstract class ContractError extends Error {
  abstract readonly code: string;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The event type is not in the registry (a typo, or an event from a newer producer this build does not know). */
export class UnknownEventTypeError extends ContractError {
  readonly code = 'UNKNOWN_EVENT_TYPE';

  constructor(readonly eventType: string) {
    super(`unknown event type '${eventType}'`);
  }
}

/** Bytes or data that do not form a valid envelope or event message. */
export class MalformedEventError extends ContractError {
  readonly code = 'MALFORMED_EVENT';

  /**
   * @param subject what was being read or written, e.g. `envelope` or `IncidentReported`
   * @param reason what is wrong with it
   */
  constructor(
    readonly subject: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`malformed ${subject}: ${reason}`, options);
  }
}

/** A consumer group id that cannot be part of a Kafka topic name. */
export class InvalidGroupIdError extends ContractError {
  readonly code = 'INVALID_GROUP_ID';

  constructor(readonly groupId: string) {
    super(`consumer group id '${groupId}' cannot name a dead-letter topic (allowed: A-Z a-z 0-9 . _ -)`);
  }
}
