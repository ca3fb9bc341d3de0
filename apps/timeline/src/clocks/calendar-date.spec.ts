import { describe, expect, it } from 'vitest';
import { ValidationError } from '#libs/event-store';
import {
  addDays,
  endOfTokyoDay,
  parseCalendarDate,
  startOfTokyoDay,
  tokyoDateOf,
  weekdayOf,
} from './calendar-date.js';

describe('the Tokyo calendar date of an instant', () => {
  it('is the next UTC day from 15:00Z on: 2026-11-30T20:00Z is 2026-12-01 in Tokyo', () => {
    expect(tokyoDateOf(new Date('2026-11-30T20:00:00Z'))).toBe('2026-12-01');
    expect(tokyoDateOf(new Date('2026-11-30T14:59:59.999Z'))).toBe('2026-11-30');
    expect(tokyoDateOf(new Date('2026-11-30T15:00:00.000Z'))).toBe('2026-12-01');
  });

  it('does not depend on the offset the instant was written with', () => {
    expect(tokyoDateOf(new Date('2026-12-31T23:30:00-05:00'))).toBe('2027-01-01');
    expect(tokyoDateOf(new Date('2027-01-01T00:00:00+09:00'))).toBe('2027-01-01');
  });

  it('refuses an invalid Date', () => {
    expect(() => tokyoDateOf(new Date('not a date'))).toThrow(ValidationError);
  });
});

describe('the start and end of a Tokyo day', () => {
  it('are 00:00:00.000 and 23:59:59.999 JST', () => {
    expect(startOfTokyoDay('2027-01-04').toISOString()).toBe('2027-01-03T15:00:00.000Z');
    expect(endOfTokyoDay('2027-01-04').toISOString()).toBe('2027-01-04T14:59:59.999Z');
    expect(tokyoDateOf(endOfTokyoDay('2027-01-04'))).toBe('2027-01-04');
    expect(tokyoDateOf(new Date(endOfTokyoDay('2027-01-04').getTime() + 1))).toBe('2027-01-05');
  });
});

describe('calendar date arithmetic', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays('2026-12-02', 29)).toBe('2026-12-31');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2027-01-04', -4)).toBe('2026-12-31');
  });

  it('knows the weekday of a date', () => {
    expect(weekdayOf('2026-12-31')).toBe(4); // Thursday
    expect(weekdayOf('2027-01-04')).toBe(1); // Monday
    expect(weekdayOf('2026-05-02')).toBe(6); // Saturday
  });

  it.each(['2026-02-30', '2026-1-05', '2026-13-01', '20261201', ''])('refuses %j', (value) => {
    expect(() => parseCalendarDate(value)).toThrow(ValidationError);
  });
});
