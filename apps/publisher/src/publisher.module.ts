import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import { TOPICS } from '#libs/contracts';
import { EventStore } from '#libs/event-store';
import {
  ConsumerRunner,
  MESSAGING_TRANSPORT,
  provideEventStoreWithOutbox,
  provideWorker,
  serviceMessagingModule,
  type Transport,
} from '#libs/messaging';
import {
  DatabaseConfig,
  type Logger,
  PLATFORM_LOGGER,
  ServiceConfig,
  ServiceDatabaseModule,
} from '#libs/platform';
import { CaseKeyring, SealingConfig } from '#libs/sealing';
import { AffectedPersonNames } from './cases/affected-names.js';
import { CaseFactsStore } from './cases/case-facts.js';
import { IntakeCaseTexts } from './cases/case-texts.js';
import { PublicStatementsController } from './public/public.controller.js';
import { PublicStatements } from './public/public-statements.js';
import { PublisherConfig } from './publisher.config.js';
import { publisherMigrations } from './publisher.migrations.js';
import { RegulatorReportsController } from './reports/regulator-reports.controller.js';
import { RegulatorReports } from './reports/regulator-reports.js';
import { ScheduledPublisher } from './statements/scheduled-publisher.js';
import { StatementsController } from './statements/statements.controller.js';
import { Statements } from './statements/statements.js';

/** The consumer group of intake's case topic: one per deployment of the service (its SERVICE_NAME). */
export const intakeGroupOf = (service: ServiceConfig) => `${service.name}.intake`;

/** Injection token of the scheduled publications' `WorkerHost`. */
export const SCHEDULED_PUBLISHER = Symbol('SCHEDULED_PUBLISHER');

/** Injection token of the intake consumer's `WorkerHost`. */
export const INTAKE_CONSUMER = 'PUBLISHER_INTAKE_CONSUMER';

/** The publisher's own keyring (its schema), distinct from intake's, which only unseals. */
export const PUBLISHER_KEYRING = 'PUBLISHER_KEYRING';

/**
 * The publisher service: statements drafted from the case's facts, agreed with the client, published at
 * public URLs; regulator report drafts. Config: `PUBLISHER_CONFIG` (publisher.service.ts).
 */
@Module({
  imports: [
    AuthModule.forService(),
    AccessLogModule.forService(),
    ServiceDatabaseModule.forRoot({ migrations: publisherMigrations }),
    serviceMessagingModule(),
  ],
  controllers: [PublicStatementsController, StatementsController, RegulatorReportsController],
  providers: [
    ...provideEventStoreWithOutbox('PUBLISHER_OUTBOX_RELAY'),
    {
      provide: PUBLISHER_KEYRING,
      inject: [DataSource, DatabaseConfig, SealingConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig, sealing: SealingConfig) =>
        new CaseKeyring(dataSource, database.schema, sealing),
    },
    {
      // intake's case keys: unseal only (docs/publisher.md)
      provide: IntakeCaseTexts,
      inject: [DataSource, PublisherConfig, SealingConfig],
      useFactory: (dataSource: DataSource, config: PublisherConfig, sealing: SealingConfig) =>
        new IntakeCaseTexts(new CaseKeyring(dataSource, config.intakeSchema, sealing)),
    },
    {
      // subject-notifier's persons and case keys: the names for the safety check, unseal only
      provide: AffectedPersonNames,
      inject: [DataSource, PublisherConfig, SealingConfig],
      useFactory: (dataSource: DataSource, config: PublisherConfig, sealing: SealingConfig) =>
        new AffectedPersonNames(
          dataSource,
          config.subjectNotifierSchema,
          new CaseKeyring(dataSource, config.subjectNotifierSchema, sealing),
        ),
    },
    {
      provide: CaseFactsStore,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new CaseFactsStore(dataSource, database.schema),
    },
    {
      provide: PublicStatements,
      inject: [DataSource, DatabaseConfig, PublisherConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig, config: PublisherConfig) =>
        new PublicStatements(dataSource, database.schema, config.publicBaseUrl, config.listingCacheMs),
    },
    {
      provide: Statements,
      inject: [
        DataSource,
        DatabaseConfig,
        EventStore,
        CaseFactsStore,
        IntakeCaseTexts,
        PUBLISHER_KEYRING,
        PublicStatements,
        AffectedPersonNames,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        store: EventStore,
        cases: CaseFactsStore,
        intakeTexts: IntakeCaseTexts,
        keyring: CaseKeyring,
        pages: PublicStatements,
        affectedNames: AffectedPersonNames,
      ) =>
        new Statements({
          dataSource,
          schema: database.schema,
          store,
          cases,
          intakeTexts,
          keyring,
          affectedNames,
          onPublished: () => pages.invalidate(),
        }),
    },
    {
      provide: RegulatorReports,
      inject: [DataSource, DatabaseConfig, EventStore, Statements, IntakeCaseTexts, PUBLISHER_KEYRING],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        store: EventStore,
        statements: Statements,
        intakeTexts: IntakeCaseTexts,
        keyring: CaseKeyring,
      ) =>
        new RegulatorReports({
          dataSource,
          schema: database.schema,
          store,
          statements,
          intakeTexts,
          keyring,
        }),
    },
    provideWorker(SCHEDULED_PUBLISHER, {
      inject: [Statements],
      useFactory: (statements: Statements) => new ScheduledPublisher(statements),
    }),
    provideWorker(INTAKE_CONSUMER, {
      inject: [
        DataSource,
        DatabaseConfig,
        ServiceConfig,
        MESSAGING_TRANSPORT,
        CaseFactsStore,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        service: ServiceConfig,
        transport: Transport,
        cases: CaseFactsStore,
        logger: Logger,
      ) =>
        new ConsumerRunner({
          dataSource,
          schema: database.schema,
          groupId: intakeGroupOf(service),
          topics: [TOPICS.intakeCase],
          transport,
          logger: logger.child({ component: 'intake-consumer' }),
          handler: (envelope, manager) => cases.handle(envelope, manager),
        }),
    }),
  ],
  exports: [CaseFactsStore, INTAKE_CONSUMER],
})
export class PublisherModule {}
