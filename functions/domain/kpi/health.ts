// The account health score (0..100) and the portfolio's health buckets.
//
// Four components, each scored 0..100: seat utilization in the reported week, the usage trend, P1
// support tickets in the last 30 days, and the latest NPS answer in the last 180 days. A component
// without data is left out and the configured weights of the others are rescaled to sum to 1.
import type { NpsResponse, Ticket } from '../contract/entities';
import { roundHalfUp } from '../money';
import type { UsageIndex } from './adoption';
import type { HealthWeights } from './settings';
import { groupByAccountAndDay, lowerBound, upperBound, type EpochDays } from './timeline';
import type { AccountHealth, CountArr, HealthBand, HealthComponent, HealthResult } from './types';

/** Utilization at or above this fraction scores 100. */
export const FULL_UTILIZATION = 0.8;

/** Tickets and NPS answers per account, sorted by date, for the support and NPS components. */
export class HealthIndex {
  /** Epoch day of the account's first ticket (Infinity with none). */
  private readonly firstTicket: Float64Array;
  private readonly p1Offset: Int32Array;
  private readonly p1Day: Int32Array;
  private readonly npsOffset: Int32Array;
  private readonly npsDay: Int32Array;
  private readonly npsScore: Int32Array;

  constructor(
    tickets: readonly Ticket[],
    nps: readonly NpsResponse[],
    indexOf: ReadonlyMap<string, number>,
    accountCount: number,
    days: EpochDays,
  ) {
    this.firstTicket = new Float64Array(accountCount).fill(Infinity);
    const p1Account = new Int32Array(tickets.length).fill(-1);
    const p1Day = new Int32Array(tickets.length);
    for (let i = 0; i < tickets.length; i++) {
      const t = tickets[i] as Ticket;
      const a = indexOf.get(t.accountId);
      if (a === undefined) continue;
      const day = days.of(t.openedDate);
      if (day < (this.firstTicket[a] as number)) this.firstTicket[a] = day;
      if (t.priority === 'p1') {
        p1Account[i] = a;
        p1Day[i] = day;
      }
    }
    const p1 = groupByAccountAndDay(p1Account, p1Day, accountCount);
    this.p1Offset = p1.offset;
    this.p1Day = Int32Array.from(p1.order, (i) => p1Day[i] as number);

    const npsAccount = new Int32Array(nps.length);
    const npsDay = new Int32Array(nps.length);
    for (let i = 0; i < nps.length; i++) {
      const r = nps[i] as NpsResponse;
      npsAccount[i] = indexOf.get(r.accountId) ?? -1;
      npsDay[i] = days.of(r.date);
    }
    const answers = groupByAccountAndDay(npsAccount, npsDay, accountCount);
    const order = answers.order;
    // Within one account and date, order by response_id in plain string order: the last is the latest.
    for (let k = 0; k < order.length; ) {
      let end = k + 1;
      const a = npsAccount[order[k] as number];
      const day = npsDay[order[k] as number];
      while (end < order.length && npsAccount[order[end] as number] === a && npsDay[order[end] as number] === day)
        end++;
      if (end - k > 1) {
        const run = Array.from(order.subarray(k, end)).sort((x, y) => {
          const ix = (nps[x] as NpsResponse).responseId;
          const iy = (nps[y] as NpsResponse).responseId;
          return ix < iy ? -1 : ix > iy ? 1 : x - y;
        });
        order.set(run, k);
      }
      k = end;
    }
    this.npsOffset = answers.offset;
    this.npsDay = Int32Array.from(order, (i) => npsDay[i] as number);
    this.npsScore = Int32Array.from(order, (i) => (nps[i] as NpsResponse).score);
  }

  /** True when the account has any ticket opened on or before `day`. */
  hasTicketBy(account: number, day: number): boolean {
    return (this.firstTicket[account] as number) <= day;
  }

