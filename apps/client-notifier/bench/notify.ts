/**
 * `npm run bench:notify`: the headline figure. The whole path of a report — HTTP `POST /cases` accepted by
 * intake → intake's event store (the outbox) → relay → Kafka → client-notifier's consumer → delivery record →
 * SMTP → the e-mail accepted by the SMTP server — timed from the moment the request is sent to the moment
 * the SMTP server accepted the first notice of the last contact of that case. Beside it, in the same run,
 * the floor: an HTTP handler that writes the same e-mails and sends them directly with nodemailer before
 * answering (bench/floor-server.ts).
 *
 * intake, client-notifier and the floor run as their own processes from dist/ (as in production); this
 * process is the load generator and the SMTP server, so both ends of every latency are read from one clock.
 * Phases: a steady rate (BENCH_RATE reports/s for BENCH_SECONDS), then a burst (BENCH_BURST reports sent at
 * once), each for the pipeline and then for the floor.
 *
 * Environment: BENCH_DATABASE_URL (default TEST_DATABASE_URL or …/leak_response_test), KAFKA_BROKERS
 * (127.0.0.1:9092), BENCH_RATE (20), BENCH_SECONDS (60), BENCH_BURST (500), BENCH_CONTACTS (2),
 * BENCH_SMTP_POOL (5: SMTP_POOL_SIZE of the notifier and the floor).
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { exportJWK, importJWK, SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, claimsOf, type Principal } from '#libs/auth';
import { identityMigrations } from '../../identity/src/identity.migrations.js';
import { consumerGroupsOf, startGroupsAtEnd as startConsumerGroupsAtEnd } from '../src/consumer-groups.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', '..');
const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/leak_response_test';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 2);
const POOL = Number(process.env.BENCH_SMTP_POOL ?? 5);
const suffix = randomBytes(4).toString('hex');
const schemas = {
  identity: `bench_cn_identity_${suffix}`,
  intake: `bench_cn_intake_${suffix}`,
  notifier: `bench_cn_notifier_${suffix}`,
};
const serviceName = `bench-notifier-${suffix}`;

// --- the SMTP server: when each message was accepted, by case number and recipient -----------------------

/** case number → recipient → when the SMTP server accepted the message (performance.now()) */
const accepted = new Map<string, Map<string, number>>();
let acceptedCount = 0;
const waiters: Array<() => void> = [];

async function startSmtp(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const at = performance.now(); // accepted: the 250 reply goes out now
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(',');
        callback();
        void simpleParser(Buffer.concat(chunks), { skipHtmlToText: true, skipTextToHtml: true }).then(
          (mail) => {
            const caseNumber =
              /BENCH-[0-9a-f]+-\d+/.exec(mail.subject ?? '')?.[0] ??
              /INC-\d{4}-\d{6}/.exec(mail.subject ?? '')?.[0];
            if (!caseNumber) return;
            const byRecipient = accepted.get(caseNumber) ?? new Map<string, number>();
            if (!byRecipient.has(to)) byRecipient.set(to, at);
            accepted.set(caseNumber, byRecipient);
            acceptedCount++;
            for (const wake of waiters.splice(0)) wake();
          },
        );
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// --- processes --------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children: ChildProcess[] = [];
const named = new Map<string, ChildProcess>();

const USER_HZ = 100; // clock ticks per second in /proc/<pid>/stat on Linux

/** CPU time (ms) the process has used so far, from /proc (NaN where there is none). */
function cpuMs(child: ChildProcess | undefined): number {
  try {
    const stat = readFileSync(`/proc/${child?.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

function startProcess(script: string, env: Record<string, string>, name: string): ChildProcess {
  const profile = process.env.BENCH_PROFILE === name ? ['--cpu-prof', '--cpu-prof-dir=/tmp/bench-prof'] : [];
  const child = spawn(process.execPath, [...profile, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  children.push(child);
  named.set(name, child);
  return child;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const healthy = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;

// --- HTTP -------------------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
    req.end(data);
  });
}

// --- the world --------------------------------------------------------------------------------------------

interface World {
  readonly contractId: string;
  readonly contacts: Array<{ name: string; email: string; language: 'ja' | 'en' }>;
  readonly token: string;
  readonly env: Record<string, string>;
  readonly db: DataSource;
}

async function setUp(): Promise<World> {
  const db = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema: schemas.identity,
    migrations: identityMigrations(schemas.identity),
    migrationsTableName: `bench_cn_migrations_${suffix}`,
    extra: { max: 2, options: `-c search_path="${schemas.identity}",public` },
  });
  await db.initialize();
  await db.query(`CREATE SCHEMA "${schemas.identity}"`);
  await db.runMigrations({ transaction: 'each' });
  const s = `"${schemas.identity}"`;
  const [contractor, client, responsible, contractId] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];
  await db.query(
    `INSERT INTO ${s}.organisations (id, kind, name) VALUES ($1, 'contractor', 'Bench KK'), ($2, 'client', 'Bench City')`,
    [contractor, client],
  );
  await db.query(
    `INSERT INTO ${s}.users (id, org_id, email, display_name, roles) VALUES ($1, $2, $3, 'Bench Responsible', ARRAY['responsible'])`,
    [responsible, contractor, `responsible-${suffix}@bench.test`],
  );
  await db.query(
    `INSERT INTO ${s}.contracts (id, client_org_id, title, responsible_user_id) VALUES ($1, $2, 'Benchmark contract', $3)`,
    [contractId, client, responsible],
  );
  const contacts = Array.from({ length: CONTACTS }, (_, i) => ({
    name: `Contact ${i + 1}`,
    email: `contact${i + 1}@client.bench`,
    language: (i % 2 === 0 ? 'ja' : 'en') as 'ja' | 'en',
  }));
  for (const [i, contact] of contacts.entries()) {
    await db.query(
      `INSERT INTO ${s}.client_contacts (id, contract_id, name, email, phone, language, priority) VALUES ($1, $2, $3, $4, '03-0000-0000', $5, $6)`,
      [randomUUID(), contractId, contact.name, contact.email, contact.language, i + 1],
    );
  }

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const kid = `bench-${suffix}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const signingKey = await importJWK({ ...(await exportJWK(privateKey)), alg: 'EdDSA' }, 'EdDSA');
  const userId = randomUUID();
  const principal: Principal = {
    id: userId,
    type: 'user',
    userId,
    orgId: contractor,
    orgKind: 'contractor',
    roles: ['reporter'],
    contracts: [contractId],
  };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ ...claimsOf(principal) })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .sign(signingKey);
  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: brokers.join(','),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    AUTH_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwk] }),
    AUTH_COOKIE_SECURE: 'false',
    IDENTITY_SCHEMA: schemas.identity,
    LINK_SIGNING_KEY: randomBytes(32).toString('base64url'),
    SEALING_MASTER_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
  };
  return { contractId, contacts, token, env, db };
}

