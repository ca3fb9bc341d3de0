import request from 'supertest';
import { AuthConfig } from '#libs/auth';
import { createServiceApp, DatabaseConfig, KafkaConfig, type ServiceApp } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import {
  authEnv,
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  sealingEnv,
  signAccessToken,
  type TestKeys,
  testConfig,
  testPrincipal,
  uniqueName,
} from '#libs/testing';
import { IntakeModule } from '../src/intake.module.js';

export const intakeConfig = {
  database: DatabaseConfig,
  kafka: KafkaConfig,
  auth: AuthConfig,
  sealing: SealingConfig,
};

export type ContractorOrClientRole = 'reporter' | 'responder' | 'responsible' | 'client_officer' | 'auditor';

/** The intake service on its own schema of the real database and the real broker, in this process. */
export interface IntakeUnderTest {
  readonly app: ServiceApp<typeof intakeConfig>['app'];
  readonly schema: string;
  readonly keys: TestKeys;
  /** a supertest agent on the service */
  http(): ReturnType<typeof request>;
  /** Authorization header of a principal with one role and the given contracts */
  bearer(role: ContractorOrClientRole, contracts: string[] | 'all'): Promise<{ authorization: string }>;
  /** runs a query on the service's schema with a fresh connection */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startIntake(
  prefix: string,
  extraEnv: Record<string, string> = {},
  options: Pick<Parameters<typeof createServiceApp<typeof intakeConfig>>[1], 'configureHttp'> = {},
): Promise<IntakeUnderTest> {
  const schema = uniqueName(prefix);
  const keys = await generateTestKeys();
  const { databaseUrl, kafkaBrokers } = testConfig();
  const service = await createServiceApp(IntakeModule, {
    name: 'intake',
    config: intakeConfig,
    env: {
      ...authEnv(keys),
      ...sealingEnv(),
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SERVICE_NAME: schema.replaceAll('_', '-'),
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
      ...extraEnv,
    },
    ...options,
  });
  await service.app.init();
  return {
    app: service.app,
    schema,
    keys,
    http: () => request(service.app.getHttpServer()),
    bearer: async (role, contracts) => ({
      authorization: `Bearer ${await signAccessToken(keys, testPrincipal(role, contracts))}`,
    }),
    query: async (sql, params = []) => {
      const ds = await createTestDataSource();
      try {
        await ds.query(`SET search_path TO "${schema}"`);
        return await ds.query(sql, params);
      } finally {
        await ds.destroy();
      }
    },
    close: async () => {
      await service.app.close();
      const ds = await createTestDataSource();
      await dropSchema(ds, schema);
      await ds.destroy();
    },
  };
}
