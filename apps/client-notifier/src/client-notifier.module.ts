import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthConfig, AuthModule, SignedLinks } from '#libs/auth';
import type { Envelope } from '#libs/contracts';
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
import { ClientNotifierConfig } from './client-notifier.config.js';
import { clientNotifierMigrations } from './client-notifier.migrations.js';
import { type Clock, NOTIFIER_CLOCK } from './clock.js';
import { consumerGroupsOf } from './consumer-groups.js';
import { Acknowledgements } from './correspondence/acknowledgements.js';
import { CaseRecords } from './correspondence/case-records.js';
import { ContractSettingsStore } from './correspondence/contract-settings.js';
import { Correspondence } from './correspondence/correspondence.js';
import { CorrespondenceEvents } from './correspondence/correspondence-events.js';
import { DeliveryStore, messageIdDomainOf } from './correspondence/deliveries.js';
import { DeliverySender } from './correspondence/delivery-sender.js';
import {
  handleClockEvent,
  handleIntakeEvent,
  handlePublisherEvent,
} from './correspondence/event-handlers.js';
import { TimerScheduler } from './correspondence/timer-scheduler.js';
import { TimerStore } from './correspondence/timers.js';
import { CaseTexts } from './directory/case-texts.js';
import { IdentityDirectory } from './directory/identity-directory.js';
import { AcknowledgementPageController } from './http/acknowledgement-page.controller.js';
import {
  CorrespondenceController,
  NotificationSettingsController,
} from './http/correspondence.controller.js';
import { MessageRenderer } from './mail/message-renderer.js';

/**
 * A consumer of one of the service's topics (`consumerGroupsOf(SERVICE_NAME)[index]`: one group per
 * deployment and topic), with its events handed to the correspondence rules in the inbox transaction.
 */
function consumerWorker(
  token: string,
  index: number,
  component: string,
  handle: (correspondence: Correspondence, envelope: Envelope, manager: EntityManager) => Promise<void>,
): Provider {
  return provideWorker(token, {
    inject: [DataSource, DatabaseConfig, ServiceConfig, MESSAGING_TRANSPORT, Correspondence, PLATFORM_LOGGER],
    useFactory: (
      dataSource: DataSource,
      database: DatabaseConfig,
      service: ServiceConfig,
      transport: Transport,
      correspondence: Correspondence,
      logger: Logger,
    ) => {
      const { groupId, topic } = consumerGroupsOf(service.name)[index];
      return new ConsumerRunner({
        dataSource,
        schema: database.schema,
        groupId,
        topics: [topic],
        transport,
        logger: logger.child({ component }),
        handler: (envelope, manager) => handle(correspondence, envelope, manager),
      });
    },
  });
}

/** Injection tokens of the background workers (`WorkerHost`s): `app.get(SENDER_WORKER).worker`. */
export const SENDER_WORKER = 'CLIENT_NOTIFIER_SENDER';
export const TIMER_WORKER = 'CLIENT_NOTIFIER_TIMERS';

export interface ClientNotifierModuleOptions {
  /** the clock of timers, back-off and links (tests: an `AdjustableClock`); the system clock otherwise */
  readonly clock?: Clock;
  /** SMTP transport overrides (tests: `{ ignoreTLS: true }`, short timeouts) */
  readonly smtp?: SmtpTransportOverrides;
}

const systemClock: Clock = { now: () => new Date() };

/** SMTP timeouts that keep one SMTP transaction well inside the delivery lease. */
function smtpTimeouts(config: ClientNotifierConfig): SmtpTransportOverrides {
  const quarter = (config.leaseSeconds * 1000) / 4;
  return {
    connectionTimeout: Math.min(10_000, quarter),
    greetingTimeout: Math.min(10_000, quarter),
    socketTimeout: Math.min(30_000, quarter),
  };
}

