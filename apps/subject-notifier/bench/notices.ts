/**
 * `npm run bench:notices`: subject-notifier at scale, beside a baseline in the same run.
 *
 * 1. Import: BENCH_PERSONS persons (default 100,000) streamed as one CSV upload to the compiled service
 *    (dist/, its own process), then confirmed: rows/s of each step.
 * 2. Send: a campaign to all of them against a local SMTP sink (this process, headers only), at
 *    NOTICE_RATE_PER_SECOND 10,000 (no throttle) and NOTICE_CONCURRENCY = BENCH_CONCURRENCY: notices/s.
 * 3. Baseline: the same number of messages (same size) sent by a bare nodemailer pool with the same
 *    concurrency to the same sink: messages/s. The ratio is the send figure over the baseline.
 * 4. Memory: the service's peak resident set (VmHWM from /proc) and its resident set after each quarter of
 *    the campaign (flat, not growing with the number of persons, is the aim).
 *
 * Environment: BENCH_DATABASE_URL (default TEST_DATABASE_URL or …/leak_response_test), KAFKA_BROKERS
 * (127.0.0.1:9092), BENCH_PERSONS (100000), BENCH_CONCURRENCY (4).
 * Aims (issue 8): import ≥ 20,000 rows/s; send ≥ 80 % of the baseline; peak ≤ 300 MB and flat.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { startTestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import { generateTestKeys, signAccessToken, testPrincipal } from '../../../libs/testing/src/auth.js';
import { sealingEnv } from '../../../libs/testing/src/sealing.js';
import { freePort, startServiceProcess, waitUntilReady } from '../../../libs/testing/src/service-process.js';
import { waitFor } from '../../../libs/testing/src/wait-for.js';
import { NoticeTemplates } from '../src/templates/notice-templates.js';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.js');
const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/leak_response_test';
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const PERSONS = Number(process.env.BENCH_PERSONS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const schema = `bench_sn_${randomBytes(4).toString('hex')}`;

const mb = (kib: number) => Math.round(kib / 1024);

/** VmHWM (peak) and VmRSS of a process, in KiB. */
function memoryOf(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peak: field('VmHWM'), rss: field('VmRSS') };
}

