import { describe, expect, it } from 'vitest';
import { computeKpis } from '../../../functions/domain/kpi';
import { unitEconomicsWindow } from '../../../functions/domain/kpi/unit-economics';
import { dataset, line, services, settings, spend, spendMonths, usd } from './builders';

const AS_OF = '2026-11-22';

describe('unit economics', () => {
  it('the window is the 12 complete calendar months before asOf’s month', () => {
    expect(unitEconomicsWindow(AS_OF)).toMatchObject({ from: '2025-11-01', to: '2026-10-31' });
    expect(unitEconomicsWindow('2026-11-30').months[0]).toBe('2025-11');
    expect(unitEconomicsWindow('2028-03-05')).toMatchObject({ from: '2027-03-01', to: '2028-02-29' });
  });

  it('worked example: CAC, ARPA, LTV, LTV:CAC, payback, services attach', () => {
    const data = dataset({
      subscriptions: [
        line('OLD', 100_000, '2024-01-01'),
        line('OLD2', 40_000, '2024-01-01', '2026-01-01'), // churned: cohort on 2025-11-22 is OLD, OLD2, N1 -> logo churn 1/3
        line('N1', 24_000, '2025-11-01'), // first day of the window
        line('N1', 6_000, '2026-03-01'), // later line: not in new-logo ARR
        services('N1', 5_000, '2025-11-10'),
        line('N2', 36_000, '2026-10-31'), // last day of the window
        services('N2', 1_000, '2026-11-01'), // services after the window: no attach
        line('LATE', 12_000, '2026-11-01'), // asOf's month: not a new logo of the window
      ],
      spend: spendMonths('2025-11', 12, 20_000),
    });
    const u = computeKpis(data, AS_OF, settings()).unitEconomics;
    expect(u.newLogos12m).toBe(2);
    expect(u.newLogoArr).toBe(usd(60_000));
    expect(u.spend12m).toBe(usd(240_000));
    expect(u.cac).toBe(usd(120_000));
    // customers at asOf: OLD 100k, N1 30k, N2 36k, LATE 12k -> 178k / 4
    expect(u.arpa).toBe(usd(44_500));
    // logo churn 1/3 -> lifetime 3 years; LTV = 44,500 x 0.8 x 3
    expect(u.lifetimeYears).toBeCloseTo(3, 12);
    expect(u.ltv).toBeCloseTo(usd(106_800), 6);
    expect(u.ltvToCac).toBeCloseTo(106_800 / 120_000, 12);
    // 12 x 240,000 / (60,000 x 0.8)
    expect(u.cacPaybackMonths).toBeCloseTo(60, 12);
    expect(u.servicesAttach).toBe(0.5);
  });

  it('CAC, LTV:CAC and payback are null when any month of the window has no spend row (a 0 row counts)', () => {
    const subscriptions = [line('N1', 10_000, '2026-01-01')];
    const missing = computeKpis(
      dataset({ subscriptions, spend: spendMonths('2025-11', 11, 1_000) }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(missing).toMatchObject({
      spend12m: null,
      cac: null,
      ltvToCac: null,
      cacPaybackMonths: null,
      missingSpendMonths: ['2026-10'],
    });
    const zeroRow = computeKpis(
      dataset({ subscriptions, spend: [...spendMonths('2025-11', 11, 1_000), spend('2026-10', 0)] }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(zeroRow.cac).toBe(usd(11_000));
  });

  it('lifetime is capped at ltvMaxYears, and is the cap when logo churn is 0; LTV null without a cohort', () => {
    const base = { subscriptions: [line('A', 10_000, '2024-01-01')] };
    const u = computeKpis(dataset(base), AS_OF, settings({ ltvMaxYears: 5 })).unitEconomics;
    expect(u.lifetimeYears).toBe(5);
    expect(u.ltv).toBe(usd(10_000) * 0.8 * 5);
    const churny = computeKpis(
      dataset({
        subscriptions: [
          line('A', 10_000, '2024-01-01'),
          ...Array.from({ length: 9 }, (_, i) => line(`C${i}`, 1, '2024-01-01', '2026-01-01')),
        ],
      }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(churny.lifetimeYears).toBeCloseTo(10 / 9, 12); // logo churn 0.9
    const noCohort = computeKpis(
      dataset({ subscriptions: [line('A', 10_000, '2026-06-01')] }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(noCohort).toMatchObject({ arpa: usd(10_000), lifetimeYears: null, ltv: null });
  });

  it('with no new logos: CAC, payback and services attach are null', () => {
    const u = computeKpis(
      dataset({ subscriptions: [line('A', 1, '2020-01-01')], spend: spendMonths('2025-11', 12, 1) }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(u).toMatchObject({ newLogos12m: 0, cac: null, cacPaybackMonths: null, servicesAttach: null });
  });

  it('the first recurring line decides the new logo even at zero value; payback null when new-logo ARR is 0', () => {
    const u = computeKpis(
      dataset({ subscriptions: [line('Z', 0, '2026-01-01')], spend: spendMonths('2025-11', 12, 1_000) }),
      AS_OF,
      settings(),
    ).unitEconomics;
    expect(u).toMatchObject({ newLogos12m: 1, newLogoArr: 0, cac: usd(12_000), cacPaybackMonths: null, arpa: null });
  });
});
