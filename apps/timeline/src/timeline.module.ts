import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthModule, type Clock, systemClock } from '#libs/auth';
import { EventStore } from '#libs/event-store';
import {
  ConsumerRunner,
  MESSAGING_TRANSPORT,
  provideEventStoreWithOutbox,
  provideWorker,
  serviceMessagingModule,
  type Transport,
  type WorkerHost,
} from '#libs/messaging';
import {
  DatabaseConfig,
  type Logger,
  PLATFORM_LOGGER,
  ServiceConfig,
  ServiceDatabaseModule,
} from '#libs/platform';
import { AuditExportController } from './audit-export/audit-export.controller.js';
import { AuditExport } from './audit-export/audit-export.js';
import { ClockSettingsController } from './clock-settings/clock-settings.controller.js';
import { ClockSettingsStore } from './clock-settings/clock-settings.js';
import { CaseHistory } from './history/case-history.js';
import { HistoryController } from './history/history.controller.js';
import { PictureController } from './picture/picture.controller.js';
import { CaseProjection } from './projection/case-projection.js';
import { CaseProjector } from './projection/case-projector.js';
import { CaseReader } from './projection/case-reader.js';
import { CasesController } from './projection/cases.controller.js';
import { DeadlineScheduler } from './scheduler/deadline-scheduler.js';
import { TimelineConfig } from './timeline.config.js';
import { timelineMigrations } from './timeline.migrations.js';
import { TIMELINE_CLOCK, TIMELINE_SETTINGS } from './tokens.js';

export { TIMELINE_CLOCK } from './tokens.js';

/** Consumer group of the history projection: one per deployment of the service (its SERVICE_NAME). */
export const historyGroupOf = (service: ServiceConfig) => `${service.name}.history`;

/**
 * The timeline service: consumes every service's events into each case's history, keeps each case's
 * read model (stages, clocks, instructions, measures), emits deadline alerts, and serves the case
 * list, the timeline, the case picture and the audit export. See docs/timeline.md.
 */
@Module({
  imports: [
    AuthModule.forService(),
    AccessLogModule.forService(),
    ServiceDatabaseModule.forRoot({ migrations: timelineMigrations }),
    serviceMessagingModule(),
  ],
  controllers: [
    CasesController,
    HistoryController,
    PictureController,
    AuditExportController,
    ClockSettingsController,
  ],
  providers: [
    { provide: TIMELINE_CLOCK, useValue: systemClock },
    // required: a host that does not load TimelineConfig fails at start instead of running on defaults
    { provide: TIMELINE_SETTINGS, useExisting: TimelineConfig },
    {
      provide: ClockSettingsStore,
      inject: [TIMELINE_SETTINGS],
      useFactory: (config: TimelineConfig) => new ClockSettingsStore(config),
    },
    CaseHistory,
    {
      provide: CaseProjection,
      inject: [DataSource, CaseHistory, ClockSettingsStore],
      useFactory: (dataSource: DataSource, history: CaseHistory, settings: ClockSettingsStore) =>
        new CaseProjection(dataSource, history, settings),
    },
    CaseReader,
    AuditExport,
    ...provideEventStoreWithOutbox('TIMELINE_OUTBOX_RELAY'),
    provideWorker('TIMELINE_CASE_PROJECTOR', {
      inject: [CaseProjection, PLATFORM_LOGGER],
      useFactory: (projection: CaseProjection, logger: Logger) =>
        new CaseProjector({ projection, logger: logger.child({ component: 'case-projector' }) }),
    }),
    provideWorker('TIMELINE_HISTORY_CONSUMER', {
      inject: [
        DataSource,
        DatabaseConfig,
        ServiceConfig,
        MESSAGING_TRANSPORT,
        CaseProjection,
        'TIMELINE_CASE_PROJECTOR',
        TIMELINE_SETTINGS,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        dataSource: DataSource,
        database: DatabaseConfig,
        service: ServiceConfig,
        transport: Transport,
        projection: CaseProjection,
        projectorHost: WorkerHost<CaseProjector>,
        config: TimelineConfig,
        logger: Logger,
      ) => {
        const projector = projectorHost.worker;
        return new ConsumerRunner({
          dataSource,
          schema: database.schema,
          groupId: historyGroupOf(service),
          topics: [...config.sourceTopics],
          fromBeginning: config.consumeFrom === 'earliest',
          transport,
          logger,
          handler: async (envelope, manager, { message }) => {
            if (await projection.receive(envelope, message.topic, manager)) projector.wake();
          },
        });
      },
    }),
    provideWorker('TIMELINE_DEADLINE_SCHEDULER', {
      inject: [
        DataSource,
        EventStore,
        ClockSettingsStore,
        TIMELINE_CLOCK,
        TIMELINE_SETTINGS,
        PLATFORM_LOGGER,
      ],
      useFactory: (
        dataSource: DataSource,
        eventStore: EventStore,
        settings: ClockSettingsStore,
        clock: Clock,
        config: TimelineConfig,
        logger: Logger,
      ) =>
        new DeadlineScheduler({
          dataSource,
          eventStore,
          settings,
          clock,
          intervalMs: config.schedulerIntervalMs,
          logger: logger.child({ component: 'deadline-scheduler' }),
        }),
    }),
  ],
})
export class TimelineModule {}

/** The timeline module with another time source (tests move time to see alerts fire). */
export function timelineModuleWithClock(clock: Clock): DynamicModule {
  return { module: TimelineModule, providers: [{ provide: TIMELINE_CLOCK, useValue: clock }] };
}
