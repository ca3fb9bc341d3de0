import { describe, expect, it } from 'vitest';
import { mapErrorToHttp } from '#libs/platform';
import {
  bodyHashOf,
  IdempotencyKeyReusedError,
  idempotencyKeyOf,
  optionalIfMatchVersion,
  requiredIfMatchVersion,
  StaleCaseVersionError,
} from './http-preconditions.js';

const statusOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return mapErrorToHttp(error).status;
  }
  return 'no error';
};

describe('If-Match', () => {
  it('reads the version of one strong ETag of ours', () => {
    expect(requiredIfMatchVersion('"3"')).toBe(3);
    expect(requiredIfMatchVersion(' "12" ')).toBe(12);
    expect(optionalIfMatchVersion(undefined)).toBeUndefined();
  });

  it('answers 400 if_match_required when it is missing, and 400 when it is malformed', () => {
    expect(mapErrorToHttp(catchError(() => requiredIfMatchVersion(undefined))).body.error.code).toBe(
      'if_match_required',
    );
    for (const malformed of ['3', 'W/"3"', '*', '"0"', '"3", "4"', '"-1"', '"99999999999999999"']) {
      expect(
        statusOf(() => optionalIfMatchVersion(malformed)),
        malformed,
      ).toBe(400);
    }
  });

  it('maps a stale version to 412 naming the current version', () => {
    const mapped = mapErrorToHttp(new StaleCaseVersionError(2, 5));
    expect(mapped.status).toBe(412);
    expect(JSON.stringify(mapped.body)).toContain('current version is 5');
  });
});

describe('Idempotency-Key', () => {
  it('accepts 1 to 200 visible ASCII characters and refuses anything else with 400', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('0194a3b2-retry-1')).toBe('0194a3b2-retry-1');
    for (const bad of ['', 'a b', 'ключ', 'x'.repeat(201)]) {
      expect(
        statusOf(() => idempotencyKeyOf(bad)),
        bad,
      ).toBe(400);
    }
  });

  it('hashes bodies by meaning, not key order', () => {
    expect(bodyHashOf({ a: 1, b: [1, 2] })).toBe(bodyHashOf({ b: [1, 2], a: 1 }));
    expect(bodyHashOf({ a: 1 })).not.toBe(bodyHashOf({ a: 2 }));
  });

  it('maps a reused key to 422 idempotency_key_reused', () => {
    const mapped = mapErrorToHttp(new IdempotencyKeyReusedError());
    expect(mapped).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
