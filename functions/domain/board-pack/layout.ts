// The quarter-end board pack as a document: which figures, tables and charts go on which page, every
// figure already formatted as the e-mail formats it (functions/domain/report/format.ts). Pure: the
// PDF adapter (functions/adapters/render/board-pack-pdf.ts) only draws what this describes.
//
// Pages: headline KPIs (with the 13-week trends), the quarter's ARR bridge, cohorts, renewals,
// forecast and attainment, segments, annotations.
import { addDays, type IsoDate } from '../dates';
import type { Dataset } from '../contract/validate';
import { kpiScopes, kpisAt, resolveAsOf, type KpiResult, type KpiScopes, type KpiSettings } from '../kpi';
import type { FiscalPeriod } from '../plan';
import {
  buildWeeklyReportView,
  computeWeeklyReportData,
  createFormatter,
  planOf,
  reportOutlook,
  weeklyReportInput,
  type Annotation,
  type AnnotationRow,
  type CohortHeatmap,
  type Formatter,
  type Tone,
  type WeeklyReportView,
} from '../report';

export interface FigureItem {
  label: string;
  value: string;
  /** The change over the quarter, e.g. `+$1.2M`, `+0.4 pts`; empty without a comparison. */
  change: string;
  tone: Tone;
  note: string;
}

export interface TableColumn {
  label: string;
  align: 'left' | 'right';
  /** Share of the content width; a table's columns add up to 1. */
  width: number;
}

export interface TableRow {
  cells: string[];
  /** A total line: bold, with a rule above. */
  strong?: boolean;
}

export type BoardBlock =
  | { kind: 'figures'; items: FigureItem[] }
  | { kind: 'table'; columns: TableColumn[]; rows: TableRow[] }
  | { kind: 'chart'; chart: BoardChartId }
  | { kind: 'heatmap'; heatmap: CohortHeatmap }
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string; muted?: boolean };

export interface BoardPage {
  title: string;
  blocks: BoardBlock[];
}

export type BoardChartId = 'waterfall' | 'arrTrend' | 'retention';

/** What the charts are drawn from (the adapter renders them with the e-mail's chart renderer). */
export interface BoardCharts {
  currency: string;
  locale: string;
  /** The quarter's bridge, in cents. */
  bridge: {
    open: number;
    new: number;
    reactivation: number;
    expansion: number;
    contraction: number;
    churn: number;
    fx: number;
    close: number;
  };
  bridgeSubtitle: string;
  /** The 13 weeks ending on the quarter's last day. */
  trend: { label: string; arr: number; nrr: number | null; grr: number | null }[];
  trendSubtitle: string;
  annotations: AnnotationRow[];
}

export interface BoardPackDocument {
  /** `board-pack-FY2027-Q3.pdf` */
  fileName: string;
  /** `Northwind Cloud board pack, FY2027-Q3` */
  title: string;
  /** `Aug 1 – Oct 31, 2026 · figures as of Oct 31, 2026 · USD` */
  subtitle: string;
  quarter: { label: string; start: IsoDate; end: IsoDate };
  companyName: string;
  generatedAt: string;
  charts: BoardCharts;
  pages: BoardPage[];
  /** The headline figures as printed on the first page (the tests read them back from the PDF). */
  headline: { closingArr: string; nrr: string; grr: string };
}

export const boardPackFileName = (quarterLabel: string) => `board-pack-${quarterLabel}.pdf`;

export interface BoardPackInput {
  companyName: string;
  locale: string;
  quarter: FiscalPeriod;
  /** The report's view for the quarter's last day (headline, renewals, risks, segments, cohorts, outlook). */
  view: WeeklyReportView;
  /** The KPIs as of the quarter's last day. */
  result: KpiResult;
  /** The KPIs as of the day before the quarter started: the changes over the quarter. */
  opening: KpiResult;
  /** Every annotation (those dated in the quarter are listed). */
  annotations: readonly Annotation[];
  generatedAt: string;
}

const toneOf = (v: number | null, higherIsBetter: boolean): Tone =>
  v === null || v === 0 ? 'neutral' : v > 0 === higherIsBetter ? 'good' : 'bad';
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

