import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';

/** Findings already reported (one event and one e-mail each), and where the scheduled analysis stopped. */
function analysisTables(schema: string): MigrationClass {
  const s = `"${schema}"`;
  return class CreateAccessAnalysisTables implements MigrationInterface {
    readonly name = `AccessAnalysisTables_${schema}_1767225800000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE ${s}.access_anomaly_findings (
          finding_id      text PRIMARY KEY,
          kind            text NOT NULL,
          detected_at     timestamptz NOT NULL,
          data            jsonb NOT NULL,
          recorded_at     timestamptz NOT NULL DEFAULT now(),
          mailed_at       timestamptz,
          message_id      text,
          mail_recipients integer,
          mail_attempts   integer NOT NULL DEFAULT 0,
          mail_error      text,
          next_attempt_at timestamptz
        )`);
      await queryRunner.query(
        `CREATE INDEX access_anomaly_findings_unmailed ON ${s}.access_anomaly_findings (detected_at) WHERE mailed_at IS NULL`,
      );
      await queryRunner.query(`
        CREATE TABLE ${s}.access_analysis_checkpoint (
          id          smallint PRIMARY KEY CHECK (id = 1),
          analysed_to timestamptz
        )`);
      await queryRunner.query(
        `INSERT INTO ${s}.access_analysis_checkpoint (id, analysed_to) VALUES (1, NULL)`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE ${s}.access_analysis_checkpoint`);
      await queryRunner.query(`DROP TABLE ${s}.access_anomaly_findings`);
    }
  };
}

/**
 * Everything the access analysis needs in identity's schema: the event store and messaging tables (its
 * `AccessAnomalyDetected` events leave through the outbox relay), its own tables, and identity's own
 * access log. Spread it into identity's migrations: `[...identityTables, ...identityAuditMigrations(schema, context)]`.
 */
export function identityAuditMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...eventStoreMigrations(schema),
    ...messagingMigrations(schema),
    analysisTables(schema),
    ...auditMigrations(schema, context),
  ];
}
