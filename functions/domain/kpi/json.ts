// The KPI JSON document (`pulse kpis --json`): fixed key names, money as numbers with at most two
// decimals (half-up), ratios as unrounded fractions, NPS/CSAT in points, null where undefined.
import { centsToAmount, roundHalfUp, type Cents } from '../money';
import type { IsoDate } from '../dates';
import type {
  AccountHealth,
  ArrBridge,
  CountArr,
  CustomerCounts,
  ExpansionSum,
  HealthBand,
  HealthComponentName,
  KpiResult,
  TrendDeltas,
  TrendResult,
} from './types';

type Money = number;

export interface CountArrJson {
  count: number;
  arr: Money;
}

export interface BridgeJson {
  open: Money;
  new: Money;
  reactivation: Money;
  expansion: Money;
  contraction: Money;
  churn: Money;
  /** The effect of new exchange rates (0 with one currency). */
  fx: Money;
  close: Money;
}

/** A row in another currency left out for want of a rate. */
export interface UnconvertedJson {
  entity: string;
  id: string;
  accountId: string;
  currency: string;
  date: IsoDate | null;
  amount: string;
  reason: string;
}

export interface HealthComponentJson {
  name: HealthComponentName;
  raw: number;
  score: number;
  weight: number;
  effectiveWeight: number;
}

export interface AccountJson {
  accountId: string;
  arr: Money;
  health: number | null;
  band: HealthBand | null;
  usageTrend: number | null;
  utilization: number | null;
  segment: string;
  components: HealthComponentJson[];
}

export interface ExpansionSumJson {
  count: number;
  arr: Money;
  upsell: Money;
  crossSell: Money;
}

export interface TrendWeekJson {
  asOf: IsoDate;
  week: string;
  closingArr: Money;
  customers: number;
  nrr: number | null;
  grr: number | null;
  arrAtRisk: Money;
  nps: number | null;
  delta: TrendDeltas;
}

/** One monthly cohort: series index = age in months (age 0 = 1); empty series with no customers. */
export interface CohortJson {
  month: string;
  customers: number;
  baseArr: Money;
  logo: number[];
  revenue: number[];
}

export interface ContractedArrJson {
  d30: Money;
  d90: Money;
  d365: Money;
}

export interface KpiJson {
  asOf: IsoDate;
  weekStart: IsoDate;
  week: string;
  currency: string;
  segment?: string;
  arrBridge: BridgeJson;
  customers: CustomerCounts;
  arrBridgeQtd: BridgeJson & { from: IsoDate; to: IsoDate; quarter: string };
  customersQtd: CustomerCounts;
  retention: {
    nrr: number | null;
    grr: number | null;
    logoRetention: number | null;
    logoChurn: number | null;
    cohortSize: number;
    cohortDate: IsoDate;
  };
  renewals: {
    upcoming30: CountArrJson;
    upcoming60: CountArrJson;
    upcoming90: CountArrJson;
    overdue: CountArrJson;
    renewedThisWeek: CountArrJson;
    churnedThisWeek: CountArrJson;
    grossRenewalRate: number | null;
    netRenewalRate: number | null;
    logoRenewalRate: number | null;
  };
  expansion: { wonThisWeek: ExpansionSumJson; pipeline: ExpansionSumJson; winRate90d: number | null };
  adoption: { utilization: number | null };
  voice: { nps: number | null; npsResponses: number; csat: number | null; csatResponses: number };
  support: { openedThisWeek: number; p1OpenedThisWeek: number; p1OpenAtAsOf: number };
  unitEconomics: {
    newLogos12m: number;
    cac: Money | null;
    arpa: Money | null;
    ltv: Money | null;
    ltvToCac: number | null;
    cacPaybackMonths: number | null;
    servicesAttach: number | null;
    newLogoArr: Money;
    spend12m: Money | null;
  };
  health: {
    green: CountArrJson;
    yellow: CountArrJson;
    red: CountArrJson;
    unscored: CountArrJson;
    arrAtRisk: Money;
  };
  accounts?: AccountJson[];
  /** The 12 calendar months before asOf's month, oldest first (absent from snapshots stored before cohorts existed). */
  cohorts: CohortJson[];
  /** ARR already signed for asOf + 30, 90 and 365 days (absent from snapshots stored before it existed). */
  contractedArr: ContractedArrJson;
  segments?: Record<string, KpiJson>;
  trend?: { weeks: TrendWeekJson[]; deltas: TrendDeltas };
  /** Rows left out of every figure: in another currency with no rate on or before their date. */
  unconverted: UnconvertedJson[];
}

export interface KpiJsonOptions {
  /** Segment results to put under `segments` (each without its `accounts` list: every account row carries its segment). */
  segments?: ReadonlyMap<string, KpiResult>;
  /** A trend to put under `trend`. */
  trend?: TrendResult;
  /** Leave out the `accounts` list. */
  omitAccounts?: boolean;
}

/** Cents (possibly fractional) as a currency amount rounded half-up to 2 decimals. */
export function amount(cents: Cents): Money {
  return Number.isInteger(cents) ? centsToAmount(cents) : roundHalfUp(cents, 0) / 100;
}

function amountOrNull(cents: Cents | null): Money | null {
  return cents === null ? null : amount(cents);
}

const countArr = (c: CountArr): CountArrJson => ({ count: c.count, arr: amount(c.arr) });

