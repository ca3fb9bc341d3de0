import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';
import { sealingMigrations } from '#libs/sealing';

/**
 * subject-notifier's own tables. Every column that could name a person (name, e-mail, phone, postal
 * address, leaked items) is a sealed `bytea` (AES-256-GCM with the case's data key, libs/sealing); the
 * duplicate keys are HMAC-SHA256 digests under a per-case key that is itself sealed. Nothing here is
 * readable without the case key, and nothing after its destruction.
 */
function subjectTablesMigration(schema: string): MigrationClass {
  return class CreateSubjectTables implements MigrationInterface {
    readonly name = `SubjectNotifierTables_${schema}_1796000000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const q = (sql: string) => queryRunner.query(sql);
      // the cases and instructions known from intake's events (tenant scoping, campaigns on instruction)
      await q(`
        CREATE TABLE "${schema}".cases (
          case_id uuid PRIMARY KEY,
          contract_id uuid NOT NULL,
          case_number text,
          erased_at timestamptz
        )`);
      await q(`
        CREATE TABLE "${schema}".instructions (
          case_id uuid NOT NULL,
          instruction_id text NOT NULL,
          kind text NOT NULL,
          issued_at timestamptz NOT NULL,
          PRIMARY KEY (case_id, instruction_id)
        )`);
      // the notice templates the client approved (publisher's consultation): placeholders, no personal data
      await q(`
        CREATE TABLE "${schema}".notice_templates (
          template_id uuid NOT NULL,
          revision int NOT NULL CHECK (revision > 0),
          case_id uuid NOT NULL,
          content_hash text NOT NULL,
          subject_ja text NOT NULL,
          body_ja text NOT NULL,
          subject_en text NOT NULL,
          body_en text NOT NULL,
          approved_at timestamptz NOT NULL,
          approved_by text NOT NULL,
          PRIMARY KEY (template_id, revision)
        )`);
      // the per-case key of the duplicate digests, sealed with the case key
      await q(`
        CREATE TABLE "${schema}".case_hash_keys (
          case_id uuid PRIMARY KEY,
          sealed_key bytea NOT NULL,
          key_id text NOT NULL
        )`);
      await q(`
        CREATE TABLE "${schema}".imports (
          import_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          status text NOT NULL CHECK (status IN ('reported', 'confirmed', 'discarded')),
          encoding text NOT NULL,
          rows_read int NOT NULL,
          rows_valid int NOT NULL,
          rows_rejected int NOT NULL,
          duplicates int NOT NULL,
          problems jsonb NOT NULL,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL,
          confirmed_at timestamptz
        )`);
      await q(`CREATE INDEX imports_case ON "${schema}".imports (case_id, created_at)`);
      // the valid rows of an import awaiting confirmation, sealed
      await q(`
        CREATE TABLE "${schema}".import_rows (
          import_id uuid NOT NULL REFERENCES "${schema}".imports (import_id) ON DELETE CASCADE,
          line int NOT NULL,
          person bytea NOT NULL,
          key_id text NOT NULL,
          email_digest bytea,
          phone_digest bytea,
          PRIMARY KEY (import_id, line)
        )`);
      await q(`
        CREATE TABLE "${schema}".persons (
          person_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          seq int NOT NULL,
          key_id text NOT NULL,
          name bytea NOT NULL,
          email bytea,
          phone bytea,
          address bytea,
          items bytea NOT NULL,
          language text NOT NULL CHECK (language IN ('ja', 'en')),
          email_digest bytea,
          phone_digest bytea,
          created_at timestamptz NOT NULL,
          UNIQUE (case_id, seq)
        )`);
      await q(
        `CREATE UNIQUE INDEX persons_email_digest ON "${schema}".persons (case_id, email_digest) WHERE email_digest IS NOT NULL`,
      );
      await q(
        `CREATE INDEX persons_phone_digest ON "${schema}".persons (case_id, phone_digest) WHERE phone_digest IS NOT NULL`,
      );
      await q(`
        CREATE TABLE "${schema}".campaigns (
          campaign_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          contract_id uuid NOT NULL,
          instruction_id text NOT NULL,
          template_id uuid NOT NULL,
          template_revision int NOT NULL,
          status text NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'cancelled')),
          persons_total int NOT NULL,
          email_total int NOT NULL,
          milestones int NOT NULL DEFAULT 0,
          started_by text NOT NULL,
          started_at timestamptz NOT NULL,
          finished_at timestamptz
        )`);
      await q(`CREATE INDEX campaigns_case ON "${schema}".campaigns (case_id, started_at)`);
      // one row per person, campaign and channel: the e-mail's progress, a letter, a call, the public notice
      await q(`
        CREATE TABLE "${schema}".deliveries (
          campaign_id uuid NOT NULL REFERENCES "${schema}".campaigns (campaign_id),
          person_id uuid NOT NULL REFERENCES "${schema}".persons (person_id),
          channel text NOT NULL CHECK (channel IN ('email', 'letter', 'phone', 'public_notice')),
          status text NOT NULL
            CHECK (status IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'bounced', 'cancelled', 'not_reached')),
          attempts int NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL,
          lease_until timestamptz,
          message_id text,
          smtp_code int,
          reason text,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (campaign_id, person_id, channel)
        )`);
      await q(
        `CREATE INDEX deliveries_due ON "${schema}".deliveries (next_attempt_at) WHERE channel = 'email' AND status IN ('queued', 'deferred', 'sending')`,
      );
      await q(
        `CREATE INDEX deliveries_message ON "${schema}".deliveries (message_id) WHERE message_id IS NOT NULL`,
      );
      await q(`
        CREATE TABLE "${schema}".calls (
          call_id uuid PRIMARY KEY,
          campaign_id uuid NOT NULL REFERENCES "${schema}".campaigns (campaign_id),
          person_id uuid NOT NULL REFERENCES "${schema}".persons (person_id),
          called_at timestamptz NOT NULL,
          result text NOT NULL CHECK (result IN ('reached', 'no_answer', 'wrong_number', 'refused')),
          recorded_by text NOT NULL,
          recorded_at timestamptz NOT NULL
        )`);
      await q(`
        CREATE TABLE "${schema}".public_notices (
          campaign_id uuid PRIMARY KEY REFERENCES "${schema}".campaigns (campaign_id),
          url text NOT NULL,
          persons_covered int NOT NULL,
          posted_at timestamptz NOT NULL,
          posted_by text NOT NULL
        )`);
      await q(`
        CREATE TABLE "${schema}".erasures (
          case_id uuid PRIMARY KEY,
          persons int NOT NULL,
          key_id text,
          method text NOT NULL,
          responsible text NOT NULL,
          reason text NOT NULL,
          instruction_id text,
          erased_at timestamptz NOT NULL
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const table of [
        'erasures',
        'public_notices',
        'calls',
        'deliveries',
        'campaigns',
        'persons',
        'import_rows',
        'imports',
        'case_hash_keys',
        'notice_templates',
        'instructions',
        'cases',
      ]) {
        await queryRunner.query(`DROP TABLE "${schema}".${table}`);
      }
    }
  };
}

/** Every migration of subject-notifier, in order; the access log's come last (they grant on every table). */
export function subjectNotifierMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    ...sealingMigrations(schema),
    subjectTablesMigration(schema),
    ...auditMigrations(schema, context),
  ];
}
