/**
 * A small HTTP load generator for the benchmarks, run as a child process (forked with an IPC channel:
 * receives one LoadJob, sends back one LoadResult and exits) so its CPU time never counts in the measured
 * server process's `process.cpuUsage()`. Two modes:
 * - closed loop: `concurrency` loops, each sending its next request when the last one answered, for
 *   `durationMs` (throughput);
 * - open loop (`ratePerSecond`): requests start on a fixed schedule whatever the answers, and each latency
 *   is counted from its scheduled start, so a slow answer cannot hide the queue behind it (latency at a
 *   given load).
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface LoadJob {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly concurrency: number;
  readonly durationMs: number;
  /** default GET */
  readonly method?: 'GET' | 'POST';
  /** the request body, sent as is */
  readonly body?: string;
  /** the status that counts as success (default 200) */
  readonly expectStatus?: number;
  /** open loop: requests per second on a fixed schedule (concurrency is then only the socket limit) */
  readonly ratePerSecond?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function send(agent: Agent, url: URL, job: LoadJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: job.headers, method: job.method ?? 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(job.body);
  });
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(job.url);
  const expected = job.expectStatus ?? 200;
  const latencies: number[] = [];
  let errors = 0;
  const once = async (startedAt: number) => {
    const status = await send(agent, url, job).catch(() => 0);
    latencies.push(performance.now() - startedAt);
    if (status !== expected) errors++;
  };
  const started = performance.now();
  const deadline = started + job.durationMs;
  if (job.ratePerSecond) {
    const interval = 1000 / job.ratePerSecond;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; started + i * interval < deadline; i++) {
      const scheduled = started + i * interval;
      const wait = scheduled - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(once(scheduled));
    }
    await Promise.all(inFlight);
  } else {
    const loop = async () => {
      while (performance.now() < deadline) await once(performance.now());
    };
    await Promise.all(Array.from({ length: job.concurrency }, loop));
  }
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    perSecond: (latencies.length / elapsed) * 1000,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

/** Runs one measurement in a child process (this file, forked). */
export function loadInChild(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), { stdio: 'inherit' });
    child.once('message', (result) => resolve(result as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
    });
    child.send(job);
  });
}

const reply = process.send?.bind(process);
if (reply) {
  process.once('message', async (job: LoadJob) => {
    const result = await runLoad(job);
    reply(result, () => process.exit(0));
  });
}
