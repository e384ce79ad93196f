// Multi-currency: conversion at each row's own date (exact, half-up to the cent), rows without a
// rate left out and listed, and the bridge's fx movement (docs/metrics.md, "Multi-currency").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FxRate, Subscription } from '../../../functions/domain/contract/entities';
import { RowValidator, type Dataset } from '../../../functions/domain/contract/validate';
import { addDays, fiscalQuarterOf } from '../../../functions/domain/dates';
import { add, compare, fromInt, sub, type Ratio } from '../../../functions/domain/exact';
import { convertDataset, convertMinorUnits, FxRateTable, unconvertedRows } from '../../../functions/domain/fx';
import {
  bridgeResidual,
  computeBridge,
  computeKpis,
  computeSegmentKpis,
  toKpiJson,
} from '../../../functions/domain/kpi';
import { ArrTimeline } from '../../../functions/domain/kpi/timeline';
import { account, currencyLine as line, dataset, settings } from './builders';

const rate = (date: string, currency: string, r: string): FxRate => ({ date, currency, rate: r });

describe('conversion', () => {
  it('multiplies minor units by the exact rate and rounds half-up to the cent once (no float drift)', () => {
    expect(convertMinorUnits(1005, 'EUR', '1.5')).toBe(1508); // 10.05 x 1.5 = 15.075 -> 15.08
    expect(convertMinorUnits(1001, 'EUR', '1.5')).toBe(1502); // 15.015 -> 15.02 (a float gives 15.014999...)
    expect(convertMinorUnits(12_000, 'JPY', '0.006612')).toBe(7934); // 12000 yen x 0.006612 = 79.344
    expect(convertMinorUnits(75, 'JPY', '0.0066')).toBe(50); // 0.495 -> 0.50
    expect(convertMinorUnits(1_500_125, 'KWD', '3.2561')).toBe(488_456); // 1500.125 x 3.2561 = 4884.557...
    expect(convertMinorUnits(1, 'KWD', '5')).toBe(1); // 0.001 x 5 = 0.005 -> 0.01
    expect(convertMinorUnits(900_719_925_474_099, 'EUR', '1000')).toBeNull(); // beyond exact cents
  });

  it("takes the latest rate on or before the date: a Saturday start uses Friday's rate", () => {
    const t = new FxRateTable([
      rate('2026-01-09', 'EUR', '1.0900'),
      rate('2026-01-12', 'EUR', '1.1000'),
      rate('2026-01-09', 'EUR', '1.0950'),
    ]);
    expect(t.rateOn('EUR', '2026-01-10')).toEqual({ rate: '1.0950', date: '2026-01-09' }); // the later row for the same day
    expect(t.rateOn('eur', '2026-01-11')).toEqual({ rate: '1.0950', date: '2026-01-09' });
    expect(t.rateOn('EUR', '2026-01-12')).toEqual({ rate: '1.1000', date: '2026-01-12' });
    expect(t.rateOn('EUR', '2026-01-08')).toBeUndefined();
    expect(t.rateOn('GBP', '2026-01-12')).toBeUndefined();
  });

  it('validates mixed-case codes and converts every row at its own date; rows with no earlier rate are left out and listed', () => {
    const v = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
    const ok = <T>(r: { ok: boolean; record?: T }): T => {
      expect(r.ok).toBe(true);
      return r.record as T;
    };
    const data: Dataset = dataset({
      subscriptions: [
        ok(
          v.validate('subscriptions', {
            line_id: 'L1',
            account_id: 'A',
            arr: '10000',
            start_date: '2026-01-10',
            currency: 'eur',
          }),
        ),
        ok(
          v.validate('subscriptions', {
            line_id: 'L2',
            account_id: 'B',
            arr: '1200000',
            start_date: '2026-01-12',
            currency: 'Jpy',
          }),
        ),
        ok(
          v.validate('subscriptions', {
            line_id: 'L3',
            account_id: 'C',
            arr: '500.125',
            start_date: '2026-01-12',
            currency: 'kwd',
          }),
        ),
        ok(
          v.validate('subscriptions', {
            line_id: 'L4',
            account_id: 'D',
            arr: '700',
            start_date: '2026-01-05',
            currency: 'GBP',
          }),
        ),
        ok(
          v.validate('subscriptions', {
            line_id: 'L5',
            account_id: 'E',
            arr: '800',
            start_date: '2026-01-05',
            currency: 'usd',
          }),
        ),
      ],
      renewals: [
        ok(
          v.validate('renewals', {
            renewal_id: 'R1',
            account_id: 'A',
            due_date: '2026-01-11',
            arr_up: '10000',
            status: 'renewed',
            closed_date: '2026-01-11',
            renewed_arr: '11000.50',
            currency: 'EUR',
          }),
        ),
      ],
      expansions: [
        ok(
          v.validate('expansions', {
            opportunity_id: 'O1',
            account_id: 'A',
            type: 'upsell',
            arr: '1000',
            stage: 'won',
            created_date: '2026-01-12',
            close_date: '2026-01-20',
            currency: 'EUR',
          }),
        ),
        ok(
          v.validate('expansions', {
            opportunity_id: 'O2',
            account_id: 'A',
            type: 'upsell',
            arr: '1000',
            stage: 'open',
            close_date: '2026-01-09',
            currency: 'EUR',
          }),
        ),
        ok(
          v.validate('expansions', {
            opportunity_id: 'O3',
            account_id: 'A',
            type: 'upsell',
            arr: '1000',
            stage: 'open',
            currency: 'EUR',
          }),
        ),
      ],
      fx_rates: [
        ok(v.validate('fx_rates', { date: '2026-01-09', currency: 'eur', rate: '1.0950' })),
        ok(v.validate('fx_rates', { date: '2026-01-12', currency: 'EUR', rate: '1.1000' })),
        ok(v.validate('fx_rates', { date: '2026-01-09', currency: 'JPY', rate: '0.006612' })),
        ok(v.validate('fx_rates', { date: '2026-01-09', currency: 'KWD', rate: '3.2561' })),
        ok(v.validate('fx_rates', { date: '2026-01-06', currency: 'GBP', rate: '1.27' })),
      ],
    });
    const out = convertDataset(data, 'USD');
    expect(out.subscriptions).toEqual([
      {
        lineId: 'L1',
        accountId: 'A',
        kind: 'recurring',
        arr: 1_095_000,
        startDate: '2026-01-10',
        fx: { currency: 'EUR', rate: '1.0950', rateDate: '2026-01-09', arr: 1_000_000 },
      },
      {
        lineId: 'L2',
        accountId: 'B',
        kind: 'recurring',
        arr: 793_440,
        startDate: '2026-01-12',
        fx: { currency: 'JPY', rate: '0.006612', rateDate: '2026-01-09', arr: 1_200_000 },
      },
      {
        lineId: 'L3',
        accountId: 'C',
        kind: 'recurring',
        arr: 162_846,
        startDate: '2026-01-12',
        fx: { currency: 'KWD', rate: '3.2561', rateDate: '2026-01-09', arr: 500_125 },
      },
      { lineId: 'L5', accountId: 'E', kind: 'recurring', arr: 80_000, startDate: '2026-01-05' },
    ]);
    // The renewal at its due date (Sunday: Friday's rate), both amounts at the same rate.
    expect(out.renewals[0]).toMatchObject({
      arrUp: 1_095_000,
      renewedArr: 1_204_555,
      fx: { currency: 'EUR', rate: '1.0950', arrUp: 1_000_000, renewedArr: 1_100_050 },
    });
    // An expansion at its created date, else its close date; with neither it cannot be converted.
    expect(out.expansions.map((e) => [e.opportunityId, e.arr])).toEqual([
      ['O1', 110_000],
      ['O2', 109_500],
    ]);
    expect(unconvertedRows(out)).toEqual([
      {
        entity: 'subscriptions',
        id: 'L4',
        accountId: 'D',
        currency: 'GBP',
        date: '2026-01-05',
        amount: '700.00',
        reason: 'no GBP rate on or before 2026-01-05 (the first is 2026-01-06)',
      },
      {
        entity: 'expansions',
        id: 'O3',
        accountId: 'A',
        currency: 'EUR',
        amount: '1000.00',
        reason: 'no created_date or close_date to take the rate at',
      },
    ]);
    // Converting again changes nothing; a dataset in one currency comes back as it is.
    expect(convertDataset(out, 'USD').subscriptions).toEqual(out.subscriptions);
    const plain = dataset({ subscriptions: [line('X', 'A', 100, '2026-01-01')] });
    expect(convertDataset(plain, 'USD')).toBe(plain);
  });

  it('never converts at 1: an unconverted line is out of ARR and listed in the KPI result and its JSON, per segment too', () => {
    const data = dataset({
      accounts: [account('A', 'Enterprise'), account('B', 'SMB')],
      subscriptions: [
        line('L1', 'A', 1_000_000, '2026-01-05', 'EUR'),
        line('L2', 'B', 500_000, '2026-01-05', 'CHF'),
        line('L3', 'B', 100_000, '2026-01-05'),
      ],
      fx_rates: [rate('2026-01-02', 'EUR', '1.1')],
    });
    const r = computeKpis(data, '2026-01-11', settings());
    expect(r.arrBridge.close).toBe(1_100_000 + 100_000);
    const json = toKpiJson(r);
    expect(json.unconverted).toEqual([
      {
        entity: 'subscriptions',
        id: 'L2',
        accountId: 'B',
        currency: 'CHF',
        date: '2026-01-05',
        amount: '5000.00',
        reason: 'no fx_rates row for CHF',
      },
    ]);
    const seg = computeSegmentKpis(data, '2026-01-11', settings());
    expect(seg.get('SMB')!.unconverted.map((u) => u.id)).toEqual(['L2']);
    expect(seg.get('Enterprise')!.unconverted).toEqual([]);
  });
});

