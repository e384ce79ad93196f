// The engine against the naive reference implementation (reference.ts), on demo history and on
// random datasets crowded around the boundaries (week edges, trailing windows, closed-after-asOf).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latestById, type Dataset } from '../../../functions/domain/contract/validate';
import { validatedDemoDataset } from '../../support/demo-dataset';
import { addDays, addMonths, fromEpochDay, startOfWeek, toEpochDay } from '../../../functions/domain/dates';
import { computeKpis, DEFAULT_KPI_SETTINGS, toKpiJson } from '../../../functions/domain/kpi';
import { referenceCohorts, referenceKpis } from './reference';

const settings = DEFAULT_KPI_SETTINGS;
const refSettings = {
  grossMargin: settings.grossMargin,
  ltvMaxYears: settings.ltvMaxYears,
  weights: settings.healthWeights,
};
const MONEY_KEYS = new Set([
  'open',
  'new',
  'reactivation',
  'expansion',
  'contraction',
  'churn',
  'fx',
  'close',
  'arr',
  'upsell',
  'crossSell',
  'cac',
  'arpa',
  'ltv',
  'arrAtRisk',
  'baseArr',
  'd30',
  'd90',
  'd365',
]);

/** The reference result in the JSON's units: money in currency units rounded half-up to cents. */
function toUnits(value: unknown, key = '', parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => toUnits(v, '', parent));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toUnits(v, k, key)]));
  }
  if (typeof value === 'number' && MONEY_KEYS.has(key) && parent !== 'customers') return Math.round(value + 1e-9) / 100;
  return value;
}

function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (expected === null || typeof expected !== 'object') {
    if (typeof expected === 'number' && typeof actual === 'number') {
      // fx is printed as the rest of the bridge (so it adds up in cents): within a cent of the exact fx rounded alone.
      const slack = path.endsWith('.arrBridge.fx') ? 0.01 + 1e-9 : 0;
      expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
        slack + 1e-9 * Math.max(1, Math.abs(expected)),
      );
    } else {
      expect(actual, path).toEqual(expected);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  for (const [k, v] of Object.entries(expected))
    expectClose((actual as Record<string, unknown>)?.[k], v, `${path}.${k}`);
}

function compare(data: Dataset, asOf: string): ReturnType<typeof toKpiJson> {
  const engine = toKpiJson(computeKpis(data, asOf, settings));
  const reference = toUnits(referenceKpis(data, asOf, refSettings));
  expectClose(engine, reference, asOf);
  const b = engine.arrBridge;
  // The printed bridge adds up to the cent (in cents, to keep float sums out of it).
  const c = (x: number) => Math.round(x * 100);
  expect(
    c(b.open) + c(b.new) + c(b.reactivation) + c(b.expansion) - c(b.contraction) - c(b.churn) + c(b.fx),
    `${asOf}: identity`,
  ).toBe(c(b.close));
  return engine;
}

