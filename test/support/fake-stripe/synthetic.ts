// A large, deterministic Stripe billing history generated lazily from indices, for the benchmark:
// e.g. 20,000 customers and exactly 1,000,000 invoice line items without holding the line items
// (or the invoices) in memory. Per customer a profile (currency, plan, items, status, tax,
// discount, history length) is drawn from a hash of (seed, customer); the line-item budget is
// split over customers in proportion to the lines their profile would bill, so the total is exact.
// Invoices are indexed by typed arrays in list order (created desc), so a page, a customer's
// invoices and a created range are found without scanning objects.
//
// What the history holds: monthly, quarterly and annual plans (a core plan, seats, add-ons, a
// metered usage item on some monthly plans), prices re-priced 18 months ago (the old prices are
// archived but still billed by old invoices), coupons (forever and first-3-invoices), inclusive
// VAT (EUR, GBP) and exclusive US sales tax, seat upgrades billed as proration pairs (as
// subscription-item lines or as pending invoice items), onboarding and services one-offs,
// canceled subscriptions (at period end, some months ago), scheduled cancellations, past_due
// subscriptions with open invoices, trials with a zero invoice, incomplete_expired ones with a
// void invoice, voided-and-reissued invoices, uncollectible ones, renewal drafts of the last
// hour, customers with no subscription, and USD, EUR, GBP, JPY (zero-decimal) and KWD
// (three-decimal) customers. Invoices with more than 10 line items exist (enterprise annual
// plans), so `lines.has_more` paging is exercised. Events cover the last 35 days (the server
// shows 30): one per invoice, plus customer.subscription.created (trials), .updated (a
// cancellation requested) and .deleted (a subscription ended).
import Stripe from 'stripe';
import {
  customer as buildCustomer,
  hash32,
  invoice as buildInvoice,
  line as buildLine,
  price as buildPrice,
  subscription as buildSubscription,
  subscriptionItem,
  ts,
} from './builders';
import {
  inRange,
  typeMatches,
  type FakeStripeStore,
  type ListFilters,
  type ListRequest,
  type PageRequest,
  type PageResult,
  type RangeFilter,
  type StripeObjectKind,
  type StripeObjects,
} from './list';

export interface SyntheticOptions {
  customers: number;
  /** Exact number of invoice line items over all invoices. */
  invoiceLinesTotal: number;
  seed?: number;
  /** End of the history (epoch seconds); default 2026-12-01T00:00:00Z. Also the server's "now" for event retention. */
  now?: number;
}

export interface SyntheticExpected {
  customers: number;
  prices: { active: number; archived: number; total: number };
  subscriptions: { total: number; byStatus: Record<string, number>; hiddenByDefault: number };
  invoices: { total: number; byStatus: Record<string, number>; withMoreThan10Lines: number };
  lineItems: number;
  /** Line items on paid or open invoices (the ones the revenue rules count). */
  lineItemsOnPaidOrOpen: number;
  /** Events within 30 days of `now`: one per invoice created in that window (invoice.paid, .finalized, .created, .voided, .marked_uncollectible) and the subscriptions' created (trials), updated (cancellation requested) and deleted (ended). */
  events: number;
  eventsByType: Record<string, number>;
}

type SubStatus = 'active' | 'canceled' | 'past_due' | 'trialing' | 'incomplete_expired' | 'none';
type TaxKind = 'none' | 'none-null' | 'inclusive' | 'exclusive';

interface Profile {
  c: number;
  currency: string;
  interval: 'month' | 'year';
  intervalCount: number;
  /** Months per period. */
  step: number;
  /** Licensed items: 0 core, 1 seats, 2.. add-ons. */
  nItems: number;
  metered: boolean;
  status: SubStatus;
  draftRenewal: boolean;
  voidReissue: boolean;
  uncollectibleAt: number;
  cancelScheduled: boolean;
  tax: TaxKind;
  discountPct: number;
  /** Coupon applies to invoices with k < discountUntil. */
  discountUntil: number;
  q0: number;
  q1: number;
  /** Period index whose invoice carries the upgrade's proration pair (-1: none). */
  prorK: number;
  prorAsInvoiceItems: boolean;
  onboarding: boolean;
  servicesN: number;
  /** Periods billed (invoices without the void duplicate). */
  K: number;
  /** First period: month index (year*12+month), anchor day, seconds into the day. */
  M0: number;
  day: number;
  tod: number;
  trialStart: number;
  customerCreated: number;
  subCreated: number;
  canceledAt: number | null;
  endedAt: number | null;
  cancelAt: number | null;
  segment: string;
  name: string;
}

const DAY = 86_400;
const CURRENCIES = ['usd', 'eur', 'gbp', 'jpy', 'kwd'] as const;
/** Minor units per USD cent, rounded to a step that the currency allows. */
const FX: Record<string, { factor: number; round: number }> = {
  usd: { factor: 1, round: 100 },
  eur: { factor: 0.92, round: 100 },
  gbp: { factor: 0.79, round: 100 },
  jpy: { factor: 1.5, round: 100 },
  kwd: { factor: 3.07, round: 10 },
};
const PRODUCTS = [
  ['core', 'Pulse Platform', 49_900],
  ['seats', 'Seats', 2_500],
  ['analytics', 'Analytics add-on', 9_900],
  ['sso', 'SSO add-on', 14_900],
  ['support', 'Premium support', 19_900],
  ['audit', 'Audit log', 4_900],
  ['sandbox', 'Sandbox workspace', 7_900],
  ['api', 'API access', 12_900],
  ['warehouse', 'Warehouse sync', 24_900],
  ['alerts', 'Advanced alerts', 3_900],
  ['residency', 'Data residency', 29_900],
  ['backup', 'Extended backups', 5_900],
  ['training', 'Training seats', 8_900],
  ['sla', 'Uptime SLA', 15_900],
] as const;
const MAX_ITEMS = PRODUCTS.length;
const WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Soylent',
  'Cyberdyne',
  'Wonka',
  'Gringotts',
  'Oceanic',
  'Aperture',
  'Monarch',
];
const SUFFIX = ['Labs', 'Systems', 'Health', 'Logistics', 'Analytics', 'Foods', 'Capital', 'Energy', 'Retail', 'Media'];
const PAD = 10;
const BASE = 36 ** PAD - 1;
const STATUS_CODES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;
const EVENT_TYPE: Record<string, Stripe.Event.Type> = {
  draft: 'invoice.created',
  open: 'invoice.finalized',
  paid: 'invoice.paid',
  uncollectible: 'invoice.marked_uncollectible',
  void: 'invoice.voided',
};
const SUB_EVENT_TYPES: Stripe.Event.Type[] = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
];
const EVENT_TYPES: Stripe.Event.Type[] = [...STATUS_CODES.map((s) => EVENT_TYPE[s]!), ...SUB_EVENT_TYPES];
const EVENT_DELAY = 60;
/** Events are generated for the last 35 days (the server shows the last 30). */
const EVENT_WINDOW = 35 * DAY;

