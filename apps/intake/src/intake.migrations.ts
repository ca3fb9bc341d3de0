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

/**
 * The case list's read model (see cases/case-summaries.ts): one row per case, written with the case's
 * events. Ids, times, counts and the stage only.
 */
function caseSummariesMigration(schema: string): MigrationClass {
  return class CreateCaseSummaries implements MigrationInterface {
    readonly name = `IntakeCaseSummaries_${schema}_1795700000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".case_summaries (
          case_id uuid PRIMARY KEY,
          case_number text NOT NULL UNIQUE,
          contract_id uuid NOT NULL,
          stage text NOT NULL CHECK (stage IN ('reported', 'instructed', 'contained', 'closed')),
          discovered_at timestamptz NOT NULL,
          reported_at timestamptz NOT NULL,
          last_changed_at timestamptz NOT NULL,
          open_instructions int NOT NULL CHECK (open_instructions >= 0),
          open_measures int NOT NULL CHECK (open_measures >= 0),
          version int NOT NULL CHECK (version > 0)
        )`);
      await queryRunner.query(
        `CREATE INDEX case_summaries_reported ON "${schema}".case_summaries (reported_at DESC, case_id DESC)`,
      );
      await queryRunner.query(
        `CREATE INDEX case_summaries_contract ON "${schema}".case_summaries (contract_id, reported_at DESC, case_id DESC)`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".case_summaries`);
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
    caseSummariesMigration(schema),
    ...sealingMigrations(schema),
    ...auditMigrations(schema, context),
  ];
}
