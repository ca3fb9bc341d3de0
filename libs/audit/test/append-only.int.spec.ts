import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseConfig, openServiceDatabase, ServiceConfig } from '#libs/platform';
import { createTestDataSource, dropSchema, testConfig, uniqueName } from '#libs/testing';
import { auditMigrations } from '../src/migrations.js';
import { purgeAccessLog, RetentionTooShortError } from '../src/retention.js';

/**
 * The access log is append-only for the application: the service migrates as the owner
 * (DATABASE_MIGRATION_URL) with DB_APP_ROLE set, then runs as that role, which can INSERT and SELECT
 * access records but not UPDATE, DELETE or TRUNCATE them, and can only purge through the owner's
 * function, which refuses less than 365 days. Real PostgreSQL, a real login role.
 */
const schema = uniqueName('audit_roles');
const appRole = uniqueName('audit_app');
let owner: DataSource;
let app: DataSource;

function urlAs(role: string): string {
  const url = new URL(testConfig().databaseUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

const PERMISSION_DENIED = { driverError: expect.objectContaining({ code: '42501' }) };

beforeAll(async () => {
  owner = await createTestDataSource();
  await owner.query(`CREATE ROLE "${appRole}" LOGIN`);
  // Configured as a service is: DATABASE_URL = the app role, DATABASE_MIGRATION_URL = the owner.
  const database = Object.assign(new DatabaseConfig(), {
    url: urlAs(appRole),
    migrationUrl: testConfig().databaseUrl,
    appRole,
    schema,
    poolSize: 2,
  });
  const service = Object.assign(new ServiceConfig(), { name: 'audit-roles-test' });
  app = await openServiceDatabase(database, service, {
    migrations: (name, context) => auditMigrations(name, context),
  });
});

afterAll(async () => {
  await app?.destroy();
  await dropSchema(owner, schema);
  await owner.query(`DROP OWNED BY "${appRole}"`);
  await owner.query(`DROP ROLE IF EXISTS "${appRole}"`);
  await owner.destroy();
});

const insertAs = (dataSource: DataSource, daysAgo: number, route: string) =>
  dataSource.query(
    `INSERT INTO "${schema}".access_log (at, service, actor_type, method, route, status, outcome, kind)
     VALUES (now() - make_interval(days => $1), 'test', 'anonymous', 'GET', $2, 200, 'allowed', 'other')`,
    [daysAgo, route],
  );

describe('the application role and the access log', () => {
  it('runs as the application role, not as the owner', async () => {
    const [{ current_user }] = await app.query('SELECT current_user');
    expect(current_user).toBe(appRole);
  });

  it('may INSERT and SELECT access records', async () => {
    await insertAs(app, 0, '/inserted-by-app');
    const rows = await app.query(`SELECT route FROM "${schema}".access_log WHERE route = '/inserted-by-app'`);
    expect(rows).toHaveLength(1);
  });

  it('may not UPDATE, DELETE or TRUNCATE them: permission denied', async () => {
    await expect(app.query(`UPDATE "${schema}".access_log SET status = 500`)).rejects.toMatchObject(
      PERMISSION_DENIED,
    );
    await expect(app.query(`DELETE FROM "${schema}".access_log`)).rejects.toMatchObject(PERMISSION_DENIED);
    await expect(app.query(`TRUNCATE "${schema}".access_log`)).rejects.toMatchObject(PERMISSION_DENIED);
    const [{ count }] = await owner.query(`SELECT count(*)::int AS count FROM "${schema}".access_log`);
    expect(count).toBeGreaterThan(0);
  });

  it('refuses updates even to the owner (append-only trigger)', async () => {
    await expect(owner.query(`UPDATE "${schema}".access_log SET status = 500`)).rejects.toThrow(
      /append-only/,
    );
  });

  it('keeps normal DML on the service’s other tables, including tables created by later migrations', async () => {
    await owner.query(`CREATE TABLE "${schema}".later_table (id serial PRIMARY KEY, note text)`);
    await app.query(`INSERT INTO "${schema}".later_table (note) VALUES ('a')`);
    await app.query(`UPDATE "${schema}".later_table SET note = 'b'`);
    await app.query(`DELETE FROM "${schema}".later_table`);
  });
});

describe('retention', () => {
  it('refuses to purge records younger than 365 days, in the library and in the database', async () => {
    await expect(purgeAccessLog(app, schema, 364)).rejects.toBeInstanceOf(RetentionTooShortError);
    await expect(app.query(`SELECT "${schema}".access_log_purge(30)`)).rejects.toThrow(/at least 365 days/);
  });

  it('purges only records older than the retention, through the owner’s function', async () => {
    await insertAs(owner, 500, '/very-old');
    await insertAs(owner, 401, '/old');
    await insertAs(owner, 399, '/recent-enough');
    await insertAs(owner, 1, '/fresh');
    const removed = await purgeAccessLog(app, schema, 400);
    expect(removed).toBe(2);
    const routes: Array<{ route: string }> = await owner.query(`SELECT route FROM "${schema}".access_log`);
    expect(routes.map((row) => row.route)).toEqual(
      expect.arrayContaining(['/recent-enough', '/fresh', '/inserted-by-app']),
    );
    expect(routes.map((row) => row.route)).not.toContain('/old');
    expect(routes.map((row) => row.route)).not.toContain('/very-old');
  });

  it('cannot be called by roles the grants did not name', async () => {
    const stranger = uniqueName('audit_stranger');
    await owner.query(`CREATE ROLE "${stranger}" LOGIN`);
    const other = new DataSource({ type: 'postgres', url: urlAs(stranger), poolSize: 1 });
    await other.initialize();
    try {
      await expect(other.query(`SELECT "${schema}".access_log_purge(400)`)).rejects.toMatchObject(
        PERMISSION_DENIED,
      );
    } finally {
      await other.destroy();
      await owner.query(`DROP ROLE "${stranger}"`);
    }
  });
});
