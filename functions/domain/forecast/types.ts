// The renewal and ARR forecast, and its backtest (docs/metrics.md "Forecast", "Backtest").
//
// Shapes, in short:
//  - Calibration: per health band (green, yellow, red, unscored) the share of ARR up for renewal
//    that the company's closed renewals kept, shrunk toward a company-wide prior, as an exact
//    fraction (`probability`) and a number (`value`); plus the expansion win rate the same way.
//  - RenewalForecast: one open renewal with its band, health signals and probability.
//  - HorizonForecast: for asOf + N days, forecast = contractedArr - renewalsInContracted +
//    expectedRenewals + weightedPipeline (all integer cents, each component rounded once).
//  - ArrForecast: the calibration, the open renewals and the 30- and 90-day horizons.
//  - BacktestResult: the same forecast replayed at past week ends with only what was known then,
//    against the ARR that followed: MAPE and bias per horizon, and every point.
//  - ForecastWithError: the forecast and its measured error, always together.
// Money is integer cents of the reporting currency; ratios are fractions.
import type { IsoDate } from '../dates';
import type { Ratio } from '../exact';
import type { Cents } from '../money';
import type { CountArr, HealthBand, HealthComponent } from '../kpi/types';

/** A health band, or `unscored` for an account without a score (or not a known account). */
export type ForecastBand = HealthBand | 'unscored';

export const FORECAST_BANDS: readonly ForecastBand[] = ['green', 'yellow', 'red', 'unscored'];

/** One cell of the calibration: the closed renewals of a band and the probability taken from them. */
export interface BandCalibration {
  band: ForecastBand;
  /** Closed renewals (renewed or churned by asOf, arr_up > 0) whose account was in this band before they closed. */
  renewals: number;
  /** Their ARR up for renewal. */
  arrUp: Cents;
  /** Their renewed ARR, each capped at its arr_up (a churn keeps 0). */
  keptArr: Cents;
  /** keptArr / arrUp; null with no renewal. */
  observed: number | null;
  /** (renewals x observed + PRIOR_WEIGHT x prior) / (renewals + PRIOR_WEIGHT), exact. */
  probability: Ratio;
  /** The same as a number in [0, 1]. */
  value: number;
}

export interface Calibration {
  /** The date the history is taken up to: renewals closed and opportunities decided on or before it. */
  asOf: IsoDate;
  /** Pseudo-renewals of the prior in each band (and pseudo-opportunities in the win rate). */
  priorWeight: number;
  /** The prior of every band: all closed renewals together, shrunk toward BASE_RENEWAL_PRIOR the same way. */
  prior: { renewals: number; arrUp: Cents; keptArr: Cents; probability: Ratio; value: number };
  bands: Record<ForecastBand, BandCalibration>;
  /** Expansion opportunities won and lost on or before asOf, and the weight of an open one. */
  winRate: { won: number; lost: number; probability: Ratio; value: number };
}

export interface RenewalForecast {
  renewalId: string;
  accountId: string;
  dueDate: IsoDate;
  /** Days from asOf to the due date; 0 or less when overdue. */
  daysToDue: number;
  arrUp: Cents;
  band: ForecastBand;
  /** The health score at asOf (null when unscored) and the components behind it: the signals. */
  score: number | null;
  components: HealthComponent[];
  /** The band's calibrated probability. */
  probability: number;
  /** arrUp x probability, rounded half-up to the cent (for display; totals are summed exactly). */
  expectedArr: Cents;
}

export interface HorizonForecast {
  horizonDays: number;
  /** asOf + horizonDays. */
  date: IsoDate;
  /** ARR(date) from the recurring lines as known at asOf (docs/metrics.md "Contracted ARR"). */
  contractedArr: Cents;
  /**
   * ARR up for renewal in the window that contractedArr already counts because the lines run on
   * past the due date: per account min(its ARR up in the window, its contracted ARR at `date`).
   */
  renewalsInContracted: Cents;
  /** Open renewals due on or before `date` (overdue ones included): count and ARR up. */
  renewalsDue: CountArr;
  /** Sum of arrUp x probability over renewalsDue, rounded half-up once. */
  expectedRenewals: Cents;
  /** Opportunities in the pipeline at asOf with a close date in (asOf, date]: count and ARR. */
  pipeline: CountArr;
  /** Sum of arr x win rate over `pipeline`, rounded half-up once. */
  weightedPipeline: Cents;
  /** contractedArr - renewalsInContracted + expectedRenewals + weightedPipeline. */
  forecast: Cents;
}

export interface ArrForecast {
  asOf: IsoDate;
  calibration: Calibration;
  /** Open renewals due within 90 days (and overdue ones), by due date then id. */
  renewals: RenewalForecast[];
  d30: HorizonForecast;
  d90: HorizonForecast;
}

export interface BacktestPoint {
  /** The past as-of date (a week's last day). */
  asOf: IsoDate;
  horizonDays: number;
  /** asOf + horizonDays. */
  date: IsoDate;
  /** The forecast made at asOf with only what was known then. */
  forecast: Cents;
  /** ARR(date) as it turned out (all the data). */
  actual: Cents;
  /** (forecast - actual) / actual; null when actual is 0. */
  error: number | null;
}

export interface HorizonError {
  horizonDays: number;
  /** Points with an error (actual > 0). */
  points: number;
  /** Mean of |error| over the points; null with none. */
  mape: number | null;
  /** Mean of error (positive: the forecast ran high); null with none. */
  bias: number | null;
  /** The first and last as-of dates measured; null with none. */
  from: IsoDate | null;
  to: IsoDate | null;
}

export interface BacktestResult {
  /** The evaluation date: every point's outcome date is on or before it. */
  asOf: IsoDate;
  step: 'week';
  d30: HorizonError;
  d90: HorizonError;
  /** Every point of both horizons, oldest first. */
  points: BacktestPoint[];
}

/** The forecast is never handed out without its measured error. */
export interface ForecastWithError {
  forecast: ArrForecast;
  error: { d30: HorizonError; d90: HorizonError };
}
