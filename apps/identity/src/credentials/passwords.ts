import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** Argon2id (RFC 9106) with the OWASP-recommended minimum: 19 MiB, 2 passes, 1 lane. */
const ARGON2ID = 2 as Algorithm;
const HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Passwords shorter than this are refused; long passphrases are encouraged. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longer inputs are refused before hashing, so nobody can make the server hash megabytes. */
export const MAX_PASSWORD_LENGTH = 256;

export class WeakPasswordError extends Error {
  readonly kind = 'validation';
  readonly code = 'weak_password';
  readonly details = [
    {
      field: 'password',
      problem: `must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`,
    },
  ];

  constructor() {
    super('The password does not meet the password policy.');
  }
}

export function assertAcceptablePassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) throw new WeakPasswordError();
}

/** An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a password that passed the policy. */
export async function hashPassword(password: string): Promise<string> {
  assertAcceptablePassword(password);
  return hash(password, HASH_OPTIONS);
}

/**
 * Checks a password against a stored hash. When the account does not exist (or has no password),
 * call it with `undefined`: it then verifies against a dummy hash of the same cost, so a failed
 * login takes the same time whether the account exists or not.
 */
export async function verifyPassword(
  storedHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  const candidate = password.length > MAX_PASSWORD_LENGTH ? password.slice(0, MAX_PASSWORD_LENGTH) : password;
  if (!storedHash) {
    await verify(await dummyHash(), candidate);
    return false;
  }
  try {
    return await verify(storedHash, candidate);
  } catch {
    // a malformed stored hash is a failed login, never a 500 that tells the account exists
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** A hash of a random string with the real parameters, made once per process. */
function dummyHash(): Promise<string> {
  dummy ??= hash(crypto.randomUUID(), HASH_OPTIONS);
  return dummy;
}
