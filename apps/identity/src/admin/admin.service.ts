import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiError } from '#libs/platform';
import { normaliseEmail } from '../accounts/accounts.js';
import { type OrgKind, type Principal, ROLES_BY_ORG_KIND, type Role } from '../accounts/principal.js';
import { hashPassword } from '../credentials/passwords.js';
import { SessionStore } from '../sessions/session-store.js';
import { recordAdminChange } from './admin-changes.js';

export interface Organisation {
  readonly id: string;
  readonly kind: OrgKind;
  readonly name: string;
  readonly isPublicBody: boolean;
  readonly createdAt: Date;
}

export interface User {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly displayName: string;
  readonly roles: Role[];
  readonly status: 'active' | 'disabled';
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Assignment {
  readonly userId: string;
  readonly role: 'reporter' | 'responder' | 'responsible';
}

export interface Contact {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly language: 'ja' | 'en';
  readonly priority: number;
}

export interface Contract {
  readonly id: string;
  readonly clientOrgId: string;
  readonly title: string;
  readonly responsibleUserId: string;
  readonly createdAt: Date;
}

export interface ContractDetail extends Contract {
  readonly assignments: Assignment[];
  readonly contacts: Contact[];
}

export interface NewUser {
  readonly orgId: string;
  readonly email: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly password: string;
}

export type NewContact = Omit<Contact, 'id'>;

const ORG_COLUMNS = `id, kind, name, is_public_body AS "isPublicBody", created_at AS "createdAt"`;
const USER_COLUMNS = `id, org_id AS "orgId", email, display_name AS "displayName", roles, status,
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const CONTRACT_COLUMNS = `id, client_org_id AS "clientOrgId", title, responsible_user_id AS "responsibleUserId",
  created_at AS "createdAt"`;

const notFound = (what: string) => new ApiError('not_found', `No such ${what}.`);
const invalid = (field: string, problem: string) =>
  new ApiError('validation', 'The request is not valid.', { details: [{ field, problem }] });

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown) =>
  (error as { driverError?: { code?: string }; code?: string }).driverError?.code === UNIQUE_VIOLATION ||
  (error as { code?: string }).code === UNIQUE_VIOLATION;

/**
 * Administration of organisations, users and contracts. Every change runs in one transaction with
 * its line in the `admin_changes` trail.
 */
@Injectable()
export class AdminService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SessionStore) private readonly sessions: SessionStore,
  ) {}

  // --- organisations -------------------------------------------------------------------------------

  /** Creates a client organisation. The one contractor organisation comes from the bootstrap CLI. */
  async createClientOrganisation(
    by: Principal,
    input: { name: string; isPublicBody: boolean },
    now: Date,
  ): Promise<Organisation> {
    return this.dataSource.transaction(async (manager) => {
      const [org]: Organisation[] = await manager.query(
        `INSERT INTO organisations (id, kind, name, is_public_body, created_at) VALUES ($1, 'client', $2, $3, $4)
         RETURNING ${ORG_COLUMNS}`,
        [uuidv7(), input.name, input.isPublicBody, now],
      );
      await recordAdminChange(manager, by.id, 'organisation.created', 'organisation', org.id, now);
      return org;
    });
  }

  listOrganisations(): Promise<Organisation[]> {
    return this.dataSource.query(`SELECT ${ORG_COLUMNS} FROM organisations ORDER BY created_at, id`);
  }

  // --- users ---------------------------------------------------------------------------------------

  async createUser(by: Principal, input: NewUser, now: Date): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    return this.dataSource.transaction(async (manager) => {
      const kind = await this.orgKindOf(manager, input.orgId);
      if (!kind) throw invalid('orgId', 'no such organisation');
      const allowed = ROLES_BY_ORG_KIND[kind];
      const misplaced = input.roles.filter((role) => !allowed.includes(role));
      if (misplaced.length > 0) {
        throw invalid('roles', `a user of a ${kind} organisation may hold only ${allowed.join(', ')}`);
      }
      try {
        const [user]: User[] = await manager.query(
          `INSERT INTO users (id, org_id, email, display_name, roles, password_hash, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) RETURNING ${USER_COLUMNS}`,
          [
            uuidv7(),
            input.orgId,
            normaliseEmail(input.email),
            input.displayName,
            [...new Set(input.roles)],
            passwordHash,
            now,
          ],
        );
        await recordAdminChange(manager, by.id, 'user.created', 'user', user.id, now, { roles: user.roles });
        return user;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ApiError('conflict', 'A user with this e-mail address exists.', { code: 'email_taken' });
        }
        throw error;
      }
    });
  }

  listUsers(filter: { orgId?: string }): Promise<User[]> {
    return filter.orgId
      ? this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY created_at, id`, [
          filter.orgId,
        ])
      : this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, id`);
  }

  /**
   * Enables or disables a user. Disabling ends the user's web sessions at once (the session check
   * of every request also reads the status) and stops its API tokens at their next exchange.
   */
  async setUserStatus(
    by: Principal,
    userId: string,
    status: 'active' | 'disabled',
    now: Date,
  ): Promise<User> {
    if (status === 'disabled' && by.userId === userId) {
      throw new ApiError('illegal_state', 'You cannot disable your own account.', {
        code: 'cannot_disable_self',
      });
    }
    return this.dataSource.transaction(async (manager) => {
      const [rows]: [User[], number] = await manager.query(
        `UPDATE users SET status = $2, updated_at = $3 WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [userId, status, now],
      );
      if (rows.length === 0) throw notFound('user');
      if (status === 'disabled') await this.sessions.revokeAllOf(userId, now, manager);
      await recordAdminChange(
        manager,
        by.id,
        `user.${status === 'active' ? 'enabled' : 'disabled'}`,
        'user',
        userId,
        now,
      );
      return rows[0];
    });
  }

  // --- contracts -----------------------------------------------------------------------------------

  /** Creates a contract with a client organisation; its responsible person is assigned to it as such. */
  async createContract(
    by: Principal,
    input: { clientOrgId: string; title: string; responsibleUserId: string },
    now: Date,
  ): Promise<ContractDetail> {
    const contractId = uuidv7();
    await this.dataSource.transaction(async (manager) => {
      if ((await this.orgKindOf(manager, input.clientOrgId)) !== 'client') {
        throw invalid('clientOrgId', 'must be a client organisation');
      }
      await this.assertContractorUserWithRole(
        manager,
        input.responsibleUserId,
        'responsible',
        'responsibleUserId',
      );
      await manager.query(
        `INSERT INTO contracts (id, client_org_id, title, responsible_user_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
        [contractId, input.clientOrgId, input.title, input.responsibleUserId, now],
      );
      await manager.query(
        `INSERT INTO contract_assignments (contract_id, user_id, role) VALUES ($1, $2, 'responsible')`,
        [contractId, input.responsibleUserId],
      );
      await recordAdminChange(manager, by.id, 'contract.created', 'contract', contractId, now, {
        clientOrgId: input.clientOrgId,
        responsibleUserId: input.responsibleUserId,
      });
    });
    return this.getContract(contractId);
  }

  listContracts(filter: { clientOrgId?: string }): Promise<Contract[]> {
    return filter.clientOrgId
      ? this.dataSource.query(
          `SELECT ${CONTRACT_COLUMNS} FROM contracts WHERE client_org_id = $1 ORDER BY created_at, id`,
          [filter.clientOrgId],
        )
      : this.dataSource.query(`SELECT ${CONTRACT_COLUMNS} FROM contracts ORDER BY created_at, id`);
  }

  async getContract(contractId: string): Promise<ContractDetail> {
    const manager = this.dataSource.manager;
    const [contract]: Contract[] = await manager.query(
      `SELECT ${CONTRACT_COLUMNS} FROM contracts WHERE id = $1`,
      [contractId],
    );
    if (!contract) throw notFound('contract');
    const assignments: Assignment[] = await manager.query(
      `SELECT user_id AS "userId", role FROM contract_assignments WHERE contract_id = $1 ORDER BY role, user_id`,
      [contractId],
    );
    const contacts: Contact[] = await manager.query(
      `SELECT id, name, email, phone, language, priority FROM client_contacts WHERE contract_id = $1 ORDER BY priority`,
      [contractId],
    );
    return { ...contract, assignments, contacts };
  }

  /**
   * Assigns a contractor user to a contract as reporter, responder or responsible. The user must
   * hold that role. Assigning twice is harmless.
   */
  async assign(
    by: Principal,
    contractId: string,
    assignment: Assignment,
    now: Date,
  ): Promise<ContractDetail> {
    await this.dataSource.transaction(async (manager) => {
      await this.assertContractExists(manager, contractId);
      await this.assertContractorUserWithRole(manager, assignment.userId, assignment.role, 'userId');
      await manager.query(
        `INSERT INTO contract_assignments (contract_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [contractId, assignment.userId, assignment.role],
      );
      await recordAdminChange(manager, by.id, 'contract.assigned', 'contract', contractId, now, {
        ...assignment,
      });
    });
    return this.getContract(contractId);
  }

  /** Removes an assignment. The contract's responsible person stays assigned as responsible. */
  async unassign(by: Principal, contractId: string, assignment: Assignment, now: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [contract]: { responsible_user_id: string }[] = await manager.query(
        'SELECT responsible_user_id FROM contracts WHERE id = $1 FOR UPDATE',
        [contractId],
      );
      if (!contract) throw notFound('contract');
      if (assignment.role === 'responsible' && contract.responsible_user_id === assignment.userId) {
        throw new ApiError('illegal_state', 'The contract’s responsible person cannot be unassigned.', {
          code: 'responsible_required',
        });
      }
      const [, removed]: [unknown[], number] = await manager.query(
        'DELETE FROM contract_assignments WHERE contract_id = $1 AND user_id = $2 AND role = $3',
        [contractId, assignment.userId, assignment.role],
      );
      if (removed === 0) throw notFound('assignment');
      await recordAdminChange(manager, by.id, 'contract.unassigned', 'contract', contractId, now, {
        ...assignment,
      });
    });
  }

  /** Replaces the client's designated contacts of a contract (priority 1 is contacted first). */
  async setContacts(
    by: Principal,
    contractId: string,
    contacts: readonly NewContact[],
    now: Date,
  ): Promise<ContractDetail> {
    const priorities = contacts.map((contact) => contact.priority);
    if (new Set(priorities).size !== priorities.length) {
      throw invalid('contacts', 'priorities must be distinct');
    }
    await this.dataSource.transaction(async (manager) => {
      await this.assertContractExists(manager, contractId, true);
      await manager.query('DELETE FROM client_contacts WHERE contract_id = $1', [contractId]);
      for (const contact of contacts) {
        await manager.query(
          `INSERT INTO client_contacts (id, contract_id, name, email, phone, language, priority)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            uuidv7(),
            contractId,
            contact.name,
            normaliseEmail(contact.email),
            contact.phone ?? null,
            contact.language,
            contact.priority,
          ],
        );
      }
      await recordAdminChange(manager, by.id, 'contract.contacts_set', 'contract', contractId, now, {
        contacts: contacts.length,
      });
    });
    return this.getContract(contractId);
  }

  // --- helpers -------------------------------------------------------------------------------------

  private async orgKindOf(manager: EntityManager, orgId: string): Promise<OrgKind | undefined> {
    const [row]: { kind: OrgKind }[] = await manager.query('SELECT kind FROM organisations WHERE id = $1', [
      orgId,
    ]);
    return row?.kind;
  }

  private async assertContractExists(
    manager: EntityManager,
    contractId: string,
    lock = false,
  ): Promise<void> {
    const rows = await manager.query(`SELECT 1 FROM contracts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      contractId,
    ]);
    if (rows.length === 0) throw notFound('contract');
  }

  private async assertContractorUserWithRole(
    manager: EntityManager,
    userId: string,
    role: Role,
    field: string,
  ): Promise<void> {
    const [user]: { roles: Role[]; kind: OrgKind; status: string }[] = await manager.query(
      `SELECT u.roles, o.kind, u.status FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1`,
      [userId],
    );
    if (user?.kind !== 'contractor' || !user.roles.includes(role)) {
      throw invalid(field, `must be a contractor user holding the role ${role}`);
    }
  }
}
