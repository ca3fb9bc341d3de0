import type { MigrationInterface, QueryRunner } from 'typeorm';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass } from '#libs/platform';

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

export function intakeMigrations(schema: string): MigrationClass[] {
  return [...eventStoreMigrations(schema), ...messagingMigrations(schema), caseNumberMigration(schema)];
}
