/**
 * Where the integration tests find PostgreSQL and Kafka. Resolved once, in the Vitest main
 * process (global-setup.ts), from the environment with the project's defaults, then handed to
 * the test workers through Vitest's `provide` / `inject`.
 */
export interface InfraSettings {
  /** The test database (TEST_DATABASE_URL), never the development one. */
  readonly databaseUrl: string;
  /** Bootstrap brokers (KAFKA_BROKERS, comma-separated in the environment). */
  readonly kafkaBrokers: string[];
}

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/leak_response_test';
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

export function resolveInfraSettings(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const databaseUrl = env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
  const kafkaBrokers = (env.KAFKA_BROKERS?.trim() || DEFAULT_KAFKA_BROKERS)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  return { databaseUrl, kafkaBrokers };
}

declare module 'vitest' {
  /** Values the integration project's global setup provides to every test worker. */
  export interface ProvidedContext {
    databaseUrl: string;
    kafkaBrokers: string[];
  }
}