describe('the fx movement', () => {
  // docs/metrics.md, worked example: a EUR contract renewed bigger at a lower rate.
  const example = () =>
    dataset({
      accounts: [account('ACME'), account('BOLT')],
      subscriptions: [
        line('E1', 'ACME', 1_000_000, '2026-01-05', 'EUR', '2026-11-18'),
        line('E2', 'ACME', 1_200_000, '2026-11-18', 'EUR'),
        line('G1', 'BOLT', 800_000, '2026-03-02', 'GBP', '2026-11-20'),
        line('U1', 'BOLT', 300_000, '2026-03-02'),
      ],
      fx_rates: [
        rate('2026-01-02', 'EUR', '1.10'),
        rate('2026-11-17', 'EUR', '1.05'),
        rate('2026-02-27', 'GBP', '1.25'),
        rate('2026-11-20', 'GBP', '1.40'),
      ],
    });

  it("values yesterday's lines at today's rates, classifies against today, and puts the rate effect in fx", () => {
    const b = computeKpis(example(), '2026-11-22', settings()).arrBridge;
    // ACME on 11-18: o = 11,000 (10,000 EUR at 1.10), c = 12,600 (12,000 EUR at 1.05), rho = 1.05,
    // o' = 10,500: expansion 2,100 and fx -500. BOLT on 11-20 drops its GBP line: c_GBP = 0, so
    // rho = its own rate and o' = o: a contraction of 10,000, no fx (the new GBP rate never applies).
    expect(b).toEqual({
      from: '2026-11-16',
      to: '2026-11-22',
      open: 2_400_000,
      new: 0,
      reactivation: 0,
      expansion: 210_000,
      contraction: 1_000_000,
      churn: 0,
      fx: -50_000,
      close: 1_560_000,
    });
    expect(bridgeResidual(b)).toBe(0);
  });

  it("goes with each account into its segment: the segments' bridges add up to the company's", () => {
    const data = example();
    data.accounts = [account('ACME', 'Enterprise'), account('BOLT', 'SMB')];
    const company = computeKpis(data, '2026-11-22', settings());
    const segments = [...computeSegmentKpis(data, '2026-11-22', settings()).values()];
    expect(segments.map((s) => [s.segment, s.arrBridge.fx, s.arrBridgeQtd.fx])).toEqual([
      ['Enterprise', -50_000, -50_000],
      ['SMB', 0, 0],
    ]);
    for (const key of ['open', 'expansion', 'contraction', 'fx', 'close'] as const) {
      expect(
        segments.reduce((s, r) => s + r.arrBridge[key], 0),
        key,
      ).toBe(company.arrBridge[key]);
    }
    // The JSON of a stored snapshot carries fx for the company, the quarter and each segment.
    const json = toKpiJson(company, { segments: new Map(segments.map((s) => [s.segment!, s])) });
    expect([json.arrBridge.fx, json.arrBridgeQtd.fx, json.segments!.Enterprise!.arrBridge.fx]).toEqual([
      -500, -500, -500,
    ]);
  });

  it('is 0 with one currency, and unchanged when a foreign line simply runs on', () => {
    const r = computeKpis(example(), '2026-11-15', settings());
    expect(r.arrBridge.fx).toBe(0);
    const usdOnly = computeKpis(
      dataset({ subscriptions: [line('A', 'A', 100, '2026-11-16'), line('B', 'A', 50, '2026-11-18')] }),
      '2026-11-22',
      settings(),
    );
    expect(usdOnly.arrBridge).toMatchObject({ new: 100, expansion: 50, fx: 0 });
  });

  it('keeps fractions of a cent exact and rounds once: the printed bridge still adds up', () => {
    // 1,000.00 EUR at 1.23456 -> 1,234.56; renewed as 1,100.00 EUR at 1.23457 -> 1,358.03.
    // rho = 135,803 / 110,000, o' = 100,000 x rho = 123,457.2727... cents.
    const data = dataset({
      subscriptions: [
        line('E1', 'A', 100_000, '2026-01-05', 'EUR', '2026-11-18'),
        line('E2', 'A', 110_000, '2026-11-18', 'EUR'),
      ],
      fx_rates: [rate('2026-01-05', 'EUR', '1.23456'), rate('2026-11-18', 'EUR', '1.23457')],
    });
    const week = computeBridge(new ArrTimeline(convertDataset(data, 'USD').subscriptions), '2026-11-16', '2026-11-22');
    expect(week.exact.fx).toEqual({ num: 14n, den: 11n }); // 1,358,030 / 11 - 123,456 = 1.2727 cents
    expect(week.exact.expansion).toEqual({ num: 135_803n, den: 11n }); // 135,803 - 1,358,030 / 11 = 12,345.7272...
    expect(week.bridge).toMatchObject({ open: 123_456, expansion: 12_346, fx: 1, close: 135_803 });
    expect(bridgeResidual(week.bridge)).toBe(0);
  });
});

