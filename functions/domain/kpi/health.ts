// The account health score (0..100) and the portfolio's health buckets.
//
// Four components, each scored 0..100: seat utilization in the reported week, the usage trend, P1
// support tickets in the last 30 days, and the latest NPS answer in the last 180 days. A component
// without data is left out and the configured weights of the others are rescaled to sum to 1.
import type { NpsResponse, Ticket } from '../contract/entities';
import { roundHalfUp } from '../money';
import type { UsageIndex } from './adoption';
import type { HealthWeights } from './settings';
import { lowerBound, upperBound, type EpochDays } from './timeline';
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

  constructor(tickets: readonly Ticket[], nps: readonly NpsResponse[], indexOf: ReadonlyMap<string, number>, accountCount: number, days: EpochDays) {
    const n = accountCount;
    this.firstTicket = new Float64Array(n).fill(Infinity);
    const p1: { a: number; day: number }[] = [];
    for (const t of tickets) {
      const a = indexOf.get(t.accountId);
      if (a === undefined) continue;
      const day = days.of(t.openedDate);
      if (day < (this.firstTicket[a] as number)) this.firstTicket[a] = day;
      if (t.priority === 'p1') p1.push({ a, day });
    }
    p1.sort((x, y) => x.a - y.a || x.day - y.day);
    this.p1Offset = offsets(p1, n);
    this.p1Day = Int32Array.from(p1, (x) => x.day);

    const answers: { a: number; day: number; id: string; score: number }[] = [];
    for (const r of nps) {
      const a = indexOf.get(r.accountId);
      if (a === undefined) continue;
      answers.push({ a, day: days.of(r.date), id: r.responseId, score: r.score });
    }
    // By account, then date, then response_id in plain string order: the last one on a date is the latest.
    answers.sort((x, y) => x.a - y.a || x.day - y.day || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    this.npsOffset = offsets(answers, n);
    this.npsDay = Int32Array.from(answers, (x) => x.day);
    this.npsScore = Int32Array.from(answers, (x) => x.score);
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

function offsets(sorted: readonly { a: number }[], n: number): Int32Array {
  const off = new Int32Array(n + 1);
  for (const x of sorted) off[x.a + 1]!++;
  for (let a = 0; a < n; a++) off[a + 1]! += off[a] as number;
  return off;
}

/** min(u / 0.8, 1) x 100, computed as u x 125 capped at 100 (one rounding instead of three). */
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
