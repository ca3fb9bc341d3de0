import type pg from 'pg';
import type { EntityManager } from 'typeorm';
import type { GlobalCursor, RecordedEvent } from '#libs/event-store';
import { MessagingConfigError, MessagingError } from '../errors.js';
import { describeError, type MessagingLogger, silentLogger } from '../logger.js';
import type { OutgoingMessage, Transport } from '../transport.js';
import { encodeRecordedEvent, type RecordedEventEncoder } from './default-encoder.js';
import { PgNotificationListener } from './pg-notification-listener.js';

/**
 * What the relay needs from the event store (its `EventStore` satisfies this structurally): the global
 * log read under the xmin rule, reader checkpoints, the single-active reader lock, and the channel it
 * notifies when an append commits.
 */
export interface OutboxEventSource {
  readonly notifyChannel: string;
  withCheckpointLock<T>(
    name: string,
    fn: (cursor: GlobalCursor, manager: EntityManager) => Promise<T>,
  ): Promise<{ acquired: true; result: T } | { acquired: false }>;
  readAll(options: { after: GlobalCursor; limit: number; manager: EntityManager }): Promise<RecordedEvent[]>;
  storeCheckpoint(name: string, cursor: GlobalCursor, manager: EntityManager): Promise<void>;
}

export interface OutboxRelayOptions {
  eventStore: OutboxEventSource;
  transport: Transport;
  /** the relay's checkpoint (and lock) name in the store (default 'outbox-relay') */
  name?: string;
  /** default: contracts' envelope on `topicFor(type)`, keyed by case id (see `encodeRecordedEvent`) */
  encode?: RecordedEventEncoder;
  /** events per read/publish/checkpoint round (default 500) */
  batchSize?: number;
  /** poll period: the longest a lost notification can delay an event (default 500 ms) */
  pollIntervalMs?: number;
  /**
   * A connection for a dedicated LISTEN client (usually the service's DATABASE_URL). Without it the
   * relay only polls.
   */
  listenConnection?: string | pg.ClientConfig;
  /**
   * After a notification the relay reads again at these delays (ms), in case the new event was not yet
   * readable (the xmin rule holds it back while an older transaction is still open). Default
   * [5, 10, 20, 40, 80, 160]; each entry above `pollIntervalMs` is dropped.
   */
  chaseDelaysMs?: number[];
  logger?: MessagingLogger;
  /** counting hook (libs/platform binds it to prom-client) */
  metrics?: RelayMetrics;
}

/** What the relay counts: events published, and rounds that failed (and will be retried). */
export interface RelayMetrics {
  increment(outcome: 'published' | 'round_failed', count: number): void;
}

/** What one round did. */
export interface RelayRoundResult {
  /** false when another relay instance held the lock, so this one did nothing */
  acquired: boolean;
  published: number;
}

/** An event this build cannot turn into a message (an unknown type during a rolling deploy, bad data). */
export class OutboxEncodingError extends MessagingError {
  constructor(
    readonly event: Pick<RecordedEvent, 'eventId' | 'type' | 'streamId' | 'streamVersion' | 'position'>,
    cause: unknown,
  ) {
    super(
      `cannot encode event ${event.eventId} (${event.type}, ${event.streamId}@${event.streamVersion}); ` +
        'the relay stops here until a build that can encode it runs',
      { cause },
    );
  }
}

const DEFAULT_CHASE_DELAYS_MS = [5, 10, 20, 40, 80, 160];
const MAX_ERROR_BACKOFF_MS = 30_000;

/**
 * Publishes the event store's global log (the outbox) to the transport, in commit order, after commit.
 *
 * A round, under the store's single-active checkpoint lock: read up to `batchSize` events after the
 * checkpoint (only transactions below the snapshot's xmin, so none is ever skipped), publish them as
 * one batch, store the new checkpoint, commit. Several instances may run: the lock lets one work at a
 * time and each round starts from the previous holder's committed checkpoint, so in steady state
 * nothing is published twice or out of order. A crash between the publish and the checkpoint commit
 * publishes that batch once more (consumers' inboxes discard the copies).
 *
 * Rounds run when the store NOTIFYs an append (a dedicated LISTEN connection), a little after that
 * ("chasing" an event the xmin rule held back), and every `pollIntervalMs` regardless, so a lost
 * notification only delays.
 */
