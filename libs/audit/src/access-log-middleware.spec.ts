import { describe, expect, it } from 'vitest';
import { withoutControlCharacters } from './access-log-middleware.js';

describe('withoutControlCharacters', () => {
  it('returns clean text unchanged', () => {
    const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0';
    expect(withoutControlCharacters(userAgent)).toBe(userAgent);
    expect(withoutControlCharacters('')).toBe('');
  });

  it('removes C0 control characters and DEL, NUL included', () => {
    expect(withoutControlCharacters('a\u0000b\tc\nd\re\u001bf\u007fg')).toBe('abcdefg');
    expect(withoutControlCharacters('\u0000\u0001\u001f')).toBe('');
  });

  it('keeps everything else: non-ASCII letters, C1 range, astral characters', () => {
    expect(withoutControlCharacters('漏えい\u0080é😀 ~')).toBe('漏えい\u0080é😀 ~');
  });

  it('gives the same answer on repeated calls (the pattern is global and stateful)', () => {
    for (let i = 0; i < 3; i++) expect(withoutControlCharacters('x\u0000y')).toBe('xy');
    for (let i = 0; i < 3; i++) expect(withoutControlCharacters('clean')).toBe('clean');
  });
});
