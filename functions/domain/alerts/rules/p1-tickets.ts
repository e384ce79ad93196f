// P1 tickets: at least `count` (2) P1 tickets opened in the last withinDays (30). Account-level,
// warning by default. Exit (hysteresis): resolves once fewer than the exit count (1) are in the window.
import { defineRule } from '../types';
import { param } from './shared';

export const p1Tickets = defineRule({
  id: 'p1-tickets',
  defaults: {
    severity: 'warning',
    params: { count: 2, withinDays: 30 },
    exit: { count: 1 },
    minBreachDays: 0,
    play: 'Support escalation review with the head of support',
  },
  perRenewal: false,
  title: (p) => `${param(p, 'count')}+ P1 tickets in ${param(p, 'withinDays')} days`,
  evaluate(facts, params) {
    const count = param(params, 'count');
    const within = param(params, 'withinDays');
    const n = facts.p1Opened(within);
    const signals = [
      {
        name: 'p1Tickets',
        label: `P1 tickets in ${within} days`,
        value: n,
        unit: 'count' as const,
        op: '>=' as const,
        threshold: count,
      },
    ];
    return [{ status: n >= count ? 'breach' : 'clear', signals }];
  },
});