/** Position-encoding ids: a fixed width, so the id order is the reverse of the position order (Stripe's tie-break). */
function encodeId(prefix: string, pos: number): string {
  return `${prefix}_1Syn${(BASE - pos).toString(36).padStart(PAD, '0')}`;
}
function decodeId(prefix: string, id: string): number {
  const head = `${prefix}_1Syn`;
  if (!id.startsWith(head) || id.length !== head.length + PAD) return -1;
  const n = parseInt(id.slice(head.length), 36);
  return Number.isFinite(n) ? BASE - n : -1;
}

function monthStart(M: number, day: number, tod: number): number {
  const y = Math.floor(M / 12);
  const m = M - y * 12;
  const dim = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(day, dim)) / 1000 + tod;
}
function monthIndex(epochSeconds: number): number {
  const d = new Date(epochSeconds * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Candidates of a list: positions in list order (ascending), from a range or an index. */
interface Candidates {
  size: number;
  at(i: number): number;
  /** First index whose position is >= pos. */
  lowerBound(pos: number): number;
}
const rangeOf = (lo: number, hi: number): Candidates => ({
  size: Math.max(0, hi - lo),
  at: (i) => lo + i,
  lowerBound: (pos) => Math.min(Math.max(pos - lo, 0), Math.max(0, hi - lo)),
});
const arrayOf = (a: Int32Array): Candidates => ({
  size: a.length,
  at: (i) => a[i]!,
  lowerBound: (pos) => {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  },
});

function pagePositions(
  c: Candidates,
  keep: (pos: number) => boolean,
  cursor: (id: string) => number,
  page: PageRequest,
): { positions: number[]; hasMore: boolean } | { missingCursor: string } {
  const out: number[] = [];
  if (page.endingBefore !== undefined) {
    const g = cursor(page.endingBefore);
    if (g < 0) return { missingCursor: page.endingBefore };
    let i = c.lowerBound(g) - 1;
    for (; i >= 0 && out.length < page.limit; i--) if (keep(c.at(i))) out.push(c.at(i));
    let hasMore = false;
    for (; i >= 0 && !hasMore; i--) hasMore = keep(c.at(i));
    return { positions: out.reverse(), hasMore };
  }
  let i = 0;
  if (page.startingAfter !== undefined) {
    const g = cursor(page.startingAfter);
    if (g < 0) return { missingCursor: page.startingAfter };
    i = c.lowerBound(g + 1);
  }
  for (; i < c.size && out.length < page.limit; i++) if (keep(c.at(i))) out.push(c.at(i));
  let hasMore = false;
  for (; i < c.size && !hasMore; i++) hasMore = keep(c.at(i));
  return { positions: out, hasMore };
}

/** Positions [lo, hi) of a created-descending array whose `created` is in the range. */
function createdSlice(created: Uint32Array, size: number, r: RangeFilter | undefined): [number, number] {
  if (!r) return [0, size];
  const upper = Math.min(r.lte ?? Infinity, r.lt !== undefined ? r.lt - 1 : Infinity);
  const lower = Math.max(r.gte ?? -Infinity, r.gt !== undefined ? r.gt + 1 : -Infinity);
  // first position with created <= upper
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (created[mid]! > upper) lo = mid + 1;
    else hi = mid;
  }
  const start = lo;
  hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (created[mid]! >= lower) lo = mid + 1;
    else hi = mid;
  }
  return [start, lo];
}

export class SyntheticStripeStore implements FakeStripeStore {
  readonly now: number;
  readonly options: Readonly<Required<SyntheticOptions>>;
  private readonly profiles: Profile[];
  // Invoices in list order (position 0 = newest).
  private readonly invCust: Int32Array;
  private readonly invK: Int16Array;
  private readonly invStatus: Uint8Array;
  private readonly invLines: Uint16Array;
  private readonly invCreated: Uint32Array;
  /** Per customer: its invoice positions (ascending = newest first), CSR. */
  private readonly custInvStart: Int32Array;
  private readonly custInv: Int32Array;
  private readonly custOrder: Int32Array;
  private readonly custPos: Int32Array;
  private readonly custCreated: Uint32Array;
  private readonly subOrder: Int32Array;
  private readonly subPos: Int32Array;
  private readonly subCreated: Uint32Array;
  private readonly prices: Stripe.Price[];
  private readonly priceById = new Map<string, Stripe.Price>();
  private readonly priceIndex = new Map<string, Stripe.Price>();
  // Events in list order: an invoice event (kind 0, ref = invoice position) or a subscription event (kind 1, ref = customer).
  private readonly evKind: Uint8Array;
  private readonly evRef: Int32Array;
  private readonly evType: Uint8Array;
  private readonly evCreated: Uint32Array;
  private readonly expectedCounts: SyntheticExpected;

