// Attainment and annotations as JSON (`pulse forecast --json`): money metrics as amounts with 2
// decimals, ratios as fractions, counts as counts.
import { horizonErrorJson } from '../forecast/json';
import { centsToAmount } from '../money';
import { TARGET_UNITS, type Annotation, type AttainmentResult, type AttainmentRow, type FiscalPeriod } from './types';

function rowJson(r: AttainmentRow) {
  const v = (x: number | null) => (x === null ? null : TARGET_UNITS[r.metric] === 'money' ? centsToAmount(x) : x);
  return {
    metric: r.metric,
    actualDate: r.actualDate,
    final: r.final,
    actual: v(r.actual),
    target: v(r.target),
    forecast: v(r.forecast),
    forecastError: r.forecastError ? horizonErrorJson(r.forecastError) : null,
    attainment: r.attainment,
    forecastAttainment: r.forecastAttainment,
  };
}

const periodJson = (p: FiscalPeriod, rows: readonly AttainmentRow[]) => ({
  period: p.label,
  start: p.start,
  end: p.end,
  rows: rows.map(rowJson),
});

export function attainmentJson(a: AttainmentResult) {
  return { asOf: a.asOf, quarter: periodJson(a.quarter, a.quarterRows), year: periodJson(a.year, a.yearRows) };
}

export function annotationsJson(list: readonly Annotation[]) {
  return list.map((a) => ({ date: a.date, text: a.text, metric: a.metric ?? null }));
}
