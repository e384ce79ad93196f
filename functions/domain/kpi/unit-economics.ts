// Unit economics over the 12 complete calendar months before asOf's month: new logos, CAC, ARPA,
// LTV, LTV:CAC, CAC payback and services attach.
import { addDays, addMonths, monthOf, toEpochDay, type IsoDate } from '../dates';
import type { Spend, Subscription } from '../contract/entities';
import type { Cents } from '../money';
import type { ArrTimeline } from './timeline';
import type { UnitEconomicsResult } from './types';

/** The 12 complete calendar months before asOf's month, and their `YYYY-MM` names. */
export function unitEconomicsWindow(asOf: IsoDate): { from: IsoDate; to: IsoDate; months: string[] } {
  const monthStart = `${monthOf(asOf)}-01`;
  const from = addMonths(monthStart, -12);
  const months = Array.from({ length: 12 }, (_, i) => monthOf(addMonths(from, i)));
  return { from, to: addDays(monthStart, -1), months };
}

export interface UnitEconomicsInputs {
  timeline: ArrTimeline;
  subscriptions: readonly Subscription[];
  spend: readonly Spend[];
  /** Positions of the accounts in scope (all when omitted). */
  accounts?: Iterable<number>;
  /** False for a segment: spend is company-wide, so CAC, LTV:CAC and payback are null. */
  spendAttributed: boolean;
  /** ARR(asOf) and customers at asOf of the accounts in scope. */
  closingArr: Cents;
  customers: number;
  logoChurn: number | null;
  grossMargin: number;
  ltvMaxYears: number;
}

export function computeUnitEconomics(asOf: IsoDate, x: UnitEconomicsInputs): UnitEconomicsResult {
  const w = unitEconomicsWindow(asOf);
  const fromDay = toEpochDay(w.from);
  const toDay = toEpochDay(w.to);
  const { timeline } = x;

  // New logos: the account's earliest recurring line (any amount) starts in the window.
  const newLogos = new Set<number>();
  let newLogoArr = 0;
  const visit = (a: number): void => {
    const first = timeline.earliestRecurringStart[a] as number;
    if (first < fromDay || first > toDay) return;
    newLogos.add(a);
    newLogoArr += timeline.arrAt(a, first);
  };
  if (x.accounts) for (const a of x.accounts) visit(a);
  else for (let a = 0; a < timeline.accountCount; a++) visit(a);

  // Services attach: new logos with a services line starting in the window.
  const withServices = new Set<number>();
  for (const s of x.subscriptions) {
    if (s.kind !== 'services' || s.startDate < w.from || s.startDate > w.to) continue;
    const a = timeline.indexOf.get(s.accountId);
    if (a !== undefined && newLogos.has(a)) withServices.add(a);
  }

  // Spend: every month of the window needs a row (a row of 0 counts as a row).
  const byMonth = new Map<string, Cents>();
  for (const s of x.spend) byMonth.set(s.month, s.salesMarketing);
  const missingSpendMonths = w.months.filter((m) => !byMonth.has(m));
  const spend12m =
    x.spendAttributed && missingSpendMonths.length === 0
      ? w.months.reduce((sum, m) => sum + (byMonth.get(m) as Cents), 0)
      : null;

  const n = newLogos.size;
  const cac = spend12m !== null && n > 0 ? spend12m / n : null;
  const arpa = x.customers > 0 ? x.closingArr / x.customers : null;
  const lifetimeYears =
    x.logoChurn === null ? null : x.logoChurn === 0 ? x.ltvMaxYears : Math.min(1 / x.logoChurn, x.ltvMaxYears);
  const ltv = arpa !== null && lifetimeYears !== null ? arpa * x.grossMargin * lifetimeYears : null;
  const paybackBase = newLogoArr * x.grossMargin;
  return {
    window: { from: w.from, to: w.to },
    newLogos12m: n,
    newLogoArr,
    spend12m,
    missingSpendMonths,
    spendAttributed: x.spendAttributed,
    cac,
    arpa,
    grossMargin: x.grossMargin,
    lifetimeYears,
    ltv,
    ltvToCac: ltv !== null && cac !== null && cac > 0 ? ltv / cac : null,
    cacPaybackMonths: spend12m !== null && paybackBase > 0 ? (12 * spend12m) / paybackBase : null,
    newLogosWithServices: withServices.size,
    servicesAttach: n > 0 ? withServices.size / n : null,
  };
}
