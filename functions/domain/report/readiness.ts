// Fail closed: before the weekly report goes out, its inputs must be fresh (every required source
// ingested for the period) and its numbers must be sane (the bridge identities hold, segments add
// up to the company, the trend ends where the week ends). Pure checks; each problem is one sentence
// an operator can act on, and the "report delayed" notice lists them.
import { todayIn, daysBetween, type IsoDate } from '../dates';
import { bridgeResidual, type KpiResult, type TrendResult } from '../kpi';

/** The part of a run-ledger record the freshness check reads (see functions/ports/run-ledger.ts). */
export interface IngestRunLike {
  kind: string;
  subject: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
}

export interface FreshnessPolicy {
  /**
   * Sources (run-ledger `subject` of ingest runs) that must each have a successful ingest for the
   * period. Empty: at least one successful ingest of any source.
   */
  requiredSources: readonly string[];
  /** An ingest older than this many days (before `now`) is stale even if it covers the period. */
  maxAgeDays: number;
  /** The company time zone: run timestamps are compared as local calendar dates. */
  timeZone: string;
}

export interface Problem {
  /** `freshness` or `sanity`. */
  check: 'freshness' | 'sanity';
  message: string;
}

/**
 * Every required source must have an ingest run that succeeded and finished on or after the
 * period's last day (local date), and no more than `maxAgeDays` before `now`.
 */
export function checkFreshness(
  runs: readonly IngestRunLike[],
  asOf: IsoDate,
  now: Date,
  policy: FreshnessPolicy,
): Problem[] {
  const today = todayIn(policy.timeZone, now);
  const ingests = runs.filter((r) => r.kind === 'ingest');
  const localDate = (iso: string): IsoDate => todayIn(policy.timeZone, new Date(iso));
  const covering = (r: IngestRunLike): boolean => {
    if (r.status !== 'succeeded' || !r.finishedAt || Number.isNaN(Date.parse(r.finishedAt))) return false;
    const day = localDate(r.finishedAt);
    return day >= asOf && daysBetween(day, today) <= policy.maxAgeDays;
  };
  const describeLatest = (source: string | undefined): string => {
    const own = ingests.filter((r) => source === undefined || r.subject === source);
    const ok = own.filter((r) => r.status === 'succeeded' && r.finishedAt);
    const latest = ok.sort((a, b) => (a.finishedAt! < b.finishedAt! ? 1 : -1))[0];
    const failed = own.find((r) => r.status === 'failed' || r.status === 'timed-out');
    const parts: string[] = [];
    parts.push(
      latest ? `last successful ingest finished ${localDate(latest.finishedAt!)}` : 'no successful ingest recorded',
    );
    if (failed)
      parts.push(
        `a run started ${localDate(failed.startedAt)} ${failed.status === 'timed-out' ? 'timed out' : 'failed'}`,
      );
    return parts.join('; ');
  };
  if (policy.requiredSources.length === 0) {
    if (ingests.some(covering)) return [];
    return [
      {
        check: 'freshness',
        message: `No source was ingested for the week ending ${asOf} (${describeLatest(undefined)}).`,
      },
    ];
  }
  const problems: Problem[] = [];
  for (const source of policy.requiredSources) {
    if (ingests.some((r) => r.subject === source && covering(r))) continue;
    problems.push({
      check: 'freshness',
      message: `Source "${source}" has not been ingested for the week ending ${asOf} (${describeLatest(source)}).`,
    });
  }
  return problems;
}

/** The identities every report's numbers must satisfy before anyone reads them. */
export function checkSanity(
  company: KpiResult,
  segments: ReadonlyMap<string, KpiResult>,
  trend: TrendResult | null,
): Problem[] {
  const problems: Problem[] = [];
  const p = (message: string) => problems.push({ check: 'sanity', message });
  const cents = (c: number) => (c / 100).toFixed(2);
  if (company.customers.close === 0 && company.arrBridge.close === 0)
    p(`There are no customers with ARR at ${company.asOf}: the store holds no usable revenue data.`);
  const week = bridgeResidual(company.arrBridge);
  if (week !== 0) p(`The week's ARR bridge does not add up: open + movements - close = ${cents(week)}.`);
  const qtd = bridgeResidual(company.arrBridgeQtd);
  if (qtd !== 0) p(`The quarter-to-date ARR bridge does not add up: open + movements - close = ${cents(qtd)}.`);
  const c = company.customers;
  if (c.open + c.new + c.reactivated - c.churned !== c.close) {
    p(
      `Customer counts do not add up: ${c.open} + ${c.new} new + ${c.reactivated} reactivated - ${c.churned} churned != ${c.close}.`,
    );
  }
  if (segments.size > 0) {
    let arr = 0;
    let customers = 0;
    for (const s of segments.values()) {
      arr += s.arrBridge.close;
      customers += s.customers.close;
    }
    if (arr !== company.arrBridge.close)
      p(`Segments' closing ARR (${cents(arr)}) differs from the company's (${cents(company.arrBridge.close)}).`);
    if (customers !== company.customers.close)
      p(`Segments' customers (${customers}) differ from the company's (${company.customers.close}).`);
  }
  if (trend) {
    const last = trend.weeks[trend.weeks.length - 1];
    if (!last || last.asOf !== company.asOf) p(`The trend does not end with the reported week ${company.week}.`);
    else if (last.closingArr !== company.arrBridge.close)
      p(`The trend's closing ARR for ${company.week} differs from the week's bridge.`);
  }
  return problems;
}
