import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import { TOPICS } from '#libs/contracts';
import { EventStore } from '#libs/event-store';
import { MailConfig, Mailer, type SmtpTransportOverrides } from '#libs/mail';
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
import { Campaigns } from './campaigns/campaigns.js';
import { NoticeSender } from './campaigns/notice-sender.js';
import { Outreach } from './campaigns/outreach.js';
import { CaseRegistry } from './cases/case-registry.js';
import { handleIntakeEvent } from './cases/intake-events.js';
import { type Clock, SUBJECT_CLOCK, systemClock } from './clock.js';
import { Erasure } from './erasure/erasure.js';
import { SubjectEvents } from './events.js';
import { SubjectsController } from './http/subjects.controller.js';
import { Imports } from './imports/imports.js';
import { PersonVault } from './persons/person-vault.js';
import { SubjectNotifierConfig } from './subject-notifier.config.js';
import { subjectNotifierMigrations } from './subject-notifier.migrations.js';
import { NoticeTemplates } from './templates/notice-templates.js';
import { handlePublisherEvent } from './templates/publisher-events.js';

/** Injection token of the notice sender's WorkerHost: `app.get(SENDER_WORKER).worker`. */
export const SENDER_WORKER = 'SUBJECT_NOTIFIER_SENDER';
/** The consumer group of intake's events: one per deployment (its SERVICE_NAME). */
export const intakeGroupOf = (service: ServiceConfig) => `${service.name}.intake`;
/** The consumer group of publisher's events (the approved notice templates): one per deployment. */
export const publisherGroupOf = (service: ServiceConfig) => `${service.name}.publisher`;
/** Injection token of publisher's case keys (`PUBLISHER_SCHEMA`), which open the approved templates. */
export const PUBLISHER_KEYS = 'SUBJECT_NOTIFIER_PUBLISHER_KEYS';

export interface SubjectNotifierModuleOptions {
  readonly clock?: Clock;
  /** SMTP transport overrides (tests: `{ ignoreTLS: true }`) */
  readonly smtp?: SmtpTransportOverrides;
}

/** Lets campaigns wake the sender without a construction cycle. */
class SenderSignal {
  private target: { wake(): void } | undefined;
  attach(target: { wake(): void }): void {
    this.target = target;
  }
  wake = (): void => this.target?.wake();
}

/** `noreply@example.jp` or `Name <noreply@example.jp>` → `example.jp`. */
export const messageIdDomainOf = (from: string) =>
  /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'subject-notifier.invalid';

