// The archive's extracts, built from the KPI engine's context and result for one reported date:
// the ARR bridge per account, the renewals ledger, the account list with health and its
// components, and the expansion opportunities. Pure: rows are typed records (money in cents, dates
// as ISO dates); the CSV and XLSX writers turn them into files.
import { addDays, daysBetween, fiscalQuarterOf, type IsoDate } from '../dates';
import type { Account, Expansion, Renewal } from '../contract/entities';
import type { ArrBridge, HealthComponentName, KpiContext, KpiResult } from '../kpi';
import { inPipelineAt } from '../kpi/expansion';
import { isOpenAt } from '../kpi/renewals';
import { UNASSIGNED_SEGMENT, segmentsByAccount } from '../kpi/segments';
import { currencyDecimals, type Cents } from '../money';
import { arrMovements, type ArrMovement } from './movements';
import { bool, date, id, integer, money, num, ratio, text, type AnyExtract, type Extract } from './table';
import type { HeadlineFigure } from './xlsx';

/** A period whose movements the bridge extract lists. */
export interface BridgePeriod {
  /** `week`, `qtd` (fiscal quarter to date) or `quarter` (a whole fiscal quarter). */
  period: 'week' | 'qtd' | 'quarter';
  bridge: ArrBridge;
  customers: { open: number; close: number };
}

export interface ExtractSet {
  summary: Extract<BridgePeriod>;
  arrBridge: Extract<BridgeRow>;
  renewals: Extract<RenewalRow>;
  accounts: Extract<AccountRow>;
  expansion: Extract<ExpansionRow>;
  cohorts: Extract<CohortRow>;
}

/** The extracts in file order (the CSV files; the workbook adds the summary sheet first). */
export const CSV_EXTRACTS = [
  'arrBridge',
  'renewals',
  'accounts',
  'expansion',
  'cohorts',
] as const satisfies readonly (keyof ExtractSet)[];

interface AccountInfo {
  name?: string;
  segment: string;
  ownerEmail?: string;
  region?: string;
}

export interface BridgeRow extends ArrMovement, AccountInfo {
  period: BridgePeriod['period'];
  periodStart: IsoDate;
  periodEnd: IsoDate;
}

export interface RenewalRow extends Renewal, AccountInfo {
  /** Status as of the reported date (a renewal closed later is still open). */
  status: Renewal['status'];
  /** min(renewed_arr, arr_up): what the gross renewal rate counts. */
  renewedArrCapped?: Cents;
  daysToDue: number;
  window: 'overdue' | '0-30 days' | '31-60 days' | '61-90 days' | 'later' | 'closed';
  closedThisWeek: boolean;
  inTrailing90d: boolean;
  health: number | null;
  band: string | null;
}

export interface AccountRow extends AccountInfo {
  accountId: string;
  arr: Cents;
  health: number | null;
  band: string | null;
  utilization: number | null;
  usageTrend: number | null;
  components: Partial<Record<HealthComponentName, { raw: number; score: number; weight: number }>>;
  nextRenewalDue?: IsoDate;
  nextRenewalArr?: Cents;
}

export interface ExpansionRow extends AccountInfo {
  /** The original currency, amount and rate when the opportunity is in another currency. */
  fx?: Expansion['fx'];
  opportunityId: string;
  accountId: string;
  type: 'upsell' | 'cross_sell';
  arr: Cents;
  /** Stage as of the reported date (won or lost later: still open). */
  stage: 'open' | 'won' | 'lost';
  createdDate?: IsoDate;
  closeDate?: IsoDate;
  wonThisWeek: boolean;
  inPipeline: boolean;
  inWinRate90d: boolean;
}

/** One cohort in one view: the logo or revenue retention triangle's row. */
export interface CohortRow {
  view: 'logo' | 'revenue';
  /** `YYYY-MM`: the calendar month of the accounts' first paid day. */
  month: string;
  customers: number;
  baseArr: Cents;
  /** Retention at age k = 0, 1, ... (index); empty for a month without new customers. */
  series: readonly number[];
}

/** Ages in the cohort files: 0 .. 12 (age 12 is reached by the oldest cohort when asOf is a month's last day). */
export const COHORT_AGES = 13;

/** The bridge periods of a weekly pack: the week and the fiscal quarter to date. */
export function weeklyPeriods(result: KpiResult): BridgePeriod[] {
  return [
    { period: 'week', bridge: result.arrBridge, customers: result.customers },
    { period: 'qtd', bridge: result.arrBridgeQtd, customers: result.customersQtd },
  ];
}

