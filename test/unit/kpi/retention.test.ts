import { describe, expect, it } from 'vitest';
import { computeRetention } from '../../../functions/domain/kpi/retention';
import { ArrTimeline } from '../../../functions/domain/kpi/timeline';
import { line } from './builders';

describe('retention (trailing twelve months)', () => {
  it('worked example: expansion, contraction, churn and a new customer outside the cohort', () => {
    const t = new ArrTimeline([
      line('UP', 100, '2025-01-01'),
      line('UP', 50, '2026-06-01'), // 100 -> 150
      line('DOWN', 200, '2025-01-01', '2026-03-01'),
      line('DOWN', 120, '2026-03-01'), // 200 -> 120
      line('GONE', 100, '2025-01-01', '2026-05-01'), // 100 -> 0
      line('NEW', 999, '2026-01-01'), // not in the cohort
    ]);
    const r = computeRetention(t, '2026-11-22');
    expect(r.cohortDate).toBe('2025-11-22');
    expect(r.cohortSize).toBe(3);
    expect(r.nrr).toBeCloseTo((150 + 120 + 0) / 400, 12); // 0.675
    expect(r.grr).toBeCloseTo((100 + 120 + 0) / 400, 12); // 0.55
    expect(r.logoRetention).toBeCloseTo(2 / 3, 12);
    expect(r.logoChurn).toBeCloseTo(1 / 3, 12);
    expect(r.grr!).toBeLessThanOrEqual(r.nrr!);
  });

  it('takes the cohort on minus12m(asOf): Feb 29 goes to Feb 28 the year before', () => {
    const t = new ArrTimeline([line('A', 100, '2027-02-28'), line('B', 100, '2027-03-01')]);
    const r = computeRetention(t, '2028-02-29');
    expect(r.cohortDate).toBe('2027-02-28');
    expect(r.cohortSize).toBe(1); // A started on the cohort date (inclusive), B the day after
    expect(computeRetention(t, '2026-02-28').cohortDate).toBe('2025-02-28');
    expect(computeRetention(t, '2026-03-31').cohortDate).toBe('2025-03-31');
  });

  it('is null with an empty cohort', () => {
    const r = computeRetention(new ArrTimeline([line('A', 100, '2026-01-01')]), '2026-11-22');
    expect(r).toMatchObject({ cohortSize: 0, nrr: null, grr: null, logoRetention: null, logoChurn: null });
  });

  it('an account that churned and came back in the year is retained (at its ARR today)', () => {
    const t = new ArrTimeline([line('A', 100, '2025-01-01', '2026-02-01'), line('A', 80, '2026-06-01')]);
    const r = computeRetention(t, '2026-11-22');
    expect(r).toMatchObject({ nrr: 0.8, grr: 0.8, logoRetention: 1, logoChurn: 0 });
  });
});
