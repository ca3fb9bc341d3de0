import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuthConfig } from '#libs/auth';
import { quoteIdentifier } from '#libs/event-store';
import type { ClientKind } from './domain/assessment-rules.js';

/**
 * Whether a contract's client is a public body (the APPI public-sector variant: 100 persons instead of
 * 1,000), read from identity's `contracts` and `organisations` — the same deliberate read of identity's
 * tables as the session check and the form's contract titles (SELECT only; see docs/intake.md). A contract
 * identity does not know yet, or an installation without identity's tables, answers `unknown`: the
 * assessment then evaluates the public-body thresholds as "possibly" rather than guessing.
 */
@Injectable()
export class ContractClientKinds {
  readonly #logger = new Logger('ContractClientKinds');
  /** whether identity's tables exist here: looked up once (a missing table would abort the transaction) */
  #readable: Promise<boolean> | undefined;

  constructor(@Inject(AuthConfig) private readonly auth: AuthConfig) {}

  async of(contractId: string, manager: EntityManager): Promise<ClientKind> {
    const schema = quoteIdentifier(this.auth.identitySchema);
    this.#readable ??= this.#tablesExist(manager, schema);
    if (!(await this.#readable)) return 'unknown';
    const rows: Array<{ is_public_body: boolean }> = await manager.query(
      `SELECT o.is_public_body FROM ${schema}.contracts c JOIN ${schema}.organisations o ON o.id = c.client_org_id
        WHERE c.id = $1`,
      [contractId],
    );
    if (rows.length === 0) return 'unknown';
    return rows[0].is_public_body ? 'public_body' : 'private_sector';
  }

  async #tablesExist(manager: EntityManager, schema: string): Promise<boolean> {
    const [{ readable }] = await manager.query(
      `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS readable`,
      [`${schema}.contracts`, `${schema}.organisations`],
    );
    if (!readable)
      this.#logger.warn(`identity's contracts are not readable in ${schema}: client kinds are unknown`);
    return Boolean(readable);
  }
}
