// Low seat utilization before a renewal: utilization < utilizationBelow (40%) in each of the last
// consecutiveWeeks (4) reported weeks, with an open renewal due within renewalWithinDays (120).
// Warning by default. A week without a usage row (or with 0 seats) breaks the run: not applicable.
// Exit (hysteresis): stays open while the latest week is below the exit threshold (50%, 1 week).
import { defineRule } from '../types';
import { param, perRenewal, renewalSignal } from './shared';

export const lowUtilization = defineRule({
  id: 'low-utilization',
  defaults: {
    severity: 'warning',
    params: { utilizationBelow: 0.4, consecutiveWeeks: 4, renewalWithinDays: 120 },
    exit: { utilizationBelow: 0.5, consecutiveWeeks: 1 },
    minBreachDays: 0,
    play: 'License right-sizing and enablement plan',
  },
  perRenewal: true,
  title: (p) =>
    `Seat utilization under ${Math.round(param(p, 'utilizationBelow') * 100)}% for ${param(p, 'consecutiveWeeks')} weeks, renewal within ${param(p, 'renewalWithinDays')} days`,
  evaluate(facts, params) {
    const below = param(params, 'utilizationBelow');
    const weeks = Math.max(1, Math.round(param(params, 'consecutiveWeeks')));
    const within = param(params, 'renewalWithinDays');
    return perRenewal(facts, within, (r) => {
      const recent = facts.utilizationByWeek.slice(0, weeks);
      if (recent.length < weeks || recent.some((u) => u === null)) {
        return {
          status: 'not-applicable',
          renewal: r,
          reason: `no seat utilization for each of the last ${weeks} weeks`,
        };
      }
      const highest = Math.max(...(recent as number[]));
      const signals = [
        {
          name: 'utilizationMax',
          label: `highest seat utilization of the last ${weeks} weeks`,
          value: highest,
          unit: 'percent' as const,
          op: '<' as const,
          threshold: below,
        },
        renewalSignal(r, within),
      ];
      return { status: highest < below ? 'breach' : 'clear', renewal: r, signals };
    });
  },
});