  constructor(opts: SyntheticOptions) {
    const o = { seed: 1, now: ts('2026-12-01T00:00:00'), ...opts };
    this.options = o;
    this.now = o.now;
    const N = o.customers;
    const L = o.invoiceLinesTotal;
    this.prices = this.buildPrices();
    for (const p of this.prices) this.priceById.set(p.id, p);

    // 1. Profiles and weights.
    const drafts = Array.from({ length: N }, (_, c) => this.draftProfile(c));
    const weights = drafts.map((d) => d.weight);
    const W = weights.reduce((a, w) => a + w, 0);
    if (L > 0 && W === 0) throw new Error('synthetic: no customer has a subscription to bill');
    // 2. Exact split of the line budget (floor of cumulative shares).
    this.profiles = [];
    let cum = 0;
    let given = 0;
    const rawCust: number[] = [];
    const rawK: number[] = [];
    const rawStatus: number[] = [];
    const rawLines: number[] = [];
    const rawCreated: number[] = [];
    for (let c = 0; c < N; c++) {
      cum += weights[c]!;
      const upto = W === 0 ? 0 : Math.floor((L * cum) / W);
      const budget = upto - given;
      given = upto;
      const p = this.finishProfile(drafts[c]!.profile, budget);
      this.profiles.push(p);
      for (const e of this.entriesOf(p)) {
        rawCust.push(c);
        rawK.push(e.k);
        rawStatus.push(STATUS_CODES.indexOf(e.status as (typeof STATUS_CODES)[number]));
        rawLines.push(e.lines);
        rawCreated.push(e.created);
      }
    }
    // 3. Invoices in list order: created desc, ties in a fixed order (the ids follow the positions).
    const I = rawCust.length;
    const perm = new Int32Array(I);
    for (let i = 0; i < I; i++) perm[i] = i;
    perm.sort((a, b) => rawCreated[b]! - rawCreated[a]! || b - a);
    this.invCust = new Int32Array(I);
    this.invK = new Int16Array(I);
    this.invStatus = new Uint8Array(I);
    this.invLines = new Uint16Array(I);
    this.invCreated = new Uint32Array(I);
    for (let pos = 0; pos < I; pos++) {
      const r = perm[pos]!;
      this.invCust[pos] = rawCust[r]!;
      this.invK[pos] = rawK[r]!;
      this.invStatus[pos] = rawStatus[r]!;
      this.invLines[pos] = rawLines[r]!;
      this.invCreated[pos] = rawCreated[r]!;
    }
    this.custInvStart = new Int32Array(N + 1);
    for (let pos = 0; pos < I; pos++) this.custInvStart[this.invCust[pos]! + 1]!++;
    for (let c = 0; c < N; c++) this.custInvStart[c + 1]! += this.custInvStart[c]!;
    this.custInv = new Int32Array(I);
    const fill = this.custInvStart.slice(0, N);
    for (let pos = 0; pos < I; pos++) this.custInv[fill[this.invCust[pos]!]!++] = pos;

    // 4. Customers and subscriptions in list order.
    const order = (keys: number[], members: number[]) => {
      const sorted = Int32Array.from(members).sort((a, b) => keys[b]! - keys[a]! || b - a);
      const pos = new Int32Array(N).fill(-1);
      sorted.forEach((c, i) => (pos[c] = i));
      const created = Uint32Array.from(sorted, (c) => keys[c]!);
      return { sorted, pos, created };
    };
    const all = Array.from({ length: N }, (_, c) => c);
    const cs = order(
      this.profiles.map((p) => p.customerCreated),
      all,
    );
    this.custOrder = cs.sorted;
    this.custPos = cs.pos;
    this.custCreated = cs.created;
    const ss = order(
      this.profiles.map((p) => p.subCreated),
      all.filter((c) => this.profiles[c]!.status !== 'none'),
    );
    this.subOrder = ss.sorted;
    this.subPos = ss.pos;
    this.subCreated = ss.created;

    // 5. Events of the last EVENT_WINDOW: one per invoice (its status' event), and the subscriptions'
    // created (trials), updated (a cancellation requested) and deleted (ended) events.
    const ev: { kind: number; ref: number; type: number; created: number }[] = [];
    const from = this.now - EVENT_WINDOW;
    for (let pos = 0; pos < I && this.invCreated[pos]! >= from; pos++) {
      ev.push({ kind: 0, ref: pos, type: this.invStatus[pos]!, created: this.invCreated[pos]! + EVENT_DELAY });
    }
    const subType = (t: Stripe.Event.Type) => EVENT_TYPES.indexOf(t);
    for (const p of this.profiles) {
      if (p.status === 'trialing' && p.subCreated >= from)
        ev.push({ kind: 1, ref: p.c, type: subType('customer.subscription.created'), created: p.subCreated });
      if (p.canceledAt !== null && p.canceledAt >= from && p.canceledAt <= this.now)
        ev.push({ kind: 1, ref: p.c, type: subType('customer.subscription.updated'), created: p.canceledAt });
      if (p.status === 'canceled' && p.endedAt! >= from && p.endedAt! <= this.now)
        ev.push({ kind: 1, ref: p.c, type: subType('customer.subscription.deleted'), created: p.endedAt! });
    }
    ev.sort((a, b) => b.created - a.created || b.kind - a.kind || b.ref - a.ref || b.type - a.type);
    this.evKind = Uint8Array.from(ev, (e) => e.kind);
    this.evRef = Int32Array.from(ev, (e) => e.ref);
    this.evType = Uint8Array.from(ev, (e) => e.type);
    this.evCreated = Uint32Array.from(ev, (e) => e.created);
    this.expectedCounts = this.count();
  }

  /** Exact counts of what the store serves, for the benchmark to check a sync against. */
  expected(): SyntheticExpected {
    return structuredClone(this.expectedCounts);
  }

  // -------------------------------------------------------------------------------------------
  // FakeStripeStore

  list<K extends StripeObjectKind>(kind: K, req: ListRequest<K>): PageResult<StripeObjects[K]> {
    const r = this.listPositions(kind, req);
    if ('missingCursor' in r) return r;
    const make = (pos: number) => this.materialize(kind, pos) as StripeObjects[K];
    return { data: r.positions.map(make), hasMore: r.hasMore };
  }

  retrieve<K extends StripeObjectKind>(kind: K, id: string): StripeObjects[K] | undefined {
    const pos = this.positionOf(kind, id);
    return pos < 0 ? undefined : (this.materialize(kind, pos) as StripeObjects[K]);
  }

  invoiceLines(invoiceId: string, page: PageRequest): PageResult<Stripe.InvoiceLineItem> | undefined {
    const pos = this.positionOf('invoices', invoiceId);
    if (pos < 0) return undefined;
    const n = this.invLines[pos]!;
    const cursor = (id: string) => {
      const v = decodeId('il', id);
      return v >= 0 && Math.floor(v / 256) === pos && v % 256 < n ? v % 256 : -1;
    };
    const r = pagePositions(rangeOf(0, n), () => true, cursor, page);
    if ('missingCursor' in r) return r;
    const lines = this.linesOf(pos);
    return { data: r.positions.map((j) => lines[j]!), hasMore: r.hasMore };
  }

