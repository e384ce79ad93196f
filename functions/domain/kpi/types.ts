// The typed KPI result. Money is integer cents except where a division makes it fractional (ARPA,
// CAC, LTV: still cents, unrounded); ratios are unrounded fractions; NPS and CSAT are points.
// Everything undefined is null. The JSON document is produced from this by `toKpiJson`.
import type { IsoDate } from '../dates';
import type { UnconvertedRow } from '../fx';
import type { Cents } from '../money';

export interface CountArr {
  count: number;
  arr: Cents;
}

/** ARR movements over the days [from, to]; `open` = ARR(from - 1), `close` = ARR(to). */
export interface ArrBridge {
  from: IsoDate;
  to: IsoDate;
  open: Cents;
  new: Cents;
  reactivation: Cents;
  expansion: Cents;
  contraction: Cents;
  churn: Cents;
  /** The effect of new exchange rates when lines in another currency are replaced; 0 with one currency. */
  fx: Cents;
  close: Cents;
}

/** Customer (logo) counts for the same period as a bridge. */
export interface CustomerCounts {
  open: number;
  close: number;
  new: number;
  reactivated: number;
  churned: number;
}

export interface RetentionResult {
  /** minus12m(asOf): the date the cohort is taken. */
  cohortDate: IsoDate;
  cohortSize: number;
  /** Sum over the cohort of ARR at the cohort date. */
  cohortArr: Cents;
  /** Sum over the cohort of ARR at asOf. */
  currentArr: Cents;
  /** Sum over the cohort of min(ARR at asOf, ARR at the cohort date). */
  grossRetainedArr: Cents;
  retainedLogos: number;
  nrr: number | null;
  grr: number | null;
  logoRetention: number | null;
  logoChurn: number | null;
}

export interface RenewalsResult {
  upcoming30: CountArr;
  upcoming60: CountArr;
  upcoming90: CountArr;
  overdue: CountArr;
  renewedThisWeek: CountArr;
  churnedThisWeek: CountArr;
  /** The trailing-90-day set T (by due date) behind the three rates. */
  trailing90: { from: IsoDate; to: IsoDate; due: CountArr; renewed: CountArr; renewedArrCapped: Cents };
  grossRenewalRate: number | null;
  netRenewalRate: number | null;
  logoRenewalRate: number | null;
}

export interface ExpansionSum {
  count: number;
  arr: Cents;
  upsell: Cents;
  crossSell: Cents;
}

export interface ExpansionResult {
  wonThisWeek: ExpansionSum;
  pipeline: ExpansionSum;
  won90d: number;
  lost90d: number;
  winRate90d: number | null;
}

export interface AdoptionResult {
  /** The reported week's first day (the usage rows' `week`). */
  week: IsoDate;
  activeUsers: number;
  seats: number;
  /** Customers whose usage row for the week has seats > 0. */
  accountsWithUsage: number;
  utilization: number | null;
}

export interface VoiceResult {
  npsFrom: IsoDate;
  promoters: number;
  passives: number;
  detractors: number;
  npsResponses: number;
  nps: number | null;
  csatFrom: IsoDate;
  csatSatisfied: number;
  csatResponses: number;
  csat: number | null;
}

export interface SupportResult {
  openedThisWeek: number;
  p1OpenedThisWeek: number;
  p1OpenAtAsOf: number;
}

export interface UnitEconomicsResult {
  /** The 12 complete calendar months before asOf's month. */
  window: { from: IsoDate; to: IsoDate };
  newLogos12m: number;
  newLogoArr: Cents;
  /** Spend over the window; null when any month of it has no spend row or spend is not attributed. */
  spend12m: Cents | null;
  /** Months of the window without a spend row (`YYYY-MM`). */
  missingSpendMonths: string[];
  /** False for a segment: spend is company-wide, so CAC-based figures are null. */
  spendAttributed: boolean;
  cac: number | null;
  arpa: number | null;
  grossMargin: number;
  lifetimeYears: number | null;
  ltv: number | null;
  ltvToCac: number | null;
  cacPaybackMonths: number | null;
  newLogosWithServices: number;
  servicesAttach: number | null;
}

