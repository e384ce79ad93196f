// The weekly executive report as data: everything the templates print, computed from the week's
// KPI result, the previous week, the 13-week trend, the segments and the per-account movements.
// Pure: no I/O, no clock. Money stays in cents and ratios in fractions (the templates format them
// with the helpers of format.ts); only the summary paragraph and the subject are finished text.
import type { DataQuality } from './data-quality';
import type { Account, Renewal } from '../contract/entities';
import { addDays, daysBetween, type IsoDate } from '../dates';
import type {
  AccountHealth,
  CountArr,
  ExpansionSum,
  HealthBand,
  HealthComponent,
  KpiResult,
  TrendResult,
} from '../kpi';
import { isOpenAt } from '../kpi/renewals';
import type { Cents } from '../money';
import { createFormatter, type Formatter, type ValueFormat } from './format';
import { GAIN_KINDS, type AccountMovement, type MovementKind } from './movements';
import { cohortHeatmap, type CohortHeatmap } from './cohort-heatmap';
import {
  outlookView,
  trendAnnotations,
  type Annotation,
  type AnnotationRow,
  type OutlookInput,
  type OutlookView,
} from './outlook';

export type Tone = 'good' | 'bad' | 'neutral';
export type Direction = 'up' | 'down' | 'flat';

/** A week-over-week change with what it means: churn going up is bad, ARR going up is good. */
export interface Change {
  value: number;
  direction: Direction;
  tone: Tone;
  /** ▲, ▼ or ▬ */
  arrow: string;
}

export interface HeadlineItem {
  id: 'closingArr' | 'nrr' | 'grr' | 'customers' | 'arrAtRisk' | 'nps';
  label: string;
  value: number | null;
  format: ValueFormat;
  /** Null when this or last week's value is missing. */
  change: Change | null;
  /** One short line under the figure, e.g. `trailing 12 months`. */
  note: string;
}

/** The bridge row of the fx movement (present only when exchange rates moved ARR). */
export const FX_ROW_LABEL = 'Exchange rates';

export interface BridgeRow {
  label: string;
  amount: Cents;
  /** `total` rows are levels (open, close); the others are movements with their sign. */
  kind: 'total' | 'increase' | 'decrease';
  /** Logos behind the movement (new, reactivated, churned), or null. */
  logos: number | null;
}

export interface RiskRow {
  accountId: string;
  name: string;
  segment: string;
  arr: Cents;
  score: number | null;
  band: HealthBand | null;
  /** Why the score is low, from its weakest components, e.g. `usage down 35% over 4 weeks; 2 P1 tickets in 30 days`. */
  reason: string;
  /** Account owner's email, or null when unassigned. */
  owner: string | null;
  renewalDue: IsoDate | null;
  renewalArr: Cents | null;
  /** Days from asOf to the due date (negative: overdue). */
  daysToRenewal: number | null;
  overdue: boolean;
}

export interface MoverRow {
  accountId: string;
  name: string;
  kind: MovementKind;
  /** `New logo`, `Reactivation`, `Expansion`, `Contraction`, `Churn`. */
  kindLabel: string;
  /** Signed: gains positive, losses negative. */
  amount: Cents;
  arrBefore: Cents;
  arrAfter: Cents;
  owner: string | null;
}

export interface HealthSlice {
  band: 'green' | 'yellow' | 'red' | 'unscored';
  label: string;
  count: number;
  arr: Cents;
  /** Share of ARR in whole percent; the slices add up to 100 (0 when there is no ARR). */
  widthPercent: number;
}

export interface SegmentRow {
  segment: string;
  closingArr: Cents;
  netChange: Cents;
  netChangeTone: Tone;
  customers: number;
  nrr: number | null;
  grr: number | null;
  arrAtRisk: Cents;
  nps: number | null;
  /** Share of company ARR, a fraction. */
  arrShare: number | null;
}

export interface TrendRow {
  week: string;
  asOf: IsoDate;
  closingArr: Cents;
  nrr: number | null;
  grr: number | null;
}

