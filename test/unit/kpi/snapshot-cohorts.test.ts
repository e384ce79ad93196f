// The stored weekly snapshot is the KPI JSON: it carries the cohorts and contracted ARR, company-wide
// and per segment, so `pulse kpis --week` and the report read them back without recomputing.
import { describe, expect, it } from 'vitest';
import { computeWeek } from '../../../functions/app/compute-week';
import type { KpiJson } from '../../../functions/domain/kpi';
import type { KpiSnapshot, Store } from '../../../functions/ports/store';
import { account, dataset, line, settings } from './builders';

describe('weekly snapshots', () => {
  it('hold cohorts and contractedArr for the company and each segment', async () => {
    const saved: KpiSnapshot[] = [];
    const store = { putSnapshot: async (s: KpiSnapshot) => void saved.push(s) } as unknown as Store;
    const data = dataset({
      accounts: [account('A', 'Enterprise'), account('B', 'SMB')],
      subscriptions: [
        line('A', 1000, '2026-01-15'),
        line('B', 500, '2026-03-02', '2026-12-01'),
        line('B', 250, '2027-01-01'),
      ],
    });
    await computeWeek(store, settings(), { asOf: '2026-11-22', computedAt: '2026-11-23T07:00:00Z', dataset: data });
    const doc = (scope: string) => saved.find((s) => s.scope === scope)!.kpis as KpiJson;
    const company = doc('company');
    expect(company.contractedArr).toEqual({ d30: 1000, d90: 1250, d365: 1250 });
    expect(company.cohorts.find((c) => c.month === '2026-01')).toEqual({
      month: '2026-01',
      customers: 1,
      baseArr: 1000,
      logo: Array(10).fill(1),
      revenue: Array(10).fill(1),
    });
    expect(company.segments!.SMB!.cohorts.find((c) => c.month === '2026-03')).toMatchObject({
      customers: 1,
      baseArr: 500,
    });
    expect(doc('segment:SMB').contractedArr).toEqual({ d30: 0, d90: 250, d365: 250 });
    expect(doc('segment:Enterprise').cohorts.find((c) => c.month === '2026-03')).toMatchObject({
      customers: 0,
      logo: [],
      revenue: [],
    });
  });
});
