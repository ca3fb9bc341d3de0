import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { MigrationClass, MigrationContext } from '#libs/platform';
import { identityAuditMigrations } from './audit/audit.migrations.js';

/**
 * The identity schema. The column lists of `organisations`, `users`, `contracts`,
 * `contract_assignments`, `sessions` are read by `libs/auth`'s session verifier in every service:
 * they are a contract (docs/identity.md), change them only together with libs/auth.
 */
function identityTablesMigration(schema: string): MigrationClass {
  const s = `"${schema}"`;
  return class CreateIdentityTables implements MigrationInterface {
    readonly name = `IdentityTables_${schema}_1767225700000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE ${s}.organisations (
          id uuid PRIMARY KEY,
          kind text NOT NULL CHECK (kind IN ('contractor', 'client')),
          name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
          is_public_body boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL DEFAULT now()
        )`);
      // There is one contractor (the operator): only the bootstrap CLI creates it, under a lock, when
      // none exists; no route creates one. (Not a unique index: libs/auth's test fixtures make several.)
      await queryRunner.query(`
        CREATE TABLE ${s}.users (
          id uuid PRIMARY KEY,
          org_id uuid NOT NULL REFERENCES ${s}.organisations (id),
          email text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
          display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
          roles text[] NOT NULL CHECK (roles <@ ARRAY['reporter', 'responder', 'responsible', 'client_officer', 'auditor', 'admin']::text[]),
          password_hash text,
          status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(`CREATE INDEX users_org_id ON ${s}.users (org_id)`);
      await queryRunner.query(`
        CREATE TABLE ${s}.contracts (
          id uuid PRIMARY KEY,
          client_org_id uuid NOT NULL REFERENCES ${s}.organisations (id),
          title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
          responsible_user_id uuid NOT NULL REFERENCES ${s}.users (id),
          created_at timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(`CREATE INDEX contracts_client_org_id ON ${s}.contracts (client_org_id)`);
      await queryRunner.query(`
        CREATE TABLE ${s}.contract_assignments (
          contract_id uuid NOT NULL REFERENCES ${s}.contracts (id) ON DELETE CASCADE,
          user_id uuid NOT NULL REFERENCES ${s}.users (id),
          role text NOT NULL CHECK (role IN ('reporter', 'responder', 'responsible')),
          PRIMARY KEY (contract_id, user_id, role)
        )`);
      await queryRunner.query(
        `CREATE INDEX contract_assignments_user_id ON ${s}.contract_assignments (user_id)`,
      );
      await queryRunner.query(`
        CREATE TABLE ${s}.client_contacts (
          id uuid PRIMARY KEY,
          contract_id uuid NOT NULL REFERENCES ${s}.contracts (id) ON DELETE CASCADE,
          name text NOT NULL,
          email text NOT NULL,
          phone text,
          language text NOT NULL CHECK (language IN ('ja', 'en')),
          priority int NOT NULL CHECK (priority >= 1),
          UNIQUE (contract_id, priority)
        )`);
      await queryRunner.query(`
        CREATE TABLE ${s}.api_tokens (
          id text PRIMARY KEY,
          user_id uuid NOT NULL REFERENCES ${s}.users (id),
          name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
          secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
          roles text[] NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          revoked_at timestamptz,
          last_used_at timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX api_tokens_user_id ON ${s}.api_tokens (user_id)`);
      await queryRunner.query(`
        CREATE TABLE ${s}.sessions (
          id_hash bytea PRIMARY KEY CHECK (length(id_hash) = 32),
          user_id uuid NOT NULL REFERENCES ${s}.users (id),
          created_at timestamptz NOT NULL DEFAULT now(),
          last_seen_at timestamptz NOT NULL DEFAULT now(),
          idle_expires_at timestamptz NOT NULL,
          absolute_expires_at timestamptz NOT NULL,
          revoked_at timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX sessions_user_id ON ${s}.sessions (user_id)`);
      // Audit trail of administrative changes: who changed what, ids only (no personal data).
      await queryRunner.query(`
        CREATE TABLE ${s}.admin_changes (
          id bigserial PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          actor_id text NOT NULL,
          action text NOT NULL,
          target_type text NOT NULL,
          target_id text NOT NULL,
          detail jsonb NOT NULL DEFAULT '{}'::jsonb
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const table of [
        'admin_changes',
        'sessions',
        'api_tokens',
        'client_contacts',
        'contract_assignments',
        'contracts',
        'users',
        'organisations',
      ]) {
        await queryRunner.query(`DROP TABLE ${s}.${table}`);
      }
    }
  };
}

/**
 * Every migration of the identity service, in order: its own tables, then the access analysis's
 * (event store, outbox, findings) and the access log's, which come last because they grant the
 * application role (`DB_APP_ROLE`) its rights on every table already there.
 */
export function identityMigrations(schema: string, context: MigrationContext = {}): MigrationClass[] {
  return [identityTablesMigration(schema), ...identityAuditMigrations(schema, context)];
}
