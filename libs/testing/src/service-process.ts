import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait-for.js';

/** A service started from dist/ as its own process (kill tests): the child, its exit and its last output. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** the exit code; `null` when a signal ended it */
  readonly exited: Promise<number | null>;
  /** the last 20,000 characters of stdout and stderr */
  output(): string;
}

/** A TCP port free at the time of asking, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `node <main>` with the test's environment plus `env`. */
export function startServiceProcess(main: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Waits until the process answers `/health/ready` on `port`; fails at once (with its output) if it exits. */
export async function waitUntilReady(
  port: number,
  service: ServiceProcess,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => {
      if (service.child.exitCode !== null) throw new Error(`the service exited: ${service.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
      return res?.ok || undefined;
    },
    { timeoutMs, message: `service ready on port ${port}` },
  );
}
