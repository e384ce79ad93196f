// Calendar dates in the company's time zone. A date is an ISO string `YYYY-MM-DD` with no time
// zone; hot loops use epoch days (integers) instead. Temporal does the calendar arithmetic that is
// easy to get wrong (month clamping, ISO weeks, time-zone "today").
import { Temporal } from 'temporal-polyfill';

export type IsoDate = string;

/** ISO day of week: 1 = Monday ... 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];

export function weekdayNumber(name: WeekdayName): IsoWeekday {
  return (WEEKDAYS.indexOf(name) + 1) as IsoWeekday;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2026-02-30). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Years before 1000 are typos (0026 for 2026), and JavaScript dates read 00xx as 19xx.
  if (y < 1000 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days since 1970-01-01 for a valid ISO date. */
export function toEpochDay(date: IsoDate): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

export function fromEpochDay(day: number): IsoDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toEpochDay(b) - toEpochDay(a);
}

export function isoWeekday(date: IsoDate): IsoWeekday {
  // 1970-01-01 was a Thursday (ISO 4).
  const dow = (((toEpochDay(date) + 3) % 7) + 7) % 7; // 0 = Monday
  return (dow + 1) as IsoWeekday;
}

/** The same day-of-month `months` earlier/later, clamped to the month's last day. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  return Temporal.PlainDate.from(date).add({ months }, { overflow: 'constrain' }).toString();
}

/** `minus12m(d)` of the metric definitions: 2028-02-29 -> 2027-02-28. */
export function minus12Months(date: IsoDate): IsoDate {
  return addMonths(date, -12);
}

/** First day of the week that contains `date`. */
export function startOfWeek(date: IsoDate, weekStartsOn: IsoWeekday): IsoDate {
  const back = (isoWeekday(date) - weekStartsOn + 7) % 7;
  return addDays(date, -back);
}

/** The last day of the last complete week ending on or before `date` (the report's `asOf`). */
export function lastCompleteWeekEnd(date: IsoDate, weekStartsOn: IsoWeekday): IsoDate {
  const weekEndDay = ((weekStartsOn + 5) % 7) + 1; // the day before the week start
  const back = (isoWeekday(date) - weekEndDay + 7) % 7;
  return addDays(date, -back);
}

export interface Week {
  weekStart: IsoDate;
  asOf: IsoDate;
  /** ISO 8601 week label of `asOf`, e.g. `2026-W47`. */
  label: string;
}

export function weekEndingOn(asOf: IsoDate): Week {
  return { weekStart: addDays(asOf, -6), asOf, label: isoWeekLabel(asOf) };
}

/** The reported week for a run date: the last complete week ending on or before it. */
export function reportWeek(date: IsoDate, weekStartsOn: IsoWeekday): Week {
  return weekEndingOn(lastCompleteWeekEnd(date, weekStartsOn));
}

export function isoWeekLabel(date: IsoDate): string {
  const d = Temporal.PlainDate.from(date);
  return `${d.yearOfWeek}-W${String(d.weekOfYear).padStart(2, '0')}`;
}

const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;

/** The week whose `asOf` falls in ISO week `label` (`2026-W46`). Throws on a malformed label. */
export function weekFromLabel(label: string, weekStartsOn: IsoWeekday): Week {
  const m = WEEK_LABEL.exec(label);
  if (!m) throw new RangeError(`"${label}" is not an ISO week (expected YYYY-Www, e.g. 2026-W46)`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  // ISO week 1 is the week with January 4th in it.
  const jan4 = `${year}-01-04`;
  const mondayW1 = addDays(jan4, -(isoWeekday(jan4) - 1));
  const monday = addDays(mondayW1, (week - 1) * 7);
  if (week < 1 || isoWeekLabel(monday) !== label)
    throw new RangeError(`"${label}" does not exist: ${year} has no week ${week}`);
  const weekEndDay = ((weekStartsOn + 5) % 7) + 1;
  return weekEndingOn(addDays(monday, (weekEndDay - 1 + 7) % 7));
}

/** `YYYY-MM` of a date. */
export function monthOf(date: IsoDate): string {
  return date.slice(0, 7);
}

export interface FiscalQuarter {
  /** Fiscal year, named by the calendar year in which it ends (FY2027 = Feb 2026..Jan 2027 when it starts in February). */
  fiscalYear: number;
  quarter: 1 | 2 | 3 | 4;
  start: IsoDate;
  end: IsoDate;
  label: string;
}

export function fiscalQuarterOf(date: IsoDate, fiscalYearStartMonth: number): FiscalQuarter {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const monthsIntoYear = (month - fiscalYearStartMonth + 12) % 12;
  const quarter = (Math.floor(monthsIntoYear / 3) + 1) as 1 | 2 | 3 | 4;
  const fyStartYear = month >= fiscalYearStartMonth ? year : year - 1;
  const fyStart = `${fyStartYear}-${String(fiscalYearStartMonth).padStart(2, '0')}-01`;
  const start = addMonths(fyStart, (quarter - 1) * 3);
  const end = addDays(addMonths(start, 3), -1);
  const fiscalYear = fiscalYearStartMonth === 1 ? fyStartYear : fyStartYear + 1;
  return { fiscalYear, quarter, start, end, label: `FY${fiscalYear}-Q${quarter}` };
}

/** Today's calendar date in an IANA time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): IsoDate {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone.includes('/') || timeZone === 'UTC';
  } catch {
    return false;
  }
}

/**
 * The company-local calendar date of Unix instants (seconds), for sources that send timestamps
 * (billing periods, creation times). Offsets are cached per 15-minute slot: every time-zone
 * transition in the tz database falls on a quarter hour, and billing timestamps cluster, so a
 * million conversions cost a few thousand Temporal look-ups.
 */
export class LocalDateOfInstant {
  private readonly offsets = new Map<number, number>();
  constructor(readonly timeZone: string) {}

  /** Epoch day (days since 1970-01-01) of the local date of `epochSeconds`. */
  epochDay(epochSeconds: number): number {
    const slot = Math.floor(epochSeconds / 900);
    let offset = this.offsets.get(slot);
    if (offset === undefined) {
      offset =
        Temporal.Instant.fromEpochMilliseconds(slot * 900_000).toZonedDateTimeISO(this.timeZone).offsetNanoseconds /
        1e9;
      this.offsets.set(slot, offset);
    }
    return Math.floor((epochSeconds + offset) / 86_400);
  }

  date(epochSeconds: number): IsoDate {
    return fromEpochDay(this.epochDay(epochSeconds));
  }
}
