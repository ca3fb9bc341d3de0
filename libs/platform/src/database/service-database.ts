import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { DatabaseConfig, ServiceConfig } from '../config/platform-config.js';
import { postgresConnectionOptions } from '../config/postgres.js';

/** A migration class as TypeORM's `DataSourceOptions.migrations` takes it. */
export type MigrationClass = new () => MigrationInterface;

/** What a service's migrations may depend on beyond the schema name. */
export interface MigrationContext {
  /**
   * The application's login role (`DB_APP_ROLE`) when the migrations run as the schema owner
   * (`DATABASE_MIGRATION_URL`): the migrations grant it what it may do (see libs/audit).
   */
  readonly appRole?: string;
}

export interface ServiceDatabaseOptions {
  /** every migration of the service, in order (the libs' own first, e.g. `eventStoreMigrations(schema)`) */
  migrations: (schema: string, context: MigrationContext) => MigrationClass[];
  entities?: DataSourceOptions['entities'];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the service's PostgreSQL data source on its own schema and brings the schema up to date.
 *
 * Migrations run under a session advisory lock keyed by the schema, so two instances starting at the
 * same time migrate one after the other (the second finds nothing left to do) instead of racing.
 * The schema is created first because TypeORM keeps its `migrations` table inside it.
 */
export async function openServiceDatabase(
  database: DatabaseConfig,
  service: ServiceConfig,
  options: ServiceDatabaseOptions,
): Promise<DataSource> {
  const schema = database.schema;
  if (!IDENTIFIER.test(schema))
    throw new Error(`DB_SCHEMA ${JSON.stringify(schema)} is not a plain identifier`);
  const migrations = options.migrations(schema, { appRole: database.appRole });
  const dataSourceOptions = (url: string, poolSize = database.poolSize): DataSourceOptions => ({
    ...postgresConnectionOptions(database, service),
    url,
    poolSize,
    migrations,
    entities: options.entities ?? [],
    migrationsRun: false,
    logging: false,
    // unqualified names in raw SQL resolve to the service's schema first
    extra: { options: `-c search_path="${schema}",public` },
  });
  if (database.migrationUrl && database.migrationUrl !== database.url) {
    // The owner migrates on a short-lived connection; the service itself runs as the application role.
    const owner = new DataSource(dataSourceOptions(database.migrationUrl, 2)); // lock holder + migration runner
    await owner.initialize();
    try {
      await migrateExclusively(owner, schema);
    } finally {
      await owner.destroy();
    }
    const dataSource = new DataSource(dataSourceOptions(database.url));
    await dataSource.initialize();
    return dataSource;
  }
  const dataSource = new DataSource(dataSourceOptions(database.url));
  await dataSource.initialize();
  try {
    await migrateExclusively(dataSource, schema);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function migrateExclusively(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

@Injectable()
class DataSourceShutdown implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Runs after the services' own shutdown hooks (relays, consumers) have stopped using it. */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * Provides the service's TypeORM `DataSource` (inject it by class), migrated at start-up, destroyed at
 * shutdown. `/health/ready` checks it by default.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest dynamic modules are classes with a static factory
export class ServiceDatabaseModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
    return {
      module: ServiceDatabaseModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          inject: [DatabaseConfig, ServiceConfig],
          useFactory: (database: DatabaseConfig, service: ServiceConfig) =>
            openServiceDatabase(database, service, options),
        },
        DataSourceShutdown,
      ],
      exports: [DataSource],
    };
  }
}
