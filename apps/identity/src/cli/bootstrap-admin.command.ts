import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { normaliseEmail } from '../accounts/accounts.js';
import { recordAdminChange } from '../admin/admin-changes.js';
import { hashPassword } from '../credentials/passwords.js';

export interface BootstrapAdminInput {
  readonly email: string;
  readonly displayName: string;
  /** name of the contractor organisation, needed when it does not exist yet */
  readonly orgName?: string;
  readonly password: string;
  readonly now: Date;
}

export interface BootstrappedAdmin {
  readonly userId: string;
  readonly orgId: string;
  readonly createdOrganisation: boolean;
}

/** Why the bootstrap refused; the CLI prints the message and exits with the code. */
export class BootstrapRefusedError extends Error {
  override readonly name = 'BootstrapRefusedError';
  constructor(
    readonly reason: 'admin_exists' | 'org_name_required',
    message: string,
  ) {
    super(message);
  }
}

/** Actor recorded in `admin_changes` for what the bootstrap creates. */
export const BOOTSTRAP_ACTOR = 'cli:bootstrap-admin';

/**
 * Creates the contractor organisation (if there is none) and the first admin. Refuses once any
 * admin exists: later admins are created by an admin, through the API. Serialised by a transaction
 * advisory lock, so two bootstraps at once create one admin.
 */
export async function bootstrapAdmin(
  dataSource: DataSource,
  input: BootstrapAdminInput,
): Promise<BootstrappedAdmin> {
  const passwordHash = await hashPassword(input.password);
  return dataSource.transaction(async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('identity:bootstrap-admin'))`);
    const admins = await manager.query(`SELECT 1 FROM users WHERE 'admin' = ANY (roles) LIMIT 1`);
    if (admins.length > 0) {
      throw new BootstrapRefusedError(
        'admin_exists',
        'An admin already exists; create further admins through the API (POST /admin/users).',
      );
    }
    let [org]: { id: string }[] = await manager.query(
      `SELECT id FROM organisations WHERE kind = 'contractor'`,
    );
    const createdOrganisation = !org;
    if (!org) {
      if (!input.orgName) {
        throw new BootstrapRefusedError(
          'org_name_required',
          'There is no contractor organisation yet: name it with --org-name.',
        );
      }
      [org] = await manager.query(
        `INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'contractor', $2, $3) RETURNING id`,
        [uuidv7(), input.orgName, input.now],
      );
      await recordAdminChange(
        manager,
        BOOTSTRAP_ACTOR,
        'organisation.created',
        'organisation',
        org.id,
        input.now,
      );
    }
    const userId = uuidv7();
    await manager.query(
      `INSERT INTO users (id, org_id, email, display_name, roles, password_hash, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, ARRAY['admin'], $5, 'active', $6, $6)`,
      [userId, org.id, normaliseEmail(input.email), input.displayName, passwordHash, input.now],
    );
    await recordAdminChange(manager, BOOTSTRAP_ACTOR, 'user.created', 'user', userId, input.now, {
      roles: ['admin'],
    });
    return { userId, orgId: org.id, createdOrganisation };
  });
}