  /** P1 tickets of the account opened in [fromDay, toDay]. */
  p1OpenedIn(account: number, fromDay: number, toDay: number): number {
    const lo = this.p1Offset[account] as number;
    const hi = this.p1Offset[account + 1] as number;
    if (lo === hi) return 0;
    return upperBound(this.p1Day, lo, hi, toDay) - lowerBound(this.p1Day, lo, hi, fromDay);
  }

  /** Score (0..10) of the account's latest NPS answer dated in [fromDay, toDay], or null. */
  latestNps(account: number, fromDay: number, toDay: number): number | null {
    const lo = this.npsOffset[account] as number;
    const hi = this.npsOffset[account + 1] as number;
    if (lo === hi) return null;
    const i = upperBound(this.npsDay, lo, hi, toDay) - 1;
    if (i < lo || (this.npsDay[i] as number) < fromDay) return null;
    return this.npsScore[i] as number;
  }
}

export function utilizationScore(u: number): number {
  return Math.min(u * (100 / FULL_UTILIZATION), 100);
}

export function usageTrendScore(trend: number): number {
  return Math.min(Math.max(50 + 100 * trend, 0), 100);
}

/** P1 tickets opened in the last 30 days: none 100, one 50, two or more 0. */
export function supportScore(p1Count: number): number {
  return p1Count === 0 ? 100 : p1Count === 1 ? 50 : 0;
}

/** Promoter (9-10) 100, passive (7-8) 60, detractor (0-6) 0. */
export function npsAnswerScore(score: number): number {
  return score >= 9 ? 100 : score >= 7 ? 60 : 0;
}

export function bandOf(score: number | null): HealthBand | null {
  if (score === null) return null;
  return score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red';
}

export interface HealthInputs {
  usage: UsageIndex;
  index: HealthIndex;
  weights: HealthWeights;
}

/**
 * The health of one account as of `asOfDay` (the reported week starts on `weekDay`). Returns the
 * rounded score, its band, the components (raw value, score, weights) and the two usage figures.
 */
export function scoreAccount(
  inputs: HealthInputs,
  account: number,
  asOfDay: number,
  weekDay: number,
): Pick<AccountHealth, 'score' | 'band' | 'utilization' | 'usageTrend' | 'components'> {
  const { usage, index, weights } = inputs;
  const components: HealthComponent[] = [];
  const add = (name: HealthComponent['name'], raw: number, score: number): void => {
    components.push({ name, raw, score, weight: weights[name], effectiveWeight: 0 });
  };

  const utilization = usage.utilization(account, weekDay);
  if (utilization !== null) add('utilization', utilization, utilizationScore(utilization));
  const usageTrend = usage.usageTrend(account, weekDay);
  if (usageTrend !== null) add('usageTrend', usageTrend, usageTrendScore(usageTrend));
  if (index.hasTicketBy(account, asOfDay)) {
    const p1 = index.p1OpenedIn(account, asOfDay - 29, asOfDay);
    add('support', p1, supportScore(p1));
  }
  const nps = index.latestNps(account, asOfDay - 179, asOfDay);
  if (nps !== null) add('nps', nps, npsAnswerScore(nps));

  let weightSum = 0;
  let weighted = 0;
  for (const c of components) {
    weightSum += c.weight;
    weighted += c.weight * c.score;
  }
  let score: number | null = null;
  if (weightSum > 0) {
    for (const c of components) c.effectiveWeight = c.weight / weightSum;
    score = roundHalfUp(Math.min(Math.max(weighted / weightSum, 0), 100), 2);
  }
  return { score, band: bandOf(score), utilization, usageTrend, components };
}

/** Counts and ARR of the customers by band; arrAtRisk = ARR of the red ones. */
export function healthBuckets(accounts: readonly Pick<AccountHealth, 'band' | 'arr'>[]): HealthResult {
  const bucket = (): CountArr => ({ count: 0, arr: 0 });
  const out = { green: bucket(), yellow: bucket(), red: bucket(), unscored: bucket() };
  for (const a of accounts) {
    const b = out[a.band ?? 'unscored'];
    b.count++;
    b.arr += a.arr;
  }
  return { ...out, arrAtRisk: out.red.arr };
}
