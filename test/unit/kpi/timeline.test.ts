import { describe, expect, it } from 'vitest';
import { toEpochDay } from '../../../functions/domain/dates';
import { ArrTimeline, groupByAccountAndDay, orderByDay } from '../../../functions/domain/kpi/timeline';
import { line, services, usd } from './builders';

const day = toEpochDay;

describe('ARR timeline', () => {
  it('counts a recurring line from its start_date (inclusive) to its end_date (exclusive)', () => {
    const t = new ArrTimeline([line('A', 12_000, '2026-01-10', '2026-03-01')]);
    const a = t.indexOf.get('A')!;
    expect(t.arrAt(a, day('2026-01-09'))).toBe(0);
    expect(t.arrAt(a, day('2026-01-10'))).toBe(usd(12_000));
    expect(t.arrAt(a, day('2026-02-28'))).toBe(usd(12_000));
    expect(t.arrAt(a, day('2026-03-01'))).toBe(0);
  });

  it('never counts a services line, and ignores zero-value lines for ARR', () => {
    const t = new ArrTimeline([
      services('A', 50_000, '2026-01-01'),
      line('A', 0, '2026-01-01'),
      line('B', 100, '2026-01-01'),
    ]);
    expect(t.arrOf('A', day('2026-06-01'))).toBe(0);
    expect(t.totalArrAt(day('2026-06-01'))).toBe(usd(100));
    expect(t.customersAt(day('2026-06-01'))).toBe(1);
    // The zero line still dates the account's first recurring start (used for new logos).
    expect(t.earliestRecurringStart[t.indexOf.get('A')!]).toBe(day('2026-01-01'));
    expect(t.firstPaidStart[t.indexOf.get('A')!]).toBe(Infinity);
  });

  it('sums overlapping lines and merges a same-day swap of equal value into no change', () => {
    const t = new ArrTimeline([
      line('A', 1_000, '2026-01-01', '2026-07-01'),
      line('A', 1_000, '2026-07-01'), // renewal line of the same value: no movement
      line('A', 500, '2026-03-01', '2026-04-01'),
    ]);
    const a = t.indexOf.get('A')!;
    expect(t.changePoints(a)).toEqual([
      [day('2026-01-01'), usd(1_000)],
      [day('2026-03-01'), usd(1_500)],
      [day('2026-04-01'), usd(1_000)],
    ]);
    expect(t.movementCount).toBe(3);
  });

  it('answers company ARR and customers on any day from the movement list', () => {
    const t = new ArrTimeline([
      line('A', 100, '2026-01-01', '2026-02-01'),
      line('B', 200, '2026-01-15'),
      line('C', 300, '2025-12-01', '2026-01-15'),
    ]);
    expect(t.totalArrAt(day('2025-11-30'))).toBe(0);
    expect(t.totalArrAt(day('2026-01-14'))).toBe(usd(400));
    expect(t.customersAt(day('2026-01-14'))).toBe(2);
    expect(t.totalArrAt(day('2026-01-15'))).toBe(usd(300));
    expect(t.customersAt(day('2026-01-15'))).toBe(2);
    expect(t.totalArrAt(day('2026-02-01'))).toBe(usd(200));
    expect(t.customersAt(day('2026-02-01'))).toBe(1);
  });

  it('indexes the ids it is given first, then the accounts found only in subscriptions', () => {
    const t = new ArrTimeline([line('Z', 1, '2026-01-01'), line('A', 1, '2026-01-01')], ['X']);
    expect(t.accountIds).toEqual(['X', 'Z', 'A']);
    expect(t.arrOf('X', day('2026-02-01'))).toBe(0);
    expect(t.arrOf('nobody', day('2026-02-01'))).toBe(0);
  });
});

describe('index sorting helpers', () => {
  it('orders by day, ties by position, with counting sort and with the wide-range fallback', () => {
    expect(Array.from(orderByDay([5, 3, 5, 1, 3]))).toEqual([3, 1, 4, 0, 2]);
    expect(Array.from(orderByDay([2_000_000, -700_000, 0, -700_000]))).toEqual([1, 3, 2, 0]);
    expect(Array.from(orderByDay([]))).toEqual([]);
  });

  it('groups by account keeping day order, and drops negative accounts', () => {
    const { offset, order } = groupByAccountAndDay([1, 0, 1, -1, 0, 1], [9, 4, 2, 1, 4, 2], 3);
    expect(Array.from(offset)).toEqual([0, 2, 5, 5]);
    expect(Array.from(order)).toEqual([1, 4, 2, 5, 0]);
  });
});
