// A detractor NPS answer (score <= scoreAtMost, 6) dated within the last withinDays (14) days.
// Account-level, warning by default. It clears by itself once the answer is older than the window.
import { daysBetween } from '../../dates';
import { defineRule } from '../types';
import { param } from './shared';

export const detractorNps = defineRule({
  id: 'detractor-nps',
  defaults: {
    severity: 'warning',
    params: { withinDays: 14, scoreAtMost: 6 },
    exit: {},
    minBreachDays: 0,
    play: 'Close the loop: call the respondent within 48 hours',
  },
  perRenewal: false,
  title: (p) => `Detractor NPS answer in the last ${param(p, 'withinDays')} days`,
  evaluate(facts, params) {
    const within = param(params, 'withinDays');
    const atMost = param(params, 'scoreAtMost');
    const answers = facts.npsResponses(within);
    if (answers.length === 0) return [{ status: 'not-applicable', reason: `no NPS answer in the last ${within} days` }];
    const detractor = answers.find((a) => a.score <= atMost);
    const shown = detractor ?? answers[0]!;
    const signals = [
      {
        name: 'npsScore',
        label: 'NPS answer',
        value: shown.score,
        unit: 'nps' as const,
        op: '<=' as const,
        threshold: atMost,
      },
      {
        name: 'npsAgeDays',
        label: 'age of the answer',
        value: daysBetween(shown.date, facts.date),
        unit: 'days' as const,
        op: '<' as const,
        threshold: within,
      },
    ];
    return [{ status: detractor ? 'breach' : 'clear', signals }];
  },
});
