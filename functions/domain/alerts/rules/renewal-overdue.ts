// Renewal overdue: a renewal still open graceDays (0) or more after its due date (due_date <= date,
// as docs/metrics.md counts `overdue`). Critical by default. Resolves when the renewal closes.
import { defineRule } from '../types';
import { param } from './shared';

export const renewalOverdue = defineRule({
  id: 'renewal-overdue',
  defaults: {
    severity: 'warning',
    params: { graceDays: 0 },
    exit: {},
    minBreachDays: 0,
    play: 'Escalate to the CCO: get the renewal signed or the churn confirmed',
  },
  perRenewal: true,
  title: () => 'Renewal overdue',
  evaluate(facts, params) {
    const grace = param(params, 'graceDays');
    if (facts.openRenewals.length === 0) return [{ status: 'not-applicable', reason: 'no open renewal' }];
    return facts.openRenewals.map((r) => ({
      status: -r.daysToDue >= grace ? 'breach' : 'clear',
      renewal: r,
      signals: [
        { name: 'daysOverdue', label: 'days overdue', value: -r.daysToDue, unit: 'days', op: '>=', threshold: grace },
      ],
    }));
  },
});
