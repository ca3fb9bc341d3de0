import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '#libs/testing';
import {
  type IncomingMessage,
  type OutgoingMessage,
  type Subscription,
  type Transport,
  TransportClosedError,
} from '../src/index.js';
import { firstArrival, topicName } from './support.js';

interface Sample {
  key: string;
  seq: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sample(topic: string, key: string, seq: number): OutgoingMessage {
  return {
    topic,
    key,
    value: encoder.encode(JSON.stringify({ key, seq } satisfies Sample)),
    headers: { 'event-id': `${key}-${seq}` },
  };
}

function read(message: IncomingMessage): Sample {
  return JSON.parse(decoder.decode(message.value)) as Sample;
}

/**
 * The behaviour every `Transport` must have; run against Kafka and against the in-process adapter
 * so that the single-process mode cannot drift from production.
 */
export function transportContract(
  name: string,
  createTransport: () => Transport,
  /** removes what a test left on the broker (Kafka: its topic and consumer groups) */
  cleanUp: (created: { topics: string[]; groups: string[] }) => Promise<void> = async () => {},
): void {
  describe(`${name}: Transport contract`, () => {
    let transport: Transport;
    let topic: string;
    const subscriptions: Subscription[] = [];
    const groups: string[] = [];

    const subscribe = async (groupId: string, handler: (message: IncomingMessage) => Promise<void>) => {
      groups.push(groupId);
      const subscription = await transport.subscribe({ groupId, topics: [topic] }, handler);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      transport = createTransport();
      topic = topicName(uniqueName('contract'));
      await transport.ensureTopics([topic]);
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
      await transport.close();
      await cleanUp({ topics: [topic], groups: [...new Set(groups.splice(0))] });
    });

    it('delivers every message of a key in publish order', async () => {
      const keys = ['case-a', 'case-b', 'case-c', 'case-d', 'case-e'];
      const perKey = 30;
      for (let round = 0; round < perKey; round += 10) {
        const batch = keys.flatMap((key) =>
          Array.from({ length: 10 }, (_, index) => sample(topic, key, round + index)),
        );
        await transport.publish(batch);
      }
      const seen = new Map<string, { partition: number; seqs: number[] }>();
      await subscribe(uniqueName('order'), async (message) => {
        const { key, seq } = read(message);
        expect(message.key).toBe(key);
        const entry = seen.get(key) ?? { partition: message.partition, seqs: [] };
        expect(message.partition).toBe(entry.partition);
        entry.seqs.push(seq);
        seen.set(key, entry);
      });

      await waitFor(() => keys.every((key) => (seen.get(key)?.seqs.length ?? 0) >= perKey), {
        message: 'every message',
      });
      for (const key of keys) {
        expect(seen.get(key)?.seqs).toEqual(Array.from({ length: perKey }, (_, seq) => seq));
      }
    });

    it('commits only handled messages: one that failed before the subscription stopped is delivered again', async () => {
      await transport.publish(Array.from({ length: 10 }, (_, seq) => sample(topic, 'one-key', seq)));
      const groupId = uniqueName('redeliver');

      const firstRun: number[] = [];
      let failedAt: number | null = null;
      const first = await subscribe(groupId, async (message) => {
        const { seq } = read(message);
        firstRun.push(seq);
        if (seq === 5) {
          failedAt = seq;
          throw new Error('handler crashed before its effects were durable');
        }
      });
      await waitFor(() => failedAt !== null, { message: 'the failing delivery' });
      await first.stop();

      const secondRun: number[] = [];
      await subscribe(groupId, async (message) => {
        secondRun.push(read(message).seq);
      });
      await waitFor(() => secondRun.includes(9), { message: 'the rest of the partition' });

      expect(firstRun.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(secondRun).toEqual([5, 6, 7, 8, 9]);
    });

    it('gives every consumer group the whole topic', async () => {
      const published = Array.from({ length: 20 }, (_, seq) => sample(topic, `case-${seq % 4}`, seq));
      await transport.publish(published);
      const groups = [uniqueName('group_a'), uniqueName('group_b')];
      const seenByGroup = groups.map(() => new Set<string>());

      await Promise.all(
        groups.map((groupId, index) =>
          subscribe(groupId, async (message) => {
            seenByGroup[index].add(message.headers['event-id']);
          }),
        ),
      );

      await waitFor(() => seenByGroup.every((seen) => seen.size === 20), {
        message: 'both groups to see all',
      });
      const expected = published.map((message) => message.headers['event-id']).sort();
      for (const seen of seenByGroup) expect([...seen].sort()).toEqual(expected);
    });

    it('answers a ping while open, and refuses everything once closed', async () => {
      await expect(transport.ping()).resolves.toBeUndefined();
      await transport.close();
      await expect(transport.ping()).rejects.toBeInstanceOf(TransportClosedError);
      await expect(transport.publish([sample(topic, 'k', 1)])).rejects.toBeInstanceOf(TransportClosedError);
    });

    it('keeps headers and bytes intact', async () => {
      const value = Uint8Array.from([0, 1, 2, 254, 255]);
      await transport.publish([
        {
          topic,
          key: 'case-bytes',
          value,
          headers: { 'event-id': 'e-1', 'content-type': 'application/x-protobuf' },
        },
      ]);
      const received: IncomingMessage[] = [];
      await subscribe(uniqueName('bytes'), async (message) => {
        received.push(message);
      });
      const message = await firstArrival(received, 'the message');
      expect(message.key).toBe('case-bytes');
      expect([...message.value]).toEqual([...value]);
      expect(message.headers).toMatchObject({ 'event-id': 'e-1', 'content-type': 'application/x-protobuf' });
      expect(message.topic).toBe(topic);
      expect(Number(message.offset)).toBe(0);
    });
  });
}
