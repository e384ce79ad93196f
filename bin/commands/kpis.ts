import { readDataset } from '../../functions/app/read-contract';
import { COMPANY_SCOPE, segmentScope } from '../../functions/app/compute-week';
import { isIsoDate, weekFromLabel } from '../../functions/domain/dates';
import {
  computeKpis,
  computeSegmentKpis,
  kpiSettingsFrom,
  resolveAsOf,
  toKpiJson,
  usageNeededFrom,
  type KpiJson,
} from '../../functions/domain/kpi';
import { weekStartsOnNumber } from '../../functions/config';
import {
  CliError,
  dataFolder,
  formatReject,
  loadConfig,
  printIgnored,
  printUnconverted,
  validatorFor,
} from './context';
import { formatKpiTable } from './kpi-table';
// The stored snapshot's store (and the AWS SDK) is imported only for --week: `--data` needs no servers.
import type { TargetOptions } from './target';

export interface KpisOptions extends TargetOptions {
  data?: string;
  asOf?: string;
  week?: string;
  json?: boolean;
  segment?: string;
  strict?: boolean;
  config?: string;
}

/** `pulse kpis`: from a folder of files (no servers), or a stored weekly snapshot. */
export async function kpisCommand(opts: KpisOptions): Promise<number> {
  const config = loadConfig(opts.config);
  if (opts.week) return printSnapshot(opts, config.company.locale, weekStartsOnNumber(config));
  if (!opts.data || !opts.asOf)
    throw new CliError('pulse kpis needs --data DIR and --as-of DATE, or --week YYYY-Www for a stored week');
  if (!isIsoDate(opts.asOf)) throw new CliError(`--as-of "${opts.asOf}" is not a date (YYYY-MM-DD)`);

  const source = dataFolder(opts.data);
  const settings = kpiSettingsFrom(config);
  const asOf = resolveAsOf(opts.asOf, settings.weekStartsOn);
  const { dataset, summary, unconverted } = await readDataset(source, validatorFor(config), {
    usageFrom: usageNeededFrom(asOf),
  });
  printIgnored(summary.ignoredFiles, (s) => console.error(s));
  for (const r of summary.rejects) console.error(`rejected ${formatReject(r)}`);
  if (summary.rejects.length)
    console.error(`${summary.rejects.length} row problem(s); the KPIs use the valid rows only.`);
  // Also in the output itself (`unconverted`); on stderr so a --json reader sees them too.
  printUnconverted(unconverted, (s) => console.error(s));

  let doc: KpiJson;
  if (opts.segment) {
    const segments = computeSegmentKpis(dataset, asOf, settings);
    if (!segments.has(opts.segment)) {
      throw new CliError(
        `no segment "${opts.segment}" in the data (segments: ${[...segments.keys()].join(', ') || 'none'})`,
      );
    }
    doc = toKpiJson(computeKpis(dataset, asOf, settings, { segment: opts.segment }));
  } else {
    doc = toKpiJson(computeKpis(dataset, asOf, settings));
  }
  console.log(opts.json ? JSON.stringify(doc, null, 2) : formatKpiTable(doc, config.company.locale));
  return opts.strict && (summary.rejects.length || unconverted.length) ? 1 : 0;
}

async function printSnapshot(
  opts: KpisOptions,
  locale: string,
  weekStartsOn: 1 | 2 | 3 | 4 | 5 | 6 | 7,
): Promise<number> {
  let label: string;
  try {
    label = weekFromLabel(opts.week!, weekStartsOn).label;
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const scope = opts.segment ? segmentScope(opts.segment) : COMPANY_SCOPE;
  const { openTarget } = await import('./target');
  const { store, close } = await openTarget(opts);
  try {
    const snapshot = await store.getSnapshot(scope, label);
    if (!snapshot)
      throw new CliError(
        `no stored snapshot for ${scope} week ${label}: run \`pulse demo\` (or compute that week) first`,
      );
    const doc = snapshot.kpis as KpiJson;
    console.log(
      opts.json ? JSON.stringify(doc, null, 2) : `${formatKpiTable(doc, locale)}\n(computed ${snapshot.computedAt})`,
    );
    return 0;
  } finally {
    await close();
  }
}
