import { describe, expect, it } from 'vitest';
import { computeKpis, computeSegmentKpis, partitionBySegment, UNASSIGNED_SEGMENT } from '../../../functions/domain/kpi';
import { account, dataset, line, renewal, settings, spendMonths, ticket, usage } from './builders';
import { EXAMPLE_AS_OF, workedExample } from './worked-example';

const AS_OF = '2026-11-22';

describe('segments', () => {
  it('an account without an account row, or with an empty segment, is Unassigned', () => {
    const data = dataset({
      accounts: [account('A', 'SMB'), account('B', '  '), account('C')],
      subscriptions: [
        line('A', 1, '2026-01-01'),
        line('B', 2, '2026-01-01'),
        line('C', 3, '2026-01-01'),
        line('D', 4, '2026-01-01'),
      ],
      renewals: [renewal('E', '2026-12-01', 5)], // E only appears in renewals
    });
    const parts = partitionBySegment(data);
    expect([...parts.keys()]).toEqual(['SMB', UNASSIGNED_SEGMENT]);
    expect(parts.get(UNASSIGNED_SEGMENT)!.subscriptions.map((s) => s.accountId)).toEqual(['B', 'C', 'D']);
    expect(parts.get(UNASSIGNED_SEGMENT)!.renewals).toHaveLength(1);
    const r = computeKpis(data, AS_OF, settings(), { segment: UNASSIGNED_SEGMENT });
    expect(r.segment).toBe(UNASSIGNED_SEGMENT);
    expect(r.arrBridge.close).toBe(900);
    expect(r.accounts.map((a) => [a.accountId, a.segment])).toEqual([
      ['B', UNASSIGNED_SEGMENT],
      ['C', UNASSIGNED_SEGMENT],
      ['D', UNASSIGNED_SEGMENT],
    ]);
  });

  it('a segment nobody is in gives zeros and nulls', () => {
    const r = computeKpis(workedExample(), EXAMPLE_AS_OF, settings(), { segment: 'Nonexistent' });
    expect(r.arrBridge.close).toBe(0);
    expect(r.retention.nrr).toBeNull();
    expect(r.accounts).toEqual([]);
  });

  it('spend is not attributed: segments report CAC, LTV:CAC and payback as null, the rest of unit economics per segment', () => {
    const data = dataset({
      accounts: [account('A', 'SMB')],
      subscriptions: [line('A', 12_000, '2026-01-01')],
      spend: spendMonths('2025-11', 12, 1_000),
    });
    const company = computeKpis(data, AS_OF, settings()).unitEconomics;
    expect(company.cac).toBe(1_200_000);
    const smb = computeKpis(data, AS_OF, settings(), { segment: 'SMB' }).unitEconomics;
    expect(smb).toMatchObject({
      newLogos12m: 1,
      spendAttributed: false,
      spend12m: null,
      cac: null,
      ltvToCac: null,
      cacPaybackMonths: null,
      arpa: 1_200_000,
    });
  });

  it('additive figures of the segments sum to the company figures (worked example)', () => {
    const data = workedExample();
    data.usage.push(usage('FERN', '2026-11-16', 3, 4));
    data.tickets.push(ticket('NOBODY', 'p1', '2026-11-20'));
    const total = computeKpis(data, EXAMPLE_AS_OF, settings());
    const segs = [...computeSegmentKpis(data, EXAMPLE_AS_OF, settings()).values()];
    const sum = (f: (r: typeof total) => number) => segs.reduce((s, r) => s + f(r), 0);
    for (const k of ['open', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'close'] as const) {
      expect(sum((r) => r.arrBridge[k])).toBe(total.arrBridge[k]);
      expect(sum((r) => r.arrBridgeQtd[k])).toBe(total.arrBridgeQtd[k]);
    }
    for (const k of ['open', 'close', 'new', 'reactivated', 'churned'] as const)
      expect(sum((r) => r.customers[k])).toBe(total.customers[k]);
    for (const k of [
      'upcoming30',
      'upcoming60',
      'upcoming90',
      'overdue',
      'renewedThisWeek',
      'churnedThisWeek',
    ] as const) {
      expect(sum((r) => r.renewals[k].count)).toBe(total.renewals[k].count);
      expect(sum((r) => r.renewals[k].arr)).toBe(total.renewals[k].arr);
    }
    for (const k of ['green', 'yellow', 'red', 'unscored'] as const) {
      expect(sum((r) => r.health[k].count)).toBe(total.health[k].count);
      expect(sum((r) => r.health[k].arr)).toBe(total.health[k].arr);
    }
    expect(sum((r) => r.health.arrAtRisk)).toBe(total.health.arrAtRisk);
    expect(sum((r) => r.support.openedThisWeek)).toBe(total.support.openedThisWeek);
    expect(sum((r) => r.voice.npsResponses)).toBe(total.voice.npsResponses);
    expect(sum((r) => r.unitEconomics.newLogos12m)).toBe(total.unitEconomics.newLogos12m);
    expect(sum((r) => r.retention.cohortSize)).toBe(total.retention.cohortSize);
    expect(sum((r) => r.accounts.length)).toBe(total.accounts.length);
  });
});
