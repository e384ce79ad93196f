// Cohorts by first paid month and contracted ARR (docs/metrics.md "Cohorts", "Contracted ARR"):
// hand-made fixtures at the boundaries — month ends (clamped, leap years, asOf on a month end), an
// account that churns and comes back, a first paid day in asOf's own month, months without new
// customers, a free pilot before the first payment, and money in another currency.
import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../../functions/domain/contract/entities';
import { computeCohorts, computeContractedArr, computeKpis, toKpiJson } from '../../../functions/domain/kpi';
import { ArrTimeline } from '../../../functions/domain/kpi/timeline';
import { dataset, line, settings, usd } from './builders';

const cohortsOf = (lines: Subscription[], asOf: string) => computeCohorts(new ArrTimeline(lines), asOf);
const byMonth = (lines: Subscription[], asOf: string) => new Map(cohortsOf(lines, asOf).map((c) => [c.month, c]));

describe('cohorts', () => {
  it("lists the 12 calendar months before asOf's month, oldest first, empty months with 0 customers and empty series", () => {
    const cohorts = cohortsOf([line('A', 100, '2026-03-10')], '2026-11-22');
    expect(cohorts.map((c) => c.month)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    const empty = cohorts.find((c) => c.month === '2026-02')!;
    expect(empty).toMatchObject({ customers: 0, baseArr: 0, logo: [], revenue: [] });
    // A January asOf: the window is the whole previous calendar year.
    expect(cohortsOf([], '2027-01-03').map((c) => c.month)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    );
  });

  it('measures age k on lastDay(month + k) while that day is on or before asOf; age 0 is 1', () => {
    const c = byMonth([line('A', 100, '2026-03-10')], '2026-11-22').get('2026-03')!;
    // Ages 1..7 = 2026-04-30 .. 2026-10-31; 2026-11-30 is after asOf.
    expect(c.logo).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(c.revenue).toHaveLength(8);
    // The last cohort (2026-10) has only age 0: its first month end after it, 2026-11-30, is after asOf.
    const oct = byMonth([line('B', 50, '2026-10-31')], '2026-11-22').get('2026-10')!;
    expect(oct).toMatchObject({ customers: 1, baseArr: usd(50), logo: [1], revenue: [1] });
  });

  it('asOf on a month end counts that month end as an age (2026-11-30: the oldest cohort reaches age 12)', () => {
    const lines = [line('A', 100, '2025-11-05', '2026-11-30'), line('B', 100, '2025-11-20', '2026-12-01')];
    const c = byMonth(lines, '2026-11-30').get('2025-11')!;
    expect(c.logo).toHaveLength(13);
    // On 2026-11-30 A's line has ended (end_date is the first day without it), B's has not.
    expect(c.logo[12]).toBe(0.5);
    expect(c.revenue[12]).toBe(0.5);
    // One day earlier the month end has not come: 12 ages (0..11).
    expect(byMonth(lines, '2026-11-29').get('2025-11')!.logo).toHaveLength(12);
    // The last cohort of a month-end asOf reaches age 1 (2026-10 + 1 = 2026-11-30).
    expect(byMonth([line('C', 10, '2026-10-01')], '2026-11-30').get('2026-10')!.logo).toEqual([1, 1]);
  });

  it("takes the month's last day (28, 29, 30 or 31), never an overflowed date", () => {
    // Cohort 2026-01: age 1 is 2026-02-28. A line ending 2026-02-28 is gone that day, one ending 03-01 is not.
    const lines = [line('GONE', 100, '2026-01-31', '2026-02-28'), line('KEPT', 300, '2026-01-31', '2026-03-01')];
    const c = byMonth(lines, '2026-11-22').get('2026-01')!;
    expect(c.logo.slice(0, 3)).toEqual([1, 0.5, 0]);
    expect(c.revenue.slice(0, 3)).toEqual([1, 0.75, 0]);
    // Leap year: cohort 2028-01, age 1 = 2028-02-29.
    const leap = byMonth(
      [line('L1', 100, '2028-01-15', '2028-02-29'), line('L2', 100, '2028-01-15', '2028-03-01')],
      '2028-03-05',
    ).get('2028-01')!;
    expect(leap.logo).toEqual([1, 0.5]);
    // April has 30 days: a line ending 2026-05-01 is still paying on 04-30 (cohort 2026-03, age 1).
    expect(
      byMonth([line('M', 100, '2026-03-31', '2026-05-01')], '2026-11-22')
        .get('2026-03')!
        .logo.slice(0, 3),
    ).toEqual([1, 1, 0]);
  });

  it('an account that churns and comes back stays in its first cohort and counts again while it pays', () => {
    const lines = [
      line('A', 100, '2025-11-15'),
      line('B', 200, '2025-11-30', '2026-02-01'), // paying on 2026-01-31, gone on 02-28
      line('B', 300, '2026-05-10'), // back in May, at a higher ARR
    ];
    const months = byMonth(lines, '2026-11-22');
    const c = months.get('2025-11')!;
    expect(c.customers).toBe(2);
    expect(c.baseArr).toBe(usd(300));
    //            0  12-31 01-31 02-28 03-31 04-30 05-31 ... 10-31
    expect(c.logo).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1]);
    expect(c.revenue).toEqual([1, 1, 1, 1 / 3, 1 / 3, 1 / 3, 4 / 3, 4 / 3, 4 / 3, 4 / 3, 4 / 3, 4 / 3]);
    // Its return in May makes no May cohort.
    expect(months.get('2026-05')!.customers).toBe(0);
  });

  it("an account first paid inside asOf's month, or before the window, is in no reported cohort", () => {
    const cohorts = cohortsOf(
      [line('NOV', 100, '2026-11-02'), line('OLD', 100, '2025-10-31'), line('FUTURE', 100, '2027-01-01')],
      '2026-11-22',
    );
    expect(cohorts.reduce((n, c) => n + c.customers, 0)).toBe(0);
    expect(cohorts.every((c) => c.logo.length === 0 && c.revenue.length === 0)).toBe(true);
  });

  it('the first paid day is the first day with ARR > 0: a free pilot does not start the cohort; base = ARR that day', () => {
    const lines = [
      line('P', 0, '2026-01-10', '2026-03-05'), // free pilot in January
      line('P', 100, '2026-03-05'),
      line('G', 100, '2026-04-01'),
      line('G', 50, '2026-04-02'), // an upsell the day after: not in the base
    ];
    const months = byMonth(lines, '2026-11-22');
    expect(months.get('2026-01')!.customers).toBe(0);
    expect(months.get('2026-03')).toMatchObject({ customers: 1, baseArr: usd(100) });
    const apr = months.get('2026-04')!;
    expect(apr.baseArr).toBe(usd(100));
    expect(apr.revenue[1]).toBe(1.5);
    expect(apr.logo[1]).toBe(1);
  });

  it('services lines are not ARR and make no cohort', () => {
    const cohorts = cohortsOf([line('S', 5000, '2026-02-01', undefined, 'services')], '2026-11-22');
    expect(cohorts.reduce((n, c) => n + c.customers, 0)).toBe(0);
  });

  it("uses the converted ARR: each line at its own start date's rate, so a renewal at a new rate moves revenue retention", () => {
    const data = dataset({
      subscriptions: [
        {
          lineId: 'E1',
          accountId: 'EU',
          kind: 'recurring',
          arr: 1_000_000,
          startDate: '2026-02-10',
          endDate: '2026-06-10',
          currency: 'EUR',
        },
        { lineId: 'E2', accountId: 'EU', kind: 'recurring', arr: 1_000_000, startDate: '2026-06-10', currency: 'EUR' },
        { lineId: 'U1', accountId: 'US', kind: 'recurring', arr: 500_000, startDate: '2026-02-20' },
        // No rate on or before its start: left out of every figure, so no cohort for it.
        { lineId: 'J1', accountId: 'JP', kind: 'recurring', arr: 100_000, startDate: '2026-02-01', currency: 'JPY' },
      ],
      fx_rates: [
        { date: '2026-02-02', currency: 'EUR', rate: '1.10' },
        { date: '2026-06-01', currency: 'EUR', rate: '1.20' },
        { date: '2026-03-01', currency: 'JPY', rate: '0.0066' },
      ],
    });
    const r = computeKpis(data, '2026-11-22', settings());
    const feb = r.cohorts.find((c) => c.month === '2026-02')!;
    expect(feb.customers).toBe(2);
    expect(feb.baseArr).toBe(usd(11_000) + usd(5_000)); // 10,000 EUR at 1.10 + 5,000 USD
    // Ages 1..3 (03-31, 04-30, 05-31) at the old rate; from 06-30 the renewed line at 1.20.
    expect(feb.revenue.slice(0, 5)).toEqual([1, 1, 1, 1, 17_000 / 16_000]);
    expect(toKpiJson(r).cohorts.find((c) => c.month === '2026-02')!.baseArr).toBe(16_000);
  });
});

