import { describe, expect, it } from 'vitest';
import { computeKpis } from '../../../functions/domain/kpi';
import {
  bandOf,
  npsAnswerScore,
  supportScore,
  usageTrendScore,
  utilizationScore,
} from '../../../functions/domain/kpi/health';
import type { AccountHealth } from '../../../functions/domain/kpi/types';
import { dataset, line, nps, settings, ticket, usage } from './builders';

const AS_OF = '2026-11-22';
const WEEK = '2026-11-16';

function healthOf(parts: Parameters<typeof dataset>[0], s = settings()): AccountHealth {
  const r = computeKpis(dataset({ subscriptions: [line('A', 1_000, '2024-01-01')], ...parts }), AS_OF, s);
  return r.accounts.find((a) => a.accountId === 'A')!;
}

describe('health component scores', () => {
  it('utilization: min(u / 0.8, 1) x 100', () => {
    expect(utilizationScore(0)).toBe(0);
    expect(utilizationScore(0.4)).toBe(50);
    expect(utilizationScore(0.8)).toBe(100);
    expect(utilizationScore(1.5)).toBe(100);
  });
  it('usage trend: clamp(50 + 100 x trend, 0, 100)', () => {
    expect(usageTrendScore(0)).toBe(50);
    expect(usageTrendScore(-0.25)).toBe(25);
    expect(usageTrendScore(-0.9)).toBe(0);
    expect(usageTrendScore(3)).toBe(100);
  });
  it('support: 0 -> 100, 1 -> 50, 2+ -> 0; NPS: promoter 100, passive 60, detractor 0', () => {
    expect([0, 1, 2, 5].map(supportScore)).toEqual([100, 50, 0, 0]);
    expect([10, 9, 8, 7, 6, 0].map(npsAnswerScore)).toEqual([100, 100, 60, 60, 0, 0]);
  });
  it('bands: green >= 70, yellow >= 40, red below', () => {
    expect([100, 70, 69.99, 40, 39.99, 0, null].map(bandOf)).toEqual([
      'green',
      'green',
      'yellow',
      'yellow',
      'red',
      'red',
      null,
    ]);
  });
});

