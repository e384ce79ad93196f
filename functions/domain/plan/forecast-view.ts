// What `pulse forecast` (and the demo) print: the forecast with its measured error, the calibration,
// the open renewals, attainment and annotations, and the backtest's tables, as titled tables of
// text. Every figure goes through the report's formatter (../report/format.ts), in the company's
// locale and currency, so the terminal prints money and percentages as the e-mail does.
import type { IsoDate } from '../dates';
import type { ArrForecast, BacktestResult, HorizonError } from '../forecast/types';
import type { Formatter } from '../report/format';
import { TARGET_UNITS, type Annotation, type AttainmentResult, type AttainmentRow } from './types';

/** A block of the output: a title line, a table (first row the header), then lines of text. */
export interface TextSection {
  title?: string;
  table?: string[][];
  notes?: string[];
}

/** The forecast and what goes with it (the forecast use case's result). */
export interface ForecastReport {
  asOf: IsoDate;
  currency: string;
  forecast: ArrForecast;
  error: { d30: HorizonError; d90: HorizonError };
  attainment: AttainmentResult;
  annotations: readonly Annotation[];
}

export function errorLine(e: HorizonError, f: Formatter): string {
  return e.points === 0
    ? 'not measured (no history to replay)'
    : `MAPE ${f.percent(e.mape)}, bias ${f.signedPercent(e.bias)} over ${e.points} weekly points`;
}

/** The forecast with its error, calibration, open renewals (unless `renewals: false`), attainment and annotations. */
export function forecastView(r: ForecastReport, f: Formatter, opts: { renewals?: boolean } = {}): TextSection[] {
  const { d30, d90, calibration: c } = r.forecast;
  const both = (pick: (h: typeof d30) => string) => [pick(d30), pick(d90)];
  const sections: TextSection[] = [
    {
      title: `ARR forecast as of ${r.asOf} (${r.currency})`,
      table: [
        ['', `30 days (${d30.date})`, `90 days (${d90.date})`],
        ['Contracted ARR', ...both((h) => f.money(h.contractedArr))],
        ['- renewals it already counts', ...both((h) => f.money(-h.renewalsInContracted))],
        ['+ expected renewals', ...both((h) => f.money(h.expectedRenewals))],
        ['+ weighted pipeline', ...both((h) => f.money(h.weightedPipeline))],
        ['= forecast ARR', ...both((h) => f.money(h.forecast))],
        ['renewals due (ARR up)', ...both((h) => `${h.renewalsDue.count} (${f.money(h.renewalsDue.arr)})`)],
        ['pipeline closing', ...both((h) => `${h.pipeline.count} (${f.money(h.pipeline.arr)})`)],
      ],
      notes: [`Measured error (backtest): 30 days ${errorLine(r.error.d30, f)}; 90 days ${errorLine(r.error.d90, f)}`],
    },
    {
      title: `Calibration: renewals closed up to ${c.asOf}, each band shrunk toward the prior ${f.percent(c.prior.value)} with weight ${c.priorWeight}`,
      table: [
        ['band', 'closed', 'ARR up', 'kept', 'observed', 'probability'],
        ...Object.values(c.bands).map((b) => [
          b.band,
          String(b.renewals),
          f.money(b.arrUp),
          f.money(b.keptArr),
          f.percent(b.observed),
          f.percent(b.value),
        ]),
        ['win rate', `${c.winRate.won} won / ${c.winRate.lost} lost`, '', '', '', f.percent(c.winRate.value)],
      ],
    },
  ];
  if (r.forecast.renewals.length && opts.renewals !== false) {
    sections.push({
      title: 'Open renewals within 90 days (overdue included)',
      table: [
        ['renewal', 'account', 'due', 'ARR up', 'band', 'p', 'expected'],
        ...r.forecast.renewals.map((x) => [
          x.renewalId,
          x.accountId,
          x.dueDate,
          f.money(x.arrUp),
          x.band,
          f.percent(x.probability),
          f.money(x.expectedArr),
        ]),
      ],
    });
  }
  const a = r.attainment;
  for (const [period, rows] of [
    [a.quarter, a.quarterRows],
    [a.year, a.yearRows],
  ] as const) {
    const title = `Attainment ${period.label} (${period.start} .. ${period.end})`;
    if (rows.length === 0) {
      sections.push({ title, notes: [`  no targets for ${period.label} (targets.csv: metric, period, value)`] });
      continue;
    }
    const v = (row: AttainmentRow, x: number | null) => targetValue(row, x, f);
    sections.push({
      title,
      table: [
        ['metric', 'actual', 'target', 'attainment', 'forecast', 'forecast vs target'],
        ...rows.map((row) => [
          row.metric,
          `${v(row, row.actual)}${row.final ? '' : ` (to ${row.actualDate})`}`,
          v(row, row.target),
          f.percent(row.attainment),
          row.forecast === null ? '' : `${v(row, row.forecast)} (MAPE ${f.percent(row.forecastError?.mape ?? null)})`,
          f.percent(row.forecastAttainment),
        ]),
      ],
    });
  }
  if (r.annotations.length) {
    sections.push({
      title: 'Annotations (13 weeks)',
      notes: r.annotations.map((n) => `  ${n.date}  ${n.text}${n.metric ? `  [${n.metric}]` : ''}`),
    });
  }
  return sections;
}

/** A target metric's figure in its unit: money, a ratio as a percent, or a count. */
function targetValue(row: AttainmentRow, x: number | null, f: Formatter): string {
  const unit = TARGET_UNITS[row.metric];
  return unit === 'money' ? f.money(x) : unit === 'ratio' ? f.percent(x) : f.count(x);
}

/** The backtest's error per horizon, then every weekly point it replayed. */
export function backtestView(b: BacktestResult, f: Formatter): TextSection[] {
  return [
    {
      title: `Forecast backtest up to ${b.asOf} (${f.currency}): weekly as-of dates, each forecast made with only what was known then`,
      table: [
        ['horizon', 'points', 'MAPE', 'bias', 'from', 'to'],
        ...[b.d30, b.d90].map((e) => [
          `${e.horizonDays} days`,
          String(e.points),
          f.percent(e.mape, 2),
          f.signedPercent(e.bias),
          e.from ?? '',
          e.to ?? '',
        ]),
      ],
    },
    {
      table: [
        ['as of', 'horizon', 'date', 'forecast', 'actual', 'error'],
        ...b.points.map((p) => [
          p.asOf,
          `${p.horizonDays}d`,
          p.date,
          f.money(p.forecast),
          f.money(p.actual),
          f.signedPercent(p.error),
        ]),
      ],
    },
  ];
}
