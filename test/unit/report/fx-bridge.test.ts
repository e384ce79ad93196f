// The report's bridge with other currencies: the fx movement gets a table row, a waterfall bar and
// a sentence only when exchange rates moved ARR; renewals in the report are in the reporting currency.
import { describe, expect, it } from 'vitest';
import { waterfallAlt, waterfallLayout } from '../../../functions/adapters/render/chart-specs';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import {
  accountMovements,
  buildWeeklyReportView,
  computeWeeklyReportData,
  createFormatter,
  FX_ROW_LABEL,
  summarize,
  weeklyReportInput,
} from '../../../functions/domain/report';
import { prepareKpiContext } from '../../../functions/domain/kpi';
import { account, currencyLine as line, dataset } from '../kpi/builders';

// ACME's 10,000 EUR contract (at 1.10) renewed on 11-18 as 12,000 EUR (at 1.05): expansion 2,100, fx -500.
const data = dataset({
  accounts: [account('ACME', 'Enterprise'), account('BOLT', 'SMB')],
  subscriptions: [
    line('E1', 'ACME', 1_000_000, '2026-01-05', 'EUR', '2026-11-18'),
    line('E2', 'ACME', 1_200_000, '2026-11-18', 'EUR'),
    line('U1', 'BOLT', 300_000, '2026-03-02'),
  ],
  renewals: [
    { renewalId: 'R1', accountId: 'ACME', dueDate: '2026-12-15', arrUp: 1_200_000, status: 'open', currency: 'EUR' },
  ],
  fx_rates: [
    { date: '2026-01-02', currency: 'EUR', rate: '1.10' },
    { date: '2026-11-17', currency: 'EUR', rate: '1.05' },
  ],
});
const opts = {
  companyName: 'Acme',
  locale: 'en-US',
  subjectTemplate: '{{company}}',
  archive: { label: 'x', url: null },
};
const viewAt = (asOf: string) =>
  buildWeeklyReportView(weeklyReportInput(computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, asOf), opts));

describe('report bridge with fx', () => {
  it('adds an exchange-rates row before Closing ARR, and the rows still add up', () => {
    const v = viewAt('2026-11-22');
    expect(v.bridge.rows.map((r) => [r.label, r.amount])).toEqual([
      ['Opening ARR', 1_400_000],
      ['New', 0],
      ['Reactivation', 0],
      ['Expansion', 210_000],
      ['Contraction', -0],
      ['Churn', -0],
      [FX_ROW_LABEL, -50_000],
      ['Closing ARR', 1_560_000],
    ]);
    expect(v.bridge.rows.find((r) => r.label === FX_ROW_LABEL)?.kind).toBe('decrease');
    const moves = v.bridge.rows.filter((r) => r.kind !== 'total').reduce((s, r) => s + r.amount, 0);
    expect(1_400_000 + moves).toBe(1_560_000);
    expect(v.bridge.qtd).toMatchObject({ fx: -50_000, gains: 210_000, losses: 0, netChange: 160_000 });
    expect(summarize(v, createFormatter('en-US', 'USD'))).toContain(
      'New exchange rates on renewed contracts moved ARR by -$500.',
    );
  });

  it('shows no fx row (and no sentence) in a week where rates moved nothing', () => {
    const v = viewAt('2026-11-15');
    expect(v.bridge.rows.map((r) => r.label)).not.toContain(FX_ROW_LABEL);
    expect(summarize(v, createFormatter('en-US', 'USD'))).not.toContain('exchange rates');
  });

  it('says in the data-quality footer how many rows no rate converts', () => {
    expect(viewAt('2026-11-22').meta.unconverted).toEqual({ count: 0, currencies: '' });
    const missing = dataset({
      ...data,
      subscriptions: [...data.subscriptions, line('X1', 'BOLT', 100_000, '2026-03-02', 'CHF')],
    });
    const v = buildWeeklyReportView(
      weeklyReportInput(computeWeeklyReportData(missing, DEFAULT_KPI_SETTINGS, '2026-11-22'), opts),
    );
    expect(v.meta.unconverted).toEqual({ count: 1, currencies: 'CHF' });
  });

  it("lists the open EUR renewal in reporting cents (at its due date's rate)", () => {
    const d = computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, '2026-11-22');
    expect(d.renewals).toMatchObject([
      { renewalId: 'R1', arrUp: 1_260_000, fx: { currency: 'EUR', arrUp: 1_200_000, rate: '1.05' } },
    ]);
  });

  it("movers are classified as the bridge classifies them (from o'), so they reconcile", () => {
    const ctx = prepareKpiContext(data, DEFAULT_KPI_SETTINGS);
    expect(accountMovements(ctx, '2026-11-16', '2026-11-22')).toMatchObject([
      { accountId: 'ACME', kind: 'expansion', amount: 210_000 },
    ]);
  });
});

describe('waterfall with fx', () => {
  const base = {
    open: 1_400_000,
    new: 0,
    reactivation: 0,
    expansion: 210_000,
    contraction: 0,
    churn: 0,
    close: 1_560_000,
  };
  const USD = { currency: 'USD', locale: 'en-US' };

  it('draws a signed FX bar before Close only when fx is non-zero', () => {
    const withFx = waterfallLayout({ ...base, fx: -50_000 }, USD);
    expect(withFx.bars.map((b) => b.key)).toEqual([
      'open',
      'new',
      'reactivation',
      'expansion',
      'contraction',
      'churn',
      'fx',
      'close',
    ]);
    expect(withFx.bars.find((b) => b.key === 'fx')).toMatchObject({
      kind: 'decrease',
      value: -50_000,
      lo: 1_560_000,
      hi: 1_610_000,
      text: '-$500',
    });
    expect(waterfallAlt({ ...base, fx: -50_000 }, USD)).toContain('fx -$500');
    const none = waterfallLayout({ ...base, expansion: 160_000, fx: 0 }, USD);
    expect(none.bars.map((b) => b.key)).not.toContain('fx');
  });
});