const bridge = (b: ArrBridge): BridgeJson => ({
  open: amount(b.open),
  new: amount(b.new),
  reactivation: amount(b.reactivation),
  expansion: amount(b.expansion),
  contraction: amount(b.contraction),
  churn: amount(b.churn),
  fx: amount(b.fx),
  close: amount(b.close),
});

const expansionSum = (s: ExpansionSum): ExpansionSumJson => ({
  count: s.count,
  arr: amount(s.arr),
  upsell: amount(s.upsell),
  crossSell: amount(s.crossSell),
});

const account = (a: AccountHealth): AccountJson => ({
  accountId: a.accountId,
  arr: amount(a.arr),
  health: a.score,
  band: a.band,
  usageTrend: a.usageTrend,
  utilization: a.utilization,
  segment: a.segment,
  components: a.components.map((c) => ({
    name: c.name,
    raw: c.raw,
    score: c.score,
    weight: c.weight,
    effectiveWeight: c.effectiveWeight,
  })),
});

/** The JSON document of a KPI result. */
export function toKpiJson(r: KpiResult, opts: KpiJsonOptions = {}): KpiJson {
  const doc: KpiJson = {
    asOf: r.asOf,
    weekStart: r.weekStart,
    week: r.week,
    currency: r.currency,
    ...(r.segment !== undefined ? { segment: r.segment } : {}),
    arrBridge: bridge(r.arrBridge),
    customers: { ...r.customers },
    arrBridgeQtd: { from: r.arrBridgeQtd.from, to: r.arrBridgeQtd.to, quarter: r.quarter, ...bridge(r.arrBridgeQtd) },
    customersQtd: { ...r.customersQtd },
    retention: {
      nrr: r.retention.nrr,
      grr: r.retention.grr,
      logoRetention: r.retention.logoRetention,
      logoChurn: r.retention.logoChurn,
      cohortSize: r.retention.cohortSize,
      cohortDate: r.retention.cohortDate,
    },
    renewals: {
      upcoming30: countArr(r.renewals.upcoming30),
      upcoming60: countArr(r.renewals.upcoming60),
      upcoming90: countArr(r.renewals.upcoming90),
      overdue: countArr(r.renewals.overdue),
      renewedThisWeek: countArr(r.renewals.renewedThisWeek),
      churnedThisWeek: countArr(r.renewals.churnedThisWeek),
      grossRenewalRate: r.renewals.grossRenewalRate,
      netRenewalRate: r.renewals.netRenewalRate,
      logoRenewalRate: r.renewals.logoRenewalRate,
    },
    expansion: {
      wonThisWeek: expansionSum(r.expansion.wonThisWeek),
      pipeline: expansionSum(r.expansion.pipeline),
      winRate90d: r.expansion.winRate90d,
    },
    adoption: { utilization: r.adoption.utilization },
    voice: {
      nps: r.voice.nps,
      npsResponses: r.voice.npsResponses,
      csat: r.voice.csat,
      csatResponses: r.voice.csatResponses,
    },
    support: { ...r.support },
    unitEconomics: {
      newLogos12m: r.unitEconomics.newLogos12m,
      cac: amountOrNull(r.unitEconomics.cac),
      arpa: amountOrNull(r.unitEconomics.arpa),
      ltv: amountOrNull(r.unitEconomics.ltv),
      ltvToCac: r.unitEconomics.ltvToCac,
      cacPaybackMonths: r.unitEconomics.cacPaybackMonths,
      servicesAttach: r.unitEconomics.servicesAttach,
      newLogoArr: amount(r.unitEconomics.newLogoArr),
      spend12m: amountOrNull(r.unitEconomics.spend12m),
    },
    health: {
      green: countArr(r.health.green),
      yellow: countArr(r.health.yellow),
      red: countArr(r.health.red),
      unscored: countArr(r.health.unscored),
      arrAtRisk: amount(r.health.arrAtRisk),
    },
    cohorts: r.cohorts.map((c) => ({
      month: c.month,
      customers: c.customers,
      baseArr: amount(c.baseArr),
      logo: [...c.logo],
      revenue: [...c.revenue],
    })),
    contractedArr: {
      d30: amount(r.contractedArr.d30),
      d90: amount(r.contractedArr.d90),
      d365: amount(r.contractedArr.d365),
    },
    unconverted: r.unconverted.map((u) => ({
      entity: u.entity,
      id: u.id,
      accountId: u.accountId,
      currency: u.currency,
      date: u.date ?? null,
      amount: u.amount,
      reason: u.reason,
    })),
  };
  if (!opts.omitAccounts) doc.accounts = r.accounts.map(account);
  if (opts.segments) {
    doc.segments = Object.fromEntries(
      [...opts.segments].map(([name, s]) => [name, toKpiJson(s, { omitAccounts: true })]),
    );
  }
  if (opts.trend) {
    doc.trend = {
      weeks: opts.trend.weeks.map((w) => ({
        asOf: w.asOf,
        week: w.week,
        closingArr: amount(w.closingArr),
        customers: w.customers,
        nrr: w.nrr,
        grr: w.grr,
        arrAtRisk: amount(w.arrAtRisk),
        nps: w.nps,
        delta: moneyDeltas(w.delta),
      })),
      deltas: moneyDeltas(opts.trend.deltas),
    };
  }
  return doc;
}

function moneyDeltas(d: TrendDeltas): TrendDeltas {
  return { ...d, closingArr: amountOrNull(d.closingArr), arrAtRisk: amountOrNull(d.arrAtRisk) };
}
