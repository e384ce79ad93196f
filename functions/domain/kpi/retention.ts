// Trailing-twelve-month retention of the cohort of customers a year ago.
import { minus12Months, toEpochDay, type IsoDate } from '../dates';
import type { ArrTimeline } from './timeline';
import type { RetentionResult } from './types';

/**
 * Cohort C = accounts with ARR > 0 on minus12m(asOf).
 * NRR = sum ARR(asOf) / sum ARR(cohort date); GRR caps each account at its cohort-date ARR;
 * logo retention = share of C still a customer at asOf. All null when C is empty.
 * @param accounts positions to consider (all accounts of the timeline when omitted)
 */
export function computeRetention(timeline: ArrTimeline, asOf: IsoDate, accounts?: Iterable<number>): RetentionResult {
  const cohortDate = minus12Months(asOf);
  const b = toEpochDay(cohortDate);
  const d = toEpochDay(asOf);
  let cohortSize = 0;
  let cohortArr = 0;
  let currentArr = 0;
  let grossRetainedArr = 0;
  let retainedLogos = 0;
  const visit = (a: number): void => {
    const then = timeline.arrAt(a, b);
    if (then <= 0) return;
    const now = timeline.arrAt(a, d);
    cohortSize++;
    cohortArr += then;
    currentArr += now;
    grossRetainedArr += Math.min(now, then);
    if (now > 0) retainedLogos++;
  };
  if (accounts) for (const a of accounts) visit(a);
  else for (let a = 0; a < timeline.accountCount; a++) visit(a);
  return {
    cohortDate,
    cohortSize,
    cohortArr,
    currentArr,
    grossRetainedArr,
    retainedLogos,
    nrr: cohortArr > 0 ? currentArr / cohortArr : null,
    grr: cohortArr > 0 ? grossRetainedArr / cohortArr : null,
    logoRetention: cohortSize > 0 ? retainedLogos / cohortSize : null,
    logoChurn: cohortSize > 0 ? (cohortSize - retainedLogos) / cohortSize : null,
  };
}
