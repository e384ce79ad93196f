// The weekly trend: headline figures for each of the last N weeks (13 by default) ending asOf,
// with week-over-week deltas. The dataset is indexed once and every week is answered from it.
import type { Dataset } from '../contract/validate';
import { addDays, isoWeekLabel, toEpochDay, type IsoDate } from '../dates';
import { assertIsoDate, customersOn, prepareKpiContext, type KpiContext } from './engine';
import { scoreAccount } from './health';
import { computeRetention } from './retention';
import { filterDatasetToSegment } from './segments';
import type { KpiSettings } from './settings';
import type { TrendDeltas, TrendFigure, TrendPoint, TrendResult, TrendWeek } from './types';
import { npsAt } from './voice-support';

/** Weeks in a trend: the reported week and the 12 before it. */
export const TREND_WEEKS = 13;

const FIGURES: readonly TrendFigure[] = ['closingArr', 'customers', 'nrr', 'grr', 'arrAtRisk', 'nps'];

/** The headline figures for the week ending `asOf`. */
export function trendPointAt(ctx: KpiContext, asOf: IsoDate): TrendPoint {
  const { timeline } = ctx;
  const day = toEpochDay(asOf);
  const customers = customersOn(ctx, day);
  let arrAtRisk = 0;
  for (const a of customers) {
    if (scoreAccount(ctx.health, a, day, day - 6).band === 'red') arrAtRisk += timeline.arrAt(a, day);
  }
  const retention = computeRetention(timeline, asOf);
  return {
    asOf,
    week: isoWeekLabel(asOf),
    closingArr: timeline.totalArrAt(day),
    customers: customers.length,
    nrr: retention.nrr,
    grr: retention.grr,
    arrAtRisk,
    nps: npsAt(ctx.data.nps, asOf),
  };
}

export function trendDeltas(current: TrendPoint, previous: TrendPoint): TrendDeltas {
  const out = {} as TrendDeltas;
  for (const f of FIGURES) {
    const c = current[f];
    const p = previous[f];
    out[f] = c === null || p === null ? null : c - p;
  }
  return out;
}

// A week's point depends only on the context and the week; a job computing 13 weeks with 13-week
// trends would otherwise score every customer 182 times instead of 26.
const pointsByContext = new WeakMap<KpiContext, Map<IsoDate, TrendPoint>>();

function cachedTrendPoint(ctx: KpiContext, asOf: IsoDate): TrendPoint {
  let points = pointsByContext.get(ctx);
  if (!points) pointsByContext.set(ctx, (points = new Map()));
  let point = points.get(asOf);
  if (!point) points.set(asOf, (point = trendPointAt(ctx, asOf)));
  return point;
}

/** The trend from an already indexed dataset. */
export function trendFromContext(ctx: KpiContext, asOf: IsoDate, weeks = TREND_WEEKS): TrendResult {
  assertIsoDate(asOf);
  if (!Number.isInteger(weeks) || weeks < 1) throw new RangeError(`weeks must be a whole number >= 1 (got ${weeks})`);
  // One extra week before the first, so the first week has a delta too.
  const points: TrendPoint[] = [];
  for (let k = weeks; k >= 0; k--) points.push(cachedTrendPoint(ctx, addDays(asOf, -7 * k)));
  const out: TrendWeek[] = [];
  for (let i = 1; i < points.length; i++) {
    const p = points[i] as TrendPoint;
    out.push({ ...p, delta: trendDeltas(p, points[i - 1] as TrendPoint) });
  }
  return { asOf, weeks: out, deltas: (out[out.length - 1] as TrendWeek).delta };
}

/**
 * For each of the `weeks` weeks ending asOf (oldest first): closing ARR, customers, NRR, GRR, ARR at
 * risk and NPS, with each figure's change from the week before.
 */
export function computeTrend(
  data: Dataset,
  asOf: IsoDate,
  settings: KpiSettings,
  weeks = TREND_WEEKS,
  opts: { segment?: string } = {},
): TrendResult {
  const scoped = opts.segment === undefined ? data : filterDatasetToSegment(data, opts.segment);
  return trendFromContext(prepareKpiContext(scoped, settings, opts), asOf, weeks);
}