export type HealthComponentName = 'utilization' | 'usageTrend' | 'support' | 'nps';
export type HealthBand = 'green' | 'yellow' | 'red';

export interface HealthComponent {
  name: HealthComponentName;
  /**
   * The input: utilization (fraction), usageTrend (fraction), p1 tickets opened in the last 30
   * days (count), or the latest NPS score (0..10).
   */
  raw: number;
  /** 0..100 */
  score: number;
  /** The configured weight. */
  weight: number;
  /** The weight actually used: configured weights rescaled over the components present. */
  effectiveWeight: number;
}

export interface AccountHealth {
  accountId: string;
  segment: string;
  arr: Cents;
  /** 0..100 rounded half-up to 2 decimals; null with no component. */
  score: number | null;
  band: HealthBand | null;
  utilization: number | null;
  usageTrend: number | null;
  components: HealthComponent[];
}

export interface HealthResult {
  green: CountArr;
  yellow: CountArr;
  red: CountArr;
  unscored: CountArr;
  arrAtRisk: Cents;
}

/** One monthly cohort (accounts by the calendar month of their first paid day). */
export interface CohortResult {
  /** `YYYY-MM`. */
  month: string;
  customers: number;
  /** Sum over the cohort of each account's ARR on its first paid day. */
  baseArr: Cents;
  /** Per age k (index): accounts paying on lastDay(month + k); age 0 = customers. Empty with no customers. */
  active: number[];
  /** Per age k: the cohort's ARR on lastDay(month + k); age 0 = baseArr. Empty with no customers. */
  arr: Cents[];
  /** Per age k: active[k] / customers; 1 at age 0 by definition. Empty with no customers. */
  logo: number[];
  /** Per age k: arr[k] / baseArr; 1 at age 0 by definition. Empty with no customers. */
  revenue: number[];
}

/** ARR already signed for asOf + N days (N = 30, 90, 365). */
export interface ContractedArrResult {
  d30: Cents;
  d90: Cents;
  d365: Cents;
  /** The dates asOf + N. */
  dates: { d30: IsoDate; d90: IsoDate; d365: IsoDate };
}

export interface KpiResult {
  asOf: IsoDate;
  weekStart: IsoDate;
  /** ISO week label of asOf, e.g. `2026-W47`. */
  week: string;
  currency: string;
  /** Present when the result covers one segment only. */
  segment?: string;
  arrBridge: ArrBridge;
  customers: CustomerCounts;
  /** Fiscal quarter to date: the quarter's first day .. asOf. */
  quarter: string;
  arrBridgeQtd: ArrBridge;
  customersQtd: CustomerCounts;
  retention: RetentionResult;
  renewals: RenewalsResult;
  expansion: ExpansionResult;
  adoption: AdoptionResult;
  voice: VoiceResult;
  support: SupportResult;
  unitEconomics: UnitEconomicsResult;
  health: HealthResult;
  /** Customers at asOf, sorted by accountId. */
  accounts: AccountHealth[];
  /** The 12 calendar months before asOf's month, oldest first. */
  cohorts: CohortResult[];
  contractedArr: ContractedArrResult;
  /** Rows in another currency left out of every figure: no rate on or before their date. */
  unconverted: UnconvertedRow[];
}

export interface TrendPoint {
  asOf: IsoDate;
  week: string;
  closingArr: Cents;
  customers: number;
  nrr: number | null;
  grr: number | null;
  arrAtRisk: Cents;
  nps: number | null;
}

export type TrendFigure = 'closingArr' | 'customers' | 'nrr' | 'grr' | 'arrAtRisk' | 'nps';
export type TrendDeltas = { [K in TrendFigure]: number | null };

export interface TrendWeek extends TrendPoint {
  /** This week's value minus the previous week's (null when either is null). */
  delta: TrendDeltas;
}

export interface TrendResult {
  asOf: IsoDate;
  /** Oldest first; the last one is asOf. */
  weeks: TrendWeek[];
  /** Week-over-week change at asOf (the last week's `delta`). */
  deltas: TrendDeltas;
}