function providers(options: ClientNotifierModuleOptions): Provider[] {
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return [
    { provide: NOTIFIER_CLOCK, useValue: options.clock ?? systemClock },
    ...provideEventStoreWithOutbox('CLIENT_NOTIFIER_OUTBOX_RELAY'),
    {
      provide: IdentityDirectory,
      inject: [DataSource, AuthConfig],
      useFactory: (dataSource: DataSource, auth: AuthConfig) =>
        new IdentityDirectory(dataSource, auth.identitySchema),
    },
    {
      // intake's case keys: unseal only (docs/client-notifier.md)
      provide: CaseTexts,
      inject: [DataSource, ClientNotifierConfig, SealingConfig],
      useFactory: (dataSource: DataSource, config: ClientNotifierConfig, sealing: SealingConfig) =>
        new CaseTexts(new CaseKeyring(dataSource, config.intakeSchema, sealing)),
    },
    {
      provide: CaseRecords,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new CaseRecords(dataSource, database.schema),
    },
    {
      provide: DeliveryStore,
      inject: [DatabaseConfig, MailConfig],
      useFactory: (database: DatabaseConfig, mail: MailConfig) =>
        new DeliveryStore(database.schema, messageIdDomainOf(mail.from)),
    },
    {
      provide: TimerStore,
      inject: [DatabaseConfig],
      useFactory: (database: DatabaseConfig) => new TimerStore(database.schema),
    },
    {
      provide: ContractSettingsStore,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new ContractSettingsStore(dataSource, database.schema),
    },
    {
      provide: CorrespondenceEvents,
      inject: [EventStore],
      useFactory: (store: EventStore) => new CorrespondenceEvents(store),
    },
    {
      provide: Correspondence,
      inject: [
        DatabaseConfig,
        CaseRecords,
        DeliveryStore,
        TimerStore,
        ContractSettingsStore,
        IdentityDirectory,
        CorrespondenceEvents,
        NOTIFIER_CLOCK,
        ClientNotifierConfig,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        database: DatabaseConfig,
        cases: CaseRecords,
        deliveries: DeliveryStore,
        timers: TimerStore,
        settings: ContractSettingsStore,
        directory: IdentityDirectory,
        events: CorrespondenceEvents,
        clock: Clock,
        config: ClientNotifierConfig,
        logger: Logger,
      ) =>
        new Correspondence({
          schema: database.schema,
          cases,
          deliveries,
          timers,
          settings,
          directory,
          events,
          clock,
          logger: logger.child({ component: 'correspondence' }),
          assessmentWaitMs: config.assessmentWaitMs,
        }),
    },
    {
      provide: Mailer,
      inject: [MailConfig, ClientNotifierConfig],
      useFactory: (mail: MailConfig, config: ClientNotifierConfig) =>
        new Mailer(mail, { ...smtpTimeouts(config), ...options.smtp }),
    },
    {
      provide: 'CLIENT_NOTIFIER_MAILER_SHUTDOWN',
      inject: [Mailer],
      useFactory: (mailer: Mailer) => ({ onApplicationShutdown: () => mailer.close() }),
    },
    {
      provide: MessageRenderer,
      inject: [CaseRecords, IdentityDirectory, CaseTexts, SignedLinks, ClientNotifierConfig, MailConfig],
      useFactory: (
        cases: CaseRecords,
        directory: IdentityDirectory,
        texts: CaseTexts,
        links: SignedLinks,
        config: ClientNotifierConfig,
        mail: MailConfig,
      ) =>
        new MessageRenderer({
          cases,
          directory,
          texts,
          links,
          publicBaseUrl: config.publicBaseUrl,
          caseLinkBaseUrl: config.caseLinkBaseUrl,
          publisherUrl: config.publisherUrl,
          ackLinkTtlMs: config.ackLinkTtlDays * 86_400_000,
          messageIdDomain: messageIdDomainOf(mail.from),
        }),
    },
    {
      provide: Acknowledgements,
      inject: [
        DataSource,
        CaseRecords,
        DeliveryStore,
        TimerStore,
        CorrespondenceEvents,
        SignedLinks,
        IdentityDirectory,
        NOTIFIER_CLOCK,
      ],
      useFactory: (
        dataSource: DataSource,
        cases: CaseRecords,
        deliveries: DeliveryStore,
        timers: TimerStore,
        events: CorrespondenceEvents,
        links: SignedLinks,
        directory: IdentityDirectory,
        clock: Clock,
      ) => new Acknowledgements({ dataSource, cases, deliveries, timers, events, links, directory, clock }),
    },
    provideWorker(SENDER_WORKER, {
      inject: [
        DataSource,
        DeliveryStore,
        CorrespondenceEvents,
        MessageRenderer,
        Mailer,
        NOTIFIER_CLOCK,
        PLATFORM_LOGGER,
        MailConfig,
        ClientNotifierConfig,
        DatabaseConfig,
        Correspondence,
      ],
      useFactory: (
        dataSource: DataSource,
        deliveries: DeliveryStore,
        events: CorrespondenceEvents,
        renderer: MessageRenderer,
        mailer: Mailer,
        clock: Clock,
        logger: Logger,
        mail: MailConfig,
        config: ClientNotifierConfig,
        database: DatabaseConfig,
        correspondence: Correspondence,
      ) =>
        new DeliverySender({
          dataSource,
          deliveries,
          events,
          renderer,
          mailer,
          clock,
          logger: logger.child({ component: 'delivery-sender' }),
          concurrency: mail.poolSize,
          leaseMs: config.leaseSeconds * 1000,
          maxAttempts: config.maxAttempts,
          backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
          pollMs: config.pollMs,
          listenConnection: database.url,
          alertOnFailure: (manager, delivery, failure, now) =>
            correspondence.failureAlert(manager, delivery, failure, now),
        }),
    }),
    provideWorker(TIMER_WORKER, {
      inject: [DataSource, TimerStore, Correspondence, NOTIFIER_CLOCK, PLATFORM_LOGGER, ClientNotifierConfig],
      useFactory: (
        dataSource: DataSource,
        timers: TimerStore,
        correspondence: Correspondence,
        clock: Clock,
        logger: Logger,
        config: ClientNotifierConfig,
      ) =>
        new TimerScheduler({
          dataSource,
          timers,
          correspondence,
          clock,
          logger: logger.child({ component: 'timers' }),
          pollMs: config.pollMs,
          instanceId,
        }),
    }),
    consumerWorker('CLIENT_NOTIFIER_INTAKE_CONSUMER', 0, 'intake-consumer', handleIntakeEvent),
    consumerWorker('CLIENT_NOTIFIER_CLOCK_CONSUMER', 1, 'clock-consumer', handleClockEvent),
    consumerWorker('CLIENT_NOTIFIER_PUBLISHER_CONSUMER', 2, 'publisher-consumer', handlePublisherEvent),
  ];
}

/**
 * The client-notifier service: the correspondence with the client about a case (first notice,
 * acknowledgement, reminders and escalation, updates, alerts to the responsible person) and its delivery
 * records. Config: `CLIENT_NOTIFIER_CONFIG` (see main.ts).
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class ClientNotifierModule {
  static forRoot(options: ClientNotifierModuleOptions = {}): DynamicModule {
    return {
      module: ClientNotifierModule,
      imports: [
        AuthModule.forService({ signedLinks: true }),
        AccessLogModule.forService(),
        ServiceDatabaseModule.forRoot({ migrations: clientNotifierMigrations }),
        serviceMessagingModule(),
      ],
      controllers: [AcknowledgementPageController, CorrespondenceController, NotificationSettingsController],
      providers: providers(options),
      exports: [SENDER_WORKER, TIMER_WORKER, Correspondence, DeliveryStore, NOTIFIER_CLOCK],
    };
  }
}
