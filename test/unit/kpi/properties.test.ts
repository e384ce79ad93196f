// Property tests on random datasets: the bridge identity, agreement with a naive day-by-day
// reference, retention bounds, health bounds, and segment additivity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Account, NpsResponse, Subscription, Ticket, Usage } from '../../../functions/domain/contract/entities';
import type { Dataset } from '../../../functions/domain/contract/validate';
import { addDays, addMonths, fiscalQuarterOf, minus12Months, startOfWeek } from '../../../functions/domain/dates';
import {
  bridgeResidual,
  computeBridge,
  computeKpis,
  computeSegmentKpis,
  sumBridges,
  toKpiJson,
} from '../../../functions/domain/kpi';
import { ArrTimeline } from '../../../functions/domain/kpi/timeline';
import type { ArrBridge, CustomerCounts, KpiResult } from '../../../functions/domain/kpi/types';
import { dataset, settings } from './builders';

const BASE = '2025-06-02'; // a Monday
const SPAN = 600; // days: 2025-06-02 .. 2027-01-22
const ACCOUNTS = ['A', 'B', 'C', 'D', 'E', 'F'];
const date = (offset: number) => addDays(BASE, offset);

const subscriptionArb: fc.Arbitrary<Subscription> = fc
  .record({
    accountId: fc.constantFrom(...ACCOUNTS),
    arr: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000_000 })),
    start: fc.integer({ min: 0, max: SPAN - 1 }),
    length: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    kind: fc.constantFrom<Subscription['kind']>('recurring', 'recurring', 'recurring', 'services'),
  })
  .map((r) => {
    const s: Subscription = { lineId: '', accountId: r.accountId, kind: r.kind, arr: r.arr, startDate: date(r.start) };
    if (r.length !== undefined) s.endDate = date(r.start + r.length);
    return s;
  });

const subscriptionsArb = fc
  .array(subscriptionArb, { maxLength: 14 })
  .map((lines) => lines.map((l, i) => ({ ...l, lineId: `L${i}` })));

const usageArb: fc.Arbitrary<Usage[]> = fc
  .array(
    fc.record({
      accountId: fc.constantFrom(...ACCOUNTS),
      week: fc.integer({ min: 0, max: Math.floor(SPAN / 7) }),
      wau: fc.integer({ min: 0, max: 200 }),
      seats: fc.integer({ min: 0, max: 150 }),
    }),
    { maxLength: 40 },
  )
  .map((rows) => {
    const byKey = new Map<string, Usage>();
    for (const r of rows) {
      const week = startOfWeek(date(r.week * 7), 1);
      byKey.set(`${r.accountId}#${week}`, {
        accountId: r.accountId,
        week,
        weeklyActiveUsers: r.wau,
        licensedSeats: r.seats,
      });
    }
    return [...byKey.values()];
  });

const ticketsArb: fc.Arbitrary<Ticket[]> = fc
  .array(
    fc.record({
      accountId: fc.constantFrom(...ACCOUNTS),
      opened: fc.integer({ min: 0, max: SPAN - 1 }),
      open: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      priority: fc.constantFrom<Ticket['priority']>('p1', 'p2', 'p3', 'p4'),
      csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    }),
    { maxLength: 20 },
  )
  .map((rows) =>
    rows.map((r, i) => {
      const t: Ticket = { ticketId: `T${i}`, accountId: r.accountId, openedDate: date(r.opened), priority: r.priority };
      if (r.open !== undefined) {
        t.closedDate = date(r.opened + r.open);
        if (r.csat !== undefined) t.csat = r.csat;
      }
      return t;
    }),
  );

const npsArb: fc.Arbitrary<NpsResponse[]> = fc
  .array(
    fc.record({
      accountId: fc.constantFrom(...ACCOUNTS),
      day: fc.integer({ min: 0, max: SPAN - 1 }),
      score: fc.integer({ min: 0, max: 10 }),
      id: fc.string({ maxLength: 3 }),
    }),
    {
      maxLength: 15,
    },
  )
  .map((rows) => {
    const byId = new Map<string, NpsResponse>();
    rows.forEach((r, i) =>
      byId.set(`${r.id}|${i}`, {
        responseId: `${r.id}|${i}`,
        accountId: r.accountId,
        date: date(r.day),
        score: r.score,
      }),
    );
    return [...byId.values()];
  });

