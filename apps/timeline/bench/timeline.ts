/**
 * bench:timeline (docs/timeline.md#benchmark). Three figures, each beside a floor measured in the same run:
 *
 * 1. rebuild: `--events` (default 1,000,000) history events across `--cases` (10,000) cases are seeded
 *    straight into `case_history` (server-side, INSERT … SELECT from a template case), then the replay
 *    folds them all (events/s); floor: the same cursor read of the same rows without folding;
 * 2. case list: `GET /cases` over HTTP with `--cases` cases in the read model (p50/p99 for a reader of
 *    every contract and for a client officer of one contract);
 * 3. live lag at `--rate` events/s for `--seconds`: from the producer's acknowledged send to the case's
 *    view showing the event (the table `GET /cases/:id` reads; every 40th event is also checked over
 *    HTTP); floor: a bare kafkajs consumer on the same topics, same messages, send-ack → eachMessage.
 *
 *   npm run bench:timeline -- [--events 1000000] [--cases 10000] [--rate 200] [--seconds 30]
 *
 * DATABASE_URL and KAFKA_BROKERS as everywhere; it makes and drops its own schema and topics.
 */
import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { toBinary } from '@bufbuild/protobuf';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  claimsOf,
  type Principal,
} from '#libs/auth';
import {
  decodeEnvelope,
  EnvelopeSchema,
  envelopeFromRecorded,
  envelopeHeaders,
  TOPICS,
} from '#libs/contracts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    cases: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    'list-requests': { type: 'string', default: '500' },
  },
});
const totalEvents = Number(args.events);
const totalCases = Number(args.cases);
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const listRequests = Number(args['list-requests']);
const eventsPerCase = Math.max(10, Math.round(totalEvents / totalCases));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leak_response';
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const suffix = randomBytes(4).toString('hex');
const schema = `bench_timeline_${suffix}`;
const topicPrefix = `bench-${suffix}`;
const topics = Object.fromEntries(Object.values(TOPICS).map((topic) => [topic, `${topicPrefix}.${topic}`]));

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (value: number) => value.toFixed(1);
function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** One case's events as history rows (the template every seeded case copies, ids substituted in SQL). */
function templateRows(
  perCase: number,
): { type: string; stream: string; version: number; offsetMs: number; data: string }[] {
  const rows: { type: string; stream: string; version: number; offsetMs: number; data: string }[] = [];
  const versions = new Map<string, number>();
  const add = (type: string, stream: 'case' | 'correspondence' | 'clocks', data: object) => {
    const version = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, version);
    rows.push({ type, stream, version, offsetMs: rows.length * 60_000, data: JSON.stringify(data) });
  };
  const sealed = { ciphertext: 'c2VhbGVk', keyId: 'bench' };
  add('IncidentReported', 'case', {
    contractId: '{{contract}}',
    caseNumber: 'INC-2026-{{n}}',
    content: { description: sealed, dataKinds: ['DATA_KIND_NAME'] },
    discoveredAt: '{{discovered}}',
    improperPurposeSuspected: 'TRI_STATE_UNKNOWN',
    euPersonsPossiblyAffected: 'TRI_STATE_YES',
  });
  add('RegulatoryAssessmentMade', 'case', {
    regimes: [
      { regime: 'REGIME_APPI_PRIVATE_SECTOR', applies: 'APPLICABILITY_YES' },
      { regime: 'REGIME_GDPR', applies: 'APPLICABILITY_POSSIBLY' },
    ],
    summaryEn: 'APPI report to the PPC likely required',
  });
  add('ClientNotificationSent', 'correspondence', {
    contractId: '{{contract}}',
    kind: 'NOTIFICATION_KIND_FIRST_NOTICE',
    recipient: { kind: 'RECIPIENT_KIND_CLIENT_CONTACT', id: 'contact-1' },
  });
  add('ClientAcknowledged', 'correspondence', { contractId: '{{contract}}', acknowledgedBy: 'contact-1' });
  const steps = [
    'InstructionAcknowledged',
    'InstructionProgressReported',
    'InstructionCompleted',
    'InstructionConfirmed',
  ];
  for (let i = 0; rows.length < perCase - 1; i++) {
    const instructionId = `{{case}}-i${i}`;
    add('InstructionIssued', 'case', {
      instructionId,
      kind: 'INSTRUCTION_KIND_CONTAIN',
      dueAt: '{{due}}',
      text: sealed,
    });
    for (const step of steps) if (rows.length < perCase - 1) add(step, 'case', { instructionId });
    if (rows.length < perCase - 1)
      add('MeasureRecorded', 'case', { measureId: `{{case}}-m${i}`, description: sealed });
    if (rows.length < perCase - 1) add('MeasureCompleted', 'case', { measureId: `{{case}}-m${i}` });
  }
  add('CauseIdentified', 'case', { cause: sealed, causedByProcessor: 'TRI_STATE_NO' });
  return rows.slice(0, perCase);
}

