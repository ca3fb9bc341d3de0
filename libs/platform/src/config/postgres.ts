import type { DatabaseConfig, ServiceConfig } from './platform-config.js';

/** How long to wait for a new PostgreSQL connection before giving up. */
export const DATABASE_CONNECT_TIMEOUT_MS = 5000;

/**
 * The connection part of a TypeORM PostgreSQL `DataSource` for a service: its URL, its own schema,
 * its pool size, and its name in `pg_stat_activity`. Add entities and migrations; never `synchronize`.
 */
export function postgresConnectionOptions(database: DatabaseConfig, service: ServiceConfig) {
  return {
    type: 'postgres' as const,
    url: database.url,
    schema: database.schema,
    poolSize: database.poolSize,
    applicationName: service.name,
    connectTimeoutMS: DATABASE_CONNECT_TIMEOUT_MS,
    synchronize: false,
  };
}
