import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AccessLogModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import { provideEventStoreWithOutbox, serviceMessagingModule } from '#libs/messaging';
import { DatabaseConfig, ServiceDatabaseModule } from '#libs/platform';
import { CaseKeyring, SealingConfig } from '#libs/sealing';
import { CASE_HANDLERS } from './cases/case-commands.js';
import { CasesController } from './cases/cases.controller.js';
import { CaseSummariesBackfill } from './cases/summaries-backfill.js';
import { intakeMigrations } from './intake.migrations.js';
import { ReportFormController } from './report-form/report-form.controller.js';

/**
 * The intake service: the incident case and its commands. Events are appended to the service's own
 * event store and reach Kafka through the outbox relay.
 */
@Module({
  imports: [
    CqrsModule.forRoot(),
    AuthModule.forService(),
    AccessLogModule.forService(),
    ServiceDatabaseModule.forRoot({ migrations: intakeMigrations }),
    serviceMessagingModule(),
  ],
  controllers: [CasesController, ReportFormController],
  providers: [
    ...provideEventStoreWithOutbox('INTAKE_OUTBOX_RELAY'),
    {
      // the per-case keys that seal the free text of case events, in the service's own schema
      provide: CaseKeyring,
      inject: [DataSource, DatabaseConfig, SealingConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig, sealing: SealingConfig) =>
        new CaseKeyring(dataSource, database.schema, sealing),
    },
    ...CASE_HANDLERS,
    CaseSummariesBackfill,
  ],
})
export class IntakeModule {}
