import type { DataSource, EntityManager } from 'typeorm';
import {
  deadLetterTopic as deadLetterTopicOf,
  decodeEnvelope,
  type Envelope,
  MalformedEventError,
  UnknownEventTypeError,
} from '#libs/contracts';
import {
  ConsumerStoppingError,
  MessagingConfigError,
  MessagingError,
  UndecodableMessageError,
} from '../errors.js';
import { describeError, type MessagingLogger, silentLogger } from '../logger.js';
import type { IncomingMessage, Subscription, Transport } from '../transport.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { deadLetterMessage } from './dead-letter.js';
import { Inbox } from './inbox.js';
import { type ConsumerMetrics, type ConsumerOutcome, noConsumerMetrics } from './metrics.js';

/** What the handler learns about the delivery besides the event. */
export interface DeliveryContext {
  message: IncomingMessage;
  groupId: string;
  /** 1 on the first attempt at this delivery */
  attempt: number;
}

/**
 * Handles one event. Every database effect must go through `manager`: it is the transaction that also
 * records the event in the inbox, so the effects and the "handled" mark commit together or not at all.
 * Throwing makes the runner retry (or dead-letter after the last attempt); throw `PermanentFailure` to
 * dead-letter at once when retrying cannot help.
 */
export type EventHandler<TEvent> = (
  event: TEvent,
  manager: EntityManager,
  context: DeliveryContext,
) => Promise<void>;

/** Turns a message's bytes into the handler's event; throwing dead-letters the message without retries. */
export type MessageDecoder<TEvent> = (message: IncomingMessage) => TEvent;

/** A handler error that retrying cannot fix (invalid data, an unknown reference): dead-letter at once. */
export class PermanentFailure extends MessagingError {}

/**
 * Errors no retry can fix: `PermanentFailure`, and a payload the handler could not decode (an event type
 * this build does not know — from a newer producer — or data that is not the type's message). Those wait
 * on the dead-letter topic for a replay after an upgrade instead of holding their partition up.
 */
const isPermanent = (error: unknown) =>
  error instanceof PermanentFailure ||
  error instanceof UnknownEventTypeError ||
  error instanceof MalformedEventError;

interface ConsumerRunnerBaseOptions<TEvent extends { eventId: string }> {
  dataSource: DataSource;
  /** the service's schema, holding the `inbox` table (`messagingMigrations(schema)`) */
  schema: string;
  groupId: string;
  topics: string[];
  transport: Transport;
  handler: EventHandler<TEvent>;
  /** attempts per message before it is dead-lettered (default 5) */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** default `dlq.<groupId>.v1` (contracts' `deadLetterTopic`) */
  deadLetterTopic?: string;
  /** read the topics from the start when the group has no committed offset (default true) */
  fromBeginning?: boolean;
  logger?: MessagingLogger;
  metrics?: ConsumerMetrics;
}

/** `decode` may be left out only when the events are contracts' `Envelope`s (the default decoder). */
export type ConsumerRunnerOptions<TEvent extends { eventId: string } = Envelope> =
  ConsumerRunnerBaseOptions<TEvent> &
    (Envelope extends TEvent ? { decode?: MessageDecoder<TEvent> } : { decode: MessageDecoder<TEvent> });

const decodeEnvelopeMessage: MessageDecoder<Envelope> = (message) => decodeEnvelope(message.value);

/**
 * Consumes topics as one consumer group with effectively-once effects:
 *
 * 1. decode the message (undecodable: dead-letter at once, no retries);
 * 2. in ONE transaction: insert `(group_id, event_id)` into the inbox (already there: skip), run the
 *    handler with the transaction's EntityManager, commit;
 * 3. only then return to the transport, which commits the offset.
 *
 * A failed attempt is retried in place after an exponential back-off with jitter (the partition waits,
 * keeping per-case order); after `maxAttempts` the message is published to the dead-letter topic with
 * `dlq-*` headers and its offset committed, so the partition moves on.
 */
export class ConsumerRunner<TEvent extends { eventId: string } = Envelope> {
  private readonly inbox: Inbox;
  private readonly decode: MessageDecoder<TEvent>;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffOptions;
  private readonly deadLetterTopic: string;
  private readonly logger: MessagingLogger;
  private readonly metrics: ConsumerMetrics;
  private subscription: Subscription | null = null;
  private stopping = new AbortController();

