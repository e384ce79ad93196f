// Number and date formatting for the weekly report, in the configured currency and locale. Pure
// (Intl only): the summary sentences use it here, the template helpers use it in the renderer, so
// the email's HTML, its plain text and its summary print every figure the same way.
import type { IsoDate } from '../dates';
import type { Cents } from '../money';

/** How a figure is printed. `money` is whole currency units; `moneyCompact` is `$1.24M`. */
export type ValueFormat = 'money' | 'moneyCompact' | 'percent' | 'count' | 'points';

export interface Formatter {
  readonly locale: string;
  readonly currency: string;
  /** Whole currency units from cents: `$12,345,679` (half-up at the output, as `pulse kpis` prints). */
  money(cents: Cents | null): string;
  /** Whole currency units with a sign: `+$132,635`, `-$7,632`, `$0`. */
  signedMoney(cents: Cents | null): string;
  /** Compact money with three significant digits: `$12.3M`, `$84.5K`. */
  moneyCompact(cents: Cents | null): string;
  /** A fraction as a percent with one decimal: `104.2%`. */
  percent(fraction: number | null, digits?: number): string;
  /** A fraction as a signed percent: `+0.71%`. */
  signedPercent(fraction: number | null, digits?: number): string;
  /** A whole number with grouping: `1,234`. */
  count(n: number | null): string;
  /** Points (NPS, CSAT) with at most one decimal: `42.5`. */
  points(n: number | null): string;
  /** Any of the above by name. */
  value(v: number | null, format: ValueFormat): string;
  /**
   * A change, always signed: money compact (`+$84.5K`), percent as percentage points (`+0.4 pts`),
   * counts (`+3`), points (`+2.5`). Zero prints without a sign.
   */
  delta(v: number | null, format: ValueFormat): string;
  /** A calendar date: `Nov 22, 2026`. */
  date(d: IsoDate | null): string;
  /** A short date without the year: `Nov 22`. */
  shortDate(d: IsoDate | null): string;
  /** A date range: `Nov 16 – 22, 2026`. */
  dateRange(from: IsoDate, to: IsoDate): string;
}

/** What prints for a missing figure. */
export const NOT_AVAILABLE = 'n/a';

/** An ISO date as a Date at UTC midnight (formatted in UTC, so the calendar day never shifts). */
function utcDate(d: IsoDate): Date {
  return new Date(`${d}T00:00:00Z`);
}

export function createFormatter(locale: string, currency: string): Formatter {
  const moneyFmt = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
    minimumFractionDigits: 0,
  });
  const moneySigned = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
    minimumFractionDigits: 0,
    signDisplay: 'exceptZero',
  });
  const compactFmt = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumSignificantDigits: 3,
  });
  const compactSigned = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumSignificantDigits: 3,
    signDisplay: 'exceptZero',
  });
  const countFmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const countSigned = new Intl.NumberFormat(locale, { maximumFractionDigits: 0, signDisplay: 'exceptZero' });
  const pointsFmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const pointsSigned = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  const ppSigned = new Intl.NumberFormat(locale, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  });
  const percentFmts = new Map<number, Intl.NumberFormat>();
  const percentFmt = (digits: number) => {
    let f = percentFmts.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(locale, {
        style: 'percent',
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      percentFmts.set(digits, f);
    }
    return f;
  };
  const dateFmt = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  const shortFmt = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  // -0 prints as "-0" in some locales; a rounded zero is no change.
  const noNegZero = (s: string) => s.replace(/^[-\u2212]0(?=\D|$)/, '0');

  const f: Formatter = {
    locale,
    currency,
    money: (c) => (c === null ? NOT_AVAILABLE : noNegZero(moneyFmt.format(Math.round(c) / 100))),
    signedMoney: (c) => (c === null ? NOT_AVAILABLE : noNegZero(moneySigned.format(Math.round(c) / 100))),
    moneyCompact: (c) => (c === null ? NOT_AVAILABLE : compactFmt.format(c / 100)),
    percent: (v, digits = 1) => (v === null ? NOT_AVAILABLE : percentFmt(digits).format(v)),
    signedPercent: (v, digits = 1) =>
      v === null
        ? NOT_AVAILABLE
        : new Intl.NumberFormat(locale, {
            style: 'percent',
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
            signDisplay: 'exceptZero',
          }).format(v),
    count: (n) => (n === null ? NOT_AVAILABLE : countFmt.format(n)),
    points: (n) => (n === null ? NOT_AVAILABLE : pointsFmt.format(n)),
    value(v, format) {
      switch (format) {
        case 'money':
          return f.money(v);
        case 'moneyCompact':
          return f.moneyCompact(v);
        case 'percent':
          return f.percent(v);
        case 'count':
          return f.count(v);
        case 'points':
          return f.points(v);
      }
    },
    delta(v, format) {
      if (v === null) return NOT_AVAILABLE;
      switch (format) {
        case 'money':
        case 'moneyCompact':
          return compactSigned.format(v / 100);
        case 'percent': {
          const s = ppSigned.format(Math.round(v * 1000) / 10);
          return `${s === '0.0' ? '0.0' : s} pts`;
        }
        case 'count':
          return countSigned.format(v);
        case 'points':
          return pointsSigned.format(Math.round(v * 10) / 10);
      }
    },
    date: (d) => (d === null ? NOT_AVAILABLE : dateFmt.format(utcDate(d))),
    shortDate: (d) => (d === null ? NOT_AVAILABLE : shortFmt.format(utcDate(d))),
    dateRange: (from, to) => dateFmt.formatRange(utcDate(from), utcDate(to)),
  };
  return f;
}