/** The notifier's consumer groups start at the topics' end: the history other runs left is not ours. */
async function startGroupsAtEnd(): Promise<void> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await admin.createTopics({
      topics: consumerGroupsOf(serviceName)
        .map((group) => group.topic)
        .filter((topic) => !existing.has(topic))
        .map((topic) => ({ topic, numPartitions: 3 })),
      waitForLeaders: true,
    });
    await startConsumerGroupsAtEnd(admin, serviceName);
  } finally {
    await admin.disconnect();
  }
}

// --- measuring --------------------------------------------------------------------------------------------

interface Sample {
  readonly caseNumber: string;
  readonly sentAt: number;
  answeredAt?: number;
  status?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** When the last contact's e-mail of the case was accepted, or undefined while some are missing. */
function completedAt(caseNumber: string): number | undefined {
  const byRecipient = accepted.get(caseNumber);
  if (!byRecipient || byRecipient.size < CONTACTS) return undefined;
  return Math.max(...byRecipient.values());
}

async function waitForCompletion(samples: readonly Sample[], timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (
      samples.every((sample) => sample.status !== undefined && completedAt(sample.caseNumber) !== undefined)
    )
      return;
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

interface PhaseResult {
  readonly path: string;
  readonly phase: string;
  readonly reports: number;
  readonly delivered: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** reports whose every e-mail was accepted, per second, from the first request to the last acceptance */
  readonly throughput: number;
  readonly httpP50: number;
  readonly errors: number;
  /** CPU ms per report of the processes on the path (intake + client-notifier, or the floor) */
  readonly cpuPerReport: number;
}

function summarise(path: string, phase: string, samples: readonly Sample[], cpu: number): PhaseResult {
  const latencies: number[] = [];
  let last = 0;
  for (const sample of samples) {
    const done = completedAt(sample.caseNumber);
    if (done === undefined) continue;
    latencies.push(done - sample.sentAt);
    last = Math.max(last, done);
  }
  latencies.sort((a, b) => a - b);
  const http = samples
    .flatMap((s) => (s.answeredAt === undefined ? [] : [s.answeredAt - s.sentAt]))
    .sort((a, b) => a - b);
  const first = Math.min(...samples.map((s) => s.sentAt));
  return {
    path,
    phase,
    reports: samples.length,
    delivered: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    throughput: latencies.length / ((last - first) / 1000),
    httpP50: percentile(http, 50),
    errors: samples.filter((s) => s.status !== 201).length,
    cpuPerReport: cpu / samples.length,
  };
}

type Send = (caseNumber: string) => Promise<{ status: number; caseNumber?: string }>;

async function steady(send: Send, label: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  const total = RATE * SECONDS;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(fire(send, `${label}-${i}`, samples));
  }
  await Promise.all(inFlight);
  return samples;
}

async function burst(send: Send, label: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  await Promise.all(Array.from({ length: BURST }, (_, i) => fire(send, `${label}-${i}`, samples)));
  return samples;
}

/** One request; the sample's case number is the one the response names (intake numbers its cases). */
async function fire(send: Send, id: string, samples: Sample[]): Promise<void> {
  const sentAt = performance.now();
  try {
    const answer = await send(id);
    samples.push({
      caseNumber: answer.caseNumber ?? id,
      sentAt,
      answeredAt: performance.now(),
      status: answer.status,
    });
  } catch {
    samples.push({ caseNumber: id, sentAt, status: 0 });
  }
}

function progress(what: string, samples: readonly Sample[]): void {
  if (!process.env.BENCH_VERBOSE) return;
  const done = samples.filter((s) => completedAt(s.caseNumber) !== undefined).length;
  const statuses: Record<string, number> = {};
  for (const sample of samples) statuses[String(sample.status)] = (statuses[String(sample.status)] ?? 0) + 1;
  console.log(
    `${what}: ${samples.length} sent, ${done} delivered, statuses ${JSON.stringify(statuses)}, ${acceptedCount} accepted`,
  );
}

// --- main ---------------------------------------------------------------------------------------------------

const report = (withTexts: boolean, contractId: string) => ({
  contractId,
  discoveredAt: new Date(Date.now() - 3_600_000).toISOString(),
  occurredAt: new Date(Date.now() - 7_200_000).toISOString(),
  dataKinds: ['name', 'email'],
  persons: { precision: 'about', value: 1200 },
  records: { precision: 'unknown' },
  ...(withTexts
    ? {
        description: '顧客名簿（氏名・メールアドレス）を含むUSBメモリの紛失',
        place: { site: '東京本社 3階', system: '顧客管理システム' },
        circumstances: { whatHappened: 'Lost on a commuter train on the way to a client meeting.' },
        measuresTaken: 'Police report filed; the railway lost-and-found was contacted.',
      }
    : {}),
});

async function main(): Promise<void> {
  const smtp = await startSmtp();
  const world = await setUp();
  await startGroupsAtEnd();
  const [intakePort, notifierPort, floorPort] = [await freePort(), await freePort(), await freePort()];
  startProcess(
    join(dist, 'apps', 'intake', 'src', 'main.js'),
    {
      ...world.env,
      HTTP_PORT: String(intakePort),
      DB_SCHEMA: schemas.intake,
      SERVICE_NAME: `bench-intake-${suffix}`,
    },
    'intake',
  );
  startProcess(
    join(dist, 'apps', 'client-notifier', 'src', 'main.js'),
    {
      ...world.env,
      HTTP_PORT: String(notifierPort),
      DB_SCHEMA: schemas.notifier,
      SERVICE_NAME: serviceName,
      INTAKE_SCHEMA: schemas.intake,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_TLS: 'none',
      SMTP_POOL_SIZE: String(POOL),
      MAIL_FROM: 'Leak Response <noreply@bench.test>',
      PUBLIC_BASE_URL: 'http://notifier.bench',
      CASE_LINK_BASE_URL: 'http://console.bench',
    },
    'client-notifier',
  );
  startProcess(
    join(dist, 'apps', 'client-notifier', 'bench', 'floor-server.js'),
    {
      FLOOR_PORT: String(floorPort),
      SMTP_PORT: String(smtp.port),
      SMTP_POOL_SIZE: String(POOL),
      FLOOR_CONTACTS: JSON.stringify(world.contacts),
    },
    'floor',
  );
  await waitUntil(healthy(intakePort), 'intake');
  await waitUntil(healthy(notifierPort), 'client-notifier');
  await waitUntil(
    async () =>
      (
        await post(
          floorPort,
          '/report',
          { ...report(true, world.contractId), caseNumber: 'BENCH-warm-0' },
          {},
        )
      ).status === 201,
    'floor',
  );

  let withTexts = true;
  const auth = { authorization: `Bearer ${world.token}` };
  const viaPipeline: Send = async () => {
    let answer = await post(intakePort, '/cases', report(withTexts, world.contractId), auth);
    if (
      answer.status === 400 &&
      withTexts &&
      /description|place|circumstances|measuresTaken/.test(answer.body)
    ) {
      withTexts = false; // an intake without the free-text fields yet
      answer = await post(intakePort, '/cases', report(false, world.contractId), auth);
    }
    const caseNumber = answer.status === 201 ? (JSON.parse(answer.body).caseNumber as string) : undefined;
    return { status: answer.status, caseNumber };
  };
  let floorCases = 0;
  const viaFloor: Send = async () => {
    const caseNumber = `BENCH-${suffix}-${floorCases++}`;
    const answer = await post(floorPort, '/report', { ...report(true, world.contractId), caseNumber }, {});
    return { status: answer.status, caseNumber };
  };

  // warm-up: the consumer group joins, connections and caches fill
  const warmUp: Sample[] = [];
  for (let i = 0; i < 10; i++) await fire(viaPipeline, `warm-${i}`, warmUp);
  await waitForCompletion(warmUp, 60_000);
  for (let i = 0; i < 10; i++) await fire(viaFloor, `floor-warm-${i}`, warmUp);
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  console.log(
    `bench:notify — ${RATE} reports/s for ${SECONDS} s, then a burst of ${BURST}; ${CONTACTS} contacts per report, SMTP pool ${POOL}`,
  );
  const results: PhaseResult[] = [];
  const processCpu = () => ({
    intake: cpuMs(named.get('intake')),
    notifier: cpuMs(named.get('client-notifier')),
    floor: cpuMs(named.get('floor')),
  });
  const cpuNotes: string[] = [];
  const phase = async (
    path: string,
    label: string,
    run: () => Promise<Sample[]>,
    floor: boolean,
    waitMs: number,
  ) => {
    const before = processCpu();
    const samples = await run();
    progress(`${label} sent`, samples);
    await waitForCompletion(samples, waitMs);
    progress(`${label} done`, samples);
    const after = processCpu();
    const per = (key: 'intake' | 'notifier' | 'floor') => (after[key] - before[key]) / samples.length;
    results.push(
      summarise(
        path,
        label,
        samples,
        (floor ? per('floor') : per('intake') + per('notifier')) * samples.length,
      ),
    );
    if (!floor) {
      cpuNotes.push(
        `${label}: intake ${per('intake').toFixed(1)} + client-notifier ${per('notifier').toFixed(1)} ms CPU per report`,
      );
    }
  };
  const PIPELINE = 'pipeline (intake → Kafka → client-notifier → SMTP)';
  const FLOOR = 'floor (HTTP handler → nodemailer → SMTP)';
  await phase(PIPELINE, `steady ${RATE}/s`, () => steady(viaPipeline, 'steady'), false, 60_000);
  await phase(FLOOR, `steady ${RATE}/s`, () => steady(viaFloor, 'floor-steady'), true, 60_000);
  await phase(PIPELINE, `burst ${BURST}`, () => burst(viaPipeline, 'burst'), false, 180_000);
  await phase(FLOOR, `burst ${BURST}`, () => burst(viaFloor, 'floor-burst'), true, 120_000);

  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '—');
  console.log('');
  console.log(
    '| path | phase | reports | delivered | errors | p50 ms | p99 ms | max ms | reports/s | HTTP p50 ms | CPU ms/report |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.path} | ${r.phase} | ${r.reports} | ${r.delivered} | ${r.errors} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.throughput)} | ${fmt(r.httpP50)} | ${fmt(r.cpuPerReport)} |`,
    );
  }
  const [ps, fs, pb, fb] = results;
  console.log('');
  console.log(
    `steady: p50 ${fmt(ps.p50)} ms (aim ≤ 300), p99 ${fmt(ps.p99)} ms (aim ≤ 1000), p50 / floor p50 = ×${(ps.p50 / fs.p50).toFixed(2)} (aim ≤ 3)`,
  );
  console.log(
    `burst:  p50 ${fmt(pb.p50)} ms, p99 ${fmt(pb.p99)} ms, throughput ${fmt(pb.throughput)} reports/s (floor ${fmt(fb.throughput)}), p50 / floor p50 = ×${(pb.p50 / fb.p50).toFixed(2)}`,
  );
  for (const note of cpuNotes) console.log(note);
  console.log(
    `texts in the reports: ${withTexts ? 'yes (description, place, circumstances, measures)' : 'no (this intake does not take them yet)'}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${acceptedCount} e-mails accepted in all`,
  );
  const missing = results.reduce((sum, r) => sum + (r.reports - r.delivered), 0);

  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
    ),
  );
  if (process.env.BENCH_KEEP) console.log(`kept schemas ${Object.values(schemas).join(', ')}`);
  else
    for (const schema of Object.values(schemas))
      await world.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await world.db.destroy();
  await smtp.close();
  agent.destroy();
  if (missing > 0) {
    console.error(`${missing} reports never had all their e-mails accepted`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
