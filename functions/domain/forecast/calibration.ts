// Calibration: how much of the ARR up for renewal the company has kept, per health band, from its
// own closed renewals, and how often its expansion opportunities are won. Small bands are shrunk
// toward a prior so one lucky renewal does not make a band certain:
//   p(band) = (n x observed + PRIOR_WEIGHT x prior) / (n + PRIOR_WEIGHT)
// with n the band's closed renewals and observed = kept ARR / ARR up. The prior is the same formula
// over all closed renewals, shrunk toward BASE_RENEWAL_PRIOR; a band with no history gets the prior.
// Everything is an exact fraction (BigInt), so the money it multiplies is rounded once.
import type { IsoDate } from '../dates';
import { ratio, type Ratio } from '../exact';
import type { Cents } from '../money';
import { FORECAST_BANDS, type BandCalibration, type Calibration, type ForecastBand } from './types';

/** How many renewals (or opportunities) of evidence the prior counts as. */
export const PRIOR_WEIGHT = 10;
/** The renewal prior before any history: 85% of the ARR up is kept (a common gross renewal rate). */
export const BASE_RENEWAL_PRIOR: Ratio = ratio(17n, 20n);
/** The win-rate prior before any history: 30% of expansion opportunities are won. */
export const BASE_WIN_RATE_PRIOR: Ratio = ratio(3n, 10n);

/** A renewal decided in the past, with the band its account had before it closed. */
export interface ClosedRenewal {
  band: ForecastBand;
  arrUp: Cents;
  /** min(renewed ARR, ARR up); 0 for a churn. */
  keptArr: Cents;
}

export const toNumber = (r: Ratio): number => Number(r.num) / Number(r.den);

/**
 * (n x kept/arrUp + w x prior) / (n + w), exact. With n = 0 (or no ARR up) it is the prior. The
 * result lies between the observed share and the prior, so in [0, 1] when both are.
 */
export function shrink(n: number, kept: Cents, arrUp: Cents, prior: Ratio, weight = PRIOR_WEIGHT): Ratio {
  if (n === 0 || arrUp <= 0) return prior;
  const bn = BigInt(n);
  const bw = BigInt(weight);
  // n*kept/arrUp + w*p/q = (n*kept*q + w*p*arrUp) / (arrUp*q)
  const num = bn * BigInt(kept) * prior.den + bw * prior.num * BigInt(arrUp);
  const den = BigInt(arrUp) * prior.den * (bn + bw);
  return ratio(num, den);
}

/** The calibration from closed renewals and decided opportunities (all decided on or before asOf). */
export function calibrate(
  asOf: IsoDate,
  history: readonly ClosedRenewal[],
  opportunities: { won: number; lost: number },
): Calibration {
  const sums = new Map<ForecastBand, { n: number; arrUp: number; kept: number }>(
    FORECAST_BANDS.map((b) => [b, { n: 0, arrUp: 0, kept: 0 }]),
  );
  const all = { n: 0, arrUp: 0, kept: 0 };
  for (const r of history) {
    if (r.arrUp <= 0) continue;
    const kept = Math.min(Math.max(r.keptArr, 0), r.arrUp);
    const s = sums.get(r.band)!;
    s.n++;
    s.arrUp += r.arrUp;
    s.kept += kept;
    all.n++;
    all.arrUp += r.arrUp;
    all.kept += kept;
  }
  const prior = shrink(all.n, all.kept, all.arrUp, BASE_RENEWAL_PRIOR);
  const bands = {} as Record<ForecastBand, BandCalibration>;
  for (const band of FORECAST_BANDS) {
    const s = sums.get(band)!;
    const probability = shrink(s.n, s.kept, s.arrUp, prior);
    bands[band] = {
      band,
      renewals: s.n,
      arrUp: s.arrUp,
      keptArr: s.kept,
      observed: s.arrUp > 0 ? s.kept / s.arrUp : null,
      probability,
      value: toNumber(probability),
    };
  }
  const decided = opportunities.won + opportunities.lost;
  // The win rate counts opportunities, not ARR (as winRate90d does): shrink(n, won, n) = (won + w*p) / (n + w).
  const win = shrink(decided, opportunities.won, decided, BASE_WIN_RATE_PRIOR);
  return {
    asOf,
    priorWeight: PRIOR_WEIGHT,
    prior: { renewals: all.n, arrUp: all.arrUp, keptArr: all.kept, probability: prior, value: toNumber(prior) },
    bands,
    winRate: { won: opportunities.won, lost: opportunities.lost, probability: win, value: toNumber(win) },
  };
}
