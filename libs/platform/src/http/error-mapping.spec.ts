import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import {
  ERROR_KINDS,
  type ErrorKind,
  INTERNAL_ERROR_MESSAGE,
  isKindedError,
  mapErrorToHttp,
} from './error-mapping.js';

/** A domain error as the event store defines it: its own class, matched only by shape. */
class DomainError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    Object.assign(this, extra);
  }
}

/** What Express's body parser throws: an http-errors object with a `type`. */
function bodyParserError(type: string, status: number, message: string) {
  return Object.assign(new SyntaxError(message), { type, status, statusCode: status, expose: true });
}

describe('mapErrorToHttp', () => {
  describe('domain errors, by kind', () => {
    const table: Array<[kind: string, status: number, code: string]> = [
      ['validation', 400, 'validation_failed'],
      ['malformed_json', 400, 'malformed_json'],
      ['unauthenticated', 401, 'unauthenticated'],
      ['forbidden', 403, 'forbidden'],
      ['not_found', 404, 'not_found'],
      ['conflict', 409, 'conflict'],
      ['illegal_state', 409, 'illegal_state'],
      ['gone', 410, 'gone'],
      ['precondition_failed', 412, 'precondition_failed'],
      ['payload_too_large', 413, 'payload_too_large'],
      ['unsupported_media_type', 415, 'unsupported_media_type'],
      ['unprocessable', 422, 'unprocessable'],
      ['rate_limited', 429, 'rate_limited'],
    ];

    it('covers every kind of the table', () => {
      expect(table.map(([kind]) => kind).sort()).toEqual(Object.keys(ERROR_KINDS).sort());
    });

    it.each(table)('%s → %i %s, with the message and the request id', (kind, status, code) => {
      const mapped = mapErrorToHttp(new DomainError(kind, `something about ${kind}`), 'req-1');
      expect(mapped).toEqual({
        status,
        body: { error: { status, code, message: `something about ${kind}`, requestId: 'req-1' } },
        headers: {},
        unexpected: false,
      });
    });

    it('uses the kind default message when the error has none', () => {
      const mapped = mapErrorToHttp(new DomainError('forbidden', ''));
      expect(mapped.body.error.message).toBe(ERROR_KINDS.forbidden.message);
      expect(mapped.body.error).not.toHaveProperty('requestId');
    });

    it('maps a concurrency conflict on a conditional request (precondition: true) to 412', () => {
      const mapped = mapErrorToHttp(
        new DomainError('conflict', 'stream is at version 5', { precondition: true }),
      );
      expect(mapped.status).toBe(412);
      expect(mapped.body.error.code).toBe('precondition_failed');
      expect(mapErrorToHttp(new DomainError('conflict', 'x', { precondition: false })).status).toBe(409);
    });

    it('passes field details through, dropping malformed entries', () => {
      const mapped = mapErrorToHttp(
        new DomainError('validation', 'bad', {
          details: [{ field: 'quantity.persons', problem: 'must not be negative' }, { field: 3 }, 'x', null],
        }),
      );
      expect(mapped.body.error.details).toEqual([
        { field: 'quantity.persons', problem: 'must not be negative' },
      ]);
    });

    it('leaves details out when there are none usable', () => {
      expect(
        mapErrorToHttp(new DomainError('validation', 'bad', { details: [] })).body.error,
      ).not.toHaveProperty('details');
    });

    it('uses a snake_case code of the error instead of the kind code, and ignores other codes', () => {
      expect(
        mapErrorToHttp(new DomainError('illegal_state', 'closed', { code: 'case_closed' })).body.error.code,
      ).toBe('case_closed');
      // namespaced domain codes pass too
      expect(
        mapErrorToHttp(new DomainError('illegal_state', 'open', { code: 'case.open_instructions' })).body
          .error.code,
      ).toBe('case.open_instructions');
      expect(mapErrorToHttp(new DomainError('conflict', 'x', { code: 'case..twice' })).body.error.code).toBe(
        'conflict',
      );
      // a driver error code (PostgreSQL's 23505) or a contract error code is not a client-facing code
      expect(mapErrorToHttp(new DomainError('conflict', 'dup', { code: '23505' })).body.error.code).toBe(
        'conflict',
      );
      expect(
        mapErrorToHttp(new DomainError('conflict', 'dup', { code: 'UNKNOWN_EVENT_TYPE' })).body.error.code,
      ).toBe('conflict');
    });

    it('sends Retry-After for rate_limited', () => {
      const mapped = mapErrorToHttp(new ApiError('rate_limited', undefined, { retryAfterSeconds: 12.2 }));
      expect(mapped.status).toBe(429);
      expect(mapped.headers).toEqual({ 'retry-after': '13' });
    });

    it('treats an error with a kind outside the table as unexpected', () => {
      const mapped = mapErrorToHttp(new DomainError('weird', 'SELECT * FROM secrets'));
      expect(mapped.status).toBe(500);
      expect(mapped.unexpected).toBe(true);
      expect(JSON.stringify(mapped.body)).not.toContain('SELECT');
    });

    it('recognises kinded errors structurally, whatever their class', () => {
      expect(isKindedError({ kind: 'not_found' })).toBe(true);
      expect(isKindedError(new DomainError('not_found', 'x'))).toBe(true);
      expect(isKindedError({ kind: 'toString' })).toBe(false);
      expect(isKindedError({ kind: 404 })).toBe(false);
      expect(isKindedError(null)).toBe(false);
    });
  });

  describe('ApiError', () => {
    it.each(Object.keys(ERROR_KINDS) as ErrorKind[])('%s maps to its table entry', (kind) => {
      const mapped = mapErrorToHttp(new ApiError(kind));
      expect(mapped.status).toBe(ERROR_KINDS[kind].status);
      expect(mapped.body.error).toEqual({
        status: ERROR_KINDS[kind].status,
        code: ERROR_KINDS[kind].code,
        message: ERROR_KINDS[kind].message,
      });
    });
  });

  describe('body parser errors', () => {
    it.each([
      ['entity.parse.failed', 400, 'malformed_json'],
      ['entity.too.large', 413, 'payload_too_large'],
      ['charset.unsupported', 415, 'unsupported_media_type'],
      ['encoding.unsupported', 415, 'unsupported_media_type'],
    ])('%s → %i %s, raw or wrapped by Nest, never quoting the body', (type, status, code) => {
      const raw = bodyParserError(
        type,
        status,
        'Unexpected token \'t\', "taro@example.com" is not valid JSON',
      );
      const wrapped = new HttpException('Unexpected token…taro@example.com', status, { cause: raw });
      for (const error of [raw, wrapped]) {
        const mapped = mapErrorToHttp(error, 'req-2');
        expect(mapped.status).toBe(status);
        expect(mapped.body.error.code).toBe(code);
        expect(JSON.stringify(mapped.body)).not.toContain('taro');
      }
    });
  });

  describe("Nest's HttpExceptions", () => {
    it.each([
      [new BadRequestException('bad input'), 400, 'bad_request', 'bad input'],
      [new UnauthorizedException(), 401, 'unauthenticated', 'Unauthorized'],
      [new NotFoundException('Cannot GET /nope'), 404, 'not_found', 'Cannot GET /nope'],
      [new ConflictException('taken'), 409, 'conflict', 'taken'],
      [new PayloadTooLargeException(), 413, 'payload_too_large', 'Payload Too Large'],
      [new ServiceUnavailableException('maintenance'), 503, 'service_unavailable', 'maintenance'],
      [new HttpException('I am a teapot', 418), 418, 'client_error', 'I am a teapot'],
    ])('%s → %i %s', (exception, status, code, message) => {
      expect(mapErrorToHttp(exception, 'r').body).toEqual({
        error: { status, code, message, requestId: 'r' },
      });
    });

    it("joins the message list of Nest's default validation response", () => {
      const mapped = mapErrorToHttp(new BadRequestException(['a must be a string', 'b must be an integer']));
      expect(mapped.body.error.message).toBe('a must be a string; b must be an integer');
    });

    it('hides the message of a 500 HttpException', () => {
      const mapped = mapErrorToHttp(new InternalServerErrorException('pool exhausted at db.internal'));
      expect(mapped).toMatchObject({ status: 500, unexpected: true });
      expect(mapped.body.error.message).toBe(INTERNAL_ERROR_MESSAGE);
    });
  });

  describe('unexpected errors', () => {
    const sqlError = Object.assign(
      new Error('duplicate key value violates unique constraint "persons_email_key"'),
      {
        query: 'INSERT INTO intake.persons (email) VALUES ($1)',
        parameters: ['taro@example.com'],
        detail: 'Key (email)=(taro@example.com) already exists.',
      },
    );

    it.each([
      ['an Error with SQL', sqlError],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['a thrown string', 'boom'],
      ['undefined', undefined],
    ])('%s → 500 with a generic message and the request id only', (_label, error) => {
      const mapped = mapErrorToHttp(error, 'req-500');
      expect(mapped).toEqual({
        status: 500,
        body: {
          error: {
            status: 500,
            code: 'internal_error',
            message: INTERNAL_ERROR_MESSAGE,
            requestId: 'req-500',
          },
        },
        headers: {},
        unexpected: true,
      });
      const text = JSON.stringify(mapped.body);
      for (const leak of ['INSERT', 'taro', 'persons', 'stack', '    at ']) expect(text).not.toContain(leak);
    });
  });
});
