import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { resolveInfraSettings } from './settings.js';

const INFRA_SCRIPT = join('deploy', 'local', 'infra.sh');

/** The repository root: the nearest folder above this file that holds deploy/local/infra.sh. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, INFRA_SCRIPT))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find ${INFRA_SCRIPT} above ${start}`);
  }
}

/**
 * Runs `deploy/local/infra.sh up` once for the whole test run: creates the test database if
 * missing and makes sure a Kafka broker answers (starting a local one if needed). Its output
 * is shown only when it fails, so a normal run stays quiet.
 */
function bringUpInfrastructure(env: NodeJS.ProcessEnv): void {
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const result = spawnSync('bash', [join(root, INFRA_SCRIPT), 'up'], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`could not run ${INFRA_SCRIPT}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    process.stderr.write(result.stderr);
    throw new Error(
      `${INFRA_SCRIPT} up failed (exit ${result.status ?? result.signal}); its output is above`,
    );
  }
}

/** Vitest global setup of the `integration` project (see .config/vitest.config.ts). */
export function setup(project: TestProject): void {
  const settings = resolveInfraSettings(process.env);
  // Tests only need the test database: point both variables at it so infra.sh touches nothing else.
  bringUpInfrastructure({
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    TEST_DATABASE_URL: settings.databaseUrl,
  });
  project.provide('databaseUrl', settings.databaseUrl);
  project.provide('kafkaBrokers', settings.kafkaBrokers);
}

/**
 * Deliberately leaves the broker running: the next local run reuses it in a fraction of a
 * second (`infra.sh down` stops it), and CI ends every process when the job finishes.
 */
export function teardown(): void {}
