// The backtest: replay the rules week by week over history (with the full lifecycle: minimum
// breach duration, exit thresholds) and join every alert to the renewal's later outcome.
//
// Per rule:
//  - alerted renewals: distinct (rule, renewal) pairs an alert was joined to. A per-renewal rule
//    joins to its own renewal; an account-level rule (detractor NPS, P1 tickets) to the account's
//    soonest renewal open on the day the alert opened.
//  - precision = alerted renewals that then churned or contracted (renewed for less than arr_up)
//    / alerted renewals with a known outcome (still-open renewals and alerts with no renewal to
//    join are counted apart, not guessed).
//  - recall = churned renewals (closed in [from, to]) that had an alert of the rule opened on or
//    before the churn / all churned renewals closed in [from, to].
//  - lead time = days from the first alert on a renewal to its churn or contraction (closed date),
//    median over the true positives.
//  - alerts per week = alerts opened / weeks replayed.
import type { Renewal } from '../contract/entities';
import type { Dataset } from '../contract/validate';
import { addDays, daysBetween, type IsoDate } from '../dates';
import { resolveAsOf, type KpiSettings } from '../kpi';
import { advanceAlerts, evaluateRules } from './evaluate';
import { isOpenAt } from '../kpi/renewals';
import { factsAt, prepareAlertIndex } from './facts';
import type { AlertState } from './lifecycle';
import { ALL_RULES } from './rules';
import type { AlertRuleId, AlertSettings, Severity } from './types';

export type RenewalOutcome = 'churned' | 'contracted' | 'renewed' | 'pending' | 'no-renewal';

export interface BacktestAlert {
  alertId: string;
  rule: AlertRuleId;
  accountId: string;
  openedOn: IsoDate;
  severity: Severity;
  renewalId?: string;
  outcome: RenewalOutcome;
  outcomeOn?: IsoDate;
  /** Days from openedOn to outcomeOn, for churned and contracted renewals. */
  leadDays?: number;
  /** When the alert was critical first: openedOn for an alert opened critical, else the day it escalated. */
  criticalOn?: IsoDate;
}

export interface RuleFigures {
  /** The rule, `all`, or (in `severities`) all alerts of one severity. */
  rule: AlertRuleId | 'all' | Severity;
  enabled: boolean;
  alerts: number;
  alertsPerWeek: number;
  alertedRenewals: number;
  /** Alerted renewals that churned or contracted. */
  truePositives: number;
  /** Alerted renewals that renewed at or above arr_up. */
  falsePositives: number;
  /** Alerted renewals still open at the end of the data. */
  pending: number;
  /** Alerts with no renewal to join (account-level rules on accounts without an open renewal). */
  noRenewal: number;
  precision: number | null;
  churnedRenewals: number;
  caught: number;
  recall: number | null;
  medianLeadDays: number | null;
}

export interface BacktestResult {
  from: IsoDate;
  to: IsoDate;
  weeks: number;
  /** The evaluation dates (week ends). */
  firstWeekEnd: IsoDate;
  lastWeekEnd: IsoDate;
  churnedRenewals: number;
  rules: RuleFigures[];
  all: RuleFigures;
  /**
   * Per severity, every rule together: `critical` counts each alert from the day it was critical
   * (opened so, or escalated), `warning` the alerts that never were.
   */
  severities: RuleFigures[];
  alerts: BacktestAlert[];
}

export class BacktestError extends Error {
  readonly code = 'BACKTEST_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'BacktestError';
  }
}