describe('contracted ARR', () => {
  it('is ARR(asOf + 30 / 90 / 365) from the lines as known: future starts in, scheduled ends out', () => {
    const asOf = '2026-11-22';
    const t = new ArrTimeline([
      line('A', 100, '2025-01-01'), // running: in every horizon
      line('B', 200, '2025-01-01', '2026-12-22'), // ends on asOf + 30: not in d30 (end_date is the first day without it)
      line('C', 400, '2025-01-01', '2026-12-23'), // ends the day after asOf + 30: in d30 only
      line('D', 800, '2027-02-20'), // starts on asOf + 90: in d90 and d365
      line('E', 1600, '2027-11-22', '2028-01-01'), // starts on asOf + 365: in d365 only
      line('F', 3200, '2027-11-23'), // starts after asOf + 365: in none
      line('S', 9999, '2026-12-01', undefined, 'services'), // not ARR
    ]);
    const c = computeContractedArr(t, asOf);
    expect(c.dates).toEqual({ d30: '2026-12-22', d90: '2027-02-20', d365: '2027-11-22' });
    expect([c.d30, c.d90, c.d365]).toEqual([usd(100 + 400), usd(100 + 800), usd(100 + 800 + 1600)]);
    // Over a subset of accounts it is the same sum restricted to them.
    const some = [t.indexOf.get('A')!, t.indexOf.get('D')!];
    expect(computeContractedArr(t, asOf, some)).toMatchObject({ d30: usd(100), d90: usd(900), d365: usd(900) });
  });

  it('is in pulse kpis --json as contractedArr {d30, d90, d365}, money in currency units', () => {
    const data = dataset({ subscriptions: [line('A', 1200.5, '2026-01-01'), line('B', 100, '2027-01-01')] });
    const json = toKpiJson(computeKpis(data, '2026-11-22', settings()));
    expect(json.contractedArr).toEqual({ d30: 1200.5, d90: 1300.5, d365: 1300.5 });
    expect(Object.keys(json.cohorts[0]!)).toEqual(['month', 'customers', 'baseArr', 'logo', 'revenue']);
  });
});

