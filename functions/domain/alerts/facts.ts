// The facts the alert rules read, per account and evaluation date, from the KPI engine's indexes
// (health with its components, usage, P1 tickets) plus the account's renewals and NPS answers.
// Build the index once per dataset (`prepareAlertIndex`), then ask for any date (`factsAt`): the
// backtest replays two years week by week from one index.
import type { Account, NpsResponse, Renewal } from '../contract/entities';
import type { Dataset } from '../contract/validate';
import { addDays, daysBetween, fromEpochDay, toEpochDay, type IsoDate, type IsoWeekday } from '../dates';
import { prepareKpiContext, resolveAsOf, usageNeededFrom, type KpiContext, type KpiSettings } from '../kpi';
import { scoreAccount } from '../kpi/health';
import { isOpenAt } from '../kpi/renewals';
import { segmentOf } from '../kpi/segments';
import type { AccountFacts, RenewalFact } from './types';

/** Weeks of utilization history in the facts (the longest "consecutive weeks" a rule may ask for). */
export const UTILIZATION_WEEKS = 12;

export interface AlertIndex {
  ctx: KpiContext;
  accounts: ReadonlyMap<string, Account>;
  renewalsByAccount: ReadonlyMap<string, readonly Renewal[]>;
  npsByAccount: ReadonlyMap<string, readonly NpsResponse[]>;
}

export function prepareAlertIndex(data: Dataset, settings: KpiSettings): AlertIndex {
  const group = <T extends { accountId: string }>(
    rows: readonly T[],
    order: (a: T, b: T) => number,
  ): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const r of rows) {
      const list = out.get(r.accountId);
      if (list) list.push(r);
      else out.set(r.accountId, [r]);
    }
    for (const list of out.values()) list.sort(order);
    return out;
  };
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const ctx = prepareKpiContext(data, settings);
  return {
    ctx,
    accounts: new Map(data.accounts.map((a) => [a.accountId, a])),
    // From the context: renewals in the reporting currency (converted at their due date's rate).
    renewalsByAccount: group(ctx.data.renewals, (a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.renewalId, b.renewalId)),
    // Newest first; the same date: the greater response id first (the "latest" of METRICS.md).
    npsByAccount: group(data.nps, (a, b) => cmp(b.date, a.date) || cmp(b.responseId, a.responseId)),
  };
}

/** The first usage week the facts on `date` can use: twelve weeks of utilization and the usage trend behind them. */
export function alertUsageFrom(date: IsoDate, weekStartsOn: IsoWeekday): IsoDate {
  return usageNeededFrom(resolveAsOf(date, weekStartsOn), UTILIZATION_WEEKS - 1);
}

/**
 * The facts of every account that is a customer on `date` or has a renewal open on it, sorted by
 * account id. Usage and utilization come from the last complete week on or before `date`.
 */
export function factsAt(index: AlertIndex, date: IsoDate): AccountFacts[] {
  const { ctx } = index;
  const { timeline } = ctx;
  const day = toEpochDay(date);
  const weekEnd = resolveAsOf(date, ctx.settings.weekStartsOn);
  const weekDay = toEpochDay(weekEnd) - 6;
  const out: AccountFacts[] = [];
  for (let a = 0; a < timeline.accountCount; a++) {
    const accountId = timeline.accountIds[a] as string;
    const arr = timeline.arrAt(a, day);
    const openRenewals: RenewalFact[] = [];
    for (const r of index.renewalsByAccount.get(accountId) ?? []) {
      if (isOpenAt(r, date))
        openRenewals.push({
          renewalId: r.renewalId,
          dueDate: r.dueDate,
          arrUp: r.arrUp,
          daysToDue: daysBetween(date, r.dueDate),
        });
    }
    if (arr <= 0 && openRenewals.length === 0) continue;
    const account = index.accounts.get(accountId);
    const health = scoreAccount(ctx.health, a, day, weekDay);
    const utilizationByWeek = Array.from({ length: UTILIZATION_WEEKS }, (_, k) =>
      ctx.usage.utilization(a, weekDay - 7 * k),
    );
    const nps = index.npsByAccount.get(accountId) ?? [];
    const facts: AccountFacts = {
      accountId,
      name: account?.name ?? accountId,
      segment: segmentOf(ctx.segments, accountId),
      date,
      weekStart: fromEpochDay(weekDay),
      arr,
      health: { score: health.score, band: health.band, components: health.components },
      usageTrend: health.usageTrend,
      utilizationByWeek,
      p1Opened: (days) => ctx.healthIndex.p1OpenedIn(a, day - days + 1, day),
      npsResponses: (days) => {
        const from = addDays(date, -days + 1);
        return nps
          .filter((r) => r.date <= date && r.date >= from)
          .map((r) => ({ responseId: r.responseId, date: r.date, score: r.score }));
      },
      openRenewals,
    };
    if (account?.ownerEmail) facts.ownerEmail = account.ownerEmail;
    out.push(facts);
  }
  return out.sort((x, y) => (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0));
}
