// Renewal-risk alerts: the shared types of the rules, the lifecycle and the messages. Pure: no I/O.
import type { AlertRuleId } from './rules';
import type { IsoDate } from '../dates';
import type { Cents } from '../money';
import type { HealthBand, HealthComponent } from '../kpi/types';

export type { AlertRuleId };

/** One alert rule's settings, after the config's overrides (functions/config.ts). */
export interface AlertRuleConfig {
  enabled: boolean;
  severity: 'warning' | 'critical';
  /** Enter thresholds: the rule breaches with these. */
  params: Record<string, number>;
  /** Exit thresholds: an open alert stays open while the rule still breaches with these (params + exit). */
  exit: Record<string, number>;
  /** Days of continuous breach before the alert opens (0: at the first breaching evaluation). */
  minBreachDays: number;
  play: string;
}

/** A rule's defaults, declared in its own file; the config's overrides apply on top. */
export type AlertRuleDefaults = Omit<AlertRuleConfig, 'enabled' | 'params' | 'exit'> & {
  params: Readonly<Record<string, number>>;
  /** Exit thresholds that differ from the enter ones. */
  exit: Readonly<Record<string, number>>;
};
export type Severity = 'warning' | 'critical';
export type RuleParams = Readonly<Record<string, number>>;

/** An open renewal of the account as seen on the evaluation date. */
export interface RenewalFact {
  renewalId: string;
  dueDate: IsoDate;
  arrUp: Cents;
  /** dueDate - evaluation date (negative when overdue). */
  daysToDue: number;
}

/** What the rules see of one account on one evaluation date. Built by `factsAt`; hand-built in tests. */
export interface AccountFacts {
  accountId: string;
  name: string;
  ownerEmail?: string;
  segment: string;
  /** The evaluation date. */
  date: IsoDate;
  /** First day of the reported week (the last complete week on or before `date`): usage comes from it. */
  weekStart: IsoDate;
  /** ARR on the evaluation date. */
  arr: Cents;
  health: { score: number | null; band: HealthBand | null; components: HealthComponent[] };
  usageTrend: number | null;
  /** Seat utilization of the reported week and the weeks before it, most recent first (null: no row or no seats). */
  utilizationByWeek: readonly (number | null)[];
  /** P1 tickets opened in the `days` days ending on the evaluation date. */
  p1Opened(days: number): number;
  /** NPS responses dated in the `days` days ending on the evaluation date, newest first. */
  npsResponses(days: number): readonly { responseId: string; date: IsoDate; score: number }[];
  /** Renewals open on the evaluation date, soonest due first. */
  openRenewals: readonly RenewalFact[];
}

export type SignalUnit = 'score' | 'percent' | 'count' | 'days' | 'money' | 'nps';

/** One measured input of a rule: its value and, when it is compared, the threshold and the comparison. */
export interface Signal {
  name: string;
  /** Human label, e.g. "health", "usage trend (4 weeks)". */
  label: string;
  value: number;
  unit: SignalUnit;
  /** Present when the value was compared: the breach condition is `value op threshold`. */
  op?: '<' | '<=' | '>=' | '>';
  threshold?: number;
}

export type RuleResult =
  | { status: 'breach'; renewal?: RenewalFact; signals: Signal[] }
  | { status: 'clear'; renewal?: RenewalFact; signals: Signal[] }
  | { status: 'not-applicable'; renewal?: RenewalFact; reason: string };

/** One alert rule, in its own file under rules/ (its id, its defaults, its evaluation). */
export interface AlertRule<Id extends string = AlertRuleId> {
  id: Id;
  defaults: AlertRuleDefaults;
  /** Short title for messages, e.g. "Red health, renewal within 90 days". */
  title(params: RuleParams): string;
  /** Alerts of this rule are keyed by (rule, account, renewal) rather than (rule, account). */
  perRenewal: boolean;
  /** Pure: the same facts and params give the same results. One result per subject (renewal, or the account). */
  evaluate(facts: AccountFacts, params: RuleParams): RuleResult[];
}

/** A rule with its id kept literal (the rule list derives the ids from it). */
export const defineRule = <const Id extends string>(rule: AlertRule<Id>): AlertRule<Id> => rule;

/** The alert settings the domain needs (lifted out of the Pulse config). */
export interface AlertSettings {
  rules: Readonly<Record<AlertRuleId, AlertRuleConfig>>;
  cooldownDays: number;
  escalateWithinDays: number;
  /** A warning escalates only when its account breaches at least this many risk rules (renewal-overdue is not one). */
  escalateMinRiskRules: number;
  topAtRisk: number;
}

/** The identity of an alert: (rule, account[, renewal]). */
export interface AlertKey {
  rule: AlertRuleId;
  accountId: string;
  renewalId?: string;
}

export function alertId(key: AlertKey): string {
  return key.renewalId === undefined ? `${key.rule}:${key.accountId}` : `${key.rule}:${key.accountId}:${key.renewalId}`;
}

/** Why an alert is (or was) raised: the latest observation, everything a message needs. */
export interface Explanation {
  accountName: string;
  ownerEmail?: string;
  segment: string;
  arr: Cents;
  renewal?: RenewalFact;
  signals: Signal[];
  play: string;
  ruleTitle: string;
  /** For a cleared or inapplicable observation: why the alert no longer holds. */
  reason?: string;
}

/** The outcome of evaluating one alert's rule on one date (enter or exit thresholds). */
export interface Observation {
  status: 'breach' | 'clear' | 'not-applicable';
  severity: Severity;
  explanation: Explanation;
}
