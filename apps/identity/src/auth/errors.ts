import { ApiError } from '#libs/platform';

/**
 * The one answer to a failed sign-in, whatever failed (unknown e-mail, wrong password, disabled
 * account): a caller cannot learn whether an account exists.
 */
export const invalidCredentials = () =>
  new ApiError('unauthenticated', 'The e-mail address or password is not correct.', {
    code: 'invalid_credentials',
  });

/**
 * A refused sign-in or token exchange, with the existing account it named (user id or API token
 * id) for the access log's `claimed_account`. Answered exactly like `cause`: the id never reaches
 * the client.
 */
export class RefusedAttempt extends Error {
  override readonly name = 'RefusedAttempt';
  constructor(
    readonly answer: ApiError,
    readonly accountId: string | undefined,
  ) {
    super(answer.message);
  }
}

/** The one answer to a refused token exchange (unknown, revoked, expired token, disabled owner). */
export const invalidApiToken = () =>
  new ApiError('unauthenticated', 'The API token is not valid.', { code: 'invalid_token' });

/** A session cookie that is missing, expired or revoked. */
export const invalidSession = () =>
  new ApiError('unauthenticated', 'Your session has ended; sign in again.', { code: 'session_expired' });
