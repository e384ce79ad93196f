import { describe, expect, it } from 'vitest';
import { toEpochDay } from '../../../functions/domain/dates';
import { UsageIndex, computeAdoption } from '../../../functions/domain/kpi/adoption';
import { EpochDays } from '../../../functions/domain/kpi/timeline';
import type { Usage } from '../../../functions/domain/contract/entities';
import { usage } from './builders';

const WEEK = '2026-11-16';

function index(rows: Usage[]): { idx: UsageIndex; pos: Map<string, number> } {
  const pos = new Map<string, number>();
  for (const r of rows) if (!pos.has(r.accountId)) pos.set(r.accountId, pos.size);
  return { idx: new UsageIndex(rows, pos, pos.size, new EpochDays()), pos };
}

describe('adoption', () => {
  it('account utilization = WAU / seats for the reported week; null without a row or with 0 seats', () => {
    const { idx, pos } = index([
      usage('A', WEEK, 30, 40),
      usage('B', WEEK, 5, 0),
      usage('C', '2026-11-09', 10, 10),
      usage('D', WEEK, 60, 50),
    ]);
    const w = toEpochDay(WEEK);
    expect(idx.utilization(pos.get('A')!, w)).toBe(0.75);
    expect(idx.utilization(pos.get('B')!, w)).toBeNull();
    expect(idx.utilization(pos.get('C')!, w)).toBeNull();
    expect(idx.utilization(pos.get('D')!, w)).toBe(1.2); // more users than seats is reported as is
  });

  it('portfolio utilization = sum WAU / sum seats over the given customers with seats > 0', () => {
    const { idx, pos } = index([
      usage('A', WEEK, 30, 40),
      usage('B', WEEK, 5, 0),
      usage('C', WEEK, 10, 60),
      usage('X', WEEK, 100, 100),
    ]);
    const customers = ['A', 'B', 'C'].map((id) => pos.get(id)!);
    const r = computeAdoption(idx, customers, toEpochDay(WEEK));
    expect(r).toEqual({ week: WEEK, activeUsers: 40, seats: 100, accountsWithUsage: 2, utilization: 0.4 });
    expect(computeAdoption(idx, [], toEpochDay(WEEK)).utilization).toBeNull();
  });

  it('usage trend: mean WAU of the 4 weeks ending the reported week over the 4 weeks before, minus 1; gaps skipped', () => {
    const { idx, pos } = index([
      // recent: 11-16, 11-09, 11-02, 10-26  (rows: 60, 40)        -> mean 50
      usage('A', '2026-11-16', 60, 100),
      usage('A', '2026-11-02', 40, 100),
      // earlier: 10-19, 10-12, 10-05, 09-28  (rows: 30, 50, 40)   -> mean 40
      usage('A', '2026-10-19', 30, 100),
      usage('A', '2026-10-05', 50, 100),
      usage('A', '2026-09-28', 40, 100),
      usage('A', '2026-09-21', 1_000, 100), // ninth week back: ignored
      usage('A', '2026-11-23', 1_000, 100), // after the reported week: ignored
    ]);
    expect(idx.usageTrend(pos.get('A')!, toEpochDay(WEEK))).toBeCloseTo(0.25, 12);
  });

  it('usage trend is null when either side has no row or the earlier mean is 0', () => {
    const { idx, pos } = index([
      usage('ONLY_RECENT', '2026-11-16', 10, 10),
      usage('ONLY_EARLIER', '2026-10-19', 10, 10),
      usage('ZERO', '2026-11-16', 10, 10),
      usage('ZERO', '2026-10-19', 0, 10),
      usage('FLAT', '2026-10-26', 7, 10),
      usage('FLAT', '2026-09-28', 7, 10),
    ]);
    const w = toEpochDay(WEEK);
    expect(idx.usageTrend(pos.get('ONLY_RECENT')!, w)).toBeNull();
    expect(idx.usageTrend(pos.get('ONLY_EARLIER')!, w)).toBeNull();
    expect(idx.usageTrend(pos.get('ZERO')!, w)).toBeNull();
    expect(idx.usageTrend(pos.get('FLAT')!, w)).toBe(0);
  });
});
