// The forecast use cases: the renewal and ARR forecast with its backtest error, attainment against
// the plan's targets and the annotations of the trend window, from a dataset or a folder of files.
import type { Dataset, RowValidator } from '../domain/contract/validate';
import { addDays, type IsoDate } from '../domain/dates';
import {
  backtestForecast,
  forecastWithError,
  prepareForecast,
  type ArrForecast,
  type BacktestResult,
  type HorizonError,
} from '../domain/forecast';
import { prepareKpiContext, TREND_WEEKS, type KpiSettings } from '../domain/kpi';
import { annotationsBetween, attainmentAt, type Annotation, type AttainmentResult } from '../domain/plan';
import type { UnconvertedRow } from '../domain/fx';
import type { ContractSource } from '../ports/source';
import { readDataset, type LoadSummary } from './read-contract';

export interface PlanAndForecast {
  asOf: IsoDate;
  currency: string;
  forecast: ArrForecast;
  /** The backtest's error at 30 and 90 days: never apart from the forecast. */
  error: { d30: HorizonError; d90: HorizonError };
  backtest: BacktestResult;
  attainment: AttainmentResult;
  /** Annotations dated in the 13-week trend window ending asOf, oldest first. */
  annotations: Annotation[];
}

/** Forecast, error, attainment and annotations for the week ending asOf. */
export function planAndForecast(data: Dataset, settings: KpiSettings, asOf: IsoDate): PlanAndForecast {
  const ctx = prepareKpiContext(data, settings);
  const index = prepareForecast(ctx);
  const { forecast, error, backtest } = forecastWithError(index, asOf);
  return {
    asOf,
    currency: settings.currency,
    forecast,
    error,
    backtest,
    attainment: attainmentAt(ctx, asOf, ctx.data.targets, { index, error }),
    annotations: annotationsBetween(ctx.data.annotations, addDays(asOf, -7 * TREND_WEEKS + 1), asOf),
  };
}

export interface FromFiles<T> {
  result: T;
  summary: LoadSummary;
  unconverted: readonly UnconvertedRow[];
}

/** `pulse forecast --data DIR`: every file read and validated (all usage history: the backtest replays it). */
export async function forecastFromSource(
  source: ContractSource,
  validator: RowValidator,
  settings: KpiSettings,
  asOf: IsoDate,
): Promise<FromFiles<PlanAndForecast>> {
  const { dataset, summary, unconverted } = await readDataset(source, validator);
  return { result: planAndForecast(dataset, settings, asOf), summary, unconverted };
}

/** `pulse forecast backtest --data DIR`: the backtest alone. */
export async function backtestFromSource(
  source: ContractSource,
  validator: RowValidator,
  settings: KpiSettings,
  asOf: IsoDate,
): Promise<FromFiles<BacktestResult>> {
  const { dataset, summary, unconverted } = await readDataset(source, validator);
  return {
    result: backtestForecast(prepareForecast(prepareKpiContext(dataset, settings)), asOf),
    summary,
    unconverted,
  };
}