/** The bridge periods of a quarter-end pack (result computed as of the quarter's last day): its last week and the whole quarter. */
export function quarterPeriods(result: KpiResult): BridgePeriod[] {
  return [
    { period: 'week', bridge: result.arrBridge, customers: result.customers },
    { period: 'quarter', bridge: result.arrBridgeQtd, customers: result.customersQtd },
  ];
}

/** The e-mail's headline figures, in its order, for the workbook's Summary sheet. */
export function workbookHeadline(result: KpiResult): HeadlineFigure[] {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    {
      label: 'Closing ARR',
      type: 'money',
      value: result.arrBridge.close,
      note: `annual recurring revenue on ${result.asOf}`,
    },
    { label: 'NRR', type: 'ratio', value: result.retention.nrr, note: 'net revenue retention, 12 months' },
    { label: 'GRR', type: 'ratio', value: result.retention.grr, note: 'gross revenue retention, 12 months' },
    { label: 'Customers', type: 'integer', value: result.customers.close, note: 'paying accounts' },
    {
      label: 'ARR at risk',
      type: 'money',
      value: result.health.arrAtRisk,
      note: `ARR of ${plural(result.health.red.count, 'red-health customer')}`,
    },
    {
      label: 'NPS',
      type: 'points',
      value: result.voice.nps,
      note: `${plural(result.voice.npsResponses, 'response')}, 90 days`,
    },
  ];
}

export function buildExtracts(
  ctx: KpiContext,
  result: KpiResult,
  periods: readonly BridgePeriod[],
  fiscalYearStartMonth: number,
): ExtractSet {
  const asOf = result.asOf;
  const info = accountInfo(ctx.data.accounts);
  const infoOf = (accountId: string): AccountInfo => info.get(accountId) ?? { segment: UNASSIGNED_SEGMENT };
  const healthOf = new Map(result.accounts.map((a) => [a.accountId, a]));
  const quarterStart = fiscalQuarterOf(asOf, fiscalYearStartMonth).start;
  const weekStart = addDays(asOf, -6);

  // ---- ARR bridge, per account and day ----
  const bridgeRows: BridgeRow[] = [];
  for (const p of periods) {
    for (const m of arrMovements(ctx.timeline, p.bridge.from, p.bridge.to)) {
      bridgeRows.push({
        period: p.period,
        periodStart: p.bridge.from,
        periodEnd: p.bridge.to,
        ...m,
        ...infoOf(m.accountId),
      });
    }
  }

  // ---- renewals ledger ----
  const t90From = addDays(asOf, -89);
  const closedFrom = quarterStart < weekStart ? quarterStart : weekStart;
  const renewalRows: RenewalRow[] = [];
  for (const r of ctx.data.renewals) {
    const open = isOpenAt(r, asOf);
    const inTrailing90d = r.dueDate >= t90From && r.dueDate <= asOf;
    const closedRecently = !open && r.closedDate !== undefined && r.closedDate >= closedFrom;
    if (!open && !inTrailing90d && !closedRecently) continue;
    const daysToDue = daysBetween(asOf, r.dueDate);
    const renewed = !open && r.status === 'renewed';
    const h = healthOf.get(r.accountId);
    const row: RenewalRow = {
      renewalId: r.renewalId,
      accountId: r.accountId,
      ...infoOf(r.accountId),
      dueDate: r.dueDate,
      arrUp: r.arrUp,
      status: open ? 'open' : r.status,
      daysToDue,
      window: !open
        ? 'closed'
        : daysToDue <= 0
          ? 'overdue'
          : daysToDue <= 30
            ? '0-30 days'
            : daysToDue <= 60
              ? '31-60 days'
              : daysToDue <= 90
                ? '61-90 days'
                : 'later',
      closedThisWeek: !open && r.closedDate !== undefined && r.closedDate >= weekStart && r.closedDate <= asOf,
      inTrailing90d,
      health: h?.score ?? null,
      band: h?.band ?? null,
    };
    if (!open && r.closedDate !== undefined) row.closedDate = r.closedDate;
    if (r.fx) row.fx = r.fx;
    if (renewed) {
      row.renewedArr = r.renewedArr ?? 0;
      row.renewedArrCapped = Math.min(row.renewedArr, r.arrUp);
    }
    renewalRows.push(row);
  }
  renewalRows.sort((a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.renewalId, b.renewalId));

  // ---- accounts (customers at asOf) ----
  const nextRenewal = new Map<string, { due: IsoDate; arr: Cents }>();
  for (const r of ctx.data.renewals) {
    if (!isOpenAt(r, asOf)) continue;
    const cur = nextRenewal.get(r.accountId);
    if (!cur || r.dueDate < cur.due) nextRenewal.set(r.accountId, { due: r.dueDate, arr: r.arrUp });
  }
  const accountRows: AccountRow[] = result.accounts.map((a) => {
    const row: AccountRow = {
      accountId: a.accountId,
      ...infoOf(a.accountId),
      segment: a.segment,
      arr: a.arr,
      health: a.score,
      band: a.band,
      utilization: a.utilization,
      usageTrend: a.usageTrend,
      components: Object.fromEntries(
        a.components.map((c) => [c.name, { raw: c.raw, score: c.score, weight: c.effectiveWeight }]),
      ),
    };
    const next = nextRenewal.get(a.accountId);
    if (next) {
      row.nextRenewalDue = next.due;
      row.nextRenewalArr = next.arr;
    }
    return row;
  });

  // ---- expansion opportunities ----
  const closedExpansionFrom = quarterStart < t90From ? quarterStart : t90From;
  const expansionRows: ExpansionRow[] = [];
  for (const e of ctx.data.expansions) {
    if (e.createdDate !== undefined && e.createdDate > asOf) continue;
    const inPipeline = inPipelineAt(e, asOf);
    const closedBy = !inPipeline && e.stage !== 'open' && e.closeDate !== undefined;
    const closedInWindow = closedBy && e.closeDate! >= closedExpansionFrom;
    if (!inPipeline && !closedInWindow) continue;
    const row: ExpansionRow = {
      opportunityId: e.opportunityId,
      accountId: e.accountId,
      ...infoOf(e.accountId),
      type: e.type,
      arr: e.arr,
      stage: inPipeline ? 'open' : e.stage,
      wonThisWeek: closedBy && e.stage === 'won' && e.closeDate! >= weekStart && e.closeDate! <= asOf,
      inPipeline,
      inWinRate90d: closedBy && e.closeDate! >= t90From && e.closeDate! <= asOf,
    };
    if (e.createdDate !== undefined) row.createdDate = e.createdDate;
    if (closedBy) row.closeDate = e.closeDate!;
    if (e.fx) row.fx = e.fx;
    expansionRows.push(row);
  }
  expansionRows.sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.opportunityId, b.opportunityId));

  return {
    summary: { name: 'summary', sheet: 'Summary', columns: SUMMARY_COLUMNS, rows: [...periods] },
    arrBridge: { name: 'arr-bridge', sheet: 'ARR bridge', columns: BRIDGE_COLUMNS, rows: bridgeRows },
    renewals: { name: 'renewals', sheet: 'Renewals', columns: RENEWAL_COLUMNS, rows: renewalRows },
    accounts: { name: 'accounts', sheet: 'Accounts', columns: ACCOUNT_COLUMNS, rows: accountRows },
    expansion: { name: 'expansion', sheet: 'Expansion', columns: EXPANSION_COLUMNS, rows: expansionRows },
    cohorts: { name: 'cohorts', sheet: 'Cohorts', columns: COHORT_COLUMNS, rows: cohortRows(result) },
  };
}

