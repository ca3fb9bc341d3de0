/**
 * A small HTTP load generator for the benchmarks: `concurrency` loops, each sending GETs one after
 * the other over a keep-alive agent for `durationMs`, recording every latency. Runs as a child
 * process (forked with an IPC channel: receives one LoadJob, sends back one LoadResult and exits), so
 * its CPU time never counts in the measured server process's `process.cpuUsage()`.
 */
import { Agent, request } from 'node:http';

export interface LoadJob {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly concurrency: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(job.url);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + job.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await get(agent, url, job.headers).catch(() => 0);
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
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
  };
}

const send = process.send?.bind(process);
if (send) {
  process.once('message', async (job: LoadJob) => {
    const result = await runLoad(job);
    send(result, () => process.exit(0));
  });
}
