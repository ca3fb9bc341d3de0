import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName, quoteIdentifier } from '#libs/event-store';

/** A migration class as TypeORM's `DataSourceOptions.migrations` takes it. */
export type MigrationClass = new () => MigrationInterface;

/**
 * The messaging tables of one service, created inside the service's schema:
 * `inbox` (the consumer runner's de-duplication record). The outbox relay needs no table of its own:
 * the event store's `events` table is the outbox and its checkpoint table holds the relay's position.
 *
 * Migration names carry the schema so one data source can migrate several schemas (tests do).
 */
export function messagingMigrations(schema: string): MigrationClass[] {
  const qualified = quoteIdentifier(assertSchemaName(schema));

  class CreateMessagingInbox implements MigrationInterface {
    readonly name = `MessagingInbox_${schema}_1767225601000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${qualified}`);
      await queryRunner.query(`
        CREATE TABLE ${qualified}.inbox (
          group_id     text        NOT NULL,
          event_id     text        NOT NULL,
          topic        text        NOT NULL,
          "partition"  integer     NOT NULL,
          "offset"     bigint      NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (group_id, event_id)
        )`);
      await queryRunner.query(`CREATE INDEX inbox_processed_at_idx ON ${qualified}.inbox (processed_at)`);
      await queryRunner.query(
        `COMMENT ON TABLE ${qualified}.inbox IS 'events a consumer group has handled (libs/messaging ConsumerRunner)'`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE ${qualified}.inbox`);
    }
  }

  return [CreateMessagingInbox];
}
