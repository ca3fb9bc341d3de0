import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type Message,
  Partitioners,
  type Producer,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import { MessagingConfigError, TransportClosedError } from '../errors.js';
import { describeError, type MessagingLogger, silentLogger } from '../logger.js';
import type {
  Headers,
  IncomingMessage,
  MessageHandler,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../transport.js';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log-creator.js';

export interface KafkaTransportOptions {
  brokers: string[];
  clientId?: string;
  /** connect over TLS (with the system's trusted CAs) */
  ssl?: boolean;
  /** SASL authentication; leave out for none */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  logger?: MessagingLogger;
  /** lowest kafkajs log level forwarded to `logger` (default 'warn': kafkajs is chatty at info) */
  kafkaLogLevel?: 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** partitions of the topics that `ensureTopics` creates (default 3) */
  partitions?: number;
  /** replication factor of created topics (default: the broker's `default.replication.factor`) */
  replicationFactor?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  producer?: {
    /**
     * Requests in flight per connection, at most 5 so that the idempotent producer keeps order
     * across retries (default 5). kafkajs has no linger: each `publish` call is one produce request
     * per broker, so batching is the caller's business (the relay publishes a batch per call).
     */
    maxInFlightRequests?: number;
    /** broker-side acknowledgement timeout of a produce request (default 30 000 ms) */
    ackTimeoutMs?: number;
  };
  consumer?: {
    /** how long the broker may hold a fetch when there is no data (default 100 ms; sets idle latency floor) */
    maxWaitTimeInMs?: number;
    sessionTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    /** partitions handled at the same time by one subscription; order within a partition is always kept (default 3) */
    partitionsConsumedConcurrently?: number;
    /** while a partition works through one fetched batch, commit at least this often (default 1000 ms) */
    commitIntervalMs?: number;
    /** after a handler rejection, how long the partition pauses before the message is fetched again (default 1000 ms) */
    redeliveryDelayMs?: number;
  };
}

const DEFAULTS = {
  clientId: 'leak-response',
  partitions: 3,
  maxInFlightRequests: 5,
  ackTimeoutMs: 30_000,
  maxWaitTimeInMs: 100,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  partitionsConsumedConcurrently: 3,
  commitIntervalMs: 1_000,
  redeliveryDelayMs: 1_000,
} as const;

/**
 * The Kafka side of `Transport`, on kafkajs 2.2.4.
 *
 * Producing: one idempotent producer (acks = all, at most 5 requests in flight, no automatic topic
 * creation), shared by every `publish` call of this transport.
 * Consuming: one kafkajs consumer per subscription with auto-commit off. A message's offset is
 * committed (as offset + 1) only after its handler resolved; a rejected message is never committed
 * past: the partition seeks back to it and pauses briefly, so it is delivered again.
 */
export class KafkaTransport implements Transport {
  private readonly kafka: Kafka;
  private readonly logger: MessagingLogger;
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly ensuredTopics = new Set<string>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;

  constructor(private readonly options: KafkaTransportOptions) {
    const maxInFlight = options.producer?.maxInFlightRequests ?? DEFAULTS.maxInFlightRequests;
    if (maxInFlight < 1 || maxInFlight > 5) {
      throw new MessagingConfigError(
        'producer.maxInFlightRequests must be between 1 and 5 (idempotent order)',
      );
    }
    this.logger = options.logger ?? silentLogger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? DEFAULTS.clientId,
      brokers: options.brokers,
      ssl: options.ssl ?? false,
      ...(options.sasl ? { sasl: options.sasl as SASLOptions } : {}),
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retry: options.retry,
      logLevel: kafkaLogLevel(options.kafkaLogLevel ?? 'warn'),
      logCreator: kafkaLogCreator(this.logger),
    });
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    await producer.sendBatch({
      topicMessages: groupByTopic(messages),
      acks: -1,
      timeout: this.options.producer?.ackTimeoutMs ?? DEFAULTS.ackTimeoutMs,
    });
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    const consumerOptions = this.options.consumer ?? {};
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: consumerOptions.maxWaitTimeInMs ?? DEFAULTS.maxWaitTimeInMs,
      sessionTimeout: consumerOptions.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
      heartbeatInterval: consumerOptions.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
      retry: this.options.retry,
    });
    const subscription = new KafkaSubscription(consumer, handler, this.logger, {
      groupId: options.groupId,
      heartbeatIntervalMs: consumerOptions.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
      commitIntervalMs: consumerOptions.commitIntervalMs ?? DEFAULTS.commitIntervalMs,
      redeliveryDelayMs: consumerOptions.redeliveryDelayMs ?? DEFAULTS.redeliveryDelayMs,
      onStopped: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently:
          consumerOptions.partitionsConsumedConcurrently ?? DEFAULTS.partitionsConsumedConcurrently,
        eachBatch: (payload) => subscription.handleBatch(payload),
      });
    } catch (error) {
      await subscription.stop();
      throw error;
    }
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const admin = await this.connectedAdmin();
    await admin.describeCluster();
  }

  async ensureTopics(topics: string[]): Promise<void> {
    this.assertOpen();
    const wanted = [...new Set(topics)].filter((topic) => !this.ensuredTopics.has(topic));
    if (wanted.length === 0) return;
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      // Resolves false (no error) when another process created some of them first: that is fine.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? DEFAULTS.partitions,
          replicationFactor: this.options.replicationFactor,
        })),
      });
      this.logger.info({ topics: missing }, 'created Kafka topics');
    }
    for (const topic of wanted) this.ensuredTopics.add(topic);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const [producer, admin] = [this.producer, this.admin];
    this.producer = null;
    this.admin = null;
    await Promise.allSettled([
      producer?.then((connected) => connected.disconnect()),
      admin?.then((connected) => connected.disconnect()),
    ]);
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportClosedError();
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: this.options.producer?.maxInFlightRequests ?? DEFAULTS.maxInFlightRequests,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      this.producer = connectOrReset(producer, () => {
        this.producer = null;
      });
    }
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = connectOrReset(admin, () => {
        this.admin = null;
      });
    }
    return this.admin;
  }
}

