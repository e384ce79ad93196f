// Renewal overdue: a renewal still open graceDays (0) or more after its due date (due_date <= date,
// as docs/metrics.md counts `overdue`). Critical by default. Resolves when the renewal closes.
import type { AlertRule } from '../types';
import { param } from './shared';

export const renewalOverdue: AlertRule = {
  id: 'renewal-overdue',
  perRenewal: true,
  title: () => 'Renewal overdue',
  evaluate(facts, params) {
    const grace = param(params, 'graceDays');
    if (facts.openRenewals.length === 0) return [{ status: 'not-applicable', reason: 'no open renewal' }];
    return facts.openRenewals.map((r) => ({
      status: -r.daysToDue >= grace ? 'breach' : 'clear',
      renewal: r,
      signals: [{ name: 'daysOverdue', label: 'days overdue', value: -r.daysToDue, unit: 'days', op: '>=', threshold: grace }],
    }));
  },
};
