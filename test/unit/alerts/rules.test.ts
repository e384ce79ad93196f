// Each rule as cdk-nag tests its rules: Compliance (clear), Noncompliance (breach), Not applicable.
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../functions/domain/alerts';
import { facts, renewalFact, rules } from './helpers';

const run = (id: keyof typeof RULES, f: ReturnType<typeof facts>, which: 'params' | 'exit' = 'params') =>
  RULES[id].evaluate(f, rules[id][which]);
const statuses = (r: ReturnType<typeof run>) => r.map((x) => x.status);

describe('red-health-renewal', () => {
  it('Noncompliance 1: red health (34) with a renewal due in 21 days', () => {
    const r = run('red-health-renewal', facts({ score: 34 }))[0];
    expect(r?.status).toBe('breach');
    if (r?.status !== 'breach') return;
    expect(r.renewal?.renewalId).toBe('R-1');
    expect(r.signals[0]).toMatchObject({ name: 'health', value: 34, op: '<', threshold: 40 });
    expect(r.signals.at(-1)).toMatchObject({ name: 'renewalDueInDays', value: 21, op: '<=', threshold: 90 });
  });
  it('Noncompliance 2: an overdue renewal counts as within the window', () => {
    expect(statuses(run('red-health-renewal', facts({ score: 10, renewals: [renewalFact(-12)] })))).toEqual(['breach']);
  });
  it('Compliance: health 40 is yellow, not red', () => {
    expect(statuses(run('red-health-renewal', facts({ score: 40 })))).toEqual(['clear']);
  });
  it('Exit thresholds: 42 still breaches (below 45), 45 clears', () => {
    expect(statuses(run('red-health-renewal', facts({ score: 42 }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('red-health-renewal', facts({ score: 45 }), 'exit'))).toEqual(['clear']);
  });
  it('Not applicable: renewal due in 91 days, no renewal, or no score', () => {
    expect(statuses(run('red-health-renewal', facts({ score: 10, renewals: [renewalFact(91)] })))).toEqual([
      'not-applicable',
    ]);
    expect(statuses(run('red-health-renewal', facts({ score: 10, renewals: [] })))).toEqual(['not-applicable']);
    expect(statuses(run('red-health-renewal', facts({ score: null })))).toEqual(['not-applicable']);
  });
  it('one result per open renewal', () => {
    const r = run(
      'red-health-renewal',
      facts({ score: 20, renewals: [renewalFact(10, 'R-a'), renewalFact(200, 'R-b')] }),
    );
    expect(r.map((x) => [x.renewal?.renewalId, x.status])).toEqual([
      ['R-a', 'breach'],
      ['R-b', 'not-applicable'],
    ]);
  });
});

describe('yellow-health-renewal', () => {
  it('Noncompliance: health 55 with a renewal in 60 days', () => {
    expect(statuses(run('yellow-health-renewal', facts({ score: 55, renewals: [renewalFact(60)] })))).toEqual([
      'breach',
    ]);
  });
  it('Compliance: green (70) and red (39: the red rule covers it)', () => {
    expect(statuses(run('yellow-health-renewal', facts({ score: 70 })))).toEqual(['clear']);
    expect(statuses(run('yellow-health-renewal', facts({ score: 39 })))).toEqual(['clear']);
  });
  it('Exit: an open yellow alert stays open when the account turns red, resolves at 75', () => {
    expect(statuses(run('yellow-health-renewal', facts({ score: 30 }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('yellow-health-renewal', facts({ score: 72 }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('yellow-health-renewal', facts({ score: 75 }), 'exit'))).toEqual(['clear']);
  });
  it('Not applicable: renewal beyond 90 days', () => {
    expect(statuses(run('yellow-health-renewal', facts({ score: 50, renewals: [renewalFact(120)] })))).toEqual([
      'not-applicable',
    ]);
  });
});

describe('usage-decline', () => {
  it('Noncompliance: trend -42% with a renewal in 150 days', () => {
    const [r] = run('usage-decline', facts({ usageTrend: -0.42, renewals: [renewalFact(150)] }));
    expect(r).toMatchObject({
      status: 'breach',
      signals: [{ name: 'usageTrend', value: -0.42, op: '<=', threshold: -0.3 }, { name: 'renewalDueInDays' }],
    });
  });
  it('Noncompliance at the threshold: exactly -30%', () => {
    expect(statuses(run('usage-decline', facts({ usageTrend: -0.3 })))).toEqual(['breach']);
  });
  it('Compliance: -29%', () => {
    expect(statuses(run('usage-decline', facts({ usageTrend: -0.29 })))).toEqual(['clear']);
  });
  it('Exit: -25% keeps it open (at most -20%), -10% clears', () => {
    expect(statuses(run('usage-decline', facts({ usageTrend: -0.25 }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('usage-decline', facts({ usageTrend: -0.1 }), 'exit'))).toEqual(['clear']);
  });
  it('Not applicable: no trend, or renewal beyond 180 days', () => {
    expect(statuses(run('usage-decline', facts({ usageTrend: null })))).toEqual(['not-applicable']);
    expect(statuses(run('usage-decline', facts({ usageTrend: -0.5, renewals: [renewalFact(181)] })))).toEqual([
      'not-applicable',
    ]);
  });
});

describe('detractor-nps', () => {
  it('Noncompliance: a 3/10 answer 4 days ago', () => {
    const [r] = run('detractor-nps', facts({ nps: [{ responseId: 'N1', date: '2026-11-19', score: 3 }] }));
    expect(r).toMatchObject({
      status: 'breach',
      signals: [
        { name: 'npsScore', value: 3, threshold: 6 },
        { name: 'npsAgeDays', value: 4 },
      ],
    });
    expect(r!.renewal).toBeUndefined();
  });
  it('Compliance: a passive (7) in the window', () => {
    expect(
      statuses(run('detractor-nps', facts({ nps: [{ responseId: 'N1', date: '2026-11-19', score: 7 }] }))),
    ).toEqual(['clear']);
  });
  it('Not applicable: the only detractor is 14 days old', () => {
    expect(
      statuses(run('detractor-nps', facts({ nps: [{ responseId: 'N1', date: '2026-11-09', score: 2 }] }))),
    ).toEqual(['not-applicable']);
  });
});

describe('p1-tickets', () => {
  it('Noncompliance: 2 P1 tickets in 30 days', () => {
    const [r] = run('p1-tickets', facts({ p1: (d) => (d === 30 ? 2 : 0) }));
    expect(r).toMatchObject({ status: 'breach', signals: [{ name: 'p1Tickets', value: 2, op: '>=', threshold: 2 }] });
  });
  it('Compliance: 1 P1 ticket', () => {
    expect(statuses(run('p1-tickets', facts({ p1: () => 1 })))).toEqual(['clear']);
  });
  it('Exit: one P1 left in the window keeps it open, none clears', () => {
    expect(statuses(run('p1-tickets', facts({ p1: () => 1 }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('p1-tickets', facts({ p1: () => 0 }), 'exit'))).toEqual(['clear']);
  });
});

describe('low-utilization', () => {
  it('Noncompliance: under 40% for 4 consecutive weeks, renewal in 100 days', () => {
    const [r] = run(
      'low-utilization',
      facts({ utilization: [0.2, 0.3, 0.39, 0.1, 0.9], renewals: [renewalFact(100)] }),
    );
    expect(r).toMatchObject({
      status: 'breach',
      signals: [{ name: 'utilizationMax', value: 0.39, threshold: 0.4 }, { name: 'renewalDueInDays' }],
    });
  });
  it('Compliance: one of the four weeks at 40%', () => {
    expect(statuses(run('low-utilization', facts({ utilization: [0.2, 0.4, 0.2, 0.2] })))).toEqual(['clear']);
  });
  it('Exit: the latest week under 50% keeps it open', () => {
    expect(statuses(run('low-utilization', facts({ utilization: [0.45, 0.9, 0.9, 0.9] }), 'exit'))).toEqual(['breach']);
    expect(statuses(run('low-utilization', facts({ utilization: [0.5, 0.1, 0.1, 0.1] }), 'exit'))).toEqual(['clear']);
  });
  it('Not applicable: a week without usage, or the renewal beyond 120 days', () => {
    expect(statuses(run('low-utilization', facts({ utilization: [0.1, null, 0.1, 0.1] })))).toEqual(['not-applicable']);
    expect(
      statuses(run('low-utilization', facts({ utilization: [0.1, 0.1, 0.1, 0.1], renewals: [renewalFact(121)] }))),
    ).toEqual(['not-applicable']);
  });
});

describe('renewal-overdue', () => {
  it('Noncompliance: due 12 days ago and still open (and due today, as docs/metrics.md counts overdue)', () => {
    expect(run('renewal-overdue', facts({ renewals: [renewalFact(-12)] }))[0]).toMatchObject({
      status: 'breach',
      signals: [{ name: 'daysOverdue', value: 12 }],
    });
    expect(statuses(run('renewal-overdue', facts({ renewals: [renewalFact(0)] })))).toEqual(['breach']);
  });
  it('Compliance: due tomorrow', () => {
    expect(statuses(run('renewal-overdue', facts({ renewals: [renewalFact(1)] })))).toEqual(['clear']);
  });
  it('Not applicable: no open renewal', () => {
    expect(statuses(run('renewal-overdue', facts({ renewals: [] })))).toEqual(['not-applicable']);
  });
});

describe('every rule', () => {
  it('is pure: the same facts give the same results', () => {
    const f = facts({
      score: 30,
      usageTrend: -0.5,
      utilization: [0.1, 0.1, 0.1, 0.1],
      p1: () => 3,
      nps: [{ responseId: 'N', date: '2026-11-20', score: 1 }],
      renewals: [renewalFact(-3)],
    });
    for (const id of Object.keys(RULES) as (keyof typeof RULES)[]) {
      expect(run(id, f)).toEqual(run(id, f));
      expect(statuses(run(id, f))).toEqual(id === 'yellow-health-renewal' ? ['clear'] : ['breach']);
    }
  });
});
