/**
 * `npm run bench:auth`: throughput and p99 latency of an authenticated, tenant-scoped read
 * (`GET /cases/:caseId` of intake with a Bearer access token, access log on) beside the same read
 * with neither auth nor access log (a bare route, same handler, same database, same process) and,
 * to split the costs, the same read with auth but no access log,
 * measured in alternating rounds of the same run by a keep-alive load generator in a child process.
 *
 * Besides throughput it reports, per variant, the CPU time per request of the server process
 * (`process.cpuUsage()`; the generator runs in its own process) and of the PostgreSQL backends serving
 * that variant's application (from /proc, by `application_name`, when the server is local): on a shared
 * machine throughput swings with the other load, the CPU cost per request much less.
 *
 * Environment: BENCH_DATABASE_URL (default TEST_DATABASE_URL or …/leak_response_test), KAFKA_BROKERS
 * (intake's relay needs a broker; default 127.0.0.1:9092), BENCH_ROUNDS (9), BENCH_SECONDS (3),
 * BENCH_CONCURRENCY (16,64: connections of the closed-loop generator, one set of rounds per value),
 * BENCH_VARIANTS (bare,auth,guarded; e.g. `guarded` alone for a CPU profile).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module, Param, ParseUUIDPipe } from '@nestjs/common';
import { CqrsModule, QueryBus } from '@nestjs/cqrs';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { AccessLogConfig } from '#libs/audit';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  AccessTokenVerifier,
  AuthConfig,
  Authenticated,
  AuthModule,
  CurrentPrincipal,
  claimsOf,
  hardenHttp,
  type Principal,
} from '#libs/auth';
import { EventStore } from '#libs/event-store';
import { createServiceApp, DatabaseConfig, KafkaConfig, ServiceDatabaseModule } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { GetCaseHandler, GetCaseQuery } from '../../../apps/intake/src/cases/case-commands.js';
import { intakeMigrations } from '../../../apps/intake/src/intake.migrations.js';
import { IntakeModule } from '../../../apps/intake/src/intake.module.js';
import { type LoadJob, type LoadResult, loadInChild } from './load.js';

const USER_HZ = 100; // clock ticks per second in /proc/<pid>/stat on Linux

/**
 * CPU time (µs) spent so far by the PostgreSQL backends whose `application_name` is `application`,
 * read from /proc: possible only when the server runs on this machine; NaN otherwise. Backends that
 * ended between two readings are missed, which is why the servers' pools stay open for the whole run.
 */
async function backendCpuMicros(dataSource: DataSource, application: string): Promise<number> {
  const rows: Array<{ pid: number }> = await dataSource.query(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [application],
  );
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
    } catch {
      return Number.NaN;
    }
  }
  return (ticks * 1_000_000) / USER_HZ;
}

/** One round of one variant: the generator's figures and the CPU time per request on both sides. */
interface Measurement extends LoadResult {
  /** µs of this (server) process per request */
  readonly nodeCpuUs: number;
  /** µs of the variant's PostgreSQL backends per request (NaN when the server is not local) */
  readonly pgCpuUs: number;
}

async function measure(job: LoadJob, cpuOfBackends: () => Promise<number>): Promise<Measurement> {
  const backendsBefore = await cpuOfBackends();
  const nodeBefore = process.cpuUsage();
  const result = await loadInChild(job);
  const node = process.cpuUsage(nodeBefore);
  const backends = (await cpuOfBackends()) - backendsBefore;
  const requests = Math.max(1, result.requests);
  return { ...result, nodeCpuUs: (node.user + node.system) / requests, pgCpuUs: backends / requests };
}

// --- the servers --------------------------------------------------------------------------------

/** Sees every contract: what the bare route reads as (no authentication happens there). */
const BARE_READER: Principal = {
  id: 'system:bench',
  type: 'user',
  userId: 'system:bench',
  orgId: 'system',
  orgKind: 'contractor',
  roles: ['admin'],
  contracts: 'all',
};

@Controller('bare')
class BareCasesController {
  constructor(private readonly queries: QueryBus) {}

  @Get('cases/:caseId')
  get(@Param('caseId', new ParseUUIDPipe()) caseId: string) {
    return this.queries.execute(new GetCaseQuery(caseId, BARE_READER));
  }
}

@Controller('cases')
class AuthOnlyCasesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':caseId')
  @Authenticated()
  get(@Param('caseId', new ParseUUIDPipe()) caseId: string, @CurrentPrincipal() principal: Principal) {
    return this.queries.execute(new GetCaseQuery(caseId, principal));
  }
}

