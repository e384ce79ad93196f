// Evaluates every enabled rule over the accounts' facts and advances the alert states: the pure
// core of `pulse alerts run`, the alert-digest handler and the backtest.
import type { IsoDate } from '../dates';
import { step, type AlertState, type Notice } from './lifecycle';
import { RULES } from './rules';
import {
  alertId,
  type AccountFacts,
  type AlertKey,
  type AlertRuleId,
  type AlertSettings,
  type Explanation,
  type Observation,
  type RenewalFact,
  type RuleResult,
  type Severity,
} from './types';

export interface Evaluation {
  key: AlertKey;
  /** With the enter thresholds (params). */
  enter: Observation;
  /** With the exit thresholds (params + exit). */
  exit: Observation;
}

/**
 * Rules whose breach is evidence of churn risk. `renewal-overdue` is a process alert (late
 * paperwork as often as risk: 5% precision in the demo's backtest): it never counts towards the
 * corroboration that escalates a warning.
 */
export const PROCESS_RULES: ReadonlySet<AlertRuleId> = new Set(['renewal-overdue']);

/** Every (rule, account[, renewal]) subject on the date, with its enter and exit observations. */
export function evaluateRules(facts: readonly AccountFacts[], settings: AlertSettings): Map<string, Evaluation> {
  const rules = (Object.entries(RULES) as [AlertRuleId, (typeof RULES)[AlertRuleId]][]).filter(
    ([id]) => settings.rules[id].enabled,
  );
  // First the results, so each account's count of breaching risk rules is known before severities.
  const results: { id: AlertRuleId; f: AccountFacts; enter: RuleResult[]; exit: RuleResult[] }[] = [];
  const riskRules = new Map<string, Set<AlertRuleId>>();
  for (const [id, rule] of rules) {
    const cfg = settings.rules[id];
    for (const f of facts) {
      const enter = rule.evaluate(f, cfg.params);
      results.push({ id, f, enter, exit: rule.evaluate(f, cfg.exit) });
      if (!PROCESS_RULES.has(id) && enter.some((r) => r.status === 'breach' && (!rule.perRenewal || r.renewal))) {
        const set = riskRules.get(f.accountId) ?? new Set();
        set.add(id);
        riskRules.set(f.accountId, set);
      }
    }
  }
  const out = new Map<string, Evaluation>();
  for (const { id, f, enter, exit } of results) {
    const rule = RULES[id];
    const cfg = settings.rules[id];
    const title = rule.title(cfg.params);
    const breaching = riskRules.get(f.accountId) ?? new Set<AlertRuleId>();
    // An open alert is judged by its exit thresholds: there its own rule counts while it still
    // breaches them (the others by their enter thresholds).
    const corroboration = (r: RuleResult): number =>
      breaching.size + (r.status === 'breach' && !PROCESS_RULES.has(id) && !breaching.has(id) ? 1 : 0);
    const exitBySubject = new Map(exit.map((r) => [r.renewal?.renewalId ?? '', r]));
    for (const r of enter) {
      if (rule.perRenewal && !r.renewal) continue; // "no open renewal": nothing to key an alert on
      const key: AlertKey = { rule: id, accountId: f.accountId };
      if (rule.perRenewal && r.renewal) key.renewalId = r.renewal.renewalId;
      const x = exitBySubject.get(r.renewal?.renewalId ?? '') ?? r;
      out.set(alertId(key), {
        key,
        enter: observe(f, r, cfg.severity, cfg.play, title, settings, breaching.size),
        exit: observe(f, x, cfg.severity, cfg.play, title, settings, corroboration(x)),
      });
    }
  }
  return out;
}

