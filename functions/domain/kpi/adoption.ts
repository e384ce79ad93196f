// Adoption: seat utilization and the usage trend, from the weekly usage rows.
//
// Usage rows are indexed per account and sorted by week (epoch day of the week's first day), so an
// account's row for a week, and the eight weeks behind its usage trend, are a binary search away.
import type { Usage } from '../contract/entities';
import type { EpochDays } from './timeline';
import { groupByAccountAndDay, lowerBound } from './timeline';
import type { AdoptionResult } from './types';
import { addDays, fromEpochDay, type IsoDate } from '../dates';

/** How far back the usage trend looks from a week's first day (the 8 weeks it compares). */
export const USAGE_LOOKBACK_DAYS = 7 * 7;

/**
 * The first usage week the KPIs for the week ending `asOf` (and `earlierWeeks` weeks before it) can
 * use: older rows cannot change them. Lets a reader skip holding two years of weekly usage.
 */
export function usageNeededFrom(asOf: IsoDate, earlierWeeks = 0): IsoDate {
  return addDays(asOf, -6 - USAGE_LOOKBACK_DAYS - 7 * earlierWeeks);
}

export class UsageIndex {
  private readonly offset: Int32Array;
  private readonly week: Int32Array;
  private readonly wau: Float64Array;
  private readonly seats: Float64Array;

  /**
   * @param indexOf position of every account id that appears in `usage`
   * @param accountCount number of positions
   */
  constructor(usage: readonly Usage[], indexOf: ReadonlyMap<string, number>, accountCount: number, days: EpochDays) {
    const rowAccount = new Int32Array(usage.length);
    const rowDay = new Int32Array(usage.length);
    for (let i = 0; i < usage.length; i++) {
      const u = usage[i] as Usage;
      rowAccount[i] = indexOf.get(u.accountId) ?? -1;
      rowDay[i] = days.of(u.week);
    }
    // Rows grouped by account, by week; for the same week the later row comes last (and wins).
    const { offset, order } = groupByAccountAndDay(rowAccount, rowDay, accountCount);
    this.offset = offset;
    const m = order.length;
    this.week = new Int32Array(m);
    this.wau = new Float64Array(m);
    this.seats = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const r = order[k] as number;
      const u = usage[r] as Usage;
      this.week[k] = rowDay[r] as number;
      this.wau[k] = u.weeklyActiveUsers;
      this.seats[k] = u.licensedSeats;
    }
  }

  /** Position of the account's row for the week starting on `weekDay`, or -1. */
  private rowAt(account: number, weekDay: number): number {
    const lo = this.offset[account] as number;
    const hi = this.offset[account + 1] as number;
    if (lo === hi) return -1;
    // The last row with that week (a later duplicate replaces an earlier one).
    const i = lowerBound(this.week, lo, hi, weekDay + 1) - 1;
    return i >= lo && this.week[i] === weekDay ? i : -1;
  }

  /** WAU and seats of the account's row for the week, or null without a row. */
  row(account: number, weekDay: number): { wau: number; seats: number } | null {
    const i = this.rowAt(account, weekDay);
    return i < 0 ? null : { wau: this.wau[i] as number, seats: this.seats[i] as number };
  }

  /** Weekly active users / licensed seats for the week; null without a row or with 0 seats. */
  utilization(account: number, weekDay: number): number | null {
    const i = this.rowAt(account, weekDay);
    if (i < 0) return null;
    const seats = this.seats[i] as number;
    return seats > 0 ? (this.wau[i] as number) / seats : null;
  }

  /**
   * Mean WAU over the 4 weeks ending with the week starting `weekDay`, divided by the mean WAU over
   * the 4 weeks before them, minus 1. Weeks without a row are skipped; null when either side has no
   * row or the earlier mean is 0.
   */
  usageTrend(account: number, weekDay: number): number | null {
    const lo = this.offset[account] as number;
    const hi = this.offset[account + 1] as number;
    if (lo === hi) return null;
    const first = weekDay - USAGE_LOOKBACK_DAYS;
    let recentSum = 0;
    let recentCount = 0;
    let earlierSum = 0;
    let earlierCount = 0;
    let lastWeek = Number.NaN;
    // Rows are sorted by week; walk from the end so a duplicated week keeps its later row only.
    for (let i = lowerBound(this.week, lo, hi, weekDay + 1) - 1; i >= lo; i--) {
      const w = this.week[i] as number;
      if (w < first) break;
      if (w === lastWeek) continue;
      lastWeek = w;
      const back = weekDay - w;
      if (back % 7 !== 0) continue; // not aligned to the reporting weeks
      if (back < 28) {
        recentSum += this.wau[i] as number;
        recentCount++;
      } else {
        earlierSum += this.wau[i] as number;
        earlierCount++;
      }
    }
    if (recentCount === 0 || earlierCount === 0 || earlierSum === 0) return null;
    // (recentSum / recentCount) / (earlierSum / earlierCount), as one division of exact integers.
    return (recentSum * earlierCount) / (earlierSum * recentCount) - 1;
  }
}

/** Portfolio utilization for the week: sum WAU / sum seats over the customers with seats > 0 that week. */
export function computeAdoption(usage: UsageIndex, customers: Iterable<number>, weekDay: number): AdoptionResult {
  let activeUsers = 0;
  let seats = 0;
  let accountsWithUsage = 0;
  for (const a of customers) {
    const row = usage.row(a, weekDay);
    if (row === null || row.seats <= 0) continue;
    activeUsers += row.wau;
    seats += row.seats;
    accountsWithUsage++;
  }
  return {
    week: fromEpochDay(weekDay),
    activeUsers,
    seats,
    accountsWithUsage,
    utilization: seats > 0 ? activeUsers / seats : null,
  };
}
