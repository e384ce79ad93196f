// The weekly report's view model: numbers equal the KPI engine's, movers reconcile with the
// bridge, changes carry the right meaning, the summary is deterministic.
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../functions/domain/dates';
import { DEFAULT_KPI_SETTINGS, prepareKpiContext, toKpiJson, kpisAt } from '../../../functions/domain/kpi';
import {
  accountMovements,
  buildWeeklyReportView,
  changeOf,
  computeWeeklyReportData,
  createFormatter,
  renderSubject,
  weeklyReportInput,
  type WeeklyReportView,
} from '../../../functions/domain/report';
import { demoDataset } from './demo-dataset';

const ASOF = '2026-11-22';
const data = demoDataset();
const computed = computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, ASOF);
const opts = {
  companyName: 'Northwind Cloud',
  locale: 'en-US',
  subjectTemplate: '{{company}} weekly: ARR {{closingArr}} ({{netChange}}) · {{range}}',
  archive: { label: 's3://a/weekly/2026-W47/', url: null },
};
/** Intl uses narrow and non-breaking spaces; compare with plain ones. */
const norm = (s: string) => s.replace(/[\u00a0\u202f\u2009]/g, ' ');
const view: WeeklyReportView = buildWeeklyReportView(weeklyReportInput(computed, opts));

describe('weekly report view model', () => {
  it('prints the same figures as `pulse kpis` for the week', () => {
    const k = toKpiJson(computed.company);
    const h = Object.fromEntries(view.headline.map((x) => [x.id, x.value]));
    expect(h.closingArr! / 100).toBe(k.arrBridge.close);
    expect(h.nrr).toBe(k.retention.nrr);
    expect(h.grr).toBe(k.retention.grr);
    expect(h.customers).toBe(k.customers.close);
    expect(h.arrAtRisk! / 100).toBe(k.health.arrAtRisk);
    expect(h.nps).toBe(k.voice.nps);
    const rows = Object.fromEntries(view.bridge.rows.map((r) => [r.label, r.amount / 100]));
    expect(rows).toEqual({
      'Opening ARR': k.arrBridge.open,
      New: k.arrBridge.new,
      Reactivation: k.arrBridge.reactivation,
      Expansion: k.arrBridge.expansion,
      Contraction: -k.arrBridge.contraction,
      Churn: -k.arrBridge.churn,
      'Closing ARR': k.arrBridge.close,
    });
    expect(view.renewals.rows.map((r) => r.count)).toEqual([
      k.renewals.overdue.count,
      k.renewals.upcoming30.count,
      k.renewals.upcoming60.count,
      k.renewals.upcoming90.count,
    ]);
  });

  it('per-account movements add up to the bridge, every week of a quarter', () => {
    const ctx = prepareKpiContext(data, DEFAULT_KPI_SETTINGS);
    for (let w = 0; w < 13; w++) {
      const asOf = addDays(ASOF, -7 * w);
      const bridge = kpisAt(ctx, asOf).arrBridge;
      const sums = { new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0 };
      for (const m of accountMovements(ctx, addDays(asOf, -6), asOf)) {
        expect(m.amount).toBeGreaterThan(0);
        sums[m.kind] += m.amount;
      }
      expect(sums).toEqual({
        new: bridge.new,
        reactivation: bridge.reactivation,
        expansion: bridge.expansion,
        contraction: bridge.contraction,
        churn: bridge.churn,
      });
    }
  });

  it('ranks renewal risks by ARR: red or yellow, renewal within the window, at most five, with reason and owner', () => {
    expect(view.risks.rows.length).toBeGreaterThan(0);
    expect(view.risks.rows.length).toBeLessThanOrEqual(5);
    const arrs = view.risks.rows.map((r) => r.arr);
    expect([...arrs].sort((a, b) => b - a)).toEqual(arrs);
    for (const r of view.risks.rows) {
      expect(['red', 'yellow']).toContain(r.band);
      expect(r.reason.length).toBeGreaterThan(3);
      expect(r.daysToRenewal!).toBeLessThanOrEqual(90);
    }
    expect(view.risks.total).toBeGreaterThanOrEqual(view.risks.rows.length);
  });

  it('splits movers into gains (positive) and losses (negative), largest first', () => {
    for (const g of view.movers.gains) expect(g.amount).toBeGreaterThan(0);
    for (const l of view.movers.losses) expect(l.amount).toBeLessThan(0);
    const mags = view.movers.gains.map((g) => g.amount);
    expect([...mags].sort((a, b) => b - a)).toEqual(mags);
  });

  it('gives each change its meaning: ARR at risk going up is bad, ARR going up is good', () => {
    expect(changeOf(100, 'money', false)).toMatchObject({ direction: 'up', tone: 'bad', arrow: '▲' });
    expect(changeOf(-100, 'money', true)).toMatchObject({ direction: 'down', tone: 'bad', arrow: '▼' });
    expect(changeOf(0.00001, 'percent', true)).toMatchObject({ direction: 'flat', tone: 'neutral' });
    expect(changeOf(null, 'count', true)).toBeNull();
    const risk = view.headline.find((h) => h.id === 'arrAtRisk')!;
    if (risk.change && risk.change.direction !== 'flat')
      expect(risk.change.tone).toBe(risk.change.direction === 'up' ? 'bad' : 'good');
  });

  it('health bar widths add up to 100', () => {
    expect(view.health.slices.reduce((s, x) => s + x.widthPercent, 0)).toBe(100);
  });

  it('writes the same summary for the same week, with the figures in it', () => {
    const again = buildWeeklyReportView(
      weeklyReportInput(computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, ASOF), opts),
    );
    expect(again.summary).toBe(view.summary);
    const f = createFormatter('en-US', 'USD');
    expect(view.summary).toContain(`Closing ARR is ${f.money(computed.company.arrBridge.close)}`);
    expect(view.summary).toContain(f.percent(computed.company.retention.nrr));
    expect(view.summary).not.toMatch(/undefined|NaN|null/);
    expect(view.meta.preheader).toMatch(/^ARR \$/);
  });

  it('fills the subject template and keeps it on one line', () => {
    expect(norm(view.subject)).toBe(
      `Northwind Cloud weekly: ARR ${createFormatter('en-US', 'USD').moneyCompact(computed.company.arrBridge.close)} (${createFormatter('en-US', 'USD').delta(computed.company.arrBridge.close - computed.company.arrBridge.open, 'moneyCompact')}) · Nov 16 – 22, 2026`,
    );
    expect(renderSubject('{{company}} report', { company: 'Evil\r\nBcc: x@y.example\u0000' })).toBe(
      'Evil Bcc: x@y.example report',
    );
    expect(renderSubject('{{unknown}} {{company}}', { company: '{{company}}' })).toBe('{{unknown}} {{company}}');
  });

  it('formats in the configured locale and currency', () => {
    const de = createFormatter('de-DE', 'EUR');
    expect(norm(de.money(123456789))).toBe('1.234.568 €');
    expect(norm(de.percent(1.0425))).toBe('104,3 %');
    expect(norm(de.delta(-0.0042, 'percent'))).toBe('-0,4 pts');
    expect(createFormatter('en-US', 'USD').delta(0, 'money')).toBe('$0');
    expect(createFormatter('en-GB', 'GBP').date('2026-11-22')).toBe('22 Nov 2026');
  });
});
