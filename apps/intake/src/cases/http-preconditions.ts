import { createHash } from 'node:crypto';
import { canonicalJson } from '#libs/event-store';
import { ApiError } from '#libs/platform';

/** A strong ETag of a case: its stream version in quotes, e.g. `"3"`. */
export const etagOf = (version: number): string => `"${version}"`;

const STRONG_VERSION_ETAG = /^"([1-9][0-9]{0,15})"$/;

/**
 * The case version a command is based on, read from `If-Match`. A command that changes the report or
 * closes the case must name the version its author saw: a missing header is refused (428 is not one of
 * the platform's kinds, so it is a 400 `if_match_required`), and so is anything but one strong ETag of
 * ours (`*`, weak or several ETags would not say which version was seen).
 */
export function requiredIfMatchVersion(ifMatch: string | undefined): number {
  const version = optionalIfMatchVersion(ifMatch);
  if (version === undefined) {
    throw new ApiError('validation', 'If-Match is required: send the ETag of the case you are changing.', {
      code: 'if_match_required',
      details: [{ field: 'If-Match', problem: 'required' }],
    });
  }
  return version;
}

/**
 * The case version named in `If-Match`, or undefined when the header is absent (a step such as an
 * acknowledgement may be sent without one). A header that is present must be one strong ETag of ours.
 */
export function optionalIfMatchVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') return undefined;
  const match = STRONG_VERSION_ETAG.exec(ifMatch.trim());
  const version = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(version)) {
    throw new ApiError('validation', 'If-Match must be one ETag of the case, such as "3".', {
      details: [{ field: 'If-Match', problem: 'must be a single strong ETag such as "3"' }],
    });
  }
  return version;
}

/** The case changed since the version named in If-Match: 412, carrying the version the case is at now. */
export class StaleCaseVersionError extends ApiError {
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super('conflict', `The case has changed: it is at version ${currentVersion}, not ${expectedVersion}.`, {
      precondition: true,
      details: [{ field: 'If-Match', problem: `stale: the current version is ${currentVersion}` }],
    });
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Checks an `Idempotency-Key` header: absent, or 1 to 200 visible ASCII characters. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError('validation', 'Idempotency-Key must be 1 to 200 visible ASCII characters.', {
      details: [{ field: 'Idempotency-Key', problem: 'must be 1 to 200 visible ASCII characters' }],
    });
  }
  return header;
}

/** The SHA-256 of a request body's canonical JSON: the same body in any key order hashes the same. */
export const bodyHashOf = (body: unknown): string =>
  createHash('sha256').update(canonicalJson(body)).digest('hex');

/** The key was first used with another body: refusing it keeps a retry from silently meaning something else. */
export class IdempotencyKeyReusedError extends ApiError {
  constructor() {
    super('unprocessable', 'This Idempotency-Key was already used with a different request body.', {
      code: 'idempotency_key_reused',
      details: [{ field: 'Idempotency-Key', problem: 'already used with a different body' }],
    });
  }
}