describe('docs/metrics.md examples', () => {
  const data = dataset({
    subscriptions: [
      line('KITE', 10_000, '2026-01-10'),
      line('KITE', 5_000, '2026-06-15'),
      line('LARK', 20_000, '2026-01-31', '2026-04-01'),
      line('LARK', 16_000, '2026-08-20', '2027-02-20'),
      line('MINT', 0, '2025-12-01', '2026-01-05'),
      line('MINT', 30_000, '2026-01-05', '2026-09-30'),
      line('NOVA', 8_000, '2026-11-03', '2027-11-03'),
      line('OPAL', 12_000, '2027-01-01'),
    ],
  });
  const r = computeKpis(data, '2026-11-22', settings());

  it('cohorts: the January 2026 cohort, an empty February, NOVA in no cohort', () => {
    const json = toKpiJson(r);
    const jan = json.cohorts.find((c) => c.month === '2026-01')!;
    expect(jan).toEqual({
      month: '2026-01',
      customers: 3,
      baseArr: 60_000,
      logo: [1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 1, 2 / 3, 2 / 3],
      revenue: [1, 1, 1, 40 / 60, 40 / 60, 45 / 60, 45 / 60, 61 / 60, 31 / 60, 31 / 60],
    });
    expect(json.cohorts.find((c) => c.month === '2026-02')).toEqual({
      month: '2026-02',
      customers: 0,
      baseArr: 0,
      logo: [],
      revenue: [],
    });
    expect(json.cohorts.reduce((n, c) => n + c.customers, 0)).toBe(3);
  });

  it('contracted ARR: 39,000 / 35,000 / 27,000', () => {
    expect(r.arrBridge.close).toBe(usd(39_000));
    expect(toKpiJson(r).contractedArr).toEqual({ d30: 39_000, d90: 35_000, d365: 27_000 });
  });
});
