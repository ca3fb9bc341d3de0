import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { authMigrations } from '#libs/auth';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';

/**
 * The correspondence tables (docs/client-notifier.md): what the service knows of each case, the
 * per-contract settings, one delivery record per message and recipient, the timers (reminder,
 * escalation, digest) and the updates waiting for a digest. No clear text of a case and no contact
 * details: cases keep the intake events' sealed texts, deliveries name recipients by id.
 */
function correspondenceTables(schema: string): MigrationClass {
  const s = `"${schema}"`;
  return class CreateCorrespondenceTables implements MigrationInterface {
    readonly name = `ClientNotifierTables_${schema}_1796000000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE ${s}.cases (
          case_id uuid PRIMARY KEY,
          contract_id uuid,
          case_number text,
          report jsonb,
          reported_at timestamptz,
          received_at timestamptz,
          correlation_id text,
          assessment jsonb,
          instructions jsonb NOT NULL DEFAULT '{}'::jsonb,
          acknowledged_at timestamptz,
          acknowledged_by text,
          acknowledged_channel text CHECK (acknowledged_channel IN ('link', 'api')),
          closed_at timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX cases_contract ON ${s}.cases (contract_id)`);
      await queryRunner.query(`
        CREATE TABLE ${s}.contract_settings (
          contract_id uuid PRIMARY KEY,
          ack_wait_minutes integer NOT NULL CHECK (ack_wait_minutes BETWEEN 1 AND 10080),
          escalation_interval_minutes integer NOT NULL CHECK (escalation_interval_minutes BETWEEN 1 AND 10080),
          update_mode text NOT NULL CHECK (update_mode IN ('immediate', 'digest')),
          digest_minutes integer NOT NULL CHECK (digest_minutes BETWEEN 1 AND 10080),
          first_notice_contacts integer CHECK (first_notice_contacts >= 1),
          updated_at timestamptz NOT NULL,
          updated_by text NOT NULL
        )`);
      await queryRunner.query(`
        CREATE TABLE ${s}.deliveries (
          id uuid PRIMARY KEY,
          dedupe_key text NOT NULL UNIQUE,
          case_id uuid NOT NULL,
          contract_id uuid NOT NULL,
          kind text NOT NULL CHECK (kind IN ('first_notice', 'reminder', 'escalation', 'escalation_alert',
                                             'update', 'deadline_alert', 'failure_alert')),
          recipient_kind text NOT NULL CHECK (recipient_kind IN ('client_contact', 'contractor_user')),
          recipient_id uuid NOT NULL,
          source jsonb NOT NULL DEFAULT '{}'::jsonb,
          source_event_id text,
          status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
          due_at timestamptz,
          lease_until timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          message_id text NOT NULL UNIQUE,
          created_at timestamptz NOT NULL,
          sent_at timestamptz,
          failed_at timestamptz,
          smtp_code integer,
          smtp_response text,
          last_error text,
          CHECK ((status = 'pending') = (due_at IS NOT NULL)),
          CHECK ((status = 'sending') = (lease_until IS NOT NULL))
        )`);
      await queryRunner.query(
        `CREATE INDEX deliveries_due ON ${s}.deliveries (due_at) WHERE status = 'pending'`,
      );
      await queryRunner.query(
        `CREATE INDEX deliveries_leased ON ${s}.deliveries (lease_until) WHERE status = 'sending'`,
      );
      await queryRunner.query(`CREATE INDEX deliveries_case ON ${s}.deliveries (case_id, kind)`);
      await queryRunner.query(`
        CREATE TABLE ${s}.timers (
          id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          kind text NOT NULL CHECK (kind IN ('reminder', 'escalation', 'digest')),
          due_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL,
          fired_at timestamptz,
          fired_by text,
          cancelled_at timestamptz
        )`);
      await queryRunner.query(
        `CREATE INDEX timers_due ON ${s}.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL`,
      );
      // one reminder and one escalation per case; at most one digest waiting per case
      await queryRunner.query(
        `CREATE UNIQUE INDEX timers_once ON ${s}.timers (case_id, kind) WHERE kind IN ('reminder', 'escalation')`,
      );
      await queryRunner.query(
        `CREATE UNIQUE INDEX timers_open_digest ON ${s}.timers (case_id)
          WHERE kind = 'digest' AND fired_at IS NULL AND cancelled_at IS NULL`,
      );
      await queryRunner.query(`
        CREATE TABLE ${s}.pending_updates (
          event_id text PRIMARY KEY,
          case_id uuid NOT NULL,
          item jsonb NOT NULL,
          received_at timestamptz NOT NULL,
          digested_at timestamptz
        )`);
      await queryRunner.query(
        `CREATE INDEX pending_updates_open ON ${s}.pending_updates (case_id) WHERE digested_at IS NULL`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const table of ['pending_updates', 'timers', 'deliveries', 'contract_settings', 'cases']) {
        await queryRunner.query(`DROP TABLE ${s}.${table}`);
      }
    }
  };
}

/**
 * The consultation request (協議): a delivery kind `consultation` (a revision of a publisher statement
 * awaiting the client's review), allowed by the kind check of `deliveries`.
 */
function consultationDeliveries(schema: string): MigrationClass {
  const s = `"${schema}"`;
  // the kinds as the first migration allowed them (a migration is frozen: not the code's current list)
  const before = `'first_notice', 'reminder', 'escalation', 'escalation_alert', 'update', 'deadline_alert', 'failure_alert'`;
  return class AllowConsultationDeliveries implements MigrationInterface {
    readonly name = `ClientNotifierConsultation_${schema}_1796300000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(
        `ALTER TABLE ${s}.deliveries DROP CONSTRAINT deliveries_kind_check,
           ADD CONSTRAINT deliveries_kind_check CHECK (kind IN (${before}, 'consultation'))`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DELETE FROM ${s}.deliveries WHERE kind = 'consultation'`);
      await queryRunner.query(
        `ALTER TABLE ${s}.deliveries DROP CONSTRAINT deliveries_kind_check,
           ADD CONSTRAINT deliveries_kind_check CHECK (kind IN (${before}))`,
      );
    }
  };
}

/**
 * Every migration of client-notifier, in order: its event store (the outbox of its events), the inbox of
 * its consumers, the used-link records of acknowledgement links, its own tables, and the access log last
 * (it grants on every table already there).
 */
export function clientNotifierMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    ...authMigrations(schema),
    correspondenceTables(schema),
    consultationDeliveries(schema),
    ...auditMigrations(schema, context),
  ];
}
