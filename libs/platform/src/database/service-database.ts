import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { DatabaseConfig, ServiceConfig } from '../config/platform-config.js';
import { postgresConnectionOptions } from '../config/postgres.js';

/** A migration class as TypeORM's `DataSourceOptions.migrations` takes it. */
export type MigrationClass = new () => MigrationInterface;

export interface ServiceDatabaseOptions {
  /** every migration of the service, in order (the libs' own first, e.g. `eventStoreMigrations(schema)`) */
  migrations: (schema: string) => MigrationClass[];
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
  const dataSource = new DataSource({
    ...postgresConnectionOptions(database, service),
    migrations: options.migrations(schema),
    entities: options.entities ?? [],
    migrationsRun: false,
    logging: false,
    // unqualified names in raw SQL resolve to the service's schema first
    extra: { options: `-c search_path="${schema}",public` },
  });
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
