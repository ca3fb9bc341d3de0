import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/index.js';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelay', () => {
  it('grows by the factor from the initial delay', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([200, 400, 800, 1600]);
  });

  it('never exceeds the ceiling', () => {
    expect(backoffDelay(30, noJitter)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(30, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it('spreads by ±jitter around the exponential delay', () => {
    const options = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.25 };
    expect(backoffDelay(1, options, () => 0)).toBe(750);
    expect(backoffDelay(1, options, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, options, () => 1)).toBe(1250);
  });
});
