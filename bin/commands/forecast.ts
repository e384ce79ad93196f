// `pulse forecast` and `pulse forecast backtest`: the renewal and ARR forecast with the error its
// backtest measured, attainment against the plan, and the backtest's table, from a folder of files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  backtestFromSource,
  forecastFromSource,
  type FromFiles,
  type PlanAndForecast,
} from '../../functions/app/forecast';
import { isIsoDate, todayIn } from '../../functions/domain/dates';
import { backtestJson, forecastJson, type BacktestResult, type HorizonError } from '../../functions/domain/forecast';
import { kpiSettingsFrom, resolveAsOf } from '../../functions/domain/kpi';
import { annotationsJson, attainmentJson, TARGET_UNITS, type AttainmentRow } from '../../functions/domain/plan';
import {
  CliError,
  dataFolder,
  formatReject,
  loadConfig,
  printIgnored,
  printUnconverted,
  table,
  validatorFor,
} from './context';

export interface ForecastOptions {
  data?: string;
  asOf?: string;
  json?: boolean;
  config?: string;
}

/** The demo's files, when no --data is given. */
export const DEMO_DATA_DIR = join('.pulse', 'demo');

function inputs(opts: ForecastOptions) {
  const config = loadConfig(opts.config);
  const settings = kpiSettingsFrom(config);
  if (opts.asOf !== undefined && !isIsoDate(opts.asOf))
    throw new CliError(`--as-of "${opts.asOf}" is not a date (YYYY-MM-DD)`);
  const dir = opts.data ?? DEMO_DATA_DIR;
  if (opts.data === undefined && !existsSync(dir))
    throw new CliError(
      `no --data folder given and no demo data in ${dir}: run \`npm start\` first, or pass --data DIR`,
    );
  const asOf = resolveAsOf(opts.asOf ?? todayIn(config.company.timezone), settings.weekStartsOn);
  return { config, settings, asOf, source: dataFolder(dir), validator: validatorFor(config) };
}

function printLoad(read: Omit<FromFiles<unknown>, 'result'>): void {
  printIgnored(read.summary.ignoredFiles, (s) => console.error(s));
  for (const r of read.summary.rejects) console.error(`rejected ${formatReject(r)}`);
  if (read.summary.rejects.length)
    console.error(`${read.summary.rejects.length} row problem(s); the forecast uses the valid rows only.`);
  printUnconverted(read.unconverted, (s) => console.error(s));
}

export async function forecastCommand(opts: ForecastOptions): Promise<number> {
  const { config, settings, asOf, source, validator } = inputs(opts);
  const read = await forecastFromSource(source, validator, settings, asOf);
  printLoad(read);
  const r = read.result;
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          ...forecastJson(r.forecast, r.error),
          currency: r.currency,
          attainment: attainmentJson(r.attainment),
          annotations: annotationsJson(r.annotations),
        },
        null,
        2,
      ),
    );
  } else console.log(formatForecast(r, config.company.locale));
  return 0;
}

export async function backtestCommand(opts: ForecastOptions): Promise<number> {
  const { settings, asOf, source, validator } = inputs(opts);
  const read = await backtestFromSource(source, validator, settings, asOf);
  printLoad(read);
  console.log(
    opts.json ? JSON.stringify(backtestJson(read.result), null, 2) : formatBacktest(read.result, settings.currency),
  );
  return 0;
}

const pct = (v: number | null, digits = 1) => (v === null ? 'n/a' : `${(v * 100).toFixed(digits)}%`);
const signedPct = (v: number | null) => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);

export function errorLine(e: HorizonError): string {
  return e.points === 0
    ? 'not measured (no history to replay)'
    : `MAPE ${pct(e.mape)}, bias ${signedPct(e.bias)} over ${e.points} weekly points`;
}