/** The extracts in workbook order: summary first, then one sheet per CSV. */
export function workbookExtracts(set: ExtractSet): AnyExtract[] {
  return [set.summary, ...CSV_EXTRACTS.map((k) => set[k])];
}

/** The logo triangle (every cohort, oldest first), then the revenue triangle. */
function cohortRows(result: KpiResult): CohortRow[] {
  // Results made before cohorts existed have none.
  const cohorts = result.cohorts ?? [];
  return (['logo', 'revenue'] as const).flatMap((view) =>
    cohorts.map((c) => ({
      view,
      month: c.month,
      customers: c.customers,
      baseArr: c.baseArr,
      series: view === 'logo' ? c.logo : c.revenue,
    })),
  );
}

function accountInfo(accounts: readonly Account[]): Map<string, AccountInfo> {
  const segments = segmentsByAccount(accounts);
  const out = new Map<string, AccountInfo>();
  for (const a of accounts) {
    const i: AccountInfo = { name: a.name, segment: segments.get(a.accountId) ?? UNASSIGNED_SEGMENT };
    if (a.ownerEmail) i.ownerEmail = a.ownerEmail;
    if (a.region) i.region = a.region;
    out.set(a.accountId, i);
  }
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- columns (the files' contract: docs/archive.md lists them) -----------------------------------

const SUMMARY_COLUMNS = [
  text<BridgePeriod>('period', (p) => p.period, 'week, qtd (fiscal quarter to date) or quarter'),
  date<BridgePeriod>('period_start', (p) => p.bridge.from),
  date<BridgePeriod>('period_end', (p) => p.bridge.to),
  money<BridgePeriod>('open_arr', (p) => p.bridge.open, 'ARR the day before period_start'),
  money<BridgePeriod>('new', (p) => p.bridge.new),
  money<BridgePeriod>('reactivation', (p) => p.bridge.reactivation),
  money<BridgePeriod>('expansion', (p) => p.bridge.expansion),
  money<BridgePeriod>('contraction', (p) => p.bridge.contraction),
  money<BridgePeriod>('churn', (p) => p.bridge.churn),
  money<BridgePeriod>(
    'fx',
    (p) => p.bridge.fx ?? 0,
    'effect of new exchange rates on replaced lines in other currencies (0 with one currency)',
  ),
  money<BridgePeriod>(
    'close_arr',
    (p) => p.bridge.close,
    'open + new + reactivation + expansion - contraction - churn + fx',
  ),
  integer<BridgePeriod>('customers_open', (p) => p.customers.open),
  integer<BridgePeriod>('customers_close', (p) => p.customers.close),
];

const accountColumns = <R extends AccountInfo & { accountId: string }>() => [
  id<R>('account_id', (r) => r.accountId),
  text<R>('account_name', (r) => r.name),
  text<R>('segment', (r) => r.segment),
  text<R>('owner_email', (r) => r.ownerEmail),
];

const BRIDGE_COLUMNS = [
  text<BridgeRow>('period', (r) => r.period, 'week, qtd (fiscal quarter to date) or quarter'),
  date<BridgeRow>('period_start', (r) => r.periodStart),
  date<BridgeRow>('period_end', (r) => r.periodEnd),
  ...accountColumns<BridgeRow>(),
  date<BridgeRow>('date', (r) => r.date, 'the day the account ARR changed'),
  text<BridgeRow>('movement', (r) => r.type, 'new, reactivation, expansion, contraction, churn or fx'),
  money<BridgeRow>(
    'arr_before',
    (r) => r.arrBefore,
    "account ARR the day before (for the row after an fx row: at the day's rates)",
  ),
  money<BridgeRow>(
    'arr_after',
    (r) => r.arrAfter,
    "account ARR on the day (for an fx row: the day before at the day's rates)",
  ),
  money<BridgeRow>('amount', (r) => r.amount, 'size of the movement as the bridge counts it (positive; signed for fx)'),
  money<BridgeRow>(
    'arr_change',
    (r) => r.arrAfter - r.arrBefore,
    'arr_after - arr_before (negative for contraction and churn)',
  ),
];

const RENEWAL_COLUMNS = [
  id<RenewalRow>('renewal_id', (r) => r.renewalId),
  ...accountColumns<RenewalRow>(),
  date<RenewalRow>('due_date', (r) => r.dueDate),
  money<RenewalRow>('arr_up', (r) => r.arrUp),
  text<RenewalRow>('status', (r) => r.status, 'as of the reported date: open, renewed or churned'),
  date<RenewalRow>('closed_date', (r) => r.closedDate),
  money<RenewalRow>('renewed_arr', (r) => r.renewedArr),
  money<RenewalRow>(
    'renewed_arr_capped',
    (r) => r.renewedArrCapped,
    'min(renewed_arr, arr_up), the gross renewal rate numerator',
  ),
  integer<RenewalRow>('days_to_due', (r) => r.daysToDue, 'due_date - as_of in days (negative: past due)'),
  text<RenewalRow>('window', (r) => r.window, 'overdue, 0-30 days, 31-60 days, 61-90 days, later or closed'),
  bool<RenewalRow>('closed_this_week', (r) => r.closedThisWeek),
  bool<RenewalRow>(
    'in_trailing_90d',
    (r) => r.inTrailing90d,
    'due in [as_of - 89, as_of]: counted by the renewal rates',
  ),
  num<RenewalRow>('account_health', (r) => r.health),
  text<RenewalRow>('account_band', (r) => r.band),
  ...originalColumns<RenewalRow>([
    ['arr_up_original', (f) => f.arrUp],
    ['renewed_arr_original', (f) => f.renewedArr],
  ]),
];

/**
 * Beside the converted money (reporting currency): the row's own currency, its original amounts and
 * the rate used, and the date of that rate. Empty for rows in the reporting currency.
 */
function originalColumns<R extends { fx?: { currency: string; rate: string; rateDate: IsoDate } }>(
  amounts: [header: string, get: (fx: NonNullable<R['fx']>) => number | undefined][],
) {
  const original = (get: (fx: NonNullable<R['fx']>) => number | undefined) => (r: R) => {
    const minor = r.fx ? get(r.fx as NonNullable<R['fx']>) : undefined;
    return minor === undefined ? null : minor / 10 ** currencyDecimals(r.fx!.currency);
  };
  return [
    text<R>(
      'currency',
      (r) => r.fx?.currency,
      "the row's own currency when not the reporting one (money columns above are converted)",
    ),
    ...amounts.map(([header, get]) => num<R>(header, original(get), "the amount in the row's own currency, as given")),
    num<R>(
      'fx_rate',
      (r) => (r.fx ? Number(r.fx.rate) : null),
      'units of the reporting currency per 1 unit of currency (the rate used)',
    ),
    date<R>('fx_rate_date', (r) => r.fx?.rateDate, "the date of that rate: the latest on or before the row's own date"),
  ];
}

const component = (name: HealthComponentName, field: 'raw' | 'score' | 'weight') => (r: AccountRow) =>
  r.components[name]?.[field] ?? null;

const ACCOUNT_COLUMNS = [
  ...accountColumns<AccountRow>(),
  text<AccountRow>('region', (r) => r.region),
  money<AccountRow>('arr', (r) => r.arr),
  num<AccountRow>('health', (r) => r.health, '0..100, empty when no component has data'),
  text<AccountRow>('band', (r) => r.band, 'green >= 70, yellow >= 40, red < 40'),
  ratio<AccountRow>('utilization', (r) => r.utilization, 'weekly active users / licensed seats in the reported week'),
  num<AccountRow>('utilization_score', component('utilization', 'score')),
  ratio<AccountRow>(
    'utilization_weight',
    component('utilization', 'weight'),
    'effective weight after rescaling over the components present',
  ),
  ratio<AccountRow>('usage_trend', (r) => r.usageTrend, 'mean WAU of the last 4 weeks / the 4 before, minus 1'),
  num<AccountRow>('usage_trend_score', component('usageTrend', 'score')),
  ratio<AccountRow>('usage_trend_weight', component('usageTrend', 'weight')),
  integer<AccountRow>('p1_tickets_30d', component('support', 'raw'), 'P1 tickets opened in the last 30 days'),
  num<AccountRow>('support_score', component('support', 'score')),
  ratio<AccountRow>('support_weight', component('support', 'weight')),
  integer<AccountRow>('nps_latest', component('nps', 'raw'), 'latest NPS response (0..10) in the last 180 days'),
  num<AccountRow>('nps_score', component('nps', 'score')),
  ratio<AccountRow>('nps_weight', component('nps', 'weight')),
  date<AccountRow>('next_renewal_due', (r) => r.nextRenewalDue),
  money<AccountRow>('next_renewal_arr', (r) => r.nextRenewalArr),
];

const EXPANSION_COLUMNS = [
  id<ExpansionRow>('opportunity_id', (r) => r.opportunityId),
  ...accountColumns<ExpansionRow>(),
  text<ExpansionRow>('type', (r) => r.type, 'upsell or cross_sell'),
  money<ExpansionRow>('arr', (r) => r.arr),
  text<ExpansionRow>('stage', (r) => r.stage, 'as of the reported date: open, won or lost'),
  date<ExpansionRow>('created_date', (r) => r.createdDate),
  date<ExpansionRow>('close_date', (r) => r.closeDate),
  bool<ExpansionRow>('won_this_week', (r) => r.wonThisWeek),
  bool<ExpansionRow>('in_pipeline', (r) => r.inPipeline),
  bool<ExpansionRow>('in_win_rate_90d', (r) => r.inWinRate90d, 'won or lost in [as_of - 89, as_of]'),
  ...originalColumns<ExpansionRow>([['arr_original', (f) => f.arr]]),
];

const COHORT_COLUMNS = [
  text<CohortRow>('view', (r) => r.view, 'logo (share of the cohort paying) or revenue (cohort ARR / base ARR)'),
  text<CohortRow>('cohort_month', (r) => r.month, "YYYY-MM: the month of the accounts' first paid day"),
  integer<CohortRow>('customers', (r) => r.customers, 'accounts in the cohort'),
  money<CohortRow>('base_arr', (r) => r.baseArr, "sum of each account's ARR on its first paid day"),
  ...Array.from({ length: COHORT_AGES }, (_, k) =>
    ratio<CohortRow>(
      `month_${k}`,
      (r) => r.series[k],
      k === 0
        ? '1 by definition'
        : `retention on the last day of the cohort month + ${k} (empty until that day has passed)`,
    ),
  ),
];
