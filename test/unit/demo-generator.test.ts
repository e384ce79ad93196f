import { parse } from 'csv-parse/sync';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoColumns,
  DemoOptionsError,
  generateDemoData,
  writeDemoFiles,
  type DemoData,
  type DemoRow,
} from '../../functions/adapters/sources/demo';
import { ENTITY_NAMES, type EntityName } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import {
  addDays,
  addMonths,
  isoWeekday,
  lastCompleteWeekEnd,
  type IsoDate,
  type IsoWeekday,
} from '../../functions/domain/dates';
import { parseMoney } from '../../functions/domain/money';

// 2026-11-23 is a Monday: the reported week is 2026-11-16 .. 2026-11-22.
const END = '2026-11-23';
const data = generateDemoData({ endDate: END });

const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
const cents = (s: string | undefined): number => {
  const c = parseMoney(s ?? '');
  if (c === null) throw new Error(`not money: ${s}`);
  return c;
};
const col = (r: DemoRow, k: string): string => r[k] ?? '';

// ---- a small reading of the raw rows, following the metric definitions ---------------------

interface Line {
  account: string;
  arr: number;
  start: IsoDate;
  end?: IsoDate;
}

class View {
  readonly asOf: IsoDate;
  readonly weekStart: IsoDate;
  private readonly lines = new Map<string, Line[]>();
  private readonly usage = new Map<string, Map<IsoDate, { wau: number; seats: number }>>();

  constructor(
    readonly d: DemoData,
    readonly endDate: IsoDate,
    weekStartsOn: IsoWeekday = 1,
  ) {
    this.asOf = lastCompleteWeekEnd(endDate, weekStartsOn);
    this.weekStart = addDays(this.asOf, -6);
    for (const r of d.subscriptions) {
      if (col(r, 'kind') === 'services') continue;
      const l: Line = {
        account: col(r, 'account_id'),
        arr: cents(r.arr),
        start: col(r, 'start_date'),
        end: col(r, 'end_date') || undefined,
      };
      const list = this.lines.get(l.account) ?? [];
      list.push(l);
      this.lines.set(l.account, list);
    }
    for (const u of d.usage) {
      const m = this.usage.get(col(u, 'account_id')) ?? new Map();
      m.set(col(u, 'week'), { wau: Number(u.weekly_active_users), seats: Number(u.licensed_seats) });
      this.usage.set(col(u, 'account_id'), m);
    }
  }

  accounts(): string[] {
    return [...this.lines.keys()];
  }

  arr(account: string, day: IsoDate): number {
    return (this.lines.get(account) ?? [])
      .filter((l) => l.start <= day && (l.end === undefined || day < l.end))
      .reduce((s, l) => s + l.arr, 0);
  }

  totalArr(day: IsoDate): number {
    return this.accounts().reduce((s, a) => s + this.arr(a, day), 0);
  }

