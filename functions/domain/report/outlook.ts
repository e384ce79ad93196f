// The "Signed and forecast" section of the e-mail and the board pack (contracted ARR, the 90-day
// ARR forecast printed with its measured backtest error, attainment against target) and the
// annotations drawn on the trend charts. Pure: the figures come in computed; this module decides
// what is shown and how the annotations map onto the trend's weeks.
import { addDays, type IsoDate } from '../dates';
import { forecastWithError, prepareForecast, type ForecastWithError, type HorizonError } from '../forecast';
import type { KpiContext } from '../kpi/engine';
import type { ContractedArrResult } from '../kpi/types';
import type { Cents } from '../money';
import { attainmentAt, type AnnotationMetric, type AttainmentResult, type Target, type TargetMetric } from '../plan';
import type { ValueFormat } from './format';

/** The measured error of a forecast at one horizon, from the backtest over the company's history. */
export interface ForecastError {
  /** Mean absolute percentage error, a fraction (0.034 = 3.4%); null when nothing could be measured. */
  mape: number | null;
  /** Mean signed percentage error, a fraction: positive when the forecast ran high. */
  bias: number | null;
  /** Forecast dates the error was measured on. */
  samples: number;
}

export interface ForecastFigures {
  horizonDays: number;
  /** asOf + horizonDays. */
  date: IsoDate;
  /** contracted + expectedRenewals + weightedPipeline. */
  arr: Cents;
  contracted: Cents;
  expectedRenewals: Cents;
  weightedPipeline: Cents;
  /** The backtest's error at this horizon; without it the forecast is not shown. */
  error: ForecastError | null;
}

export interface AttainmentRow {
  /** `Closing ARR`, `Net new ARR`, `NRR`, `GRR`, `Customers`. */
  label: string;
  /** `FY2027-Q3` or `FY2027`. */
  period: string;
  actual: number | null;
  target: number | null;
  /** The forecast for the period's end, when there is one. */
  forecast: number | null;
  /** actual / target (a fraction), null without a target or with a target of 0. */
  attainment: number | null;
  format: ValueFormat;
}

export interface Annotation {
  date: IsoDate;
  text: string;
  /** The figure the note is about; absent: the company as a whole. */
  metric?: AnnotationMetric;
}

export interface OutlookInput {
  /** The 90-day ARR forecast with its backtest error, when computed. */
  forecast?: ForecastFigures | null;
  /** Actual against target for the fiscal quarter and year, when targets are given. */
  attainment?: readonly AttainmentRow[];
}

export interface OutlookView {
  contracted: ContractedArrResult;
  /** Shown only with its measured error (null otherwise: see `forecastNote`). */
  forecast: ForecastFigures | null;
  /** Why no forecast is shown, or empty. */
  forecastNote: string;
  attainment: AttainmentRow[];
}

export function outlookView(contracted: ContractedArrResult, input: OutlookInput = {}): OutlookView {
  const f = input.forecast ?? null;
  // No forecast without its measured error.
  const measured = f !== null && f.error !== null && f.error.mape !== null && f.error.samples > 0;
  const forecastNote =
    f === null
      ? 'No forecast: it needs renewal history to calibrate and backtest.'
      : measured
        ? ''
        : 'No forecast: its backtest has no history to measure the error on yet.';
  return { contracted, forecast: measured ? f : null, forecastNote, attainment: [...(input.attainment ?? [])] };
}

export interface AnnotationRow {
  /** 1, 2, ... in date order: the label drawn on the charts. */
  number: number;
  date: IsoDate;
  text: string;
  /** The trend point (week) the date falls in. */
  weekIndex: number;
  metric: AnnotationMetric | null;
}

/**
 * The annotations dated within the trend's weeks (each week is the 7 days ending on its asOf),
 * oldest first and numbered; the others are not on the charts and not listed.
 */
export function trendAnnotations(annotations: readonly Annotation[], weekEnds: readonly IsoDate[]): AnnotationRow[] {
  const first = weekEnds[0];
  if (first === undefined) return [];
  const from = addDays(first, -6);
  const to = weekEnds[weekEnds.length - 1]!;
  // eslint-disable-next-line no-control-regex
  const oneLine = (t: string) => t.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return annotations
    .filter((a) => a.date >= from && a.date <= to && oneLine(a.text) !== '')
    .map((a, order) => ({ a, order }))
    .sort((x, y) => (x.a.date < y.a.date ? -1 : x.a.date > y.a.date ? 1 : x.order - y.order))
    .map(({ a }, i) => ({
      number: i + 1,
      date: a.date,
      text: oneLine(a.text),
      weekIndex: weekEnds.findIndex((end) => a.date <= end),
      metric: a.metric ?? null,
    }));
}

/**
 * A trend chart's markers: each note's number at its week, for the notes on these figures (a note
 * without a metric goes on every chart).
 */
export function chartMarkers(
  notes: readonly AnnotationRow[],
  figures: readonly AnnotationMetric[],
): { index: number; label: string }[] {
  return notes
    .filter((a) => a.metric === null || figures.includes(a.metric))
    .map((a) => ({ index: a.weekIndex, label: String(a.number) }));
}

const toError = (e: HorizonError): ForecastError => ({ mape: e.mape, bias: e.bias, samples: e.points });

/** The 90-day horizon of a forecast with its measured error, as the report prints it. */
export function forecastFigures(f: ForecastWithError): ForecastFigures {
  const h = f.forecast.d90;
  return {
    horizonDays: h.horizonDays,
    date: h.date,
    arr: h.forecast,
    // What the lines already hold for that day, net of the renewals counted again as expected.
    contracted: h.contractedArr - h.renewalsInContracted,
    expectedRenewals: h.expectedRenewals,
    weightedPipeline: h.weightedPipeline,
    error: toError(f.error.d90),
  };
}

const METRIC_LABEL: Record<TargetMetric, { label: string; format: ValueFormat }> = {
  arr: { label: 'Closing ARR', format: 'moneyCompact' },
  net_new_arr: { label: 'Net new ARR', format: 'moneyCompact' },
  nrr: { label: 'NRR', format: 'percent' },
  grr: { label: 'GRR', format: 'percent' },
  logos: { label: 'Customers', format: 'count' },
  new_logos: { label: 'New logos', format: 'count' },
};

/** The quarter's rows, then the year's, as the report prints them. */
export function attainmentRows(a: AttainmentResult): AttainmentRow[] {
  return [...a.quarterRows, ...a.yearRows].map((r) => ({
    label: METRIC_LABEL[r.metric].label,
    period: r.period.label,
    actual: r.actual,
    target: r.target,
    forecast: r.forecast,
    attainment: r.attainment,
    format: METRIC_LABEL[r.metric].format,
  }));
}

/**
 * The forecast with its backtest (over up to two years of week ends before asOf) and the attainment
 * against `targets`, from the report's KPI context.
 */
export function reportOutlook(ctx: KpiContext, asOf: IsoDate, targets: readonly Target[]): OutlookInput {
  const index = prepareForecast(ctx);
  const measured = forecastWithError(index, asOf);
  return {
    forecast: forecastFigures(measured),
    attainment: targets.length
      ? attainmentRows(attainmentAt(ctx, asOf, targets, { index, error: measured.error }))
      : [],
  };
}

/** The plan rows of a dataset: its targets and annotations (none when it has no such rows). */
export function planOf(data: object): { targets: readonly Target[]; annotations: readonly Annotation[] } {
  const d = data as { targets?: readonly Target[]; annotations?: readonly Annotation[] };
  return { targets: d.targets ?? [], annotations: d.annotations ?? [] };
}
