// Yellow health with an open renewal due within N days (or overdue). Warning by default.
// Breach: healthAtLeast <= score < healthBelow (40..70: the yellow band; a red account gets the red
// rule instead, so one renewal does not raise two alerts at once).
// Exit (hysteresis): with the exit thresholds (healthAtLeast 0, healthBelow 75) an open alert stays
// open while the score is below 75 - also when it turns red - and resolves once it reaches 75.
import { defineRule } from '../types';
import { componentSignals, healthSignal, param, perRenewal, renewalSignal } from './shared';

export const yellowHealthRenewal = defineRule({
  id: 'yellow-health-renewal',
  defaults: {
    severity: 'warning',
    params: { healthBelow: 70, healthAtLeast: 40, renewalWithinDays: 90 },
    exit: { healthBelow: 75, healthAtLeast: 0 },
    minBreachDays: 0,
    play: 'CSM health review with the champion before the renewal conversation',
  },
  perRenewal: true,
  title: (p) => `Yellow health, renewal within ${param(p, 'renewalWithinDays')} days`,
  evaluate(facts, params) {
    const below = param(params, 'healthBelow');
    const atLeast = param(params, 'healthAtLeast');
    const within = param(params, 'renewalWithinDays');
    return perRenewal(facts, within, (r) => {
      const score = facts.health.score;
      if (score === null)
        return { status: 'not-applicable', renewal: r, reason: 'no health score (no usage, tickets or NPS data)' };
      const signals = [healthSignal(score, below), ...componentSignals(facts), renewalSignal(r, within)];
      return { status: score < below && score >= atLeast ? 'breach' : 'clear', renewal: r, signals };
    });
  },
});
