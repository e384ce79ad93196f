// The cohort heatmap of the e-mail and the board pack: the revenue view of the last 12 monthly
// cohorts (docs/metrics.md "Cohorts") as rows of cells, each with its figure and a background from
// a fixed, stepped colour scale. Pure: the e-mail draws it as an HTML table with inline
// backgrounds (no image), the PDF as rectangles, from the same cells.
import type { CohortResult } from '../kpi/types';
import type { Cents } from '../money';
import type { Formatter } from './format';

/** Cohorts shown: the 12 calendar months before the reported month. */
export const HEATMAP_COHORTS = 12;
/** Ages shown, in months after the cohort's month (age 0 is 100% by definition and is left out). */
export const HEATMAP_AGES = 12;

/**
 * The colour scale of revenue retention, lowest step first: a cell takes the last step whose
 * `from` it reaches. Every background is light enough for the dark cell text (at least 4.5:1).
 */
export const HEATMAP_SCALE: readonly { from: number; background: string; label: string }[] = [
  { from: Number.NEGATIVE_INFINITY, background: '#f8c9c6', label: 'below 70%' },
  { from: 0.7, background: '#fbdcb4', label: '70-80%' },
  { from: 0.8, background: '#fbecb0', label: '80-90%' },
  { from: 0.9, background: '#dcefc9', label: '90-100%' },
  { from: 1.0, background: '#b9e3c6', label: '100-110%' },
  { from: 1.1, background: '#8fd1a8', label: '110% and up' },
];
/** The text colour on every step, and the background of an age not reached yet. */
export const HEATMAP_TEXT = '#111827';
export const HEATMAP_EMPTY = '#ffffff';

export interface HeatmapCell {
  /** Age in months. */
  age: number;
  /** Revenue retention (cohort ARR at the age's month end / base ARR), or null while the age is not reached. */
  value: number | null;
  /** `97` (whole percent, no sign), or empty. */
  text: string;
  background: string;
}

export interface HeatmapRow {
  /** `YYYY-MM`. */
  month: string;
  /** `Dec 2025`. */
  label: string;
  customers: number;
  baseArr: Cents;
  /** Ages 1..12; empty cells for ages not reached (and for a month without new customers). */
  cells: HeatmapCell[];
}

export interface CohortHeatmap {
  ages: number[];
  /** Oldest cohort first. */
  rows: HeatmapRow[];
  legend: { label: string; background: string }[];
  /** True when no cohort has a customer (the section says so instead of drawing empty rows). */
  empty: boolean;
}

/** The background of a revenue-retention value. */
export function heatmapColor(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return HEATMAP_EMPTY;
  let color = HEATMAP_SCALE[0]!.background;
  for (const step of HEATMAP_SCALE) if (value >= step.from) color = step.background;
  return color;
}

export function cohortHeatmap(cohorts: readonly CohortResult[], f: Formatter): CohortHeatmap {
  const ages = Array.from({ length: HEATMAP_AGES }, (_, i) => i + 1);
  const monthFmt = new Intl.DateTimeFormat(f.locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const rows = cohorts.slice(-HEATMAP_COHORTS).map(
    (c): HeatmapRow => ({
      month: c.month,
      label: monthFmt.format(new Date(`${c.month}-01T00:00:00Z`)),
      customers: c.customers,
      baseArr: c.baseArr,
      cells: ages.map((age) => {
        const value = c.customers > 0 ? (c.revenue[age] ?? null) : null;
        return {
          age,
          value,
          text: value === null ? '' : String(Math.round(value * 100)),
          background: heatmapColor(value),
        };
      }),
    }),
  );
  return {
    ages,
    rows,
    legend: HEATMAP_SCALE.map((s) => ({ label: s.label, background: s.background })),
    empty: rows.every((r) => r.customers === 0),
  };
}
