import type { DataSource, EntityManager } from 'typeorm';
import type { MailLanguage } from '#libs/mail';

/** A designated contact of the client on a contract (identity's `client_contacts`). */
export interface ClientContact {
  readonly id: string;
  readonly contractId: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly language: MailLanguage;
  /** 1 is contacted first */
  readonly priority: number;
}

/** A user of the contractor (identity's `users`), e.g. a contract's responsible person. */
export interface DirectoryUser {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly active: boolean;
}

/** A contract as far as the correspondence needs it. */
export interface ContractInfo {
  readonly id: string;
  readonly title: string;
  readonly clientOrgId: string;
  readonly responsibleUserId: string;
}

interface ContactRow {
  id: string;
  contract_id: string;
  name: string;
  email: string;
  phone: string | null;
  language: MailLanguage;
  priority: number;
}

const toContact = (row: ContactRow): ClientContact => ({
  id: row.id,
  contractId: row.contract_id,
  name: row.name,
  email: row.email,
  phone: row.phone,
  language: row.language,
  priority: row.priority,
});

/**
 * The deliberate, read-only look into identity's tables (docs/client-notifier.md, "Reads outside the
 * service's schema"): contracts, their client contacts and users. Only SELECTs, by primary key or by
 * contract id; the rows are used to address and write a message and are never stored here.
 */
export class IdentityDirectory {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    identitySchema: string,
  ) {
    this.s = `"${identitySchema}"`;
  }

  async contract(contractId: string, manager?: EntityManager): Promise<ContractInfo | undefined> {
    const rows: Array<{ id: string; title: string; client_org_id: string; responsible_user_id: string }> =
      await this.run(manager).query(
        `SELECT id, title, client_org_id, responsible_user_id FROM ${this.s}.contracts WHERE id = $1`,
        [contractId],
      );
    const row = rows[0];
    return (
      row && {
        id: row.id,
        title: row.title,
        clientOrgId: row.client_org_id,
        responsibleUserId: row.responsible_user_id,
      }
    );
  }

  /** The contract's contacts, by priority (1 first). */
  async contacts(contractId: string, manager?: EntityManager): Promise<ClientContact[]> {
    const rows: ContactRow[] = await this.run(manager).query(
      `SELECT id, contract_id, name, email, phone, language, priority FROM ${this.s}.client_contacts
        WHERE contract_id = $1 ORDER BY priority`,
      [contractId],
    );
    return rows.map(toContact);
  }

  async contact(contactId: string, manager?: EntityManager): Promise<ClientContact | undefined> {
    const rows: ContactRow[] = await this.run(manager).query(
      `SELECT id, contract_id, name, email, phone, language, priority FROM ${this.s}.client_contacts WHERE id = $1`,
      [contactId],
    );
    return rows[0] && toContact(rows[0]);
  }

  async user(userId: string, manager?: EntityManager): Promise<DirectoryUser | undefined> {
    const rows: Array<{ id: string; email: string; display_name: string; status: string }> = await this.run(
      manager,
    ).query(`SELECT id, email, display_name, status FROM ${this.s}.users WHERE id = $1`, [userId]);
    const row = rows[0];
    return (
      row && { id: row.id, email: row.email, displayName: row.display_name, active: row.status === 'active' }
    );
  }

  /** The contract and its contacts by priority, in one statement; undefined for an unknown contract. */
  async contractWithContacts(
    contractId: string,
    manager?: EntityManager,
  ): Promise<{ contract: ContractInfo; contacts: ClientContact[] } | undefined> {
    const rows: Array<{
      id: string;
      title: string;
      client_org_id: string;
      responsible_user_id: string;
      contacts: ContactRow[] | null;
    }> = await this.run(manager).query(
      `SELECT k.id, k.title, k.client_org_id, k.responsible_user_id,
              (SELECT json_agg(json_build_object('id', c.id, 'contract_id', c.contract_id, 'name', c.name,
                        'email', c.email, 'phone', c.phone, 'language', c.language, 'priority', c.priority)
                        ORDER BY c.priority)
                 FROM ${this.s}.client_contacts c WHERE c.contract_id = k.id) AS contacts
         FROM ${this.s}.contracts k WHERE k.id = $1`,
      [contractId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      contract: {
        id: row.id,
        title: row.title,
        clientOrgId: row.client_org_id,
        responsibleUserId: row.responsible_user_id,
      },
      contacts: (row.contacts ?? []).map(toContact),
    };
  }

  /**
   * What one message needs from identity, in one statement: the contract, its responsible person, and the
   * recipient (a contact of the contract, or a user).
   */
  async messageContext(
    contractId: string,
    recipient: { kind: 'client_contact' | 'contractor_user'; id: string },
  ): Promise<{
    contract?: ContractInfo;
    responsible?: DirectoryUser;
    contact?: ClientContact;
    user?: DirectoryUser;
  }> {
    const rows: Array<{
      contract: { id: string; title: string; client_org_id: string; responsible_user_id: string } | null;
      responsible: { id: string; email: string; display_name: string; status: string } | null;
      contact: ContactRow | null;
      recipient_user: { id: string; email: string; display_name: string; status: string } | null;
    }> = await this.dataSource.query(
      `SELECT (SELECT row_to_json(k) FROM (SELECT id, title, client_org_id, responsible_user_id
                                             FROM ${this.s}.contracts WHERE id = $1) k) AS contract,
              (SELECT row_to_json(u) FROM (SELECT u.id, u.email, u.display_name, u.status
                                             FROM ${this.s}.contracts k JOIN ${this.s}.users u ON u.id = k.responsible_user_id
                                            WHERE k.id = $1) u) AS responsible,
              (SELECT row_to_json(c) FROM (SELECT id, contract_id, name, email, phone, language, priority
                                             FROM ${this.s}.client_contacts WHERE id = $2 AND $3 = 'client_contact') c) AS contact,
              (SELECT row_to_json(u) FROM (SELECT id, email, display_name, status
                                             FROM ${this.s}.users WHERE id = $2 AND $3 = 'contractor_user') u) AS recipient_user`,
      [contractId, recipient.id, recipient.kind],
    );
    const row = rows[0];
    const user = (u: { id: string; email: string; display_name: string; status: string } | null) =>
      u
        ? { id: u.id, email: u.email, displayName: u.display_name, active: u.status === 'active' }
        : undefined;
    return {
      contract: row?.contract
        ? {
            id: row.contract.id,
            title: row.contract.title,
            clientOrgId: row.contract.client_org_id,
            responsibleUserId: row.contract.responsible_user_id,
          }
        : undefined,
      responsible: user(row?.responsible ?? null),
      contact: row?.contact ? toContact(row.contact) : undefined,
      user: user(row?.recipient_user ?? null),
    };
  }

  private run(manager: EntityManager | undefined): Pick<EntityManager, 'query'> {
    return manager ?? this.dataSource;
  }
}
