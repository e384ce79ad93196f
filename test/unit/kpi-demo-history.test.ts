// The invariants a CFO relies on, checked on every week of the demo's two-year history.
import { describe, expect, it } from 'vitest';
import { validatedDemoDataset } from '../support/demo-dataset';
import { addDays, lastCompleteWeekEnd } from '../../functions/domain/dates';
import {
  DEFAULT_KPI_SETTINGS,
  kpisAt,
  partitionBySegment,
  prepareKpiContext,
  type KpiResult,
} from '../../functions/domain/kpi';

const additive = (k: KpiResult) => ({
  bridge: [
    k.arrBridge.open,
    k.arrBridge.new,
    k.arrBridge.reactivation,
    k.arrBridge.expansion,
    k.arrBridge.contraction,
    k.arrBridge.churn,
    k.arrBridge.close,
  ],
  customers: [k.customers.open, k.customers.close, k.customers.new, k.customers.reactivated, k.customers.churned],
  renewals: [
    k.renewals.upcoming90.count,
    k.renewals.upcoming90.arr,
    k.renewals.overdue.arr,
    k.renewals.renewedThisWeek.arr,
    k.renewals.churnedThisWeek.arr,
  ],
  health: [k.health.green.arr, k.health.yellow.arr, k.health.red.arr, k.health.unscored.count, k.health.arrAtRisk],
});

describe('KPIs over the whole demo history', () => {
  const endDate = '2026-11-23';
  const data = validatedDemoDataset({ endDate, accounts: 300, seed: 42 });
  const settings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };
  const company = prepareKpiContext(data, settings);
  const segments = [...partitionBySegment(data)].map(([segment, part]) =>
    prepareKpiContext(part, settings, { segment }),
  );
  const lastWeek = lastCompleteWeekEnd(endDate, 1);
  const weeks = Array.from({ length: 104 }, (_, i) => addDays(lastWeek, -7 * i));

  it('has movement in every bridge category over the history', () => {
    const totals = weeks.map((w) => kpisAt(company, w).arrBridge);
    for (const key of ['new', 'reactivation', 'expansion', 'contraction', 'churn'] as const) {
      expect(
        totals.some((b) => b[key] > 0),
        key,
      ).toBe(true);
    }
  });

  it('keeps the bridge identity exactly, for every week and quarter to date', () => {
    for (const asOf of weeks) {
      const k = kpisAt(company, asOf);
      for (const b of [k.arrBridge, k.arrBridgeQtd]) {
        expect(b.open + b.new + b.reactivation + b.expansion - b.contraction - b.churn, `${asOf} ${b.from}`).toBe(
          b.close,
        );
      }
      // consecutive weeks chain: this week's open is last week's close
      expect(k.arrBridge.open).toBe(kpisAt(company, addDays(asOf, -7)).arrBridge.close);
    }
  });

  it('splits every additive figure by segment so the segments sum to the company, every week', () => {
    for (const asOf of weeks) {
      const total = additive(kpisAt(company, asOf));
      const parts = segments.map((ctx) => additive(kpisAt(ctx, asOf)));
      for (const key of Object.keys(total) as (keyof typeof total)[]) {
        const summed = total[key].map((_, i) => parts.reduce((s, p) => s + p[key][i]!, 0));
        expect(summed, `${asOf} ${key}`).toEqual(total[key]);
      }
    }
  });
});
