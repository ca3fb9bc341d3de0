/** Base class of every error this library throws on purpose, so callers can tell them from bugs. */
export class MessagingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The transport was closed; nothing more can be published or subscribed through it. */
export class TransportClosedError extends MessagingError {
  constructor() {
    super('the transport is closed');
  }
}

/** A message was published to a topic that was never created (`ensureTopics`). */
export class UnknownTopicError extends MessagingError {
  constructor(readonly topic: string) {
    super(`unknown topic "${topic}" (create it with ensureTopics first)`);
  }
}

/** A message on the wire could not be decoded into an event: it goes to the dead-letter topic at once. */
export class UndecodableMessageError extends MessagingError {}

/**
 * Handling was abandoned because the consumer is stopping (for example during a retry back-off).
 * The transport does not commit the message, so the next owner of the partition gets it again.
 */
export class ConsumerStoppingError extends MessagingError {
  constructor(options?: ErrorOptions) {
    super('the consumer is stopping; the message will be redelivered', options);
  }
}

/** A configuration value is unusable (a schema name that is not a plain SQL identifier, a bad option). */
export class MessagingConfigError extends MessagingError {}
