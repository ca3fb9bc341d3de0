import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDataSource, dropSchema, testConfig, uniqueName } from '#libs/testing';
import { verifyPassword } from '../src/credentials/passwords.js';

/**
 * The bootstrap CLI, run as the operator runs it (the compiled script as its own process, the
 * password on stdin): creates the contractor organisation and the first admin, refuses a second
 * time, and never falls back to a default password. `npm test` builds first.
 */
const entry = 'dist/apps/identity/src/cli/bootstrap-admin.js';
const schema = uniqueName('identity_bootstrap');
let db: DataSource;

function runCli(args: string[], stdin: string) {
  return spawnSync(process.execPath, [entry, ...args], {
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: testConfig().databaseUrl,
      DB_SCHEMA: schema,
      DATA_RESIDENCY_REGION: 'jp',
    },
  });
}

const admins = () =>
  db.query(
    `SELECT id, email, roles, password_hash, status FROM "${schema}".users WHERE 'admin' = ANY (roles)`,
  );

beforeAll(async () => {
  expect(existsSync(entry), `${entry} is missing: run npm run build`).toBe(true);
  db = await createTestDataSource();
});

afterAll(async () => {
  if (db) {
    await dropSchema(db, schema);
    await db.destroy();
  }
});

describe('bootstrap-admin', () => {
  it('refuses without a password on stdin: there is no default password', () => {
    const result = runCli(
      ['--email', 'root@operator.example', '--name', 'Root', '--org-name', 'Operator KK'],
      '',
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/password/i);
  });

  it('refuses a missing --email or --name with usage', () => {
    const result = runCli(['--name', 'Root'], 'whatever password');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage');
  });

  it('creates the contractor organisation and the first admin with the password from stdin', async () => {
    const password = 'a passphrase typed once';
    const result = runCli(
      ['--email', 'Root@Operator.example', '--name', 'Root Admin', '--org-name', 'Operator KK'],
      `${password}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('created admin');
    expect(result.stdout).not.toContain(password);

    const rows = await admins();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'root@operator.example', roles: ['admin'], status: 'active' });
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(rows[0].password_hash, password)).toBe(true);
    expect(await verifyPassword(rows[0].password_hash, `${password}\n`)).toBe(false);
    const orgs = await db.query(`SELECT kind, name FROM "${schema}".organisations`);
    expect(orgs).toEqual([{ kind: 'contractor', name: 'Operator KK' }]);
  });

  it('refuses a second time, and changes nothing', async () => {
    const result = runCli(['--email', 'second@operator.example', '--name', 'Second', '--generate'], '');
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/admin already exists/);
    expect(result.stdout).not.toMatch(/password/);
    expect(await admins()).toHaveLength(1);
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM "${schema}".users`);
    expect(count).toBe(1);
  });
});

describe('bootstrap-admin --generate', () => {
  const otherSchema = uniqueName('identity_bootstrap_gen');

  afterAll(async () => {
    await dropSchema(db, otherSchema);
  });

  it('prints a generated password once, and that password signs in', async () => {
    const result = spawnSync(
      process.execPath,
      [
        entry,
        '--email',
        'gen@operator.example',
        '--name',
        'Generated',
        '--org-name',
        'Operator KK',
        '--generate',
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: testConfig().databaseUrl,
          DB_SCHEMA: otherSchema,
          DATA_RESIDENCY_REGION: 'jp',
        },
      },
    );
    expect(result.status).toBe(0);
    const password = /password \(shown once, store it now\): (\S+)/.exec(result.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [row] = await db.query(`SELECT password_hash FROM "${otherSchema}".users`);
    expect(await verifyPassword(row.password_hash, password as string)).toBe(true);
  });
});
