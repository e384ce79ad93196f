// Monthly cohorts by first paid month: logo and revenue retention of each of the 12 calendar
// months before asOf's month, at each month end that has passed (docs/metrics.md "Cohorts").
//
// Answered from the ARR timelines: an account's first paid day is its earliest paying line's start
// (amounts are never negative and a line is active on its start date, so that is the first day
// with ARR(a, d) > 0), and each value is one ARR(a, d) lookup, so a cohort table costs
// (accounts) + (cohort members x ages) binary searches, with no loop over days.
import { monthOf, toEpochDay, type IsoDate } from '../dates';
import type { Cents } from '../money';
import type { ArrTimeline } from './timeline';
import type { CohortResult } from './types';

/** Cohorts reported: the 12 calendar months before asOf's month. */
export const COHORT_MONTHS = 12;

/**
 * The cohorts for asOf, oldest first. For cohort month m and age k >= 1 with lastDay(m + k) <= asOf:
 * logo[k] = share of the cohort paying on lastDay(m + k), revenue[k] = their ARR that day / the
 * cohort's base ARR (each account's ARR on its first paid day). Age 0 is 1 in both by definition.
 * A month without new customers has 0 customers, base 0 and empty series.
 * @param accounts positions to consider (all accounts of the timeline when omitted)
 */
export function computeCohorts(timeline: ArrTimeline, asOf: IsoDate, accounts?: Iterable<number>): CohortResult[] {
  const asOfDay = toEpochDay(asOf);
  // First days of the cohort months (0..11), of asOf's month (12) and of the month after (13):
  // lastDay(month i + k) = starts[i + k + 1] - 1.
  const asOfMonth = Number(asOf.slice(0, 4)) * 12 + Number(asOf.slice(5, 7)) - 1;
  const firsts = Array.from({ length: COHORT_MONTHS + 2 }, (_, i) => monthFirst(asOfMonth + i - COHORT_MONTHS));
  const starts = firsts.map(toEpochDay);
  const members: number[][] = Array.from({ length: COHORT_MONTHS }, () => []);
  const windowFrom = starts[0] as number;
  const windowTo = starts[COHORT_MONTHS] as number; // exclusive: asOf's own month is in no cohort
  const visit = (a: number): void => {
    const first = timeline.firstPaidStart[a] as number;
    if (!(first >= windowFrom && first < windowTo)) return;
    let i = COHORT_MONTHS - 1;
    while ((starts[i] as number) > first) i--;
    (members[i] as number[]).push(a);
  };
  if (accounts) for (const a of accounts) visit(a);
  else for (let a = 0; a < timeline.accountCount; a++) visit(a);

  return members.map((cohort, i) => {
    const month = monthOf(firsts[i] as IsoDate);
    if (cohort.length === 0) return { month, customers: 0, baseArr: 0, active: [], arr: [], logo: [], revenue: [] };
    // Month ends of ages 1.. that have passed by asOf.
    const ends: number[] = [];
    for (let k = 1; i + k + 1 < starts.length && (starts[i + k + 1] as number) - 1 <= asOfDay; k++)
      ends.push((starts[i + k + 1] as number) - 1);
    const active: number[] = [cohort.length, ...ends.map(() => 0)];
    const arr: Cents[] = [0, ...ends.map(() => 0)];
    // Account by account (its change points stay in cache across its ages).
    for (const a of cohort) {
      arr[0]! += timeline.arrAt(a, timeline.firstPaidStart[a] as number);
      for (let k = 1; k <= ends.length; k++) {
        const v = timeline.arrAt(a, ends[k - 1] as number);
        if (v > 0) active[k]!++;
        arr[k]! += v;
      }
    }
    const baseArr = arr[0] as Cents;
    return {
      month,
      customers: cohort.length,
      baseArr,
      active,
      arr,
      logo: active.map((n, k) => (k === 0 ? 1 : n / cohort.length)),
      // base > 0: every member has ARR > 0 on its first paid day.
      revenue: arr.map((v, k) => (k === 0 ? 1 : v / baseArr)),
    };
  });
}

/** The first day of a month counted as year x 12 + (month - 1). */
function monthFirst(n: number): IsoDate {
  return `${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}-01`;
}
