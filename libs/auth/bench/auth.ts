/**
 * `npm run bench:auth`: throughput and p99 latency of an authenticated, tenant-scoped read
 * (`GET /cases/:caseId` of intake with a Bearer access token, access log on) beside the same read
 * with neither auth nor access log (a bare route, same handler, same database, same process) and,
 * to split the costs, the same read with auth but no access log,
 * measured in alternating rounds of the same run by a keep-alive load generator on a worker thread.
 *
 * Environment: BENCH_DATABASE_URL (default TEST_DATABASE_URL or …/leak_response_test), KAFKA_BROKERS
 * (intake's relay needs a broker; default 127.0.0.1:9092), BENCH_ROUNDS (9), BENCH_SECONDS (3),
 * BENCH_CONCURRENCY (16).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
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
import { CASE_HANDLERS, GetCaseQuery } from '../../../apps/intake/src/cases/case-commands.js';
import { intakeMigrations } from '../../../apps/intake/src/intake.migrations.js';
import { IntakeModule } from '../../../apps/intake/src/intake.module.js';
import type { LoadJob, LoadResult } from './load.js';

/** Runs one measurement on a worker thread (another core), so the generator does not slow the servers. */
function loadInWorker(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load.js', import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
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
  ...CASE_HANDLERS,
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

async function main(): Promise<void> {
  const databaseUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/leak_response_test';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const durationMs = Number(process.env.BENCH_SECONDS ?? 3) * 1000;
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const schema = `bench_auth_${randomBytes(4).toString('hex')}`;

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
    config: { database: DatabaseConfig, kafka: KafkaConfig, auth: AuthConfig, audit: AccessLogConfig },
    env: { ...env, SERVICE_NAME: 'intake-bench' },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  });
  await guarded.app.listen(0, '127.0.0.1');
  const bare = await createServiceApp(BareIntakeModule, {
    name: 'intake',
    config: { database: DatabaseConfig },
    env: { ...env, SERVICE_NAME: 'intake-bare' },
    readiness: { broker: false },
  });
  await bare.app.listen(0, '127.0.0.1');
  const authOnly = await createServiceApp(AuthOnlyIntakeModule, {
    name: 'intake',
    config: { database: DatabaseConfig, auth: AuthConfig },
    env: { ...env, SERVICE_NAME: 'intake-auth-only' },
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
        persons: { precision: 'exact', value: 10 },
        records: { precision: 'unknown' },
      }),
    });
    if (created.status !== 201) throw new Error(`could not create the case: ${created.status}`);
    const { caseId } = (await created.json()) as { caseId: string };
    // A client officer of the case's client: the tenant-scoped read the console makes all day.
    const reader = await sign(user('client', ['client_officer'], [randomUUID(), contractId, randomUUID()]));

    const jobs = {
      bare: { url: `http://127.0.0.1:${portOf(bare.app)}/bare/cases/${caseId}`, headers: {} },
      auth: {
        url: `http://127.0.0.1:${portOf(authOnly.app)}/cases/${caseId}`,
        headers: { authorization: `Bearer ${reader}` },
      },
      guarded: {
        url: `http://127.0.0.1:${portOf(guarded.app)}/cases/${caseId}`,
        headers: { authorization: `Bearer ${reader}` },
      },
    };
    process.stdout.write(
      `bench:auth — GET /cases/:caseId, ${concurrency} concurrent keep-alive connections, ${rounds} rounds × ${durationMs / 1000} s per variant\n`,
    );
    // warm-up: JIT, connection pools, the verified-token cache
    for (const job of Object.values(jobs)) await loadInWorker({ ...job, concurrency, durationMs: 1000 });

    const results: Record<keyof typeof jobs, LoadResult[]> = { bare: [], auth: [], guarded: [] };
    for (let round = 1; round <= rounds; round++) {
      // The order rotates each round, so a slow spell of the machine does not always hit one variant.
      const order = (['bare', 'auth', 'guarded'] as const).map((_, i, all) => all[(i + round) % all.length]);
      for (const name of order) {
        const result = await loadInWorker({ ...jobs[name], concurrency, durationMs });
        results[name].push(result);
        process.stdout.write(
          `  round ${round} ${name.padEnd(7)} ${result.perSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  errors ${result.errors}\n`,
        );
      }
    }
    const summary = (name: keyof typeof jobs) => ({
      perSecond: median(results[name].map((r) => r.perSecond)),
      p99Ms: median(results[name].map((r) => r.p99Ms)),
      errors: results[name].reduce((sum, r) => sum + r.errors, 0),
    });
    const bareSummary = summary('bare');
    const guardedSummary = summary('guarded');
    const authSummary = summary('auth');
    const ratio = (part: { perSecond: number }) =>
      ((part.perSecond / bareSummary.perSecond) * 100).toFixed(1);
    const distinctTokens = await Promise.all(
      Array.from({ length: 500 }, () => sign(user('client', ['client_officer'], [contractId]))),
    );
    const cost = await verifierCost(publicJwks, distinctTokens);
    const [{ rows }] = await guarded.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS rows FROM "${schema}".access_log`);
    process.stdout.write(
      [
        `medians over ${rounds} rounds:`,
        `  bare (no auth, no access log)        ${bareSummary.perSecond.toFixed(0).padStart(6)} req/s  p99 ${bareSummary.p99Ms.toFixed(2)} ms`,
        `  auth (JWT + tenant, no access log)   ${authSummary.perSecond.toFixed(0).padStart(6)} req/s  p99 ${authSummary.p99Ms.toFixed(2)} ms`,
        `  guarded (JWT + tenant + access log)  ${guardedSummary.perSecond.toFixed(0).padStart(6)} req/s  p99 ${guardedSummary.p99Ms.toFixed(2)} ms`,
        `  auth / bare throughput:    ${ratio(authSummary)}%`,
        `  guarded / bare throughput: ${ratio(guardedSummary)}% (aim ≥ 85%)`,
        `  access-token verification: first ${cost.firstUs.toFixed(0)} µs (signature), then ${cost.cachedUs.toFixed(1)} µs (cached) per request`,
        `  non-200 answers: bare ${bareSummary.errors}, auth ${authSummary.errors}, guarded ${guardedSummary.errors}; access-log rows written: ${rows}`,
        '',
      ].join('\n'),
    );
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
