import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName, quoteIdentifier } from './identifiers.js';

/**
 * TypeORM migrations that create the event store's tables inside `schema`. A service lists them beside its
 * own migrations (`migrations: [...eventStoreMigrations('intake'), ...]`) and runs `dataSource.runMigrations()`.
 *
 * Migration names end in a fixed 13-digit timestamp (TypeORM orders by it) and contain the schema, so two
 * services sharing one migrations table never collide. Never edit a released migration; add a new one.
 */
export function eventStoreMigrations(schema: string): Array<new () => MigrationInterface> {
  return [createEventStoreMigration(schema)];
}

function createEventStoreMigration(schema: string): new () => MigrationInterface {
  const s = quoteIdentifier(assertSchemaName(schema));

  return class CreateEventStore implements MigrationInterface {
    readonly name = `EventStoreCreate_${schema}_1767225600000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      // stream_id uses the "C" collation: ids compare byte-wise (cheaper, and the same on every server).
      await queryRunner.query(`
        CREATE TABLE ${s}.events (
          position        bigserial   PRIMARY KEY,
          transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
          event_id        uuid        NOT NULL,
          stream_id       text        COLLATE "C" NOT NULL,
          stream_version  integer     NOT NULL CHECK (stream_version > 0),
          type            text        NOT NULL,
          data            jsonb       NOT NULL,
          metadata        jsonb       NOT NULL,
          recorded_at     timestamptz NOT NULL DEFAULT now(),
          prev_hash       bytea       NOT NULL,
          hash            bytea       NOT NULL,
          CONSTRAINT events_event_id_uq UNIQUE (event_id),
          CONSTRAINT events_stream_version_uq UNIQUE (stream_id, stream_version)
        )`);
      // Global readers scan by (transaction_id, position) below the snapshot's xmin.
      await queryRunner.query(
        `CREATE INDEX events_transaction_position_idx ON ${s}.events (transaction_id, position)`,
      );
      // One row per stream: the concurrency gate (a conditional upsert on it serialises appends to a
      // stream) and the head the verifier compares against, which is how a deleted last event shows up.
      await queryRunner.query(`
        CREATE TABLE ${s}.streams (
          stream_id            text        COLLATE "C" PRIMARY KEY,
          version              integer     NOT NULL CHECK (version >= 0),
          last_hash            bytea       NOT NULL,
          last_transaction_id  xid8        NOT NULL,
          updated_at           timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(`
        CREATE TABLE ${s}.checkpoints (
          name            text        PRIMARY KEY,
          transaction_id  xid8        NOT NULL,
          position        bigint      NOT NULL,
          updated_at      timestamptz NOT NULL DEFAULT now()
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.checkpoints`);
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.streams`);
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.events`);
    }
  };
}
