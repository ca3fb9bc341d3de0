/**
 * The broker behind one interface, so kafkajs (unmaintained upstream) can be swapped and so
 * the single-process mode can run the same relay and consumer code in memory.
 */

export type Headers = Record<string, string>;

export interface OutgoingMessage {
  topic: string;
  /** the case id (or stream id for events outside a case): keeps one case in one partition */
  key: string;
  value: Uint8Array;
  headers: Headers;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** broker offset as a decimal string */
  offset: string;
  key: string | null;
  value: Uint8Array;
  headers: Headers;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** start from the earliest offset when the group has none committed (default true) */
  fromBeginning?: boolean;
}

export interface Subscription {
  /** stop consuming; in-flight handling finishes first */
  stop(): Promise<void>;
}

/**
 * A message handler. It resolves only when the message's effects are durable; the transport
 * commits the message's offset after that, never before. A rejection is the runner's business
 * (retry, dead-letter); the transport only guarantees it will not commit past an unhandled message.
 */
export type MessageHandler = (message: IncomingMessage) => Promise<void>;

export interface Transport {
  /** publish with the strongest guarantee the transport has (Kafka: idempotent producer, acks=all); resolves when acknowledged */
  publish(messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription>;
  /** make sure the topics exist (Kafka: create with the configured partitions if missing) */
  ensureTopics(topics: string[]): Promise<void>;
  /** resolves when the broker answers a cheap request (Kafka: describe the cluster); for `/health/ready` */
  ping(): Promise<void>;
  close(): Promise<void>;
}
