// Every alert rule, one file each, and the one list of them: the rule ids, ALL_RULES (their order
// in the backtest and the docs), RULES and the defaults the config schema is built from
// (functions/config.ts) all derive from RULE_LIST. Adding a rule = its file + one line here.
import type { AlertRule, AlertRuleDefaults } from '../types';
import { detractorNps } from './detractor-nps';
import { lowUtilization } from './low-utilization';
import { p1Tickets } from './p1-tickets';
import { redHealthRenewal } from './red-health-renewal';
import { renewalOverdue } from './renewal-overdue';
import { usageDecline } from './usage-decline';
import { yellowHealthRenewal } from './yellow-health-renewal';

export const RULE_LIST = [
  redHealthRenewal,
  yellowHealthRenewal,
  usageDecline,
  detractorNps,
  p1Tickets,
  lowUtilization,
  renewalOverdue,
] as const;

export type AlertRuleId = (typeof RULE_LIST)[number]['id'];

/** Every rule id, in the list's order. */
export const ALL_RULES = RULE_LIST.map((r) => r.id) as [AlertRuleId, ...AlertRuleId[]];

export const RULES = Object.fromEntries(RULE_LIST.map((r) => [r.id, r])) as Readonly<Record<AlertRuleId, AlertRule>>;

/** Each rule's defaults, from its own file. */
export const DEFAULT_ALERT_RULES = Object.fromEntries(RULE_LIST.map((r) => [r.id, r.defaults])) as Readonly<
  Record<AlertRuleId, AlertRuleDefaults>
>;

export { detractorNps, lowUtilization, p1Tickets, redHealthRenewal, renewalOverdue, usageDecline, yellowHealthRenewal };
