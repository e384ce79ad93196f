// Plan inputs and what is made of them (docs/metrics.md "Targets and attainment", "Annotations").
//
// Shapes, in short:
//  - Target: { metric, period, value }: a metric's goal for a fiscal quarter (`FY2027-Q3`) or year
//    (`FY2027`), as the archive labels them. value: cents for money metrics, a fraction for ratios
//    (1.05 = 105%), a whole number for logo counts.
//  - Annotation: { date, text, metric? }: a dated note, optionally tied to one trend figure.
//  - AttainmentRow: for one metric and period: actual (to date, or final once the period is over),
//    target, forecast for the period end (ARR metrics only, with its measured error) and the
//    attainment ratios actual / target and forecast / target.
import type { IsoDate } from '../dates';
import type { HorizonError } from '../forecast/types';
import type { TrendFigure } from '../kpi/types';

export const TARGET_METRICS = ['arr', 'net_new_arr', 'nrr', 'grr', 'logos', 'new_logos'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

/** How a metric's value is written and kept. */
export const TARGET_UNITS: Record<TargetMetric, 'money' | 'ratio' | 'count'> = {
  arr: 'money',
  net_new_arr: 'money',
  nrr: 'ratio',
  grr: 'ratio',
  logos: 'count',
  new_logos: 'count',
};

// Type aliases (not interfaces) so a record converts to Record<string, unknown> as the others do.
export type Target = {
  metric: TargetMetric;
  /** `FY2027` or `FY2027-Q3`. */
  period: string;
  /** Cents (money), a fraction (ratio) or a count. */
  value: number;
};

export const ANNOTATION_METRICS = ['arr', 'customers', 'nrr', 'grr', 'arr_at_risk', 'nps'] as const;
export type AnnotationMetric = (typeof ANNOTATION_METRICS)[number];

/** The trend figure (the report's charts) an annotation's metric belongs to. */
export const ANNOTATION_TREND_FIGURE: Record<AnnotationMetric, TrendFigure> = {
  arr: 'closingArr',
  customers: 'customers',
  nrr: 'nrr',
  grr: 'grr',
  arr_at_risk: 'arrAtRisk',
  nps: 'nps',
};

export type Annotation = {
  date: IsoDate;
  text: string;
  /** Absent: the note is about the company as a whole (drawn on every trend chart). */
  metric?: AnnotationMetric;
};

export interface FiscalPeriod {
  /** `FY2027` or `FY2027-Q3`. */
  label: string;
  kind: 'quarter' | 'year';
  fiscalYear: number;
  start: IsoDate;
  end: IsoDate;
}

export interface AttainmentRow {
  metric: TargetMetric;
  period: FiscalPeriod;
  /** The date the actual is taken: min(asOf, period end). */
  actualDate: IsoDate;
  /** True once asOf is on or after the period's end: the actual is final. */
  final: boolean;
  /** Money in cents, ratios as fractions, counts; null when undefined (an empty retention cohort). */
  actual: number | null;
  target: number | null;
  /**
   * The forecast for the period's end (arr and net_new_arr, while the period end is within the
   * 90 days the backtest measures); null otherwise, and once the period is over.
   */
  forecast: number | null;
  /** The measured error of the horizon used for `forecast` (30 or 90 days); null with no forecast. */
  forecastError: HorizonError | null;
  /** actual / target; null when no target or target <= 0. */
  attainment: number | null;
  /** forecast / target; null when either is missing or target <= 0. */
  forecastAttainment: number | null;
}

export interface AttainmentResult {
  asOf: IsoDate;
  quarter: FiscalPeriod;
  year: FiscalPeriod;
  /** One row per metric that has a target for the quarter, in TARGET_METRICS order. */
  quarterRows: AttainmentRow[];
  /** One row per metric that has a target for the year. */
  yearRows: AttainmentRow[];
}
