// Per-account ARR timelines, built once per dataset.
//
// ARR(a, d) is a step function of the day: it changes only on a recurring line's start_date (+arr)
// or end_date (-arr, end exclusive). For each account we keep its change points (days on which its
// ARR changes, sorted) and the ARR from that day on, so ARR(a, d) is one binary search. All change
// points of all accounts are also kept in one day-sorted list of movements (day, account, ARR the
// day before, ARR that day) with running company totals, so a period's bridge visits only the
// movements inside the period, and ARR(d) / customers(d) for the company are one binary search.
//
// Lines converted from another currency also carry their original amount: on a day an account's
// lines in currency k change, yesterday's lines are valued at today's rates (o' = sum over k of
// o_k x rho_k, docs/metrics.md "Multi-currency"), and the movement keeps o' beside o and c.
import { toEpochDay } from '../dates';
import type { Subscription } from '../contract/entities';
import { add, ratio, type Ratio } from '../exact';
import type { Cents } from '../money';

/** First index i in [lo, hi) with arr[i] > value (hi when none). */
export function upperBound(arr: ArrayLike<number>, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with arr[i] >= value (hi when none). */
export function lowerBound(arr: ArrayLike<number>, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Memoised toEpochDay: datasets repeat the same few thousand dates many times. */
export class EpochDays {
  private readonly cache = new Map<string, number>();
  of(date: string): number {
    let d = this.cache.get(date);
    if (d === undefined) {
      d = toEpochDay(date);
      this.cache.set(date, d);
    }
    return d;
  }
}

export class ArrTimeline {
  /** Account ids; an account is referred to by its position in this list. */
  readonly accountIds: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;

  // Per account a, its change points are positions cpOffset[a] .. cpOffset[a + 1] - 1.
  private readonly cpOffset: Int32Array;
  private readonly cpDay: Int32Array;
  /** ARR of the account from the change point's day on (until its next change point). */
  private readonly cpArr: Float64Array;

  /** Epoch day of the account's earliest recurring line with arr > 0 (Infinity when none). */
  readonly firstPaidStart: Float64Array;
  /** Epoch day of the account's earliest recurring line of any amount (Infinity when none). */
  readonly earliestRecurringStart: Float64Array;

  // Every movement, sorted by day: ARR of the account goes from evOpen (the day before) to evClose.
  readonly evDay: Int32Array;
  readonly evAccount: Int32Array;
  readonly evOpen: Float64Array;
  readonly evClose: Float64Array;
  /**
   * o': the account's lines of the day before valued at the day's rates; equal to evOpen when all
   * its lines are in the reporting currency. NaN when o' is a fraction of a cent: see evAdjustedExact.
   */
  readonly evAdjustedOpen: Float64Array;
  /** o' of the movements whose o' is not a whole number of cents, by movement position. */
  readonly evAdjustedExact: ReadonlyMap<number, Ratio>;
  /** True when some movement has o' != o (lines in another currency replaced at a new rate). */
  readonly hasFx: boolean;
  /** Company ARR after applying movements 0..i. */
  private readonly evTotal: Float64Array;
  /** Customer count after applying movements 0..i. */
  private readonly evCustomers: Int32Array;

  /**
   * @param subscriptions every contract line; only `recurring` lines count toward ARR.
   * @param accountIds ids to index first (in this order); accounts found only in subscriptions are added after them.
   */
  constructor(
    subscriptions: readonly Subscription[],
    accountIds: Iterable<string> = [],
    days: EpochDays = new EpochDays(),
  ) {
    const ids: string[] = [];
    const indexOf = new Map<string, number>();
    const idx = (id: string): number => {
      let i = indexOf.get(id);
      if (i === undefined) {
        i = ids.length;
        ids.push(id);
        indexOf.set(id, i);
      }
      return i;
    };
    for (const id of accountIds) idx(id);
    const lineAccount = new Int32Array(subscriptions.length);
    for (let i = 0; i < subscriptions.length; i++) lineAccount[i] = idx((subscriptions[i] as Subscription).accountId);
    const n = ids.length;
    this.accountIds = ids;
    this.indexOf = indexOf;

    // Every recurring line is two ARR steps: +arr on its start_date, -arr on its end_date.
    const stepAccount: number[] = [];
    const stepDay: number[] = [];
    const stepDelta: number[] = [];
    // Lines converted from another currency: the currency (an index into `currencies`, -1 for the
    // reporting currency) and the original amount of each step.
    const currencies: string[] = [];
    const stepCurrency: number[] = [];
    const stepOriginal: number[] = [];
    let anyForeign = false;
    this.firstPaidStart = new Float64Array(n).fill(Infinity);
    this.earliestRecurringStart = new Float64Array(n).fill(Infinity);
    for (let i = 0; i < subscriptions.length; i++) {
      const line = subscriptions[i] as Subscription;
      if (line.kind !== 'recurring') continue;
      const a = lineAccount[i] as number;
      const start = days.of(line.startDate);
      if (start < (this.earliestRecurringStart[a] as number)) this.earliestRecurringStart[a] = start;
      if (line.arr === 0) continue;
      if (line.arr > 0 && start < (this.firstPaidStart[a] as number)) this.firstPaidStart[a] = start;
      let k = -1;
      if (line.fx !== undefined) {
        anyForeign = true;
        k = currencies.indexOf(line.fx.currency);
        if (k < 0) k = currencies.push(line.fx.currency) - 1;
      }
      const original = line.fx?.arr ?? line.arr;
      stepAccount.push(a);
      stepDay.push(start);
      stepDelta.push(line.arr);
      stepCurrency.push(k);
      stepOriginal.push(original);
      if (line.endDate !== undefined) {
        stepAccount.push(a);
        stepDay.push(days.of(line.endDate));
        stepDelta.push(-line.arr);
        stepCurrency.push(k);
        stepOriginal.push(-original);
      }
    }
    const { offset: stepOffset, order: steps } = groupByAccountAndDay(stepAccount, stepDay, n);

    // Per account, merge the steps of each day into one change point (a day whose steps cancel out,
    // such as a line ending the day an equal one starts, is no change).
    const cpOffset = new Int32Array(n + 1);
    const cpDay: number[] = [];
    const cpArr: number[] = [];
    const evDay: number[] = [];
    const evAccount: number[] = [];
    const evOpen: number[] = [];
    const evAdjusted: number[] = [];
    const adjustedExact = new Map<number, Ratio>();
    // Per foreign currency, the account's running sums: original minor units and converted cents.
    const orig = new Float64Array(currencies.length);
    const conv = new Float64Array(currencies.length);
    const origBefore = new Float64Array(currencies.length);
    const convBefore = new Float64Array(currencies.length);
    for (let a = 0; a < n; a++) {
      cpOffset[a] = cpDay.length;
      let arr = 0;
      orig.fill(0);
      conv.fill(0);
      const to = stepOffset[a + 1] as number;
      for (let k = stepOffset[a] as number; k < to; ) {
        const day = stepDay[steps[k] as number] as number;
        let delta = 0;
        let foreignMoved = false;
        if (anyForeign) {
          origBefore.set(orig);
          convBefore.set(conv);
        }
        while (k < to && stepDay[steps[k] as number] === day) {
          const s = steps[k++] as number;
          delta += stepDelta[s] as number;
          const cur = stepCurrency[s] as number;
          if (cur >= 0) {
            orig[cur] = (orig[cur] as number) + (stepOriginal[s] as number);
            conv[cur] = (conv[cur] as number) + (stepDelta[s] as number);
            foreignMoved = true;
          }
        }
        if (delta === 0 && !foreignMoved) continue;
        const adjusted = foreignMoved ? adjustedOpen(arr, origBefore, convBefore, orig, conv) : arr;
        // Steps that cancel out (in every currency, or at unchanged rates) are no change.
        if (delta === 0 && typeof adjusted === 'number' && adjusted === arr) continue;
        if (typeof adjusted === 'number') evAdjusted.push(adjusted);
        else {
          adjustedExact.set(evAdjusted.length, adjusted);
          evAdjusted.push(Number.NaN);
        }
        evOpen.push(arr);
        arr += delta;
        cpDay.push(day);
        cpArr.push(arr);
        evDay.push(day);
        evAccount.push(a);
      }
    }
    cpOffset[n] = cpDay.length;
    this.cpOffset = cpOffset;
    this.cpDay = Int32Array.from(cpDay);
    this.cpArr = Float64Array.from(cpArr);

    // All movements sorted by day (ties: by account position), with running company totals.
    const m = evDay.length;
    const order = orderByDay(evDay);
    this.evDay = new Int32Array(m);
    this.evAccount = new Int32Array(m);
    this.evOpen = new Float64Array(m);
    this.evClose = new Float64Array(m);
    this.evAdjustedOpen = new Float64Array(m);
    const exact = new Map<number, Ratio>();
    let hasFx = false;
    this.evTotal = new Float64Array(m);
    this.evCustomers = new Int32Array(m);
    let total = 0;
    let customers = 0;
    for (let i = 0; i < m; i++) {
      const j = order[i] as number;
      const o = evOpen[j] as number;
      const c = cpArr[j] as number;
      this.evDay[i] = evDay[j] as number;
      this.evAccount[i] = evAccount[j] as number;
      this.evOpen[i] = o;
      this.evClose[i] = c;
      const adjusted = evAdjusted[j] as number;
      this.evAdjustedOpen[i] = adjusted;
      if (Number.isNaN(adjusted)) exact.set(i, adjustedExact.get(j) as Ratio);
      if (adjusted !== o) hasFx = true;
      total += c - o;
      customers += (c > 0 ? 1 : 0) - (o > 0 ? 1 : 0);
      this.evTotal[i] = total;
      this.evCustomers[i] = customers;
    }
    this.evAdjustedExact = exact;
    this.hasFx = hasFx;
  }

  get accountCount(): number {
    return this.accountIds.length;
  }

  get movementCount(): number {
    return this.evDay.length;
  }

  /** ARR(a, d) for the account at position `account` on epoch day `day`. */
  arrAt(account: number, day: number): Cents {
    const lo = this.cpOffset[account] as number;
    const hi = this.cpOffset[account + 1] as number;
    if (lo === hi) return 0;
    const i = upperBound(this.cpDay, lo, hi, day) - 1;
    return i >= lo ? (this.cpArr[i] as number) : 0;
  }

  /** ARR(a, d) by account id (0 for an unknown account). */
  arrOf(accountId: string, day: number): Cents {
    const a = this.indexOf.get(accountId);
    return a === undefined ? 0 : this.arrAt(a, day);
  }

  /** ARR(d): the company's ARR on epoch day `day`. */
  totalArrAt(day: number): Cents {
    const i = upperBound(this.evDay, 0, this.evDay.length, day) - 1;
    return i >= 0 ? (this.evTotal[i] as number) : 0;
  }

  /** Number of customers (accounts with ARR > 0) on epoch day `day`. */
  customersAt(day: number): number {
    const i = upperBound(this.evDay, 0, this.evDay.length, day) - 1;
    return i >= 0 ? (this.evCustomers[i] as number) : 0;
  }

  /** Positions [lo, hi) of the movements dated in [fromDay, toDay]. */
  movementsIn(fromDay: number, toDay: number): [number, number] {
    const lo = lowerBound(this.evDay, 0, this.evDay.length, fromDay);
    const hi = upperBound(this.evDay, lo, this.evDay.length, toDay);
    return [lo, hi];
  }

  /** The account's change points as [epochDay, ARR from that day] pairs (for inspection and tests). */
  changePoints(account: number): [number, Cents][] {
    const out: [number, Cents][] = [];
    for (let i = this.cpOffset[account] as number; i < (this.cpOffset[account + 1] as number); i++) {
      out.push([this.cpDay[i] as number, this.cpArr[i] as number]);
    }
    return out;
  }
}

/**
 * o' for one account on one day: `open` (yesterday's ARR, converted) with each foreign currency's
 * part revalued at today's rates. With o_k, c_k yesterday's and today's sums in currency k (original
 * minor units) and their converted sums: rho_k = conv(c_k) / c_k when c_k > 0, else conv(o_k) / o_k;
 * o' = o - sum_k conv(o_k) + sum_k o_k x rho_k. A whole number of cents as a number, else exact.
 */
function adjustedOpen(
  open: number,
  origBefore: Float64Array,
  convBefore: Float64Array,
  origAfter: Float64Array,
  convAfter: Float64Array,
): number | Ratio {
  let whole = open;
  let frac: Ratio | undefined;
  for (let k = 0; k < origBefore.length; k++) {
    const ok = origBefore[k] as number;
    if (ok === 0) continue;
    const ck = origAfter[k] as number;
    // c_k = 0: rho_k = conv(o_k) / o_k, so o_k x rho_k = conv(o_k): nothing changes.
    if (ck === 0 || ck === ok) {
      whole += (ck === 0 ? 0 : (convAfter[k] as number)) - (ck === 0 ? 0 : (convBefore[k] as number));
      continue;
    }
    whole -= convBefore[k] as number;
    // o_k x conv(c_k) / c_k, exact (the product can pass 2^53).
    const num = BigInt(ok) * BigInt(convAfter[k] as number);
    const den = BigInt(ck);
    if (num % den === 0n) whole += Number(num / den);
    else frac = frac === undefined ? ratio(num, den) : add(frac, ratio(num, den));
  }
  if (frac === undefined) return whole;
  const total = add(ratio(BigInt(whole)), frac);
  return total.den === 1n ? Number(total.num) : total;
}

/** Positions 0..m-1 in ascending `day` order, ties in position order. */
export function orderByDay(day: ArrayLike<number>): Int32Array {
  const m = day.length;
  const order = new Int32Array(m);
  if (m === 0) return order;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < m; i++) {
    const d = day[i] as number;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  const range = max - min + 1;
  if (range <= Math.max(1 << 16, 4 * m)) {
    // Counting sort: dates span a few thousand days at most in practice.
    const count = new Int32Array(range + 1);
    for (let i = 0; i < m; i++) count[(day[i] as number) - min + 1]!++;
    for (let r = 0; r < range; r++) count[r + 1]! += count[r] as number;
    for (let i = 0; i < m; i++) order[count[(day[i] as number) - min]!++] = i;
    return order;
  }
  for (let i = 0; i < m; i++) order[i] = i;
  return order.sort((x, y) => (day[x] as number) - (day[y] as number) || x - y);
}

/**
 * Groups positions by account (accounts 0..n-1; a negative account drops the position), each
 * group in ascending day order, ties in position order. Group a is order[offset[a] .. offset[a+1]-1].
 */
export function groupByAccountAndDay(
  account: ArrayLike<number>,
  day: ArrayLike<number>,
  n: number,
): { offset: Int32Array; order: Int32Array } {
  const byDay = orderByDay(day);
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < account.length; i++) {
    const a = account[i] as number;
    if (a >= 0) offset[a + 1]!++;
  }
  for (let a = 0; a < n; a++) offset[a + 1]! += offset[a] as number;
  const fill = offset.slice(0, n);
  const order = new Int32Array(offset[n] as number);
  // Stable counting sort by account over the day order keeps each group sorted by day.
  for (let k = 0; k < byDay.length; k++) {
    const i = byDay[k] as number;
    const a = account[i] as number;
    if (a >= 0) order[fill[a]!++] = i;
  }
  return { offset, order };
}
