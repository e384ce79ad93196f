// The renewal and ARR forecast and its backtest. Pure: no I/O, no clock. Shapes in ./types.ts.
//   const index = prepareForecast(kpiContext);            // once per dataset
//   const { forecast, error } = forecastWithError(index, asOf);
export {
  BASE_RENEWAL_PRIOR,
  BASE_WIN_RATE_PRIOR,
  PRIOR_WEIGHT,
  calibrate,
  shrink,
  type ClosedRenewal,
} from './calibration';
export {
  CALIBRATION_LEAD_DAYS,
  FORECAST_HORIZONS,
  arrForecast,
  calibrationAt,
  forecastHorizon,
  forecastRenewals,
  prepareForecast,
  type ForecastIndex,
  type HorizonOptions,
} from './forecast';
export { MAX_BACKTEST_WEEKS, backtestDates, backtestForecast, forecastWithError } from './backtest';
export { backtestJson, forecastJson, horizonErrorJson } from './json';
export type * from './types';
