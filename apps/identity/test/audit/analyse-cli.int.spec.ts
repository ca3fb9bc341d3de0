import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMigrations } from '#libs/audit';
import { createTestDataSource, dropSchema, testConfig, uniqueName } from '#libs/testing';

/**
 * The on-demand analysis as an operator runs it: the compiled CLI (`npm run build` first; `npm test`
 * does) against a real access log.
 */
const run = promisify(execFile);
const CLI = 'dist/apps/identity/src/audit/cli/analyse.js';
const schema = uniqueName('audit_cli');
let db: DataSource;
const from = new Date(Date.now() - 3_600_000);

beforeAll(async () => {
  db = await createTestDataSource({ schema, migrations: auditMigrations(schema) });
  for (let i = 0; i < 12; i++) {
    await db.query(
      `INSERT INTO "${schema}".access_log (at, service, actor_type, method, route, status, ip, outcome, kind)
       VALUES (now() - make_interval(secs => $1), 'identity', 'anonymous', 'POST', '/auth/login', 401, '198.51.100.7', 'denied', 'auth')`,
      [i],
    );
  }
});

afterAll(async () => {
  await dropSchema(db, schema);
  await db.destroy();
});

const env = () => ({
  PATH: process.env.PATH,
  DATABASE_URL: testConfig().databaseUrl,
  DB_SCHEMA: schema,
  AUDIT_SOURCE_SCHEMAS: `${schema},no_such_schema`,
  AUDIT_OFF_HOURS: 'none',
});

describe('analyse (CLI)', () => {
  it('prints the period’s report as JSON, naming the sources it could not read', async () => {
    const { stdout, stderr } = await run(
      'node',
      [CLI, '--from', from.toISOString(), '--to', new Date(Date.now() + 60_000).toISOString()],
      { env: env() },
    );
    const report = JSON.parse(stdout);
    expect(report.sources).toEqual([schema]);
    expect(report.missingSources).toEqual(['no_such_schema']);
    expect(report.totals).toEqual({ requests: 12, denied: 12, errors: 0 });
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'repeated_denials_from_address', clientIp: '198.51.100.7', count: 12 }),
    ]);
    expect(stderr).toContain('no access log in: no_such_schema');
  });

  it('prints CSV with --format csv', async () => {
    const { stdout } = await run(
      'node',
      [
        CLI,
        '--from',
        from.toISOString(),
        '--to',
        new Date(Date.now() + 60_000).toISOString(),
        '--format',
        'csv',
      ],
      { env: env() },
    );
    const lines = stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^section,kind,actor_id,client_ip,/);
    expect(
      lines.filter((line) => line.startsWith('finding,repeated_denials_from_address,,198.51.100.7,')),
    ).toHaveLength(1);
  });

  it('refuses bad arguments with EX_USAGE (64)', async () => {
    await expect(run('node', [CLI, '--from', 'yesterday'], { env: env() })).rejects.toMatchObject({
      code: 64,
    });
    await expect(
      run('node', [CLI, '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-01T00:00:00Z'], { env: env() }),
    ).rejects.toMatchObject({ code: 64, stderr: expect.stringContaining('to must be after from') });
  });
});
