import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { findAccountByEmail } from '../accounts/accounts.js';
import { verifyPassword } from '../credentials/passwords.js';
import { type NewSession, SessionStore } from '../sessions/session-store.js';
import { invalidCredentials, RefusedAttempt } from './errors.js';

export interface SignedIn extends NewSession {
  readonly userId: string;
}

/**
 * Password sign-in. A refusal is a `RefusedAttempt` naming the account when one exists (for the
 * access log only). Every attempt runs one argon2id verification (against a dummy hash when the
 * account does not exist), and every failure throws the same error, so neither the answer nor its
 * timing tells whether an e-mail address has an account.
 */
@Injectable()
export class LoginService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SessionStore) private readonly sessions: SessionStore,
  ) {}

  async login(email: string, password: string, now: Date): Promise<SignedIn> {
    const account = await findAccountByEmail(this.dataSource.manager, email);
    const passwordMatches = await verifyPassword(account?.passwordHash, password);
    if (!account || !passwordMatches || account.status !== 'active') {
      throw new RefusedAttempt(invalidCredentials(), account?.id);
    }
    const session = await this.sessions.create(account.id, now);
    return { ...session, userId: account.id };
  }
}