/** The forecast with its error, calibration, open renewals (unless `renewals: false`), attainment and annotations. */
export function formatForecast(r: PlanAndForecast, locale = 'en-US', opts: { renewals?: boolean } = {}): string {
  const money = (cents: number | null) =>
    cents === null
      ? 'n/a'
      : new Intl.NumberFormat(locale, { style: 'currency', currency: r.currency, maximumFractionDigits: 0 }).format(
          cents / 100,
        );
  const f = r.forecast;
  const out: string[] = [`ARR forecast as of ${r.asOf} (${r.currency})`];
  out.push(
    table([
      ['', `30 days (${f.d30.date})`, `90 days (${f.d90.date})`],
      ['Contracted ARR', money(f.d30.contractedArr), money(f.d90.contractedArr)],
      ['- renewals it already counts', money(-f.d30.renewalsInContracted), money(-f.d90.renewalsInContracted)],
      ['+ expected renewals', money(f.d30.expectedRenewals), money(f.d90.expectedRenewals)],
      ['+ weighted pipeline', money(f.d30.weightedPipeline), money(f.d90.weightedPipeline)],
      ['= forecast ARR', money(f.d30.forecast), money(f.d90.forecast)],
      [
        'renewals due (ARR up)',
        `${f.d30.renewalsDue.count} (${money(f.d30.renewalsDue.arr)})`,
        `${f.d90.renewalsDue.count} (${money(f.d90.renewalsDue.arr)})`,
      ],
      [
        'pipeline closing',
        `${f.d30.pipeline.count} (${money(f.d30.pipeline.arr)})`,
        `${f.d90.pipeline.count} (${money(f.d90.pipeline.arr)})`,
      ],
    ]),
  );
  out.push(`Measured error (backtest): 30 days ${errorLine(r.error.d30)}; 90 days ${errorLine(r.error.d90)}`);
  const c = f.calibration;
  out.push(
    '',
    `Calibration: renewals closed up to ${c.asOf}, each band shrunk toward the prior ${pct(c.prior.value)} with weight ${c.priorWeight}`,
  );
  out.push(
    table([
      ['band', 'closed', 'ARR up', 'kept', 'observed', 'probability'],
      ...Object.values(c.bands).map((b) => [
        b.band,
        String(b.renewals),
        money(b.arrUp),
        money(b.keptArr),
        pct(b.observed),
        pct(b.value),
      ]),
      ['win rate', `${c.winRate.won} won / ${c.winRate.lost} lost`, '', '', '', pct(c.winRate.value)],
    ]),
  );
  if (f.renewals.length && opts.renewals !== false) {
    out.push('', 'Open renewals within 90 days (overdue included)');
    out.push(
      table([
        ['renewal', 'account', 'due', 'ARR up', 'band', 'p', 'expected'],
        ...f.renewals.map((x) => [
          x.renewalId,
          x.accountId,
          x.dueDate,
          money(x.arrUp),
          x.band,
          pct(x.probability),
          money(x.expectedArr),
        ]),
      ]),
    );
  }
  const a = r.attainment;
  for (const [period, rows] of [
    [a.quarter, a.quarterRows],
    [a.year, a.yearRows],
  ] as const) {
    out.push('', `Attainment ${period.label} (${period.start} .. ${period.end})`);
    if (rows.length === 0) {
      out.push(`  no targets for ${period.label} (targets.csv: metric, period, value)`);
      continue;
    }
    const v = (row: AttainmentRow, x: number | null) =>
      x === null
        ? 'n/a'
        : TARGET_UNITS[row.metric] === 'money'
          ? money(x)
          : TARGET_UNITS[row.metric] === 'ratio'
            ? pct(x)
            : String(x);
    out.push(
      table([
        ['metric', 'actual', 'target', 'attainment', 'forecast', 'forecast vs target'],
        ...rows.map((row) => [
          row.metric,
          `${v(row, row.actual)}${row.final ? '' : ` (to ${row.actualDate})`}`,
          v(row, row.target),
          pct(row.attainment),
          row.forecast === null ? '' : `${v(row, row.forecast)} (MAPE ${pct(row.forecastError?.mape ?? null)})`,
          pct(row.forecastAttainment),
        ]),
      ]),
    );
  }
  if (r.annotations.length) {
    out.push('', 'Annotations (13 weeks)');
    for (const n of r.annotations) out.push(`  ${n.date}  ${n.text}${n.metric ? `  [${n.metric}]` : ''}`);
  }
  return out.join('\n');
}

export function formatBacktest(b: BacktestResult, currency: string): string {
  const money = (cents: number) => (cents / 100).toLocaleString('en-US', { maximumFractionDigits: 0 });
  const out = [
    `Forecast backtest up to ${b.asOf} (${currency}): weekly as-of dates, each forecast made with only what was known then`,
  ];
  out.push(
    table([
      ['horizon', 'points', 'MAPE', 'bias', 'from', 'to'],
      ...[b.d30, b.d90].map((e) => [
        `${e.horizonDays} days`,
        String(e.points),
        pct(e.mape, 2),
        signedPct(e.bias),
        e.from ?? '',
        e.to ?? '',
      ]),
    ]),
  );
  out.push(
    '',
    table([
      ['as of', 'horizon', 'date', 'forecast', 'actual', 'error'],
      ...b.points.map((p) => [
        p.asOf,
        `${p.horizonDays}d`,
        p.date,
        money(p.forecast),
        money(p.actual),
        signedPct(p.error),
      ]),
    ]),
  );
  return out.join('\n');
}