// ---- the identity over generated multi-currency histories --------------------------------------

const BASE = '2026-01-05'; // a Monday
const SPAN = 300;
const day = (n: number) => addDays(BASE, n);
const CURRENCIES = [undefined, 'EUR', 'GBP', 'JPY', 'KWD'] as const;

const historyArb = fc
  .record({
    lines: fc.array(
      fc.record({
        accountId: fc.constantFrom('A', 'B', 'C', 'D'),
        currency: fc.constantFrom(...CURRENCIES),
        arr: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9_000_000 })),
        start: fc.integer({ min: 0, max: SPAN - 1 }),
        length: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        // Most lines are renewed (replaced) once or more, the case the fx movement is about.
        renewals: fc.array(
          fc.record({ after: fc.integer({ min: 1, max: 60 }), factor: fc.constantFrom(1, 1, 1.07, 0.8, 0) }),
          { minLength: 1, maxLength: 4 },
        ),
        renewed: fc.boolean(),
      }),
      { maxLength: 10 },
    ),
    rates: fc.array(
      fc.record({
        currency: fc.constantFrom('EUR', 'GBP', 'JPY', 'KWD'),
        at: fc.integer({ min: -10, max: SPAN }),
        rate: fc
          .integer({ min: 1, max: 5_000_000 })
          .map((n) => `${Math.trunc(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`),
      }),
      { maxLength: 40 },
    ),
  })
  .map(({ lines, rates }) => {
    const subscriptions: Subscription[] = [];
    lines.forEach((l, i) => {
      // A line and its renewals: each replaces the one before on the day it ends, in the same currency.
      let start = l.start;
      let arr = l.arr;
      const renewals = l.renewed ? l.renewals : [];
      for (let k = 0; k <= renewals.length; k++) {
        const next = renewals[k];
        const end = next ? start + next.after : l.length === undefined ? undefined : start + l.length;
        subscriptions.push(
          line(`L${i}.${k}`, l.accountId, arr, day(start), l.currency, end === undefined ? undefined : day(end)),
        );
        if (!next || end === undefined) break;
        start = end;
        arr = Math.round(arr * next.factor);
      }
    });
    // Every currency has a rate from before the span (lines convert), then new rates on random days (gaps of any length).
    const first = ['EUR', 'GBP', 'JPY', 'KWD'].map((k) => rate(day(-10), k, '1.1'));
    return dataset({ subscriptions, fx_rates: [...first, ...rates.map((r) => rate(day(r.at), r.currency, r.rate))] });
  });

