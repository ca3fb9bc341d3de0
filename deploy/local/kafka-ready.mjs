#!/usr/bin/env node
// Waits until a Kafka cluster really answers: cluster metadata, topic creation (so the
// controller works), a group coordinator (so __consumer_offsets exists and the first consumer
// group of a test run does not pay for its creation) and a producer id for an idempotent
// producer (its coordinator answers "loading" for a moment after a fresh start).
//
// Usage: node deploy/local/kafka-ready.mjs --brokers 127.0.0.1:9092 [--timeout-ms 90000] [--pid 1234] [--quiet]
//   --pid: the broker process we started; if it dies we stop waiting at once.
// Exit codes: 0 ready, 1 not ready before the deadline, 2 the watched process died, 64 bad usage.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const READY_TOPIC = 'infra.ready.v1';
const READY_GROUP = 'infra-ready-probe';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    'timeout-ms': { type: 'string', default: '90000' },
    pid: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

if (!values.brokers) {
  console.error('kafka-ready: --brokers host:port[,host:port] is required');
  process.exit(64);
}

const brokers = values.brokers.split(',').map((b) => b.trim());
const deadline = Date.now() + Number(values['timeout-ms']);
const watchedPid = values.pid ? Number(values.pid) : undefined;

function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One complete readiness probe; throws if any step fails. */
async function probe() {
  const kafka = new Kafka({
    clientId: 'infra-ready',
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    // Each probe is short; the outer loop does the retrying until the deadline.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    await admin.createTopics({ topics: [{ topic: READY_TOPIC, numPartitions: 1 }], waitForLeaders: true });
    const topics = await admin.listTopics();
    if (!topics.includes(READY_TOPIC)) throw new Error(`topic ${READY_TOPIC} not listed after creation`);
    // Finding the group coordinator makes the broker create __consumer_offsets now.
    await admin.describeGroups([READY_GROUP]);
    // Connecting an idempotent producer asks the broker for a producer id (InitProducerId).
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    await producer.disconnect();
    return cluster;
  } finally {
    await admin.disconnect();
  }
}

let lastError;
for (let attempt = 1; Date.now() < deadline; attempt++) {
  if (watchedPid !== undefined && !processIsAlive(watchedPid)) {
    console.error(`kafka-ready: the broker process ${watchedPid} exited while we waited for it`);
    process.exit(2);
  }
  try {
    const cluster = await probe();
    if (!values.quiet) {
      const ids = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(', ');
      console.log(`kafka-ready: ${brokers.join(',')} answers (cluster ${cluster.clusterId}, brokers ${ids})`);
    }
    process.exit(0);
  } catch (error) {
    lastError = error;
    const pause = Math.min(250 * attempt, 1000);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
  }
}

if (!values.quiet) {
  const reason = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
  console.error(`kafka-ready: ${brokers.join(',')} did not answer in time (last error: ${reason})`);
}
process.exit(1);
