/**
 * `npm run bench:publish`: throughput and latency of the public pages with 1,000 published statements —
 * one statement page (`GET /statements/<slug>`) and the Atom feed (`GET /statements/feed.atom`) — each
 * beside a static file of the same size served by the same server (Express `sendFile` behind the same
 * pipeline: security headers, access log, metrics), in the same process and the same run, in
 * alternating rounds by a keep-alive load generator in a child process. Aim: ≥ 50 % of the static
 * throughput. Published pages are cached in memory for good (they never change); the feed for
 * PUBLISHER_LISTING_CACHE_MS.
 *
 * Environment: BENCH_DATABASE_URL (default …/leak_response_test), KAFKA_BROKERS (127.0.0.1:9092),
 * BENCH_ROUNDS (5), BENCH_SECONDS (3), BENCH_CONCURRENCY (16), BENCH_STATEMENTS (1000).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { Public } from '#libs/auth';
import { createServiceApp } from '#libs/platform';
import { authEnv, generateTestKeys, sealingEnv } from '#libs/testing';
import { type LoadJob, type LoadResult, loadInChild } from '../../../libs/auth/bench/load.js';
import { PublisherModule } from '../src/publisher.module.js';
import { publisherServiceOptions } from '../src/publisher.service.js';
import { contentHash, type DocumentContent, sanitizeContent } from '../src/statements/sections.js';

const staticDir = mkdtempSync(join(tmpdir(), 'bench-publish-'));

/** The floor: files of the same sizes, served from disk by the same server. */
@Controller('static')
class StaticController {
  @Get(':name')
  @Public()
  file(@Param('name') name: string, @Res() res: Response): void {
    res.sendFile(name.replace(/[^a-z.]/g, ''), { root: staticDir });
  }
}

@Module({ imports: [PublisherModule], controllers: [StaticController] })
class BenchPublisherModule {}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const line = (label: string, r: Pick<LoadResult, 'perSecond' | 'p50Ms' | 'p99Ms' | 'maxMs' | 'errors'>) =>
  `  ${label.padEnd(36)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms  max ${r.maxMs.toFixed(1).padStart(7)} ms  errors ${r.errors}`;

function statementContent(n: number): DocumentContent {
  const para = (text: string) => `<p>${text}</p>`;
  return sanitizeContent('statement', {
    ja: {
      title: `個人情報の漏えい等に関するお詫びとお知らせ（第${n}報）`,
      lead: para(
        'このたび、当社が委託を受けて取り扱っていた情報について、漏えい等の事案が判明しました。'.repeat(3),
      ),
      background: para('発生日: 2026年11月18日').concat(
        para('判明日: 2026年11月20日'),
        para('誤送信。'.repeat(20)),
      ),
      information: para('漏えい等が発生した情報の項目: 氏名、メールアドレス').concat(
        para('対象者数: 1,200名以上'),
      ),
      cause: para('宛先の自動補完により誤った宛先が選ばれた。'.repeat(4)),
      secondaryDamage: para('現時点で、本件に起因する二次被害は確認されておりません。'),
      personsResponse: para('対象となる方には、個別にご連絡を差し上げております。'),
      preventionDone: '<ul><li>誤送信先に削除を依頼した。</li><li>送信前の二重確認を導入した。</li></ul>',
      preventionPlanned: '<ul><li>外部宛てメールの送信保留機能を導入する。</li></ul>',
      contact: para('お問い合わせ窓口：顧客相談室（平日9時〜17時）'),
    },
    en: {
      title: `Notice of a data incident and our apology (update ${n})`,
      lead: para(
        'We have found that information we handled on behalf of our client may have leaked. '.repeat(3),
      ),
      background: para('Occurred: 2026-11-18').concat(
        para('Discovered: 2026-11-20'),
        para('Misdelivery. '.repeat(20)),
      ),
      information: para('Information involved: names, email addresses').concat(
        para('Persons: at least 1,200'),
      ),
      cause: para('Address autocomplete picked the wrong recipient. '.repeat(4)),
      secondaryDamage: para('No secondary damage has been confirmed so far.'),
      personsResponse: para('We are contacting the persons affected individually.'),
      preventionDone:
        '<ul><li>Asked the recipient to delete the mail.</li><li>Added a second check.</li></ul>',
      preventionPlanned: '<ul><li>Hold external mail for review before it is sent.</li></ul>',
      contact: para('Customer desk (weekdays 9:00-17:00)'),
    },
  });
}

