import { describe, expect, it } from 'vitest';
import { ValidationError } from '#libs/event-store';
import { appiFinalDue, appiPreliminaryDue } from './appi.js';

/** Discovery at 10:00 JST on the given Tokyo date. */
const discoveredOn = (date: string) => new Date(`${date}T10:00:00+09:00`);
/** The end of a Tokyo day: 23:59:59.999 JST. */
const endOfJstDay = (date: string) => new Date(`${date}T23:59:59.999+09:00`);

describe('APPI final report (確報), 30 days', () => {
  it('counts the discovery day as day 1 and ends at the end of day 30 when that is a business day', () => {
    const due = appiFinalDue(discoveredOn('2026-11-02'), { improperPurpose: false });
    expect(due.firstDay).toBe('2026-11-02');
    expect(due.nominalLastDay).toBe('2026-12-01'); // a Tuesday
    expect(due.lastDay).toBe('2026-12-01');
    expect(due.skipped).toEqual([]);
    expect(due.dueAt).toEqual(endOfJstDay('2026-12-01'));
    expect(due.dueAt.toISOString()).toBe('2026-12-01T14:59:59.999Z');
  });

  it('whose 30th day falls on 2026-12-31 lands on 2027-01-04', () => {
    const due = appiFinalDue(discoveredOn('2026-12-02'), { improperPurpose: false });
    expect(due.nominalLastDay).toBe('2026-12-31');
    expect(due.lastDay).toBe('2027-01-04');
    expect(due.dueAt.toISOString()).toBe('2027-01-04T14:59:59.999Z');
    expect(due.skipped.map((day) => day.date)).toEqual([
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
    expect(due.basis).toContain('day 30 is 2026-12-31');
    expect(due.basis).toContain('2027-01-01 (New Year');
  });

  it('whose 30th day is a national holiday moves to the next business day', () => {
    // Day 30 from 2026-10-05 is Tuesday 2026-11-03, 文化の日 (Culture Day).
    const due = appiFinalDue(discoveredOn('2026-10-05'), { improperPurpose: false });
    expect(due.nominalLastDay).toBe('2026-11-03');
    expect(due.skipped).toEqual([
      {
        date: '2026-11-03',
        reasons: ['national_holiday'],
        holidayName: { ja: '文化の日', en: 'National Culture Day' },
      },
    ]);
    expect(due.dueAt).toEqual(endOfJstDay('2026-11-04'));
  });

  it('whose 30th day starts a run of holidays (2026 Silver Week) skips all of them', () => {
    // Day 30 from 2026-08-23 is Monday 2026-09-21 (敬老の日), then 国民の休日 and 秋分の日.
    const due = appiFinalDue(discoveredOn('2026-08-23'), { improperPurpose: false });
    expect(due.nominalLastDay).toBe('2026-09-21');
    expect(due.skipped.map((day) => day.holidayName?.ja)).toEqual(['敬老の日', '休日', '秋分の日']);
    expect(due.dueAt).toEqual(endOfJstDay('2026-09-24'));
  });

  it('whose 30th day falls in Golden Week moves past all of it', () => {
    // Day 30 from 2026-04-03 is Saturday 2026-05-02; 3-6 May are holidays (6th: 振替休日).
    const due = appiFinalDue(discoveredOn('2026-04-03'), { improperPurpose: false });
    expect(due.nominalLastDay).toBe('2026-05-02');
    expect(due.lastDay).toBe('2026-05-07');
  });

  it('whose 30th day is 12/29 waits until after New Year', () => {
    // Day 30 from 2026-11-30 is Tuesday 2026-12-29, the first day of the year-end break.
    const due = appiFinalDue(discoveredOn('2026-11-30'), { improperPurpose: false });
    expect(due.nominalLastDay).toBe('2026-12-29');
    expect(due.lastDay).toBe('2027-01-04');
    // And a year earlier, day 30 on 2025-12-31 runs to Monday 2026-01-05 (3-4 January are a weekend).
    expect(appiFinalDue(discoveredOn('2025-12-02'), { improperPurpose: false }).lastDay).toBe('2026-01-05');
  });

  it('counts days on the Tokyo calendar: a discovery at 2026-11-30T20:00Z is on 2026-12-01 (day 1)', () => {
    const due = appiFinalDue(new Date('2026-11-30T20:00:00Z'), { improperPurpose: false });
    expect(due.firstDay).toBe('2026-12-01');
    expect(due.nominalLastDay).toBe('2026-12-30');
    expect(due.lastDay).toBe('2027-01-04');
  });

  it('gives a different deadline for a late-night discovery than the UTC date would', () => {
    // 2026-10-04T20:00Z is 05:00 on 5 October in Tokyo: day 30 is 3 November (holiday) → 4 November.
    // Counting from the UTC date (4 October) would end on Monday 2 November instead.
    const due = appiFinalDue(new Date('2026-10-04T20:00:00Z'), { improperPurpose: false });
    expect(due.firstDay).toBe('2026-10-05');
    expect(due.dueAt.toISOString()).toBe('2026-11-04T14:59:59.999Z');
    // One minute before Tokyo midnight the same UTC day is still 4 October in Tokyo.
    expect(appiFinalDue(new Date('2026-10-04T14:59:00Z'), { improperPurpose: false }).lastDay).toBe(
      '2026-11-02',
    );
  });

  it('refuses an invalid discovery time', () => {
    expect(() => appiFinalDue(new Date(Number.NaN), { improperPurpose: false })).toThrow(ValidationError);
  });
});

describe('APPI final report (確報), 60 days when an improper purpose is suspected', () => {
  it('counts 60 days from the discovery day', () => {
    const discovery = discoveredOn('2026-11-02');
    const due = appiFinalDue(discovery, { improperPurpose: true });
    expect(due.days).toBe(60);
    // Day 60 from 2026-11-02 is 2026-12-31 (year-end break) → 2027-01-04; 30 days would end on 2026-12-01.
    expect(due.nominalLastDay).toBe('2026-12-31');
    expect(due.dueAt).toEqual(endOfJstDay('2027-01-04'));
    expect(due.basis).toContain('60 days (improper purpose suspected)');
    expect(appiFinalDue(discovery, { improperPurpose: false }).dueAt).toEqual(endOfJstDay('2026-12-01'));
  });

  it('ends on day 60 itself when that is a business day', () => {
    const due = appiFinalDue(discoveredOn('2026-10-05'), { improperPurpose: true });
    expect(due.nominalLastDay).toBe('2026-12-03'); // a Thursday
    expect(due.dueAt).toEqual(endOfJstDay('2026-12-03'));
  });
});

describe('APPI preliminary report (速報)', () => {
  const discovery = new Date('2026-12-28T13:45:00+09:00');

  it('is due 5 days after discovery with a warning at 3 days, by default', () => {
    const due = appiPreliminaryDue(discovery);
    expect(due.dueAt).toEqual(new Date('2027-01-02T13:45:00+09:00'));
    expect(due.warnAt).toEqual([new Date('2026-12-31T13:45:00+09:00')]);
    expect(due.basis).toContain('about 3-5 days');
  });

  it('is not moved past weekends or holidays (a "promptly" target)', () => {
    // 2027-01-02 is a Saturday inside the year-end break: the 速報 target stays there.
    expect(appiPreliminaryDue(discovery).dueAt.toISOString()).toBe('2027-01-02T04:45:00.000Z');
  });

  it('is configurable', () => {
    const due = appiPreliminaryDue(discovery, { days: 3, warnAtDays: 2 });
    expect(due.dueAt).toEqual(new Date('2026-12-31T13:45:00+09:00'));
    expect(due.warnAt).toEqual([new Date('2026-12-30T13:45:00+09:00')]);
  });

  it.each([[{ days: 0 }], [{ days: 4.5 }], [{ warnAtDays: 5 }], [{ days: 3, warnAtDays: 4 }]])(
    'refuses %j',
    (options) => {
      expect(() => appiPreliminaryDue(discovery, options)).toThrow(ValidationError);
    },
  );
});