export interface WeeklyReportView {
  meta: {
    companyName: string;
    locale: string;
    currency: string;
    week: string;
    weekStart: IsoDate;
    asOf: IsoDate;
    /** `Nov 16 – 22, 2026` */
    range: string;
    quarter: string;
    /** Hidden preview line shown by mail clients next to the subject. */
    preheader: string;
    /** Where this week's report and extracts are archived (a link when it is a URL). */
    archive: { label: string; url: string | null };
    dataQuality: DataQuality;
    /** Rows in another currency left out of every figure for want of an exchange rate (count 0: none). */
    unconverted: { count: number; currencies: string };
  };
  subject: string;
  summary: string;
  headline: HeadlineItem[];
  bridge: {
    rows: BridgeRow[];
    netChange: Cents;
    netChangeTone: Tone;
    /** Net change as a fraction of opening ARR (null when opening ARR is 0). */
    netChangeRate: number | null;
    customers: KpiResult['customers'];
    /** gains + fx - losses = netChange; fx is 0 with one currency. */
    qtd: {
      quarter: string;
      from: IsoDate;
      open: Cents;
      close: Cents;
      gains: Cents;
      losses: Cents;
      fx: Cents;
      netChange: Cents;
    };
  };
  trend: TrendRow[];
  renewals: {
    rows: { label: string; count: number; arr: Cents; tone: Tone }[];
    renewedThisWeek: CountArr;
    churnedThisWeek: CountArr;
    grossRenewalRate: number | null;
    netRenewalRate: number | null;
    logoRenewalRate: number | null;
    trailing90Due: CountArr;
  };
  expansion: {
    wonThisWeek: ExpansionSum;
    pipeline: ExpansionSum;
    pipelineChange: Change | null;
    winRate90d: number | null;
  };
  risks: {
    rows: RiskRow[];
    /** How many red or yellow customers renew within the window (or are overdue), all told. */
    total: number;
    totalArr: Cents;
    windowDays: number;
  };
  movers: { gains: MoverRow[]; losses: MoverRow[] };
  health: { slices: HealthSlice[]; arrAtRisk: Cents; customers: number };
  voice: {
    nps: number | null;
    npsChange: Change | null;
    npsResponses: number;
    promoters: number;
    passives: number;
    detractors: number;
    csat: number | null;
    csatChange: Change | null;
    csatResponses: number;
    utilization: number | null;
  };
  support: KpiResult['support'] & { p1Tone: Tone };
  segments: SegmentRow[];
  /** Revenue retention of the last 12 monthly cohorts. */
  cohorts: CohortHeatmap;
  /** Signed and forecast: contracted ARR, the forecast with its backtest error, attainment. */
  outlook: OutlookView;
  /** Dated notes within the trend's weeks, numbered as drawn on the trend charts. */
  annotations: AnnotationRow[];
}

export interface WeeklyReportInput {
  companyName: string;
  locale: string;
  /** The reported week (company-wide). */
  company: KpiResult;
  /** The week before, company-wide (for changes not in the trend); null when not computed. */
  previous: KpiResult | null;
  /** The 13-week trend ending with the reported week. */
  trend: TrendResult;
  segments: ReadonlyMap<string, KpiResult>;
  /** Account rows (names, owners). */
  accounts: readonly Account[];
  /** Renewal rows (the next open renewal of each account at risk). */
  renewals: readonly Renewal[];
  /** The week's per-account movements (accountMovements over the reported week). */
  movements: readonly AccountMovement[];
  /** Subject template with {{company}}, {{week}}, {{range}}, {{asOf}}, {{closingArr}}, {{netChange}}. */
  subjectTemplate: string;
  archive: { label: string; url: string | null };
  /** The latest ingest of each source and what it rejected (the footer); empty when unknown. */
  dataQuality?: DataQuality;
  /** Renewal risks: red or yellow customers whose open renewal is due within this many days, or overdue. Default 90. */
  riskWindowDays?: number;
  /** Rows in the risk and movers tables. Default 5. */
  topN?: number;
  /** The forecast with its backtest error and the attainment rows, when computed. */
  outlook?: OutlookInput;
  /** Dated notes; those within the trend's weeks are drawn on the charts and listed. */
  annotations?: readonly Annotation[];
}

// ---------------------------------------------------------------------------------------------

const EPSILON: Record<ValueFormat, number> = {
  money: 0.5,
  moneyCompact: 0.5,
  percent: 0.00005,
  count: 0.5,
  points: 0.05,
};