  /** Day-by-day ARR movements in [from, to], as the bridge classifies them. */
  movements(
    from: IsoDate,
    to: IsoDate,
  ): Record<'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn', string[]> {
    const out = {
      new: [] as string[],
      reactivation: [] as string[],
      expansion: [] as string[],
      contraction: [] as string[],
      churn: [] as string[],
    };
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const prev = addDays(day, -1);
      for (const a of this.accounts()) {
        const o = this.arr(a, prev);
        const c = this.arr(a, day);
        if (o === 0 && c > 0) {
          const before = this.lines.get(a)!.some((l) => l.arr > 0 && l.start <= prev);
          out[before ? 'reactivation' : 'new'].push(a);
        } else if (o > 0 && c === 0) out.churn.push(a);
        else if (c > o && o > 0) out.expansion.push(a);
        else if (c < o && c > 0) out.contraction.push(a);
      }
    }
    return out;
  }

  openAt(r: DemoRow): boolean {
    return col(r, 'status') === 'open' || col(r, 'closed_date') > this.asOf;
  }

  wau(account: string, week: IsoDate): { wau: number; seats: number } | undefined {
    return this.usage.get(account)?.get(week);
  }

  usageTrend(account: string, week: IsoDate): number | null {
    const mean = (offsets: number[]) => {
      const rows = offsets.map((i) => this.wau(account, addDays(week, -7 * i))).filter((x) => x !== undefined);
      return rows.length ? rows.reduce((s, x) => s + x.wau, 0) / rows.length : null;
    };
    const last = mean([0, 1, 2, 3]);
    const before = mean([4, 5, 6, 7]);
    return last === null || before === null || before === 0 ? null : last / before - 1;
  }

  /** The health score of the metric definitions (default weights) at this view's asOf. */
  health(account: string): { score: number | null; band: string } {
    const asOf = this.asOf;
    const parts: [number, number][] = [];
    const week = this.wau(account, this.weekStart);
    if (week && week.seats > 0) parts.push([0.3, Math.min(week.wau / week.seats / 0.8, 1) * 100]);
    const trend = this.usageTrend(account, this.weekStart);
    if (trend !== null) parts.push([0.3, Math.max(0, Math.min(100, 50 + 100 * trend))]);
    const tickets = this.d.tickets.filter((t) => t.account_id === account && col(t, 'opened_date') <= asOf);
    if (tickets.length) {
      const p1 = tickets.filter((t) => t.priority === 'p1' && col(t, 'opened_date') >= addDays(asOf, -29)).length;
      parts.push([0.2, p1 === 0 ? 100 : p1 === 1 ? 50 : 0]);
    }
    const nps = this.d.nps
      .filter((n) => n.account_id === account && col(n, 'date') <= asOf && col(n, 'date') >= addDays(asOf, -179))
      .sort((x, y) => (col(x, 'date') + col(x, 'response_id') < col(y, 'date') + col(y, 'response_id') ? -1 : 1));
    const latest = nps[nps.length - 1];
    if (latest) {
      const s = Number(latest.score);
      parts.push([0.2, s >= 9 ? 100 : s >= 7 ? 60 : 0]);
    }
    const w = parts.reduce((s, p) => s + p[0], 0);
    if (w === 0) return { score: null, band: 'unscored' };
    const score = parts.reduce((s, p) => s + p[0] * p[1], 0) / w;
    return { score, band: score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red' };
  }
}

const days = (from: IsoDate, to: IsoDate) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/**
 * The planted events of the last complete week, checked on the raw rows. `several` (for the full
 * 300-account demo) also asks for several open renewals per bucket and a fuller pipeline.
 */
