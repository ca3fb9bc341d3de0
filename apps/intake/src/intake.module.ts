import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { EventStore } from '#libs/event-store';
import {
  MESSAGING_TRANSPORT,
  OutboxRelay,
  provideWorker,
  serviceMessagingModule,
  type Transport,
} from '#libs/messaging';
import { DatabaseConfig, type Logger, PLATFORM_LOGGER, ServiceDatabaseModule } from '#libs/platform';
import { CASE_HANDLERS } from './cases/case-commands.js';
import { CasesController } from './cases/cases.controller.js';
import { intakeMigrations } from './intake.migrations.js';

/**
 * The intake service: the incident case and its commands. Events are appended to the service's own
 * event store and reach Kafka through the outbox relay.
 */
@Module({
  imports: [
    CqrsModule.forRoot(),
    ServiceDatabaseModule.forRoot({ migrations: intakeMigrations }),
    serviceMessagingModule(),
  ],
  controllers: [CasesController],
  providers: [
    {
      provide: EventStore,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new EventStore(dataSource, { schema: database.schema }),
    },
    provideWorker('INTAKE_OUTBOX_RELAY', {
      inject: [EventStore, MESSAGING_TRANSPORT, DatabaseConfig, PLATFORM_LOGGER],
      useFactory: (eventStore: EventStore, transport: Transport, database: DatabaseConfig, logger: Logger) =>
        new OutboxRelay({ eventStore, transport, listenConnection: database.url, logger }),
    }),
    ...CASE_HANDLERS,
  ],
})
export class IntakeModule {}
