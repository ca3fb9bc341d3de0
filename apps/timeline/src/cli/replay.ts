/**
 * The replay (docs/timeline.md): throws away every case view of the timeline and folds it again from
 * the timeline's event history, in one transaction (the live consumer waits meanwhile).
 *
 *   node dist/apps/timeline/src/cli/replay.js            # every case
 *   node dist/apps/timeline/src/cli/replay.js --case <id> # one case
 *
 * Reads DATABASE_URL, DB_SCHEMA (default timeline), DATA_RESIDENCY_REGION and the TIMELINE_* clock
 * defaults like the service. Prints what it did as one JSON line. Exit 64 on bad arguments, 78 on bad
 * configuration.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  DatabaseConfig,
  EXIT_CONFIG,
  loadConfig,
  openServiceDatabase,
  ServiceConfig,
  serviceDefaults,
} from '#libs/platform';
import { ClockSettingsStore } from '../clock-settings/clock-settings.js';
import { CaseHistory } from '../history/case-history.js';
import { CaseProjection } from '../projection/case-projection.js';
import { TimelineConfig } from '../timeline.config.js';
import { timelineMigrations } from '../timeline.migrations.js';

const EXIT_USAGE = 64;
const USAGE = 'usage: replay [--case <case id>]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(status: number, message: string): never {
  process.stderr.write(`replay: ${message}\n`);
  process.exit(status);
}

function parseCommandLine(): { caseId?: string } {
  try {
    const { values } = parseArgs({ options: { case: { type: 'string' } }, strict: true });
    if (values.case !== undefined && !UUID.test(values.case))
      fail(EXIT_USAGE, `--case must be a UUID\n${USAGE}`);
    return values.case ? { caseId: values.case } : {};
  } catch (error) {
    fail(EXIT_USAGE, `${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const { caseId } = parseCommandLine();
  let config: { database: DatabaseConfig; service: ServiceConfig; timeline: TimelineConfig };
  try {
    config = loadConfig(
      { database: DatabaseConfig, service: ServiceConfig, timeline: TimelineConfig },
      { env: process.env, defaults: { ...serviceDefaults('timeline'), DB_POOL_SIZE: '2' } },
    );
  } catch (error) {
    if (error instanceof ConfigError) fail(EXIT_CONFIG, error.message);
    throw error;
  }
  const dataSource = await openServiceDatabase(config.database, config.service, {
    migrations: timelineMigrations,
  });
  try {
    const projection = new CaseProjection(
      dataSource,
      new CaseHistory(dataSource),
      new ClockSettingsStore(config.timeline),
    );
    if (caseId) {
      const view = await projection.refresh(caseId);
      process.stdout.write(`${JSON.stringify({ caseId, stage: view.stage, events: view.eventCount })}\n`);
      return;
    }
    const result = await projection.rebuild();
    process.stdout.write(
      `${JSON.stringify({ ...result, ms: Math.round(result.ms), eventsPerSecond: Math.round(result.events / (result.ms / 1000)) })}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

await main();
