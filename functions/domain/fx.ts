// Currency conversion (docs/metrics.md, "Multi-currency"). A row in another currency than the
// reporting one is converted once, at the rate of its own date (a subscription line at its
// start_date, a renewal at its due_date, an expansion at its created_date, else close_date):
// rate(k, d) = the fx_rates row for k with the latest date <= d, and
// converted = round half-up(amount x rate, 2 decimals). Amounts are integer minor units and rates
// exact decimals, so the product is exact (BigInt) before its one rounding. A row with no rate on
// or before its date is never converted at 1: it is left out and listed as unconverted.
import type { Expansion, FxRate, Renewal, Subscription } from './contract/entities';
import type { Dataset } from './contract/validate';
import type { IsoDate } from './dates';
import { currencyDecimals, minorToDecimal, type Cents } from './money';

export type ConvertedEntity = 'subscriptions' | 'renewals' | 'expansions';

/** A row left out of every figure because it could not be converted. */
export interface UnconvertedRow {
  entity: ConvertedEntity;
  /** line_id, renewal_id or opportunity_id. */
  id: string;
  accountId: string;
  currency: string;
  /** The row's date for the rate (absent when an expansion has neither created_date nor close_date). */
  date?: IsoDate;
  /** The row's main amount as written, in its currency (`arr`, or `arr_up` for a renewal). */
  amount: string;
  reason: string;
}

/** A rate as an exact decimal: value = num / 10^scale. */
interface ExactRate {
  num: bigint;
  scale: number;
}

const parsedRates = new Map<string, ExactRate>();

function exactRate(rate: string): ExactRate {
  let r = parsedRates.get(rate);
  if (r === undefined) {
    const [whole, frac = ''] = rate.trim().split('.');
    r = { num: BigInt(`${whole}${frac}`), scale: frac.length };
    if (parsedRates.size < 100_000) parsedRates.set(rate, r);
  }
  return r;
}

/**
 * `minor` units of `currency` in reporting cents at `rate`, rounded half-up to the cent:
 * cents = minor x rate x 100 / 10^decimals. Null when the result is not a safe integer.
 */
export function convertMinorUnits(minor: number, currency: string, rate: string): Cents | null {
  const { num, scale } = exactRate(rate);
  const decimals = currencyDecimals(currency);
  const numerator = BigInt(minor) * num * 100n;
  const den = 10n ** BigInt(decimals + scale);
  let q = numerator / den;
  if (2n * (numerator % den) >= den) q += 1n;
  const cents = Number(q);
  return Number.isSafeInteger(cents) ? cents : null;
}

/** The fx_rates of one dataset, by currency and date: rate(k, d) = the row with the latest date <= d. */
export class FxRateTable {
  private readonly byCurrency = new Map<string, { dates: IsoDate[]; rates: string[] }>();

  constructor(rows: readonly FxRate[]) {
    // A later row for the same (date, currency) replaces the earlier one.
    const latest = new Map<string, Map<IsoDate, string>>();
    for (const r of rows) {
      const code = r.currency.toUpperCase();
      let m = latest.get(code);
      if (!m) latest.set(code, (m = new Map()));
      m.set(r.date, r.rate);
    }
    for (const [code, m] of latest) {
      const dates = [...m.keys()].sort();
      this.byCurrency.set(code, { dates, rates: dates.map((d) => m.get(d) as string) });
    }
  }

  /** The rate of `currency` on `date`, and the date of the fx_rates row it comes from. */
  rateOn(currency: string, date: IsoDate): { rate: string; date: IsoDate } | undefined {
    const t = this.byCurrency.get(currency.toUpperCase());
    if (!t) return undefined;
    // Last index with dates[i] <= date (ISO dates compare as text).
    let lo = 0;
    let hi = t.dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((t.dates[mid] as string) <= date) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : { rate: t.rates[lo - 1] as string, date: t.dates[lo - 1] as string };
  }

  /** Why there is no rate for `currency` on `date`. */
  missing(currency: string, date: IsoDate): string {
    const t = this.byCurrency.get(currency.toUpperCase());
    if (!t) return `no fx_rates row for ${currency}`;
    return `no ${currency} rate on or before ${date} (the first is ${t.dates[0]})`;
  }
}

/** The date whose rate converts the row. */
export function rateDateOf(entity: ConvertedEntity, r: Subscription | Renewal | Expansion): IsoDate | undefined {
  if (entity === 'subscriptions') return (r as Subscription).startDate;
  if (entity === 'renewals') return (r as Renewal).dueDate;
  const e = r as Expansion;
  return e.createdDate ?? e.closeDate;
}

