import type { IncomingMessage } from 'node:http';
import { Controller, Get, HttpCode, Module, Param, Post, Req, UnauthorizedException } from '@nestjs/common';
import { AccessLogModule, attributeAttempt, auditMigrations } from '#libs/audit';
import { AuthConfig, Authenticated, AuthModule, Public } from '#libs/auth';
import { createServiceApp, DatabaseConfig, KafkaConfig, ServiceDatabaseModule } from '#libs/platform';
import { authEnv, type TestKeys, testConfig } from '#libs/testing';
import { AUDIT_ANALYSIS_CONFIG, AuditAnalysisModule } from '../../src/audit/audit-analysis.module.js';
import { identityMigrations } from '../../src/identity.migrations.js';

/**
 * A service that serves case reads behind the real libs/auth guard, with the real access log: the
 * "intake" whose log the analysis reads.
 */
@Controller('cases')
class CaseReadsController {
  @Get(':caseId')
  @Authenticated()
  read(@Param('caseId') caseId: string) {
    return { caseId };
  }
}

export async function startCaseService(schema: string, keys: TestKeys, identitySchema: string) {
  @Module({
    imports: [
      ServiceDatabaseModule.forRoot({ migrations: (name, context) => auditMigrations(name, context) }),
      AuthModule.forService(),
      AccessLogModule.forService(),
    ],
    controllers: [CaseReadsController],
  })
  class CaseServiceModule {}
  const service = await createServiceApp(CaseServiceModule, {
    name: 'cases',
    config: { database: DatabaseConfig, auth: AuthConfig },
    readiness: { broker: false },
    env: {
      ...authEnv(keys, identitySchema),
      DATABASE_URL: testConfig().databaseUrl,
      DB_SCHEMA: schema,
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    },
  });
  await service.app.init();
  return service;
}

/**
 * Stands in for identity's `POST /auth/login` when the password is wrong: a 401 for an existing
 * account, attributed to it as identity's login does (`attributeAttempt`). The access log and the
 * analysis see exactly what they see from the real route.
 */
@Controller('auth')
class FailingLoginController {
  static accountId = '';

  @Post('login')
  @Public()
  @HttpCode(200)
  login(@Req() request: IncomingMessage) {
    attributeAttempt(request, FailingLoginController.accountId);
    throw new UnauthorizedException('The email or password is wrong.');
  }
}

export interface IdentityServiceOptions {
  schema: string;
  sourceSchemas: string[];
  keys: TestKeys;
  smtpPort: number;
  offHours: string;
}

/** The existing account the failing logins name (set once the test created it). */
export function failLoginsFor(accountId: string): void {
  FailingLoginController.accountId = accountId;
}

/** Identity's database (its real tables), the audit analysis module, and a failing login route. */
export async function startIdentityService(options: IdentityServiceOptions) {
  @Module({
    imports: [
      ServiceDatabaseModule.forRoot({
        migrations: (name, context) => identityMigrations(name, context),
      }),
      AuthModule.forService(),
      AccessLogModule.forService(),
      AuditAnalysisModule.forRoot({ schedule: false, smtp: { ignoreTLS: true } }),
    ],
    controllers: [FailingLoginController],
  })
  class IdentityTestModule {}
  const { databaseUrl, kafkaBrokers } = testConfig();
  const service = await createServiceApp(IdentityTestModule, {
    name: 'identity',
    config: { database: DatabaseConfig, kafka: KafkaConfig, auth: AuthConfig, ...AUDIT_ANALYSIS_CONFIG },
    env: {
      ...authEnv(options.keys, options.schema),
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: options.schema,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SERVICE_NAME: options.schema.replaceAll('_', '-'),
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(options.smtpPort),
      SMTP_TLS: 'none',
      MAIL_FROM: 'Leak Response <noreply@leak-response.test>',
      AUDIT_SOURCE_SCHEMAS: options.sourceSchemas.join(','),
      AUDIT_OFF_HOURS: options.offHours,
    },
  });
  await service.app.init();
  return service;
}
