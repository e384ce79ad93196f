import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  fiscalQuarterOf,
  fromEpochDay,
  isIsoDate,
  isoWeekLabel,
  lastCompleteWeekEnd,
  minus12Months,
  reportWeek,
  startOfWeek,
  toEpochDay,
  todayIn,
  weekFromLabel,
} from '../../functions/domain/dates';

describe('calendar dates', () => {
  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    // Century rule: 1900 and 2100 are not leap years, 2000 is.
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2026-04-31')).toBe(false);
    expect(isIsoDate('2026-12-31')).toBe(true);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
    expect(isIsoDate('0026-11-22')).toBe(false);
  });

  it('round-trips epoch days', () => {
    fc.assert(fc.property(fc.integer({ min: -50_000, max: 100_000 }), (n) => toEpochDay(fromEpochDay(n)) === n));
  });

  it('selects the last complete week (Monday 2026-11-23 and Sunday 2026-11-22 both select 16..22 November)', () => {
    expect(reportWeek('2026-11-23', 1)).toEqual({ weekStart: '2026-11-16', asOf: '2026-11-22', label: '2026-W47' });
    expect(reportWeek('2026-11-22', 1)).toEqual({ weekStart: '2026-11-16', asOf: '2026-11-22', label: '2026-W47' });
    expect(lastCompleteWeekEnd('2026-11-21', 1)).toBe('2026-11-15');
    // Weeks starting on Sunday end on Saturday.
    expect(lastCompleteWeekEnd('2026-11-23', 7)).toBe('2026-11-21');
  });

  it('starts weeks on the configured day', () => {
    expect(startOfWeek('2026-11-22', 1)).toBe('2026-11-16');
    expect(startOfWeek('2026-11-22', 7)).toBe('2026-11-22');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 1, max: 7 }), (n, ws) => {
        const d = fromEpochDay(n);
        const s = startOfWeek(d, ws as 1);
        return toEpochDay(d) - toEpochDay(s) >= 0 && toEpochDay(d) - toEpochDay(s) < 7;
      }),
    );
  });

  it('handles ISO week edges across years', () => {
    expect(isoWeekLabel('2026-12-31')).toBe('2026-W53');
    expect(isoWeekLabel('2027-01-03')).toBe('2026-W53');
    expect(isoWeekLabel('2027-01-04')).toBe('2027-W01');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
    expect(weekFromLabel('2026-W53', 1)).toEqual({ weekStart: '2026-12-28', asOf: '2027-01-03', label: '2026-W53' });
    expect(weekFromLabel('2025-W01', 1).weekStart).toBe('2024-12-30');
    expect(() => weekFromLabel('2025-W53', 1)).toThrow(/has no week 53/);
    expect(() => weekFromLabel('2025-46', 1)).toThrow(/not an ISO week/);
  });

  it('round-trips week labels for every week', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000 }), (n) => {
        const week = reportWeek(fromEpochDay(n), 1);
        expect(weekFromLabel(week.label, 1)).toEqual(week);
      }),
    );
  });

  it('clamps twelve months back to the end of the month', () => {
    expect(minus12Months('2028-02-29')).toBe('2027-02-28');
    expect(minus12Months('2026-02-28')).toBe('2025-02-28');
    expect(minus12Months('2026-11-22')).toBe('2025-11-22');
  });

  it('places dates in fiscal quarters named by the year they end in', () => {
    expect(fiscalQuarterOf('2026-11-22', 1)).toMatchObject({
      label: 'FY2026-Q4',
      start: '2026-10-01',
      end: '2026-12-31',
    });
    expect(fiscalQuarterOf('2026-11-22', 2)).toMatchObject({
      label: 'FY2027-Q4',
      start: '2026-11-01',
      end: '2027-01-31',
    });
    expect(fiscalQuarterOf('2026-01-15', 2)).toMatchObject({
      label: 'FY2026-Q4',
      start: '2025-11-01',
      end: '2026-01-31',
    });
    expect(fiscalQuarterOf('2026-04-01', 4)).toMatchObject({
      label: 'FY2027-Q1',
      start: '2026-04-01',
      end: '2026-06-30',
    });
  });

  it("takes today's date in the company time zone, across DST changes", () => {
    // 2026-11-01 06:30 UTC is still 31 October in Los Angeles (PDT ends that morning) and 1 November in Berlin.
    const instant = new Date('2026-11-01T06:30:00Z');
    expect(todayIn('America/Los_Angeles', instant)).toBe('2026-10-31');
    expect(todayIn('Europe/Berlin', instant)).toBe('2026-11-01');
    // The week containing the US DST change still has seven calendar days.
    const w = reportWeek('2026-11-09', 1);
    expect(addDays(w.weekStart, 6)).toBe(w.asOf);
    expect(w).toEqual({ weekStart: '2026-11-02', asOf: '2026-11-08', label: '2026-W45' });
  });
});