export function buildBoardPack(input: BoardPackInput): BoardPackDocument {
  const { view: v, result: k, opening: o, quarter: q } = input;
  const f = createFormatter(input.locale, k.currency);
  const qb = k.arrBridgeQtd;
  const qc = k.customersQtd;
  const net = qb.close - qb.open;

  const fig = (
    label: string,
    value: string,
    change: number | null,
    format: Parameters<Formatter['delta']>[1],
    higherIsBetter: boolean,
    note: string,
  ): FigureItem => ({
    label,
    value,
    change: change === null ? '' : `${f.delta(change, format)} in the quarter`,
    tone: toneOf(
      change === null || Math.abs(change) < (format === 'percent' ? 0.0005 : 0.5) ? 0 : change,
      higherIsBetter,
    ),
    note,
  });
  const headline = {
    closingArr: f.money(k.arrBridge.close),
    nrr: f.percent(k.retention.nrr),
    grr: f.percent(k.retention.grr),
  };
  const figures: FigureItem[] = [
    fig('Closing ARR', headline.closingArr, net, 'moneyCompact', true, 'annual recurring revenue'),
    fig(
      'NRR',
      headline.nrr,
      diff(k.retention.nrr, o.retention.nrr),
      'percent',
      true,
      'net revenue retention, 12 months',
    ),
    fig(
      'GRR',
      headline.grr,
      diff(k.retention.grr, o.retention.grr),
      'percent',
      true,
      'gross revenue retention, 12 months',
    ),
    fig(
      'Customers',
      f.count(k.customers.close),
      k.customers.close - o.customers.close,
      'count',
      true,
      'paying accounts',
    ),
    fig(
      'ARR at risk',
      f.money(k.health.arrAtRisk),
      k.health.arrAtRisk - o.health.arrAtRisk,
      'moneyCompact',
      false,
      `${k.health.red.count} red-health customers`,
    ),
    fig(
      'NPS',
      f.points(k.voice.nps),
      diff(k.voice.nps, o.voice.nps),
      'points',
      true,
      `${f.count(k.voice.npsResponses)} responses, 90 days`,
    ),
  ];

  const rate = qb.open > 0 ? ` (${f.signedPercent(net / qb.open, 1)})` : '';
  const summary =
    `Closing ARR is ${f.money(qb.close)}, ${net >= 0 ? 'up' : 'down'} ${f.money(Math.abs(net))}${rate} over ${q.label}: ` +
    `${f.money(qb.new)} new from ${qc.new} logos, ${f.money(qb.expansion)} expansion and ${f.money(qb.reactivation)} reactivation, ` +
    `against ${f.money(qb.contraction)} contraction and ${f.money(qb.churn)} churn from ${qc.churned} logos.`;

  const headlinePage: BoardPage = {
    title: 'Headline KPIs',
    blocks: [
      { kind: 'figures', items: figures },
      { kind: 'text', text: summary },
      { kind: 'chart', chart: 'arrTrend' },
      { kind: 'chart', chart: 'retention' },
    ],
  };

  const bridgeRows: TableRow[] = [
    { cells: ['Opening ARR', f.money(qb.open), ''] },
    { cells: ['New', f.signedMoney(qb.new), `${qc.new} logos`] },
    { cells: ['Reactivation', f.signedMoney(qb.reactivation), `${qc.reactivated} logos`] },
    { cells: ['Expansion', f.signedMoney(qb.expansion), ''] },
    { cells: ['Contraction', f.signedMoney(-qb.contraction), ''] },
    { cells: ['Churn', f.signedMoney(-qb.churn), `${qc.churned} logos`] },
    ...(qb.fx ? [{ cells: ['Exchange rates', f.signedMoney(qb.fx), ''] }] : []),
    { cells: ['Closing ARR', f.money(qb.close), `${qc.close} customers`], strong: true },
  ];
  const bridgePage: BoardPage = {
    title: `ARR bridge, ${q.label}`,
    blocks: [
      { kind: 'chart', chart: 'waterfall' },
      {
        kind: 'table',
        columns: [
          { label: 'Movement', align: 'left', width: 0.5 },
          { label: 'ARR', align: 'right', width: 0.25 },
          { label: 'Logos', align: 'right', width: 0.25 },
        ],
        rows: bridgeRows,
      },
      {
        kind: 'text',
        text: `${f.date(qb.from)} to ${f.date(qb.to)}; net change ${f.signedMoney(net)}. Customers ${qc.open} -> ${qc.close}.`,
        muted: true,
      },
    ],
  };

  const cohortsPage: BoardPage = {
    title: 'Cohorts: revenue retained',
    blocks: [
      {
        kind: 'text',
        text: 'Each row is the customers whose first paid month it names; each cell their ARR at the end of month 1 to 12 as a percent of their ARR on their first paid day.',
        muted: true,
      },
      v.cohorts.empty
        ? { kind: 'text', text: 'No customer started paying in the 12 months before the quarter end month.' }
        : { kind: 'heatmap', heatmap: v.cohorts },
    ],
  };

  const rn = v.renewals;
  const renewalsPage: BoardPage = {
    title: 'Renewals',
    blocks: [
      {
        kind: 'table',
        columns: [
          { label: `Open renewals at ${f.date(k.asOf)}`, align: 'left', width: 0.5 },
          { label: 'Count', align: 'right', width: 0.2 },
          { label: 'ARR up for renewal', align: 'right', width: 0.3 },
        ],
        rows: rn.rows.map((r) => ({ cells: [r.label, f.count(r.count), f.money(r.arr)] })),
      },
      {
        kind: 'text',
        text: `Renewal rates, 90 days to ${f.date(k.asOf)} by due date (${rn.trailing90Due.count} due, ${f.money(rn.trailing90Due.arr)}): gross ${f.percent(rn.grossRenewalRate)}, net ${f.percent(rn.netRenewalRate)}, logo ${f.percent(rn.logoRenewalRate)}.`,
      },
      {
        kind: 'heading',
        text: `Largest renewal risks (${v.risks.total} red or yellow customers renew within ${v.risks.windowDays} days or are overdue, ${f.money(v.risks.totalArr)})`,
      },
      v.risks.rows.length
        ? {
            kind: 'table',
            columns: [
              { label: 'Account', align: 'left', width: 0.26 },
              { label: 'ARR', align: 'right', width: 0.13 },
              { label: 'Renewal', align: 'right', width: 0.15 },
              { label: 'Health', align: 'right', width: 0.1 },
              { label: 'Why', align: 'left', width: 0.36 },
            ],
            rows: v.risks.rows.map((r) => ({
              cells: [
                r.name,
                f.money(r.arr),
                r.overdue ? `overdue ${f.shortDate(r.renewalDue)}` : f.date(r.renewalDue),
                `${f.points(r.score)} ${r.band ?? ''}`.trim(),
                r.reason,
              ],
            })),
          }
        : { kind: 'text', text: 'None.', muted: true },
    ],
  };

  const ol = v.outlook;
  const c = ol.contracted;
  const forecastBlocks: BoardBlock[] = [
    {
      kind: 'table',
      columns: [
        { label: 'Contracted ARR (already signed)', align: 'left', width: 0.6 },
        { label: 'ARR', align: 'right', width: 0.4 },
      ],
      rows: [
        { cells: [`in 30 days (${f.date(c.dates.d30)})`, f.money(c.d30)] },
        { cells: [`in 90 days (${f.date(c.dates.d90)})`, f.money(c.d90)] },
        { cells: [`in 365 days (${f.date(c.dates.d365)})`, f.money(c.d365)] },
      ],
    },
  ];
  if (ol.forecast) {
    const fc = ol.forecast;
    const err = fc.error!;
    forecastBlocks.push(
      { kind: 'heading', text: `ARR forecast, ${fc.horizonDays} days (${f.date(fc.date)}): ${f.money(fc.arr)}` },
      {
        kind: 'table',
        columns: [
          { label: 'Forecast', align: 'left', width: 0.6 },
          { label: 'ARR', align: 'right', width: 0.4 },
        ],
        rows: [
          { cells: ['Signed (contracted, less the renewals counted below)', f.money(fc.contracted)] },
          { cells: ['Expected renewals (calibrated on the renewal history)', f.signedMoney(fc.expectedRenewals)] },
          { cells: ['Weighted expansion pipeline', f.signedMoney(fc.weightedPipeline)] },
          { cells: ['Forecast', f.money(fc.arr)], strong: true },
        ],
      },
      {
        kind: 'text',
        text: `Backtest error at ${fc.horizonDays} days: ±${f.percent(err.mape)} mean absolute percentage error, bias ${f.signedPercent(err.bias, 1)}, measured on ${err.samples} past week ends.`,
      },
    );
  } else {
    forecastBlocks.push({ kind: 'text', text: ol.forecastNote, muted: true });
  }
  forecastBlocks.push({ kind: 'heading', text: 'Against target' });
  forecastBlocks.push(
    ol.attainment.length
      ? {
          kind: 'table',
          columns: [
            { label: 'Metric', align: 'left', width: 0.24 },
            { label: 'Period', align: 'left', width: 0.14 },
            { label: 'Actual', align: 'right', width: 0.16 },
            { label: 'Target', align: 'right', width: 0.16 },
            { label: 'Forecast', align: 'right', width: 0.16 },
            { label: 'Attained', align: 'right', width: 0.14 },
          ],
          rows: ol.attainment.map((r) => ({
            cells: [
              r.label,
              r.period,
              f.value(r.actual, r.format),
              f.value(r.target, r.format),
              r.forecast === null ? '' : f.value(r.forecast, r.format),
              f.percent(r.attainment),
            ],
          })),
        }
      : { kind: 'text', text: 'No targets are set for this quarter or year (the targets input).', muted: true },
  );
  const forecastPage: BoardPage = { title: 'Forecast and attainment', blocks: forecastBlocks };

  const segmentsPage: BoardPage = {
    title: 'Segments',
    blocks: [
      {
        kind: 'table',
        columns: [
          { label: 'Segment', align: 'left', width: 0.22 },
          { label: 'ARR', align: 'right', width: 0.17 },
          { label: 'Share', align: 'right', width: 0.09 },
          { label: 'Customers', align: 'right', width: 0.11 },
          { label: 'NRR', align: 'right', width: 0.1 },
          { label: 'GRR', align: 'right', width: 0.1 },
          { label: 'At risk', align: 'right', width: 0.13 },
          { label: 'NPS', align: 'right', width: 0.08 },
        ],
        rows: v.segments.map((s) => ({
          cells: [
            s.segment,
            f.money(s.closingArr),
            f.percent(s.arrShare, 0),
            f.count(s.customers),
            f.percent(s.nrr),
            f.percent(s.grr),
            f.money(s.arrAtRisk),
            f.points(s.nps),
          ],
        })),
      },
    ],
  };

  const listed = input.annotations
    .filter((a) => a.date >= q.start && a.date <= q.end)
    .sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  const annotationsPage: BoardPage = {
    title: 'Annotations',
    blocks: listed.length
      ? [
          {
            kind: 'table',
            columns: [
              { label: 'Date', align: 'left', width: 0.16 },
              { label: 'About', align: 'left', width: 0.14 },
              { label: 'Note', align: 'left', width: 0.7 },
            ],
            rows: listed.map((a) => ({ cells: [f.date(a.date), a.metric ?? 'company', a.text] })),
          },
          ...(v.annotations.length
            ? [
                {
                  kind: 'text' as const,
                  text: 'Notes within the 13 weeks are numbered on the trend charts of the first page.',
                  muted: true,
                },
              ]
            : []),
        ]
      : [{ kind: 'text', text: `No annotations are dated in ${q.label}.`, muted: true }],
  };

  const first = v.trend[0];
  return {
    fileName: boardPackFileName(q.label),
    title: `${input.companyName} board pack, ${q.label}`,
    subtitle: `${f.dateRange(q.start, q.end)} · figures as of ${f.date(k.asOf)}, the quarter's last complete week · ${k.currency}`,
    quarter: { label: q.label, start: q.start, end: q.end },
    companyName: input.companyName,
    generatedAt: input.generatedAt,
    headline,
    charts: {
      currency: k.currency,
      locale: input.locale,
      bridge: {
        open: qb.open,
        new: qb.new,
        reactivation: qb.reactivation,
        expansion: qb.expansion,
        contraction: qb.contraction,
        churn: qb.churn,
        fx: qb.fx,
        close: qb.close,
      },
      bridgeSubtitle: f.dateRange(qb.from, qb.to),
      trend: v.trend.map((t) => ({ label: t.week.slice(5), arr: t.closingArr, nrr: t.nrr, grr: t.grr })),
      trendSubtitle: first ? `${first.week} to ${v.meta.week}` : v.meta.week,
      annotations: v.annotations,
    },
    pages: [headlinePage, bridgePage, cohortsPage, renewalsPage, forecastPage, segmentsPage, annotationsPage],
  };
}

