import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareCursors, type EventStore } from '#libs/event-store';
import { deleteTopics, dropSchema, testConfig, uniqueName, waitFor } from '#libs/testing';
import { ConsumerRunner, CountingConsumerMetrics, KafkaTransport } from '../src/index.js';
import { appendCases, createStore, oneToN } from './store.js';
import { deleteGroups, topicName } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const fixtureSource = join(here, 'fixtures', 'relay-process.ts');
const fixture = join(root, 'dist', 'libs', 'messaging', 'test', 'fixtures', 'relay-process.js');
const relaySource = join(root, 'libs', 'messaging', 'src', 'relay', 'outbox-relay.ts');

/** The relay process must be compiled from the current sources (`npm run build`). */
function assertFixtureBuilt(): void {
  if (!existsSync(fixture)) throw new Error(`${fixture} is missing: run \`npm run build\` first`);
  const built = statSync(fixture).mtimeMs;
  for (const source of [fixtureSource, relaySource]) {
    if (statSync(source).mtimeMs > built)
      throw new Error(`${fixture} is older than ${source}: run \`npm run build\``);
  }
}

interface RelayProcess {
  child: ChildProcess;
  /** resolves with the first stdout line that starts with `prefix` */
  line(prefix: string): Promise<string>;
  exited: Promise<number | null>;
}

function startRelayProcess(env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = output.split('\n').find((candidate) => candidate.startsWith(prefix));
        if (found) resolve(found);
      };
      listeners.push(check);
      check();
      void exited.then((code) =>
        reject(new Error(`relay process exited (${code}) before "${prefix}": ${errors}`)),
      );
    });
  return { child, line, exited };
}

describe('OutboxRelay in a separate process, killed with SIGKILL', () => {
  let schema: string;
  let topic: string;
  let groupId: string;
  let dataSource: DataSource;
  let store: EventStore;
  let transport: KafkaTransport;
  let runner: ConsumerRunner | undefined;
  const processes: RelayProcess[] = [];

  beforeEach(async () => {
    assertFixtureBuilt();
    schema = uniqueName('relay_crash');
    topic = topicName(uniqueName('relay_crash_topic'));
    groupId = topicName(uniqueName('relay_crash_group'));
    ({ dataSource, store } = await createStore(schema));
    await dataSource.query(`
      CREATE TABLE "${schema}".effects (
        seq bigserial PRIMARY KEY, event_id text NOT NULL, case_id text NOT NULL, stream_version int NOT NULL)`);
    transport = new KafkaTransport({ brokers: testConfig().kafkaBrokers, clientId: 'relay-crash-test' });
    await transport.ensureTopics([topic]);
  });

  afterEach(async () => {
    for (const relay of processes.splice(0)) {
      if (relay.child.exitCode === null) relay.child.kill('SIGKILL');
      await relay.exited;
    }
    await runner?.stop();
    await transport.close();
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
    await deleteGroups([groupId]);
    await deleteTopics([topic, `dlq.${groupId}.v1`]);
  });

  it('loses nothing, and the inbox turns the re-published batch into no second effect', async () => {
    const metrics = new CountingConsumerMetrics();
    runner = new ConsumerRunner({
      dataSource,
      schema,
      groupId,
      topics: [topic],
      transport,
      metrics,
      handler: async (envelope, manager) => {
        await manager.query(
          `INSERT INTO "${schema}".effects (event_id, case_id, stream_version) VALUES ($1, $2, $3)`,
          [envelope.eventId, envelope.caseId, envelope.streamVersion],
        );
      },
    });
    await runner.start();

    const env = {
      DATABASE_URL: testConfig().databaseUrl,
      KAFKA_BROKERS: testConfig().kafkaBrokers.join(','),
      RELAY_SCHEMA: schema,
      RELAY_TOPIC: topic,
      RELAY_BATCH_SIZE: '50',
    };
    const first = startRelayProcess({ ...env, RELAY_HOLD_AFTER_ROUND: '4' });
    processes.push(first);
    await first.line('READY');
    const appending = appendCases(store, { cases: 50, eventsPerCase: 20 });

    // Round 4 has published its batch and hangs before its checkpoint commit: kill it right there.
    const held = Number((await first.line('HELD ')).split(' ')[1]);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startRelayProcess(env);
    processes.push(second);
    await second.line('READY');
    const { caseIds, lastCursor } = await appending;

    await waitFor(async () => compareCursors(await store.loadCheckpoint('outbox-relay'), lastCursor) >= 0, {
      message: 'the restarted relay to publish everything',
      timeoutMs: 30_000,
    });
    await waitFor(() => metrics.count('handled') === 1_000, {
      message: 'all 1,000 effects',
      timeoutMs: 30_000,
    });
    await waitFor(() => metrics.count('duplicate') >= held, {
      message: 'the re-published batch to be skipped',
    });

    const effects: Array<{ event_id: string; case_id: string; stream_version: number }> =
      await dataSource.query(
        `SELECT event_id, case_id, stream_version FROM "${schema}".effects ORDER BY seq`,
      );
    expect(effects).toHaveLength(1_000);
    expect(new Set(effects.map((effect) => effect.event_id)).size).toBe(1_000);
    const byCase = new Map<string, number[]>();
    for (const effect of effects)
      byCase.set(effect.case_id, [...(byCase.get(effect.case_id) ?? []), effect.stream_version]);
    for (const caseId of caseIds) expect(byCase.get(caseId)).toEqual(oneToN(20));
    expect(held).toBeGreaterThan(0);
    expect(metrics.snapshot()).toMatchObject({ handled: 1_000, dead_lettered: 0 });
  });
});
