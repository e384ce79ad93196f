import { describe, expect, it } from 'vitest';
import { computeKpis, computeTrend } from '../../../functions/domain/kpi';
import { dataset, line, nps, settings, ticket, usd } from './builders';
import { EXAMPLE_AS_OF, workedExample } from './worked-example';

describe('13-week trend', () => {
  it('has 13 weeks ending asOf, oldest first, 7 calendar days apart, with ISO week labels', () => {
    const t = computeTrend(workedExample(), EXAMPLE_AS_OF, settings());
    expect(t.weeks).toHaveLength(13);
    expect(t.weeks[0]!.asOf).toBe('2026-08-30');
    expect(t.weeks[12]!.asOf).toBe('2026-11-22');
    expect(t.weeks.map((w) => w.week)).toEqual(Array.from({ length: 13 }, (_, i) => `2026-W${35 + i}`));
  });

  it('each week matches a full computation for that week', () => {
    const data = workedExample();
    const t = computeTrend(data, EXAMPLE_AS_OF, settings());
    for (const w of t.weeks) {
      const r = computeKpis(data, w.asOf, settings());
      expect(w).toMatchObject({
        closingArr: r.arrBridge.close,
        customers: r.customers.close,
        nrr: r.retention.nrr,
        grr: r.retention.grr,
        arrAtRisk: r.health.arrAtRisk,
        nps: r.voice.nps,
      });
    }
  });

  it('week-over-week deltas: value at asOf minus value at asOf - 7, null when either is null', () => {
    const t = computeTrend(workedExample(), EXAMPLE_AS_OF, settings());
    expect(t.deltas).toEqual(t.weeks[12]!.delta);
    expect(t.deltas.closingArr).toBe(usd(322_000 - 292_000));
    expect(t.deltas.customers).toBe(1);
    expect(t.deltas.arrAtRisk).toBe(usd(70_000 - 10_000));
    expect(t.deltas.nps).toBe(-25 - 0);
    expect(t.deltas.nrr).toBeCloseTo(190 / 220 - 1, 12);

    const sparse = computeTrend(
      dataset({ subscriptions: [line('A', 100, '2026-11-18')], nps: [nps('A', '2026-11-20', 10)] }),
      EXAMPLE_AS_OF,
      settings(),
      2,
    );
    expect(sparse.weeks.map((w) => w.nps)).toEqual([null, 100]);
    expect(sparse.deltas).toEqual({
      closingArr: usd(100),
      customers: 1,
      nrr: null,
      grr: null,
      arrAtRisk: 0,
      nps: null,
    });
  });

  it('crosses the DST changes of America/New_York without shifting a day', () => {
    const data = dataset({
      subscriptions: [
        line('A', 100, '2026-03-08'),
        line('B', 100, '2026-03-09'),
        line('C', 100, '2026-11-01'),
        line('D', 100, '2026-11-02'),
      ],
      tickets: [ticket('A', 'p1', '2026-03-08'), ticket('A', 'p1', '2026-03-08')],
    });
    const spring = computeTrend(data, '2026-03-15', settings(), 2);
    expect(spring.weeks.map((w) => [w.asOf, w.closingArr, w.arrAtRisk])).toEqual([
      ['2026-03-08', usd(100), usd(100)],
      ['2026-03-15', usd(200), usd(100)],
    ]);
    const fall = computeTrend(data, '2026-11-08', settings(), 2);
    expect(fall.weeks.map((w) => [w.asOf, w.closingArr, w.customers])).toEqual([
      ['2026-11-01', usd(300), 3],
      ['2026-11-08', usd(400), 4],
    ]);
  });

  it('rejects a bad week count', () => {
    expect(() => computeTrend(dataset(), EXAMPLE_AS_OF, settings(), 0)).toThrow(RangeError);
  });
});
