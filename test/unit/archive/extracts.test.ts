// The extracts reconcile with the KPIs they sit beside: per-account movements sum to the bridge
// exactly (every week and quarter to date of the demo history), the ledgers to the renewal and
// expansion figures, the account list to the closing ARR.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import {
  arrMovements,
  buildExtracts,
  movementResidual,
  toCsv,
  toXlsx,
  weeklyPeriods,
  workbookExtracts,
  COHORT_AGES,
  MOVEMENT_TYPES,
} from '../../../functions/domain/archive';
import { addDays, lastCompleteWeekEnd } from '../../../functions/domain/dates';
import { kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { demoDataset, SETTINGS } from './fixtures';

const data = demoDataset('2026-11-23');
const ctx = prepareKpiContext(data, SETTINGS);
const lastWeek = lastCompleteWeekEnd('2026-11-23', 1);
const zero = { new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, fx: 0 };
const toCents = (s: string) => Math.round(Number(s) * 100);

describe('per-account ARR movements', () => {
  it('sum to the week and quarter-to-date bridges exactly, every week of two years', () => {
    let moved = 0;
    for (let i = 0; i < 104; i++) {
      const r = kpisAt(ctx, addDays(lastWeek, -7 * i));
      for (const b of [r.arrBridge, r.arrBridgeQtd]) {
        const m = arrMovements(ctx.timeline, b.from, b.to);
        moved += m.length;
        expect(movementResidual(m, b), `${b.from}..${b.to}`).toEqual(zero);
        // and each account's own movements take it from its opening to its closing ARR
        const net = m.reduce((s, x) => s + x.arrAfter - x.arrBefore, 0);
        expect(net).toBe(b.close - b.open);
      }
    }
    expect(moved).toBeGreaterThan(100);
  });

  it('reconcile through the CSV too: amounts parsed back, grouped by period and movement, equal the bridge', () => {
    const r = kpisAt(ctx, lastWeek);
    const e = buildExtracts(ctx, r, weeklyPeriods(r), SETTINGS.fiscalYearStartMonth);
    const rows = parse(toCsv(e.arrBridge), { bom: true, columns: true }) as Record<string, string>[];
    for (const [period, bridge] of [
      ['week', r.arrBridge],
      ['qtd', r.arrBridgeQtd],
    ] as const) {
      for (const t of MOVEMENT_TYPES) {
        const sum = rows
          .filter((x) => x.period === period && x.movement === t)
          .reduce((s, x) => s + toCents(x.amount!), 0);
        expect(sum, `${period} ${t}`).toBe(bridge[t]);
      }
    }
  });
});

describe('ledgers', () => {
  const r = kpisAt(ctx, lastWeek);
  const e = buildExtracts(ctx, r, weeklyPeriods(r), SETTINGS.fiscalYearStartMonth);
  const sum = <T>(rows: readonly T[], f: (x: T) => number | undefined) => rows.reduce((s, x) => s + (f(x) ?? 0), 0);

  it('renewals: the windows, overdue, closed this week and the trailing-90 set add up to the KPIs', () => {
    const open = e.renewals.rows.filter((x) => x.status === 'open');
    expect(
      sum(
        open.filter((x) => x.window === 'overdue'),
        (x) => x.arrUp,
      ),
    ).toBe(r.renewals.overdue.arr);
    expect(
      sum(
        open.filter((x) => x.daysToDue > 0 && x.daysToDue <= 90),
        (x) => x.arrUp,
      ),
    ).toBe(r.renewals.upcoming90.arr);
    expect(open.filter((x) => x.daysToDue > 0 && x.daysToDue <= 30).length).toBe(r.renewals.upcoming30.count);
    const week = e.renewals.rows.filter((x) => x.closedThisWeek);
    expect(
      sum(
        week.filter((x) => x.status === 'renewed'),
        (x) => x.renewedArr,
      ),
    ).toBe(r.renewals.renewedThisWeek.arr);
    expect(
      sum(
        week.filter((x) => x.status === 'churned'),
        (x) => x.arrUp,
      ),
    ).toBe(r.renewals.churnedThisWeek.arr);
    const t90 = e.renewals.rows.filter((x) => x.inTrailing90d);
    expect(sum(t90, (x) => x.arrUp)).toBe(r.renewals.trailing90.due.arr);
    expect(sum(t90, (x) => x.renewedArrCapped)).toBe(r.renewals.trailing90.renewedArrCapped);
  });

  it('expansion: won this week and the pipeline add up to the KPIs; win rate from the flags', () => {
    expect(
      sum(
        e.expansion.rows.filter((x) => x.wonThisWeek),
        (x) => x.arr,
      ),
    ).toBe(r.expansion.wonThisWeek.arr);
    expect(
      sum(
        e.expansion.rows.filter((x) => x.inPipeline),
        (x) => x.arr,
      ),
    ).toBe(r.expansion.pipeline.arr);
    const inRate = e.expansion.rows.filter((x) => x.inWinRate90d);
    expect(inRate.filter((x) => x.stage === 'won').length).toBe(r.expansion.won90d);
    expect(inRate.filter((x) => x.stage === 'lost').length).toBe(r.expansion.lost90d);
  });

  it('accounts: every customer once, ARR summing to the closing ARR, health with its components', () => {
    expect(e.accounts.rows.length).toBe(r.customers.close);
    expect(sum(e.accounts.rows, (x) => x.arr)).toBe(r.arrBridge.close);
    const scored = e.accounts.rows.find((x) => x.health !== null)!;
    const weights = Object.values(scored.components).reduce((s, c) => s + c!.weight, 0);
    expect(weights).toBeCloseTo(1, 9);
    expect(e.accounts.rows.every((x) => x.name && x.segment)).toBe(true);
  });
});

describe('cohorts.csv and the Cohorts sheet', () => {
  const r = kpisAt(ctx, lastWeek);
  const e = buildExtracts(ctx, r, weeklyPeriods(r), SETTINGS.fiscalYearStartMonth);

  it('hold the logo triangle then the revenue triangle, every cohort oldest first, equal to the KPIs', () => {
    const rows = parse(toCsv(e.cohorts), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2 * r.cohorts.length);
    expect(rows.map((x) => `${x.view} ${x.cohort_month}`)).toEqual([
      ...r.cohorts.map((c) => `logo ${c.month}`),
      ...r.cohorts.map((c) => `revenue ${c.month}`),
    ]);
    expect(r.cohorts.some((c) => c.customers > 0 && c.logo.length > 3)).toBe(true);
    for (const [i, x] of rows.entries()) {
      const c = r.cohorts[i % r.cohorts.length]!;
      const series = x.view === 'logo' ? c.logo : c.revenue;
      expect(Number(x.customers)).toBe(c.customers);
      expect(toCents(x.base_arr!)).toBe(c.baseArr);
      for (let k = 0; k < COHORT_AGES; k++) {
        const cell = x[`month_${k}`]!;
        if (k < series.length) expect(Number(cell), `${x.view} ${x.cohort_month} month_${k}`).toBe(series[k]);
        else expect(cell, `${x.view} ${x.cohort_month} month_${k}`).toBe('');
      }
    }
  });

  it('is a sheet of the workbook with percentages', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      (await toXlsx(workbookExtracts(e), {
        title: 'Pulse',
        generatedAt: '2026-11-23T08:00:00Z',
        currency: 'USD',
      })) as unknown as Parameters<typeof wb.xlsx.load>[0],
    );
    const ws = wb.getWorksheet('Cohorts')!;
    expect(ws.getRow(1).values).toEqual([
      undefined,
      'view',
      'cohort_month',
      'customers',
      'base_arr',
      ...Array.from({ length: COHORT_AGES }, (_, k) => `month_${k}`),
    ]);
    expect(ws.rowCount).toBe(1 + 2 * r.cohorts.length);
    const first = r.cohorts.findIndex((c) => c.customers > 0);
    const row = ws.getRow(2 + first);
    expect(row.getCell(2).value).toBe(r.cohorts[first]!.month);
    expect(row.getCell(5).value).toBe(1);
    expect(row.getCell(5).numFmt).toBe('0.00%');
  });
});
