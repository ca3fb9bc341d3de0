import { describe, expect, it } from 'vitest';
import { isSensitiveKey, maskEmails, REDACTED, redact, serializeError } from './redaction.js';

describe('redaction', () => {
  it.each([
    'email',
    'reporterEmail',
    'e_mail_address',
    'name',
    'firstName',
    'last_name',
    'address',
    'ipAddress',
    'phone',
    'phoneNumber',
    'dateOfBirth',
    'password',
    'newPassword',
    'token',
    'accessToken',
    'apiKey',
    'x-api-key',
    'authorization',
    'cookie',
    'set-cookie',
    'sessionId',
    'clientSecret',
    'recipients',
    'ip',
    'userAgent',
  ])('%s is sensitive', (key) => expect(isSensitiveKey(key)).toBe(true));

  it.each([
    'caseId',
    'eventType',
    'count',
    'requestId',
    'correlationId',
    'status',
    'route',
    'topic',
    'hostname',
  ])('%s is not', (key) => expect(isSensitiveKey(key)).toBe(false));

  it('replaces sensitive fields at any depth and inside arrays', () => {
    const input = {
      caseId: 'c-1',
      subject: { name: 'Taro', contact: { email: 'taro@example.com', phone: '03-1234' } },
      persons: [{ fullName: 'A', count: 2 }],
    };
    expect(redact(input)).toEqual({
      caseId: 'c-1',
      subject: { name: REDACTED, contact: { email: REDACTED, phone: REDACTED } },
      persons: [{ fullName: REDACTED, count: 2 }],
    });
    expect(input.subject.name).toBe('Taro');
  });

  it('masks e-mail addresses in free text', () => {
    expect(maskEmails('sent to taro.yamada+x@mail.example.co.jp and hanako@example.com')).toBe(
      'sent to [email] and [email]',
    );
    expect(redact({ note: 'from taro@example.com' })).toEqual({ note: 'from [email]' });
  });

  it('reduces errors to safe fields: no query parameters, no row details', () => {
    const error = Object.assign(new Error('duplicate key for taro@example.com'), {
      code: '23505',
      parameters: ['taro@example.com'],
      detail: 'Key (email)=(taro@example.com) already exists.',
    });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({ type: 'Error', code: '23505', message: 'duplicate key for [email]' });
    expect(JSON.stringify(serialized)).not.toContain('taro@');
    expect(serialized).not.toHaveProperty('parameters');
    expect(serialized).not.toHaveProperty('detail');
    expect(redact({ err: error })).toEqual({ err: serialized });
  });

  it('keeps the kind of domain errors and follows causes', () => {
    const cause = new Error('inner');
    const error = Object.assign(new Error('outer', { cause }), { kind: 'conflict' });
    expect(serializeError(error)).toMatchObject({ kind: 'conflict', cause: { message: 'inner' } });
  });

  it('logs class instances by name instead of walking their fields', () => {
    class Person {
      secretThing = 'x';
    }
    expect(redact({ who: new Person() })).toEqual({ who: '[Person]' });
  });

  it('survives cycles and deep nesting', () => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ id: 1, self: '[circular]' });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i += 1) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('[too deep]');
  });

  it('keeps shared (non-cyclic) references', () => {
    const shared = { count: 1 };
    expect(redact({ a: shared, b: shared })).toEqual({ a: { count: 1 }, b: { count: 1 } });
  });
});
