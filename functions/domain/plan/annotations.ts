// Annotations: dated notes that explain a jump in the numbers, listed in the report and the pack
// and drawn on the trend charts (docs/metrics.md "Annotations").
import type { IsoDate } from '../dates';
import type { TrendFigure } from '../kpi/types';
import { ANNOTATION_TREND_FIGURE, type Annotation } from './types';

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The annotations dated in [from, to], oldest first (same date: by metric, then text). With
 * `figure`, only those for that trend figure and those without a metric (company-wide notes).
 */
export function annotationsBetween(
  annotations: readonly Annotation[],
  from: IsoDate,
  to: IsoDate,
  figure?: TrendFigure,
): Annotation[] {
  return annotations
    .filter((a) => a.date >= from && a.date <= to)
    .filter((a) => figure === undefined || a.metric === undefined || ANNOTATION_TREND_FIGURE[a.metric] === figure)
    .sort((x, y) => cmp(x.date, y.date) || cmp(x.metric ?? '', y.metric ?? '') || cmp(x.text, y.text));
}

/** The identity of an annotation: the same date, metric and text is the same note (loading it twice keeps one). */
export function annotationKey(a: Annotation): string {
  return `${a.date}#${a.metric ?? ''}#${a.text}`;
}