/** Connects a kafkajs client once; a failed connect is forgotten so that the next call tries again. */
async function connectOrReset<T extends { connect(): Promise<void> }>(
  client: T,
  reset: () => void,
): Promise<T> {
  try {
    await client.connect();
    return client;
  } catch (error) {
    reset();
    throw error;
  }
}

interface SubscriptionSettings {
  groupId: string;
  heartbeatIntervalMs: number;
  commitIntervalMs: number;
  redeliveryDelayMs: number;
  onStopped: () => void;
}

/** One consumer-group member: runs the handler message by message, commits only what was handled. */
class KafkaSubscription implements Subscription {
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly consumer: Consumer,
    private readonly handler: MessageHandler,
    private readonly logger: MessagingLogger,
    private readonly settings: SubscriptionSettings,
  ) {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error(
        { groupId: payload.groupId, restart: payload.restart, error: describeError(payload.error) },
        'Kafka consumer crashed',
      );
    });
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      for (const timer of this.resumeTimers) clearTimeout(timer);
      this.resumeTimers.clear();
      // disconnect() stops the run loop first and waits for the batch in hand to finish.
      this.stopping = this.consumer.disconnect().finally(() => this.settings.onStopped());
    }
    return this.stopping;
  }

  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, resolveOffset } = payload;
    const { topic, partition } = batch;
    const committer = new PartitionCommitter(topic, partition, payload, this.settings.commitIntervalMs);
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const incoming = toIncomingMessage(topic, partition, message);
      try {
        await this.withHeartbeats(payload, () => this.handler(incoming));
      } catch (error) {
        this.logger.warn(
          {
            groupId: this.settings.groupId,
            topic,
            partition,
            offset: message.offset,
            error: describeError(error),
          },
          'handler rejected a message; it will be delivered again',
        );
        await committer.commit();
        this.redeliverLater(topic, partition, message.offset);
        return;
      }
      resolveOffset(message.offset);
      await committer.handled(message.offset);
    }
    await committer.commit();
  }

  /** Keeps the group membership alive while a slow handler (or its retry back-off) runs. */
  private async withHeartbeats(payload: EachBatchPayload, work: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => {
        this.logger.debug(
          { groupId: this.settings.groupId, error: describeError(error) },
          'heartbeat failed',
        );
      });
    }, this.settings.heartbeatIntervalMs);
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Rewinds the partition to the failed message and pauses it briefly, so the failure does not spin. */
  private redeliverLater(topic: string, partition: number, offset: string): void {
    if (this.stopping) return;
    const target = [{ topic, partitions: [partition] }];
    this.consumer.pause(target);
    this.consumer.seek({ topic, partition, offset });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      if (!this.stopping) this.consumer.resume(target);
    }, this.settings.redeliveryDelayMs);
    this.resumeTimers.add(timer);
  }
}

/** Commits a partition's handled offsets: at the end of a batch, and every `intervalMs` within a long one. */
class PartitionCommitter {
  private pendingOffset: string | null = null;
  private lastCommitAt = Date.now();

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly payload: EachBatchPayload,
    private readonly intervalMs: number,
  ) {}

  async handled(offset: string): Promise<void> {
    this.pendingOffset = offset;
    if (Date.now() - this.lastCommitAt >= this.intervalMs) await this.commit();
  }

  async commit(): Promise<void> {
    if (this.pendingOffset === null) return;
    const next = (BigInt(this.pendingOffset) + 1n).toString();
    // The payload's commit goes straight to the group coordinator, also while the consumer is
    // stopping (consumer.commitOffsets() silently skips then, which would cost a redelivery).
    await this.payload.commitOffsetsIfNecessary({
      topics: [{ topic: this.topic, partitions: [{ partition: this.partition, offset: next }] }],
    });
    this.pendingOffset = null;
    this.lastCommitAt = Date.now();
  }
}

function groupByTopic(messages: OutgoingMessage[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const message of messages) {
    let list = byTopic.get(message.topic);
    if (!list) {
      list = [];
      byTopic.set(message.topic, list);
    }
    list.push({ key: message.key, value: toBuffer(message.value), headers: message.headers });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toIncomingMessage(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? new Uint8Array(0),
    headers: decodeHeaders(message.headers),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Headers {
  const decoded: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    decoded[name] = typeof single === 'string' ? single : single.toString('utf8');
  }
  return decoded;
}
