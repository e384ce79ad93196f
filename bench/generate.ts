// A fast synthetic generator for the benchmark: contract CSV files for N accounts with two years
// of history and weekly usage, streamed straight to disk (the demo generator builds every row as an
// object first, which takes ~9 s and 300 MB at 10k accounts and grows faster than linearly).
//
// The shape follows the demo's per-account mix: an installed base and new logos, yearly renewals
// (flat, uplift, contraction, churn, some reactivations), a few open/overdue renewals, expansion
// opportunities, one usage row per week while the account is a customer, tickets, NPS answers and
// monthly spend. Deterministic (seeded PRNG), no Math.random.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fromEpochDay, toEpochDay, type IsoDate } from '../functions/domain/dates';

export interface SyntheticOptions {
  accounts: number;
  /** The last day of data (the benchmark's asOf). */
  endDate: IsoDate;
  seed?: number;
}

export type RowCounts = Record<
  'accounts' | 'subscriptions' | 'renewals' | 'expansions' | 'usage' | 'tickets' | 'nps' | 'spend',
  number
>;

const HEADERS: Record<keyof RowCounts, string> = {
  accounts: 'account_id,name,segment,owner_email,region,created_date',
  subscriptions: 'line_id,account_id,product,kind,arr,start_date,end_date,seats',
  renewals: 'renewal_id,account_id,due_date,arr_up,status,closed_date,renewed_arr',
  expansions: 'opportunity_id,account_id,type,arr,stage,created_date,close_date',
  usage: 'account_id,week,weekly_active_users,licensed_seats',
  tickets: 'ticket_id,account_id,opened_date,priority,closed_date,csat',
  nps: 'response_id,account_id,date,score,comment',
  spend: 'month,sales_marketing',
};

/** mulberry32: small, fast, good enough for synthetic data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Buffered line writer: one write() per ~1 MB, awaiting drain. */
class Out {
  private buf: string[] = [];
  private size = 0;
  rows = 0;
  constructor(private readonly stream: WriteStream) {}
  line(s: string): Promise<void> | void {
    this.buf.push(s);
    this.rows++;
    this.size += s.length + 1;
    if (this.size >= 1 << 20) return this.flush();
  }
  flush(): Promise<void> | void {
    if (!this.buf.length) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) return new Promise((r) => this.stream.once('drain', () => r()));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((r, j) => this.stream.end((e?: Error | null) => (e ? j(e) : r())));
  }
}

const SEGMENTS = ['Enterprise', 'Mid-Market', 'SMB'] as const;
const REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM'];
const PRICE = { Enterprise: 60_000, 'Mid-Market': 40_000, SMB: 30_000 } as const; // cents per seat per year

interface Line {
  id: number;
  product: string;
  arr: number;
  start: number;
  end?: number;
  seats: number;
}