export class OutboxRelay {
  private readonly name: string;
  private readonly encode: RecordedEventEncoder;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly chaseDelaysMs: number[];
  private readonly logger: MessagingLogger;
  private readonly metrics: RelayMetrics | undefined;
  private listener: PgNotificationListener | null = null;
  private loop: Promise<void> | null = null;
  private running = false;
  /** counts notifications; a round that started before the latest one may have missed its event */
  private notifications = 0;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.name = options.name ?? 'outbox-relay';
    this.encode = options.encode ?? encodeRecordedEvent;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new MessagingConfigError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    if (!(this.pollIntervalMs > 0)) {
      throw new MessagingConfigError(`pollIntervalMs must be positive, got ${options.pollIntervalMs}`);
    }
    this.chaseDelaysMs = (options.chaseDelaysMs ?? DEFAULT_CHASE_DELAYS_MS).filter(
      (delay) => delay > 0 && delay < this.pollIntervalMs,
    );
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics;
  }

  /** Starts listening and relaying in the background; resolves once the loop is running. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.options.listenConnection) {
      this.listener = new PgNotificationListener({
        connection: this.options.listenConnection,
        channel: this.options.eventStore.notifyChannel,
        onNotification: () => this.notified(),
        // Notifications sent while the connection was down are lost: look at the log right away.
        onConnected: () => this.notified(),
        logger: this.logger,
      });
      await this.listener.start();
    }
    this.loop = this.run();
    this.logger.info(
      { relay: this.name, channel: this.options.eventStore.notifyChannel },
      'outbox relay started',
    );
  }

  /** Stops after the round in progress (a batch being published is finished and checkpointed). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
    await this.listener?.stop();
    this.listener = null;
    this.logger.info({ relay: this.name }, 'outbox relay stopped');
  }

  /** One round (what the loop does on each wake-up); for tests and tools. */
  async runOnce(): Promise<RelayRoundResult> {
    const { eventStore, transport } = this.options;
    const round = await eventStore.withCheckpointLock(this.name, async (cursor, manager) => {
      const events = await eventStore.readAll({ after: cursor, limit: this.batchSize, manager });
      if (events.length === 0) return 0;
      const messages = events.map((event) => this.encodeEvent(event));
      await transport.ensureTopics([...new Set(messages.map((message) => message.topic))]);
      await transport.publish(messages);
      const last = events[events.length - 1];
      await eventStore.storeCheckpoint(
        this.name,
        { transactionId: last.transactionId, position: last.position },
        manager,
      );
      return events.length;
    });
    if (!round.acquired) return { acquired: false, published: 0 };
    // Counted once the checkpoint committed: a rolled-back round is re-published, not double-counted.
    if (round.result > 0) this.metrics?.increment('published', round.result);
    return { acquired: true, published: round.result };
  }

  private async run(): Promise<void> {
    let chaseStep = this.chaseDelaysMs.length;
    let seenNotifications = this.notifications;
    let failures = 0;
    while (this.running) {
      this.wakePending = false;
      const notificationsBefore = this.notifications;
      if (notificationsBefore !== seenNotifications) {
        seenNotifications = notificationsBefore;
        chaseStep = 0;
      }
      let result: RelayRoundResult;
      try {
        result = await this.runOnce();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.metrics?.increment('round_failed', 1);
        const delayMs = Math.min(this.pollIntervalMs * 2 ** (failures - 1), MAX_ERROR_BACKOFF_MS);
        this.logger.error(
          { relay: this.name, delayMs, error: describeError(error) },
          'outbox relay round failed',
        );
        await this.sleep(delayMs, false);
        continue;
      }
      if (result.published === this.batchSize) continue; // more is waiting: drain without pausing
      if (chaseStep < this.chaseDelaysMs.length) {
        await this.sleep(this.chaseDelaysMs[chaseStep++], true);
      } else {
        await this.sleep(this.pollIntervalMs, true);
      }
    }
  }

  private encodeEvent(event: RecordedEvent): OutgoingMessage {
    try {
      return this.encode(event);
    } catch (error) {
      throw new OutboxEncodingError(event, error);
    }
  }

  private notified(): void {
    this.notifications += 1;
    this.wake();
  }

  private wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  /** Waits `ms`, or less when woken: by `stop()` always, by a notification only when `wakeable`. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || (wakeable && this.wakePending)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = () => {
        if (wakeable || !this.running) finish();
      };
    });
  }
}
