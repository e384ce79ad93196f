// The forecast's backtest: at every past week end D it forecasts with only what was known on D
// (renewals open at D, calibration on renewals closed on or before D, health as of D, the lines
// that had started by D) and compares the forecast for D + N days with the ARR that followed.
// Error = (forecast - actual) / actual; MAPE = mean |error|, bias = mean error (docs/metrics.md "Backtest").
import { addDays, lastCompleteWeekEnd, toEpochDay, type IsoDate } from '../dates';
import { arrForecast, FORECAST_HORIZONS, type ForecastIndex } from './forecast';
import type { ArrForecast, BacktestPoint, BacktestResult, ForecastWithError, HorizonError } from './types';

/** At most this many weekly points (two years), the most recent ones. */
export const MAX_BACKTEST_WEEKS = 104;

/**
 * The week ends measured for `asOf`: every week end D from the first one with a closed renewal
 * (some history to calibrate on) and with ARR, up to the last one whose 30-day outcome is known
 * (D + 30 <= asOf), at most MAX_BACKTEST_WEEKS of them.
 */
export function backtestDates(index: ForecastIndex, asOf: IsoDate): IsoDate[] {
  const { ctx } = index;
  const firstClose = index.closed.reduce<IsoDate | undefined>(
    (m, r) => (m === undefined || r.closedDate < m ? r.closedDate : m),
    undefined,
  );
  if (firstClose === undefined) return [];
  const last = lastCompleteWeekEnd(addDays(asOf, -Math.min(...FORECAST_HORIZONS)), ctx.settings.weekStartsOn);
  const out: IsoDate[] = [];
  for (let d = last; d >= firstClose && out.length < MAX_BACKTEST_WEEKS; d = addDays(d, -7)) {
    if (ctx.timeline.totalArrAt(toEpochDay(d)) > 0) out.push(d);
  }
  return out.reverse();
}

function summarize(horizonDays: number, points: readonly BacktestPoint[]): HorizonError {
  const measured = points.filter((p) => p.horizonDays === horizonDays && p.error !== null);
  if (measured.length === 0) return { horizonDays, points: 0, mape: null, bias: null, from: null, to: null };
  let abs = 0;
  let signed = 0;
  for (const p of measured) {
    abs += Math.abs(p.error!);
    signed += p.error!;
  }
  return {
    horizonDays,
    points: measured.length,
    mape: abs / measured.length,
    bias: signed / measured.length,
    from: measured[0]!.asOf,
    to: measured[measured.length - 1]!.asOf,
  };
}

/** Replays the forecast at every week end of `backtestDates` and measures it at 30 and 90 days. */
export function backtestForecast(index: ForecastIndex, asOf: IsoDate): BacktestResult {
  const points: BacktestPoint[] = [];
  for (const d of backtestDates(index, asOf)) {
    const f = arrForecast(index, d, { linesStartedBy: d });
    for (const h of [f.d30, f.d90]) {
      if (h.date > asOf) continue;
      const actual = index.ctx.timeline.totalArrAt(toEpochDay(h.date));
      points.push({
        asOf: d,
        horizonDays: h.horizonDays,
        date: h.date,
        forecast: h.forecast,
        actual,
        error: actual > 0 ? (h.forecast - actual) / actual : null,
      });
    }
  }
  return { asOf, step: 'week', d30: summarize(30, points), d90: summarize(90, points), points };
}

/** The forecast at asOf with the error its backtest measured up to asOf: the only way the forecast is handed out. */
export function forecastWithError(
  index: ForecastIndex,
  asOf: IsoDate,
): ForecastWithError & { backtest: BacktestResult } {
  const forecast: ArrForecast = arrForecast(index, asOf);
  const backtest = backtestForecast(index, asOf);
  return { forecast, error: { d30: backtest.d30, d90: backtest.d90 }, backtest };
}
