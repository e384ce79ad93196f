// Fiscal periods by label, as the archive names them: `FY2027` (a fiscal year, named by the
// calendar year it ends in) and `FY2027-Q3` (its third quarter). See fiscalQuarterOf in ../dates.
import { addDays, addMonths, fiscalQuarterOf, type IsoDate } from '../dates';
import type { FiscalPeriod } from './types';

export const FISCAL_PERIOD_PATTERN = /^FY(\d{4})(?:-Q([1-4]))?$/;

/** The fiscal year's first day: FY2027 starting in February is 2026-02-01 .. 2027-01-31. */
function fiscalYearStart(fiscalYear: number, fiscalYearStartMonth: number): IsoDate {
  const startYear = fiscalYearStartMonth === 1 ? fiscalYear : fiscalYear - 1;
  return `${startYear}-${String(fiscalYearStartMonth).padStart(2, '0')}-01`;
}

/** The period a label names; null when it is not `FYyyyy` or `FYyyyy-Qn`. */
export function fiscalPeriod(label: string, fiscalYearStartMonth: number): FiscalPeriod | null {
  const m = FISCAL_PERIOD_PATTERN.exec(label);
  if (!m) return null;
  const fiscalYear = Number(m[1]);
  const yearStart = fiscalYearStart(fiscalYear, fiscalYearStartMonth);
  if (m[2] === undefined)
    return { label, kind: 'year', fiscalYear, start: yearStart, end: addDays(addMonths(yearStart, 12), -1) };
  const start = addMonths(yearStart, (Number(m[2]) - 1) * 3);
  return { label, kind: 'quarter', fiscalYear, start, end: addDays(addMonths(start, 3), -1) };
}

/** The fiscal quarter and year that contain `date`. */
export function fiscalPeriodsOf(
  date: IsoDate,
  fiscalYearStartMonth: number,
): { quarter: FiscalPeriod; year: FiscalPeriod } {
  const q = fiscalQuarterOf(date, fiscalYearStartMonth);
  return {
    quarter: { label: q.label, kind: 'quarter', fiscalYear: q.fiscalYear, start: q.start, end: q.end },
    year: fiscalPeriod(`FY${q.fiscalYear}`, fiscalYearStartMonth)!,
  };
}
