import { describe, expect, it } from 'vitest';
import { emptyDataset } from '../../../functions/domain/contract/validate';
import {
  computeKpis,
  computeSegmentKpis,
  computeTrend,
  kpiSettingsFrom,
  resolveAsOf,
  toKpiJson,
} from '../../../functions/domain/kpi';
import { amount } from '../../../functions/domain/kpi/json';
import { parseConfig } from '../../../functions/config';
import { dataset, line, settings, spendMonths } from './builders';
import { EXAMPLE_AS_OF, workedExample } from './worked-example';

const REQUIRED = {
  arrBridge: ['open', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'close'],
  customers: ['open', 'close', 'new', 'reactivated', 'churned'],
  retention: ['nrr', 'grr', 'logoRetention', 'logoChurn', 'cohortSize'],
  renewals: [
    'upcoming30',
    'upcoming60',
    'upcoming90',
    'overdue',
    'renewedThisWeek',
    'churnedThisWeek',
    'grossRenewalRate',
    'netRenewalRate',
    'logoRenewalRate',
  ],
  expansion: ['wonThisWeek', 'pipeline', 'winRate90d'],
  adoption: ['utilization'],
  voice: ['nps', 'npsResponses', 'csat', 'csatResponses'],
  support: ['openedThisWeek', 'p1OpenedThisWeek', 'p1OpenAtAsOf'],
  unitEconomics: ['newLogos12m', 'cac', 'arpa', 'ltv', 'ltvToCac', 'cacPaybackMonths', 'servicesAttach'],
  health: ['green', 'yellow', 'red', 'unscored', 'arrAtRisk'],
  contractedArr: ['d30', 'd90', 'd365'],
} as const;

describe('KPI JSON document', () => {
  it('has every required key with its exact name', () => {
    const doc = JSON.parse(
      JSON.stringify(toKpiJson(computeKpis(workedExample(), EXAMPLE_AS_OF, settings()))),
    ) as Record<string, Record<string, unknown>>;
    for (const k of ['asOf', 'weekStart', 'currency', 'accounts', 'arrBridgeQtd']) expect(doc).toHaveProperty(k);
    for (const [group, keys] of Object.entries(REQUIRED))
      for (const k of keys) expect(doc[group], `${group}.${k}`).toHaveProperty(k);
    for (const k of ['count', 'arr', 'upsell', 'crossSell']) {
      expect(doc.expansion!.wonThisWeek).toHaveProperty(k);
      expect(doc.expansion!.pipeline).toHaveProperty(k);
    }
    for (const k of ['from', 'to', ...REQUIRED.arrBridge]) expect(doc.arrBridgeQtd).toHaveProperty(k);
    const acct = (doc.accounts as unknown as Record<string, unknown>[])[0]!;
    for (const k of ['accountId', 'arr', 'health', 'band', 'usageTrend', 'utilization']) expect(acct).toHaveProperty(k);
    const cohorts = doc.cohorts as unknown as Record<string, unknown>[];
    expect(cohorts).toHaveLength(12);
    for (const c of cohorts) expect(Object.keys(c)).toEqual(['month', 'customers', 'baseArr', 'logo', 'revenue']);
  });

  it('an empty dataset gives zeros for counts and sums, and null for every ratio', () => {
    const doc = toKpiJson(computeKpis(emptyDataset(), EXAMPLE_AS_OF, settings()));
    expect(doc.arrBridge).toEqual({
      open: 0,
      new: 0,
      reactivation: 0,
      expansion: 0,
      contraction: 0,
      churn: 0,
      fx: 0,
      close: 0,
    });
    expect(doc.retention).toEqual({
      nrr: null,
      grr: null,
      logoRetention: null,
      logoChurn: null,
      cohortSize: 0,
      cohortDate: '2025-11-22',
    });
    expect(doc.contractedArr).toEqual({ d30: 0, d90: 0, d365: 0 });
    expect(
      doc.cohorts.every((c) => c.customers === 0 && c.baseArr === 0 && c.logo.length === 0 && c.revenue.length === 0),
    ).toBe(true);
    expect(doc.renewals).toMatchObject({
      grossRenewalRate: null,
      netRenewalRate: null,
      logoRenewalRate: null,
      overdue: { count: 0, arr: 0 },
    });
    expect(doc.expansion.winRate90d).toBeNull();
    expect(doc.adoption.utilization).toBeNull();
    expect(doc.voice).toEqual({ nps: null, npsResponses: 0, csat: null, csatResponses: 0 });
    expect(doc.unitEconomics).toMatchObject({
      newLogos12m: 0,
      cac: null,
      arpa: null,
      ltv: null,
      ltvToCac: null,
      cacPaybackMonths: null,
      servicesAttach: null,
    });
    expect(doc.health.arrAtRisk).toBe(0);
    expect(doc.accounts).toEqual([]);
  });

  it('money: exact cents as numbers, fractional cents rounded half-up to 2 decimals', () => {
    expect(amount(123456)).toBe(1234.56);
    expect(amount(5)).toBe(0.05);
    expect(amount(100.5)).toBe(1.01);
    expect(amount(100.49)).toBe(1);
    expect(amount(-250)).toBe(-2.5);
    // ARPA = 100.00 / 3 customers = 33.333... -> 33.33; 200.00 / 3 = 66.666... -> 66.67
    const arpa = (total: number) =>
      toKpiJson(
        computeKpis(
          dataset({
            subscriptions: [
              line('A', total / 3, '2026-01-01'),
              line('B', total / 3, '2026-01-01'),
              line('C', total / 3, '2026-01-01'),
            ],
          }),
          EXAMPLE_AS_OF,
          settings(),
        ),
      ).unitEconomics.arpa;
    expect(arpa(100.02)).toBe(33.34);
    const odd = computeKpis(
      dataset({ subscriptions: [line('A', 0.01, '2026-01-01'), line('B', 0.02, '2026-01-01')] }),
      EXAMPLE_AS_OF,
      settings(),
    );
    expect(odd.unitEconomics.arpa).toBe(1.5); // cents
    expect(toKpiJson(odd).unitEconomics.arpa).toBe(0.02); // 0.015 -> 0.02 half-up
  });

  it('accounts: customers at asOf sorted by id in plain string order, band null when unscored', () => {
    const doc = toKpiJson(
      computeKpis(
        dataset({
          subscriptions: [
            line('b', 1, '2026-01-01'),
            line('B', 1, '2026-01-01'),
            line('a10', 1, '2026-01-01'),
            line('a9', 1, '2026-01-01'),
            line('gone', 1, '2025-01-01', '2026-01-01'),
          ],
        }),
        EXAMPLE_AS_OF,
        settings(),
      ),
    );
    expect(doc.accounts!.map((a) => a.accountId)).toEqual(['B', 'a10', 'a9', 'b']);
    expect(doc.accounts![0]).toMatchObject({
      arr: 1,
      health: null,
      band: null,
      usageTrend: null,
      utilization: null,
      components: [],
    });
  });

  it('puts segments (without their account lists) and the trend under extra keys', () => {
    const data = workedExample();
    const r = computeKpis(data, EXAMPLE_AS_OF, settings());
    const doc = toKpiJson(r, {
      segments: computeSegmentKpis(data, EXAMPLE_AS_OF, settings()),
      trend: computeTrend(data, EXAMPLE_AS_OF, settings()),
    });
    expect(Object.keys(doc.segments!)).toEqual(['Enterprise', 'Mid-Market', 'SMB', 'Unassigned']);
    expect(doc.segments!.SMB).toMatchObject({ segment: 'SMB', arrBridge: { close: 72000 } });
    expect(doc.segments!.SMB).not.toHaveProperty('accounts');
    expect(doc.trend!.weeks).toHaveLength(13);
    expect(doc.trend!.deltas.closingArr).toBe(30000);
    expect(doc.trend!.weeks[12]!.closingArr).toBe(322000);
  });

  it('nulls CAC when spend is missing and keeps LTV', () => {
    const doc = toKpiJson(
      computeKpis(
        dataset({ subscriptions: [line('A', 100, '2024-01-01')], spend: spendMonths('2025-12', 11, 1) }),
        EXAMPLE_AS_OF,
        settings(),
      ),
    );
    expect(doc.unitEconomics.cac).toBeNull();
    expect(doc.unitEconomics.ltv).toBe(400);
  });
});

