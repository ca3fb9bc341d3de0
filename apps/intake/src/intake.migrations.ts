import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';
import { sealingMigrations } from '#libs/sealing';

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

/**
 * The `Idempotency-Key`s of reports, per principal: the hash of the body first sent with a key and the case
 * it created, so a retry returns that case and another body under the same key is refused.
 */
function idempotencyKeysMigration(schema: string): MigrationClass {
  return class CreateIdempotencyKeys implements MigrationInterface {
    readonly name = `IntakeIdempotencyKeys_${schema}_1795640000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".report_idempotency_keys (
          principal_id text NOT NULL,
          idempotency_key text NOT NULL,
          body_sha256 text NOT NULL,
          case_id uuid NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (principal_id, idempotency_key)
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".report_idempotency_keys`);
    }
  };
}

/** Every migration of intake, in order; the access log's come last (they grant on every table). */
export function intakeMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    caseNumberMigration(schema),
    idempotencyKeysMigration(schema),
    ...sealingMigrations(schema),
    ...auditMigrations(schema, context),
  ];
}