const readPathProviders = [
  {
    provide: EventStore,
    inject: [DataSource, DatabaseConfig],
    useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
      new EventStore(dataSource, { schema: database.schema }),
  },
  // the read only: the case's other handlers need more than these modules provide (sealing, outbox)
  GetCaseHandler,
];

/** The same read with authentication and tenant scoping but without the access log: splits the costs. */
@Module({
  imports: [
    CqrsModule.forRoot(),
    AuthModule.forService(),
    ServiceDatabaseModule.forRoot({ migrations: intakeMigrations }),
  ],
  controllers: [AuthOnlyCasesController],
  providers: readPathProviders,
})
class AuthOnlyIntakeModule {}

/** Intake's read path (CQRS handler, event store) without AuthModule and AccessLogModule. */
@Module({
  imports: [
    CqrsModule.forRoot(),
    // same schema as the guarded server: its migrations have already run
    ServiceDatabaseModule.forRoot({ migrations: intakeMigrations }),
  ],
  controllers: [BareCasesController],
  providers: readPathProviders,
})
class BareIntakeModule {}

/**
 * The verifier's own cost, free of HTTP and of the other processes on the machine: a first
 * verification (EdDSA signature, claims) and a repeated one (the verified-token cache).
 */
async function verifierCost(
  publicJwks: string,
  tokens: readonly string[],
): Promise<{ firstUs: number; cachedUs: number }> {
  const verifier = new AccessTokenVerifier({
    publicKeys: JSON.parse(publicJwks),
    clock: { now: () => new Date() },
  });
  let started = performance.now();
  for (const token of tokens) await verifier.verify(token);
  const firstUs = ((performance.now() - started) * 1000) / tokens.length;
  const repeats = 20_000;
  started = performance.now();
  for (let i = 0; i < repeats; i++) await verifier.verify(tokens[i % tokens.length]);
  const cachedUs = ((performance.now() - started) * 1000) / repeats;
  return { firstUs, cachedUs };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const VARIANTS = ['bare', 'auth', 'guarded'] as const;
type Variant = (typeof VARIANTS)[number];

function variantsToRun(setting: string | undefined): Variant[] {
  if (!setting) return [...VARIANTS];
  const names = setting.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(VARIANTS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_VARIANTS: unknown variant ${name} (known: ${VARIANTS.join(', ')})`);
    }
  }
  return names as Variant[];
}

/**
 * CPU the servers spend with no request at all (the relay, metrics timers), over two seconds after a
 * second of rest: it is included in every round's figures, so it is printed to judge by how much.
 */
async function idleCpu(
  monitor: DataSource,
  application: string,
): Promise<{ nodeMsPerSecond: number; pgMsPerSecond: number }> {
  const seconds = 2;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const pgBefore = await backendCpuMicros(monitor, application);
  const nodeBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const node = process.cpuUsage(nodeBefore);
  const pg = (await backendCpuMicros(monitor, application)) - pgBefore;
  return { nodeMsPerSecond: (node.user + node.system) / 1000 / seconds, pgMsPerSecond: pg / 1000 / seconds };
}

interface Summary {
  readonly perSecond: number;
  readonly p99Ms: number;
  readonly nodeCpuUs: number;
  readonly pgCpuUs: number;
  readonly errors: number;
}

const summaryOf = (measurements: readonly Measurement[]): Summary => ({
  perSecond: median(measurements.map((r) => r.perSecond)),
  p99Ms: median(measurements.map((r) => r.p99Ms)),
  nodeCpuUs: median(measurements.map((r) => r.nodeCpuUs)),
  pgCpuUs: median(measurements.map((r) => r.pgCpuUs)),
  errors: measurements.reduce((sum, r) => sum + r.errors, 0),
});

const LABELS: Record<Variant, string> = {
  bare: 'bare (no auth, no access log)      ',
  auth: 'auth (JWT + tenant, no access log) ',
  guarded: 'guarded (JWT + tenant + access log)',
};

/** The medians of one concurrency, the ratios to bare, and the access log's rows per commit. */
function summaryLines(
  concurrency: number,
  rounds: number,
  variants: readonly Variant[],
  results: Record<Variant, Measurement[]>,
  accessLog: { rows: number; commits: number },
): string[] {
  const summaries = new Map(variants.map((name) => [name, summaryOf(results[name])]));
  const lines = [`medians over ${rounds} rounds, ${concurrency} connections:`];
  for (const [name, s] of summaries) {
    lines.push(
      `  ${LABELS[name]} ${s.perSecond.toFixed(0).padStart(6)} req/s  p99 ${s.p99Ms.toFixed(2).padStart(6)} ms  cpu/req node ${s.nodeCpuUs.toFixed(0).padStart(4)} µs  pg ${s.pgCpuUs.toFixed(0).padStart(4)} µs  total ${(s.nodeCpuUs + s.pgCpuUs).toFixed(0).padStart(4)} µs`,
    );
  }
  const bare = summaries.get('bare');
  const auth = summaries.get('auth');
  const guarded = summaries.get('guarded');
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  if (bare && auth) lines.push(`  auth / bare throughput:    ${percent(auth.perSecond / bare.perSecond)}`);
  if (bare && guarded) {
    lines.push(`  guarded / bare throughput: ${percent(guarded.perSecond / bare.perSecond)} (aim ≥ 85%)`);
    // The server process is single-threaded: once it saturates its core, throughput is 1 / its CPU per request.
    lines.push(
      `  guarded / bare by CPU per request (bare's ÷ guarded's): node ${percent(bare.nodeCpuUs / guarded.nodeCpuUs)}, node + pg ${percent((bare.nodeCpuUs + bare.pgCpuUs) / (guarded.nodeCpuUs + guarded.pgCpuUs))}`,
    );
  }
  const errors = [...summaries].map(([name, s]) => `${name} ${s.errors}`).join(', ');
  lines.push(
    `  non-200 answers: ${errors}; access-log rows ${accessLog.rows} in ${accessLog.commits} INSERTs (${(accessLog.rows / Math.max(1, accessLog.commits)).toFixed(1)} rows per commit)`,
  );
  return lines;
}

async function main(): Promise<void> {
  const databaseUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/leak_response_test';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const durationMs = Number(process.env.BENCH_SECONDS ?? 3) * 1000;
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number);
  if (concurrencies.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`BENCH_CONCURRENCY must list positive integers, got ${process.env.BENCH_CONCURRENCY}`);
  }
  const variants = variantsToRun(process.env.BENCH_VARIANTS);
  const runId = randomBytes(4).toString('hex');
  const schema = `bench_auth_${runId}`;
  // Each server's name is its backends' application_name: the CPU of each variant's backends is told apart.
  const serviceNames = {
    guarded: `intake-bench-${runId}`,
    bare: `intake-bare-${runId}`,
    auth: `intake-auth-only-${runId}`,
  };

  const kid = 'bench';
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }] });
  const user = (orgKind: Principal['orgKind'], roles: Principal['roles'], contracts: string[]): Principal => {
    const id = randomUUID();
    return { id, type: 'user', userId: id, orgId: randomUUID(), orgKind, roles, contracts };
  };
  const sign = (principal: Principal) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claimsOf(principal) })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(principal.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(privateKey);
  };

  const env = {
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    DB_POOL_SIZE: '10',
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    AUTH_PUBLIC_KEYS: publicJwks,
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HTTP_PORT: '0',
  };
  const guarded = await createServiceApp(IntakeModule, {
    name: 'intake',
    config: {
      database: DatabaseConfig,
      kafka: KafkaConfig,
      auth: AuthConfig,
      audit: AccessLogConfig,
      sealing: SealingConfig,
    },
    env: {
      ...env,
      SERVICE_NAME: serviceNames.guarded,
      SEALING_MASTER_KEYS: `bench1:${randomBytes(32).toString('base64url')}`,
    },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  });
  await guarded.app.listen(0, '127.0.0.1');
  const bare = await createServiceApp(BareIntakeModule, {
    name: 'intake',
    config: { database: DatabaseConfig },
    env: { ...env, SERVICE_NAME: serviceNames.bare },
    readiness: { broker: false },
  });
  await bare.app.listen(0, '127.0.0.1');
  const authOnly = await createServiceApp(AuthOnlyIntakeModule, {
    name: 'intake',
    config: { database: DatabaseConfig, auth: AuthConfig },
    env: { ...env, SERVICE_NAME: serviceNames.auth },
    readiness: { broker: false },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  });
  await authOnly.app.listen(0, '127.0.0.1');
  const portOf = (app: typeof guarded.app) => (app.getHttpServer().address() as { port: number }).port;

  try {
    const contractId = randomUUID();
    const reporter = await sign(user('contractor', ['reporter'], [contractId]));
    const created = await fetch(`http://127.0.0.1:${portOf(guarded.app)}/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reporter}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        contractId,
        discoveredAt: new Date().toISOString(),
        dataKinds: ['name'],
        description: 'benchmark report',
        persons: { precision: 'exact', value: 10 },
        records: { precision: 'unknown' },
      }),
    });
    if (created.status !== 201) throw new Error(`could not create the case: ${created.status}`);
    const { caseId } = (await created.json()) as { caseId: string };
    // A client officer of the case's client: the tenant-scoped read the console makes all day.
    const reader = await sign(user('client', ['client_officer'], [randomUUID(), contractId, randomUUID()]));

    // The console is a browser: every variant gets its User-Agent (the access log records and cleans it).
    const browser = { 'user-agent': BROWSER_USER_AGENT };
    const jobs = {
      bare: { url: `http://127.0.0.1:${portOf(bare.app)}/bare/cases/${caseId}`, headers: browser },
      auth: {
        url: `http://127.0.0.1:${portOf(authOnly.app)}/cases/${caseId}`,
        headers: { ...browser, authorization: `Bearer ${reader}` },
      },
      guarded: {
        url: `http://127.0.0.1:${portOf(guarded.app)}/cases/${caseId}`,
        headers: { ...browser, authorization: `Bearer ${reader}` },
      },
    };
    const monitor = guarded.app.get(DataSource);
    const cpuOfBackends = (name: Variant) => () => backendCpuMicros(monitor, serviceNames[name]);
    // Rows of one INSERT share its transaction id: rows per xmin is the group commit's batch size.
    const accessLogCounts = async (): Promise<{ rows: number; commits: number }> => {
      const [counts] = await monitor.query(
        `SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS commits FROM "${schema}".access_log`,
      );
      return counts;
    };
    process.stdout.write(
      `bench:auth — GET /cases/:caseId, ${rounds} rounds × ${durationMs / 1000} s per variant and concurrency\n` +
        "  CPU per request: node = the server process (the generator runs in another), pg = the variant's PostgreSQL backends\n",
    );

    const runAt = async (concurrency: number): Promise<string[]> => {
      process.stdout.write(`${concurrency} concurrent keep-alive connections:\n`);
      // warm-up: JIT, connection pools, the verified-token cache
      for (const name of variants) await loadInChild({ ...jobs[name], concurrency, durationMs: 1000 });
      const logBefore = await accessLogCounts();
      const results: Record<Variant, Measurement[]> = { bare: [], auth: [], guarded: [] };
      for (let round = 1; round <= rounds; round++) {
        // The order rotates each round, so a slow spell of the machine does not always hit one variant.
        const order = variants.map((_, i, all) => all[(i + round) % all.length]);
        for (const name of order) {
          const result = await measure({ ...jobs[name], concurrency, durationMs }, cpuOfBackends(name));
          results[name].push(result);
          process.stdout.write(
            `  round ${round} ${name.padEnd(7)} ${result.perSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  cpu/req node ${result.nodeCpuUs.toFixed(0)} µs  pg ${result.pgCpuUs.toFixed(0)} µs  errors ${result.errors}\n`,
          );
        }
      }
      const logAfter = await accessLogCounts();
      return summaryLines(concurrency, rounds, variants, results, {
        rows: logAfter.rows - logBefore.rows,
        commits: logAfter.commits - logBefore.commits,
      });
    };

    const report: string[] = [];
    for (const concurrency of concurrencies) report.push(...(await runAt(concurrency)));
    const distinctTokens = await Promise.all(
      Array.from({ length: 500 }, () => sign(user('client', ['client_officer'], [contractId]))),
    );
    const cost = await verifierCost(publicJwks, distinctTokens);
    const idle = await idleCpu(monitor, serviceNames.guarded);
    report.push(
      `idle CPU of the server process (relay, timers): ${idle.nodeMsPerSecond.toFixed(1)} ms/s, of the guarded app's backends: ${idle.pgMsPerSecond.toFixed(1)} ms/s`,
      `access-token verification: first ${cost.firstUs.toFixed(0)} µs (signature), then ${cost.cachedUs.toFixed(1)} µs (cached) per request`,
      '',
    );
    process.stdout.write(report.join('\n'));
  } finally {
    await Promise.allSettled([guarded.app.close(), bare.app.close(), authOnly.app.close()]);
    const cleanup = new DataSource({ type: 'postgres', url: databaseUrl });
    await cleanup.initialize();
    await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await cleanup.destroy();
  }
}

await main();
process.exit(0);
