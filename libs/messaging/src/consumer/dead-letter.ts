import { MessagingConfigError } from '../errors.js';
import type { IncomingMessage, OutgoingMessage } from '../transport.js';

/** Headers a dead-lettered message carries besides its original ones. */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
  groupId: 'dlq-group-id',
} as const;

/** Error text is cut to this many characters: enough to diagnose, small enough for a header. */
const MAX_ERROR_LENGTH = 2_000;

export interface DeadLetterReason {
  error: unknown;
  /** handler attempts made; 0 when the message could not even be decoded */
  attempts: number;
  failedAt: Date;
  groupId: string;
}

/**
 * The dead-letter copy of a message: the original key, value and headers, plus `dlq-*` headers saying
 * where it came from and why it failed. Replaying it means publishing key, value and the original
 * headers (without `dlq-*`) to `dlq-original-topic` again: see docs/messaging.md.
 */
export function deadLetterMessage(
  message: IncomingMessage,
  deadLetterTopic: string,
  reason: DeadLetterReason,
): OutgoingMessage {
  return {
    topic: deadLetterTopic,
    key: message.key ?? '',
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: describeFailure(reason.error),
      [DLQ_HEADERS.attempts]: String(reason.attempts),
      [DLQ_HEADERS.originalTopic]: message.topic,
      [DLQ_HEADERS.originalPartition]: String(message.partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
      [DLQ_HEADERS.failedAt]: reason.failedAt.toISOString(),
      [DLQ_HEADERS.groupId]: reason.groupId,
    },
  };
}

/** The original headers of a dead-lettered message: the `dlq-*` headers removed. */
export function withoutDeadLetterHeaders(headers: Record<string, string>): Record<string, string> {
  const dlqNames = new Set<string>(Object.values(DLQ_HEADERS));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dlqNames.has(name)));
}

/**
 * The message that replays a dead letter: the original key, value and headers, back on the original
 * topic. Every group on that topic receives it again; the groups that handled it skip it (inbox), the
 * group that dead-lettered it (no inbox row) handles it. See docs/messaging.md, "Replaying".
 *
 * @throws MessagingConfigError when the message has no `dlq-original-topic` header
 */
export function replayOfDeadLetter(deadLetter: IncomingMessage): OutgoingMessage {
  const topic = deadLetter.headers[DLQ_HEADERS.originalTopic];
  if (!topic) throw new MessagingConfigError('not a dead letter: the dlq-original-topic header is missing');
  return {
    topic,
    key: deadLetter.key ?? '',
    value: deadLetter.value,
    headers: withoutDeadLetterHeaders(deadLetter.headers),
  };
}

function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
