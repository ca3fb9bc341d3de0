import request from 'supertest';
import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { createServiceApp, type ServiceApp } from '#libs/platform';
import {
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  type TestKeys,
  testConfig,
  uniqueName,
} from '#libs/testing';
import { bootstrapAdmin } from '../src/cli/bootstrap-admin.command.js';
import { IdentityModule } from '../src/identity.module.js';
import { type IdentityConfigShape, identityServiceOptions } from '../src/identity.service.js';

export const ADMIN_EMAIL = 'admin@operator.example';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** The identity service in this process, on a schema of its own, with keys made for this run. */
export interface IdentityUnderTest {
  readonly service: ServiceApp<IdentityConfigShape>;
  readonly schema: string;
  readonly keys: TestKeys;
  readonly dataSource: DataSource;
  readonly http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

export async function startIdentity(env: Record<string, string> = {}): Promise<IdentityUnderTest> {
  const schema = uniqueName('identity_test');
  const keys = await generateTestKeys();
  const service = await createServiceApp(
    IdentityModule,
    identityServiceOptions({
      DATABASE_URL: testConfig().databaseUrl,
      DB_SCHEMA: schema,
      // libs/auth's session verifier reads identity's tables through IDENTITY_SCHEMA
      IDENTITY_SCHEMA: schema,
      SERVICE_NAME: 'identity-test',
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HTTP_PORT: '0',
      DB_POOL_SIZE: '4',
      AUTH_PUBLIC_KEYS: keys.publicJwks,
      AUTH_SIGNING_KEY: keys.signingKey,
      KAFKA_BROKERS: testConfig().kafkaBrokers.join(','),
      // nothing listens there: these tests raise no anomaly worth mailing (the audit tests run a real SMTP server)
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: '2525',
      SMTP_TLS: 'none',
      MAIL_FROM: 'Leak Response <noreply@example.jp>',
      ...env,
    }),
  );
  await service.app.init();
  const dataSource = service.app.get(DataSourceToken);
  return {
    service,
    schema,
    keys,
    dataSource,
    http: () => request(service.app.getHttpServer()),
    async close() {
      await service.app.close();
      const admin = await createTestDataSource();
      await dropSchema(admin, schema);
      await admin.destroy();
    },
  };
}

/** The first admin, as the bootstrap CLI makes it. */
export async function seedAdmin(identity: IdentityUnderTest): Promise<string> {
  const { userId } = await bootstrapAdmin(identity.dataSource, {
    email: ADMIN_EMAIL,
    displayName: 'First Admin',
    orgName: 'Operator KK',
    password: ADMIN_PASSWORD,
    now: new Date(),
  });
  return userId;
}

export interface WebSession {
  /** `lr_session=<value>` for the Cookie header */
  readonly cookie: string;
  readonly csrfToken: string;
  readonly userId: string;
}

export function sessionCookieFrom(setCookie: string[] | string | undefined): string {
  const header = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((line) =>
    line.startsWith('lr_session='),
  );
  if (!header) throw new Error('no lr_session cookie was set');
  return header.split(';')[0];
}

export async function signIn(
  identity: IdentityUnderTest,
  email: string,
  password: string,
): Promise<WebSession> {
  const res = await identity.http().post('/auth/login').send({ email, password }).expect(200);
  return {
    cookie: sessionCookieFrom(res.headers['set-cookie']),
    csrfToken: res.body.csrfToken,
    userId: res.body.userId,
  };
}

/** An access token for a web session (what the console does). */
export async function accessTokenOf(identity: IdentityUnderTest, session: WebSession): Promise<string> {
  const res = await identity
    .http()
    .post('/auth/token')
    .set('Cookie', session.cookie)
    .set('X-CSRF-Token', session.csrfToken)
    .expect(200);
  return res.body.accessToken;
}
