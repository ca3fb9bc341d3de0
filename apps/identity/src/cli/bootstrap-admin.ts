import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
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
import { MIN_PASSWORD_LENGTH } from '../credentials/passwords.js';
import { randomSecret } from '../credentials/secrets.js';
import { identityMigrations } from '../identity.migrations.js';
import { BootstrapRefusedError, bootstrapAdmin } from './bootstrap-admin.command.js';

/**
 * Creates the first admin of a new deployment:
 *
 *   printf '%s' "$PASSWORD" | node dist/apps/identity/src/cli/bootstrap-admin.js \
 *     --email admin@example.jp --name "Admin" --org-name "Example Security KK"
 *   node dist/apps/identity/src/cli/bootstrap-admin.js --email … --name … --generate
 *
 * The password is read from stdin (hidden when typed at a terminal), or generated and printed once
 * with --generate. There is no default password. Refuses (exit 3) when an admin exists already.
 * Reads the identity service's DATABASE_URL, DB_SCHEMA and DATA_RESIDENCY_REGION; runs its migrations.
 */
const USAGE =
  'usage: bootstrap-admin --email <address> --name <display name> [--org-name <contractor name>] [--generate]\n' +
  '       the password is read from stdin unless --generate is given\n';

const EXIT_USAGE = 2;
const EXIT_REFUSED = 3;

function fail(message: string, code: number): never {
  process.stderr.write(`bootstrap-admin: ${message}\n`);
  process.exit(code);
}

/** Reads the password: everything piped to stdin (one trailing newline dropped), or one hidden line typed at a terminal. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write('Password for the new admin (input hidden): ');
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const lines = createInterface({ input: process.stdin, output: muted, terminal: true });
    const line = await new Promise<string>((resolve) => lines.once('line', resolve));
    lines.close();
    process.stderr.write('\n');
    return line;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  let values: { email?: string; name?: string; 'org-name'?: string; generate?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        'org-name': { type: 'string' },
        generate: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, EXIT_USAGE);
  }
  if (!values.email || !values.name) fail(`--email and --name are required\n${USAGE}`, EXIT_USAGE);

  let config: { service: ServiceConfig; database: DatabaseConfig };
  try {
    config = loadConfig(
      { service: ServiceConfig, database: DatabaseConfig },
      { defaults: serviceDefaults('identity') },
    );
  } catch (error) {
    if (error instanceof ConfigError) fail(`refusing to start.\n${error.message}`, EXIT_CONFIG);
    throw error;
  }

  const password = values.generate ? randomSecret(24) : await readPassword();
  const dataSource = await openServiceDatabase(config.database, config.service, {
    migrations: identityMigrations,
  });
  try {
    const admin = await bootstrapAdmin(dataSource, {
      email: values.email,
      displayName: values.name,
      orgName: values['org-name'],
      password,
      now: new Date(),
    });
    process.stdout.write(
      `created admin ${admin.userId} in ${admin.createdOrganisation ? 'new ' : ''}contractor organisation ${admin.orgId}\n`,
    );
    if (values.generate) {
      process.stdout.write(`password (shown once, store it now): ${password}\n`);
    }
  } catch (error) {
    if (error instanceof BootstrapRefusedError) fail(error.message, EXIT_REFUSED);
    if ((error as { kind?: string }).kind === 'validation')
      fail(`${(error as Error).message} (at least ${MIN_PASSWORD_LENGTH} characters)`, EXIT_USAGE);
    if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
      fail('a user with this e-mail address exists already', EXIT_REFUSED);
    }
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bootstrap-admin: failed: ${(error as Error).message}\n`);
  process.exit(1);
});