function expectInterestingLastWeek(d: DemoData, endDate: IsoDate, weekStartsOn: IsoWeekday = 1, several = false) {
  const atLeast = several ? 3 : 1;
  const v = new View(d, endDate, weekStartsOn);
  const { asOf, weekStart } = v;
  const inWeek = (day: string) => day >= weekStart && day <= asOf;

  // ARR movements of the week: each kind at least once.
  const m = v.movements(weekStart, asOf);
  for (const kind of ['new', 'reactivation', 'expansion', 'contraction', 'churn'] as const)
    expect(m[kind].length, kind).toBeGreaterThan(0);
  // The raw rows behind them: a recurring line ends in the week (churn), a first line starts (new logo).
  expect(
    d.subscriptions.some(
      (l) =>
        l.kind === 'recurring' && inWeek(col(l, 'end_date')) && v.arr(col(l, 'account_id'), col(l, 'end_date')) === 0,
    ),
  ).toBe(true);
  const firstStart = new Map<string, string>();
  for (const l of d.subscriptions)
    if (l.kind === 'recurring')
      firstStart.set(
        col(l, 'account_id'),
        [firstStart.get(col(l, 'account_id')) ?? '9999', col(l, 'start_date')].sort()[0]!,
      );
  expect([...firstStart.values()].some(inWeek)).toBe(true);

  // Renewals closed in the week, both ways.
  const closed = d.renewals.filter((r) => inWeek(col(r, 'closed_date')));
  expect(closed.filter((r) => r.status === 'renewed').length).toBeGreaterThanOrEqual(1);
  expect(closed.filter((r) => r.status === 'churned').length).toBeGreaterThanOrEqual(1);

  // A won expansion closed in the week, and an open pipeline.
  expect(d.expansions.some((x) => x.stage === 'won' && inWeek(col(x, 'close_date')))).toBe(true);
  expect(d.expansions.filter((x) => x.stage === 'open').length).toBeGreaterThanOrEqual(several ? 10 : 1);

  // Open renewals due within 30/60/90 days, and at least two overdue.
  const open = d.renewals.filter((r) => v.openAt(r));
  const dueIn = (r: DemoRow) => days(asOf, col(r, 'due_date'));
  expect(open.filter((r) => dueIn(r) > 0 && dueIn(r) <= 30).length).toBeGreaterThanOrEqual(atLeast);
  expect(open.filter((r) => dueIn(r) > 30 && dueIn(r) <= 60).length).toBeGreaterThanOrEqual(atLeast);
  expect(open.filter((r) => dueIn(r) > 60 && dueIn(r) <= 90).length).toBeGreaterThanOrEqual(atLeast);
  const overdue = open.filter((r) => dueIn(r) <= 0);
  expect(overdue.length).toBeGreaterThanOrEqual(2);
  for (const r of overdue)
    expect(v.arr(col(r, 'account_id'), asOf), 'an overdue renewal is still a customer').toBeGreaterThan(0);

  // Red health with a renewal due within 90 days (or overdue).
  const renewingSoon = new Set(open.filter((r) => dueIn(r) <= 90).map((r) => col(r, 'account_id')));
  const customers = v.accounts().filter((a) => v.arr(a, asOf) > 0);
  const red = customers.filter((a) => renewingSoon.has(a) && v.health(a).band === 'red');
  expect(red.length).toBeGreaterThanOrEqual(3);

  // Utilization below 40% for the 4 weeks up to asOf, with a renewal within 120 days.
  const renewing120 = new Set(open.filter((r) => dueIn(r) > 0 && dueIn(r) <= 120).map((r) => col(r, 'account_id')));
  const lowUtil = [...renewing120].filter((a) =>
    [0, 1, 2, 3].every((i) => {
      const u = v.wau(a, addDays(weekStart, -7 * i));
      return u !== undefined && u.seats > 0 && u.wau / u.seats < 0.4;
    }),
  );
  expect(lowUtil.length).toBeGreaterThanOrEqual(1);

  // Usage falling 30%+ with a renewal within 180 days.
  const renewing180 = open.filter((r) => dueIn(r) > 0 && dueIn(r) <= 180).map((r) => col(r, 'account_id'));
  expect(renewing180.some((a) => (v.usageTrend(a, weekStart) ?? 0) <= -0.3)).toBe(true);

  // A detractor in the last 14 days; an account with 2+ P1 tickets in the last 30 days.
  expect(
    d.nps.some((n) => Number(n.score) <= 6 && col(n, 'date') >= addDays(asOf, -13) && col(n, 'date') <= asOf),
  ).toBe(true);
  const p1 = new Map<string, number>();
  for (const t of d.tickets)
    if (t.priority === 'p1' && col(t, 'opened_date') >= addDays(asOf, -29) && col(t, 'opened_date') <= asOf)
      p1.set(col(t, 'account_id'), (p1.get(col(t, 'account_id')) ?? 0) + 1);
  expect([...p1.values()].some((n) => n >= 2)).toBe(true);
}

// ---- tests ---------------------------------------------------------------------------------

