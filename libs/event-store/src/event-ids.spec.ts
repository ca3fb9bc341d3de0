import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newEventId } from './event-ids.js';

describe('newEventId', () => {
  it('makes distinct, time-ordered UUID v7 ids across refills of the random pool', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2_000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    // The first 48 bits are the creation time in milliseconds.
    const millis = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(millis(ids[0])).toBeGreaterThanOrEqual(before);
    expect(millis(ids[ids.length - 1])).toBeLessThanOrEqual(Date.now());
    for (let i = 1; i < ids.length; i++) expect(millis(ids[i])).toBeGreaterThanOrEqual(millis(ids[i - 1]));
  });
});