const accountsArb: fc.Arbitrary<Account[]> = fc
  .array(
    fc.tuple(fc.constantFrom(...ACCOUNTS), fc.constantFrom<string | undefined>('Enterprise', 'SMB', '', undefined)),
    { maxLength: 6 },
  )
  .map((rows) => {
    const byId = new Map<string, Account>();
    for (const [id, segment] of rows)
      byId.set(id, segment === undefined ? { accountId: id, name: id } : { accountId: id, name: id, segment });
    return [...byId.values()];
  });

const datasetArb: fc.Arbitrary<Dataset> = fc
  .record({ accounts: accountsArb, subscriptions: subscriptionsArb, usage: usageArb, tickets: ticketsArb, nps: npsArb })
  .map((parts) => dataset(parts));

/** A Sunday inside the span (the report's asOf with weeks starting Monday). */
const asOfArb = fc.integer({ min: 1, max: Math.floor(SPAN / 7) - 1 }).map((w) => date(w * 7 + 6));

// ---- naive reference: straight from the definitions, day by day ------------------------------

function naiveArr(lines: readonly Subscription[], accountId: string, d: string): number {
  let sum = 0;
  for (const l of lines) {
    if (l.kind !== 'recurring' || l.accountId !== accountId) continue;
    if (l.startDate <= d && (l.endDate === undefined || d < l.endDate)) sum += l.arr;
  }
  return sum;
}

function naiveBridge(
  lines: readonly Subscription[],
  from: string,
  to: string,
): { bridge: ArrBridge; customers: CustomerCounts } {
  const ids = [...new Set(lines.map((l) => l.accountId))];
  const total = (d: string) => ids.reduce((s, a) => s + naiveArr(lines, a, d), 0);
  const count = (d: string) => ids.filter((a) => naiveArr(lines, a, d) > 0).length;
  const before = addDays(from, -1);
  const bridge: ArrBridge = {
    from,
    to,
    open: total(before),
    new: 0,
    reactivation: 0,
    expansion: 0,
    contraction: 0,
    churn: 0,
    fx: 0,
    close: total(to),
  };
  const customers: CustomerCounts = { open: count(before), close: count(to), new: 0, reactivated: 0, churned: 0 };
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const prev = addDays(d, -1);
    for (const a of ids) {
      const o = naiveArr(lines, a, prev);
      const c = naiveArr(lines, a, d);
      if (o === 0 && c > 0) {
        const paidBefore = lines.some(
          (l) => l.accountId === a && l.kind === 'recurring' && l.arr > 0 && l.startDate <= prev,
        );
        if (paidBefore) {
          bridge.reactivation += c;
          customers.reactivated++;
        } else {
          bridge.new += c;
          customers.new++;
        }
      } else if (o > 0 && c === 0) {
        bridge.churn += o;
        customers.churned++;
      } else if (c > o && o > 0) bridge.expansion += c - o;
      else if (0 < c && c < o) bridge.contraction += o - c;
    }
  }
  return { bridge, customers };
}

const RUNS = { numRuns: 150 };

