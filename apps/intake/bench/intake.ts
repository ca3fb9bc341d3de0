/**
 * `npm run bench:intake`: reports per second and latency of `POST /cases` (Bearer auth, tenant check,
 * validation, case key, sealing, event store append with the case list's row, access log), beside a
 * baseline route on the same server, in the same process and the same run, that only INSERTs the same
 * JSON into a table. Measured in alternating rounds by a keep-alive load generator in a child process:
 * - closed loop at BENCH_CONCURRENCY connections: throughput (medians over the rounds, and the ratio);
 * - open loop at BENCH_RATE reports/s for BENCH_RATE_SECONDS: p50/p99/max latency at that load.
 *
 * The outbox relay runs as in production (it publishes every report to Kafka while the load runs).
 * Environment: BENCH_DATABASE_URL (default …/leak_response_test), KAFKA_BROKERS (127.0.0.1:9092),
 * BENCH_ROUNDS (5), BENCH_SECONDS (4), BENCH_CONCURRENCY (16), BENCH_RATE (100), BENCH_RATE_SECONDS (10).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp, Public } from '#libs/auth';
import { createServiceApp, DatabaseConfig, KafkaConfig } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { authEnv, generateTestKeys, sealingEnv, signAccessToken, testPrincipal } from '#libs/testing';
import { type LoadJob, type LoadResult, loadInChild } from '../../../libs/auth/bench/load.js';
import { IntakeModule } from '../src/intake.module.js';

/** The floor: the same JSON body, parsed by the same pipeline, INSERTed as is; no auth, no domain. */
@Controller('baseline')
class BaselineController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('reports')
  @Public()
  @HttpCode(201)
  async insert(@Body() body: unknown): Promise<{ id: string }> {
    const id = randomUUID();
    await this.dataSource.query('INSERT INTO bench_baseline (id, body) VALUES ($1, $2)', [
      id,
      JSON.stringify(body),
    ]);
    return { id };
  }
}

@Module({ imports: [IntakeModule], controllers: [BaselineController] })
class BenchIntakeModule {}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const line = (label: string, r: Pick<LoadResult, 'perSecond' | 'p50Ms' | 'p99Ms' | 'maxMs' | 'errors'>) =>
  `  ${label.padEnd(34)} ${r.perSecond.toFixed(0).padStart(5)} req/s  p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms  max ${r.maxMs.toFixed(1).padStart(7)} ms  errors ${r.errors}`;

async function main(): Promise<void> {
  const databaseUrl =
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leak_response_test';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const rate = Number(process.env.BENCH_RATE ?? 100);
  const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 10);
  const schema = `bench_intake_${randomUUID().slice(0, 8)}`;
  const keys = await generateTestKeys();
  const contractId = randomUUID();

  const service = await createServiceApp(BenchIntakeModule, {
    name: 'intake',
    config: {
      database: DatabaseConfig,
      kafka: KafkaConfig,
      auth: AuthConfig,
      audit: AccessLogConfig,
      sealing: SealingConfig,
    },
    env: {
      ...authEnv(keys),
      ...sealingEnv(),
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      SERVICE_NAME: 'bench-intake',
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
    },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  });
  const dataSource = service.app.get(DataSource);
  await dataSource.query(
    `CREATE TABLE "${schema}".bench_baseline (id uuid PRIMARY KEY, body jsonb NOT NULL)`,
  );
  await service.app.init();
  const server = service.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await signAccessToken(keys, testPrincipal('reporter', [contractId]), { ttlSeconds: 900 });

  const body = JSON.stringify({
    contractId,
    discoveredAt: new Date(Date.now() - 3600_000).toISOString(),
    description: 'A customer list was attached to a mail sent to the wrong address.',
    dataKinds: ['name', 'email'],
    persons: { precision: 'about', value: 800 },
    records: { precision: 'at_least', value: 800 },
    place: { site: 'Osaka branch', medium: 'email', route: 'misdelivery' },
    circumstances: { whatHappened: 'sent to a wrong recipient', howDiscovered: 'the recipient called' },
    encrypted: 'no',
    measuresTaken: 'asked the recipient to delete it',
  });
  const jobs: Record<'report' | 'baseline', LoadJob> = {
    report: {
      url: `${base}/cases`,
      method: 'POST',
      body,
      expectStatus: 201,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      concurrency,
      durationMs: seconds * 1000,
    },
    baseline: {
      url: `${base}/baseline/reports`,
      method: 'POST',
      body,
      expectStatus: 201,
      headers: { 'content-type': 'application/json' },
      concurrency,
      durationMs: seconds * 1000,
    },
  };

  console.log(
    `bench:intake — ${rounds} rounds × ${seconds} s per variant, ${concurrency} connections, schema ${schema}`,
  );
  // warm-up: JIT, pools, the case-key path
  for (const name of ['baseline', 'report'] as const) await loadInChild({ ...jobs[name], durationMs: 1500 });

  const results: Record<'report' | 'baseline', LoadResult[]> = { report: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['baseline', 'report'] as const) : (['report', 'baseline'] as const);
    for (const name of order) {
      const result = await loadInChild(jobs[name]);
      results[name].push(result);
      console.log(
        `  round ${round + 1} ${name.padEnd(8)} ${result.perSecond.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(1)} ms`,
      );
    }
  }
  const summary = (list: LoadResult[]) => ({
    perSecond: median(list.map((r) => r.perSecond)),
    p50Ms: median(list.map((r) => r.p50Ms)),
    p99Ms: median(list.map((r) => r.p99Ms)),
    maxMs: Math.max(...list.map((r) => r.maxMs)),
    errors: list.reduce((sum, r) => sum + r.errors, 0),
  });
  const report = summary(results.report);
  const baseline = summary(results.baseline);

  const openReport = await loadInChild({
    ...jobs.report,
    ratePerSecond: rate,
    durationMs: rateSeconds * 1000,
    concurrency: 256,
  });
  const openBaseline = await loadInChild({
    ...jobs.baseline,
    ratePerSecond: rate,
    durationMs: rateSeconds * 1000,
    concurrency: 256,
  });

  console.log(`\nclosed loop, ${concurrency} connections (medians of ${rounds} rounds):`);
  console.log(line('baseline (INSERT the JSON)', baseline));
  console.log(line('POST /cases (auth, access log on)', report));
  console.log(
    `  report / baseline throughput: ${((report.perSecond / baseline.perSecond) * 100).toFixed(1)}% (aim ≥ 60%)`,
  );
  console.log(
    `\nopen loop, ${rate} requests/s for ${rateSeconds} s (latency from each request's scheduled start):`,
  );
  console.log(line('baseline (INSERT the JSON)', openBaseline));
  console.log(line('POST /cases (auth, access log on)', openReport));
  console.log(`  POST /cases p99 at ${rate}/s: ${openReport.p99Ms.toFixed(1)} ms (aim ≤ 100 ms)`);

  await service.app.close();
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}

await main();