describe('engine vs reference implementation', () => {
  it.each([
    [7, '2026-11-23'],
    [42, '2026-03-02'],
  ])('agrees on every figure of demo history (seed %i, up to %s)', (seed, endDate) => {
    const data = validatedDemoDataset({ seed, endDate, accounts: 40 });
    const last = addDays(startOfWeek(endDate, 1), -1);
    for (const weeksBack of [0, 1, 5, 13, 30, 52, 77]) compare(data, addDays(last, -7 * weeksBack));
  });

  it('agrees on random data crowded around the boundaries', () => {
    const asOf = '2026-11-22';
    const base = toEpochDay(asOf);
    const day = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => fromEpochDay(base + n));
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const acct = fc.constantFrom('A1', 'A2', 'A3', 'A4', 'A5');
    const money = fc.integer({ min: 0, max: 5000 }).map((n) => n * 50);
    const dataset = fc.record({
      accounts: fc
        .uniqueArray(acct, { maxLength: 4 })
        .map((ids) => ids.map((accountId) => ({ accountId, name: accountId }))),
      subscriptions: fc.array(
        fc
          .record({
            accountId: acct,
            kind: fc.constantFrom('recurring', 'recurring', 'services' as const),
            arr: money,
            start: fc.integer({ min: -420, max: 3 }),
            len: maybe(fc.integer({ min: 1, max: 400 })),
          })
          .map((l) => ({
            ...l,
            startDate: fromEpochDay(base + l.start),
            endDate: l.len === undefined ? undefined : fromEpochDay(base + l.start + l.len),
          })),
        { maxLength: 14 },
      ),
      renewals: fc.array(
        fc.record({
          accountId: acct,
          dueDate: day(-100, 100),
          arrUp: money,
          status: fc.constantFrom('open', 'renewed', 'churned' as const),
          closedDate: day(-100, 10),
          renewedArr: money,
        }),
        { maxLength: 10 },
      ),
      expansions: fc.array(
        fc.record({
          accountId: acct,
          type: fc.constantFrom('upsell', 'cross_sell' as const),
          arr: money,
          stage: fc.constantFrom('open', 'won', 'lost' as const),
          createdDate: maybe(day(-120, 5)),
          closeDate: maybe(day(-100, 20)),
        }),
        { maxLength: 10 },
      ),
      usage: fc.array(
        fc.record({
          accountId: acct,
          weeksBack: fc.integer({ min: 0, max: 9 }),
          weeklyActiveUsers: fc.integer({ min: 0, max: 60 }),
          licensedSeats: fc.integer({ min: 0, max: 50 }),
        }),
        { maxLength: 25 },
      ),
      tickets: fc.array(
        fc.record({
          accountId: acct,
          openedDate: day(-60, 3),
          priority: fc.constantFrom('p1', 'p2' as const),
          closedDate: maybe(day(-40, 5)),
          csat: maybe(fc.integer({ min: 1, max: 5 })),
        }),
        { maxLength: 12 },
      ),
      nps: fc.array(fc.record({ accountId: acct, date: day(-200, 2), score: fc.integer({ min: 0, max: 10 }) }), {
        maxLength: 10,
      }),
      spendMonths: fc.integer({ min: 0, max: 14 }),
    });
    fc.assert(
      fc.property(dataset, (r) => {
        const data: Dataset = {
          accounts: r.accounts,
          subscriptions: r.subscriptions.map((l, i) => ({
            lineId: `L${i}`,
            accountId: l.accountId,
            kind: l.kind,
            arr: l.arr,
            startDate: l.startDate,
            ...(l.endDate ? { endDate: l.endDate } : {}),
          })),
          renewals: r.renewals.map((x, i) => ({
            renewalId: `R${i}`,
            accountId: x.accountId,
            dueDate: x.dueDate,
            arrUp: x.arrUp,
            status: x.status,
            ...(x.status === 'open' ? {} : { closedDate: x.closedDate }),
            ...(x.status === 'renewed' ? { renewedArr: x.renewedArr } : {}),
          })),
          expansions: r.expansions.map((x, i) => ({
            opportunityId: `E${i}`,
            accountId: x.accountId,
            type: x.type,
            arr: x.arr,
            stage: x.stage,
            ...(x.createdDate ? { createdDate: x.createdDate } : {}),
            ...(x.closeDate ? { closeDate: x.closeDate } : {}),
          })),
          usage: latestById(
            'usage',
            r.usage.map((u) => ({
              accountId: u.accountId,
              week: addDays('2026-11-16', -7 * u.weeksBack),
              weeklyActiveUsers: u.weeklyActiveUsers,
              licensedSeats: u.licensedSeats,
            })),
          ),
          tickets: r.tickets.map((t, i) => ({
            ticketId: `T${i}`,
            accountId: t.accountId,
            openedDate: t.openedDate,
            priority: t.priority,
            ...(t.closedDate ? { closedDate: t.closedDate } : {}),
            ...(t.csat ? { csat: t.csat } : {}),
          })),
          nps: r.nps.map((n, i) => ({ responseId: `N${i}`, accountId: n.accountId, date: n.date, score: n.score })),
          // The CAC window for asOf 2026-11-22 is 2025-11 .. 2026-10: cover all of it, or leave a month out.
          spend: Array.from({ length: 14 }, (_, i) => ((i + 10) % 12) + 1)
            .map((m, i) => ({
              month: `${i < 2 ? 2025 : 2026}-${String(m).padStart(2, '0')}`,
              salesMarketing: 100_000 * (i + 1),
            }))
            .filter((_, i) => i < r.spendMonths && i !== 5 - (r.spendMonths % 2) * 10),
          fx_rates: [],
          targets: [],
          annotations: [],
        };
        compare(data, asOf);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on random multi-currency data (EUR, JPY, KWD lines replaced at new rates, rates with gaps, rows without a rate)', () => {
    const asOf = '2026-11-22';
    const base = toEpochDay(asOf);
    const acct = fc.constantFrom('A1', 'A2', 'A3', 'A4');
    const currency = fc.constantFrom<string | undefined>(undefined, 'EUR', 'EUR', 'JPY', 'KWD');
    // Minor units: whole yen, mills of a dinar, cents otherwise (any integer is a valid amount in each).
    const minor = fc.integer({ min: 0, max: 3_000_000 });
    // Rates on a few scattered days (gaps of days and weeks), a few with many decimals.
    const rates = fc.array(
      fc.record({
        currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
        at: fc.oneof(fc.integer({ min: -400, max: 3 }), fc.integer({ min: -50, max: 0 })),
        rate: fc.oneof(
          fc.constantFrom('1.0842', '1.1', '0.9', '3.2561', '0.006612', '0.0071', '3.3'),
          fc
            .integer({ min: 1, max: 400_000 })
            .map((n) => `${Math.trunc(n / 100_000)}.${String(n % 100_000).padStart(5, '0')}`),
        ),
      }),
      { maxLength: 16 },
    );
    const dataset = fc.record({
      lines: fc.array(
        fc.record({
          accountId: acct,
          currency,
          arr: minor,
          start: fc.integer({ min: -380, max: 3 }),
          len: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
          renewOn: fc.option(fc.integer({ min: -45, max: 0 }), { nil: undefined }),
          factor: fc.constantFrom(1, 1, 1.1, 0.5),
        }),
        { maxLength: 8 },
      ),
      renewals: fc.array(
        fc.record({
          accountId: acct,
          currency,
          dueDate: fc.integer({ min: -100, max: 100 }),
          arrUp: minor,
          renewed: minor,
          status: fc.constantFrom('open', 'renewed', 'churned' as const),
          closed: fc.integer({ min: -100, max: 10 }),
        }),
        { maxLength: 6 },
      ),
      expansions: fc.array(
        fc.record({
          accountId: acct,
          currency,
          arr: minor,
          stage: fc.constantFrom('open', 'won', 'lost' as const),
          created: fc.option(fc.integer({ min: -120, max: 5 }), { nil: undefined }),
          close: fc.option(fc.integer({ min: -100, max: 20 }), { nil: undefined }),
        }),
        { maxLength: 6 },
      ),
      rates,
    });
    const day = (n: number) => fromEpochDay(base + n);
    let withFx = 0;
    let withUnconverted = 0;
    fc.assert(
      fc.property(dataset, (r) => {
        const subscriptions: Dataset['subscriptions'] = [];
        r.lines.forEach((l, i) => {
          // Renewed on a day of the last weeks (when that is after its start): where the weekly bridges look.
          const renewAt = l.renewOn !== undefined && l.renewOn > l.start ? l.renewOn - l.start : undefined;
          const end = renewAt ?? l.len;
          const first = {
            lineId: `L${i}`,
            accountId: l.accountId,
            kind: 'recurring' as const,
            arr: l.arr,
            startDate: day(l.start),
            ...(end === undefined ? {} : { endDate: day(l.start + end) }),
            ...(l.currency ? { currency: l.currency } : {}),
          };
          subscriptions.push(first);
          // A renewal of the line in the same currency, the day the first ends: a new rate applies.
          if (renewAt !== undefined)
            subscriptions.push({
              ...first,
              lineId: `L${i}r`,
              arr: Math.round(l.arr * l.factor),
              startDate: day(l.start + renewAt),
              endDate: day(l.start + renewAt + 365),
            });
        });
        const data: Dataset = {
          accounts: [],
          subscriptions,
          renewals: r.renewals.map((x, i) => ({
            renewalId: `R${i}`,
            accountId: x.accountId,
            dueDate: day(x.dueDate),
            arrUp: x.arrUp,
            status: x.status,
            ...(x.status === 'open' ? {} : { closedDate: day(x.closed) }),
            ...(x.status === 'renewed' ? { renewedArr: x.renewed } : {}),
            ...(x.currency ? { currency: x.currency } : {}),
          })),
          expansions: r.expansions.map((x, i) => ({
            opportunityId: `E${i}`,
            accountId: x.accountId,
            type: 'upsell' as const,
            arr: x.arr,
            stage: x.stage,
            ...(x.created === undefined ? {} : { createdDate: day(x.created) }),
            ...(x.close === undefined ? {} : { closeDate: day(x.close) }),
            ...(x.currency ? { currency: x.currency } : {}),
          })),
          usage: [],
          tickets: [],
          nps: [],
          spend: [],
          fx_rates: r.rates.map((x) => ({ date: day(x.at), currency: x.currency, rate: x.rate })),
          targets: [],
          annotations: [],
        };
        for (const back of [0, 7, 35]) {
          const doc = compare(data, addDays(asOf, -back));
          if (doc.arrBridge.fx !== 0) withFx++;
          if (doc.unconverted.length) withUnconverted++;
        }
      }),
      { numRuns: 250 },
    );
    // The generators do reach the cases under test.
    expect(withFx).toBeGreaterThan(10);
    expect(withUnconverted).toBeGreaterThan(10);
  });

  it('agrees on cohorts and contracted ARR with lines crowded around month ends and asOf on and off a month end', () => {
    // Days near month ends and firsts, from 2025-08 to 2028-03 (leap February 2028 included).
    const nearMonthEnd = fc
      .record({
        month: fc.integer({ min: -15, max: 16 }),
        at: fc.constantFrom('first', 'second', 'penultimate', 'last' as const),
      })
      .map(({ month, at }) => {
        const first = addMonths('2026-11-01', month);
        const next = addMonths(first, 1);
        return at === 'first'
          ? first
          : at === 'second'
            ? addDays(first, 1)
            : at === 'penultimate'
              ? addDays(next, -2)
              : addDays(next, -1);
      });
    const acct = fc.constantFrom('A1', 'A2', 'A3', 'A4');
    const lines = fc.array(
      fc.record({
        accountId: acct,
        arr: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 900_000 })),
        start: nearMonthEnd,
        end: fc.option(nearMonthEnd, { nil: undefined }),
        services: fc.boolean(),
      }),
      { maxLength: 12 },
    );
    const asOfs = ['2026-11-22', '2026-11-30', '2026-12-01', '2026-10-31', '2027-02-28', '2028-02-29', '2028-03-31'];
    let reached = 0;
    fc.assert(
      fc.property(lines, fc.constantFrom(...asOfs), (ls, asOf) => {
        const data: Dataset = {
          accounts: [],
          subscriptions: ls.map((l, i) => ({
            lineId: `L${i}`,
            accountId: l.accountId,
            kind: l.services && l.arr % 5 === 0 ? 'services' : 'recurring',
            arr: l.arr,
            startDate: l.start,
            ...(l.end !== undefined && l.end > l.start ? { endDate: l.end } : {}),
          })),
          renewals: [],
          expansions: [],
          usage: [],
          tickets: [],
          nps: [],
          spend: [],
          fx_rates: [],
          targets: [],
          annotations: [],
        };
        const doc = toKpiJson(computeKpis(data, asOf, settings));
        expectClose(
          { cohorts: doc.cohorts, contractedArr: doc.contractedArr },
          toUnits(referenceCohorts(data, asOf)),
          asOf,
        );
        if (doc.cohorts.some((c) => c.logo.some((v) => v < 1) || c.revenue.some((v) => v !== 1))) reached++;
      }),
      { numRuns: 300 },
    );
    // The generator reaches cohorts whose customers or ARR change at a month end.
    expect(reached).toBeGreaterThan(30);
  });
});