export interface BoardPackFromDataOptions {
  companyName: string;
  locale: string;
  generatedAt: string;
  /** The data already indexed (kpiScopes of the same data and settings), when the caller has it. */
  scopes?: KpiScopes;
}

/**
 * The board pack of a fiscal quarter from a dataset: every figure as `pulse kpis --as-of <the
 * quarter's last day>` gives it, that is as of the end of the quarter's last complete week (Pulse
 * reports whole weeks; a quarter rarely ends on the week's last day), by the same KPI engine.
 */
export function boardPackFromData(
  data: Dataset,
  settings: KpiSettings,
  quarter: FiscalPeriod,
  opts: BoardPackFromDataOptions,
): BoardPackDocument {
  const scopes = opts.scopes ?? kpiScopes(data, settings);
  const plan = planOf(data);
  const asOf = resolveAsOf(quarter.end, settings.weekStartsOn);
  const computed = computeWeeklyReportData(data, settings, asOf, undefined, scopes);
  const view = buildWeeklyReportView(
    weeklyReportInput(computed, {
      companyName: opts.companyName,
      locale: opts.locale,
      subjectTemplate: '',
      archive: { label: '', url: null },
      outlook: reportOutlook(scopes.company, asOf, plan.targets),
      annotations: plan.annotations,
    }),
  );
  return buildBoardPack({
    companyName: view.meta.companyName,
    locale: opts.locale,
    quarter,
    view,
    result: computed.company,
    opening: kpisAt(scopes.company, addDays(quarter.start, -1)),
    annotations: plan.annotations,
    generatedAt: opts.generatedAt,
  });
}
