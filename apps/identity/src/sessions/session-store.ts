import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { sessionIdHashOf } from '#libs/auth';
import { randomSecret } from '../credentials/secrets.js';

/** A session ends after 30 minutes without use… */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** …and 12 hours after sign-in whatever happens. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

export interface NewSession {
  /** the cookie value: 32 random bytes, base64url; only its SHA-256 is stored */
  readonly cookieValue: string;
  /** the public handle of the session: hex SHA-256 of the cookie value (`sid` in access tokens) */
  readonly sessionId: string;
  readonly absoluteExpiresAt: Date;
}

/**
 * Web sessions in `identity.sessions`. The cookie value is a bearer secret and never stored: the
 * row is keyed by its SHA-256, so a copy of the table cannot be replayed as cookies. Every service
 * verifies sessions with libs/auth's `SessionVerifier` (which also slides the idle expiry).
 */
@Injectable()
export class SessionStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async create(
    userId: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<NewSession> {
    const cookieValue = randomSecret(32);
    const idHash = sessionIdHashOf(cookieValue);
    const absoluteExpiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
    await manager.query(
      `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
       VALUES ($1, $2, $3, $3, $4, $5)`,
      [idHash, userId, now, new Date(now.getTime() + SESSION_IDLE_MS), absoluteExpiresAt],
    );
    return { cookieValue, sessionId: idHash.toString('hex'), absoluteExpiresAt };
  }

  /** Ends one session (sign-out), by its public handle. Idempotent. */
  async revoke(sessionId: string, now: Date): Promise<void> {
    await this.dataSource.query(
      'UPDATE sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL',
      [Buffer.from(sessionId, 'hex'), now],
    );
  }

  /** Ends every session of a user (disabled account). */
  async revokeAllOf(
    userId: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query('UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
      userId,
      now,
    ]);
  }
}