/** The CSV, generated as it is sent (never whole in memory here either). */
function* csvChunks(): Generator<string> {
  yield 'name,email,language,items\n';
  let chunk = '';
  for (let n = 1; n <= PERSONS; n++) {
    chunk += `Bench Person ${n},person-${n}@bench.test,${n % 3 === 0 ? 'en' : 'ja'},name;email;item-${n % 17}\n`;
    if (n % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function post(port: number, path: string, auth: string, body: Readable | string, type: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { authorization: auth, 'content-type': type },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

async function main_(): Promise<void> {
  const keys = await generateTestKeys();
  const sink = await startTestSmtpServer({ headersOnly: true });
  const db = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 2 });
  await db.initialize();
  const port = await freePort();
  const service = startServiceProcess(main, {
    AUTH_PUBLIC_KEYS: keys.publicJwks,
    LINK_SIGNING_KEY: keys.linkKey,
    ...sealingEnv(),
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    DB_POOL_SIZE: '8',
    KAFKA_BROKERS: brokers,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    SERVICE_NAME: schema.replaceAll('_', '-'),
    DATA_RESIDENCY_REGION: 'jp',
    LOG_LEVEL: 'error',
    HTTP_PORT: String(port),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_TLS: 'none',
    MAIL_FROM: 'Leak Response <noreply@bench.test>',
    NOTICE_RATE_PER_SECOND: '10000',
    NOTICE_CONCURRENCY: String(CONCURRENCY),
    NOTICE_POLL_MS: '50',
  });
  const pid = service.child.pid as number;
  try {
    await waitUntilReady(port, service);
    const caseId = randomUUID();
    const contractId = randomUUID();
    const instructionId = randomUUID();
    // the case and the instruction as the intake consumer records them
    await db.query(
      `INSERT INTO "${schema}".cases (case_id, contract_id, case_number) VALUES ($1, $2, 'BENCH')`,
      [caseId, contractId],
    );
    await db.query(
      `INSERT INTO "${schema}".instructions (case_id, instruction_id, kind, issued_at)
       VALUES ($1, $2, 'INSTRUCTION_KIND_NOTIFY_SUBJECTS', now())`,
      [caseId, instructionId],
    );
    const auth = `Bearer ${await signAccessToken(keys, testPrincipal('responsible', [contractId]))}`;
    const idle = memoryOf(pid);

    let t0 = performance.now();
    const uploaded = await post(
      port,
      `/cases/${caseId}/imports`,
      auth,
      Readable.from(csvChunks()),
      'text/csv',
    );
    const uploadS = (performance.now() - t0) / 1000;
    if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${uploaded.body}`);
    const { importId } = JSON.parse(uploaded.body) as { importId: string };
    t0 = performance.now();
    const confirmed = await post(
      port,
      `/cases/${caseId}/imports/${importId}/confirmation`,
      auth,
      '',
      'text/plain',
    );
    const confirmS = (performance.now() - t0) / 1000;
    if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${confirmed.body}`);
    const afterImport = memoryOf(pid);

    const template = await new NoticeTemplates(db, schema).recordApproved({
      templateId: randomUUID(),
      revision: 1,
      caseId,
      subjectJa: '【重要】個人情報漏えいに関するお知らせ',
      bodyJa: '{{name}} 様\n\n漏えいしたおそれのある情報:\n{{items}}\n\nお問い合わせ: 0120-000-000',
      subjectEn: 'Important: notice of a personal data leak',
      bodyEn: 'Dear {{name}},\n\nThe information that may have leaked:\n{{items}}\n\nContact: 0120-000-000',
      approvedAt: new Date(),
      approvedBy: 'bench',
    });
    const before = sink.received.length;
    const quarters: number[] = [];
    t0 = performance.now();
    const started = await post(
      port,
      `/cases/${caseId}/campaigns`,
      auth,
      JSON.stringify({ instructionId, templateId: template.templateId }),
      'application/json',
    );
    if (started.status !== 201) throw new Error(`campaign: ${started.status} ${started.body}`);
    await waitFor(
      () => {
        const sent = sink.received.length - before;
        if (sent >= ((quarters.length + 1) * PERSONS) / 4) quarters.push(memoryOf(pid).rss);
        return sent >= PERSONS || undefined;
      },
      { timeoutMs: 3_600_000, intervalMs: 100, message: 'every notice at the sink' },
    );
    const sendS = (performance.now() - t0) / 1000;
    const peak = memoryOf(pid).peak;

    // the baseline: a bare nodemailer pool, same concurrency, same sink, messages of the same size
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: CONCURRENCY,
      host: '127.0.0.1',
      port: sink.port,
      ignoreTLS: true,
    });
    const sample = sink.received[sink.received.length - 1];
    const text = `Bench Person 1 様\n\n漏えいしたおそれのある情報:\n・name\n・email\n・item-1\n\nお問い合わせ: 0120-000-000`;
    const baseBefore = sink.received.length;
    t0 = performance.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: CONCURRENCY * 2 }, async () => {
        while (next <= PERSONS) {
          const n = next++;
          await transport.sendMail({
            from: 'Leak Response <noreply@bench.test>',
            to: `person-${n}@bench.test`,
            subject: sample?.parsed.subject ?? 'notice',
            text,
            html: `<p>${text.replaceAll('\n', '<br>')}</p>`,
          });
        }
      }),
    );
    const baselineS = (performance.now() - t0) / 1000;
    transport.close();
    if (sink.received.length - baseBefore !== PERSONS) throw new Error('the baseline lost messages');

    const importRate = PERSONS / (uploadS + confirmS);
    const sendRate = PERSONS / sendS;
    const baseRate = PERSONS / baselineS;
    console.info(
      JSON.stringify(
        {
          persons: PERSONS,
          concurrency: CONCURRENCY,
          import: {
            uploadRowsPerS: Math.round(PERSONS / uploadS),
            confirmRowsPerS: Math.round(PERSONS / confirmS),
            totalRowsPerS: Math.round(importRate),
            aimRowsPerS: 20_000,
          },
          send: {
            noticesPerS: Math.round(sendRate),
            baselineMessagesPerS: Math.round(baseRate),
            ratio: sendRate / baseRate,
            aimRatio: 0.8,
          },
          memoryMb: {
            idle: mb(idle.rss),
            afterImport: mb(afterImport.rss),
            rssAtQuarters: quarters.map(mb),
            peak: mb(peak),
            aimPeak: 300,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await sink.close();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.destroy();
  }
}

await main_();
