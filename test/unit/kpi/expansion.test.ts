import { describe, expect, it } from 'vitest';
import { computeExpansion, inPipelineAt } from '../../../functions/domain/kpi/expansion';
import { opportunity, usd } from './builders';

const AS_OF = '2026-11-22';

describe('expansion', () => {
  it('won this week by close_date in [asOf - 6, asOf], split by type', () => {
    const r = computeExpansion(
      [
        opportunity('A', 'upsell', 100, 'won', '2026-11-16'),
        opportunity('A', 'cross_sell', 50, 'won', '2026-11-22'),
        opportunity('A', 'upsell', 999, 'won', '2026-11-15'),
        opportunity('A', 'upsell', 999, 'lost', '2026-11-18'),
      ],
      AS_OF,
    );
    expect(r.wonThisWeek).toEqual({ count: 2, arr: usd(150), upsell: usd(100), crossSell: usd(50) });
  });

  it('pipeline at asOf: created by asOf (or undated), and open or closed after asOf', () => {
    const cases: [ReturnType<typeof opportunity>, boolean][] = [
      [opportunity('A', 'upsell', 1, 'open', '2026-10-01'), true], // past expected close: still open
      [opportunity('A', 'upsell', 1, 'open'), true],
      [opportunity('A', 'upsell', 1, 'open', '2026-12-01', '2026-11-23'), false], // created after asOf
      [opportunity('A', 'upsell', 1, 'open', '2026-12-01', '2026-11-22'), true],
      [opportunity('A', 'upsell', 1, 'won', '2026-11-23'), true], // won after asOf
      [opportunity('A', 'upsell', 1, 'lost', '2026-11-23'), true],
      [opportunity('A', 'upsell', 1, 'won', '2026-11-22'), false],
      [opportunity('A', 'upsell', 1, 'won'), false], // no close_date: taken as closed before asOf
    ];
    for (const [opp, expected] of cases) expect(inPipelineAt(opp, AS_OF), JSON.stringify(opp)).toBe(expected);
    const r = computeExpansion(
      cases.map(([o]) => o),
      AS_OF,
    );
    expect(r.pipeline.count).toBe(5);
  });

  it('win rate over won/lost closed in [asOf - 89, asOf], in opportunities', () => {
    const r = computeExpansion(
      [
        opportunity('A', 'upsell', 1_000_000, 'won', '2026-08-25'),
        opportunity('A', 'upsell', 1, 'lost', '2026-11-22'),
        opportunity('A', 'upsell', 1, 'lost', '2026-10-01'),
        opportunity('A', 'upsell', 1, 'won', '2026-08-24'), // before the window
        opportunity('A', 'upsell', 1, 'lost', '2026-11-23'), // after asOf
        opportunity('A', 'upsell', 1, 'lost'), // no close date: not counted
        opportunity('A', 'upsell', 1, 'open', '2026-11-01'),
      ],
      AS_OF,
    );
    expect([r.won90d, r.lost90d]).toEqual([1, 2]);
    expect(r.winRate90d).toBeCloseTo(1 / 3, 12);
    expect(computeExpansion([], AS_OF).winRate90d).toBeNull();
  });
});