  // -------------------------------------------------------------------------------------------
  // Positions

  private positionOf(kind: StripeObjectKind, id: string): number {
    switch (kind) {
      case 'customers': {
        const pos = decodeId('cus', id);
        return pos >= 0 && pos < this.custOrder.length ? pos : -1;
      }
      case 'subscriptions': {
        const pos = decodeId('sub', id);
        return pos >= 0 && pos < this.subOrder.length ? pos : -1;
      }
      case 'invoices': {
        const pos = decodeId('in', id);
        return pos >= 0 && pos < this.invCust.length ? pos : -1;
      }
      case 'events': {
        const pos = decodeId('evt', id);
        return pos >= 0 && pos < this.evKind.length ? pos : -1;
      }
      case 'prices': {
        const p = this.priceById.get(id);
        return p ? this.prices.indexOf(p) : -1;
      }
    }
  }

  private listPositions<K extends StripeObjectKind>(kind: K, req: ListRequest<K>) {
    const cursor = (id: string) => this.positionOf(kind, id);
    switch (kind) {
      case 'customers': {
        const f = req.filter as ListFilters['customers'];
        const [lo, hi] = createdSlice(this.custCreated, this.custOrder.length, f.created);
        const keep =
          f.email === undefined ? () => true : (pos: number) => this.emailOf(this.custOrder[pos]!) === f.email;
        return pagePositions(rangeOf(lo, hi), keep, cursor, req);
      }
      case 'prices': {
        const f = req.filter as ListFilters['prices'];
        const keep = (pos: number) => {
          const p = this.prices[pos]!;
          return (
            (f.active === undefined || p.active === f.active) &&
            inRange(p.created, f.created) &&
            (f.currency === undefined || p.currency === f.currency.toLowerCase()) &&
            (f.product === undefined || p.product === f.product) &&
            (f.type === undefined || p.type === f.type)
          );
        };
        return pagePositions(rangeOf(0, this.prices.length), keep, cursor, req);
      }
      case 'subscriptions': {
        const f = req.filter as ListFilters['subscriptions'];
        let cands: Candidates;
        if (f.customer !== undefined) {
          const cPos = decodeId('cus', f.customer);
          const c = cPos >= 0 && cPos < this.custOrder.length ? this.custOrder[cPos]! : -1;
          const sPos = c >= 0 ? this.subPos[c]! : -1;
          cands = sPos >= 0 ? rangeOf(sPos, sPos + 1) : rangeOf(0, 0);
        } else {
          const [lo, hi] = createdSlice(this.subCreated, this.subOrder.length, f.created);
          cands = rangeOf(lo, hi);
        }
        const keep = (pos: number) => {
          const p = this.profiles[this.subOrder[pos]!]!;
          if (f.statuses !== undefined && !f.statuses.includes(p.status)) return false;
          if (!inRange(p.subCreated, f.created)) return false;
          if (f.price !== undefined && !this.itemsOf(p).some((it) => it.price.id === f.price)) return false;
          return true;
        };
        return pagePositions(cands, keep, cursor, req);
      }
      case 'invoices': {
        const f = req.filter as ListFilters['invoices'];
        let custFilter = -1;
        if (f.customer !== undefined || f.subscription !== undefined) {
          const viaCustomer = f.customer !== undefined ? decodeId('cus', f.customer) : -1;
          const cFromCus = viaCustomer >= 0 && viaCustomer < this.custOrder.length ? this.custOrder[viaCustomer]! : -2;
          const viaSub = f.subscription !== undefined ? decodeId('sub', f.subscription) : -1;
          const cFromSub = viaSub >= 0 && viaSub < this.subOrder.length ? this.subOrder[viaSub]! : -2;
          if (f.customer !== undefined && f.subscription !== undefined)
            custFilter = cFromCus === cFromSub ? cFromCus : -2;
          else custFilter = f.customer !== undefined ? cFromCus : cFromSub;
        }
        const status = f.status === undefined ? -1 : STATUS_CODES.indexOf(f.status as (typeof STATUS_CODES)[number]);
        let cands: Candidates;
        if (custFilter === -2) cands = rangeOf(0, 0);
        else if (custFilter >= 0)
          cands = arrayOf(this.custInv.subarray(this.custInvStart[custFilter]!, this.custInvStart[custFilter + 1]!));
        else {
          const [lo, hi] = createdSlice(this.invCreated, this.invCust.length, f.created);
          cands = rangeOf(lo, hi);
        }
        const keep = (pos: number) =>
          (status < 0 || this.invStatus[pos] === status) && inRange(this.invCreated[pos]!, f.created);
        return pagePositions(cands, keep, cursor, req);
      }
      case 'events': {
        const f = req.filter as ListFilters['events'];
        const created =
          f.createdAfter !== undefined
            ? { ...f.created, gt: Math.max(f.created?.gt ?? -Infinity, f.createdAfter) }
            : f.created;
        const [lo, hi] = createdSlice(this.evCreated, this.evCreated.length, created);
        const keep =
          f.types === undefined ? () => true : (pos: number) => typeMatches(EVENT_TYPES[this.evType[pos]!]!, f.types);
        return pagePositions(rangeOf(lo, hi), keep, cursor, req);
      }
    }
    throw new Error(`synthetic: unknown kind ${String(kind)}`);
  }

