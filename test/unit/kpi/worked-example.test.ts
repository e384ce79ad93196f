// Every number quoted in docs/metrics.md, checked against the engine. The figures were worked out by
// hand from the dataset in worked-example.ts before the engine was run on it.
import { describe, expect, it } from 'vitest';
import { computeKpis, computeSegmentKpis, toKpiJson } from '../../../functions/domain/kpi';
import { settings } from './builders';
import { EXAMPLE_AS_OF, workedExample } from './worked-example';

const result = computeKpis(workedExample(), EXAMPLE_AS_OF, settings());
const json = toKpiJson(result);

describe('worked example (week 2026-11-16 .. 2026-11-22)', () => {
  it('week and bridge', () => {
    expect(json.asOf).toBe('2026-11-22');
    expect(json.weekStart).toBe('2026-11-16');
    expect(json.currency).toBe('USD');
    expect(json.arrBridge).toEqual({
      open: 292000,
      new: 36000,
      reactivation: 24000,
      expansion: 30000,
      contraction: 10000,
      churn: 50000,
      fx: 0,
      close: 322000,
    });
    expect(json.customers).toEqual({ open: 6, close: 7, new: 1, reactivated: 1, churned: 1 });
  });

  it('quarter to date (fiscal year starting in January: Q4 from 2026-10-01)', () => {
    expect(json.arrBridgeQtd).toEqual({
      from: '2026-10-01',
      to: '2026-11-22',
      quarter: 'FY2026-Q4',
      open: 280000,
      new: 48000,
      reactivation: 24000,
      expansion: 30000,
      contraction: 10000,
      churn: 50000,
      fx: 0,
      close: 322000,
    });
    expect(json.customersQtd).toEqual({ open: 5, close: 7, new: 2, reactivated: 1, churned: 1 });
  });

  it('quarter to date with a fiscal year starting in February (Q4 = Nov..Jan)', () => {
    const r = computeKpis(workedExample(), EXAMPLE_AS_OF, settings({ fiscalYearStartMonth: 2 }));
    expect(r.quarter).toBe('FY2027-Q4');
    expect(r.arrBridgeQtd.from).toBe('2026-11-01');
    expect(r.arrBridgeQtd.open).toBe(29_200_000);
  });

  it('retention', () => {
    expect(json.retention.cohortDate).toBe('2025-11-22');
    expect(json.retention.cohortSize).toBe(4);
    expect(json.retention.nrr).toBeCloseTo(190 / 220, 12);
    expect(json.retention.grr).toBeCloseTo(160 / 220, 12);
    expect(json.retention.logoRetention).toBe(0.75);
    expect(json.retention.logoChurn).toBe(0.25);
  });

  it('renewals', () => {
    expect(json.renewals).toEqual({
      upcoming30: { count: 1, arr: 120000 },
      upcoming60: { count: 1, arr: 120000 },
      upcoming90: { count: 2, arr: 180000 },
      overdue: { count: 2, arr: 30000 },
      renewedThisWeek: { count: 1, arr: 30000 },
      churnedThisWeek: { count: 1, arr: 50000 },
      grossRenewalRate: 130 / 220,
      netRenewalRate: 150 / 220,
      logoRenewalRate: 0.4,
    });
  });

  it('expansion', () => {
    expect(json.expansion).toEqual({
      wonThisWeek: { count: 1, arr: 30000, upsell: 30000, crossSell: 0 },
      pipeline: { count: 2, arr: 35000, upsell: 20000, crossSell: 15000 },
      winRate90d: 2 / 3,
    });
  });

  it('adoption, voice, support', () => {
    expect(json.adoption.utilization).toBeCloseTo(110 / 190, 12);
    expect(json.voice).toEqual({ nps: -25, npsResponses: 4, csat: 50, csatResponses: 4 });
    expect(json.support).toEqual({ openedThisWeek: 2, p1OpenedThisWeek: 1, p1OpenAtAsOf: 2 });
  });

  it('unit economics', () => {
    const u = json.unitEconomics;
    expect(u.newLogos12m).toBe(2);
    expect(u.newLogoArr).toBe(72000);
    expect(u.spend12m).toBe(120000);
    expect(u.cac).toBe(60000);
    expect(u.arpa).toBe(46000);
    expect(u.ltv).toBe(147200);
    expect(u.ltvToCac).toBeCloseTo(147200 / 60000, 12);
    expect(u.cacPaybackMonths).toBeCloseTo(25, 12);
    expect(u.servicesAttach).toBe(0.5);
  });

  it('health scores and buckets', () => {
    const byId = Object.fromEntries(json.accounts!.map((a) => [a.accountId, a]));
    expect(Object.keys(byId)).toEqual(['ACME', 'CORE', 'DUNE', 'ECHO', 'FERN', 'GLOW', 'HALO']);
    expect([byId.ACME?.health, byId.ACME?.band]).toEqual([69, 'yellow']);
    expect([byId.CORE?.health, byId.CORE?.band]).toEqual([49.5, 'yellow']);
    expect([byId.DUNE?.health, byId.DUNE?.band]).toEqual([100, 'green']);
    expect([byId.ECHO?.health, byId.ECHO?.band]).toEqual([null, null]);
    expect([byId.FERN?.health, byId.FERN?.band]).toEqual([25, 'red']);
    expect([byId.GLOW?.health, byId.GLOW?.band]).toEqual([100, 'green']);
    expect([byId.HALO?.health, byId.HALO?.band]).toEqual([18.75, 'red']);
    expect(byId.ACME?.utilization).toBe(0.8);
    expect(byId.ACME?.usageTrend).toBeCloseTo(-0.2, 12);
    expect(byId.CORE?.usageTrend).toBe(0.25);
    expect(byId.HALO?.components.map((c) => [c.name, c.score, c.effectiveWeight])).toEqual([
      ['utilization', 31.25, 0.6],
      ['nps', 0, 0.4],
    ]);
    expect(json.health).toEqual({
      green: { count: 2, arr: 36000 },
      yellow: { count: 2, arr: 180000 },
      red: { count: 2, arr: 70000 },
      unscored: { count: 1, arr: 36000 },
      arrAtRisk: 70000,
    });
  });

  it('segments', () => {
    const segs = computeSegmentKpis(workedExample(), EXAMPLE_AS_OF, settings());
    expect([...segs.keys()]).toEqual(['Enterprise', 'Mid-Market', 'SMB', 'Unassigned']);
    expect(segs.get('Enterprise')?.arrBridge.close).toBe(21_000_000);
    expect(segs.get('Mid-Market')?.arrBridge.churn).toBe(5_000_000);
    expect(segs.get('SMB')?.customers).toEqual({ open: 1, close: 3, new: 1, reactivated: 1, churned: 0 });
    expect(segs.get('Unassigned')?.accounts.map((a) => a.accountId)).toEqual(['FERN']);
    expect(segs.get('Enterprise')?.unitEconomics.cac).toBeNull();
  });
});
