import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditMigrations } from '#libs/audit';
import { eventStoreMigrations } from '#libs/event-store';
import { messagingMigrations } from '#libs/messaging';
import type { MigrationClass, MigrationContext } from '#libs/platform';

/** The per-case history: every event of every service, as it arrived, de-duplicated by event id. */
function caseHistoryMigration(schema: string): MigrationClass {
  return class CreateCaseHistory implements MigrationInterface {
    readonly name = `TimelineCaseHistory_${schema}_1767225603000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".case_history (
          event_id        uuid        PRIMARY KEY,
          case_id         uuid        NOT NULL,
          stream_id       text        NOT NULL,
          stream_version  integer     NOT NULL,
          type            text        NOT NULL,
          occurred_at     timestamptz NOT NULL,
          recorded_at     timestamptz NOT NULL,
          actor_id        text        NOT NULL,
          actor_kind      text        NOT NULL,
          source_topic    text        NOT NULL,
          data            jsonb       NOT NULL,
          received_at     timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(
        `CREATE INDEX case_history_case_idx ON "${schema}".case_history (case_id, occurred_at, stream_id, stream_version)`,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".case_history`);
    }
  };
}

/**
 * What the timeline keeps beside the raw history: who acted in which role, the receipt chain (a hash
 * chain over the events of a case in the order they were received, so the timeline's copy is tamper
 * evident), the payload of events this build could not decode, the read model of every case
 * (`case_views`, rebuilt from `case_history` by the replay command) and the per-contract clock settings.
 */
function readModelsMigration(schema: string): MigrationClass {
  return class CreateTimelineReadModels implements MigrationInterface {
    readonly name = `TimelineReadModels_${schema}_1796200000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const s = `"${schema}"`;
      await queryRunner.query(`
        ALTER TABLE ${s}.case_history
          ADD COLUMN actor_role     text    NOT NULL DEFAULT '',
          ADD COLUMN correlation_id text    NOT NULL DEFAULT '',
          ADD COLUMN causation_id   text    NOT NULL DEFAULT '',
          ADD COLUMN decoded        boolean NOT NULL DEFAULT true,
          ADD COLUMN payload        bytea,
          ADD COLUMN receipt_seq    integer,
          ADD COLUMN receipt_hash   bytea`);
      await queryRunner.query(
        `CREATE UNIQUE INDEX case_history_receipt_idx ON ${s}.case_history (case_id, receipt_seq)`,
      );
      // The receipt index serves every per-case read (the few rows of a case are sorted in memory); one
      // index less to maintain on each event the consumer records.
      await queryRunner.query(`DROP INDEX ${s}.case_history_case_idx`);
      await queryRunner.query(`
        CREATE TABLE ${s}.case_views (
          case_id           uuid        PRIMARY KEY,
          contract_id       uuid,
          case_number       text,
          stage             text        NOT NULL,
          next_due_at       timestamptz,
          next_due_kind     text,
          next_due_clock    text,
          next_alert_at     timestamptz,
          open_instructions integer     NOT NULL DEFAULT 0,
          open_measures     integer     NOT NULL DEFAULT 0,
          event_count       integer     NOT NULL DEFAULT 0,
          last_event_at     timestamptz,
          folded_seq        integer     NOT NULL DEFAULT 0,
          state             jsonb       NOT NULL,
          updated_at        timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(
        `CREATE INDEX case_views_due_idx ON ${s}.case_views (next_due_at NULLS LAST, case_id)`,
      );
      await queryRunner.query(
        `CREATE INDEX case_views_contract_due_idx ON ${s}.case_views (contract_id, next_due_at NULLS LAST, case_id)`,
      );
      await queryRunner.query(
        `CREATE INDEX case_views_alert_idx ON ${s}.case_views (next_alert_at) WHERE next_alert_at IS NOT NULL`,
      );
      // per case: the head of the receipt chain (its row lock orders a case's writers) and whether the
      // case has events its view has not folded in yet (the projector's work list)
      await queryRunner.query(`
        CREATE TABLE ${s}.case_heads (
          case_id      uuid    PRIMARY KEY,
          receipt_seq  integer NOT NULL,
          receipt_hash bytea   NOT NULL,
          dirty        boolean NOT NULL DEFAULT false
        )`);
      await queryRunner.query(`CREATE INDEX case_heads_dirty_idx ON ${s}.case_heads (case_id) WHERE dirty`);
      await queryRunner.query(`
        CREATE TABLE ${s}.contract_clock_settings (
          contract_id                   uuid        PRIMARY KEY,
          prompt_report_within_ms       bigint,
          acknowledgement_within_ms     bigint,
          appi_preliminary_days         integer,
          appi_preliminary_warn_at_days integer,
          lead_times_ms                 bigint[],
          lead_times_ms_by_kind         jsonb,
          updated_at                    timestamptz NOT NULL DEFAULT now(),
          updated_by                    text        NOT NULL
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      const s = `"${schema}"`;
      await queryRunner.query(`DROP TABLE ${s}.contract_clock_settings`);
      await queryRunner.query(`DROP TABLE ${s}.case_heads`);
      await queryRunner.query(`DROP TABLE ${s}.case_views`);
      await queryRunner.query(`DROP INDEX ${s}.case_history_receipt_idx`);
      await queryRunner.query(
        `CREATE INDEX case_history_case_idx ON ${s}.case_history (case_id, occurred_at, stream_id, stream_version)`,
      );
      await queryRunner.query(`
        ALTER TABLE ${s}.case_history DROP COLUMN actor_role, DROP COLUMN correlation_id,
          DROP COLUMN causation_id, DROP COLUMN decoded, DROP COLUMN payload, DROP COLUMN receipt_seq,
          DROP COLUMN receipt_hash`);
    }
  };
}

/**
 * Every migration of timeline, in order; the access log's come last (they grant on every table, and
 * set the default privileges for the tables created after them). The event store holds the deadline
 * alerts the scheduler emits (`clocks-<caseId>` streams) and is the outbox of their relay.
 */
export function timelineMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [
    ...messagingMigrations(schema),
    caseHistoryMigration(schema),
    ...auditMigrations(schema, context),
    ...eventStoreMigrations(schema),
    readModelsMigration(schema),
  ];
}