function providers(options: SubjectNotifierModuleOptions): Provider[] {
  return [
    { provide: SUBJECT_CLOCK, useValue: options.clock ?? systemClock },
    SenderSignal,
    ...provideEventStoreWithOutbox('SUBJECT_NOTIFIER_OUTBOX_RELAY'),
    {
      provide: SubjectEvents,
      inject: [EventStore],
      useFactory: (store: EventStore) => new SubjectEvents(store),
    },
    {
      // the per-case keys that seal the persons, in the service's own schema
      provide: CaseKeyring,
      inject: [DataSource, DatabaseConfig, SealingConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig, sealing: SealingConfig) =>
        new CaseKeyring(dataSource, database.schema, sealing),
    },
    {
      provide: PersonVault,
      inject: [DataSource, DatabaseConfig, CaseKeyring],
      useFactory: (dataSource: DataSource, database: DatabaseConfig, keyring: CaseKeyring) =>
        new PersonVault(dataSource, database.schema, keyring),
    },
    {
      provide: CaseRegistry,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new CaseRegistry(dataSource, database.schema),
    },
    {
      provide: NoticeTemplates,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new NoticeTemplates(dataSource, database.schema),
    },
    {
      provide: Campaigns,
      inject: [DataSource, DatabaseConfig, CaseRegistry, NoticeTemplates, SubjectEvents, SenderSignal],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        cases: CaseRegistry,
        templates: NoticeTemplates,
        events: SubjectEvents,
        signal: SenderSignal,
      ) => new Campaigns(dataSource, database.schema, cases, templates, events, signal.wake),
    },
    {
      provide: Imports,
      inject: [DataSource, DatabaseConfig, CaseRegistry, PersonVault, SubjectEvents, SubjectNotifierConfig],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        cases: CaseRegistry,
        vault: PersonVault,
        events: SubjectEvents,
        config: SubjectNotifierConfig,
      ) => new Imports(dataSource, database.schema, cases, vault, events, config.importMaxBytes),
    },
    {
      provide: Outreach,
      inject: [DataSource, DatabaseConfig, Campaigns, PersonVault, SubjectEvents, NoticeTemplates],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        campaigns: Campaigns,
        vault: PersonVault,
        events: SubjectEvents,
        templates: NoticeTemplates,
      ) => new Outreach(dataSource, database.schema, campaigns, vault, events, templates),
    },
    {
      provide: Erasure,
      inject: [DataSource, DatabaseConfig, CaseRegistry, Campaigns, PersonVault, SubjectEvents],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        cases: CaseRegistry,
        campaigns: Campaigns,
        vault: PersonVault,
        events: SubjectEvents,
      ) => new Erasure(dataSource, database.schema, cases, campaigns, vault, events),
    },
    {
      provide: Mailer,
      inject: [MailConfig, SubjectNotifierConfig],
      useFactory: (mail: MailConfig, config: SubjectNotifierConfig) =>
        new Mailer(mail, { maxConnections: config.concurrency, ...options.smtp }),
    },
    {
      provide: 'SUBJECT_NOTIFIER_MAILER_SHUTDOWN',
      inject: [Mailer],
      useFactory: (mailer: Mailer) => ({ onApplicationShutdown: () => mailer.close() }),
    },
    provideWorker(SENDER_WORKER, {
      inject: [
        DataSource,
        DatabaseConfig,
        Campaigns,
        NoticeTemplates,
        PersonVault,
        Mailer,
        SUBJECT_CLOCK,
        PLATFORM_LOGGER,
        SubjectNotifierConfig,
        MailConfig,
        SenderSignal,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        campaigns: Campaigns,
        templates: NoticeTemplates,
        vault: PersonVault,
        mailer: Mailer,
        clock: Clock,
        logger: Logger,
        config: SubjectNotifierConfig,
        mail: MailConfig,
        signal: SenderSignal,
      ) => {
        const sender = new NoticeSender({
          dataSource,
          schema: database.schema,
          campaigns,
          templates,
          vault,
          mailer,
          clock,
          logger: logger.child({ component: 'notice-sender' }),
          concurrency: config.concurrency,
          ratePerSecond: config.ratePerSecond,
          leaseMs: config.leaseSeconds * 1000,
          maxAttempts: config.maxAttempts,
          retryInitialMs: config.retryInitialMs,
          retryMaxMs: config.retryMaxMs,
          pollMs: config.pollMs,
          messageIdDomain: messageIdDomainOf(mail.from),
        });
        signal.attach(sender);
        return sender;
      },
    }),
    {
      // publisher's case keys, in publisher's schema: a deliberate SELECT on its case_keys (docs/security.md)
      provide: PUBLISHER_KEYS,
      inject: [DataSource, SubjectNotifierConfig, SealingConfig],
      useFactory: (dataSource: DataSource, config: SubjectNotifierConfig, sealing: SealingConfig) =>
        new CaseKeyring(dataSource, config.publisherSchema, sealing),
    },
    provideWorker('SUBJECT_NOTIFIER_PUBLISHER_CONSUMER', {
      inject: [
        DataSource,
        DatabaseConfig,
        ServiceConfig,
        MESSAGING_TRANSPORT,
        NoticeTemplates,
        PUBLISHER_KEYS,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        service: ServiceConfig,
        transport: Transport,
        templates: NoticeTemplates,
        publisherKeys: CaseKeyring,
        logger: Logger,
      ) => {
        const log = logger.child({ component: 'publisher-consumer' });
        return new ConsumerRunner({
          dataSource,
          schema: database.schema,
          groupId: publisherGroupOf(service),
          topics: [TOPICS.publisherStatement],
          transport,
          logger: log,
          handler: (envelope, manager) =>
            handlePublisherEvent({ templates, publisherKeys, logger: log }, envelope, manager),
        });
      },
    }),
    provideWorker('SUBJECT_NOTIFIER_INTAKE_CONSUMER', {
      inject: [
        DataSource,
        DatabaseConfig,
        ServiceConfig,
        MESSAGING_TRANSPORT,
        CaseRegistry,
        Erasure,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        service: ServiceConfig,
        transport: Transport,
        registry: CaseRegistry,
        erasure: Erasure,
        logger: Logger,
      ) =>
        new ConsumerRunner({
          dataSource,
          schema: database.schema,
          groupId: intakeGroupOf(service),
          topics: [TOPICS.intakeCase],
          transport,
          logger: logger.child({ component: 'intake-consumer' }),
          handler: (envelope, manager) => handleIntakeEvent(registry, erasure, envelope, manager),
        }),
    }),
  ];
}

/**
 * The subject-notifier service: affected persons (sealed per case), notice campaigns on the client's
 * instruction, per-person delivery, letters, calls, the public notice, and erasure by crypto-shredding.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class SubjectNotifierModule {
  static forRoot(options: SubjectNotifierModuleOptions = {}): DynamicModule {
    return {
      module: SubjectNotifierModule,
      imports: [
        AuthModule.forService(),
        AccessLogModule.forService(),
        ServiceDatabaseModule.forRoot({ migrations: subjectNotifierMigrations }),
        serviceMessagingModule(),
      ],
      controllers: [SubjectsController],
      providers: providers(options),
      exports: [SENDER_WORKER, NoticeTemplates, Campaigns, CaseRegistry, SUBJECT_CLOCK],
    };
  }
}
