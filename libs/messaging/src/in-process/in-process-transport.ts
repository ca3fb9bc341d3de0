import { TransportClosedError, UnknownTopicError } from '../errors.js';
import { describeError, type MessagingLogger, silentLogger } from '../logger.js';
import type {
  IncomingMessage,
  MessageHandler,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../transport.js';
import { PartitionLog, partitionForKey, type StoredMessage } from './partition-log.js';

export interface InProcessTransportOptions {
  /** partitions of each topic (default 3) */
  partitions?: number;
  /** create a topic on first publish instead of rejecting it (default false, as with Kafka here) */
  autoCreateTopics?: boolean;
  /** after a handler rejection, how long the partition waits before delivering the message again (default 1000 ms) */
  redeliveryDelayMs?: number;
  logger?: MessagingLogger;
}

/**
 * The `Transport` contract in memory, for running every service in one process.
 *
 * Like Kafka: topics have partitions and a key always lands in the same partition; each consumer
 * group has its own committed offsets; the partitions of a topic are shared out among the group's
 * live subscriptions (re-shared when one joins or leaves); a partition's messages reach the handler
 * one at a time, in order; an offset is committed only after the handler resolved, so a message whose
 * handling failed, or was cut short by `stop()`, is delivered again.
 * Unlike Kafka: nothing survives the process, and messages are never deleted (no retention).
 */
export class InProcessTransport implements Transport {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly partitions: number;
  private readonly logger: MessagingLogger;
  private closed = false;

  constructor(private readonly options: InProcessTransportOptions = {}) {
    this.partitions = options.partitions ?? 3;
    this.logger = options.logger ?? silentLogger;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    // Check every topic first so that a rejected batch leaves nothing half-published.
    const logs = messages.map((message) =>
      this.topicLog(message.topic, this.options.autoCreateTopics ?? false),
    );
    messages.forEach((message, index) => {
      const partitions = logs[index];
      partitions[partitionForKey(message.key, partitions.length)].append({
        key: message.key,
        value: Uint8Array.from(message.value),
        headers: { ...message.headers },
      });
    });
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    for (const topic of options.topics) this.topicLog(topic, false);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup(options.groupId, (topic) => this.topicLog(topic, false), {
        redeliveryDelayMs: this.options.redeliveryDelayMs ?? 1_000,
        logger: this.logger,
      });
      this.groups.set(options.groupId, group);
    }
    const member = new GroupMember(options.topics, options.fromBeginning ?? true, handler);
    await group.join(member);
    const joined = group;
    return { stop: () => joined.leave(member) };
  }

  /** Memory always answers. */
  async ping(): Promise<void> {
    this.assertOpen();
  }

  async ensureTopics(topics: string[]): Promise<void> {
    this.assertOpen();
    for (const topic of topics) this.topicLog(topic, true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.groups.values()].map((group) => group.leaveAll()));
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportClosedError();
  }

  private topicLog(topic: string, create: boolean): PartitionLog[] {
    let partitions = this.topics.get(topic);
    if (!partitions) {
      if (!create) throw new UnknownTopicError(topic);
      partitions = Array.from({ length: this.partitions }, () => new PartitionLog());
      this.topics.set(topic, partitions);
    }
    return partitions;
  }
}

class GroupMember {
  readonly workers: PartitionWorker[] = [];

  constructor(
    readonly topics: string[],
    readonly fromBeginning: boolean,
    readonly handler: MessageHandler,
  ) {}

  async stopWorkers(): Promise<void> {
    const stopping = this.workers.splice(0).map((worker) => worker.stop());
    await Promise.all(stopping);
  }
}

interface GroupSettings {
  redeliveryDelayMs: number;
  logger: MessagingLogger;
}

/** A consumer group: committed offsets per topic-partition and the members that share the partitions. */
class ConsumerGroup {
  private readonly committed = new Map<string, number>();
  private readonly members: GroupMember[] = [];
  /** membership changes run one after the other, like Kafka's rebalances */
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly groupId: string,
    private readonly topicLog: (topic: string) => PartitionLog[],
    private readonly settings: GroupSettings,
  ) {}

  join(member: GroupMember): Promise<void> {
    return this.change(async () => {
      this.members.push(member);
      await this.rebalance();
    });
  }

  leave(member: GroupMember): Promise<void> {
    return this.change(async () => {
      const index = this.members.indexOf(member);
      if (index === -1) return;
      this.members.splice(index, 1);
      await member.stopWorkers();
      await this.rebalance();
    });
  }

  leaveAll(): Promise<void> {
    return this.change(async () => {
      const leaving = this.members.splice(0);
      await Promise.all(leaving.map((member) => member.stopWorkers()));
    });
  }

  private change(work: () => Promise<void>): Promise<void> {
    const next = this.changes.then(work);
    this.changes = next.catch(() => {});
    return next;
  }

  /** Stops every worker (each finishes the message in hand), then deals the partitions out again. */
  private async rebalance(): Promise<void> {
    await Promise.all(this.members.map((member) => member.stopWorkers()));
    const topics = [...new Set(this.members.flatMap((member) => member.topics))].sort();
    for (const topic of topics) {
      const candidates = this.members.filter((member) => member.topics.includes(topic));
      this.topicLog(topic).forEach((log, partition) => {
        const owner = candidates[partition % candidates.length];
        const key = `${topic}\u0000${partition}`;
        let start = this.committed.get(key);
        if (start === undefined) {
          // A new group starts at the beginning or at the end as it is now; remember that choice,
          // so that a later rebalance does not move a group that has committed nothing yet.
          start = owner.fromBeginning ? 0 : log.length;
          this.committed.set(key, start);
        }
        const worker = new PartitionWorker(topic, partition, log, start, owner.handler, {
          ...this.settings,
          groupId: this.groupId,
          commit: (offset) => this.committed.set(key, offset),
        });
        owner.workers.push(worker);
      });
    }
  }
}

interface WorkerSettings extends GroupSettings {
  groupId: string;
  commit: (nextOffset: number) => void;
}

/** Feeds one partition to one handler, a message at a time, committing after each success. */
class PartitionWorker {
  private readonly abort = new AbortController();
  private readonly running: Promise<void>;

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly log: PartitionLog,
    private next: number,
    private readonly handler: MessageHandler,
    private readonly settings: WorkerSettings,
  ) {
    this.running = this.run();
  }

  /** Resolves when the message in hand (if any) has been handled; nothing further is delivered. */
  stop(): Promise<void> {
    this.abort.abort();
    return this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (this.next >= this.log.length) {
        await this.log.waitBeyond(this.next, signal);
        continue;
      }
      const offset = this.next;
      try {
        await this.handler(this.delivery(offset));
      } catch (error) {
        this.settings.logger.warn(
          {
            groupId: this.settings.groupId,
            topic: this.topic,
            partition: this.partition,
            offset: String(offset),
            error: describeError(error),
          },
          'handler rejected a message; it will be delivered again',
        );
        await abortableDelay(this.settings.redeliveryDelayMs, signal);
        continue;
      }
      this.next = offset + 1;
      this.settings.commit(this.next);
    }
  }

  private delivery(offset: number): IncomingMessage {
    const stored: StoredMessage = this.log.at(offset);
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      key: stored.key,
      value: stored.value.slice(),
      headers: { ...stored.headers },
    };
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