describe('as-of and settings', () => {
  it('resolves a date to the last complete week ending on or before it', () => {
    expect(resolveAsOf('2026-11-23', 1)).toBe('2026-11-22'); // Monday -> the Sunday before
    expect(resolveAsOf('2026-11-22', 1)).toBe('2026-11-22'); // Sunday -> itself
    expect(resolveAsOf('2026-11-21', 1)).toBe('2026-11-15');
    expect(resolveAsOf('2026-11-02', 1)).toBe('2026-11-01'); // DST weekend in New York: nothing shifts
    expect(resolveAsOf('2026-11-23', 7)).toBe('2026-11-21'); // weeks starting Sunday end on Saturday
  });

  it('rejects an asOf that is not a calendar date', () => {
    expect(() => computeKpis(emptyDataset(), '2026-02-30', settings())).toThrow(RangeError);
  });

  it('reads the settings from the Pulse config', () => {
    const config = parseConfig({
      company: {
        name: 'X',
        timezone: 'America/New_York',
        weekStartsOn: 'sunday',
        fiscalYearStartMonth: 2,
        currency: 'EUR',
      },
      metrics: { grossMargin: 0.7, ltvMaxYears: 4 },
      recipients: { ceo: ['a@b.co'], cco: ['a@b.co'] },
      sender: { from: 'a@b.co' },
    });
    expect(kpiSettingsFrom(config)).toEqual({
      currency: 'EUR',
      weekStartsOn: 7,
      fiscalYearStartMonth: 2,
      grossMargin: 0.7,
      ltvMaxYears: 4,
      healthWeights: { utilization: 0.3, usageTrend: 0.3, support: 0.2, nps: 0.2 },
    });
  });
});
