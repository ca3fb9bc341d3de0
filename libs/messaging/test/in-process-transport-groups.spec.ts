import { describe, expect, it } from 'vitest';
import { waitFor } from '#libs/testing';
import {
  type IncomingMessage,
  InProcessTransport,
  partitionForKey,
  UnknownTopicError,
} from '../src/index.js';

const encoder = new TextEncoder();
const message = (topic: string, key: string, id: number) => ({
  topic,
  key,
  value: encoder.encode(String(id)),
  headers: { id: String(id) },
});
const partitionsOf = (list: IncomingMessage[]) => new Set(list.map((m) => m.partition));

describe('InProcessTransport specifics', () => {
  it('shares a group’s partitions among its members, and hands a leaving member’s partitions over', async () => {
    const transport = new InProcessTransport({ partitions: 4 });
    await transport.ensureTopics(['t']);
    const seenByA: IncomingMessage[] = [];
    const seenByB: IncomingMessage[] = [];
    const a = await transport.subscribe({ groupId: 'g', topics: ['t'] }, async (m) => void seenByA.push(m));
    await transport.subscribe({ groupId: 'g', topics: ['t'] }, async (m) => void seenByB.push(m));

    await transport.publish(Array.from({ length: 40 }, (_, id) => message('t', `key-${id}`, id)));
    await waitFor(() => seenByA.length + seenByB.length === 40, { message: 'the first 40' });
    expect(seenByA.length).toBeGreaterThan(0);
    expect(seenByB.length).toBeGreaterThan(0);
    expect([...partitionsOf(seenByA)].filter((p) => partitionsOf(seenByB).has(p))).toEqual([]);

    await a.stop();
    const beforeHandOver = seenByB.length;
    await transport.publish(Array.from({ length: 40 }, (_, id) => message('t', `key-${id}`, 100 + id)));
    await waitFor(() => seenByB.length === beforeHandOver + 40, {
      message: 'B to take over every partition',
    });
    expect(seenByA.length + beforeHandOver).toBe(40);
    await transport.close();
  });

  it('rejects a publish to a topic nobody created, unless told to create topics', async () => {
    await expect(new InProcessTransport().publish([message('missing', 'k', 1)])).rejects.toBeInstanceOf(
      UnknownTopicError,
    );
    const lenient = new InProcessTransport({ autoCreateTopics: true });
    await expect(lenient.publish([message('created', 'k', 1)])).resolves.toBeUndefined();
  });

  it('starts a new group at the end of the log when told not to read from the beginning', async () => {
    const transport = new InProcessTransport();
    await transport.ensureTopics(['t']);
    await transport.publish([message('t', 'old', 1)]);
    const seen: string[] = [];
    await transport.subscribe({ groupId: 'late', topics: ['t'], fromBeginning: false }, async (m) => {
      seen.push(m.headers.id);
    });
    await transport.publish([message('t', 'old', 2)]);
    await waitFor(() => seen.length === 1, { message: 'the new message' });
    expect(seen).toEqual(['2']);
    await transport.close();
  });

  it('maps a key to the same partition every time and spreads keys over all partitions', () => {
    expect(partitionForKey('case-1', 3)).toBe(partitionForKey('case-1', 3));
    const used = new Set(Array.from({ length: 100 }, (_, id) => partitionForKey(`case-${id}`, 3)));
    expect([...used].sort()).toEqual([0, 1, 2]);
  });
});