describe('account health', () => {
  it('all four components with the default weights', () => {
    const h = healthOf({
      usage: [usage('A', WEEK, 30, 50), usage('A', '2026-10-19', 40, 50)], // u = 0.6 -> 75; trend 30/40 - 1 = -0.25 -> 25
      tickets: [ticket('A', 'p1', '2026-10-24', '2026-10-25')], // first day of the 30-day window -> 1 -> 50
      nps: [nps('A', '2026-05-27', 8)], // first day of the 180-day window: passive -> 60
    });
    // 0.3 x 75 + 0.3 x 25 + 0.2 x 50 + 0.2 x 60 = 22.5 + 7.5 + 10 + 12 = 52
    expect(h.score).toBe(52);
    expect(h.band).toBe('yellow');
    expect(h.components.map((c) => [c.name, c.raw, c.score, c.weight])).toEqual([
      ['utilization', 0.6, 75, 0.3],
      ['usageTrend', -0.25, 25, 0.3],
      ['support', 1, 50, 0.2],
      ['nps', 8, 60, 0.2],
    ]);
  });

  it('leaves out components without data and rescales the remaining weights', () => {
    // utilization 0.2 -> 25 (weight 0.3) and NPS promoter 100 (weight 0.2): (7.5 + 20) / 0.5 = 55
    const h = healthOf({ usage: [usage('A', WEEK, 10, 50)], nps: [nps('A', '2026-11-01', 9)] });
    expect(h.score).toBe(55);
    expect(h.components.map((c) => c.effectiveWeight)).toEqual([0.6, 0.4]);
  });

  it('is unscored with no component: no usage row, 0 seats, no ticket, no NPS in 180 days', () => {
    const h = healthOf({
      usage: [usage('A', WEEK, 0, 0), usage('A', '2026-11-09', 5, 10)],
      tickets: [ticket('A', 'p1', '2026-11-23')], // opened after asOf: no support component
      nps: [nps('A', '2026-05-26', 10), nps('A', '2026-11-23', 10)], // just outside the window on both sides
    });
    expect(h.components).toEqual([]);
    expect(h.score).toBeNull();
    expect(h.band).toBeNull();
  });

  it('support is present once the account has any ticket opened by asOf, counting P1s opened in [asOf - 29, asOf]', () => {
    expect(healthOf({ tickets: [ticket('A', 'p4', '2020-01-01')] }).score).toBe(100);
    expect(healthOf({ tickets: [ticket('A', 'p1', '2026-10-23')] }).score).toBe(100); // a day too early
    const two = healthOf({ tickets: [ticket('A', 'p1', '2026-11-22'), ticket('A', 'p1', '2026-11-01', '2026-11-02')] });
    expect(two.score).toBe(0);
    expect(two.band).toBe('red');
  });

  it('NPS uses the latest response; on the same date the greater response_id in plain string order', () => {
    const h = healthOf({
      nps: [nps('A', '2026-11-01', 10, 'r-9'), nps('A', '2026-11-01', 0, 'r-10'), nps('A', '2026-10-01', 0, 'r-99')],
    });
    expect(h.components).toEqual([{ name: 'nps', raw: 10, score: 100, weight: 0.2, effectiveWeight: 1 }]);
    const later = healthOf({ nps: [nps('A', '2026-11-02', 3, 'a'), nps('A', '2026-11-01', 10, 'z')] });
    expect(later.score).toBe(0);
  });

  it('rounds half-up to 2 decimals and takes the band from the rounded score', () => {
    // usage trend only: recent mean 23999, earlier 20000 -> trend 0.19995 -> 69.995 -> 70.00 green
    const up = healthOf({ usage: [usage('A', WEEK, 23_999, 0), usage('A', '2026-10-19', 20_000, 0)] });
    expect(up.score).toBe(70);
    expect(up.band).toBe('green');
    // trend -0.10006 -> 39.994 -> 39.99 red
    const down = healthOf({
      usage: [
        usage('A', WEEK, 44_997, 0),
        usage('A', '2026-11-09', 44_997, 0),
        usage('A', '2026-11-02', 44_997, 0),
        usage('A', '2026-10-26', 44_997, 0),
        usage('A', '2026-10-19', 50_000, 0),
      ],
    });
    expect(down.score).toBe(39.99);
    expect(down.band).toBe('red');
    // trend -0.10005 -> 39.995 -> 40.00 yellow
    const edge = healthOf({ usage: [usage('A', WEEK, 17_999, 0), usage('A', '2026-10-19', 20_000, 0)] });
    expect(edge.score).toBe(40);
    expect(edge.band).toBe('yellow');
  });

  it('uses the configured weights', () => {
    const s = settings({ healthWeights: { utilization: 0.1, usageTrend: 0.1, support: 0.4, nps: 0.4 } });
    // support 100 (0.4) and NPS detractor 0 (0.4): 50
    expect(healthOf({ tickets: [ticket('A', 'p3', '2026-01-01')], nps: [nps('A', '2026-11-01', 2)] }, s).score).toBe(
      50,
    );
    // a component whose configured weight is 0 carries no weight; with only such components the score is null
    const zero = settings({ healthWeights: { utilization: 0, usageTrend: 0.5, support: 0.5, nps: 0 } });
    expect(healthOf({ usage: [usage('A', WEEK, 10, 10)] }, zero).score).toBeNull();
  });

  it('buckets count customers at asOf only, with their ARR; arrAtRisk is the red ARR', () => {
    const r = computeKpis(
      dataset({
        subscriptions: [
          line('RED', 100, '2024-01-01'),
          line('GREEN', 200, '2024-01-01'),
          line('NONE', 300, '2024-01-01'),
          line('GONE', 400, '2024-01-01', '2026-11-01'),
        ],
        tickets: [
          ticket('RED', 'p1', '2026-11-20'),
          ticket('RED', 'p1', '2026-11-21'),
          ticket('GREEN', 'p3', '2026-11-20'),
          ticket('GONE', 'p3', '2026-11-20'),
        ],
      }),
      AS_OF,
      settings(),
    );
    expect(r.health).toEqual({
      green: { count: 1, arr: 20_000 },
      yellow: { count: 0, arr: 0 },
      red: { count: 1, arr: 10_000 },
      unscored: { count: 1, arr: 30_000 },
      arrAtRisk: 10_000,
    });
    expect(r.accounts.map((a) => a.accountId)).toEqual(['GREEN', 'NONE', 'RED']);
  });
});