async function main(): Promise<void> {
  const databaseUrl =
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leak_response_test';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const count = Number(process.env.BENCH_STATEMENTS ?? 1000);
  const schema = `bench_publisher_${randomUUID().slice(0, 8)}`;
  const keys = await generateTestKeys();

  const service = await createServiceApp(
    BenchPublisherModule,
    publisherServiceOptions({
      ...authEnv(keys),
      ...sealingEnv(),
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      SERVICE_NAME: `bench-publisher-${schema.slice(-8)}`,
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
      PUBLISHER_LISTING_CACHE_MS: '2000',
    }),
  );
  await service.app.init();
  const dataSource = service.app.get(DataSource);

  // 1,000 published statements, as the publication path leaves them (a statement row and its public copy)
  const caseId = randomUUID();
  const contractId = randomUUID();
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i += 100) {
    await dataSource.transaction(async (manager) => {
      for (let n = i + 1; n <= Math.min(count, i + 100); n++) {
        const statementId = randomUUID();
        const content = statementContent(n);
        const at = new Date(start + n * 3600_000).toISOString();
        await manager.query(
          `INSERT INTO "${schema}".statements (statement_id, case_id, contract_id, kind, number, status, current_revision, created_at)
           VALUES ($1, $2, $3, 'statement', $4, 'published', 1, $5)`,
          [statementId, caseId, contractId, n, at],
        );
        await manager.query(
          `INSERT INTO "${schema}".published_statements (slug, statement_id, case_id, kind, number, revision, content_hash, content, published_at)
           VALUES ($1, $2, $3, 'statement', $4, 1, $5, $6, $7)`,
          [
            `${at.slice(0, 10)}-s${n}-${statementId.slice(0, 8)}`,
            statementId,
            caseId,
            n,
            contentHash('statement', content),
            content,
            at,
          ],
        );
      }
    });
  }
  const [{ slug }] = await dataSource.query(
    `SELECT slug FROM "${schema}".published_statements ORDER BY published_at DESC LIMIT 1`,
  );

  const server = service.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const page = await (await fetch(`${base}/statements/${slug}`)).text();
  const feed = await (await fetch(`${base}/statements/feed.atom`)).text();
  writeFileSync(join(staticDir, 'page.html'), page);
  writeFileSync(join(staticDir, 'feed.xml'), feed);
  const pageBytes = Buffer.byteLength(page);
  const feedBytes = Buffer.byteLength(feed);

  const job = (path: string): LoadJob => ({
    url: `${base}${path}`,
    headers: {},
    concurrency,
    durationMs: seconds * 1000,
  });
  const jobs = {
    page: job(`/statements/${slug}`),
    staticPage: job('/static/page.html'),
    feed: job('/statements/feed.atom'),
    staticFeed: job('/static/feed.xml'),
  } as const;
  type Name = keyof typeof jobs;

  console.log(
    `bench:publish — ${count} published statements; page ${pageBytes} B, feed ${feedBytes} B; ${rounds} rounds × ${seconds} s per variant, ${concurrency} connections`,
  );
  for (const name of Object.keys(jobs) as Name[]) await loadInChild({ ...jobs[name], durationMs: 1000 });

  const results: Record<Name, LoadResult[]> = { page: [], staticPage: [], feed: [], staticFeed: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Name[] =
      round % 2 === 0
        ? ['staticPage', 'page', 'staticFeed', 'feed']
        : ['page', 'staticPage', 'feed', 'staticFeed'];
    for (const name of order) {
      const result = await loadInChild(jobs[name]);
      results[name].push(result);
      console.log(
        `  round ${round + 1} ${name.padEnd(10)} ${result.perSecond.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(1)} ms`,
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
  const s = Object.fromEntries(
    (Object.keys(results) as Name[]).map((n) => [n, summary(results[n])]),
  ) as Record<Name, ReturnType<typeof summary>>;
  console.log(`\nclosed loop, ${concurrency} connections (medians of ${rounds} rounds):`);
  console.log(line(`static file (${pageBytes} B)`, s.staticPage));
  console.log(line('GET /statements/<slug>', s.page));
  console.log(
    `  page / static throughput: ${((s.page.perSecond / s.staticPage.perSecond) * 100).toFixed(1)}% (aim ≥ 50%)`,
  );
  console.log(line(`static file (${feedBytes} B)`, s.staticFeed));
  console.log(line('GET /statements/feed.atom', s.feed));
  console.log(
    `  feed / static throughput: ${((s.feed.perSecond / s.staticFeed.perSecond) * 100).toFixed(1)}% (aim ≥ 50%)`,
  );

  await service.app.close();
  rmSync(staticDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}

await main();
