import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore } from '#libs/event-store';
import { MailConfig, Mailer, type SmtpTransportOverrides } from '#libs/mail';
import { provideEventStoreWithOutbox, provideWorker, serviceMessagingModule } from '#libs/messaging';
import { DatabaseConfig, type Logger, PLATFORM_LOGGER } from '#libs/platform';
import { AccessAnalysis } from './access-analysis.js';
import { AccessAnalysisScheduler } from './analysis-scheduler.js';
import { AnomalyNotifier } from './anomaly-notifier.js';
import { AuditAnalysisConfig } from './audit-analysis.config.js';
import { AuditReportController } from './audit-report.controller.js';
import { parseOffHours } from './off-hours.js';

/**
 * The config classes the identity service adds for the analysis (AUDIT_* and SMTP_*, MAIL_FROM):
 * `config: { …, ...AUDIT_ANALYSIS_CONFIG, kafka: KafkaConfig }`. Identity's own access log reads
 * `AccessLogConfig`, listed by identity like by every service.
 */
export const AUDIT_ANALYSIS_CONFIG = {
  auditAnalysis: AuditAnalysisConfig,
  mail: MailConfig,
} as const;

export interface AuditAnalysisModuleOptions {
  /** Run the scheduled analysis (default true; tests call `AccessAnalysisScheduler.tick()` themselves). */
  readonly schedule?: boolean;
  /** SMTP transport overrides (tests: `{ ignoreTLS: true }` against the in-process server). */
  readonly smtp?: SmtpTransportOverrides;
}

/**
 * The analysis of every service's access log: the report route for auditors, the scheduled job, the
 * `AccessAnomalyDetected` events (identity's event store and its outbox relay) and the e-mails to the
 * responsible persons. Needs `identityAuditMigrations` in identity's migrations, `AUDIT_ANALYSIS_CONFIG`
 * and `KafkaConfig` in its config, `AuthModule.forService()` for the `@Roles` guard, and (like every
 * service) `AccessLogModule.forService()` for identity's own access log, imported once by the service.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class AuditAnalysisModule {
  static forRoot(options: AuditAnalysisModuleOptions = {}): DynamicModule {
    return {
      module: AuditAnalysisModule,
      imports: [serviceMessagingModule()],
      controllers: [AuditReportController],
      providers: [
        ...provideEventStoreWithOutbox('AUDIT_OUTBOX_RELAY'),
        {
          provide: Mailer,
          inject: [MailConfig],
          useFactory: (mail: MailConfig) => new Mailer(mail, options.smtp),
        },
        {
          provide: AnomalyNotifier,
          inject: [DataSource, DatabaseConfig, Mailer, PLATFORM_LOGGER],
          useFactory: (dataSource: DataSource, database: DatabaseConfig, mailer: Mailer, logger: Logger) =>
            new AnomalyNotifier(
              dataSource,
              database.schema,
              mailer,
              logger.child({ component: 'access-analysis' }),
            ),
        },
        {
          provide: AccessAnalysis,
          inject: [DataSource, DatabaseConfig, EventStore, AuditAnalysisConfig, AnomalyNotifier],
          useFactory: (
            dataSource: DataSource,
            database: DatabaseConfig,
            eventStore: EventStore,
            config: AuditAnalysisConfig,
            notifier: AnomalyNotifier,
          ) =>
            new AccessAnalysis({
              dataSource,
              schema: database.schema,
              eventStore,
              sourceSchemas: config.sourceSchemas,
              notifier,
              rules: {
                bulkReadThreshold: config.bulkReadThreshold,
                denialThreshold: config.denialThreshold,
                offHours:
                  config.offHours === 'none' ? undefined : parseOffHours(config.offHours, config.timeZone),
              },
            }),
        },
        {
          provide: AccessAnalysisScheduler,
          inject: [
            DataSource,
            DatabaseConfig,
            AccessAnalysis,
            AnomalyNotifier,
            AuditAnalysisConfig,
            PLATFORM_LOGGER,
          ],
          useFactory: (
            dataSource: DataSource,
            database: DatabaseConfig,
            analysis: AccessAnalysis,
            notifier: AnomalyNotifier,
            config: AuditAnalysisConfig,
            logger: Logger,
          ) =>
            new AccessAnalysisScheduler({
              dataSource,
              schema: database.schema,
              analysis,
              notifier,
              intervalMs: config.intervalMs,
              logger: logger.child({ component: 'access-analysis' }),
            }),
        },
        ...(options.schedule === false
          ? []
          : [
              provideWorker('AUDIT_ANALYSIS_SCHEDULE', {
                inject: [AccessAnalysisScheduler],
                useFactory: (scheduler: AccessAnalysisScheduler) => scheduler,
              }),
            ]),
        {
          provide: 'AUDIT_MAILER_SHUTDOWN',
          inject: [Mailer],
          useFactory: (mailer: Mailer) => ({ onApplicationShutdown: () => mailer.close() }),
        },
      ],
      exports: [AccessAnalysis, AnomalyNotifier, AccessAnalysisScheduler],
    };
  }
}
