import { describe, expect, it } from 'vitest';
import { addDays, fiscalQuarterOf } from '../../../functions/domain/dates';
import {
  bridgeResidual,
  computeBridge,
  computeQtdBridge,
  computeWeekBridge,
  sumBridges,
} from '../../../functions/domain/kpi/arr-bridge';
import { ArrTimeline } from '../../../functions/domain/kpi/timeline';
import { line, services, usd } from './builders';

const AS_OF = '2026-11-22';
const WEEK_START = '2026-11-16';

describe('ARR bridge', () => {
  it('a line ending exactly on the week start churns on that day, inside the week', () => {
    const t = new ArrTimeline([line('A', 10_000, '2025-01-01', WEEK_START)]);
    const { bridge, customers } = computeWeekBridge(t, AS_OF);
    expect(bridge).toMatchObject({ from: WEEK_START, to: AS_OF, open: usd(10_000), churn: usd(10_000), close: 0 });
    expect(customers).toEqual({ open: 1, close: 0, new: 0, reactivated: 0, churned: 1 });
    // ...and not in the week before, whose close still has it.
    const before = computeWeekBridge(t, addDays(AS_OF, -7)).bridge;
    expect(before.churn).toBe(0);
    expect(before.close).toBe(usd(10_000));
  });

  it('a line ending the day after asOf is still ARR at asOf', () => {
    const t = new ArrTimeline([line('A', 10_000, '2025-01-01', '2026-11-23')]);
    expect(computeWeekBridge(t, AS_OF).bridge).toMatchObject({ churn: 0, close: usd(10_000) });
  });

  it('tells a reactivation (paid before) from a new customer', () => {
    const t = new ArrTimeline([
      line('BACK', 5_000, '2024-01-01', '2025-01-01'),
      line('BACK', 6_000, '2026-11-18'),
      line('FRESH', 7_000, '2026-11-18'),
      // A zero-value line before does not make the account a former customer.
      line('FREE', 0, '2025-01-01', '2025-06-01'),
      line('FREE', 8_000, '2026-11-19'),
    ]);
    const { bridge, customers } = computeWeekBridge(t, AS_OF);
    expect(bridge.reactivation).toBe(usd(6_000));
    expect(bridge.new).toBe(usd(15_000));
    expect(customers).toMatchObject({ new: 2, reactivated: 1 });
  });

  it('a gap of one day between two lines is a churn then a reactivation', () => {
    const t = new ArrTimeline([line('A', 1_000, '2026-01-01', '2026-11-18'), line('A', 1_200, '2026-11-19')]);
    const { bridge, customers } = computeWeekBridge(t, AS_OF);
    expect(bridge).toMatchObject({
      open: usd(1_000),
      churn: usd(1_000),
      reactivation: usd(1_200),
      new: 0,
      expansion: 0,
      close: usd(1_200),
    });
    expect(customers).toEqual({ open: 1, close: 1, new: 0, reactivated: 1, churned: 1 });
  });

  it('a new account that churns within the week counts once as new and once as churn', () => {
    const t = new ArrTimeline([line('A', 1_000, '2026-11-17', '2026-11-20')]);
    const { bridge, customers } = computeWeekBridge(t, AS_OF);
    expect(bridge).toMatchObject({ open: 0, new: usd(1_000), churn: usd(1_000), close: 0 });
    expect(customers).toEqual({ open: 0, close: 0, new: 1, reactivated: 0, churned: 1 });
  });

  it('records expansion and contraction day by day, even when they net out within the week', () => {
    const t = new ArrTimeline([line('A', 1_000, '2026-01-01'), line('A', 500, '2026-11-17', '2026-11-20')]);
    const { bridge } = computeWeekBridge(t, AS_OF);
    expect(bridge).toMatchObject({ open: usd(1_000), expansion: usd(500), contraction: usd(500), close: usd(1_000) });
  });

  it('never counts services lines', () => {
    const t = new ArrTimeline([services('A', 9_000, '2026-11-17'), line('A', 1_000, '2026-11-17')]);
    expect(computeWeekBridge(t, AS_OF).bridge).toMatchObject({ new: usd(1_000), close: usd(1_000) });
  });

  it('weeks that cross a DST change are plain 7-day calendar weeks (America/New_York 2026-11-01 and 2026-03-08)', () => {
    const t = new ArrTimeline([
      line('FALL', 100, '2026-11-01'),
      line('SPRING', 200, '2026-03-08'),
      line('MON', 300, '2026-03-09'),
    ]);
    expect(computeWeekBridge(t, '2026-11-01').bridge).toMatchObject({
      from: '2026-10-26',
      to: '2026-11-01',
      new: usd(100),
    });
    expect(computeWeekBridge(t, '2026-11-08').bridge).toMatchObject({ from: '2026-11-02', new: 0, open: usd(600) });
    expect(computeWeekBridge(t, '2026-03-08').bridge).toMatchObject({
      from: '2026-03-02',
      new: usd(200),
      close: usd(200),
    });
    expect(computeWeekBridge(t, '2026-03-15').bridge).toMatchObject({ open: usd(200), new: usd(300) });
  });

  it('the weekly bridges of a quarter add up to the quarter bridge', () => {
    const t = new ArrTimeline([
      line('A', 1_000, '2026-01-01', '2026-10-14'),
      line('A', 1_300, '2026-10-20'),
      line('B', 2_000, '2026-10-01'),
      line('C', 500, '2025-05-05', '2026-12-31'),
      line('C', 700, '2026-11-11'),
      line('D', 900, '2026-12-29', '2026-12-30'),
    ]);
    const q = fiscalQuarterOf('2026-11-22', 1);
    const whole = computeBridge(t, q.start, q.end).bridge;
    // Weeks (Monday..Sunday) clipped to the quarter.
    const parts = [];
    for (let start = q.start; start <= q.end; ) {
      let end = start;
      while (end < q.end && new Date(`${end}T00:00:00Z`).getUTCDay() !== 0) end = addDays(end, 1);
      parts.push(computeBridge(t, start, end).bridge);
      start = addDays(end, 1);
    }
    expect(parts.length).toBeGreaterThan(12);
    expect(sumBridges(parts)).toEqual(whole);
    expect(bridgeResidual(whole)).toBe(0);
  });

  it('the quarter-to-date bridge runs from the fiscal quarter start to asOf', () => {
    const t = new ArrTimeline([line('A', 100, '2026-10-01'), line('B', 100, '2026-09-30')]);
    const qtd = computeQtdBridge(t, AS_OF, 1);
    expect(qtd.quarter).toBe('FY2026-Q4');
    expect(qtd.bridge).toMatchObject({ from: '2026-10-01', to: AS_OF, open: usd(100), new: usd(100), close: usd(200) });
    const fy2 = computeQtdBridge(t, AS_OF, 2);
    expect(fy2.bridge.from).toBe('2026-11-01');
    expect(fy2.bridge.new).toBe(0);
  });

  it('an empty dataset has an all-zero bridge', () => {
    const { bridge, customers } = computeWeekBridge(new ArrTimeline([]), AS_OF);
    expect(bridge).toEqual({
      from: WEEK_START,
      to: AS_OF,
      open: 0,
      new: 0,
      reactivation: 0,
      expansion: 0,
      contraction: 0,
      churn: 0,
      fx: 0,
      close: 0,
    });
    expect(customers).toEqual({ open: 0, close: 0, new: 0, reactivated: 0, churned: 0 });
  });
});
