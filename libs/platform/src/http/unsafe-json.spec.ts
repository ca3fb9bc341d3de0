import { describe, expect, it } from 'vitest';
import { unsafeJson } from './unsafe-json.js';

describe('unsafeJson', () => {
  const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

  it('counts arrays and objects as levels and scalars as none', () => {
    expect(unsafeJson('text', 0)).toBeUndefined();
    expect(unsafeJson({}, 0)).toEqual({ problem: 'too_deep' });
    expect(unsafeJson({ a: { b: [1] } }, 3)).toBeUndefined();
    expect(unsafeJson({ a: { b: [1] } }, 2)).toEqual({ problem: 'too_deep' });
  });

  it('answers for a value nested 100,000 deep without overflowing the stack', () => {
    expect(unsafeJson(nested(100_000), 32)).toEqual({ problem: 'too_deep' });
    expect(unsafeJson(nested(32), 32)).toBeUndefined();
  });

  it('finds a __proto__ or constructor key kept as an own property, at any level', () => {
    expect(unsafeJson(JSON.parse('{"a":[{"__proto__":{"x":1}}]}'), 32)).toEqual({
      problem: 'prototype_key',
      key: '__proto__',
    });
    expect(unsafeJson({ constructor: 2 }, 32)).toEqual({ problem: 'prototype_key', key: 'constructor' });
    expect(unsafeJson({ proto: 1, constructors: [] }, 32)).toBeUndefined();
  });
});
