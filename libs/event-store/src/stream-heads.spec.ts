import { describe, expect, it } from 'vitest';
import { StreamHeadCache } from './stream-heads.js';

const head = (version: number) => ({ version, lastHash: Buffer.alloc(32, version) });

describe('StreamHeadCache', () => {
  it('keeps the most recently used heads up to its capacity', () => {
    const cache = new StreamHeadCache(2);
    cache.set('a', head(1));
    cache.set('b', head(2));
    expect(cache.get('a')).toEqual(head(1)); // a is now more recent than b
    cache.set('c', head(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(head(1));
    expect(cache.get('c')).toEqual(head(3));
  });

  it('replaces and forgets heads', () => {
    const cache = new StreamHeadCache(2);
    cache.set('a', head(1));
    cache.set('a', head(2));
    expect(cache.get('a')).toEqual(head(2));
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
