import { describe, expect, it } from 'vitest';
import {
  businessDayRollForward,
  describeNonBusinessDay,
  HOLIDAY_CALENDAR_COVERAGE,
  HolidayCalendarOutOfRangeError,
  isJapaneseBusinessDay,
  nonBusinessDay,
  rollForwardToBusinessDay,
} from './japan-business-days.js';

describe('Japanese non-business days', () => {
  it('are weekends', () => {
    expect(nonBusinessDay('2026-05-02')?.reasons).toEqual(['saturday']);
    expect(nonBusinessDay('2026-11-29')?.reasons).toEqual(['sunday']);
    expect(isJapaneseBusinessDay('2026-11-27')).toBe(true); // a Friday
  });

  it('are national holidays, with their names from the package', () => {
    expect(nonBusinessDay('2026-11-03')).toEqual({
      date: '2026-11-03',
      reasons: ['national_holiday'],
      holidayName: { ja: '文化の日', en: 'National Culture Day' },
    });
  });

  it('include substitute holidays (振替休日) and citizens’ holidays (国民の休日)', () => {
    // 2026-05-03 (憲法記念日) is a Sunday, so Wednesday 2026-05-06 is a substitute holiday.
    expect(nonBusinessDay('2026-05-06')?.holidayName).toEqual({
      ja: 'こどもの日 振替休日',
      en: 'Holiday in lieu',
    });
    // Tuesday 2026-09-22 lies between 敬老の日 (21st) and 秋分の日 (23rd): a citizens' holiday.
    expect(nonBusinessDay('2026-09-22')?.holidayName).toEqual({ ja: '休日', en: "Citizen's Holiday" });
  });

  it('are the year-end break 12/29 to 1/3, even on weekdays', () => {
    for (const date of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-02', '2027-01-03']) {
      expect(nonBusinessDay(date)?.reasons, date).toContain('year_end_break');
    }
    expect(nonBusinessDay('2027-01-01')?.reasons).toEqual(['national_holiday', 'year_end_break']);
    expect(isJapaneseBusinessDay('2026-12-28')).toBe(true); // Monday before the break
    expect(isJapaneseBusinessDay('2027-01-04')).toBe(true); // Monday after it
  });

  it('are explained in words', () => {
    expect(describeNonBusinessDay(nonBusinessDay('2027-01-02') ?? fail())).toBe(
      '2027-01-02 (Saturday, year-end break)',
    );
    expect(describeNonBusinessDay(nonBusinessDay('2027-01-01') ?? fail())).toBe(
      "2027-01-01 (New Year's Day, year-end break)",
    );
  });

  it('cannot be classified outside the years the holiday table covers', () => {
    const after = `${HOLIDAY_CALENDAR_COVERAGE.lastYear + 1}-06-01`;
    expect(() => nonBusinessDay(after)).toThrow(HolidayCalendarOutOfRangeError);
    expect(HOLIDAY_CALENDAR_COVERAGE.lastYear).toBeGreaterThanOrEqual(2040);
  });
});

describe('businessDayRollForward', () => {
  it('keeps a business day', () => {
    expect(businessDayRollForward('2026-12-01')).toBe('2026-12-01');
  });

  it('moves a weekend day to Monday', () => {
    expect(businessDayRollForward('2026-11-28')).toBe('2026-11-30');
  });

  it('moves a national holiday to the next business day', () => {
    expect(businessDayRollForward('2026-11-03')).toBe('2026-11-04');
    expect(businessDayRollForward('2026-11-23')).toBe('2026-11-24'); // 勤労感謝の日, a Monday
  });

  it('crosses the whole New Year break', () => {
    expect(businessDayRollForward('2026-12-29')).toBe('2027-01-04');
    expect(businessDayRollForward('2026-12-31')).toBe('2027-01-04');
    expect(businessDayRollForward('2025-12-31')).toBe('2026-01-05');
  });

  it('crosses Golden Week', () => {
    // Sat 2 May 2026, then 3 (Sun, 憲法記念日), 4 (みどりの日), 5 (こどもの日), 6 (振替休日).
    const roll = rollForwardToBusinessDay('2026-05-02');
    expect(roll.date).toBe('2026-05-07');
    expect(roll.skipped.map((day) => day.date)).toEqual([
      '2026-05-02',
      '2026-05-03',
      '2026-05-04',
      '2026-05-05',
      '2026-05-06',
    ]);
  });

  it('crosses the 2026 Silver Week (敬老の日, 国民の休日, 秋分の日)', () => {
    expect(businessDayRollForward('2026-09-19')).toBe('2026-09-24');
  });
});

function fail(): never {
  throw new Error('expected a non-business day');
}
