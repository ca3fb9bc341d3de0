import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import { ALL_EVENT_TOPICS } from '#libs/contracts';
import {
  ConsumerRunner,
  MESSAGING_TRANSPORT,
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
import { CaseHistory } from './history/case-history.js';
import { HistoryController } from './history/history.controller.js';
import { timelineMigrations } from './timeline.migrations.js';

/** Consumer group of the history projection: one per deployment of the service (its SERVICE_NAME). */
export const historyGroupOf = (service: ServiceConfig) => `${service.name}.history`;

/**
 * The timeline service: consumes every service's events and keeps each case's history. Clocks,
 * stages and the case picture arrive with the timeline issue.
 */
@Module({
  imports: [
    AuthModule.forService(),
    AccessLogModule.forService(),
    ServiceDatabaseModule.forRoot({ migrations: timelineMigrations }),
    serviceMessagingModule(),
  ],
  controllers: [HistoryController],
  providers: [
    CaseHistory,
    provideWorker('TIMELINE_HISTORY_CONSUMER', {
      inject: [DataSource, DatabaseConfig, ServiceConfig, MESSAGING_TRANSPORT, CaseHistory, PLATFORM_LOGGER],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        service: ServiceConfig,
        transport: Transport,
        history: CaseHistory,
        logger: Logger,
      ) =>
        new ConsumerRunner({
          dataSource,
          schema: database.schema,
          groupId: historyGroupOf(service),
          topics: [...ALL_EVENT_TOPICS],
          transport,
          logger,
          handler: (envelope, manager, { message }) => history.record(envelope, message.topic, manager),
        }),
    }),
  ],
})
export class TimelineModule {}
