// Every alert rule, one file each. Adding a rule = its file here + its defaults in functions/config.ts.
import type { AlertRule, AlertRuleId } from '../types';
import { detractorNps } from './detractor-nps';
import { lowUtilization } from './low-utilization';
import { p1Tickets } from './p1-tickets';
import { redHealthRenewal } from './red-health-renewal';
import { renewalOverdue } from './renewal-overdue';
import { usageDecline } from './usage-decline';
import { yellowHealthRenewal } from './yellow-health-renewal';

export const RULES: Readonly<Record<AlertRuleId, AlertRule>> = {
  'red-health-renewal': redHealthRenewal,
  'yellow-health-renewal': yellowHealthRenewal,
  'usage-decline': usageDecline,
  'detractor-nps': detractorNps,
  'p1-tickets': p1Tickets,
  'low-utilization': lowUtilization,
  'renewal-overdue': renewalOverdue,
};

export { detractorNps, lowUtilization, p1Tickets, redHealthRenewal, renewalOverdue, usageDecline, yellowHealthRenewal };