export async function writeSyntheticData(dir: string, opts: SyntheticOptions): Promise<RowCounts> {
  await mkdir(dir, { recursive: true });
  const out = Object.fromEntries(
    (Object.keys(HEADERS) as (keyof RowCounts)[]).map((e) => {
      const o = new Out(createWriteStream(join(dir, `${e}.csv`)));
      void o.line(HEADERS[e]);
      o.rows = 0;
      return [e, o];
    }),
  ) as Record<keyof RowCounts, Out>;

  const end = toEpochDay(opts.endDate);
  const windowStart = end - 2 * 365 + 1;
  // Date strings are precomputed once: formatting millions of dates is otherwise the main cost.
  const base = windowStart - 6 * 365;
  const dates: string[] = [];
  for (let d = base; d <= end + 400; d++) dates.push(fromEpochDay(d));
  const iso = (d: number) => dates[d - base] as string;
  // Week starts (Mondays) inside the window.
  const firstMonday = windowStart + ((8 - (((windowStart + 3) % 7) + 1)) % 7); // epoch day 0 (1970-01-01) is a Thursday
  const r = rng(opts.seed ?? 42);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

  let lineSeq = 0;
  let renewalSeq = 0;
  let oppSeq = 0;
  let ticketSeq = 0;
  let npsSeq = 0;

  for (let i = 1; i <= opts.accounts; i++) {
    const id = `ACC-${String(i).padStart(7, '0')}`;
    const segment = SEGMENTS[i % 10 < 2 ? 0 : i % 10 < 5 ? 1 : 2]!;
    const seats0 = segment === 'Enterprise' ? int(200, 1000) : segment === 'Mid-Market' ? int(50, 200) : int(5, 50);
    const price = PRICE[segment];
    const installed = r() < 0.65;
    const start = installed ? windowStart - int(1, 1460) : windowStart + int(0, 728);
    await out.accounts.line(
      `${id},Account ${i},${segment},csm${i % 40}@northwind.example,${REGIONS[i % 4]},${iso(start - int(0, 60))}`,
    );

    const lines: Line[] = [];
    const open = (product: string, arr: number, from: number, seats: number) => {
      const l: Line = { id: ++lineSeq, product, arr, start: from, seats };
      lines.push(l);
      return l;
    };
    const activeArr = (d: number) =>
      lines.reduce((s, l) => (l.start <= d && (l.end === undefined || l.end > d) ? s + l.arr : s), 0);
    let seats = seats0;
    let platform = open('Platform', seats * price, start, seats);
    if (r() < 0.3) open('Analytics add-on', Math.round(seats * price * 0.2), start, seats);
    // Customer intervals [from, to) for usage, tickets and NPS.
    const intervals: [number, number][] = [];
    let from = start;
    let alive = true;
    for (let due = start + 365; due <= end + 90; due += 365) {
      if (!alive) break;
      const arrUp = activeArr(due - 1);
      if (due < windowStart - 90) {
        // Before the window: only the line history matters (renewed flat).
        continue;
      }
      const rid = `REN-${++renewalSeq}`;
      if (due > end || (due > end - 60 && r() < 0.05)) {
        await out.renewals.line(`${rid},${id},${iso(due)},${(arrUp / 100).toFixed(2)},open,,`);
        continue;
      }
      const x = r();
      const closed = Math.min(end, due - int(0, 14));
      if (x < 0.07) {
        for (const l of lines) if (l.end === undefined) l.end = due;
        intervals.push([from, due]);
        alive = false;
        await out.renewals.line(`${rid},${id},${iso(due)},${(arrUp / 100).toFixed(2)},churned,${iso(closed)},`);
        if (r() < 0.3) {
          const back = due + int(60, 300);
          if (back <= end) {
            seats = Math.max(1, Math.round(seats * 0.7));
            platform = open('Platform', seats * price, back, seats);
            from = back;
            alive = true;
            // Renewals restart from the comeback: keep the yearly rhythm simple.
            due = back;
          }
        }
        continue;
      }
      if (x < 0.16) {
        platform.end = due;
        seats = Math.max(1, Math.round(seats * 0.8));
        platform = open('Platform', seats * price, due, seats);
      } else if (x < 0.34) {
        open('Platform uplift', Math.round(platform.arr * 0.15), due, 0);
      }
      await out.renewals.line(
        `${rid},${id},${iso(due)},${(arrUp / 100).toFixed(2)},renewed,${iso(closed)},${(activeArr(due) / 100).toFixed(2)}`,
      );
    }
    if (alive) intervals.push([from, end + 1]);

    for (const l of lines) {
      await out.subscriptions.line(
        `L-${l.id},${id},${l.product},recurring,${(l.arr / 100).toFixed(2)},${iso(l.start)},${l.end === undefined ? '' : iso(l.end)},${l.seats || ''}`,
      );
    }
    if (r() < 0.2)
      await out.subscriptions.line(`L-${++lineSeq},${id},Onboarding,services,${int(5, 20) * 1000}.00,${iso(start)},,`);

    // Expansion opportunities: ~0.75 per account.
    for (let k = r() < 0.5 ? 1 : r() < 0.5 ? 0 : 2; k > 0; k--) {
      const created = windowStart + int(0, 700);
      const stage = created > end - 60 ? 'open' : r() < 0.6 ? 'won' : 'lost';
      const close = stage === 'open' ? created + int(30, 120) : Math.min(end, created + int(10, 90));
      await out.expansions.line(
        `OPP-${++oppSeq},${id},${r() < 0.6 ? 'upsell' : 'cross_sell'},${int(5, 80) * 1000}.00,${stage},${iso(created)},${iso(close)}`,
      );
    }

    // Weekly usage while a customer, inside the window.
    const util = 0.3 + r() * 0.6;
    for (const [a, b] of intervals) {
      for (let w = firstMonday; w <= end; w += 7) {
        if (w + 6 < a || w >= b) continue;
        const wau = Math.max(0, Math.round(seats * (util + (r() - 0.5) * 0.2)));
        await out.usage.line(`${id},${iso(w)},${wau},${seats}`);
      }
    }

    // Tickets (~6.5 a year) and NPS answers (~1.25 a year) while a customer.
    for (const [a, b] of intervals) {
      const lo = Math.max(a, windowStart);
      const hi = Math.min(b - 1, end);
      if (hi < lo) continue;
      const years = (hi - lo + 1) / 365;
      const tickets = Math.round(years * 6.5 * (0.5 + r()));
      for (let k = 0; k < tickets; k++) {
        const opened = int(lo, hi);
        const p = r();
        const priority = p < 0.05 ? 'p1' : p < 0.25 ? 'p2' : p < 0.7 ? 'p3' : 'p4';
        const closedDay = opened + int(0, 20);
        const closed = closedDay <= end && r() < 0.9 ? iso(closedDay) : '';
        const csat = closed && r() < 0.6 ? String(int(1, 5)) : '';
        await out.tickets.line(`T-${++ticketSeq},${id},${iso(opened)},${priority},${closed},${csat}`);
      }
      const answers = Math.round(years * 1.25 * (0.5 + r()));
      for (let k = 0; k < answers; k++) {
        await out.nps.line(`N-${++npsSeq},${id},${iso(int(lo, hi))},${int(0, 10)},`);
      }
    }
  }

  // Monthly spend: 25 months up to the end month.
  const [y, m] = opts.endDate.split('-').map(Number) as [number, number];
  for (let k = 24; k >= 0; k--) {
    const idx = y * 12 + (m - 1) - k;
    const month = `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
    await out.spend.line(`${month},${Math.round(opts.accounts * 150)}.00`);
  }

  const counts = {} as RowCounts;
  for (const [e, o] of Object.entries(out) as [keyof RowCounts, Out][]) {
    counts[e] = o.rows;
    await o.close();
  }
  return counts;
}