function observe(
  f: AccountFacts,
  r: RuleResult,
  severity: Severity,
  play: string,
  ruleTitle: string,
  settings: AlertSettings,
  riskRules: number,
): Observation {
  // A warning escalates to critical only on strong evidence: the renewal at stake (the alert's own,
  // or the account's soonest open one) is due within escalateWithinDays or overdue, and the account
  // breaches at least escalateMinRiskRules risk rules at once (a lone yellow health score near a
  // renewal stays a warning).
  const atStake: RenewalFact | undefined = r.renewal ?? f.openRenewals[0];
  const escalate =
    severity === 'warning' &&
    atStake !== undefined &&
    atStake.daysToDue <= settings.escalateWithinDays &&
    riskRules >= settings.escalateMinRiskRules;
  const sev: Severity = escalate ? 'critical' : severity;
  const explanation: Explanation = {
    accountName: f.name,
    segment: f.segment,
    arr: f.arr,
    signals: r.status === 'not-applicable' ? [] : r.signals,
    play,
    ruleTitle,
  };
  if (f.ownerEmail) explanation.ownerEmail = f.ownerEmail;
  if (atStake) explanation.renewal = atStake;
  if (r.status === 'not-applicable') explanation.reason = `not applicable: ${r.reason}`;
  return { status: r.status, severity: sev, explanation };
}

export interface AdvanceContext {
  on: IsoDate;
  at: string;
  by: string;
  settings: AlertSettings;
}

export interface AdvanceResult {
  /** States that changed (to store), by id. */
  changed: Map<string, AlertState>;
  notices: Notice[];
}

/**
 * Steps every live alert (pending or open) and every breaching subject. An open alert is judged by
 * its exit observation, anything else by its enter observation.
 */
export function advanceAlerts(
  states: ReadonlyMap<string, AlertState>,
  evaluations: ReadonlyMap<string, Evaluation>,
  ctx: AdvanceContext,
): AdvanceResult {
  const changed = new Map<string, AlertState>();
  const notices: Notice[] = [];
  const ids = new Set<string>();
  for (const [id, s] of states) if (s.status === 'open' || s.status === 'pending') ids.add(id);
  for (const [id, e] of evaluations) if (e.enter.status === 'breach' || ids.has(id)) ids.add(id);
  for (const id of [...ids].sort()) {
    const prev = states.get(id);
    const e = evaluations.get(id);
    const key: AlertKey = e?.key ?? {
      rule: prev!.rule,
      accountId: prev!.accountId,
      ...(prev!.renewalId !== undefined ? { renewalId: prev!.renewalId } : {}),
    };
    const cfg = ctx.settings.rules[key.rule];
    // An open alert is judged by the exit thresholds, but explained with the enter ones (the values
    // are the same facts; "below 40" reads better than the hysteresis band) whenever they apply.
    const obs = e
      ? prev?.status === 'open'
        ? { ...e.exit, explanation: e.enter.status === 'not-applicable' ? e.exit.explanation : e.enter.explanation }
        : e.enter
      : undefined;
    const gone = !cfg.enabled
      ? 'the rule was disabled'
      : key.renewalId !== undefined
        ? 'the renewal is no longer open'
        : 'the account is no longer a customer';
    const r = step(
      prev,
      key,
      obs,
      { on: ctx.on, at: ctx.at, by: ctx.by, minBreachDays: cfg.minBreachDays, cooldownDays: ctx.settings.cooldownDays },
      gone,
    );
    if (r.changed && r.state) changed.set(id, r.state);
    notices.push(...r.notices);
  }
  return { changed, notices };
}

export function alertSettingsFrom(config: {
  alerts: {
    rules: AlertSettings['rules'];
    cooldownDays: number;
    escalateWithinDays: number;
    escalateMinRiskRules: number;
    topAtRisk: number;
  };
}): AlertSettings {
  const a = config.alerts;
  return {
    rules: a.rules,
    cooldownDays: a.cooldownDays,
    escalateWithinDays: a.escalateWithinDays,
    escalateMinRiskRules: a.escalateMinRiskRules,
    topAtRisk: a.topAtRisk,
  };
}
