// Per-account ARR timelines, built once per dataset.
//
// ARR(a, d) is a step function of the day: it changes only on a recurring line's start_date (+arr)
// or end_date (-arr, end exclusive). For each account we keep its change points (days on which its
// ARR changes, sorted) and the ARR from that day on, so ARR(a, d) is one binary search. All change
// points of all accounts are also kept in one day-sorted list of movements (day, account, ARR the
// day before, ARR that day) with running company totals, so a period's bridge visits only the
// movements inside the period, and ARR(d) / customers(d) for the company are one binary search.
import { toEpochDay } from '../dates';
import type { Subscription } from '../contract/entities';
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

const KEY_SHIFT = 2 ** 24;

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
  /** Company ARR after applying movements 0..i. */
  private readonly evTotal: Float64Array;
  /** Customer count after applying movements 0..i. */
  private readonly evCustomers: Int32Array;

  /**
   * @param subscriptions every contract line; only `recurring` lines count toward ARR.
   * @param accountIds ids to index first (in this order); accounts found only in subscriptions are added after them.
   */
  constructor(subscriptions: readonly Subscription[], accountIds: Iterable<string> = [], days: EpochDays = new EpochDays()) {
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

    // Group recurring lines by account (counting sort).
    const lineOffset = new Int32Array(n + 1);
    for (let i = 0; i < subscriptions.length; i++) {
      if ((subscriptions[i] as Subscription).kind === 'recurring') lineOffset[(lineAccount[i] as number) + 1]!++;
    }
    for (let a = 0; a < n; a++) lineOffset[a + 1]! += lineOffset[a] as number;
    const fill = lineOffset.slice(0, n);
    const lines = new Int32Array(lineOffset[n] as number);
    for (let i = 0; i < subscriptions.length; i++) {
      if ((subscriptions[i] as Subscription).kind === 'recurring') lines[fill[lineAccount[i] as number]!++] = i;
    }

    this.firstPaidStart = new Float64Array(n).fill(Infinity);
    this.earliestRecurringStart = new Float64Array(n).fill(Infinity);

    const cpOffset = new Int32Array(n + 1);
    const cpDay: number[] = [];
    const cpArr: number[] = [];
    const evDay: number[] = [];
    const evAccount: number[] = [];
    const evOpen: number[] = [];
    const evClose: number[] = [];
    const deltas = new Map<number, number>();

    for (let a = 0; a < n; a++) {
      cpOffset[a] = cpDay.length;
      const from = lineOffset[a] as number;
      const to = lineOffset[a + 1] as number;
      if (from === to) continue;
      deltas.clear();
      for (let k = from; k < to; k++) {
        const line = subscriptions[lines[k] as number] as Subscription;
        const start = days.of(line.startDate);
        if (start < (this.earliestRecurringStart[a] as number)) this.earliestRecurringStart[a] = start;
        if (line.arr > 0 && start < (this.firstPaidStart[a] as number)) this.firstPaidStart[a] = start;
        if (line.arr === 0) continue;
        deltas.set(start, (deltas.get(start) ?? 0) + line.arr);
        if (line.endDate !== undefined) {
          const end = days.of(line.endDate);
          deltas.set(end, (deltas.get(end) ?? 0) - line.arr);
        }
      }
      const changeDays = [...deltas.keys()].sort((x, y) => x - y);
      let arr = 0;
      for (const day of changeDays) {
        const delta = deltas.get(day) as number;
        if (delta === 0) continue; // e.g. a line ending the day another of the same value starts
        const before = arr;
        arr += delta;
        cpDay.push(day);
        cpArr.push(arr);
        evDay.push(day);
        evAccount.push(a);
        evOpen.push(before);
        evClose.push(arr);
      }
    }
    cpOffset[n] = cpDay.length;
    this.cpOffset = cpOffset;
    this.cpDay = Int32Array.from(cpDay);
    this.cpArr = Float64Array.from(cpArr);

    // Sort the movements by day (stable: within a day, by account position).
    const m = evDay.length;
    const order = sortedOrder(evDay);
    this.evDay = new Int32Array(m);
    this.evAccount = new Int32Array(m);
    this.evOpen = new Float64Array(m);
    this.evClose = new Float64Array(m);
    this.evTotal = new Float64Array(m);
    this.evCustomers = new Int32Array(m);
    let total = 0;
    let customers = 0;
    for (let i = 0; i < m; i++) {
      const j = order[i] as number;
      const o = evOpen[j] as number;
      const c = evClose[j] as number;
      this.evDay[i] = evDay[j] as number;
      this.evAccount[i] = evAccount[j] as number;
      this.evOpen[i] = o;
      this.evClose[i] = c;
      total += c - o;
      customers += (c > 0 ? 1 : 0) - (o > 0 ? 1 : 0);
      this.evTotal[i] = total;
      this.evCustomers[i] = customers;
    }
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

/** Indices of `days` in ascending day order, ties in index order. */
function sortedOrder(days: readonly number[]): Int32Array {
  const m = days.length;
  const order = new Int32Array(m);
  if (m < KEY_SHIFT) {
    // Pack (day, index) into one float and use the fast numeric typed-array sort.
    const keys = new Float64Array(m);
    for (let i = 0; i < m; i++) keys[i] = (days[i] as number) * KEY_SHIFT + i;
    keys.sort();
    for (let i = 0; i < m; i++) {
      const k = keys[i] as number;
      order[i] = k - Math.floor(k / KEY_SHIFT) * KEY_SHIFT;
    }
    return order;
  }
  const idx = Array.from({ length: m }, (_, i) => i).sort((x, y) => (days[x] as number) - (days[y] as number) || x - y);
  order.set(idx);
  return order;
}