async function seed(dataSource: DataSource): Promise<void> {
  const template = templateRows(eventsPerCase);
  await dataSource.query(`CREATE TABLE "${schema}".bench_template (
    idx int, type text, stream text, version int, offset_ms bigint, data text)`);
  await dataSource.query(
    `INSERT INTO "${schema}".bench_template SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[])`,
    [
      template.map((_, i) => i + 1),
      template.map((row) => row.type),
      template.map((row) => row.stream),
      template.map((row) => row.version),
      template.map((row) => row.offsetMs),
      template.map((row) => row.data),
    ],
  );
  // the cases, 1,000 per statement, each with its template events (ids substituted)
  const base = Date.now() - 20 * 86_400_000;
  for (let from = 1; from <= totalCases; from += 1_000) {
    const to = Math.min(totalCases, from + 999);
    await dataSource.query(
      `INSERT INTO "${schema}".case_history (event_id, case_id, stream_id, stream_version, type, occurred_at,
         recorded_at, actor_id, actor_kind, actor_role, source_topic, data, receipt_seq, receipt_hash)
       SELECT md5('e' || g || '/' || t.idx)::uuid, c.id, t.stream || '-' || c.id, t.version, t.type,
              c.start + t.offset_ms * interval '1 millisecond', c.start + t.offset_ms * interval '1 millisecond',
              'bench-user', 'user', 'responder', 'intake.case.events.v1',
              replace(replace(replace(replace(replace(t.data, '{{case}}', c.id::text), '{{contract}}', c.contract::text),
                '{{n}}', lpad(g::text, 6, '0')), '{{discovered}}', to_char(c.start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
                '{{due}}', to_char((c.start + interval '3 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::jsonb,
              t.idx, '\\x00'::bytea
         FROM generate_series($1::int, $2::int) AS g
        CROSS JOIN LATERAL (SELECT md5('c' || g)::uuid AS id, md5('k' || (g % 100))::uuid AS contract,
                                   to_timestamp($3::double precision / 1000) + (g % 1440) * interval '10 minutes' AS start) AS c
        CROSS JOIN "${schema}".bench_template AS t`,
      [from, to, base],
    );
  }
  await dataSource.query(`ANALYZE "${schema}".case_history`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url)
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the timeline did not get ready at ${url}`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  print(
    `bench:timeline — ${totalCases} cases × ${eventsPerCase} events, live ${rate}/s for ${seconds} s (load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  const kid = `bench-${suffix}`;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }],
  });
  const tokenFor = async (principal: Principal) =>
    `Bearer ${await new SignJWT({ ...claimsOf(principal) })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(principal.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 900)
      .sign(privateKey)}`;

  const kafka = new Kafka({
    clientId: 'bench-timeline',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });

  // The service runs in a process of its own (as deployed), so the load generator, the floor consumer
  // and the watcher in this process do not take its CPU.
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    DB_POOL_SIZE: '10',
    KAFKA_BROKERS: brokers,
    SERVICE_NAME: `bench-timeline-${suffix}`,
    DATA_RESIDENCY_REGION: 'jp',
    AUTH_PUBLIC_KEYS: publicJwks,
    LINK_SIGNING_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
    HTTP_PORT: String(port),
    TIMELINE_SOURCE_TOPICS: Object.values(topics).join(','),
    TIMELINE_SCHEDULER_INTERVAL: '1h',
    TIMELINE_AUDIT_SOURCE_SCHEMAS: schema,
  };
  const service = spawn(process.execPath, [fileURLToPath(new URL('../src/main.js', import.meta.url))], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${base}/health/ready`);
  const dataSource = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 4 });
  await dataSource.initialize();
  try {
    // 1. rebuild
    let started = performance.now();
    await seed(dataSource);
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${schema}".case_history`);
    print(`seeded ${count} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    await dataSource.transaction(async (manager) => {
      await manager.query(`DECLARE floor_cursor NO SCROLL CURSOR FOR SELECT event_id, case_id::text, type, stream_id,
        stream_version, occurred_at, recorded_at, actor_id, actor_kind, actor_role, source_topic, data, receipt_seq,
        receipt_hash, received_at FROM "${schema}".case_history ORDER BY case_id, occurred_at`);
      for (;;) {
        const rows = await manager.query('FETCH FORWARD 20000 FROM floor_cursor');
        if (rows.length < 20_000) break;
      }
    });
    const floorSeconds = (performance.now() - started) / 1000;
    const replay = await promisify(execFile)(
      process.execPath,
      [fileURLToPath(new URL('../src/cli/replay.js', import.meta.url))],
      { env },
    );
    const rebuild = JSON.parse(replay.stdout.trim()) as { events: number; cases: number; ms: number };
    const rebuildRate = rebuild.events / (rebuild.ms / 1000);
    print('\n| rebuild | events | cases | seconds | events/s |\n| --- | --- | --- | --- | --- |');
    print(
      `| floor: cursor read of the same rows, no folding | ${count} | — | ${floorSeconds.toFixed(1)} | ${Math.round(count / floorSeconds)} |`,
    );
    print(
      `| replay: read + fold + write every case view | ${rebuild.events} | ${rebuild.cases} | ${(rebuild.ms / 1000).toFixed(1)} | ${Math.round(rebuildRate)} |`,
    );

    // 2. case list
    const auditorId = randomUUID();
    const all = await tokenFor({
      id: auditorId,
      type: 'user',
      userId: auditorId,
      orgId: randomUUID(),
      orgKind: 'contractor',
      roles: ['auditor'],
      contracts: 'all',
    });
    const [{ contract }] = await dataSource.query(
      `SELECT contract_id::text AS contract FROM "${schema}".case_views LIMIT 1`,
    );
    const officerId = randomUUID();
    const officer = await tokenFor({
      id: officerId,
      type: 'user',
      userId: officerId,
      orgId: randomUUID(),
      orgKind: 'client',
      roles: ['client_officer'],
      contracts: [contract],
    });
    const listTimes = async (token: string, path: string) => {
      const times: number[] = [];
      for (let i = 0; i < listRequests; i++) {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, { headers: { authorization: token } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
        times.push(performance.now() - t);
      }
      return summary(times);
    };
    const [{ views }] = await dataSource.query(`SELECT count(*)::int AS views FROM "${schema}".case_views`);
    const health = await listTimes(all, '/health/live');
    const listAll = await listTimes(all, '/cases?limit=50');
    const listOfficer = await listTimes(officer, '/cases?limit=50');
    const listOverdue = await listTimes(all, '/cases?limit=50&overdue=true&offset=100');
    print(
      `\n| GET (${views} cases in the read model, ${listRequests} sequential requests) | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- |`,
    );
    print(
      `| floor: /health/live (same server, auth, access log) | ${ms(health.p50)} | ${ms(health.p99)} | ${ms(health.max)} |`,
    );
    print(
      `| /cases?limit=50 (every contract) | ${ms(listAll.p50)} | ${ms(listAll.p99)} | ${ms(listAll.max)} |`,
    );
    print(
      `| /cases?limit=50 (client officer, one contract) | ${ms(listOfficer.p50)} | ${ms(listOfficer.p99)} | ${ms(listOfficer.max)} |`,
    );
    print(
      `| /cases?overdue=true&offset=100 | ${ms(listOverdue.p50)} | ${ms(listOverdue.p99)} | ${ms(listOverdue.max)} |`,
    );

    // settle what seeding and the replay left behind (dirty pages, statistics), so the live path is
    // measured in a steady state, not behind a checkpoint of a gigabyte of fresh rows
    await dataSource.query(`VACUUM ANALYZE "${schema}".case_history`);
    await dataSource.query(`VACUUM ANALYZE "${schema}".case_views`);
    await dataSource.query('CHECKPOINT').catch(() => undefined);
    // 3. live lag, with the bare-consumer floor on the same messages
    const sentAt = new Map<string, number>();
    const floorLag: number[] = [];
    const floor = kafka.consumer({ groupId: `bench-floor-${suffix}`, maxWaitTimeInMs: 100 });
    await floor.connect();
    await floor.subscribe({ topics: Object.values(topics), fromBeginning: true });
    await floor.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['event-id']?.toString();
        const at = id ? sentAt.get(id) : undefined;
        if (at !== undefined) floorLag.push(performance.now() - at);
      },
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const liveCases = Array.from({ length: 200 }, () => randomUUID());
    const versions = new Map<string, number>();
    const pending = new Map<string, { caseId: string; count: number; at: number; recorded?: boolean }>();
    const recordLag: number[] = [];
    const expected = new Map<string, number>();
    const liveLag: number[] = [];
    const httpChecks: number[] = [];
    let done = false;
    /** one API check at a time, so the checking does not load the server it measures */
    let checking = false;
    let deadline = Number.POSITIVE_INFINITY;
    const watcher = (async () => {
      while (!done || pending.size > 0) {
        if (pending.size > 0) {
          const ids = [...new Set([...pending.values()].map((p) => p.caseId))];
          const rows: { case_id: string; event_count: number }[] = await dataSource.query(
            `SELECT case_id::text AS case_id, event_count FROM "${schema}".case_views WHERE case_id = ANY($1)`,
            [ids],
          );
          const seen = new Map(rows.map((row) => [row.case_id, row.event_count]));
          const kept: { case_id: string; n: number }[] = await dataSource.query(
            `SELECT case_id::text AS case_id, count(*)::int AS n FROM "${schema}".case_history
              WHERE case_id = ANY($1) GROUP BY case_id`,
            [ids],
          );
          const recorded = new Map(kept.map((row) => [row.case_id, row.n]));
          const now = performance.now();
          for (const p of pending.values()) {
            if (!p.recorded && (recorded.get(p.caseId) ?? 0) >= p.count) {
              p.recorded = true;
              recordLag.push(now - p.at);
            }
          }
          for (const [eventId, p] of pending) {
            if ((seen.get(p.caseId) ?? 0) >= p.count) {
              liveLag.push(now - p.at);
              pending.delete(eventId);
            }
          }
        }
        await sleep(10);
        if (done && pending.size > 0 && performance.now() > deadline) break;
      }
    })();
    const startedLive = performance.now();
    const total = rate * seconds;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = startedLive + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const caseId = liveCases[i % liveCases.length];
      const first = !versions.has(caseId);
      const version = (versions.get(caseId) ?? 0) + 1;
      versions.set(caseId, version);
      const eventId = randomUUID();
      const occurredAt = new Date().toISOString();
      const type = first ? 'IncidentReported' : i % 2 === 0 ? 'MeasureRecorded' : 'ClientReminderSent';
      const data = first
        ? { contractId: contract, caseNumber: `INC-LIVE-${i}`, discoveredAt: occurredAt }
        : type === 'MeasureRecorded'
          ? { measureId: randomUUID() }
          : { contractId: contract, reminderNumber: version };
      const topic =
        type === 'ClientReminderSent'
          ? topics[TOPICS.clientNotifierCorrespondence]
          : topics[TOPICS.intakeCase];
      const envelope = envelopeFromRecorded({
        eventId,
        streamId: `${type === 'ClientReminderSent' ? 'correspondence' : 'case'}-${caseId}`,
        streamVersion: version,
        type,
        data,
        metadata: { caseId, occurredAt, actor: { id: 'bench', kind: 'system' }, schemaVersion: 1 },
        recordedAt: occurredAt,
      });
      const value = Buffer.from(toBinary(EnvelopeSchema, envelope));
      expected.set(caseId, (expected.get(caseId) ?? 0) + 1);
      const count = expected.get(caseId) as number;
      sends.push(
        producer
          .send({
            topic,
            acks: -1,
            messages: [{ key: caseId, value, headers: envelopeHeaders(decodeEnvelope(value)) }],
          })
          .then(async () => {
            const at = performance.now();
            sentAt.set(eventId, at);
            pending.set(eventId, { caseId, count, at });
            if (!checking) {
              checking = true;
              // the same visibility through the API itself
              for (;;) {
                const res = await fetch(`${base}/cases/${caseId}`, { headers: { authorization: all } });
                const body = (await res.json()) as { eventCount?: number };
                if (res.status === 200 && (body.eventCount ?? 0) >= count) break;
                if (performance.now() - at > 30_000) break;
                await sleep(25);
              }
              httpChecks.push(performance.now() - at);
              checking = false;
            }
          }),
      );
    }
    await Promise.all(sends);
    deadline = performance.now() + 30_000;
    done = true;
    await watcher;
    await sleep(500);
    await floor.disconnect();
    await producer.disconnect();
    const live = summary(liveLag);
    const consumed = summary(recordLag);
    const api = summary(httpChecks);
    const bare = summary(floorLag);
    print(
      `\n| live path at ${rate}/s for ${seconds} s | delivered | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |`,
    );
    print(
      `| floor: bare kafkajs consumer, send-ack → eachMessage | ${bare.n}/${total} | ${ms(bare.p50)} | ${ms(bare.p99)} | ${ms(bare.max)} |`,
    );
    print(
      `| · send-ack → kept in case_history (consumer) | ${consumed.n}/${total} | ${ms(consumed.p50)} | ${ms(consumed.p99)} | ${ms(consumed.max)} |`,
    );
    print(
      `| timeline: send-ack → case view updated | ${live.n}/${total} | ${ms(live.p50)} | ${ms(live.p99)} | ${ms(live.max)} |`,
    );
    print(
      `| timeline: send-ack → GET /cases/:id shows it (one event at a time) | ${api.n} | ${ms(api.p50)} | ${ms(api.p99)} | ${ms(api.max)} |`,
    );
    print(
      `\nratios: rebuild ${Math.round(rebuildRate)} events/s (aim ≥ 20000, floor read ${Math.round(count / floorSeconds)}/s); list p99 ${ms(listAll.p99)} ms (aim ≤ 100); live p99 ${ms(live.p99)} ms vs floor ${ms(bare.p99)} ms (aim ≤ 1000); load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (live.n < total) process.exitCode = 1;
  } finally {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await dataSource.destroy();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    const cleanup = new DataSource({ type: 'postgres', url: databaseUrl });
    await cleanup.initialize();
    await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await cleanup.destroy();
  }
}

await main();
process.exit(process.exitCode ?? 0);
