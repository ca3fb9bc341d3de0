import { DataSource, type DataSourceOptions } from 'typeorm';
import { testConfig } from './config.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a schema name after checking it is a plain identifier (as {@link uniqueName} makes). */
function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new Error(`schema name ${JSON.stringify(schema)} must match ${IDENTIFIER} (use uniqueName())`);
  }
  return `"${schema}"`;
}

export interface TestDataSourceOptions {
  /**
   * The test's own schema: created if missing, used by TypeORM as its default schema (and for
   * its migrations table) and first on every connection's `search_path`, so unqualified names
   * in raw SQL land there too.
   */
  readonly schema?: string;
  /** Migrations to run right after connecting (with `dataSource.runMigrations()`). */
  readonly migrations?: DataSourceOptions['migrations'];
  /** Connection pool size. Default 5: several workers share one PostgreSQL. */
  readonly poolSize?: number;
}

/**
 * An initialized TypeORM DataSource on the test database (never `synchronize`). The caller
 * destroys it, usually in `afterAll` after {@link dropSchema}.
 */
export async function createTestDataSource(options: TestDataSourceOptions = {}): Promise<DataSource> {
  const { schema, migrations, poolSize = 5 } = options;
  const quoted = schema === undefined ? undefined : quoteSchema(schema);
  const dataSource = new DataSource({
    type: 'postgres',
    url: testConfig().databaseUrl,
    schema,
    migrations: migrations ?? [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: 'leak-response-tests',
    extra: {
      max: poolSize,
      ...(quoted === undefined ? {} : { options: `-c search_path=${quoted},public` }),
    },
  });
  await dataSource.initialize();
  try {
    if (quoted !== undefined) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    if (migrations !== undefined) await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(dataSource: DataSource, schema: string): Promise<void> {
  await dataSource.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
}
