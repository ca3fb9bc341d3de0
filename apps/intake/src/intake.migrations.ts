import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';

/** Intake's own tables beside the event store: the case-number sequence. */
function caseNumberMigration(schema: string): MigrationClass {
  return class CreateCaseNumbers implements MigrationInterface {
    readonly name = `IntakeCaseNumbers_${schema}_1767225602000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      // One sequence for all years; the year in the number is the report's year.
      await queryRunner.query(`CREATE SEQUENCE "${schema}".case_number_seq AS bigint START 1`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP SEQUENCE "${schema}".case_number_seq`);
    }
  };
}

/** Every migration of intake, in order; the access log's come last (they grant on every table). */
export function intakeMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    caseNumberMigration(schema),
    ...auditMigrations(schema, context),
  ];
}