/** A change and its meaning; `higherIsBetter` false for figures like ARR at risk. */
export function changeOf(value: number | null, format: ValueFormat, higherIsBetter: boolean | null): Change | null {
  if (value === null || !Number.isFinite(value)) return null;
  const direction: Direction = Math.abs(value) < EPSILON[format] ? 'flat' : value > 0 ? 'up' : 'down';
  const tone: Tone =
    direction === 'flat' || higherIsBetter === null
      ? 'neutral'
      : (direction === 'up') === higherIsBetter
        ? 'good'
        : 'bad';
  return { value, direction, tone, arrow: direction === 'up' ? '▲' : direction === 'down' ? '▼' : '▬' };
}

const diff = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined ? null : a - b;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const KIND_LABEL: Record<MovementKind, string> = {
  new: 'New logo',
  reactivation: 'Reactivation',
  expansion: 'Expansion',
  contraction: 'Contraction',
  churn: 'Churn',
};

/** Plain words for a weak health component, e.g. `usage down 35% over 4 weeks`. */
export function componentReason(c: HealthComponent, f: Formatter): string {
  switch (c.name) {
    case 'utilization':
      return `seat utilization ${f.percent(c.raw, 0)}`;
    case 'usageTrend':
      return c.raw < 0
        ? `usage down ${f.percent(-c.raw, 0)} over 4 weeks`
        : `usage up only ${f.percent(c.raw, 0)} over 4 weeks`;
    case 'support':
      return `${plural(c.raw, 'P1 ticket')} in 30 days`;
    case 'nps':
      return `${c.raw >= 9 ? 'promoter' : c.raw >= 7 ? 'passive' : 'detractor'} NPS (${c.raw}/10)`;
  }
}

/** The two components that cost the score most (weight x shortfall), worded; weak ones (< 50) first. */
export function healthReason(a: Pick<AccountHealth, 'components'>, f: Formatter): string {
  if (a.components.length === 0) return 'no health data';
  const ranked = [...a.components]
    .map((c) => ({ c, loss: c.effectiveWeight * (100 - c.score) }))
    .filter((x) => x.loss > 0)
    .sort((x, y) => y.loss - x.loss || (x.c.name < y.c.name ? -1 : 1));
  const weak = ranked.filter((x) => x.c.score < 50);
  const picked = (weak.length ? weak : ranked).slice(0, 2);
  return picked.length ? picked.map((x) => componentReason(x.c, f)).join('; ') : 'no weak component';
}

/** The subject line: the template's placeholders filled in, one line, no control characters. */
export function renderSubject(template: string, vars: Record<string, string>): string {
  const filled = template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (m, name: string) =>
    Object.hasOwn(vars, name) ? (vars[name] as string) : m,
  );
  // eslint-disable-next-line no-control-regex
  return filled
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim()
    .slice(0, 250);
}

/** One line for the headline strip and the text part: `value (▲ +delta)`. */
function headlineItems(k: KpiResult, trend: TrendResult): HeadlineItem[] {
  const d = trend.deltas;
  const item = (
    id: HeadlineItem['id'],
    label: string,
    value: number | null,
    format: ValueFormat,
    delta: number | null,
    higherIsBetter: boolean,
    note: string,
  ): HeadlineItem => ({
    id,
    label,
    value,
    format,
    change: changeOf(delta, format, higherIsBetter),
    note,
  });
  return [
    item(
      'closingArr',
      'Closing ARR',
      k.arrBridge.close,
      'moneyCompact',
      d.closingArr,
      true,
      'annual recurring revenue',
    ),
    item('nrr', 'NRR', k.retention.nrr, 'percent', d.nrr, true, 'net retention, 12 months'),
    item('grr', 'GRR', k.retention.grr, 'percent', d.grr, true, 'gross retention, 12 months'),
    item('customers', 'Customers', k.customers.close, 'count', d.customers, true, 'paying accounts'),
    item(
      'arrAtRisk',
      'ARR at risk',
      k.health.arrAtRisk,
      'moneyCompact',
      d.arrAtRisk,
      false,
      `${plural(k.health.red.count, 'red-health customer')}`,
    ),
    item('nps', 'NPS', k.voice.nps, 'points', d.nps, true, `${plural(k.voice.npsResponses, 'response')}, 90 days`),
  ];
}

