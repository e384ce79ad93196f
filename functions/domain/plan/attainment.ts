// Attainment: for the fiscal quarter and year that contain asOf, each metric with a target gets
// its actual (to date, or final once the period is over), the target, the forecast for the period
// end (ARR metrics, within the horizon the backtest measures) and actual / target
// (docs/metrics.md "Targets and attainment").
import { addDays, daysBetween, toEpochDay, type IsoDate } from '../dates';
import { calibrationAt, forecastHorizon, forecastRenewals, type ForecastIndex } from '../forecast/forecast';
import type { HorizonError } from '../forecast/types';
import { computeBridge } from '../kpi/arr-bridge';
import type { KpiContext } from '../kpi/engine';
import { computeRetention } from '../kpi/retention';
import { fiscalPeriodsOf } from './fiscal';
import {
  TARGET_METRICS,
  type AttainmentResult,
  type AttainmentRow,
  type FiscalPeriod,
  type Target,
  type TargetMetric,
} from './types';

/** The longest horizon the backtest measures: a period end further out gets no forecast. */
export const ATTAINMENT_FORECAST_MAX_DAYS = 90;

export interface AttainmentForecast {
  index: ForecastIndex;
  error: { d30: HorizonError; d90: HorizonError };
}

/** The metric's actual over `period` as of `date` (date inside the period). */
export function actualFor(ctx: KpiContext, metric: TargetMetric, period: FiscalPeriod, date: IsoDate): number | null {
  const { timeline } = ctx;
  const day = toEpochDay(date);
  switch (metric) {
    case 'arr':
      return timeline.totalArrAt(day);
    case 'net_new_arr':
      return timeline.totalArrAt(day) - timeline.totalArrAt(toEpochDay(period.start) - 1);
    case 'nrr':
      return computeRetention(timeline, date).nrr;
    case 'grr':
      return computeRetention(timeline, date).grr;
    case 'logos':
      return timeline.customersAt(day);
    case 'new_logos':
      return computeBridge(timeline, period.start, date).customers.new;
  }
}

const ratioOf = (value: number | null, target: number | null): number | null =>
  value === null || target === null || target <= 0 ? null : value / target;

/** Attainment for the fiscal quarter and year containing asOf, over the targets given for them. */
export function attainmentAt(
  ctx: KpiContext,
  asOf: IsoDate,
  targets: readonly Target[],
  forecast?: AttainmentForecast,
): AttainmentResult {
  const { quarter, year } = fiscalPeriodsOf(asOf, ctx.settings.fiscalYearStartMonth);
  const calibration = forecast ? calibrationAt(forecast.index, asOf) : undefined;
  const renewals =
    forecast && calibration ? forecastRenewals(forecast.index, asOf, calibration, ATTAINMENT_FORECAST_MAX_DAYS) : [];

  const forecastFor = (
    metric: TargetMetric,
    period: FiscalPeriod,
  ): { value: number | null; error: HorizonError | null } => {
    const horizon = daysBetween(asOf, period.end);
    if (!forecast || !calibration || horizon <= 0 || horizon > ATTAINMENT_FORECAST_MAX_DAYS)
      return { value: null, error: null };
    if (metric !== 'arr' && metric !== 'net_new_arr') return { value: null, error: null };
    const h = forecastHorizon(forecast.index, asOf, horizon, calibration, renewals);
    const value =
      metric === 'arr' ? h.forecast : h.forecast - ctx.timeline.totalArrAt(toEpochDay(addDays(period.start, -1)));
    return { value, error: horizon <= 30 ? forecast.error.d30 : forecast.error.d90 };
  };

  const rows = (period: FiscalPeriod): AttainmentRow[] => {
    const out: AttainmentRow[] = [];
    for (const metric of TARGET_METRICS) {
      const t = targets.find((x) => x.metric === metric && x.period === period.label);
      if (!t) continue;
      const final = asOf >= period.end;
      const actualDate = final ? period.end : asOf;
      const actual = actualFor(ctx, metric, period, actualDate);
      const f = forecastFor(metric, period);
      out.push({
        metric,
        period,
        actualDate,
        final,
        actual,
        target: t.value,
        forecast: f.value,
        forecastError: f.error,
        attainment: ratioOf(actual, t.value),
        forecastAttainment: ratioOf(f.value, t.value),
      });
    }
    return out;
  };

  return { asOf, quarter, year, quarterRows: rows(quarter), yearRows: rows(year) };
}