const unconvertedOf = new WeakMap<Dataset, readonly UnconvertedRow[]>();

/** The rows left out of `data` by convertDataset (or handed on to a part of it by `withUnconverted`). */
export function unconvertedRows(data: Dataset): readonly UnconvertedRow[] {
  return unconvertedOf.get(data) ?? [];
}

/** Records `rows` as the unconverted rows behind `data` (a dataset derived from a converted one, e.g. a segment). */
export function withUnconverted(data: Dataset, rows: readonly UnconvertedRow[]): Dataset {
  if (rows.length) unconvertedOf.set(data, rows);
  return data;
}

/**
 * The dataset with every subscription, renewal and expansion in reporting cents: a converted record
 * loses `currency` and gains `fx` (original currency, amounts and the rate used); a record that
 * cannot be converted is left out and listed (see `unconvertedRows`). Records in the reporting
 * currency are kept as they are, so converting twice changes nothing, and a dataset with no other
 * currency comes back as the same object.
 */
export function convertDataset(data: Dataset, reportingCurrency: string): Dataset {
  const reporting = reportingCurrency.toUpperCase();
  const foreign = (r: { currency?: string }) => r.currency !== undefined;
  if (!data.subscriptions.some(foreign) && !data.renewals.some(foreign) && !data.expansions.some(foreign)) return data;

  const table = new FxRateTable(data.fx_rates);
  const unconverted: UnconvertedRow[] = [...unconvertedRows(data)];

  const convert = <T extends Subscription | Renewal | Expansion>(
    entity: ConvertedEntity,
    records: readonly T[],
    apply: (r: T, code: string, rate: { rate: string; date: IsoDate }) => T | string,
  ): T[] => {
    const out: T[] = [];
    for (const r of records) {
      const code = r.currency;
      if (code === undefined) {
        out.push(r);
        continue;
      }
      if (code.toUpperCase() === reporting) {
        // Stored by an older validation with the reporting currency named: already in cents.
        const { currency: _drop, ...rest } = r;
        out.push(rest as T);
        continue;
      }
      const date = rateDateOf(entity, r);
      const id =
        entity === 'subscriptions'
          ? (r as Subscription).lineId
          : entity === 'renewals'
            ? (r as Renewal).renewalId
            : (r as Expansion).opportunityId;
      const amount = minorToDecimal(
        entity === 'renewals' ? (r as Renewal).arrUp : (r as Subscription | Expansion).arr,
        currencyDecimals(code),
      );
      const base = { entity, id, accountId: r.accountId, currency: code, amount };
      if (date === undefined) {
        unconverted.push({ ...base, reason: 'no created_date or close_date to take the rate at' });
        continue;
      }
      const rate = table.rateOn(code, date);
      if (rate === undefined) {
        unconverted.push({ ...base, date, reason: table.missing(code, date) });
        continue;
      }
      const result = apply(r, code, rate);
      if (typeof result === 'string') unconverted.push({ ...base, date, reason: result });
      else out.push(result);
    }
    return out;
  };

  const tooLarge = 'the converted amount is too large';
  const subscriptions = convert('subscriptions', data.subscriptions, (r, code, rate) => {
    const arr = convertMinorUnits(r.arr, code, rate.rate);
    if (arr === null) return tooLarge;
    const { currency: _drop, ...rest } = r;
    return { ...rest, arr, fx: { currency: code, rate: rate.rate, rateDate: rate.date, arr: r.arr } };
  });
  const renewals = convert('renewals', data.renewals, (r, code, rate) => {
    const arrUp = convertMinorUnits(r.arrUp, code, rate.rate);
    const renewedArr = r.renewedArr === undefined ? undefined : convertMinorUnits(r.renewedArr, code, rate.rate);
    if (arrUp === null || renewedArr === null) return tooLarge;
    const { currency: _drop, ...rest } = r;
    const out: Renewal = {
      ...rest,
      arrUp,
      fx: { currency: code, rate: rate.rate, rateDate: rate.date, arrUp: r.arrUp },
    };
    if (renewedArr !== undefined) {
      out.renewedArr = renewedArr;
      out.fx!.renewedArr = r.renewedArr;
    }
    return out;
  });
  const expansions = convert('expansions', data.expansions, (r, code, rate) => {
    const arr = convertMinorUnits(r.arr, code, rate.rate);
    if (arr === null) return tooLarge;
    const { currency: _drop, ...rest } = r;
    return { ...rest, arr, fx: { currency: code, rate: rate.rate, rateDate: rate.date, arr: r.arr } };
  });
  return withUnconverted({ ...data, subscriptions, renewals, expansions }, unconverted);
}