function healthSlices(k: KpiResult): HealthSlice[] {
  const h = k.health;
  const raw = [
    { band: 'green' as const, label: 'Healthy', c: h.green },
    { band: 'yellow' as const, label: 'Watch', c: h.yellow },
    { band: 'red' as const, label: 'At risk', c: h.red },
    { band: 'unscored' as const, label: 'No data', c: h.unscored },
  ];
  const total = raw.reduce((s, r) => s + r.c.arr, 0);
  // Largest remainder, so the bar's cells add up to exactly 100%.
  const exact = raw.map((r) => (total > 0 ? (100 * r.c.arr) / total : 0));
  const widths = exact.map(Math.floor);
  let left = total > 0 ? 100 - widths.reduce((a, b) => a + b, 0) : 0;
  const order = exact.map((e, i) => ({ i, rem: e - Math.floor(e) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    widths[i]!++;
    left--;
  }
  return raw.map((r, i) => ({
    band: r.band,
    label: r.label,
    count: r.c.count,
    arr: r.c.arr,
    widthPercent: widths[i] as number,
  }));
}

// ---------------------------------------------------------------------------------------------

export function buildWeeklyReportView(input: WeeklyReportInput): WeeklyReportView {
  const k = input.company;
  const f = createFormatter(input.locale, k.currency);
  const windowDays = input.riskWindowDays ?? 90;
  const topN = input.topN ?? 5;
  const accountById = new Map(input.accounts.map((a) => [a.accountId, a]));
  // Names are one-line display values: control characters (CR, LF, tabs) become spaces.
  // eslint-disable-next-line no-control-regex
  const oneLine = (t: string) => t.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  const nameOf = (id: string) => {
    const n = oneLine(accountById.get(id)?.name ?? '');
    return n ? n : id;
  };
  const ownerOf = (id: string) => accountById.get(id)?.ownerEmail ?? null;

  // ---- bridge ----
  const b = k.arrBridge;
  const netChange = b.close - b.open;
  const bridgeRows: BridgeRow[] = [
    { label: 'Opening ARR', amount: b.open, kind: 'total', logos: null },
    { label: 'New', amount: b.new, kind: 'increase', logos: k.customers.new },
    { label: 'Reactivation', amount: b.reactivation, kind: 'increase', logos: k.customers.reactivated },
    { label: 'Expansion', amount: b.expansion, kind: 'increase', logos: null },
    { label: 'Contraction', amount: -b.contraction, kind: 'decrease', logos: null },
    { label: 'Churn', amount: -b.churn, kind: 'decrease', logos: k.customers.churned },
    // Only when lines in other currencies were replaced at new rates: a one-currency report is unchanged.
    ...(b.fx
      ? [{ label: FX_ROW_LABEL, amount: b.fx, kind: b.fx > 0 ? 'increase' : 'decrease', logos: null } as BridgeRow]
      : []),
    { label: 'Closing ARR', amount: b.close, kind: 'total', logos: null },
  ];
  const q = k.arrBridgeQtd;

  // ---- risks: red or yellow customers with an open renewal due within the window (or overdue) ----
  const horizon = addDays(k.asOf, windowDays);
  const nextRenewal = new Map<string, Renewal>();
  for (const r of input.renewals) {
    if (!isOpenAt(r, k.asOf) || r.dueDate > horizon) continue;
    const seen = nextRenewal.get(r.accountId);
    if (!seen || r.dueDate < seen.dueDate || (r.dueDate === seen.dueDate && r.renewalId < seen.renewalId))
      nextRenewal.set(r.accountId, r);
  }
  const atRisk = k.accounts
    .filter((a) => (a.band === 'red' || a.band === 'yellow') && nextRenewal.has(a.accountId))
    .sort((x, y) => y.arr - x.arr || (x.accountId < y.accountId ? -1 : 1));
  const riskRows: RiskRow[] = atRisk.slice(0, topN).map((a) => {
    const r = nextRenewal.get(a.accountId)!;
    const days = daysBetween(k.asOf, r.dueDate);
    return {
      accountId: a.accountId,
      name: nameOf(a.accountId),
      segment: a.segment,
      arr: a.arr,
      score: a.score,
      band: a.band,
      reason: healthReason(a, f),
      owner: ownerOf(a.accountId),
      renewalDue: r.dueDate,
      renewalArr: r.arrUp,
      daysToRenewal: days,
      overdue: days <= 0,
    };
  });

  // ---- movers ----
  const mover = (m: AccountMovement): MoverRow => ({
    accountId: m.accountId,
    name: nameOf(m.accountId),
    kind: m.kind,
    kindLabel: KIND_LABEL[m.kind],
    amount: GAIN_KINDS.has(m.kind) ? m.amount : -m.amount,
    arrBefore: m.arrBefore,
    arrAfter: m.arrAfter,
    owner: ownerOf(m.accountId),
  });
  const gains = input.movements
    .filter((m) => GAIN_KINDS.has(m.kind))
    .slice(0, topN)
    .map(mover);
  const losses = input.movements
    .filter((m) => !GAIN_KINDS.has(m.kind))
    .slice(0, topN)
    .map(mover);

  // ---- renewals ----
  const rn = k.renewals;
  const renewalRows = [
    {
      label: 'Overdue',
      count: rn.overdue.count,
      arr: rn.overdue.arr,
      tone: (rn.overdue.count > 0 ? 'bad' : 'neutral') as Tone,
    },
    { label: 'Due in 30 days', count: rn.upcoming30.count, arr: rn.upcoming30.arr, tone: 'neutral' as Tone },
    { label: 'Due in 60 days', count: rn.upcoming60.count, arr: rn.upcoming60.arr, tone: 'neutral' as Tone },
    { label: 'Due in 90 days', count: rn.upcoming90.count, arr: rn.upcoming90.arr, tone: 'neutral' as Tone },
  ];

  // ---- segments ----
  const segments: SegmentRow[] = [...input.segments].map(([segment, s]) => {
    const net = s.arrBridge.close - s.arrBridge.open;
    return {
      segment,
      closingArr: s.arrBridge.close,
      netChange: net,
      netChangeTone: changeOf(net, 'money', true)?.tone ?? 'neutral',
      customers: s.customers.close,
      nrr: s.retention.nrr,
      grr: s.retention.grr,
      arrAtRisk: s.health.arrAtRisk,
      nps: s.voice.nps,
      arrShare: b.close > 0 ? s.arrBridge.close / b.close : null,
    };
  });

  const prev = input.previous;
  const view: WeeklyReportView = {
    meta: {
      companyName: oneLine(input.companyName),
      locale: input.locale,
      currency: k.currency,
      week: k.week,
      weekStart: k.weekStart,
      asOf: k.asOf,
      range: f.dateRange(k.weekStart, k.asOf),
      quarter: k.quarter,
      preheader: '',
      archive: input.archive,
      dataQuality: input.dataQuality ?? { sources: [], rejectedRows: 0, known: false },
      unconverted: {
        count: k.unconverted.length,
        currencies: [...new Set(k.unconverted.map((u) => u.currency))].sort().join(', '),
      },
    },
    subject: '',
    summary: '',
    headline: headlineItems(k, input.trend),
    bridge: {
      rows: bridgeRows,
      netChange,
      netChangeTone: changeOf(netChange, 'money', true)?.tone ?? 'neutral',
      netChangeRate: b.open > 0 ? netChange / b.open : null,
      customers: k.customers,
      qtd: {
        quarter: k.quarter,
        from: q.from,
        open: q.open,
        close: q.close,
        gains: q.new + q.reactivation + q.expansion,
        losses: q.contraction + q.churn,
        fx: q.fx,
        netChange: q.close - q.open,
      },
    },
    trend: input.trend.weeks.map((w) => ({
      week: w.week,
      asOf: w.asOf,
      closingArr: w.closingArr,
      nrr: w.nrr,
      grr: w.grr,
    })),
    renewals: {
      rows: renewalRows,
      renewedThisWeek: rn.renewedThisWeek,
      churnedThisWeek: rn.churnedThisWeek,
      grossRenewalRate: rn.grossRenewalRate,
      netRenewalRate: rn.netRenewalRate,
      logoRenewalRate: rn.logoRenewalRate,
      trailing90Due: rn.trailing90.due,
    },
    expansion: {
      wonThisWeek: k.expansion.wonThisWeek,
      pipeline: k.expansion.pipeline,
      pipelineChange: changeOf(diff(k.expansion.pipeline.arr, prev?.expansion.pipeline.arr), 'moneyCompact', true),
      winRate90d: k.expansion.winRate90d,
    },
    risks: { rows: riskRows, total: atRisk.length, totalArr: atRisk.reduce((s, a) => s + a.arr, 0), windowDays },
    movers: { gains, losses },
    health: { slices: healthSlices(k), arrAtRisk: k.health.arrAtRisk, customers: k.customers.close },
    voice: {
      nps: k.voice.nps,
      npsChange: changeOf(input.trend.deltas.nps, 'points', true),
      npsResponses: k.voice.npsResponses,
      promoters: k.voice.promoters,
      passives: k.voice.passives,
      detractors: k.voice.detractors,
      csat: k.voice.csat,
      csatChange: changeOf(diff(k.voice.csat, prev?.voice.csat), 'points', true),
      csatResponses: k.voice.csatResponses,
      utilization: k.adoption.utilization,
    },
    support: { ...k.support, p1Tone: k.support.p1OpenAtAsOf > 0 ? 'bad' : 'neutral' },
    segments,
    cohorts: cohortHeatmap(k.cohorts, f),
    outlook: outlookView(k.contractedArr, input.outlook),
    annotations: trendAnnotations(
      input.annotations ?? [],
      input.trend.weeks.map((w) => w.asOf),
    ),
  };
  view.summary = summarize(view, f);
  view.meta.preheader = preheader(view, f);
  view.subject = renderSubject(input.subjectTemplate, {
    company: view.meta.companyName,
    week: k.week,
    range: view.meta.range,
    asOf: f.date(k.asOf),
    closingArr: f.moneyCompact(b.close),
    netChange: f.delta(netChange, 'moneyCompact'),
  });
  return view;
}

// ---------------------------------------------------------------------------------------------
// The plain-language summary: fixed sentences filled from the numbers, so the same week always
// reads the same (no AI service).

const list = (parts: string[]): string =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;

export function summarize(v: WeeklyReportView, f: Formatter): string {
  const s: string[] = [];
  const b = v.bridge;
  const byLabel = (label: string) => b.rows.find((r) => r.label === label)!;
  const close = byLabel('Closing ARR').amount;
  if (b.netChange === 0 && b.rows.every((r) => r.kind === 'total' || r.amount === 0)) {
    s.push(`Closing ARR held at ${f.money(close)} this week, with no movements.`);
  } else {
    const dir = b.netChange > 0 ? 'up' : b.netChange < 0 ? 'down' : 'flat at';
    const rate = b.netChangeRate === null ? '' : ` (${f.signedPercent(b.netChangeRate, 2)})`;
    const amount = b.netChange === 0 ? '' : ` ${f.moneyCompact(Math.abs(b.netChange))}${rate}`;
    const parts: string[] = [];
    const nw = byLabel('New');
    if (nw.amount) parts.push(`${f.moneyCompact(nw.amount)} from ${plural(nw.logos ?? 0, 'new logo')}`);
    const re = byLabel('Reactivation');
    if (re.amount) parts.push(`${f.moneyCompact(re.amount)} from ${plural(re.logos ?? 0, 'returning customer')}`);
    const ex = byLabel('Expansion');
    if (ex.amount) parts.push(`${f.moneyCompact(ex.amount)} of expansion`);
    const co = byLabel('Contraction');
    const ch = byLabel('Churn');
    const losses: string[] = [];
    if (co.amount) losses.push(`${f.moneyCompact(-co.amount)} of contraction`);
    if (ch.amount) losses.push(`${f.moneyCompact(-ch.amount)} of churn (${plural(ch.logos ?? 0, 'logo')})`);
    let sentence = `Closing ARR is ${f.money(close)}, ${dir}${amount} this week`;
    if (parts.length && losses.length) sentence += `: ${list(parts)}, against ${list(losses)}.`;
    else if (parts.length) sentence += `: ${list(parts)}.`;
    else if (losses.length) sentence += `, from ${list(losses)}.`;
    else sentence += '.';
    s.push(sentence);
    const fx = b.rows.find((r) => r.label === FX_ROW_LABEL);
    if (fx) s.push(`New exchange rates on renewed contracts moved ARR by ${f.signedMoney(fx.amount)}.`);
  }

  const nrr = v.headline.find((h) => h.id === 'nrr')!;
  const grr = v.headline.find((h) => h.id === 'grr')!;
  if (nrr.value !== null && grr.value !== null) {
    const nrrChange =
      nrr.change && nrr.change.direction !== 'flat' ? ` (${f.delta(nrr.change.value, 'percent')} on last week)` : '';
    s.push(
      `Trailing-twelve-month net revenue retention is ${f.percent(nrr.value)}${nrrChange} and gross retention ${f.percent(grr.value)}.`,
    );
  }

  const risk = v.headline.find((h) => h.id === 'arrAtRisk')!;
  const red = v.health.slices.find((x) => x.band === 'red')!;
  if (red.count > 0) {
    const ch =
      risk.change && risk.change.direction !== 'flat'
        ? `, ${risk.change.direction} ${f.moneyCompact(Math.abs(risk.change.value))} on last week`
        : '';
    s.push(`${f.moneyCompact(v.health.arrAtRisk)} of ARR sits with ${plural(red.count, 'red-health customer')}${ch}.`);
  } else {
    s.push('No customer is in red health.');
  }
  const top = v.risks.rows[0];
  if (top) {
    const when = top.overdue
      ? `renewal overdue since ${f.shortDate(top.renewalDue)}`
      : `renews ${f.shortDate(top.renewalDue)}`;
    s.push(`The largest renewal risk is ${top.name} (${f.moneyCompact(top.arr)} ARR, ${when}): ${top.reason}.`);
  }

  const r = v.renewals;
  const due30 = r.rows[1]!;
  const overdue = r.rows[0]!;
  const renewalParts: string[] = [];
  renewalParts.push(
    due30.count
      ? `${plural(due30.count, 'renewal')} worth ${f.moneyCompact(due30.arr)} ${due30.count === 1 ? 'is' : 'are'} due in the next 30 days`
      : 'no renewal is due in the next 30 days',
  );
  if (overdue.count)
    renewalParts.push(
      `${plural(overdue.count, 'renewal')} (${f.moneyCompact(overdue.arr)}) ${overdue.count === 1 ? 'is' : 'are'} overdue`,
    );
  s.push(`${capitalize(list(renewalParts))}.`);
  if (r.renewedThisWeek.count || r.churnedThisWeek.count) {
    s.push(
      `This week ${r.renewedThisWeek.count} renewed (${f.moneyCompact(r.renewedThisWeek.arr)}) and ${r.churnedThisWeek.count} churned at renewal (${f.moneyCompact(r.churnedThisWeek.arr)}).`,
    );
  }

  const e = v.expansion;
  if (e.wonThisWeek.count)
    s.push(
      `${plural(e.wonThisWeek.count, 'expansion deal')} closed for ${f.moneyCompact(e.wonThisWeek.arr)}; the pipeline holds ${f.moneyCompact(e.pipeline.arr)} in ${plural(e.pipeline.count, 'opportunity', 'opportunities')}.`,
    );
  else
    s.push(
      `No expansion closed this week; the pipeline holds ${f.moneyCompact(e.pipeline.arr)} in ${plural(e.pipeline.count, 'opportunity', 'opportunities')}.`,
    );

  const vo = v.voice;
  if (vo.nps !== null) {
    const ch = vo.npsChange && vo.npsChange.direction !== 'flat' ? ` (${f.delta(vo.npsChange.value, 'points')})` : '';
    const csat = vo.csat !== null ? ` and CSAT ${f.points(vo.csat)}` : '';
    s.push(`NPS is ${f.points(vo.nps)}${ch}${csat}.`);
  }
  return s.join(' ');
}

function capitalize(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The preview line: the three figures a reader wants before opening. */
function preheader(v: WeeklyReportView, f: Formatter): string {
  const h = (id: HeadlineItem['id']) => v.headline.find((x) => x.id === id)!;
  const arr = h('closingArr');
  const parts = [`ARR ${f.moneyCompact(arr.value)} (${f.delta(arr.change?.value ?? null, 'moneyCompact')})`];
  const nrr = h('nrr');
  if (nrr.value !== null) parts.push(`NRR ${f.percent(nrr.value)}`);
  parts.push(`${f.moneyCompact(v.health.arrAtRisk)} at risk`);
  if (v.renewals.rows[1]!.count) parts.push(`${plural(v.renewals.rows[1]!.count, 'renewal')} due in 30 days`);
  return parts.join(' · ');
}
