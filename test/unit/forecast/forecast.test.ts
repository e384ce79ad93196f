// The renewal and ARR forecast: calibration on hand-made histories, the forecast identity on random
// data, and the backtest on the demo history (finite, counted, no look-ahead).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expansion, Renewal, Subscription } from '../../../functions/domain/contract/entities';
import { emptyDataset, type Dataset } from '../../../functions/domain/contract/validate';
import { addDays } from '../../../functions/domain/dates';
import {
  BASE_RENEWAL_PRIOR,
  PRIOR_WEIGHT,
  arrForecast,
  backtestForecast,
  calibrate,
  forecastWithError,
  prepareForecast,
  type ClosedRenewal,
  type ForecastBand,
} from '../../../functions/domain/forecast';
import { DEFAULT_KPI_SETTINGS, kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { validatedDemoDataset } from '../../support/demo-dataset';

const value = (r: { num: bigint; den: bigint }) => Number(r.num) / Number(r.den);

describe('calibration', () => {
  it('gives a band with no history the prior, and with no history at all the base prior', () => {
    const none = calibrate('2026-11-22', [], { won: 0, lost: 0 });
    for (const b of Object.values(none.bands)) expect(b.probability).toEqual(BASE_RENEWAL_PRIOR);
    const history: ClosedRenewal[] = [
      { band: 'green', arrUp: 100_00, keptArr: 100_00 },
      { band: 'green', arrUp: 300_00, keptArr: 300_00 },
      { band: 'red', arrUp: 200_00, keptArr: 0 },
    ];
    const c = calibrate('2026-11-22', history, { won: 3, lost: 1 });
    // Prior: 3 renewals kept 400 of 600 -> (3 x 2/3 + 10 x 0.85) / 13 = 10.5 / 13.
    expect(value(c.prior.probability)).toBeCloseTo(10.5 / 13, 12);
    expect(c.bands.yellow.probability).toEqual(c.prior.probability);
    expect(c.bands.unscored.renewals).toBe(0);
    // Green: 2 renewals, all kept -> (2 x 1 + 10 x prior) / 12.
    expect(c.bands.green.value).toBeCloseTo((2 + PRIOR_WEIGHT * (10.5 / 13)) / 12, 12);
    expect(c.bands.red.value).toBeCloseTo((PRIOR_WEIGHT * (10.5 / 13)) / 11, 12);
    expect(c.bands.red.observed).toBe(0);
    // Win rate: (3 + 10 x 0.3) / (4 + 10).
    expect(c.winRate.value).toBeCloseTo(6 / 14, 12);
  });

  it('keeps every probability in [0, 1] between the observed share and the prior, whatever the history', () => {
    const band = fc.constantFrom<ForecastBand>('green', 'yellow', 'red', 'unscored');
    const renewal = fc.record({
      band,
      arrUp: fc.integer({ min: 0, max: 10_000_000_00 }),
      keptArr: fc.integer({ min: 0, max: 20_000_000_00 }),
    });
    fc.assert(
      fc.property(fc.array(renewal, { maxLength: 40 }), fc.nat(50), fc.nat(50), (history, won, lost) => {
        const c = calibrate('2026-11-22', history, { won, lost });
        for (const b of [...Object.values(c.bands), c.prior, c.winRate]) {
          expect(b.value).toBeGreaterThanOrEqual(0);
          expect(b.value).toBeLessThanOrEqual(1);
        }
        for (const b of Object.values(c.bands)) {
          if (b.observed === null) continue;
          expect(b.value).toBeGreaterThanOrEqual(Math.min(b.observed, c.prior.value) - 1e-12);
          expect(b.value).toBeLessThanOrEqual(Math.max(b.observed, c.prior.value) + 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });
});

const ASOF = '2026-11-22';
const day = (n: number) => addDays(ASOF, n);
const ACCOUNTS = ['A1', 'A2', 'A3', 'A4'] as const;

const datasetArb = fc
  .record({
    lines: fc.array(
      fc.record({
        account: fc.constantFrom(...ACCOUNTS),
        arr: fc.integer({ min: 0, max: 5_000_000 }),
        start: fc.integer({ min: -400, max: 120 }),
        length: fc.option(fc.integer({ min: 1, max: 500 })),
      }),
      { maxLength: 10 },
    ),
    renewals: fc.array(
      fc.record({
        account: fc.constantFrom(...ACCOUNTS, 'GHOST'),
        due: fc.integer({ min: -300, max: 120 }),
        arrUp: fc.integer({ min: 0, max: 5_000_000 }),
        outcome: fc.constantFrom('open', 'renewed', 'churned'),
        closedAfterDue: fc.integer({ min: -20, max: 40 }),
        renewedShare: fc.double({ min: 0, max: 1.3, noNaN: true }),
      }),
      { maxLength: 12 },
    ),
    opps: fc.array(
      fc.record({
        account: fc.constantFrom(...ACCOUNTS),
        arr: fc.integer({ min: 0, max: 2_000_000 }),
        stage: fc.constantFrom('open', 'won', 'lost'),
        created: fc.integer({ min: -300, max: 10 }),
        close: fc.option(fc.integer({ min: -200, max: 120 })),
      }),
      { maxLength: 10 },
    ),
  })
  .map(({ lines, renewals, opps }): Dataset => {
    const data = emptyDataset();
    data.accounts = ACCOUNTS.map((accountId) => ({ accountId, name: accountId }));
    data.subscriptions = lines.map(
      (l, i): Subscription => ({
        lineId: `L${i}`,
        accountId: l.account,
        kind: 'recurring',
        arr: l.arr,
        startDate: day(l.start),
        ...(l.length !== null ? { endDate: day(l.start + l.length) } : {}),
      }),
    );
    data.renewals = renewals.map((r, i): Renewal => {
      const base = { renewalId: `R${i}`, accountId: r.account, dueDate: day(r.due), arrUp: r.arrUp };
      if (r.outcome === 'open') return { ...base, status: 'open' };
      const closedDate = day(r.due + r.closedAfterDue);
      return r.outcome === 'churned'
        ? { ...base, status: 'churned', closedDate }
        : { ...base, status: 'renewed', closedDate, renewedArr: Math.round(r.arrUp * r.renewedShare) };
    });
    data.expansions = opps.map(
      (o, i): Expansion => ({
        opportunityId: `O${i}`,
        accountId: o.account,
        type: 'upsell',
        arr: o.arr,
        stage: o.stage as Expansion['stage'],
        createdDate: day(o.created),
        ...(o.close !== null ? { closeDate: day(o.close) } : {}),
      }),
    );
    return data;
  });

describe('ARR forecast', () => {
  it('is contracted ARR - renewals it already counts + expected renewals + weighted pipeline, to the cent, with contracted ARR as the KPIs give it', () => {
    fc.assert(
      fc.property(datasetArb, (data) => {
        const ctx = prepareKpiContext(data, DEFAULT_KPI_SETTINGS);
        const f = arrForecast(prepareForecast(ctx), ASOF);
        const k = kpisAt(ctx, ASOF);
        expect(f.d30.contractedArr).toBe(k.contractedArr.d30);
        expect(f.d90.contractedArr).toBe(k.contractedArr.d90);
        for (const h of [f.d30, f.d90]) {
          for (const cents of [
            h.contractedArr,
            h.renewalsInContracted,
            h.expectedRenewals,
            h.weightedPipeline,
            h.forecast,
          ])
            expect(Number.isSafeInteger(cents)).toBe(true);
          expect(h.forecast).toBe(h.contractedArr - h.renewalsInContracted + h.expectedRenewals + h.weightedPipeline);
          expect(h.renewalsInContracted).toBeLessThanOrEqual(Math.min(h.renewalsDue.arr, h.contractedArr));
          expect(h.expectedRenewals).toBeLessThanOrEqual(h.renewalsDue.arr);
          expect(h.weightedPipeline).toBeLessThanOrEqual(h.pipeline.arr);
        }
        for (const r of f.renewals) {
          expect(r.probability).toBeGreaterThanOrEqual(0);
          expect(r.probability).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('backtest on the demo history', () => {
  const data = validatedDemoDataset({ accounts: 120 });
  const index = prepareForecast(prepareKpiContext(data, DEFAULT_KPI_SETTINGS));
  const result = backtestForecast(index, ASOF);

  it('measures weekly points at 30 and 90 days with finite errors', () => {
    expect(result.d30.points).toBeGreaterThan(50);
    expect(result.d90.points).toBeGreaterThan(40);
    for (const h of [result.d30, result.d90]) {
      expect(h.points).toBe(result.points.filter((p) => p.horizonDays === h.horizonDays && p.error !== null).length);
      expect(Number.isFinite(h.mape)).toBe(true);
      expect(Number.isFinite(h.bias)).toBe(true);
      expect(h.mape!).toBeGreaterThanOrEqual(Math.abs(h.bias!));
    }
    for (const p of result.points) {
      expect(p.date <= ASOF).toBe(true);
      expect(p.date).toBe(addDays(p.asOf, p.horizonDays));
    }
    const withError = forecastWithError(index, ASOF);
    expect(withError.error).toEqual({ d30: result.d30, d90: result.d90 });
  });

  it('forecasts a past point from what was known then: changing what happened after it changes nothing', () => {
    const point = result.points[Math.floor(result.points.length / 2)]!.asOf;
    const isAfterPoint = (d: string | undefined) => d !== undefined && d > point;
    const changed: Dataset = {
      ...data,
      // Renewals decided after the point go the other way.
      renewals: data.renewals.map((r): Renewal => {
        if (!isAfterPoint(r.closedDate)) return r;
        const { renewedArr: _, ...rest } = r;
        return r.status === 'renewed'
          ? { ...rest, status: 'churned' }
          : { ...rest, status: 'renewed', renewedArr: r.arrUp * 2 };
      }),
      // Lines that start after it are gone; a big new one starts the day after.
      subscriptions: [
        ...data.subscriptions.filter((s) => !isAfterPoint(s.startDate)),
        {
          lineId: 'LATE',
          accountId: data.accounts[0]!.accountId,
          kind: 'recurring',
          arr: 99_000_000_00,
          startDate: addDays(point, 1),
        },
      ],
      // Opportunities created after it vanish; usage, tickets and NPS after it are gone.
      expansions: data.expansions.filter((e) => !isAfterPoint(e.createdDate)),
      usage: data.usage.filter((u) => u.week <= addDays(point, -6)),
      tickets: data.tickets.filter((t) => !isAfterPoint(t.openedDate)),
      nps: data.nps.filter((n) => !isAfterPoint(n.date)),
    };
    const changedIndex = prepareForecast(prepareKpiContext(changed, DEFAULT_KPI_SETTINGS));
    const before = arrForecast(index, point, { linesStartedBy: point });
    const now = arrForecast(changedIndex, point, { linesStartedBy: point });
    expect(now.d30).toEqual(before.d30);
    expect(now.d90).toEqual(before.d90);
    expect(now.renewals).toEqual(before.renewals);
    expect(now.calibration.bands).toEqual(before.calibration.bands);
    // The outcome did change, so the check above is not vacuous.
    expect(
      backtestForecast(changedIndex, ASOF).points.find((p) => p.asOf === point && p.horizonDays === 30)!.actual,
    ).not.toBe(result.points.find((p) => p.asOf === point && p.horizonDays === 30)!.actual);
  });
});
