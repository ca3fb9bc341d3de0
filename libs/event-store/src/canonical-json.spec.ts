import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: { p: true, q: 'q' } })).toBe(
      canonicalJson({ y: { q: 'q', p: true }, x: 1 }),
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785), not by code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF as UTF-16 code units.
    expect(canonicalJson({ '\uffff': 1, '\u{1f600}': 2, é: 3, e: 4, '': 5 })).toBe(
      '{"":5,"e":4,"é":3,"😀":2,"\uffff":1}',
    );
  });

  it("writes numbers in JavaScript's shortest round-trip form", () => {
    expect(canonicalJson([0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 2 ** 53, 5e-324, 123.456e5])).toBe(
      '[0,0,1,-1.5,0.1,1e+21,1e-7,9007199254740992,5e-324,12345600]',
    );
  });

  it('escapes strings exactly as JSON.stringify does and keeps non-ASCII characters as they are', () => {
    const text = 'quote " backslash \\ newline \n control \u0001 Renée 山田 🔐';
    expect(canonicalJson(text)).toBe(JSON.stringify(text));
    expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
  });

  it('applies the conversions JSON.stringify applies', () => {
    const value = {
      when: new Date('2026-01-15T09:30:00Z'),
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Symbol('s')],
      boxed: [Object(1), Object('s'), Object(false)],
      custom: { toJSON: () => ({ replaced: true }) },
    };
    expect(canonicalJson(value)).toBe(
      '{"boxed":[1,"s",false],"custom":{"replaced":true},"list":[null,null,null],"when":"2026-01-15T09:30:00.000Z"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('gives the same text for a value and its JSON round trip (what jsonb gives back)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const value = randomJsonValue(seed);
      expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('rejects what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/\$\[0\]: Infinity/);
    expect(() => canonicalJson({ big: 1n })).toThrow(/\$\.big: bigint/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
  });

  it('accepts a value shared by two members (not a cycle)', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });
});

/** A deterministic pseudo-random JSON-ish value (with undefined members and dates, as domain data has). */
function randomJsonValue(seed: number): unknown {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const strings = ['', 'a', 'Zürich', '東京', '🔐', 'line\nbreak', 'q"uote', 'b\\s'];
  const build = (depth: number): unknown => {
    const pick = Math.floor(next() * (depth > 3 ? 5 : 8));
    switch (pick) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
        return (next() - 0.5) * 10 ** Math.floor(next() * 30 - 10);
      case 3:
        return Math.floor((next() - 0.5) * 2 ** 40);
      case 4:
        return strings[Math.floor(next() * strings.length)];
      case 5:
        return Array.from({ length: Math.floor(next() * 4) }, () => build(depth + 1));
      case 6:
        return new Date(Math.floor(next() * 2 ** 41));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = Math.floor(next() * 5); i > 0; i--) {
          object[strings[Math.floor(next() * strings.length)] + i] =
            next() < 0.1 ? undefined : build(depth + 1);
        }
        return object;
      }
    }
  };
  return build(0);
}