  private materialize(kind: StripeObjectKind, pos: number): unknown {
    switch (kind) {
      case 'customers':
        return this.customerAt(pos);
      case 'prices':
        return this.prices[pos];
      case 'subscriptions':
        return this.subscriptionOf(this.profiles[this.subOrder[pos]!]!);
      case 'invoices':
        return this.invoiceAt(pos);
      case 'events':
        return this.eventAt(pos);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Profiles

  private h(c: number, salt: number): number {
    return hash32(this.options.seed, c, salt);
  }
  private u(c: number, salt: number): number {
    return this.h(c, salt) / 4_294_967_296;
  }

  private draftProfile(c: number): { profile: Profile; weight: number } {
    const u = (s: number) => this.u(c, s);
    const cu = u(1);
    const currency = cu < 0.65 ? 'usd' : cu < 0.82 ? 'eur' : cu < 0.92 ? 'gbp' : cu < 0.97 ? 'jpy' : 'kwd';
    const iu = u(2);
    const annual = iu < 0.25;
    const quarterly = !annual && iu < 0.3;
    const enterprise = annual && u(3) < 0.12;
    const nItems = enterprise ? 9 + (this.h(c, 4) % 6) : annual ? 2 + (this.h(c, 4) % 6) : 1 + (this.h(c, 4) % 4);
    const metered = !annual && !quarterly && u(5) < 0.2;
    const su = u(6);
    const status: SubStatus =
      su < 0.015
        ? 'none'
        : su < 0.075
          ? 'canceled'
          : su < 0.095
            ? 'past_due'
            : su < 0.115
              ? 'trialing'
              : su < 0.12
                ? 'incomplete_expired'
                : 'active';
    const tu = u(7);
    const tax: TaxKind =
      currency === 'eur' || currency === 'gbp'
        ? tu < 0.8
          ? 'inclusive'
          : 'none'
        : currency === 'usd' && tu < 0.3
          ? 'exclusive'
          : tu < 0.9
            ? 'none'
            : 'none-null';
    const du = u(8);
    const step = annual ? 12 : quarterly ? 3 : 1;
    const n = nItems + (metered ? 1 : 0);
    const periods =
      status === 'trialing' || status === 'incomplete_expired'
        ? 1
        : annual
          ? 1 + (this.h(c, 9) % 5)
          : quarterly
            ? 2 + (this.h(c, 9) % 12)
            : 3 + (this.h(c, 9) % 40);
    const q0 = 1 + (this.h(c, 10) % 40);
    const profile: Profile = {
      c,
      currency,
      interval: annual ? 'year' : 'month',
      intervalCount: quarterly ? 3 : 1,
      step,
      nItems,
      metered,
      status,
      draftRenewal: status === 'active' && u(11) < 0.01,
      voidReissue: (status === 'active' || status === 'canceled') && u(12) < 0.03,
      uncollectibleAt: -1,
      cancelScheduled: status === 'active' && u(13) < 0.04,
      tax,
      discountPct: du < 0.1 ? 10 : du < 0.15 ? 20 : du < 0.2 ? 25 : 0,
      discountUntil: du < 0.15 ? Infinity : 3,
      q0,
      q1: q0 + 1 + (this.h(c, 14) % 10),
      prorK: -1,
      prorAsInvoiceItems: u(15) < 0.3,
      onboarding: false,
      servicesN: 0,
      K: periods,
      M0: 0,
      day: 1 + (this.h(c, 16) % 31),
      tod: this.h(c, 17) % DAY,
      trialStart: 0,
      customerCreated: 0,
      subCreated: 0,
      canceledAt: null,
      endedAt: null,
      cancelAt: null,
      segment: enterprise ? 'enterprise' : annual ? 'mid-market' : 'smb',
      name: `${WORDS[this.h(c, 18) % WORDS.length]} ${SUFFIX[this.h(c, 19) % SUFFIX.length]} ${c}`,
    };
    return { profile, weight: status === 'none' ? 0 : n * periods };
  }

  /** Fixes the history of a customer to exactly `budget` line items. */
  private finishProfile(p: Profile, budget: number): Profile {
    const now = this.now;
    if (p.status === 'none' || budget <= 0) {
      p.status = 'none';
      p.K = 0;
      p.customerCreated = now - (30 + (this.h(p.c, 20) % 700)) * DAY - (this.h(p.c, 21) % DAY);
      return p;
    }
    let n = p.nItems + (p.metered ? 1 : 0);
    if (budget < n) {
      // Too small a share for the whole plan: fewer add-ons (and no metered item).
      p.metered = false;
      p.nItems = Math.min(p.nItems, budget);
      n = p.nItems;
    }
    const single = p.status === 'trialing' || p.status === 'incomplete_expired';
    // The voided original of period 1 has the same lines as its reissue, so period 1 carries no extras (K >= 4).
    const dup = !single && p.voidReissue && budget >= 5 * n;
    p.voidReissue = dup;
    p.K = single ? 1 : Math.max(1, Math.floor(budget / n) - (dup ? 1 : 0));
    let r = budget - n * (p.K + (dup ? 1 : 0));
    if (r >= 2 && p.K >= 3 && p.nItems >= 2) {
      p.prorK = p.K - 2;
      r -= 2;
    }
    if (r >= 1) {
      p.onboarding = true;
      r -= 1;
    }
    p.servicesN = r;
    if (p.status === 'past_due' && p.K >= 3 && this.u(p.c, 22) < 0.5) p.uncollectibleAt = p.K - 2;
    else if (p.status === 'active' && p.K >= 4 && this.u(p.c, 22) < 0.01) p.uncollectibleAt = 1;

    // Timeline.
    if (p.status === 'trialing') {
      p.trialStart = now - (1 + (this.h(p.c, 23) % 12)) * DAY - (this.h(p.c, 24) % DAY);
      p.M0 = monthIndex(p.trialStart);
      p.day = new Date(p.trialStart * 1000).getUTCDate();
      p.tod = p.trialStart % DAY;
    } else if (p.status === 'incomplete_expired') {
      const start = now - (20 + (this.h(p.c, 23) % 400)) * DAY - (this.h(p.c, 24) % DAY);
      p.M0 = monthIndex(start);
      p.day = new Date(start * 1000).getUTCDate();
      p.tod = start % DAY;
      p.endedAt = start + 23 * 3600;
    } else if (p.status === 'canceled') {
      const gap = 1 + (this.h(p.c, 23) % 12);
      const mEnd = monthIndex(now) - gap;
      p.M0 = mEnd - p.step * p.K;
      p.endedAt = monthStart(mEnd, p.day, p.tod);
      p.cancelAt = p.endedAt;
      p.canceledAt = p.endedAt - (1 + (this.h(p.c, 25) % 20)) * DAY;
    } else {
      let last: number;
      if (p.draftRenewal) {
        const start = now - 600 - (this.h(p.c, 23) % 2400);
        last = monthIndex(start);
        p.day = new Date(start * 1000).getUTCDate();
        p.tod = start % DAY;
      } else {
        const cut = now - 3600;
        last = monthIndex(cut);
        if (p.step === 12) last -= (((last - (this.h(p.c, 26) % 12)) % 12) + 12) % 12;
        else if (p.step === 3) last -= (((last - (this.h(p.c, 26) % 3)) % 3) + 3) % 3;
        while (monthStart(last, p.day, p.tod) > cut) last -= p.step;
      }
      p.M0 = last - p.step * (p.K - 1);
      if (p.cancelScheduled) {
        p.cancelAt = monthStart(last + p.step, p.day, p.tod);
        p.canceledAt = now - (1 + (this.h(p.c, 25) % 20)) * DAY;
      }
    }
    const first = p.status === 'trialing' ? p.trialStart : monthStart(p.M0, p.day, p.tod);
    p.subCreated = first - 5;
    p.customerCreated = first - 3600 * (1 + (this.h(p.c, 27) % 72));
    return p;
  }

  private entriesOf(p: Profile): { k: number; status: string; created: number; lines: number }[] {
    if (p.status === 'none') return [];
    const n = p.nItems + (p.metered ? 1 : 0);
    const out: { k: number; status: string; created: number; lines: number }[] = [];
    for (let k = 0; k < p.K; k++) {
      const start = this.periodOf(p, k).start;
      let status = 'paid';
      const newest = k === p.K - 1;
      if (p.status === 'incomplete_expired') status = 'void';
      else if (newest && p.draftRenewal) status = 'draft';
      else if (newest && p.status === 'past_due') status = 'open';
      else if (newest && p.status === 'active' && this.u(p.c, 28) < 0.08) status = 'open';
      else if (k === p.uncollectibleAt) status = 'uncollectible';
      const lines = n + this.extrasAt(p, k).length;
      if (k === 1 && p.voidReissue) {
        out.push({ k, status: 'void', created: start, lines });
        out.push({ k, status, created: start + 2 * DAY, lines });
      } else {
        out.push({ k, status, created: start, lines });
      }
    }
    return out;
  }

  private periodOf(p: Profile, k: number): { start: number; end: number } {
    if (p.status === 'trialing') return { start: p.trialStart, end: p.trialStart + 14 * DAY };
    return {
      start: monthStart(p.M0 + p.step * k, p.day, p.tod),
      end: monthStart(p.M0 + p.step * (k + 1), p.day, p.tod),
    };
  }

  private extrasAt(p: Profile, k: number): ('prorate-credit' | 'prorate-debit' | 'onboarding' | 'services')[] {
    const out: ('prorate-credit' | 'prorate-debit' | 'onboarding' | 'services')[] = [];
    if (k === p.prorK) out.push('prorate-credit', 'prorate-debit');
    if (k === 0 && p.onboarding) out.push('onboarding');
    if (k === p.K - 1) for (let i = 0; i < p.servicesN; i++) out.push('services');
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Prices

  private buildPrices(): Stripe.Price[] {
    const created0 = ts('2023-01-10T10:00:00');
    const repriced = this.repricedAt();
    const out: Stripe.Price[] = [];
    let i = 0;
    const add = (key: string, init: Parameters<typeof buildPrice>[0]) => {
      i++;
      const p = buildPrice({ id: encodeId('price', 100_000 + i), ...init });
      out.push(p);
      this.priceIndex.set(key, p);
    };
    for (const currency of CURRENCIES) {
      for (const [interval, count] of [
        ['month', 1],
        ['month', 3],
        ['year', 1],
      ] as const) {
        for (let j = 0; j < MAX_ITEMS; j++) {
          for (const legacy of [true, false]) {
            const base = PRODUCTS[j]![2] * (interval === 'year' ? 10 : count);
            add(`${currency}:${interval}:${count}:${j}:${legacy ? 'old' : 'new'}`, {
              currency,
              product: `prod_Syn${PRODUCTS[j]![0]}`,
              nickname: `${PRODUCTS[j]![1]} (${interval === 'year' ? 'annual' : count === 3 ? 'quarterly' : 'monthly'}${legacy ? ', 2023' : ''})`,
              unit_amount: this.money(currency, legacy ? base * 0.9 : base),
              active: !legacy,
              created: legacy ? created0 + i * 60 : repriced + i * 60,
              tax_behavior:
                currency === 'eur' || currency === 'gbp'
                  ? 'inclusive'
                  : currency === 'usd'
                    ? 'exclusive'
                    : 'unspecified',
              recurring: { interval, interval_count: count, usage_type: 'licensed' },
            });
          }
        }
      }
      add(`${currency}:metered`, {
        currency,
        product: 'prod_Synusage',
        nickname: 'API calls (metered)',
        unit_amount: currency === 'jpy' ? 3 : currency === 'kwd' ? 10 : 2,
        created: created0 + 5000 + i,
        recurring: { interval: 'month', interval_count: 1, usage_type: 'metered' },
      });
      add(`${currency}:onboarding`, {
        currency,
        product: 'prod_Synonboarding',
        nickname: 'Onboarding',
        unit_amount: this.money(currency, 150_000),
        created: created0 + 6000 + i,
        type: 'one_time',
        recurring: null,
      });
      add(`${currency}:services`, {
        currency,
        product: 'prod_Synservices',
        nickname: 'Professional services (hour)',
        unit_amount: this.money(currency, 20_000),
        created: created0 + 7000 + i,
        type: 'one_time',
        recurring: null,
      });
    }
    return out.sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  }

  private repricedAt(): number {
    return this.now - 540 * DAY;
  }

  private money(currency: string, usdCents: number): number {
    const fx = FX[currency]!;
    return Math.max(fx.round, Math.round((usdCents * fx.factor) / fx.round) * fx.round);
  }

  private priceFor(p: Profile, j: number, periodStart: number): Stripe.Price {
    const version = periodStart < this.repricedAt() ? 'old' : 'new';
    return this.priceIndex.get(`${p.currency}:${p.interval}:${p.intervalCount}:${j}:${version}`)!;
  }

  // -------------------------------------------------------------------------------------------
  // Objects

  private emailOf(c: number): string {
    return `billing@customer-${c}.example.com`;
  }

  private customerAt(pos: number): Stripe.Customer {
    const c = this.custOrder[pos]!;
    const p = this.profiles[c]!;
    const country = { usd: 'US', eur: 'DE', gbp: 'GB', jpy: 'JP', kwd: 'KW' }[p.currency] ?? 'US';
    const metadata: Record<string, string> = { segment: p.segment, owner_email: `csm${c % 25}@pulse.example` };
    if (this.u(c, 30) < 0.7) metadata.pulse_account_id = `acct-${String(c).padStart(6, '0')}`;
    return buildCustomer({
      id: encodeId('cus', pos),
      created: p.customerCreated,
      currency: p.status === 'none' ? null : p.currency,
      email: this.emailOf(c),
      name: this.u(c, 31) < 0.97 ? p.name : null,
      metadata,
      address: { city: null, country, line1: null, line2: null, postal_code: null, state: null },
      invoice_prefix: `SYN${c.toString(36).toUpperCase().padStart(5, '0')}`,
      tax_exempt: 'none',
    });
  }

  private subscriptionId(c: number): string {
    return encodeId('sub', this.subPos[c]!);
  }
  private customerId(c: number): string {
    return encodeId('cus', this.custPos[c]!);
  }

  private seatsAt(p: Profile, k: number): number {
    return p.prorK >= 0 && k >= p.prorK ? p.q1 : p.q0;
  }

  private itemsOf(p: Profile): Stripe.SubscriptionItem[] {
    const k = p.K - 1;
    const period = this.periodOf(p, k);
    const subId = this.subscriptionId(p.c);
    const items: Stripe.SubscriptionItem[] = [];
    for (let j = 0; j < p.nItems; j++) {
      items.push(
        subscriptionItem({
          id: encodeId('si', p.c * 32 + j),
          price: this.priceFor(p, j, period.start),
          quantity: j === 1 ? this.seatsAt(p, k) : 1,
          subscription: subId,
          created: p.subCreated,
          current_period_start: period.start,
          current_period_end: period.end,
        }),
      );
    }
    if (p.metered) {
      const it = subscriptionItem({
        id: encodeId('si', p.c * 32 + 31),
        price: this.priceIndex.get(`${p.currency}:metered`)!,
        subscription: subId,
        created: p.subCreated,
        current_period_start: period.start,
        current_period_end: period.end,
      });
      delete it.quantity;
      items.push(it);
    }
    return items;
  }

  private subscriptionOf(p: Profile): Stripe.Subscription {
    const id = this.subscriptionId(p.c);
    const positions = this.custInv.subarray(this.custInvStart[p.c]!, this.custInvStart[p.c + 1]!);
    const latest = positions.length ? encodeId('in', positions[0]!) : null;
    const trialing = p.status === 'trialing';
    return buildSubscription({
      id,
      customer: this.customerId(p.c),
      status: p.status,
      created: p.subCreated,
      start_date: trialing ? p.trialStart : monthStart(p.M0, p.day, p.tod),
      billing_cycle_anchor: trialing ? p.trialStart + 14 * DAY : monthStart(p.M0, p.day, p.tod),
      billing_cycle_anchor_config: null,
      currency: p.currency,
      items: this.itemsOf(p),
      latest_invoice: latest,
      cancel_at: p.cancelAt,
      cancel_at_period_end: p.cancelAt !== null,
      canceled_at: p.canceledAt ?? (p.status === 'incomplete_expired' ? p.endedAt : null),
      ended_at: p.endedAt,
      trial_start: trialing ? p.trialStart : null,
      trial_end: trialing ? p.trialStart + 14 * DAY : null,
      discounts: p.discountPct ? [encodeId('di', p.c)] : [],
      cancellation_details: {
        comment: null,
        feedback: p.status === 'canceled' ? 'too_expensive' : null,
        feedback_option: null,
        reason:
          p.status === 'canceled' || p.cancelScheduled
            ? 'cancellation_requested'
            : p.status === 'incomplete_expired'
              ? 'payment_failed'
              : null,
      },
      metadata: {},
    });
  }

  private invoiceAt(pos: number): Stripe.Invoice {
    const c = this.invCust[pos]!;
    const p = this.profiles[c]!;
    const k = this.invK[pos]!;
    const created = this.invCreated[pos]!;
    const status = STATUS_CODES[this.invStatus[pos]!]!;
    const lines = this.linesOf(pos);
    const inv = buildInvoice({
      id: encodeId('in', pos),
      customer: this.customerId(c),
      subscription: this.subscriptionId(c),
      created,
      currency: p.currency,
      status,
      lines,
      billing_reason: k === 0 ? 'subscription_create' : 'subscription_cycle',
      customer_email: this.emailOf(c),
      customer_name: p.name,
      number:
        status === 'draft'
          ? null
          : `SYN${c.toString(36).toUpperCase().padStart(5, '0')}-${String(k + 1).padStart(4, '0')}`,
      account_country: 'US',
    });
    return inv;
  }

  private eventAt(pos: number): Stripe.Event {
    const type = EVENT_TYPES[this.evType[pos]!]!;
    const created = this.evCreated[pos]!;
    let data: { object: object; previous_attributes?: object };
    if (this.evKind[pos] === 0) data = { object: this.invoiceAt(this.evRef[pos]!) };
    else {
      const sub = this.subscriptionOf(this.profiles[this.evRef[pos]!]!);
      data =
        type === 'customer.subscription.updated'
          ? { object: sub, previous_attributes: { cancel_at: null, cancel_at_period_end: false, canceled_at: null } }
          : { object: sub };
    }
    return {
      id: encodeId('evt', pos),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data,
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    } as Stripe.Event;
  }

  /** All line items of the invoice at a position, in invoice order (one-offs and prorations first, then the plan's items). */
  private linesOf(pos: number): Stripe.InvoiceLineItem[] {
    const c = this.invCust[pos]!;
    const p = this.profiles[c]!;
    const k = this.invK[pos]!;
    const invId = encodeId('in', pos);
    const subId = this.subscriptionId(c);
    const period = this.periodOf(p, k);
    const trial = p.status === 'trialing';
    const discounted = p.discountPct > 0 && k < p.discountUntil;
    const out: Stripe.InvoiceLineItem[] = [];
    const lineId = (j: number) => encodeId('il', pos * 256 + j);
    const money = (amount: number, opts: { discountable: boolean }) => {
      const discount = opts.discountable && discounted && amount > 0 ? Math.round((amount * p.discountPct) / 100) : 0;
      const net = amount - discount;
      let tax: { amount: number; behavior: 'inclusive' | 'exclusive' } | undefined;
      if (p.tax === 'inclusive') tax = { amount: Math.round((net * 20) / 120), behavior: 'inclusive' };
      else if (p.tax === 'exclusive') tax = { amount: Math.round(net * 0.08875), behavior: 'exclusive' };
      return { discount, tax };
    };
    const finish = (l: Stripe.InvoiceLineItem, discount: number): Stripe.InvoiceLineItem => {
      l.invoice = invId;
      if (p.tax === 'none-null') {
        l.taxes = null;
        l.discount_amounts = discount ? l.discount_amounts : null;
      }
      if (discount) l.discount_amounts = [{ amount: discount, discount: encodeId('di', c) }];
      return l;
    };

    // One-offs and prorations first, as Stripe lists pending invoice items.
    const extras = this.extrasAt(p, k);
    extras.forEach((kind, x) => {
      const j = out.length;
      if (kind === 'prorate-credit' || kind === 'prorate-debit') {
        const prev = this.periodOf(p, k - 1);
        const upgradeAt = prev.start + Math.floor(((prev.end - prev.start) * (5 + (this.h(c, 40) % 90))) / 100);
        const pr = this.priceFor(p, 1, prev.start);
        const credit = kind === 'prorate-credit';
        const qty = credit ? p.q0 : p.q1;
        const full = pr.unit_amount! * qty;
        const amount = (credit ? -1 : 1) * Math.round((full * (prev.end - upgradeAt)) / (prev.end - prev.start));
        const m = money(amount, { discountable: false });
        const base = {
          id: lineId(j),
          price: pr,
          quantity: qty,
          amount,
          start: upgradeAt,
          end: prev.end,
          proration: true,
          subscription: subId,
          description: `${credit ? 'Unused' : 'Remaining'} time on ${qty} × Seats after ${new Date(upgradeAt * 1000).toISOString().slice(0, 10)}`,
          ...(m.tax ? { tax: m.tax } : {}),
        };
        out.push(
          finish(
            p.prorAsInvoiceItems
              ? buildLine({ ...base, invoice_item: encodeId('ii', pos * 256 + j) })
              : buildLine({
                  ...base,
                  subscription_item: encodeId('si', c * 32 + 1),
                  invoice_item: encodeId('ii', pos * 256 + j),
                }),
            0,
          ),
        );
        return;
      }
      const oneOff = this.priceIndex.get(`${p.currency}:${kind}`)!;
      const qty = kind === 'services' ? 1 + (this.h(c, 41 + x) % 8) : 1;
      const amount = oneOff.unit_amount! * qty;
      const m = money(amount, { discountable: false });
      out.push(
        finish(
          buildLine({
            id: lineId(j),
            price: oneOff,
            quantity: qty,
            amount,
            start: period.start,
            end: period.start,
            subscription: null,
            invoice_item: encodeId('ii', pos * 256 + j),
            description: kind === 'services' ? `Professional services (${qty} h)` : 'Onboarding',
            ...(m.tax ? { tax: m.tax } : {}),
          }),
          0,
        ),
      );
    });

    for (let j = 0; j < p.nItems; j++) {
      const pr = this.priceFor(p, j, period.start);
      const qty = j === 1 ? this.seatsAt(p, k) : 1;
      const amount = trial ? 0 : pr.unit_amount! * qty;
      const m = money(amount, { discountable: true });
      out.push(
        finish(
          buildLine({
            id: lineId(out.length),
            price: pr,
            quantity: qty,
            amount,
            start: period.start,
            end: period.end,
            subscription: subId,
            subscription_item: encodeId('si', c * 32 + j),
            description: trial
              ? `Trial period for ${PRODUCTS[j]![1]}`
              : `${qty} × ${PRODUCTS[j]![1]} (at ${pr.unit_amount} ${p.currency} / ${p.interval})`,
            ...(m.tax && amount ? { tax: m.tax } : {}),
            ...(m.discount ? { discount: m.discount } : {}),
          }),
          m.discount,
        ),
      );
    }
    if (p.metered) {
      const pr = this.priceIndex.get(`${p.currency}:metered`)!;
      const usage = k === 0 || trial ? 0 : 1_000 + (hash32(this.options.seed, c, k, 50) % 49_000);
      const usagePeriod = k === 0 ? period : this.periodOf(p, k - 1);
      const amount = usage * pr.unit_amount!;
      const m = money(amount, { discountable: false });
      out.push(
        finish(
          buildLine({
            id: lineId(out.length),
            price: pr,
            quantity: usage,
            amount,
            start: usagePeriod.start,
            end: usagePeriod.end,
            subscription: subId,
            subscription_item: encodeId('si', c * 32 + 31),
            description: `API calls (${usage} × ${pr.unit_amount} ${p.currency})`,
            ...(m.tax && amount ? { tax: m.tax } : {}),
          }),
          0,
        ),
      );
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Expected counts

  private count(): SyntheticExpected {
    const byStatus: Record<string, number> = {};
    let lines = 0;
    let countedLines = 0;
    let big = 0;
    for (let pos = 0; pos < this.invCust.length; pos++) {
      const s = STATUS_CODES[this.invStatus[pos]!]!;
      byStatus[s] = (byStatus[s] ?? 0) + 1;
      const n = this.invLines[pos]!;
      lines += n;
      if (s === 'paid' || s === 'open') countedLines += n;
      if (n > 10) big++;
    }
    const subsByStatus: Record<string, number> = {};
    for (let i = 0; i < this.subOrder.length; i++) {
      const s = this.profiles[this.subOrder[i]!]!.status;
      subsByStatus[s] = (subsByStatus[s] ?? 0) + 1;
    }
    let events = 0;
    const eventsByType: Record<string, number> = {};
    for (let pos = 0; pos < this.evCreated.length; pos++) {
      if (this.evCreated[pos]! <= this.now - 30 * DAY) continue;
      events++;
      const t = EVENT_TYPES[this.evType[pos]!]!;
      eventsByType[t] = (eventsByType[t] ?? 0) + 1;
    }
    const active = this.prices.filter((p) => p.active).length;
    return {
      customers: this.custOrder.length,
      prices: { active, archived: this.prices.length - active, total: this.prices.length },
      subscriptions: {
        total: this.subOrder.length,
        byStatus: subsByStatus,
        hiddenByDefault: (subsByStatus.canceled ?? 0) + (subsByStatus.incomplete_expired ?? 0),
      },
      invoices: { total: this.invCust.length, byStatus, withMoreThan10Lines: big },
      lineItems: lines,
      lineItemsOnPaidOrOpen: countedLines,
      events,
      eventsByType,
    };
  }
}
