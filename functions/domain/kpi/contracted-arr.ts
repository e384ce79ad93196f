// Contracted ARR: the ARR already signed for a future date, from the lines as they are known
// (future start dates and scheduled end dates included) — a floor, not a forecast: renewals not yet
// signed are not in it (docs/metrics.md "Contracted ARR").
import { addDays, toEpochDay, type IsoDate } from '../dates';
import type { ArrTimeline } from './timeline';
import type { ContractedArrResult } from './types';

/** The horizons, in days after asOf. */
export const CONTRACTED_HORIZONS = [30, 90, 365] as const;

/**
 * contractedArr.dN = ARR(asOf + N) for N = 30, 90 and 365.
 * @param accounts positions to sum over (the company's ARR, one binary search, when omitted)
 */
export function computeContractedArr(
  timeline: ArrTimeline,
  asOf: IsoDate,
  accounts?: Iterable<number>,
): ContractedArrResult {
  const list = accounts ? [...accounts] : undefined;
  const at = (n: number) => {
    const day = toEpochDay(addDays(asOf, n));
    if (!list) return timeline.totalArrAt(day);
    let sum = 0;
    for (const a of list) sum += timeline.arrAt(a, day);
    return sum;
  };
  return {
    d30: at(30),
    d90: at(90),
    d365: at(365),
    dates: { d30: addDays(asOf, 30), d90: addDays(asOf, 90), d365: addDays(asOf, 365) },
  };
}