describe('generateDemoData', () => {
  it('is deterministic: same options, same rows; another seed, other rows', () => {
    const again = generateDemoData({ endDate: END, seed: 42, accounts: 300, years: 2, weekStartsOn: 1 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(data));
    const small = generateDemoData({ endDate: END, seed: 42, accounts: 40 });
    const other = generateDemoData({ endDate: END, seed: 7, accounts: 40 });
    expect(other.accounts.map((a) => a.name)).not.toEqual(small.accounts.map((a) => a.name));
    expect(other.usage).not.toEqual(small.usage);
    expect(other.subscriptions).not.toEqual(small.subscriptions);
  });

  it('produces rows that all validate against the data contract', () => {
    const failures: string[] = [];
    for (const entity of ENTITY_NAMES) {
      // The demo company bills in its reporting currency only: it has no exchange rates.
      if (entity === 'fx_rates') expect(data[entity], entity).toEqual([]);
      else expect(data[entity].length, entity).toBeGreaterThan(0);
      const columns = demoColumns(entity).join(',');
      data[entity].forEach((row, i) => {
        const r = validator.validate(entity, row);
        if (!r.ok) failures.push(`${entity}[${i}]: ${JSON.stringify(r.errors)}`);
        if (Object.keys(row).join(',') !== columns)
          failures.push(`${entity}[${i}]: columns ${Object.keys(row).join(',')}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('withBadRows appends 3-5 invalid rows, and exactly those fail validation', () => {
    const clean = generateDemoData({ endDate: END, accounts: 40 });
    const bad = generateDemoData({ endDate: END, accounts: 40, withBadRows: true });
    let planted = 0;
    for (const entity of ENTITY_NAMES) {
      const rows = bad[entity];
      // The rows before the planted ones are the clean data, unchanged and valid.
      expect(rows.slice(0, clean[entity].length), `${entity}: the valid rows are unchanged`).toEqual(clean[entity]);
      expect(
        clean[entity].filter((row) => !validator.validate(entity, row).ok),
        entity,
      ).toEqual([]);
      for (const row of rows.slice(clean[entity].length)) {
        expect(validator.validate(entity, row).ok, `${entity}: ${JSON.stringify(row)}`).toBe(false);
        planted++;
      }
    }
    expect(planted).toBeGreaterThanOrEqual(3);
    expect(planted).toBeLessThanOrEqual(5);
  });

  it('has ~300 accounts across segments, regions and ~8 CSMs, with an installed base and new logos', () => {
    expect(data.accounts).toHaveLength(300);
    const segments = new Map<string, number>();
    for (const a of data.accounts) segments.set(col(a, 'segment'), (segments.get(col(a, 'segment')) ?? 0) + 1);
    expect([...segments.keys()].sort()).toEqual(['Enterprise', 'Mid-Market', 'SMB']);
    expect(segments.get('SMB')!).toBeGreaterThan(segments.get('Enterprise')!);
    expect(new Set(data.accounts.map((a) => a.region)).size).toBeGreaterThanOrEqual(3);
    const owners = new Set(data.accounts.map((a) => col(a, 'owner_email')).filter(Boolean));
    expect(owners.size).toBe(8);
    for (const o of owners) expect(o).toMatch(/^[a-z]+\.[a-z]+@northwind\.example$/);
    const windowStart = addDays(addMonths(END, -24), 1);
    const before = data.accounts.filter((a) => col(a, 'created_date') < windowStart).length;
    expect(before).toBeGreaterThan(60);
    expect(300 - before).toBeGreaterThan(60);
    expect(data.subscriptions.some((l) => col(l, 'start_date') < windowStart && col(l, 'end_date') === '')).toBe(true);
    // ARR ranges by segment: enterprise accounts are far larger.
    const v = new View(data, END);
    const arrBy = (seg: string) => {
      const xs = data.accounts
        .filter((a) => a.segment === seg)
        .map((a) => v.arr(col(a, 'account_id'), END))
        .filter((x) => x > 0)
        .sort((x, y) => x - y);
      return xs[Math.floor(xs.length / 2)]!;
    };
    expect(arrBy('Enterprise')).toBeGreaterThan(arrBy('Mid-Market'));
    expect(arrBy('Mid-Market')).toBeGreaterThan(arrBy('SMB'));
  });

  it('keeps ids unique per entity (usage: per account and week) and references known accounts', () => {
    const key: { [K in EntityName]: (r: DemoRow) => string } = {
      accounts: (r) => col(r, 'account_id'),
      subscriptions: (r) => col(r, 'line_id'),
      renewals: (r) => col(r, 'renewal_id'),
      expansions: (r) => col(r, 'opportunity_id'),
      usage: (r) => `${col(r, 'account_id')}#${col(r, 'week')}`,
      tickets: (r) => col(r, 'ticket_id'),
      nps: (r) => col(r, 'response_id'),
      spend: (r) => col(r, 'month'),
      fx_rates: (r) => `${col(r, 'date')}#${col(r, 'currency')}`,
      targets: (r) => `${col(r, 'metric')}#${col(r, 'period')}`,
      annotations: (r) => `${col(r, 'date')}#${col(r, 'metric')}#${col(r, 'text')}`,
    };
    const known = new Set(data.accounts.map((a) => col(a, 'account_id')));
    for (const entity of ENTITY_NAMES) {
      const keys = data[entity].map(key[entity]);
      expect(new Set(keys).size, entity).toBe(keys.length);
      if (entity !== 'accounts' && entity !== 'spend' && entity !== 'targets' && entity !== 'annotations')
        expect(
          data[entity].filter((r) => !known.has(col(r, 'account_id'))),
          entity,
        ).toEqual([]);
    }
    expect(data.usage.filter((u) => isoWeekday(col(u, 'week')) !== 1)).toEqual([]);
  });

  it('has no data after endDate, only open renewals and pipeline with future dates', () => {
    const dated: [EntityName, string][] = [
      ['accounts', 'created_date'],
      ['subscriptions', 'start_date'],
      ['renewals', 'closed_date'],
      ['expansions', 'created_date'],
      ['usage', 'week'],
      ['tickets', 'opened_date'],
      ['tickets', 'closed_date'],
      ['nps', 'date'],
    ];
    for (const [entity, field] of dated)
      expect(
        data[entity].filter((r) => col(r, field) > END),
        `${entity}.${field}`,
      ).toEqual([]);
    expect(data.expansions.filter((x) => x.stage !== 'open' && col(x, 'close_date') > END)).toEqual([]);
    expect(data.expansions.filter((x) => x.stage === 'open' && col(x, 'close_date') <= END)).toEqual([]);
    // Usage covers complete weeks only, through the reported week.
    const weeks = [...new Set(data.usage.map((u) => col(u, 'week')))].sort();
    expect(weeks[weeks.length - 1]).toBe('2026-11-16');
    expect(weeks.length).toBeGreaterThanOrEqual(104);
  });

  it('covers every month of the window with sales & marketing spend', () => {
    const months = data.spend.map((s) => col(s, 'month'));
    const expected: string[] = [];
    for (
      let m = addDays(addMonths(END, -24), 1).slice(0, 7);
      m <= END.slice(0, 7);
      m = addMonths(`${m}-01`, 1).slice(0, 7)
    )
      expected.push(m);
    expect(months).toEqual(expected);
    for (const s of data.spend) expect(cents(s.sales_marketing)).toBeGreaterThan(0);
  });

  it('keeps renewals consistent with the subscription lines', () => {
    const v = new View(data, END);
    const statuses = new Set<string>();
    for (const r of data.renewals) {
      const a = col(r, 'account_id');
      const due = col(r, 'due_date');
      const before = v.arr(a, addDays(due, -1));
      const after = v.arr(a, due);
      statuses.add(col(r, 'status'));
      expect(cents(r.arr_up), `${col(r, 'renewal_id')} arr_up`).toBe(before);
      if (r.status === 'renewed') expect(cents(r.renewed_arr), `${col(r, 'renewal_id')} renewed_arr`).toBe(after);
      if (r.status === 'churned') expect(after, `${col(r, 'renewal_id')} churned`).toBe(0);
      if (r.status === 'open') expect(after, `${col(r, 'renewal_id')} open: lines unchanged`).toBe(before);
    }
    expect([...statuses].sort()).toEqual(['churned', 'open', 'renewed']);
    // Renewals fall on contract anniversaries: every churned account's lines end on a due date.
    const dues = new Set(data.renewals.map((r) => `${col(r, 'account_id')}#${col(r, 'due_date')}`));
    for (const l of data.subscriptions) {
      const end = col(l, 'end_date');
      if (l.kind !== 'recurring' || end === '' || end < data.renewals.map((r) => col(r, 'due_date')).sort()[0]!)
        continue;
      if (v.arr(col(l, 'account_id'), end) === 0) expect(dues.has(`${col(l, 'account_id')}#${end}`)).toBe(true);
    }
    // Both kinds of lines, reactivated accounts, and uplifted and reduced renewals exist.
    expect(data.subscriptions.some((l) => l.kind === 'services')).toBe(true);
    const renewed = data.renewals.filter((r) => r.status === 'renewed');
    expect(renewed.some((r) => cents(r.renewed_arr) > cents(r.arr_up))).toBe(true);
    expect(renewed.some((r) => cents(r.renewed_arr) < cents(r.arr_up))).toBe(true);
    expect(renewed.some((r) => cents(r.renewed_arr) === cents(r.arr_up))).toBe(true);
  });

  it('makes the last complete week before endDate interesting', () => {
    expectInterestingLastWeek(data, END, 1, true);
  });

  it('is relative to endDate: another end date (mid-week, around a leap day) is just as interesting', () => {
    const end = '2028-03-02'; // a Thursday: the reported week is 2028-02-21 .. 2028-02-27
    const d = generateDemoData({ endDate: end, accounts: 120, seed: 3 });
    for (const entity of ENTITY_NAMES)
      expect(
        d[entity].filter((row) => !validator.validate(entity, row).ok),
        entity,
      ).toEqual([]);
    expectInterestingLastWeek(d, end);
  });

  it('respects weekStartsOn', () => {
    const d = generateDemoData({ endDate: END, accounts: 60, weekStartsOn: 7 });
    expect(d.usage.filter((u) => isoWeekday(col(u, 'week')) !== 7)).toEqual([]);
    expectInterestingLastWeek(d, END, 7);
  });

  it('lets risk signals precede bad outcomes, with realistic retention', () => {
    const v = new View(data, END);
    // Most churns follow a usage decline: the 4 weeks before the due date vs the same weeks half a year earlier.
    const churned = data.renewals.filter((r) => r.status === 'churned');
    expect(churned.length).toBeGreaterThanOrEqual(10);
    let declined = 0;
    for (const r of churned) {
      const a = col(r, 'account_id');
      const wk = addDays(col(r, 'due_date'), -((isoWeekday(col(r, 'due_date')) - 1 + 7) % 7) - 7);
      const mean = (from: IsoDate) => {
        const xs = [0, 1, 2, 3].map((i) => v.wau(a, addDays(from, -7 * i))).filter((x) => x !== undefined);
        return xs.length ? xs.reduce((s, x) => s + x.wau / Math.max(1, x.seats), 0) / xs.length : null;
      };
      const late = mean(wk);
      const early = mean(addDays(wk, -182));
      if (late !== null && early !== null && late < early * 0.7) declined++;
    }
    expect(declined / churned.length).toBeGreaterThan(0.5);
    // NRR and GRR over the trailing twelve months look like a healthy B2B SaaS company.
    const b = addMonths(v.asOf, -12);
    const cohort = v.accounts().filter((a) => v.arr(a, b) > 0);
    const base = cohort.reduce((s, a) => s + v.arr(a, b), 0);
    const nrr = cohort.reduce((s, a) => s + v.arr(a, v.asOf), 0) / base;
    const grr = cohort.reduce((s, a) => s + Math.min(v.arr(a, v.asOf), v.arr(a, b)), 0) / base;
    expect(nrr).toBeGreaterThan(1);
    expect(nrr).toBeLessThan(1.3);
    expect(grr).toBeGreaterThan(0.8);
    expect(grr).toBeLessThan(0.99);
    expect(v.totalArr(END)).toBeGreaterThan(v.totalArr(b));
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateDemoData({ endDate: '2026-02-30' })).toThrow(DemoOptionsError);
    expect(() => generateDemoData({ endDate: END, accounts: 5 })).toThrow(/accounts/);
    expect(() => generateDemoData({ endDate: END, years: 0 })).toThrow(/years/);
  });
});

describe('writeDemoFiles', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one RFC 4180 CSV per entity with a header, byte-identical across runs, that reads back to the same rows', async () => {
    const small = generateDemoData({ endDate: END, accounts: 40, seed: 5, withBadRows: true });
    const written = await writeDemoFiles(small, dir);
    expect(written.map((w) => w.file)).toEqual(ENTITY_NAMES.map((n) => join(dir, `${n}.csv`)));
    for (const entity of ENTITY_NAMES) {
      const w = written.find((x) => x.file.endsWith(`${entity}.csv`))!;
      expect(w.rows).toBe(small[entity].length);
      const text = await readFile(w.file, 'utf8');
      expect(text.split('\r\n')[0]).toBe(demoColumns(entity).join(','));
      expect(parse(text, { columns: true })).toEqual(small[entity]);
    }
    const first = await readFile(join(dir, 'nps.csv'));
    await writeDemoFiles(generateDemoData({ endDate: END, accounts: 40, seed: 5, withBadRows: true }), dir);
    expect((await readFile(join(dir, 'nps.csv'))).equals(first)).toBe(true);
  });
});