export function runBacktest(
  data: Dataset,
  kpiSettings: KpiSettings,
  settings: AlertSettings,
  range: { from: IsoDate; to: IsoDate },
): BacktestResult {
  let first = resolveAsOf(range.from, kpiSettings.weekStartsOn);
  if (first < range.from) first = addDays(first, 7);
  const last = resolveAsOf(range.to, kpiSettings.weekStartsOn);
  if (first > last) throw new BacktestError(`no complete week ends between ${range.from} and ${range.to}`);

  const index = prepareAlertIndex(data, kpiSettings);
  const states = new Map<string, AlertState>();
  const alerts: BacktestAlert[] = [];
  /** The latest episode of each alert, for its escalation. */
  const latest = new Map<string, BacktestAlert>();
  const renewalsById = new Map(data.renewals.map((r) => [r.renewalId, r]));
  let weeks = 0;
  for (let on = first; on <= last; on = addDays(on, 7)) {
    weeks++;
    const evaluations = evaluateRules(factsAt(index, on), settings);
    const { changed, notices } = advanceAlerts(states, evaluations, {
      on,
      at: `${on}T00:00:00.000Z`,
      by: 'backtest',
      settings,
    });
    for (const [id, s] of changed) states.set(id, s);
    for (const n of notices) {
      if (n.kind === 'escalated') {
        const episode = latest.get(n.alertId);
        if (episode && episode.criticalOn === undefined) episode.criticalOn = on;
        continue;
      }
      if (n.kind !== 'opened') continue;
      const s = states.get(n.alertId)!;
      const renewal =
        s.renewalId !== undefined
          ? renewalsById.get(s.renewalId)
          : soonestOpen(index.renewalsByAccount.get(s.accountId) ?? [], on);
      const a = joinOutcome(s, on, n.severity, renewal);
      if (n.severity === 'critical') a.criticalOn = on;
      alerts.push(a);
      latest.set(n.alertId, a);
    }
  }

  const churned = data.renewals.filter((r) => r.status === 'churned' && within(outcomeDate(r), range.from, range.to));
  const figures = (rule: RuleFigures['rule'], enabled: boolean, mine: readonly BacktestAlert[]): RuleFigures => {
    const firstByRenewal = new Map<string, BacktestAlert>();
    let noRenewal = 0;
    for (const a of mine) {
      if (a.renewalId === undefined) {
        noRenewal++;
        continue;
      }
      const prev = firstByRenewal.get(a.renewalId);
      if (!prev || a.openedOn < prev.openedOn) firstByRenewal.set(a.renewalId, a);
    }
    const joined = [...firstByRenewal.values()];
    const tp = joined.filter((a) => a.outcome === 'churned' || a.outcome === 'contracted');
    const fp = joined.filter((a) => a.outcome === 'renewed');
    const caught = churned.filter((r) => mine.some((a) => a.renewalId === r.renewalId && a.openedOn <= outcomeDate(r)));
    return {
      rule,
      enabled,
      alerts: mine.length,
      alertsPerWeek: weeks ? mine.length / weeks : 0,
      alertedRenewals: joined.length,
      truePositives: tp.length,
      falsePositives: fp.length,
      pending: joined.filter((a) => a.outcome === 'pending').length,
      noRenewal,
      precision: tp.length + fp.length ? tp.length / (tp.length + fp.length) : null,
      churnedRenewals: churned.length,
      caught: caught.length,
      recall: churned.length ? caught.length / churned.length : null,
      medianLeadDays: median(tp.map((a) => a.leadDays!).filter((d) => d >= 0)),
    };
  };
  return {
    from: range.from,
    to: range.to,
    weeks,
    firstWeekEnd: first,
    lastWeekEnd: last,
    churnedRenewals: churned.length,
    rules: ALL_RULES.map((id) =>
      figures(
        id,
        settings.rules[id].enabled,
        alerts.filter((a) => a.rule === id),
      ),
    ),
    all: figures('all', true, alerts),
    severities: [
      figures('critical', true, alerts.filter((a) => a.criticalOn !== undefined).map(asOfCritical)),
      figures(
        'warning',
        true,
        alerts.filter((a) => a.criticalOn === undefined),
      ),
    ],
    alerts,
  };
}

/** The alert as if it opened the day it became critical (its lead time counts from then). */
function asOfCritical(a: BacktestAlert): BacktestAlert {
  const c: BacktestAlert = { ...a, openedOn: a.criticalOn! };
  if (a.outcomeOn !== undefined && a.leadDays !== undefined) c.leadDays = daysBetween(c.openedOn, a.outcomeOn);
  return c;
}

function soonestOpen(renewals: readonly Renewal[], on: IsoDate): Renewal | undefined {
  return renewals.find((r) => isOpenAt(r, on)); // sorted by due date
}

const outcomeDate = (r: Renewal): IsoDate => r.closedDate ?? r.dueDate;
const within = (d: IsoDate, from: IsoDate, to: IsoDate) => d >= from && d <= to;

function joinOutcome(s: AlertState, on: IsoDate, severity: Severity, r: Renewal | undefined): BacktestAlert {
  const a: BacktestAlert = {
    alertId: s.id,
    rule: s.rule,
    accountId: s.accountId,
    openedOn: on,
    severity,
    outcome: 'no-renewal',
  };
  if (!r) return a;
  a.renewalId = r.renewalId;
  if (r.status === 'open') {
    a.outcome = 'pending';
    return a;
  }
  a.outcomeOn = outcomeDate(r);
  a.outcome = r.status === 'churned' ? 'churned' : (r.renewedArr ?? r.arrUp) < r.arrUp ? 'contracted' : 'renewed';
  if (a.outcome !== 'renewed') a.leadDays = daysBetween(on, a.outcomeOn);
  return a;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
