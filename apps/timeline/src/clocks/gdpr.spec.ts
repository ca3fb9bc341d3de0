import { describe, expect, it } from 'vitest';
import { ValidationError } from '#libs/event-store';
import { HOUR_MS } from './durations.js';
import { gdprAuthorityDue, gdprProcessorToControllerDue } from './gdpr.js';

const berlinWallClock = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const inBerlin = (instant: Date) => berlinWallClock.format(instant);

describe('GDPR Art. 33(1): 72 hours to the supervisory authority', () => {
  it('is 72 real hours across the spring change to summer time in Europe/Berlin (2026-03-29)', () => {
    const awareAt = new Date('2026-03-27T10:00:00+01:00'); // Friday 10:00 CET
    const { dueAt } = gdprAuthorityDue(awareAt);
    expect(dueAt.getTime() - awareAt.getTime()).toBe(72 * 3600 * 1000);
    expect(dueAt.toISOString()).toBe('2026-03-30T09:00:00.000Z');
    // The Berlin wall clock lost an hour on the way: 10:00 → 11:00 three days later (73 h by the clock face).
    expect(inBerlin(awareAt)).toBe('2026-03-27 10:00');
    expect(inBerlin(dueAt)).toBe('2026-03-30 11:00');
  });

  it('is 72 real hours across the autumn change back to standard time (2026-10-25)', () => {
    const awareAt = new Date('2026-10-23T10:00:00+02:00'); // Friday 10:00 CEST
    const { dueAt } = gdprAuthorityDue(awareAt);
    expect(dueAt.getTime() - awareAt.getTime()).toBe(72 * 3600 * 1000);
    expect(dueAt.toISOString()).toBe('2026-10-26T08:00:00.000Z');
    // The wall clock gained an hour: 10:00 → 09:00 three days later (71 h by the clock face).
    expect(inBerlin(dueAt)).toBe('2026-10-26 09:00');
  });

  it('says where the rule comes from', () => {
    expect(gdprAuthorityDue(new Date('2026-06-01T00:00:00Z')).basis).toContain('Art. 33(1)');
  });

  it('refuses an invalid awareness time', () => {
    expect(() => gdprAuthorityDue(new Date('x'))).toThrow(ValidationError);
  });
});

describe('GDPR Art. 33(2): processor to controller "without undue delay"', () => {
  const awareAt = new Date('2026-06-01T08:00:00Z');

  it('has a 24-hour target by default, documented as a target, not a statute', () => {
    const due = gdprProcessorToControllerDue(awareAt);
    expect(due.dueAt.getTime() - awareAt.getTime()).toBe(24 * HOUR_MS);
    expect(due.basis).toContain('not a statutory deadline');
  });

  it('takes a configured target', () => {
    expect(gdprProcessorToControllerDue(awareAt, { withinMs: 6 * HOUR_MS }).dueAt).toEqual(
      new Date('2026-06-01T14:00:00Z'),
    );
    expect(() => gdprProcessorToControllerDue(awareAt, { withinMs: -1 })).toThrow(ValidationError);
  });
});
