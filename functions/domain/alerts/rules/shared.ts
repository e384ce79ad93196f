// Helpers the rule files share: renewal windows and signal builders.
import type { AccountFacts, RenewalFact, RuleParams, RuleResult, Signal } from '../types';

/** A required numeric parameter; the config fills every default, so a missing one is a programming error. */
export function param(params: RuleParams, name: string): number {
  const v = params[name];
  if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`alert rule parameter "${name}" is missing`);
  return v;
}

export function renewalSignal(r: RenewalFact, withinDays?: number): Signal {
  const s: Signal = { name: 'renewalDueInDays', label: 'renewal due in', value: r.daysToDue, unit: 'days' };
  if (withinDays !== undefined) {
    s.op = '<=';
    s.threshold = withinDays;
  }
  return s;
}

export function healthSignal(score: number, below?: number): Signal {
  const s: Signal = { name: 'health', label: 'health', value: score, unit: 'score' };
  if (below !== undefined) {
    s.op = '<';
    s.threshold = below;
  }
  return s;
}

/** The health components as context signals (no threshold): what drags the score down. */
export function componentSignals(facts: AccountFacts): Signal[] {
  const out: Signal[] = [];
  for (const c of facts.health.components) {
    if (c.name === 'usageTrend')
      out.push({ name: 'usageTrend', label: 'usage trend over 4 weeks', value: c.raw, unit: 'percent' });
    else if (c.name === 'utilization')
      out.push({ name: 'utilization', label: 'seat utilization', value: c.raw, unit: 'percent' });
    else if (c.name === 'support')
      out.push({ name: 'p1Tickets30d', label: 'P1 tickets in 30 days', value: c.raw, unit: 'count' });
    else out.push({ name: 'latestNps', label: 'latest NPS answer', value: c.raw, unit: 'nps' });
  }
  return out;
}

/**
 * One result per open renewal: not applicable outside the window (due within `withinDays`, overdue
 * included), else `check` decides.
 */
export function perRenewal(
  facts: AccountFacts,
  withinDays: number,
  check: (r: RenewalFact) => RuleResult,
): RuleResult[] {
  if (facts.openRenewals.length === 0) return [{ status: 'not-applicable', reason: 'no open renewal' }];
  return facts.openRenewals.map((r) =>
    r.daysToDue <= withinDays
      ? check(r)
      : { status: 'not-applicable', renewal: r, reason: `renewal not due within ${withinDays} days` },
  );
}

/** The soonest open renewal due within `withinDays` (overdue included), if any. */
export function nextRenewalWithin(facts: AccountFacts, withinDays: number): RenewalFact | undefined {
  return facts.openRenewals.find((r) => r.daysToDue <= withinDays);
}