  constructor(private readonly options: ConsumerRunnerOptions<TEvent>) {
    this.inbox = new Inbox(options.schema);
    this.decode = options.decode ?? (decodeEnvelopeMessage as unknown as MessageDecoder<TEvent>);
    this.maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new MessagingConfigError(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicOf(options.groupId);
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noConsumerMetrics;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Creates the topics and the dead-letter topic if missing, then joins the group. */
  async start(): Promise<void> {
    if (this.subscription) return;
    const { transport, topics, groupId } = this.options;
    this.stopping = new AbortController();
    await transport.ensureTopics([...topics, this.deadLetterTopic]);
    this.subscription = await transport.subscribe(
      { groupId, topics, fromBeginning: this.options.fromBeginning ?? true },
      (message) => this.process(message),
    );
    this.logger.info({ groupId, topics }, 'consumer started');
  }

  /**
   * Leaves the group. A message being handled finishes; one waiting for its next attempt is given up
   * uncommitted, so the partition's next owner gets it again.
   */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) return;
    this.subscription = null;
    this.stopping.abort();
    await subscription.stop();
    this.logger.info({ groupId: this.options.groupId }, 'consumer stopped');
  }

  /** The transport's message handler: resolves when the message may be committed. */
  private async process(message: IncomingMessage): Promise<void> {
    let event: TEvent;
    try {
      event = this.decode(message);
      if (typeof event.eventId !== 'string' || event.eventId === '') {
        throw new UndecodableMessageError('the decoded event has no eventId');
      }
    } catch (error) {
      await this.deadLetter(message, error, 0);
      return;
    }

    for (let attempt = 1; ; attempt++) {
      this.throwIfStopping(undefined);
      try {
        const outcome = await this.attempt(event, message, attempt);
        this.count(outcome, message);
        return;
      } catch (error) {
        this.throwIfStopping(error);
        if (attempt >= this.maxAttempts || isPermanent(error)) {
          await this.deadLetter(message, error, attempt);
          return;
        }
        this.count('retried', message);
        const delayMs = backoffDelay(attempt, this.backoff);
        this.logger.warn(
          { ...this.where(message), eventId: event.eventId, attempt, delayMs, error: describeError(error) },
          'handler failed; retrying',
        );
        await this.pause(delayMs);
      }
    }
  }

  /** One attempt: inbox row and handler effects in one transaction. */
  private attempt(event: TEvent, message: IncomingMessage, attempt: number): Promise<ConsumerOutcome> {
    const { groupId, handler } = this.options;
    return this.options.dataSource.transaction(async (manager) => {
      const first = await this.inbox.claim(manager, {
        groupId,
        eventId: event.eventId,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      });
      if (!first) return 'duplicate';
      await handler(event, manager, { message, groupId, attempt });
      return 'handled';
    });
  }

  private async deadLetter(message: IncomingMessage, error: unknown, attempts: number): Promise<void> {
    const { groupId } = this.options;
    const copy = deadLetterMessage(message, this.deadLetterTopic, {
      error,
      attempts,
      failedAt: new Date(),
      groupId,
    });
    // If this publish fails the message stays uncommitted and is delivered again later: nothing is lost.
    await this.options.transport.publish([copy]);
    this.count('dead_lettered', message);
    this.logger.error(
      {
        ...this.where(message),
        deadLetterTopic: this.deadLetterTopic,
        attempts,
        error: describeError(error),
      },
      'message dead-lettered',
    );
  }

  private throwIfStopping(cause: unknown): void {
    if (this.stopping.signal.aborted) throw new ConsumerStoppingError({ cause });
  }

  /** Waits out a back-off; a `stop()` cuts it short with ConsumerStoppingError (no commit, no DLQ). */
  private pause(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new ConsumerStoppingError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private count(outcome: ConsumerOutcome, message: IncomingMessage): void {
    this.metrics.increment(outcome, { groupId: this.options.groupId, topic: message.topic });
  }

  private where(message: IncomingMessage): Record<string, unknown> {
    return {
      groupId: this.options.groupId,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    };
  }
}