describe('properties', () => {
  it('the bridge matches the day-by-day reference and the identity holds exactly', () => {
    fc.assert(
      fc.property(
        subscriptionsArb,
        fc.integer({ min: 0, max: SPAN }),
        fc.integer({ min: 0, max: 120 }),
        (lines, start, length) => {
          const from = date(start);
          const to = date(start + length);
          const got = computeBridge(new ArrTimeline(lines), from, to);
          expect({ bridge: got.bridge, customers: got.customers }).toEqual(naiveBridge(lines, from, to));
          expect(bridgeResidual(got.bridge)).toBe(0);
          const c = got.customers;
          expect(c.open + c.new + c.reactivated - c.churned).toBe(c.close);
        },
      ),
      RUNS,
    );
  });

  it('the week and quarter-to-date bridges of computeKpis satisfy the identity', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, fc.integer({ min: 1, max: 12 }), (data, asOf, fyStart) => {
        const r = computeKpis(data, asOf, settings({ fiscalYearStartMonth: fyStart }));
        expect(bridgeResidual(r.arrBridge)).toBe(0);
        expect(bridgeResidual(r.arrBridgeQtd)).toBe(0);
        expect(r.arrBridgeQtd.from).toBe(fiscalQuarterOf(asOf, fyStart).start);
        expect(r.arrBridgeQtd.close).toBe(r.arrBridge.close);
        expect(r.customers.close).toBe(r.accounts.length);
      }),
      RUNS,
    );
  });

  it('consecutive weekly bridges add up to the quarter bridge', () => {
    fc.assert(
      fc.property(subscriptionsArb, fc.integer({ min: 0, max: 12 }), (lines, q) => {
        const quarter = fiscalQuarterOf(addDays(BASE, q * 30), 1);
        const t = new ArrTimeline(lines);
        const parts: ArrBridge[] = [];
        for (let start = quarter.start; start <= quarter.end; ) {
          const sunday = addDays(startOfWeek(start, 1), 6);
          const end = sunday < quarter.end ? sunday : quarter.end;
          parts.push(computeBridge(t, start, end).bridge);
          start = addDays(end, 1);
        }
        expect(sumBridges(parts)).toEqual(computeBridge(t, quarter.start, quarter.end).bridge);
      }),
      RUNS,
    );
  });

  it('retention matches the reference computed from ARR(a, d) directly', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const b = minus12Months(asOf);
        const ids = [...new Set(data.subscriptions.map((l) => l.accountId))];
        const cohort = ids.filter((a) => naiveArr(data.subscriptions, a, b) > 0);
        const then = cohort.reduce((s, a) => s + naiveArr(data.subscriptions, a, b), 0);
        const now = cohort.reduce((s, a) => s + naiveArr(data.subscriptions, a, asOf), 0);
        const capped = cohort.reduce(
          (s, a) => s + Math.min(naiveArr(data.subscriptions, a, asOf), naiveArr(data.subscriptions, a, b)),
          0,
        );
        const kept = cohort.filter((a) => naiveArr(data.subscriptions, a, asOf) > 0).length;
        expect(computeKpis(data, asOf, settings()).retention).toMatchObject({
          cohortSize: cohort.length,
          nrr: then > 0 ? now / then : null,
          grr: then > 0 ? capped / then : null,
          logoRetention: cohort.length > 0 ? kept / cohort.length : null,
        });
      }),
      RUNS,
    );
  });

  it('retention: 0 <= GRR <= 1, GRR <= NRR, logo retention + logo churn = 1', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const { nrr, grr, logoRetention, logoChurn, cohortSize } = computeKpis(data, asOf, settings()).retention;
        if (cohortSize === 0) {
          expect([nrr, grr, logoRetention, logoChurn]).toEqual([null, null, null, null]);
          return;
        }
        expect(grr).not.toBeNull();
        expect(grr!).toBeGreaterThanOrEqual(0);
        expect(grr!).toBeLessThanOrEqual(1);
        expect(grr!).toBeLessThanOrEqual(nrr!);
        expect(logoRetention! + logoChurn!).toBeCloseTo(1, 12);
      }),
      RUNS,
    );
  });

  it('health scores are in [0, 100] with 2 decimals, bands follow the rounded score', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const r = computeKpis(data, asOf, settings());
        for (const a of r.accounts) {
          if (a.score === null) {
            expect(a.band).toBeNull();
            expect(a.components.every((c) => c.weight === 0)).toBe(true);
            continue;
          }
          expect(a.score).toBeGreaterThanOrEqual(0);
          expect(a.score).toBeLessThanOrEqual(100);
          expect(Math.abs(a.score * 100 - Math.round(a.score * 100))).toBeLessThan(1e-6);
          expect(a.band).toBe(a.score >= 70 ? 'green' : a.score >= 40 ? 'yellow' : 'red');
          for (const c of a.components) {
            expect(c.score).toBeGreaterThanOrEqual(0);
            expect(c.score).toBeLessThanOrEqual(100);
          }
        }
        const buckets = r.health.green.count + r.health.yellow.count + r.health.red.count + r.health.unscored.count;
        expect(buckets).toBe(r.customers.close);
        expect(r.health.green.arr + r.health.yellow.arr + r.health.red.arr + r.health.unscored.arr).toBe(
          r.arrBridge.close,
        );
      }),
      RUNS,
    );
  });

  it('segment splits of additive figures sum exactly to the company total', () => {
    const additive = (r: KpiResult): number[] => [
      ...(['open', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'close'] as const).flatMap((k) => [
        r.arrBridge[k],
        r.arrBridgeQtd[k],
      ]),
      ...(['open', 'close', 'new', 'reactivated', 'churned'] as const).flatMap((k) => [
        r.customers[k],
        r.customersQtd[k],
      ]),
      ...(['green', 'yellow', 'red', 'unscored'] as const).flatMap((k) => [r.health[k].count, r.health[k].arr]),
      r.health.arrAtRisk,
      r.retention.cohortSize,
      r.unitEconomics.newLogos12m,
      r.accounts.length,
      r.contractedArr.d30,
      r.contractedArr.d90,
      r.contractedArr.d365,
      // Per cohort and age (0..13; a segment without members in a cohort has empty series: 0).
      ...r.cohorts.flatMap((c) => [
        c.customers,
        c.baseArr,
        ...Array.from({ length: 14 }, (_, k) => [c.active[k] ?? 0, c.arr[k] ?? 0]).flat(),
      ]),
    ];
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const total = additive(computeKpis(data, asOf, settings()));
        const sum = total.map(() => 0);
        for (const r of computeSegmentKpis(data, asOf, settings()).values())
          additive(r).forEach((v, i) => (sum[i]! += v));
        expect(sum).toEqual(total);
      }),
      RUNS,
    );
  });

  it('cohorts: 12 months oldest first; logo in [0, 1], revenue >= 0, both 1 at age 0; ages while the month end is on or before asOf; customers = accounts first paid in the window', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const r = computeKpis(data, asOf, settings());
        const json = toKpiJson(r);
        expect(json.cohorts.map((c) => c.month)).toEqual(
          Array.from({ length: 12 }, (_, i) => addMonths(`${asOf.slice(0, 7)}-01`, i - 12).slice(0, 7)),
        );
        for (const c of r.cohorts) {
          if (c.customers === 0) {
            expect(c).toMatchObject({ baseArr: 0, logo: [], revenue: [] });
            continue;
          }
          expect(c.baseArr).toBeGreaterThan(0);
          expect([c.logo[0], c.revenue[0]]).toEqual([1, 1]);
          // Ages 1..K where lastDay(month + K) is the last month end on or before asOf.
          const ages = Array.from({ length: 14 }, (_, k) => k).filter(
            (k) => k >= 1 && addDays(addMonths(`${c.month}-01`, k + 1), -1) <= asOf,
          );
          expect(c.logo).toHaveLength(ages.length + 1);
          expect(c.revenue).toHaveLength(c.logo.length);
          c.logo.forEach((v, k) => {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
            expect(c.revenue[k]!).toBeGreaterThanOrEqual(0);
            // Nobody paying means no revenue, and revenue means someone pays.
            expect(v === 0).toBe(c.revenue[k] === 0);
            if (k > 0) expect(v * c.customers).toBeCloseTo(c.active[k]!, 9);
          });
        }
        // Every account whose first paying line starts in the window is in exactly one cohort.
        const from = addMonths(`${asOf.slice(0, 7)}-01`, -12);
        const to = `${asOf.slice(0, 7)}-01`;
        const firstPaid = new Map<string, string>();
        for (const l of data.subscriptions) {
          if (l.kind !== 'recurring' || l.arr <= 0) continue;
          const f = firstPaid.get(l.accountId);
          if (f === undefined || l.startDate < f) firstPaid.set(l.accountId, l.startDate);
        }
        const inWindow = [...firstPaid.values()].filter((d) => d >= from && d < to);
        expect(r.cohorts.reduce((n, c) => n + c.customers, 0)).toBe(inWindow.length);
        for (const c of r.cohorts) expect(c.customers).toBe(inWindow.filter((d) => d.startsWith(c.month)).length);
      }),
      RUNS,
    );
  });

  it('contracted ARR is the ARR on asOf + 30, 90 and 365 days', () => {
    fc.assert(
      fc.property(datasetArb, asOfArb, (data, asOf) => {
        const r = computeKpis(data, asOf, settings());
        const ids = [...new Set(data.subscriptions.map((l) => l.accountId))];
        const total = (d: string) => ids.reduce((s, a) => s + naiveArr(data.subscriptions, a, d), 0);
        expect([r.contractedArr.d30, r.contractedArr.d90, r.contractedArr.d365]).toEqual(
          [30, 90, 365].map((n) => total(addDays(asOf, n))),
        );
      }),
      RUNS,
    );
  });
});
