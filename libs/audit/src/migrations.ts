import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdentifier } from './sql-identifier.js';

/** A migration class as TypeORM takes it (same shape as the platform's `MigrationClass`). */
export type AuditMigrationClass = new () => MigrationInterface;

export interface AuditMigrationOptions {
  /**
   * The application's login role (`DB_APP_ROLE`). When given, the migrations (run as the schema owner)
   * grant it normal DML on the schema's tables — now and for tables later migrations create — but only
   * INSERT and SELECT on `access_log`, and EXECUTE on the purge function.
   */
  readonly appRole?: string;
}

/** The shortest retention the purge function accepts: access records are kept at least a year. */
export const MINIMUM_RETENTION_DAYS = 365;

/**
 * The access log of one service schema: the `access_log` table, the owner-only purge function, and,
 * with `appRole`, the grants that make the log append-only for the application. Put these last in the
 * service's migrations (their timestamps sort after the foundation's).
 */
export function auditMigrations(schema: string, options: AuditMigrationOptions = {}): AuditMigrationClass[] {
  const migrations = [accessLogTable(schema), purgeFunction(schema)];
  if (options.appRole) migrations.push(appRoleGrants(schema, options.appRole));
  return migrations;
}

function accessLogTable(schema: string): AuditMigrationClass {
  const s = quoteIdentifier(schema);
  return class CreateAccessLog implements MigrationInterface {
    readonly name = `AuditAccessLog_${schema}_1767225604000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE ${s}.access_log (
          id              bigserial PRIMARY KEY,
          at              timestamptz NOT NULL,
          service         text NOT NULL,
          actor_id        text,
          actor_type      text NOT NULL CHECK (actor_type IN ('user', 'token', 'anonymous')),
          roles           text[] NOT NULL DEFAULT '{}',
          org_id          text,
          claimed_account text,
          method          text NOT NULL,
          route           text NOT NULL,
          case_id         uuid,
          status          smallint NOT NULL,
          ip              text,
          user_agent      text,
          request_id      text,
          outcome         text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'error')),
          kind            text NOT NULL CHECK (kind IN ('case_read', 'case_write', 'export', 'auth', 'other')),
          duration_ms     integer NOT NULL DEFAULT 0
        )`);
      await queryRunner.query(`CREATE INDEX access_log_at_idx ON ${s}.access_log (at)`);
      await queryRunner.query(
        `CREATE INDEX access_log_case_idx ON ${s}.access_log (case_id, at) WHERE case_id IS NOT NULL`,
      );
      // Records are facts: nobody, not even the owner by mistake, rewrites one.
      await queryRunner.query(`
        CREATE FUNCTION ${s}.access_log_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'access records are append-only' USING ERRCODE = 'insufficient_privilege';
        END $$`);
      await queryRunner.query(`
        CREATE TRIGGER access_log_append_only BEFORE UPDATE ON ${s}.access_log
        FOR EACH ROW EXECUTE FUNCTION ${s}.access_log_refuse_update()`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE ${s}.access_log`);
      await queryRunner.query(`DROP FUNCTION ${s}.access_log_refuse_update()`);
    }
  };
}

function purgeFunction(schema: string): AuditMigrationClass {
  const s = quoteIdentifier(schema);
  return class CreateAccessLogPurge implements MigrationInterface {
    readonly name = `AuditAccessLogPurge_${schema}_1767225604001`;

    async up(queryRunner: QueryRunner): Promise<void> {
      // SECURITY DEFINER: runs with the owner's rights, so the application (which cannot DELETE) can
      // only ever remove records older than a year, through this one door.
      await queryRunner.query(`
        CREATE FUNCTION ${s}.access_log_purge(older_than_days integer) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
          removed bigint;
        BEGIN
          IF older_than_days IS NULL OR older_than_days < ${MINIMUM_RETENTION_DAYS} THEN
            RAISE EXCEPTION 'access records are kept at least ${MINIMUM_RETENTION_DAYS} days (asked: %)', older_than_days
              USING ERRCODE = 'invalid_parameter_value';
          END IF;
          DELETE FROM ${s}.access_log WHERE at < now() - make_interval(days => older_than_days);
          GET DIAGNOSTICS removed = ROW_COUNT;
          RETURN removed;
        END $$`);
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${s}.access_log_purge(integer) FROM PUBLIC`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP FUNCTION ${s}.access_log_purge(integer)`);
    }
  };
}

function appRoleGrants(schema: string, appRole: string): AuditMigrationClass {
  const s = quoteIdentifier(schema);
  const role = quoteIdentifier(appRole);
  return class GrantAppRole implements MigrationInterface {
    // The role is part of the name: configuring another role later runs the grants for it.
    readonly name = `AuditAppRoleGrants_${schema}_${appRole}_1767225604002`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const statements = [
        `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}`,
        `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${role}`,
        // The access log: append and read only.
        `REVOKE ALL ON ${s}.access_log FROM ${role}`,
        `GRANT INSERT, SELECT ON ${s}.access_log TO ${role}`,
        `REVOKE ALL ON SEQUENCE ${s}.access_log_id_seq FROM ${role}`,
        `GRANT USAGE ON SEQUENCE ${s}.access_log_id_seq TO ${role}`,
        `GRANT EXECUTE ON FUNCTION ${s}.access_log_purge(integer) TO ${role}`,
      ];
      for (const statement of statements) await queryRunner.query(statement);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE ALL ON TABLES FROM ${role}`);
      await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE ALL ON SEQUENCES FROM ${role}`);
      await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${role}`);
      await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${role}`);
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${s}.access_log_purge(integer) FROM ${role}`);
      await queryRunner.query(`REVOKE USAGE ON SCHEMA ${s} FROM ${role}`);
    }
  };
}
