import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';
import { sealingMigrations } from '#libs/sealing';

/**
 * Publisher's own tables beside its event store (docs/publisher.md):
 * - `case_facts`: the read model of each case, folded from intake's events (texts still sealed with
 *   intake's case key), with the list of source events;
 * - `statements` and `statement_revisions`: every revision of every statement, the body sealed with the
 *   publisher's own case key (drafts may contain personal data), its content hash in clear;
 * - `statement_approvals`, `statement_comments`, `finding_acceptances`: the consultation and the
 *   safety-check record;
 * - `published_statements`: the published text in clear (it is public), never updated;
 * - `regulator_reports`: the drafts, sealed, and their submission.
 */
function publisherTables(schema: string): MigrationClass {
  return class CreatePublisherTables implements MigrationInterface {
    readonly name = `PublisherTables_${schema}_1795900000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const q = (sql: string) => queryRunner.query(sql);
      await q(`
        CREATE TABLE "${schema}".case_facts (
          case_id uuid PRIMARY KEY,
          contract_id uuid NOT NULL,
          case_number text NOT NULL,
          facts jsonb NOT NULL,
          sources jsonb NOT NULL DEFAULT '[]'::jsonb,
          updated_at timestamptz NOT NULL
        )`);
      await q(`
        CREATE TABLE "${schema}".statements (
          statement_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          contract_id uuid NOT NULL,
          kind text NOT NULL CHECK (kind IN ('statement', 'subject_notice')),
          number int NOT NULL CHECK (number > 0),
          status text NOT NULL CHECK (status IN ('draft', 'in_consultation', 'changes_requested', 'approved', 'published')),
          current_revision int NOT NULL,
          consultation_revision int,
          created_at timestamptz NOT NULL,
          UNIQUE (case_id, kind, number)
        )`);
      await q(`
        CREATE TABLE "${schema}".statement_revisions (
          statement_id uuid NOT NULL REFERENCES "${schema}".statements (statement_id),
          revision int NOT NULL CHECK (revision > 0),
          body jsonb NOT NULL,
          content_hash text NOT NULL,
          author_id text NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (statement_id, revision)
        )`);
      await q(`
        CREATE TABLE "${schema}".statement_approvals (
          statement_id uuid NOT NULL REFERENCES "${schema}".statements (statement_id),
          revision int NOT NULL,
          content_hash text NOT NULL,
          approved_by text NOT NULL,
          approved_at timestamptz NOT NULL,
          PRIMARY KEY (statement_id, revision)
        )`);
      await q(`
        CREATE TABLE "${schema}".statement_comments (
          comment_id uuid PRIMARY KEY,
          seq bigint GENERATED ALWAYS AS IDENTITY,
          statement_id uuid NOT NULL REFERENCES "${schema}".statements (statement_id),
          revision int NOT NULL,
          section text NOT NULL,
          comment jsonb NOT NULL,
          author_id text NOT NULL,
          created_at timestamptz NOT NULL
        )`);
      await q(`
        CREATE TABLE "${schema}".finding_acceptances (
          statement_id uuid NOT NULL REFERENCES "${schema}".statements (statement_id),
          finding_id text NOT NULL,
          finding_kind text NOT NULL,
          revision int NOT NULL,
          reason jsonb NOT NULL,
          accepted_by text NOT NULL,
          accepted_at timestamptz NOT NULL,
          PRIMARY KEY (statement_id, finding_id)
        )`);
      await q(`
        CREATE TABLE "${schema}".published_statements (
          slug text PRIMARY KEY,
          statement_id uuid NOT NULL UNIQUE REFERENCES "${schema}".statements (statement_id),
          case_id uuid NOT NULL,
          kind text NOT NULL,
          number int NOT NULL,
          revision int NOT NULL,
          content_hash text NOT NULL,
          content jsonb NOT NULL,
          published_at timestamptz NOT NULL
        )`);
      await q(
        `CREATE INDEX published_statements_at ON "${schema}".published_statements (published_at DESC, slug)`,
      );
      await q(`
        CREATE TABLE "${schema}".regulator_reports (
          report_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          contract_id uuid NOT NULL,
          kind text NOT NULL,
          body jsonb NOT NULL,
          content_hash text NOT NULL,
          drafted_at timestamptz NOT NULL,
          submitted_at timestamptz,
          reference_number text
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const table of [
        'regulator_reports',
        'published_statements',
        'finding_acceptances',
        'statement_comments',
        'statement_approvals',
        'statement_revisions',
        'statements',
        'case_facts',
      ]) {
        await queryRunner.query(`DROP TABLE "${schema}".${table}`);
      }
    }
  };
}

/**
 * Publications scheduled for a later time: one per statement, with the revision and the actor who scheduled
 * it; `publishDue` publishes and deletes the row when the time comes (claimed with SKIP LOCKED).
 */
function scheduledPublications(schema: string): MigrationClass {
  return class CreateScheduledPublications implements MigrationInterface {
    readonly name = `PublisherScheduledPublications_${schema}_1795990000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".scheduled_publications (
          statement_id uuid PRIMARY KEY REFERENCES "${schema}".statements (statement_id),
          case_id uuid NOT NULL,
          revision int NOT NULL CHECK (revision >= 1),
          publish_at timestamptz NOT NULL,
          actor jsonb NOT NULL,
          scheduled_at timestamptz NOT NULL
        )`);
      await queryRunner.query(
        `CREATE INDEX scheduled_publications_due ON "${schema}".scheduled_publications (publish_at)`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".scheduled_publications`);
    }
  };
}

/** Every migration of publisher, in order; the access log's come last (they grant on every table). */
export function publisherMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    ...sealingMigrations(schema),
    publisherTables(schema),
    scheduledPublications(schema),
    ...auditMigrations(schema, context),
  ];
}
