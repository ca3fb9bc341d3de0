import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';

/** The per-case history: every event of every service, as it arrived, de-duplicated by event id. */
function caseHistoryMigration(schema: string): MigrationClass {
  return class CreateCaseHistory implements MigrationInterface {
    readonly name = `TimelineCaseHistory_${schema}_1767225603000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".case_history (
          event_id        uuid        PRIMARY KEY,
          case_id         uuid        NOT NULL,
          stream_id       text        NOT NULL,
          stream_version  integer     NOT NULL,
          type            text        NOT NULL,
          occurred_at     timestamptz NOT NULL,
          recorded_at     timestamptz NOT NULL,
          actor_id        text        NOT NULL,
          actor_kind      text        NOT NULL,
          source_topic    text        NOT NULL,
          data            jsonb       NOT NULL,
          received_at     timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(
        `CREATE INDEX case_history_case_idx ON "${schema}".case_history (case_id, occurred_at, stream_id, stream_version)`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".case_history`);
    }
  };
}

/** Every migration of timeline, in order; the access log's come last (they grant on every table). */
export function timelineMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [...messagingMigrations(schema), caseHistoryMigration(schema), ...auditMigrations(schema, context)];
}
