import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteSchema } from './sql-identifier.js';

/**
 * TypeORM migrations that create the case-key table inside `schema`. A service lists them beside its own
 * (`migrations: [...eventStoreMigrations('intake'), ...sealingMigrations('intake')]`).
 *
 * Names end in a fixed 13-digit timestamp and contain the schema, so services sharing one migrations
 * table never collide. Never edit a released migration; add a new one.
 */
export function sealingMigrations(schema: string): Array<new () => MigrationInterface> {
  return [createCaseKeysMigration(schema)];
}

function createCaseKeysMigration(schema: string): new () => MigrationInterface {
  const s = quoteSchema(schema);

  return class CreateCaseKeys implements MigrationInterface {
    readonly name = `SealingCaseKeys_${schema}_1767312000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      // One data key per case, for the life of the case. A destroyed key keeps its row (the erasure
      // certificate's evidence, and the guard against creating a new key for the case) with
      // wrapped_key overwritten by NULL. master_key_id is NULL only for a tombstone: a case erased
      // before any key existed.
      await queryRunner.query(`
        CREATE TABLE ${s}.case_keys (
          case_id         uuid        PRIMARY KEY,
          key_id          text        COLLATE "C" NOT NULL,
          wrapped_key     bytea,
          master_key_id   text,
          created_at      timestamptz NOT NULL DEFAULT now(),
          destroyed_at    timestamptz,
          destroyed_by    text,
          destroy_reason  text,
          CONSTRAINT case_keys_key_id_uq UNIQUE (key_id),
          CONSTRAINT case_keys_live_or_destroyed_ck CHECK (
            (destroyed_at IS NULL AND wrapped_key IS NOT NULL AND master_key_id IS NOT NULL
              AND destroyed_by IS NULL AND destroy_reason IS NULL)
            OR (destroyed_at IS NOT NULL AND wrapped_key IS NULL
              AND destroyed_by IS NOT NULL AND destroy_reason IS NOT NULL)
          )
        )`);
      // Re-wrapping after a master-key rotation looks for the live keys of retired master keys.
      await queryRunner.query(
        `CREATE INDEX case_keys_master_key_idx ON ${s}.case_keys (master_key_id) WHERE wrapped_key IS NOT NULL`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.case_keys`);
    }
  };
}
