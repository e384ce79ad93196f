import { describe, expect, it } from 'vitest';
import { computeRenewals, isOpenAt } from '../../../functions/domain/kpi/renewals';
import { renewal, usd } from './builders';

const AS_OF = '2026-11-22';

describe('renewals', () => {
  it('upcoming windows are asOf < due <= asOf + N (cumulative); due on or before asOf is overdue', () => {
    const r = computeRenewals(
      [
        renewal('A', '2026-11-22', 1), // due on asOf: overdue
        renewal('A', '2026-11-23', 10), // next day: upcoming
        renewal('A', '2026-12-22', 100), // asOf + 30
        renewal('A', '2026-12-23', 1_000), // asOf + 31
        renewal('A', '2027-01-21', 10_000), // asOf + 60
        renewal('A', '2027-02-20', 100_000), // asOf + 90
        renewal('A', '2027-02-21', 1_000_000), // asOf + 91: none
      ],
      AS_OF,
    );
    expect(r.overdue).toEqual({ count: 1, arr: usd(1) });
    expect(r.upcoming30).toEqual({ count: 2, arr: usd(110) });
    expect(r.upcoming60).toEqual({ count: 4, arr: usd(11_110) });
    expect(r.upcoming90).toEqual({ count: 5, arr: usd(111_110) });
  });

  it('a renewal closed after asOf is still open at asOf (and not renewed in the trailing rates)', () => {
    const late = renewal('A', '2026-11-10', 1_000, 'renewed', '2026-11-23', 1_200);
    expect(isOpenAt(late, AS_OF)).toBe(true);
    const r = computeRenewals([late], AS_OF);
    expect(r.overdue).toEqual({ count: 1, arr: usd(1_000) });
    expect(r.renewedThisWeek.count).toBe(0);
    expect(r).toMatchObject({ grossRenewalRate: 0, netRenewalRate: 0, logoRenewalRate: 0 });
    // A week later it has closed.
    const next = computeRenewals([late], '2026-11-29');
    expect(next.renewedThisWeek).toEqual({ count: 1, arr: usd(1_200) });
    expect(next.overdue.count).toBe(0);
  });

  it('an `open` renewal ignores any closed_date on it', () => {
    const r = computeRenewals([renewal('A', '2026-12-01', 500, 'open', '2026-11-18')], AS_OF);
    expect(r.upcoming30).toEqual({ count: 1, arr: usd(500) });
    expect(r.renewedThisWeek.count + r.churnedThisWeek.count).toBe(0);
  });

  it('closed this week: renewed at renewed_arr, churned at arr_up; the week is [asOf - 6, asOf]', () => {
    const r = computeRenewals(
      [
        renewal('A', '2026-12-01', 100, 'renewed', '2026-11-16', 130),
        renewal('B', '2026-12-01', 200, 'churned', '2026-11-22'),
        renewal('C', '2026-12-01', 300, 'renewed', '2026-11-15', 300), // last week
      ],
      AS_OF,
    );
    expect(r.renewedThisWeek).toEqual({ count: 1, arr: usd(130) });
    expect(r.churnedThisWeek).toEqual({ count: 1, arr: usd(200) });
  });

  it('trailing-90-day rates by due date [asOf - 89, asOf]', () => {
    const r = computeRenewals(
      [
        renewal('A', '2026-08-25', 100, 'renewed', '2026-08-20', 150), // first day of T; expanded: capped at 100 for gross
        renewal('B', '2026-11-22', 200, 'renewed', '2026-11-01', 120), // last day of T; contracted
        renewal('C', '2026-10-01', 100, 'churned', '2026-10-01'),
        renewal('D', '2026-11-01', 100, 'open'), // still open at asOf: not renewed
        renewal('E', '2026-08-24', 999, 'renewed', '2026-08-24', 999), // due before T
        renewal('F', '2026-11-23', 999, 'renewed', '2026-11-20', 999), // due after asOf
      ],
      AS_OF,
    );
    expect(r.trailing90.due).toEqual({ count: 4, arr: usd(500) });
    expect(r.grossRenewalRate).toBeCloseTo((100 + 120) / 500, 12);
    expect(r.netRenewalRate).toBeCloseTo((150 + 120) / 500, 12);
    expect(r.logoRenewalRate).toBe(0.5);
  });

  it('rates are null with nothing due, and the dollar rates null when everything due is 0', () => {
    expect(computeRenewals([], AS_OF)).toMatchObject({
      grossRenewalRate: null,
      netRenewalRate: null,
      logoRenewalRate: null,
    });
    const zero = computeRenewals([renewal('A', '2026-11-01', 0, 'renewed', '2026-11-01', 0)], AS_OF);
    expect(zero).toMatchObject({ grossRenewalRate: null, netRenewalRate: null, logoRenewalRate: 1 });
  });
});
