#!/usr/bin/env node
// Compatibility trial: does kafkajs (the client the project uses) work against this broker for
// everything the project relies on? Run it against each Kafka version before making it the default.
//
// Usage: node deploy/local/kafka-compat.mjs [--brokers 127.0.0.1:9092]
//   (defaults to KAFKA_BROKERS, then 127.0.0.1:9092)
// Prints one line per check and exits non-zero if any check failed.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const { values } = parseArgs({
  options: { brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' } },
});

const brokers = values.brokers.split(',').map((b) => b.trim());
const suffix = randomUUID().slice(0, 8);
const topic = `compat.trial.events.v1.${suffix}`;
const groupId = `compat-trial-${suffix}`;
const PARTITIONS = 3;
const KEYS = ['case-a', 'case-b', 'case-c', 'case-d', 'case-e'];
const PER_KEY = 20;

const kafka = new Kafka({ clientId: 'kafka-compat', brokers, logLevel: logLevel.WARN });
const admin = kafka.admin();
const results = [];

async function check(name, fn) {
  const started = performance.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(
      `PASS  ${name}${detail ? ` — ${detail}` : ''} (${Math.round(performance.now() - started)} ms)`,
    );
  } catch (error) {
    results.push({ name, ok: false });
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.log(`FAIL  ${name} — ${reason}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Consumes until `count` messages arrived (or the deadline passed); returns them in arrival order. */
async function consume(consumer, count, timeoutMs) {
  const received = [];
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      received.push({
        partition,
        offset: message.offset,
        key: message.key?.toString(),
        value: message.value?.toString(),
        headers: message.headers,
      });
      if (received.length >= count) resolveDone();
    },
  });
  const timer = setTimeout(resolveDone, timeoutMs);
  await done;
  clearTimeout(timer);
  return received;
}

/** The offset to commit for each partition: one past the highest message seen. */
function nextOffsets(messages) {
  const byPartition = new Map();
  for (const m of messages) {
    const next = BigInt(m.offset) + 1n;
    if (!byPartition.has(m.partition) || byPartition.get(m.partition) < next)
      byPartition.set(m.partition, next);
  }
  return [...byPartition].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() }));
}

console.log(`kafkajs compatibility trial against ${brokers.join(',')} (topic ${topic}, group ${groupId})`);
await admin.connect();

await check('admin: describeCluster', async () => {
  const cluster = await admin.describeCluster();
  assert(cluster.brokers.length >= 1, 'no brokers in metadata');
  return `cluster ${cluster.clusterId}, controller ${cluster.controller}`;
});

await check(`admin: createTopics (${PARTITIONS} partitions) + metadata`, async () => {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  assert(created, 'createTopics returned false (topic already existed)');
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert(meta.topics[0].partitions.length === PARTITIONS, `expected ${PARTITIONS} partitions`);
  return `${meta.topics[0].partitions.length} partitions with leaders`;
});

const expected = KEYS.flatMap((key) =>
  Array.from({ length: PER_KEY }, (_, i) => ({ key, value: `${key}:${i}` })),
);

await check('producer: idempotent, acks=all, send + sendBatch', async () => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const half = expected.length / 2;
    const headers = { 'event-type': 'CompatChecked', 'content-type': 'text/plain' };
    const first = await producer.send({
      topic,
      acks: -1,
      messages: expected.slice(0, half).map((m) => ({ ...m, headers })),
    });
    const second = await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: expected.slice(half).map((m) => ({ ...m, headers })) }],
    });
    const metadata = [...first, ...second];
    assert(
      metadata.every((r) => r.errorCode === 0),
      'a partition returned an error code',
    );
    return `${expected.length} messages, ${metadata.length} partition acks`;
  } finally {
    await producer.disconnect();
  }
});

await check('admin: fetchTopicOffsets (high watermarks)', async () => {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  assert(total === expected.length, `expected ${expected.length} messages on the topic, found ${total}`);
  return `${total} messages across ${offsets.length} partitions`;
});

let firstRead = [];
await check('consumer: group join + consume from beginning, per-key order', async () => {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    firstRead = await consume(consumer, expected.length, 30_000);
    assert(firstRead.length === expected.length, `received ${firstRead.length} of ${expected.length}`);
    for (const key of KEYS) {
      const values = firstRead.filter((m) => m.key === key).map((m) => m.value);
      const want = expected.filter((m) => m.key === key).map((m) => m.value);
      assert(JSON.stringify(values) === JSON.stringify(want), `key ${key} out of order or incomplete`);
    }
    assert(firstRead[0].headers['event-type']?.toString() === 'CompatChecked', 'header event-type lost');
    await consumer.commitOffsets(nextOffsets(firstRead));
    return `${firstRead.length} messages, headers intact, offsets committed`;
  } finally {
    await consumer.disconnect();
  }
});

await check('admin: fetchOffsets returns the committed offsets', async () => {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = Object.fromEntries(entry.partitions.map((p) => [p.partition, p.offset]));
  for (const want of nextOffsets(firstRead)) {
    assert(
      committed[want.partition] === want.offset,
      `partition ${want.partition}: ${committed[want.partition]} != ${want.offset}`,
    );
  }
  return JSON.stringify(committed);
});

await check('consumer: rejoin resumes from the committed offsets', async () => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: 'case-a', value: 'after-commit' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    // Wait a little past the one new message, to catch any redelivery of committed ones.
    const again = await consume(consumer, 2, 3_000);
    assert(
      again.length === 1 && again[0].value === 'after-commit',
      `got ${JSON.stringify(again.map((m) => m.value))}`,
    );
    return 'only the message produced after the commit was delivered';
  } finally {
    await consumer.disconnect();
  }
});

await check('admin: describeGroups + deleteGroups + deleteTopics', async () => {
  const { groups } = await admin.describeGroups([groupId]);
  assert(groups[0].state === 'Empty', `group state ${groups[0].state}`);
  await admin.deleteGroups([groupId]);
  await admin.deleteTopics({ topics: [topic] });
  return 'cleaned up';
});

await admin.disconnect();
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
