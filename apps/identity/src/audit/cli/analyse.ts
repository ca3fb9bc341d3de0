/**
 * On-demand access analysis (docs/audit.md):
 *
 *   node dist/apps/identity/src/audit/cli/analyse.js --from 2026-11-01T00:00:00+09:00 --to 2026-11-02T00:00:00+09:00 [--format csv|json]
 *
 * Prints the report of the period (reads of case data per actor, findings, totals) on stdout. It only
 * reads: findings are reported (events, e-mails) by the identity service's scheduled analysis. Reads
 * DATABASE_URL, DB_SCHEMA (default identity) and the AUDIT_* variables like the service.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { EventStore } from '#libs/event-store';
import { ConfigError, DatabaseConfig, EXIT_CONFIG, loadConfig, serviceDefaults } from '#libs/platform';
import { AccessAnalysis, assertPeriod, InvalidPeriodError } from '../access-analysis.js';
import { reportToCsv } from '../access-report.js';
import { AuditAnalysisConfig } from '../audit-analysis.config.js';
import { parseOffHours } from '../off-hours.js';

const EXIT_USAGE = 64; // sysexits.h EX_USAGE
const USAGE = 'usage: analyse --from <ISO date-time> --to <ISO date-time> [--format csv|json]';

function fail(status: number, message: string): never {
  process.stderr.write(`analyse: ${message}\n`);
  process.exit(status);
}

function parseCommandLine() {
  try {
    const { values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'json' },
      },
      strict: true,
    });
    if (!values.from || !values.to) fail(EXIT_USAGE, USAGE);
    if (values.format !== 'csv' && values.format !== 'json')
      fail(EXIT_USAGE, `--format must be csv or json\n${USAGE}`);
    const from = new Date(values.from);
    const to = new Date(values.to);
    assertPeriod(from, to);
    return { from, to, format: values.format };
  } catch (error) {
    if (error instanceof InvalidPeriodError) fail(EXIT_USAGE, error.message);
    fail(EXIT_USAGE, `${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const { from, to, format } = parseCommandLine();
  let config: { database: DatabaseConfig; audit: AuditAnalysisConfig };
  try {
    config = loadConfig(
      { database: DatabaseConfig, audit: AuditAnalysisConfig },
      { env: process.env, defaults: serviceDefaults('identity') },
    );
  } catch (error) {
    if (error instanceof ConfigError) fail(EXIT_CONFIG, error.message);
    throw error;
  }
  const { database, audit } = config;
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    poolSize: 1,
    applicationName: 'identity-analyse',
  });
  await dataSource.initialize();
  try {
    const analysis = new AccessAnalysis({
      dataSource,
      schema: database.schema,
      eventStore: new EventStore(dataSource, { schema: database.schema }),
      sourceSchemas: audit.sourceSchemas,
      rules: {
        bulkReadThreshold: audit.bulkReadThreshold,
        denialThreshold: audit.denialThreshold,
        offHours: audit.offHours === 'none' ? undefined : parseOffHours(audit.offHours, audit.timeZone),
      },
    });
    const report = await analysis.report({ from, to });
    process.stdout.write(format === 'csv' ? reportToCsv(report) : `${JSON.stringify(report, null, 2)}\n`);
    if (report.missingSources.length > 0) {
      process.stderr.write(`analyse: no access log in: ${report.missingSources.join(', ')}\n`);
    }
  } finally {
    await dataSource.destroy();
  }
}

await main();
