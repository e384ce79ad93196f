// Red health with an open renewal due within N days (or overdue). Critical by default.
// Breach: health score < healthBelow (40 = the red band) for a renewal due within renewalWithinDays.
// Exit (hysteresis): the alert resolves once the score is >= the exit healthBelow (45) or the renewal closes.
import { defineRule } from '../types';
import { componentSignals, healthSignal, param, perRenewal, renewalSignal } from './shared';

export const redHealthRenewal = defineRule({
  id: 'red-health-renewal',
  defaults: {
    severity: 'critical',
    params: { healthBelow: 40, renewalWithinDays: 90 },
    exit: { healthBelow: 45 },
    minBreachDays: 0,
    play: 'Executive sponsor call and a renewal rescue plan',
  },
  perRenewal: true,
  title: (p) => `Red health, renewal within ${param(p, 'renewalWithinDays')} days`,
  evaluate(facts, params) {
    const below = param(params, 'healthBelow');
    const within = param(params, 'renewalWithinDays');
    return perRenewal(facts, within, (r) => {
      const score = facts.health.score;
      if (score === null)
        return { status: 'not-applicable', renewal: r, reason: 'no health score (no usage, tickets or NPS data)' };
      const signals = [healthSignal(score, below), ...componentSignals(facts), renewalSignal(r, within)];
      return { status: score < below ? 'breach' : 'clear', renewal: r, signals };
    });
  },
});
