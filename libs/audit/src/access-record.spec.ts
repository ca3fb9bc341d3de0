import { describe, expect, it } from 'vitest';
import { defaultKindOf, mustBeDurable, outcomeOf } from './access-record.js';

describe('access record classification', () => {
  it.each([
    [200, 'allowed'],
    [201, 'allowed'],
    [304, 'allowed'],
    [400, 'allowed'],
    [413, 'allowed'],
    [401, 'denied'],
    [403, 'denied'],
    [404, 'denied'],
    [429, 'denied'],
    [500, 'error'],
    [503, 'error'],
  ] as const)('status %i is %s', (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome);
  });

  it('derives the kind from the route template and method', () => {
    const caseId = '0190a5b2-0000-7000-8000-000000000001';
    expect(defaultKindOf('GET', '/cases/:caseId', caseId)).toBe('case_read');
    expect(defaultKindOf('HEAD', '/cases/:caseId/events', caseId)).toBe('case_read');
    expect(defaultKindOf('GET', '/cases', null)).toBe('case_read');
    expect(defaultKindOf('POST', '/cases', null)).toBe('case_write');
    expect(defaultKindOf('PATCH', '/cases/:caseId', caseId)).toBe('case_write');
    expect(defaultKindOf('POST', '/auth/login', null)).toBe('auth');
    expect(defaultKindOf('GET', '/health/live', null)).toBe('other');
    expect(defaultKindOf('GET', '/casesandmore', null)).toBe('other');
    expect(defaultKindOf('GET', 'unmatched', null)).toBe('other');
  });

  it('makes denials and case data durable, and nothing else', () => {
    expect(mustBeDurable({ outcome: 'denied', kind: 'other' })).toBe(true);
    expect(mustBeDurable({ outcome: 'allowed', kind: 'case_read' })).toBe(true);
    expect(mustBeDurable({ outcome: 'allowed', kind: 'case_write' })).toBe(true);
    expect(mustBeDurable({ outcome: 'error', kind: 'export' })).toBe(true);
    expect(mustBeDurable({ outcome: 'allowed', kind: 'other' })).toBe(false);
    expect(mustBeDurable({ outcome: 'allowed', kind: 'auth' })).toBe(false);
    expect(mustBeDurable({ outcome: 'error', kind: 'other' })).toBe(false);
  });
});
