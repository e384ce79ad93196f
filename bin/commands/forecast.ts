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
import { backtestJson, forecastJson, type BacktestResult } from '../../functions/domain/forecast';
import { kpiSettingsFrom, resolveAsOf } from '../../functions/domain/kpi';
import {
  annotationsJson,
  attainmentJson,
  backtestView,
  forecastView,
  type TextSection,
} from '../../functions/domain/plan';
import { createFormatter } from '../../functions/domain/report/format';
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
  const { config, settings, asOf, source, validator } = inputs(opts);
  const read = await backtestFromSource(source, validator, settings, asOf);
  printLoad(read);
  console.log(
    opts.json
      ? JSON.stringify(backtestJson(read.result), null, 2)
      : formatBacktest(read.result, config.company.locale, settings.currency),
  );
  return 0;
}

/** The view's sections as text: a title line, its table, its lines; a blank line between sections. */
function render(sections: TextSection[]): string {
  return sections
    .map((s) => [...(s.title ? [s.title] : []), ...(s.table ? [table(s.table)] : []), ...(s.notes ?? [])].join('\n'))
    .join('\n\n');
}

/** The forecast with its error, calibration, open renewals (unless `renewals: false`), attainment and annotations. */
export function formatForecast(r: PlanAndForecast, locale = 'en-US', opts: { renewals?: boolean } = {}): string {
  return render(forecastView(r, createFormatter(locale, r.currency), opts));
}

export function formatBacktest(b: BacktestResult, locale: string, currency: string): string {
  return render(backtestView(b, createFormatter(locale, currency)));
}
