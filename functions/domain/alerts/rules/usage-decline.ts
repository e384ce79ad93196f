// Usage decline before a renewal: usage trend (mean WAU of the last 4 weeks against the 4 before)
// <= trendAtMost (-30%) with an open renewal due within renewalWithinDays (180). Warning by default.
// Exit (hysteresis): resolves once the trend is above the exit trendAtMost (-20%).
import { defineRule } from '../types';
import { param, perRenewal, renewalSignal } from './shared';

export const usageDecline = defineRule({
  id: 'usage-decline',
  defaults: {
    severity: 'warning',
    params: { trendAtMost: -0.3, renewalWithinDays: 180 },
    exit: { trendAtMost: -0.2 },
    minBreachDays: 0,
    play: 'Adoption workshop with the main user teams',
  },
  perRenewal: true,
  title: (p) =>
    `Usage down ${Math.round(-param(p, 'trendAtMost') * 100)}% or more, renewal within ${param(p, 'renewalWithinDays')} days`,
  evaluate(facts, params) {
    const atMost = param(params, 'trendAtMost');
    const within = param(params, 'renewalWithinDays');
    return perRenewal(facts, within, (r) => {
      const trend = facts.usageTrend;
      if (trend === null)
        return { status: 'not-applicable', renewal: r, reason: 'no usage trend (fewer than 8 weeks of usage)' };
      const signals = [
        {
          name: 'usageTrend',
          label: 'usage trend over 4 weeks',
          value: trend,
          unit: 'percent' as const,
          op: '<=' as const,
          threshold: atMost,
        },
        renewalSignal(r, within),
      ];
      return { status: trend <= atMost ? 'breach' : 'clear', renewal: r, signals };
    });
  },
});