const sumExact = (...xs: Ratio[]) => xs.reduce(add, fromInt(0));

describe('bridge identity with fx (property)', () => {
  it('open + new + reactivation + expansion - contraction - churn + fx = close exactly, weekly, quarter to date and over the whole history; the weeks add up to the quarter', () => {
    let moved = 0;
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 1, max: Math.floor(SPAN / 7) - 1 }), (data, w) => {
        const asOf = day(w * 7 + 6);
        const timeline = new ArrTimeline(convertDataset(data, 'USD').subscriptions);
        const q = fiscalQuarterOf(asOf, 1);
        for (const [from, to] of [
          [addDays(asOf, -6), asOf],
          [q.start, asOf],
          [day(0), day(SPAN + 400)],
        ] as const) {
          const { bridge: b, exact } = computeBridge(timeline, from, to);
          const lhs = sumExact(
            fromInt(b.open + b.new + b.reactivation - b.churn),
            exact.expansion,
            sub(fromInt(0), exact.contraction),
            exact.fx,
          );
          expect(compare(lhs, fromInt(b.close)), `${from}..${to}`).toBe(0);
          // Printed in cents: still exact, and fx within a cent of the exact fx.
          expect(bridgeResidual(b)).toBe(0);
          expect(Math.abs(b.fx - Number(exact.fx.num) / Number(exact.fx.den))).toBeLessThanOrEqual(1);
          if (b.fx !== 0) moved++;
        }
        // Movements are per day, so the quarter's exact fx is the sum of its days' (here: its two parts').
        const mid = addDays(asOf, -6);
        if (mid > q.start) {
          const before = computeBridge(timeline, q.start, addDays(mid, -1)).exact.fx;
          const week = computeBridge(timeline, mid, asOf).exact.fx;
          expect(compare(add(before, week), computeBridge(timeline, q.start, asOf).exact.fx)).toBe(0);
        }
      }),
      { numRuns: 400 },
    );
    expect(moved).toBeGreaterThan(40); // the generator does reach rate effects
  });

  it('with every line in the reporting currency fx is 0 and the bridge is the one-currency bridge', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 1, max: Math.floor(SPAN / 7) - 1 }), (data, w) => {
        const asOf = day(w * 7 + 6);
        const usd = dataset({ subscriptions: data.subscriptions.map(({ currency: _c, ...l }) => l) });
        const b = computeBridge(new ArrTimeline(usd.subscriptions), addDays(asOf, -6), asOf);
        expect(b.bridge.fx).toBe(0);
        expect(b.exact.fx).toEqual(fromInt(0));
        expect(bridgeResidual(b.bridge)).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
