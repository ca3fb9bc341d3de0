import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiError } from '#libs/platform';
import { findAccountById, subjectOf } from '../accounts/accounts.js';
import { type Principal, type Role, tokenPrincipal } from '../accounts/principal.js';
import { recordAdminChange } from '../admin/admin-changes.js';
import { invalidApiToken, RefusedAttempt } from '../auth/errors.js';
import { formatApiToken, newApiTokenParts, parseApiToken } from '../credentials/api-token-format.js';
import { digestsEqual, sha256 } from '../credentials/secrets.js';

/** An API token may live at most one year. */
export const MAX_API_TOKEN_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;

export interface ApiTokenSummary {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly roles: Role[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface CreatedApiToken extends ApiTokenSummary {
  /** the token itself (`lrt_…`): returned once, never stored, never shown again */
  readonly token: string;
}

export interface NewApiToken {
  readonly name: string;
  readonly expiresAt: Date;
  /** a subset of the owner's roles; the owner's roles when absent */
  readonly roles?: readonly Role[];
}

const SUMMARY_COLUMNS = `id, user_id AS "userId", name, roles, created_at AS "createdAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

/**
 * API tokens for integrations: random, shown once, stored as the SHA-256 of the secret, with an
 * expiry of at most a year. They are checked when exchanged for an access token (`POST
 * /auth/token`), so revoking a token or disabling its owner stops it at the next exchange and its
 * access tokens die within their TTL.
 */
@Injectable()
export class ApiTokenService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async create(owner: Principal, input: NewApiToken, now: Date): Promise<CreatedApiToken> {
    if (owner.type !== 'user') {
      throw new ApiError('forbidden', 'An API token cannot create API tokens.', {
        code: 'token_cannot_create_tokens',
      });
    }
    const lifetime = input.expiresAt.getTime() - now.getTime();
    if (lifetime <= 0 || lifetime > MAX_API_TOKEN_LIFETIME_MS) {
      throw new ApiError('validation', 'The token must expire in the future and within one year.', {
        details: [{ field: 'expiresAt', problem: 'must be in the future and at most one year ahead' }],
      });
    }
    const roles = input.roles ?? owner.roles;
    const notHeld = roles.filter((role) => !owner.roles.includes(role));
    if (roles.length === 0 || notHeld.length > 0) {
      throw new ApiError('validation', 'A token can only carry roles its owner holds.', {
        details: [{ field: 'roles', problem: `must be a non-empty subset of ${owner.roles.join(', ')}` }],
      });
    }
    const parts = newApiTokenParts();
    return this.dataSource.transaction(async (manager) => {
      const [row]: ApiTokenSummary[] = await manager.query(
        `INSERT INTO api_tokens (id, user_id, name, secret_hash, roles, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SUMMARY_COLUMNS}`,
        [parts.id, owner.userId, input.name, sha256(parts.secret), roles, now, input.expiresAt],
      );
      await recordAdminChange(manager, owner.id, 'api_token.created', 'api_token', parts.id, now);
      return { ...row, token: formatApiToken(parts) };
    });
  }

  async list(filter: { userId?: string }): Promise<ApiTokenSummary[]> {
    return filter.userId
      ? this.dataSource.query(
          `SELECT ${SUMMARY_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at`,
          [filter.userId],
        )
      : this.dataSource.query(`SELECT ${SUMMARY_COLUMNS} FROM api_tokens ORDER BY created_at`);
  }

  /**
   * Revokes a token. With `ownerId`, only that user's token (a user revoking its own): any other
   * token answers 404 like a missing one. Revoking twice is harmless.
   */
  async revoke(tokenId: string, by: Principal, now: Date, ownerId?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [rows]: [{ id: string }[], number] = await manager.query(
        `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2)
          WHERE id = $1 AND ($3::uuid IS NULL OR user_id = $3) RETURNING id`,
        [tokenId, now, ownerId ?? null],
      );
      if (rows.length === 0) throw new ApiError('not_found', 'No such API token.');
      await recordAdminChange(manager, by.id, 'api_token.revoked', 'api_token', tokenId, now);
    });
  }

  /**
   * The principal of a presented token, when the token exists, its secret matches (constant-time
   * comparison of SHA-256 digests), it is neither revoked nor expired, and its owner is active.
   * Its roles are those of the token that the owner still holds. Records the use. A refusal is a
   * `RefusedAttempt` that names the token id when a token with that id exists (for the access log:
   * repeated failures against one token are found).
   */
  async authenticate(presented: string, now: Date): Promise<Principal> {
    const parts = parseApiToken(presented);
    if (!parts) throw new RefusedAttempt(invalidApiToken(), undefined);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.findToken(manager, parts.id);
      const refused = () => new RefusedAttempt(invalidApiToken(), row?.id);
      if (!row || !digestsEqual(row.secretHash, sha256(parts.secret))) throw refused();
      if (row.revokedAt !== null || row.expiresAt.getTime() <= now.getTime()) throw refused();
      const owner = await findAccountById(manager, row.userId);
      if (owner?.status !== 'active') throw refused();
      const roles = row.roles.filter((role) => owner.roles.includes(role));
      if (roles.length === 0) throw refused();
      await manager.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [row.id, now]);
      return tokenPrincipal(manager, row.id, subjectOf(owner, roles));
    });
  }

  private async findToken(manager: EntityManager, tokenId: string) {
    const rows: {
      id: string;
      userId: string;
      secretHash: Buffer;
      roles: Role[];
      revokedAt: Date | null;
      expiresAt: Date;
    }[] = await manager.query(
      `SELECT id, user_id AS "userId", secret_hash AS "secretHash", roles, revoked_at AS "revokedAt",
              expires_at AS "expiresAt"
         FROM api_tokens WHERE id = $1`,
      [tokenId],
    );
    return rows[0];
  }
}
