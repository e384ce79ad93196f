// The demo source: a deterministic history of a B2B SaaS company (Northwind) in the exact shape of
// the data contract, relative to `endDate` so the demo is always current.
//
// How it is built:
//  - Each account gets a profile (segment, region, price per seat, seats, add-ons) and a first
//    contract start: an installed base that signed before the window, and new logos over it.
//  - Its contracts are simulated term by term. Every 12 months from the contract start a renewal
//    falls due with an outcome drawn per term: flat, uplift (price and seats: a new platform line),
//    contraction (fewer seats, dropped add-ons), or churn (every line ends on the due date; the end
//    date is exclusive). Some churned accounts sign again months later (reactivation). Won
//    expansion opportunities add a line from their close date. Renewals due after endDate stay
//    open, and a few due before it are still open (overdue).
//  - A troubled term has a "trouble" ramp months before its renewal: usage falls, P1 tickets and
//    detractors become common, CSAT drops; then it churns or contracts. Some terms have a false
//    alarm (decline, then recovery, then a normal renewal), some healthy accounts dip for a few
//    weeks, and a few churn silently, so an alert backtest finds both lead time and misses.
//  - A dozen accounts are scripted so the last complete week before endDate always holds a new
//    logo, a reactivation, an expansion, a contraction, a churn, renewals closed both ways, a won
//    expansion, overdue renewals, red-health accounts renewing within 90 days, a recent detractor
//    and an account with two P1 tickets.
// Dates are epoch days inside; every draw comes from a seeded generator forked per account and
// purpose. No clock, no Math.random.
import { CONTRACT_COLUMNS, ENTITY_NAMES, type EntityName } from '../../../domain/contract/entities';
import {
  addDays,
  addMonths,
  fiscalQuarterOf,
  fromEpochDay,
  isIsoDate,
  lastCompleteWeekEnd,
  startOfWeek,
  toEpochDay,
  type IsoDate,
  type IsoWeekday,
} from '../../../domain/dates';
import {
  ADD_ONS,
  CSMS,
  LEGAL_SUFFIX,
  NAME_STEMS,
  NAME_TRADES,
  NPS_COMMENTS,
  PLATFORM,
  REGIONS,
  SEGMENTS,
  SEGMENT_NAMES,
  SERVICES_PRODUCTS,
  SURNAMES,
  type Region,
  type Segment,
} from './catalog';
import { Rng } from './prng';

export interface DemoOptions {
  /** PRNG seed; same options give byte-identical data. Default 42. */
  seed?: number;
  /** Number of accounts (at least 20). Default 300. */
  accounts?: number;
  /** The last day of data, normally today in the company's time zone. */
  endDate: IsoDate;
  /** Length of the history before endDate, in years. Default 2. */
  years?: number;
  /** ISO weekday the weeks start on (1 = Monday). Default 1. */
  weekStartsOn?: IsoWeekday;
  /** Append a few clearly invalid rows (impossible date, negative money, unknown status, score out of range). */
  withBadRows?: boolean;
  /** First month of the fiscal year (1-12), for the plan's targets. Default 1. */
  fiscalYearStartMonth?: number;
}

/** One CSV row: contract column name -> cell text ('' = absent). */
export type DemoRow = Record<string, string>;
export type DemoData = { [K in EntityName]: DemoRow[] };

/**
 * The columns written for an entity: the data contract's, in its order, less the optional per-row
 * `currency` (the demo is in one currency; fx_rates keeps its own required currency column).
 */
export function demoColumns(entity: EntityName): readonly string[] {
  return CONTRACT_COLUMNS[entity].filter((c) => c !== 'currency' || entity === 'fx_rates');
}

export class DemoOptionsError extends Error {
  readonly code = 'DEMO_OPTIONS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'DemoOptionsError';
  }
}

export const MIN_DEMO_ACCOUNTS = 20;

// ---- internal model ------------------------------------------------------------------------

type Day = number;
type Outcome = 'flat' | 'uplift' | 'contraction' | 'churn';

/** A trouble (or dip) intensity over time: 0 before start, linear up to `peak` at `full`, held to `end`, then down to 0 over `recover` days (0: straight to 0). */
interface Ramp {
  start: Day;
  full: Day;
  peak: number;
  end: Day;
  recover: number;
}

interface RenewalPlan {
  outcome: Outcome;
  /** closed_date - due_date. */
  closedOffset: number;
  trouble?: Ramp;
  /** Still open at endDate even though it is due (overdue). */
  forceOpen?: boolean;
  /** A churn with a later comeback: the day the new contract starts. */
  reactivateAt?: Day;
  /** A small contraction without warning signs. */
  mild?: boolean;
}

interface LineRec {
  seq: number;
  slot: number;
  product: string;
  kind: 'recurring' | 'services';
  arr: number; // cents
  start: Day;
  end?: Day;
  seats?: number;
}

interface RenewalRec {
  seq: number;
  slot: number;
  due: Day;
  arrUp: number;
  status: 'open' | 'renewed' | 'churned';
  closed?: Day;
  renewedArr?: number;
}

interface OppRec {
  seq: number;
  slot: number;
  type: 'upsell' | 'cross_sell';
  arr: number;
  stage: 'open' | 'won' | 'lost';
  created: Day;
  close: Day;
}

interface UsageRec {
  slot: number;
  week: Day;
  wau: number;
  seats: number;
}

interface TicketRec {
  seq: number;
  slot: number;
  opened: Day;
  priority: 'p1' | 'p2' | 'p3' | 'p4';
  closed?: Day;
  csat?: number;
}

interface NpsRec {
  seq: number;
  slot: number;
  date: Day;
  score: number;
  comment: string;
}

interface Profile {
  slot: number;
  segment: Segment;
  region: Region;
  owner: string;
  name: string;
  /** Cents per seat per year. */
  seatPrice: number;
  seats: number;
  addOns: string[];
  services: boolean;
  firstStart: Day;
  created: Day;
  baseUtil: number;
  /** Utilization gained per year of contract. */
  utilGrowth: number;
}

type Role =
  | 'newLogo'
  | 'churn'
  | 'contraction'
  | 'renewedUplift'
  | 'expansion'
  | 'reactivation'
  | 'overdueAtRisk'
  | 'overdueLag'
  | 'red30'
  | 'red60'
  | 'red90'
  | 'decline180';

interface DraftOpp {
  type: 'upsell' | 'cross_sell';
  created: Day;
  close: Day;
  stage: 'open' | 'won' | 'lost';
}

interface Script {
  role: Role;
  segment: Segment;
  firstStart: Day;
  created: Day;
  services?: boolean;
  addOns?: string[];
  /** Renewal plans by `${contractNo}:${k}` (k-th anniversary of the contract). Others are healthy. */
  plans?: Record<string, RenewalPlan>;
  opps?: DraftOpp[];
  tickets?: Omit<TicketRec, 'seq' | 'slot'>[];
  nps?: Omit<NpsRec, 'seq' | 'slot'>[];
  /** Random NPS responses on or after this day are dropped (the planted one stays the latest). */
  quietNpsFrom?: Day;
}

interface Ctx {
  root: Rng;
  years: number;
  end: Day;
  asOf: Day;
  weekStart: Day;
  windowStart: Day;
  /** Start of the first usage week (the week holding windowStart). */
  firstWeek: Day;
  /** Seasonal usage factor per week start (holidays), and whether the week is in August. */
  season: Map<Day, { holiday: number; august: boolean }>;
  seq: number;
  lines: LineRec[];
  renewals: RenewalRec[];
  opps: OppRec[];
  usage: UsageRec[];
  tickets: TicketRec[];
  nps: NpsRec[];
}

const day = (d: IsoDate): Day => toEpochDay(d);
const isoCache = new Map<Day, IsoDate>();
/** Epoch day -> ISO date, memoised: the same few thousand days are formatted tens of thousands of times. */
function iso(d: Day): IsoDate {
  let s = isoCache.get(d);
  if (s === undefined) {
    s = fromEpochDay(d);
    if (isoCache.size > 100_000) isoCache.clear();
    isoCache.set(d, s);
  }
  return s;
}
const plusMonths = (d: Day, months: number): Day => day(addMonths(iso(d), months));

function ramp(r: Ramp, d: Day): number {
  if (d < r.start) return 0;
  if (d < r.full) return (r.peak * (d - r.start)) / (r.full - r.start);
  if (d <= r.end) return r.peak;
  if (r.recover > 0 && d < r.end + r.recover) return r.peak * (1 - (d - r.end) / r.recover);
  return 0;
}

// ---- account simulation ------------------------------------------------------------------

class AccountSim {
  readonly lines: LineRec[] = [];
  private active: LineRec[] = [];
  /** Paying periods [start, end): the account is a customer inside them. */
  readonly periods: { start: Day; end?: Day }[] = [];
  readonly troubles: Ramp[] = [];
  readonly dips: Ramp[] = [];
  private price: number;
  private readonly seg;

  constructor(
    private readonly ctx: Ctx,
    private readonly p: Profile,
    private readonly script: Script | undefined,
  ) {
    this.price = p.seatPrice;
    this.seg = SEGMENTS[p.segment];
  }

  // -- lines --

  private addLine(
    start: Day,
    product: string,
    arr: number,
    seats?: number,
    kind: 'recurring' | 'services' = 'recurring',
    end?: Day,
  ): LineRec {
    const line: LineRec = { seq: this.ctx.seq++, slot: this.p.slot, product, kind, arr, start, end, seats };
    this.lines.push(line);
    this.ctx.lines.push(line);
    if (kind === 'recurring') this.active.push(line);
    return line;
  }

  private endLine(line: LineRec, d: Day): void {
    if (d <= line.start) throw new Error(`demo: line ending on ${iso(d)} started ${iso(line.start)}`);
    line.end = d;
    this.active = this.active.filter((l) => l !== line);
  }

  private arr(): number {
    return this.active.reduce((s, l) => s + l.arr, 0);
  }

  private platformSeats(): number {
    return this.active.filter((l) => l.product === PLATFORM).reduce((s, l) => s + (l.seats ?? 0), 0);
  }

  private availableAddOns(): string[] {
    const owned = new Set(this.active.map((l) => l.product));
    return ADD_ONS.map((a) => a.product).filter((p) => !owned.has(p));
  }

  private addOnArr(rng: Rng, product: string): number {
    const share = ADD_ONS.find((a) => a.product === product)!.share;
    const platform = this.platformSeats() * this.price;
    // Whole hundreds of dollars, at least 500.
    return Math.max(50_000, Math.round((platform * rng.float(share[0], share[1])) / 10_000) * 10_000);
  }

  private startContract(rng: Rng, d: Day, seats: number, addOns: string[]): void {
    this.addLine(d, PLATFORM, seats * this.price, seats);
    for (const product of addOns) this.addLine(d, product, this.addOnArr(rng, product));
    this.periods.push({ start: d });
  }

  /** Ends the platform lines on `d` and starts one consolidated line with `seats` at the current price. */
  private replacePlatform(d: Day, seats: number): void {
    for (const l of this.active.filter((x) => x.product === PLATFORM)) this.endLine(l, d);
    this.addLine(d, PLATFORM, seats * this.price, seats);
  }

  // -- plans --

  private renewedOffset(rng: Rng): number {
    return rng.chance(0.85) ? -rng.int(0, 45) : rng.int(1, 10);
  }

  private healthyPlan(rng: Rng): RenewalPlan {
    return {
      outcome: rng.weighted([
        ['flat', 0.45],
        ['uplift', 0.55],
      ] as const),
      closedOffset: this.renewedOffset(rng),
    };
  }

  private randomPlan(rng: Rng, due: Day): RenewalPlan {
    const r = rng.next();
    const troubled = this.seg.troubleChance;
    if (r < troubled) {
      const churn = rng.chance(this.seg.troubledChurnShare);
      const start = due - rng.int(120, 220);
      const trouble: Ramp = {
        start,
        full: start + rng.int(60, 110),
        peak: rng.float(0.7, 1),
        end: churn ? due + 30 : due,
        recover: churn ? 0 : rng.int(35, 70),
      };
      const closedOffset = churn ? -rng.int(0, 30) : rng.int(-20, 7);
      const reactivateAt = churn && rng.chance(0.2) ? due + rng.int(60, 300) : undefined;
      return { outcome: churn ? 'churn' : 'contraction', closedOffset, trouble, reactivateAt };
    }
    if (r < troubled + 0.02) {
      // Silent churn (acquired, budget cut): no warning signs.
      return {
        outcome: 'churn',
        closedOffset: -rng.int(0, 20),
        reactivateAt: rng.chance(0.1) ? due + rng.int(90, 300) : undefined,
      };
    }
    if (r < troubled + 0.09) {
      // False alarm: usage falls, then recovers well before the renewal.
      const start = due - rng.int(220, 300);
      const full = start + rng.int(42, 70);
      const trouble: Ramp = {
        start,
        full,
        peak: rng.float(0.45, 0.75),
        end: full + rng.int(14, 35),
        recover: rng.int(42, 70),
      };
      const outcome = rng.weighted([
        ['flat', 0.5],
        ['uplift', 0.3],
        ['contraction', 0.2],
      ] as const);
      return { outcome, closedOffset: this.renewedOffset(rng), trouble, mild: true };
    }
    const outcome = rng.weighted([
      ['flat', 0.44],
      ['uplift', 0.51],
      ['contraction', 0.05],
    ] as const);
    return { outcome, closedOffset: this.renewedOffset(rng), mild: true };
  }

  private plan(rng: Rng, contractNo: number, k: number, due: Day): RenewalPlan {
    const scripted = this.script?.plans?.[`${contractNo}:${k}`];
    if (scripted) return scripted;
    if (this.script || due < this.ctx.windowStart) return this.healthyPlan(rng);
    return this.randomPlan(rng, due);
  }

  private apply(rng: Rng, plan: RenewalPlan, due: Day): void {
    switch (plan.outcome) {
      case 'flat':
        return;
      case 'uplift': {
        this.price = Math.round(this.price * (1 + rng.float(0.03, 0.07)));
        const seats = this.platformSeats();
        this.replacePlatform(due, seats + Math.round(seats * rng.float(0, 0.2)));
        return;
      }
      case 'contraction': {
        const seats = this.platformSeats();
        const factor = plan.mild ? rng.float(0.8, 0.95) : rng.float(0.5, 0.8);
        this.replacePlatform(due, Math.max(1, Math.min(seats - 1, Math.floor(seats * factor))));
        if (!plan.mild)
          for (const l of this.active.filter((x) => x.product !== PLATFORM)) if (rng.chance(0.5)) this.endLine(l, due);
        return;
      }
      case 'churn':
        for (const l of [...this.active]) this.endLine(l, due);
        this.periods[this.periods.length - 1]!.end = due;
        return;
    }
  }

  private pushRenewal(r: Omit<RenewalRec, 'seq' | 'slot'>): void {
    if (r.due < this.ctx.windowStart) return; // the CRM history shown starts with the window
    this.ctx.renewals.push({ seq: this.ctx.seq++, slot: this.p.slot, ...r });
  }

  // -- expansion pipeline within one term [termStart, due) --

  private opportunities(rng: Rng, termStart: Day, due: Day, plan: RenewalPlan): void {
    const { end, windowStart } = this.ctx;
    const troubled = plan.trouble !== undefined && !plan.mild;
    const drafts: (DraftOpp | { created: Day })[] = (this.script?.opps ?? []).filter(
      (o) => o.created >= termStart && o.created < due,
    );
    const lo = Math.max(termStart + 30, windowStart);
    const hi = Math.min(due - 20, end);
    if (hi > lo && this.script?.role !== 'newLogo') {
      const n = rng.poisson(((this.seg.oppsPerYear * (hi - lo)) / 365) * (troubled ? 0.3 : 1));
      for (let i = 0; i < n; i++) drafts.push({ created: rng.int(lo, hi) });
    }
    drafts.sort((a, b) => a.created - b.created);
    for (const draft of drafts) {
      const planted = 'type' in draft ? draft : undefined;
      const available = this.availableAddOns();
      const type = planted?.type ?? (available.length > 0 && rng.chance(0.4) ? 'cross_sell' : 'upsell');
      let product = PLATFORM;
      let arr: number;
      let seats: number | undefined;
      if (type === 'cross_sell') {
        product = available.length > 0 ? rng.pick(available) : ADD_ONS[0]!.product;
        arr = this.addOnArr(rng, product);
      } else {
        seats = Math.max(1, Math.round(this.platformSeats() * rng.float(0.1, 0.3)));
        arr = seats * this.price;
      }
      let close = planted?.close ?? draft.created + rng.int(20, 100);
      let stage: OppRec['stage'];
      if (planted) stage = planted.stage;
      else if (close > end) stage = 'open';
      else if (troubled || close > due - 14) stage = 'lost';
      else stage = rng.chance(this.seg.winRate) ? 'won' : 'lost';
      if (stage === 'won') {
        if (close > due - 14 || close <= termStart || close > end)
          throw new Error(`demo: won expansion on ${iso(close)} outside its term`);
        this.addLine(close, product, arr, seats);
      }
      if (stage === 'open' && close <= end) close = end + rng.int(7, 60);
      this.ctx.opps.push({ seq: this.ctx.seq++, slot: this.p.slot, type, arr, stage, created: draft.created, close });
    }
  }

  // -- the contract timeline --

  run(rng: Rng): void {
    const { end } = this.ctx;
    const p = this.p;
    let start = p.firstStart;
    let contractNo = 0;
    let k = 1;
    let termStart = start;
    this.startContract(rng, start, p.seats, p.addOns);
    if (p.services) {
      const [lo, hi] = this.seg.services;
      const amount = Math.round(rng.float(lo, hi) / 500) * 500 * 100;
      this.addLine(start, rng.pick(SERVICES_PRODUCTS), amount, undefined, 'services', start + rng.int(30, 90));
    }
    for (;;) {
      const due = plusMonths(start, 12 * k);
      const plan = this.plan(rng, contractNo, k, due);
      if (plan.trouble) this.troubles.push(plan.trouble);
      this.opportunities(rng, termStart, due, plan);
      const arrUp = this.arr();
      if (due > end) {
        // Not due yet. Some flat renewals are signed early; the lines do not change.
        if (plan.outcome === 'flat' && !plan.trouble && due - end <= 40 && rng.chance(0.35)) {
          this.pushRenewal({
            due,
            arrUp,
            status: 'renewed',
            closed: end - rng.int(0, 40 - (due - end)),
            renewedArr: arrUp,
          });
        } else {
          this.pushRenewal({ due, arrUp, status: 'open' });
        }
        return;
      }
      const closed = due + plan.closedOffset;
      if (plan.forceOpen || closed > end) {
        this.pushRenewal({ due, arrUp, status: 'open' }); // overdue: the lines run on
        return;
      }
      this.apply(rng, plan, due);
      if (plan.outcome === 'churn') {
        this.pushRenewal({ due, arrUp, status: 'churned', closed });
        if (plan.reactivateAt === undefined || plan.reactivateAt > end) return;
        start = plan.reactivateAt;
        contractNo++;
        k = 1;
        termStart = start;
        const seats = Math.max(3, Math.round(p.seats * rng.float(0.5, 0.8)));
        this.startContract(rng, start, seats, []);
        continue;
      }
      this.pushRenewal({ due, arrUp, status: 'renewed', closed, renewedArr: this.arr() });
      termStart = due;
      k++;
    }
  }

  // -- activity --

  private customerAt(d: Day): boolean {
    return this.periods.some((p) => p.start <= d && (p.end === undefined || d < p.end));
  }

  private troubleAt(d: Day): number {
    let t = 0;
    for (const r of this.troubles) t = Math.max(t, ramp(r, d));
    return t;
  }

  private dipAt(d: Day): number {
    let t = 0;
    for (const r of this.dips) t = Math.max(t, ramp(r, d));
    return t;
  }

  planDips(rng: Rng): void {
    if (this.script) return;
    const n = rng.poisson(0.3 * this.ctx.years);
    for (let i = 0; i < n; i++) {
      const start = rng.int(this.ctx.windowStart, this.ctx.end);
      const full = start + rng.int(7, 14);
      this.dips.push({ start, full, peak: rng.float(0.3, 0.55), end: full + rng.int(7, 21), recover: rng.int(7, 21) });
    }
  }

  usage(rng: Rng): void {
    const recurring = this.lines.filter((l) => l.kind === 'recurring');
    for (let w = this.ctx.firstWeek; w <= this.ctx.weekStart; w += 7) {
      const we = w + 6;
      let seats = 0;
      let arr = 0;
      for (const l of recurring) {
        if (l.start <= we && (l.end === undefined || we < l.end)) {
          arr += l.arr;
          seats += l.seats ?? 0;
        }
      }
      if (arr === 0) continue;
      const period = this.periods.find((p) => p.start <= we && (p.end === undefined || we < p.end))!;
      const age = we - period.start;
      const onboarding = age < 56 ? 0.35 + (0.65 * age) / 56 : 1;
      const util = Math.min(0.95, this.p.baseUtil + (this.p.utilGrowth * age) / 365);
      const season = this.ctx.season.get(w)!;
      const seasonal = season.holiday * (season.august && this.p.region === 'EMEA' ? 0.9 : 1);
      const noise = Math.exp(rng.normal() * 0.07);
      const factor = util * onboarding * (1 - 0.85 * this.troubleAt(we)) * (1 - this.dipAt(we)) * seasonal * noise;
      const wau = Math.max(0, Math.min(seats, Math.round(seats * factor)));
      this.ctx.usage.push({ slot: this.p.slot, week: w, wau, seats });
    }
  }

  tickets(rng: Rng): void {
    const { windowStart, end } = this.ctx;
    for (let w = this.ctx.firstWeek; w <= end; w += 7) {
      const t = this.troubleAt(w + 3);
      const n = rng.poisson(this.seg.ticketsPerWeek * (1 + 2.5 * t));
      for (let i = 0; i < n; i++) {
        const opened = w + rng.int(0, 6);
        const priority = rng.weighted([
          ['p1', 0.02 + 0.2 * t],
          ['p2', 0.15 + 0.1 * t],
          ['p3', 0.45],
          ['p4', 0.38 - 0.2 * t],
        ] as const);
        const [lo, hi] = { p1: [0, 4], p2: [1, 8], p3: [1, 20], p4: [2, 35] }[priority];
        const closedDay = opened + rng.int(lo!, hi!);
        const withCsat = rng.chance(0.55);
        const csat = csatScore(rng, t);
        if (opened < windowStart || opened > end || !this.customerAt(opened)) continue;
        const closed = closedDay <= end ? closedDay : undefined;
        this.ctx.tickets.push({
          seq: this.ctx.seq++,
          slot: this.p.slot,
          opened,
          priority,
          closed,
          csat: closed !== undefined && withCsat ? csat : undefined,
        });
      }
    }
    for (const t of this.script?.tickets ?? []) this.ctx.tickets.push({ seq: this.ctx.seq++, slot: this.p.slot, ...t });
  }

  nps(rng: Rng): void {
    const { windowStart, end } = this.ctx;
    const [lo, hi] = this.seg.respondents;
    for (let wave = windowStart + rng.int(0, 181); wave <= end; wave += 182) {
      const t = this.troubleAt(wave);
      const invited = rng.int(lo, hi);
      for (let i = 0; i < invited; i++) {
        const responds = rng.chance(0.7);
        const date = wave + rng.int(0, 14);
        const pDet = 0.1 + 0.6 * t;
        const pPass = 0.1 + 0.3 * (1 - t);
        const kind = rng.weighted([
          ['detractor', pDet],
          ['passive', pPass],
          ['promoter', Math.max(0.05, 1 - pDet - pPass)],
        ] as const);
        const score =
          kind === 'detractor'
            ? t > 0.5
              ? rng.int(0, 4)
              : rng.int(2, 6)
            : kind === 'passive'
              ? rng.int(7, 8)
              : rng.int(9, 10);
        const comment = rng.chance(0.45) ? rng.pick(NPS_COMMENTS[kind]) : '';
        if (!responds || date > end || !this.customerAt(date)) continue;
        if (this.script?.quietNpsFrom !== undefined && date >= this.script.quietNpsFrom) continue;
        this.ctx.nps.push({ seq: this.ctx.seq++, slot: this.p.slot, date, score, comment });
      }
    }
    for (const r of this.script?.nps ?? []) this.ctx.nps.push({ seq: this.ctx.seq++, slot: this.p.slot, ...r });
  }
}

function csatScore(rng: Rng, t: number): number {
  const healthy = [0.02, 0.02, 0.06, 0.3, 0.6];
  const troubled = [0.25, 0.25, 0.25, 0.15, 0.1];
  return rng.weighted(healthy.map((h, i) => [i + 1, h * (1 - t) + troubled[i]! * t] as const));
}

// ---- profiles and scripts ----------------------------------------------------------------

function makeProfile(ctx: Ctx, slot: number, forced?: Segment): Profile {
  const rng = ctx.root.fork(`profile:${slot}`);
  const drawn = rng.weighted(SEGMENT_NAMES.map((s) => [s, SEGMENTS[s].share] as const));
  const segment = forced ?? drawn;
  const seg = SEGMENTS[segment];
  const region = rng.weighted(REGIONS);
  const owner = segment === 'SMB' && rng.chance(0.06) ? '' : CSMS[rng.pick(seg.owners)]!;
  const monthly = rng.int(Math.round(seg.seatPrice[0] / 12), Math.round(seg.seatPrice[1] / 12));
  const seatPrice = monthly * 12 * 100;
  const seats = Math.max(
    segment === 'SMB' ? 5 : 20,
    Math.round((rng.logUniform(seg.arr[0], seg.arr[1]) * 100) / seatPrice),
  );
  const addOns = ADD_ONS.filter(() => rng.chance(seg.addOnChance)).map((a) => a.product);
  const services = rng.chance(seg.servicesChance);
  let firstStart: Day;
  if (rng.chance(0.45)) {
    firstStart = ctx.windowStart - rng.int(1, 3 * 365);
  } else {
    // New logos, signing a little faster as the company grows: density 1 + a*t on the window.
    const a = 0.6;
    const u = rng.next();
    const t = (-1 + Math.sqrt(1 + 2 * a * u * (1 + a / 2))) / a;
    firstStart = ctx.windowStart + Math.min(ctx.end - 1 - ctx.windowStart, Math.floor(t * (ctx.end - ctx.windowStart)));
  }
  const created = firstStart - rng.int(0, 45);
  const baseUtil = rng.float(0.55, 0.9);
  const utilGrowth = rng.float(-0.02, 0.08);
  return {
    slot,
    segment,
    region,
    owner,
    name: '',
    seatPrice,
    seats,
    addOns,
    services,
    firstStart,
    created,
    baseUtil,
    utilGrowth,
  };
}

/** A due date in [lo, hi] that is exactly `years` anniversaries after some start (month-end clamping aside). */
function anchor(lo: Day, hi: Day, years: number): { due: Day; start: Day } {
  for (let d = lo; d <= hi; d++) {
    const start = plusMonths(d, -12 * years);
    if (plusMonths(start, 12 * years) === d) return { due: d, start };
  }
  throw new Error(`demo: no anniversary date between ${iso(lo)} and ${iso(hi)}`);
}

function buildScripts(ctx: Ctx): Script[] {
  const ws = ctx.weekStart;
  const A = ctx.asOf;
  const s: Script[] = [];
  const troubleUntil = (start: Day, full: Day, peak: number, end: Day, recover = 0): Ramp => ({
    start,
    full,
    peak,
    end,
    recover,
  });

  // A new logo signs on the Tuesday of the reported week, with onboarding services.
  s.push({ role: 'newLogo', segment: 'Mid-Market', firstStart: ws + 1, created: ws - 24, services: true });

  // Churn: a troubled second-year renewal falls due this week; the customer confirmed on Tuesday.
  const c = anchor(ws + 3, ws + 5, 2);
  s.push({
    role: 'churn',
    segment: 'Mid-Market',
    firstStart: c.start,
    created: c.start - 30,
    plans: {
      '0:2': {
        outcome: 'churn',
        closedOffset: ws + 1 - c.due,
        trouble: troubleUntil(c.due - 175, c.due - 85, 0.9, c.due + 30),
      },
    },
  });

  // Contraction: renewed this week with fewer seats after months of falling usage.
  const k = anchor(ws + 2, ws + 4, 1);
  s.push({
    role: 'contraction',
    segment: 'Mid-Market',
    firstStart: k.start,
    created: k.start - 20,
    addOns: ['Northwind Analytics'],
    plans: {
      '0:1': {
        outcome: 'contraction',
        closedOffset: 0,
        trouble: troubleUntil(k.due - 160, k.due - 75, 0.75, k.due, 49),
      },
    },
  });

  // Renewed with an uplift this week (signed on Monday, effective on the due date).
  const u = anchor(ws + 4, ws + 6, 3);
  s.push({
    role: 'renewedUplift',
    segment: 'Enterprise',
    firstStart: u.start,
    created: u.start - 40,
    plans: { '0:3': { outcome: 'uplift', closedOffset: ws - u.due } },
  });

  // Expansion: an upsell won on Tuesday (a new seats line from that day), plus a cross-sell in the pipeline.
  const eStart = plusMonths(ws + 1, -30);
  s.push({
    role: 'expansion',
    segment: 'Enterprise',
    firstStart: eStart,
    created: eStart - 35,
    addOns: ['Northwind Analytics'],
    opps: [
      { type: 'upsell', created: ws - 45, close: ws + 1, stage: 'won' },
      { type: 'cross_sell', created: ws - 12, close: A + 35, stage: 'open' },
    ],
  });

  // Reactivation: churned about five months ago, signs again on Wednesday.
  const r = anchor(ws - 170, ws - 150, 1);
  s.push({
    role: 'reactivation',
    segment: 'SMB',
    firstStart: r.start,
    created: r.start - 15,
    plans: {
      '0:1': {
        outcome: 'churn',
        closedOffset: -6,
        trouble: troubleUntil(r.due - 160, r.due - 80, 0.85, r.due + 30),
        reactivateAt: ws + 2,
      },
    },
  });

  // Overdue and at risk: due ~12 days ago, still open, usage collapsed.
  const o1 = anchor(A - 14, A - 10, 2);
  s.push({
    role: 'overdueAtRisk',
    segment: 'Mid-Market',
    firstStart: o1.start,
    created: o1.start - 25,
    plans: {
      '0:2': {
        outcome: 'churn',
        closedOffset: 0,
        forceOpen: true,
        trouble: troubleUntil(o1.due - 150, o1.due - 50, 0.85, o1.due + 365),
      },
    },
    tickets: [{ opened: A - 17, priority: 'p1', closed: A - 13, csat: 1 }],
    nps: [{ date: A - 20, score: 3, comment: 'We are not getting value for the price.' }],
    quietNpsFrom: A - 60,
  });

  // Overdue by CRM lag: a healthy account whose renewal paperwork is late.
  const o2 = anchor(A - 32, A - 28, 1);
  s.push({
    role: 'overdueLag',
    segment: 'SMB',
    firstStart: o2.start,
    created: o2.start - 10,
    plans: { '0:1': { outcome: 'flat', closedOffset: 0, forceOpen: true } },
  });

  // Red health, renewal in ~30 days: usage collapsing, two P1s, a fresh detractor.
  const r30 = anchor(A + 26, A + 30, 3);
  s.push({
    role: 'red30',
    segment: 'Enterprise',
    firstStart: r30.start,
    created: r30.start - 60,
    plans: { '0:3': { outcome: 'churn', closedOffset: 0, trouble: troubleUntil(A - 120, A - 10, 0.95, r30.due + 60) } },
    tickets: [
      { opened: A - 21, priority: 'p1', closed: A - 16, csat: 2 },
      { opened: A - 8, priority: 'p2', closed: A - 2, csat: 1 },
      { opened: A - 5, priority: 'p1' },
    ],
    nps: [{ date: A - 3, score: 2, comment: 'Evaluating alternatives before the renewal.' }],
    quietNpsFrom: A - 60,
  });

  // Red health, renewal in ~60 days: falling usage, a P1, a detractor last week.
  const r60 = anchor(A + 52, A + 58, 2);
  s.push({
    role: 'red60',
    segment: 'Mid-Market',
    firstStart: r60.start,
    created: r60.start - 20,
    plans: { '0:2': { outcome: 'churn', closedOffset: 0, trouble: troubleUntil(A - 100, A - 7, 0.9, r60.due + 60) } },
    tickets: [{ opened: A - 12, priority: 'p1', closed: A - 9, csat: 2 }],
    nps: [{ date: A - 9, score: 4, comment: 'Too many outages this quarter.' }],
    quietNpsFrom: A - 60,
  });

  // Red health, renewal in ~80 days: utilization below 40% for weeks, a P1, a detractor.
  const r90 = anchor(A + 76, A + 84, 1);
  s.push({
    role: 'red90',
    segment: 'Mid-Market',
    firstStart: r90.start,
    created: r90.start - 20,
    plans: {
      '0:1': { outcome: 'contraction', closedOffset: 0, trouble: troubleUntil(A - 150, A - 40, 0.9, r90.due + 60) },
    },
    tickets: [{ opened: A - 25, priority: 'p1', closed: A - 20, csat: 2 }],
    nps: [{ date: A - 40, score: 5, comment: 'Our users stopped logging in after the last redesign.' }],
    quietNpsFrom: A - 60,
  });

  // Usage falling fast with a renewal in ~5 months.
  const d180 = anchor(A + 140, A + 160, 2);
  s.push({
    role: 'decline180',
    segment: 'Enterprise',
    firstStart: d180.start,
    created: d180.start - 45,
    plans: {
      '0:2': { outcome: 'contraction', closedOffset: 0, trouble: troubleUntil(A - 49, A + 7, 0.9, d180.due + 60) },
    },
  });

  return s;
}

// ---- output ------------------------------------------------------------------------------

/** Cents as a contract money string: `12000` or `12000.50`. */
function money(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error(`demo: bad amount ${cents}`);
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(2, '0')}`;
}

const opt = <T>(v: T | undefined, f: (x: T) => string): string => (v === undefined ? '' : f(v));

function ids(prefix: string, count: number, minWidth: number): (i: number) => string {
  const width = Math.max(minWidth, String(count).length);
  return (i) => `${prefix}-${String(i + 1).padStart(width, '0')}`;
}

function bySeq<T extends { slot: number; seq: number }>(date: (r: T) => Day) {
  return (a: T, b: T) => date(a) - date(b) || a.slot - b.slot || a.seq - b.seq;
}

function validateOptions(o: DemoOptions): Required<DemoOptions> {
  const seed = o.seed ?? 42;
  const accounts = o.accounts ?? 300;
  const years = o.years ?? 2;
  const weekStartsOn = o.weekStartsOn ?? 1;
  if (typeof o.endDate !== 'string' || !isIsoDate(o.endDate))
    throw new DemoOptionsError(`endDate "${String(o.endDate)}" is not a calendar date (YYYY-MM-DD)`);
  if (!Number.isSafeInteger(seed)) throw new DemoOptionsError(`seed ${seed} must be a whole number`);
  if (!Number.isSafeInteger(accounts) || accounts < MIN_DEMO_ACCOUNTS || accounts > 100_000)
    throw new DemoOptionsError(`accounts ${accounts} must be a whole number from ${MIN_DEMO_ACCOUNTS} to 100000`);
  if (!Number.isSafeInteger(years) || years < 1 || years > 10)
    throw new DemoOptionsError(`years ${years} must be a whole number from 1 to 10`);
  if (!Number.isInteger(weekStartsOn) || weekStartsOn < 1 || weekStartsOn > 7)
    throw new DemoOptionsError(`weekStartsOn ${weekStartsOn} must be 1 (Monday) .. 7 (Sunday)`);
  const fiscalYearStartMonth = o.fiscalYearStartMonth ?? 1;
  if (!Number.isInteger(fiscalYearStartMonth) || fiscalYearStartMonth < 1 || fiscalYearStartMonth > 12)
    throw new DemoOptionsError(`fiscalYearStartMonth ${fiscalYearStartMonth} must be 1 .. 12`);
  return {
    seed,
    accounts,
    endDate: o.endDate,
    years,
    weekStartsOn,
    withBadRows: o.withBadRows ?? false,
    fiscalYearStartMonth,
  };
}

// ---- entry point -------------------------------------------------------------------------

/** A deterministic demo history ending on `endDate`, as contract CSV rows per entity. */
export function generateDemoData(options: DemoOptions): DemoData {
  const o = validateOptions(options);
  const end = day(o.endDate);
  const asOf = day(lastCompleteWeekEnd(o.endDate, o.weekStartsOn));
  const windowStart = day(addMonths(o.endDate, -12 * o.years)) + 1;
  const firstWeek = day(startOfWeek(iso(windowStart), o.weekStartsOn));
  const season = new Map<Day, { holiday: number; august: boolean }>();
  for (let w = firstWeek; w <= end; w += 7) {
    // Quieter over the holidays (the week with Christmas, then the one with New Year's Day).
    let holiday = 1;
    for (let d = w; d < w + 7; d++) {
      const md = iso(d).slice(5);
      if (md === '12-25') holiday = Math.min(holiday, 0.8);
      if (md === '01-01') holiday = Math.min(holiday, 0.88);
    }
    season.set(w, { holiday, august: iso(w + 3).slice(5, 7) === '08' });
  }
  const ctx: Ctx = {
    root: new Rng(o.seed, 'northwind'),
    years: o.years,
    end,
    asOf,
    weekStart: asOf - 6,
    windowStart,
    firstWeek,
    season,
    seq: 0,
    lines: [],
    renewals: [],
    opps: [],
    usage: [],
    tickets: [],
    nps: [],
  };

  // Profiles, then the scripted roles on deterministic slots.
  const profiles: Profile[] = [];
  for (let slot = 0; slot < o.accounts; slot++) profiles.push(makeProfile(ctx, slot));
  const scripts = buildScripts(ctx);
  const scriptOf = new Map<number, Script>();
  scripts.forEach((script, i) => {
    const from = Math.floor(((i + 0.5) * o.accounts) / scripts.length);
    let slot = -1;
    for (let j = 0; j < o.accounts && slot < 0; j++) {
      const cand = (from + j) % o.accounts;
      if (!scriptOf.has(cand) && profiles[cand]!.segment === script.segment) slot = cand;
    }
    for (let j = 0; j < o.accounts && slot < 0; j++) {
      const cand = (from + j) % o.accounts;
      if (!scriptOf.has(cand)) slot = cand;
    }
    const prof = makeProfile(ctx, slot, script.segment);
    prof.firstStart = script.firstStart;
    prof.created = script.created;
    if (script.addOns) prof.addOns = script.addOns;
    if (script.services !== undefined) prof.services = script.services;
    profiles[slot] = prof;
    scriptOf.set(slot, script);
  });

  // Names: unique, drawn in slot order.
  const nameRng = ctx.root.fork('names');
  const used = new Set<string>();
  for (const p of profiles) {
    let name = '';
    for (let attempt = 0; name === '' || used.has(name); attempt++) {
      if (nameRng.chance(0.02)) {
        const first = nameRng.pick(SURNAMES);
        name = `${first}, ${nameRng.pick(SURNAMES.filter((x) => x !== first))} & Partners`;
      } else name = `${nameRng.pick(NAME_STEMS)} ${nameRng.pick(NAME_TRADES)} ${nameRng.pick(LEGAL_SUFFIX[p.region])}`;
      if (attempt > 20) name = `${name} ${p.slot + 1}`;
    }
    used.add(name);
    p.name = name;
  }

  // Simulate every account.
  for (const p of profiles) {
    const rng = ctx.root.fork(`account:${p.slot}`);
    const sim = new AccountSim(ctx, p, scriptOf.get(p.slot));
    sim.run(rng.fork('contracts'));
    sim.planDips(rng.fork('dips'));
    sim.usage(rng.fork('usage'));
    sim.tickets(rng.fork('tickets'));
    sim.nps(rng.fork('nps'));
  }

  // Ids follow creation order, as a CRM's would.
  const accountId = new Map<number, string>();
  const accountIds = ids('ACC', profiles.length, 4);
  const accounts = [...profiles].sort((a, b) => a.created - b.created || a.slot - b.slot);
  accounts.forEach((p, i) => accountId.set(p.slot, accountIds(i)));
  const acc = (slot: number) => accountId.get(slot)!;

  const data: DemoData = Object.fromEntries(ENTITY_NAMES.map((n) => [n, []])) as unknown as DemoData;
  data.accounts = accounts.map((p) => ({
    account_id: acc(p.slot),
    name: p.name,
    segment: p.segment,
    owner_email: p.owner,
    region: p.region,
    created_date: iso(p.created),
  }));

  const lineId = ids('SUB', ctx.lines.length, 5);
  data.subscriptions = ctx.lines.sort(bySeq((l) => l.start)).map((l, i) => ({
    line_id: lineId(i),
    account_id: acc(l.slot),
    product: l.product,
    kind: l.kind,
    arr: money(l.arr),
    start_date: iso(l.start),
    end_date: opt(l.end, iso),
    seats: opt(l.seats, String),
  }));

  const renewalId = ids('REN', ctx.renewals.length, 5);
  data.renewals = ctx.renewals.sort(bySeq((r) => r.due)).map((r, i) => ({
    renewal_id: renewalId(i),
    account_id: acc(r.slot),
    due_date: iso(r.due),
    arr_up: money(r.arrUp),
    status: r.status,
    closed_date: opt(r.closed, iso),
    renewed_arr: opt(r.renewedArr, money),
  }));

  const oppId = ids('OPP', ctx.opps.length, 5);
  data.expansions = ctx.opps.sort(bySeq((x) => x.created)).map((x, i) => ({
    opportunity_id: oppId(i),
    account_id: acc(x.slot),
    type: x.type,
    arr: money(x.arr),
    stage: x.stage,
    created_date: iso(x.created),
    close_date: iso(x.close),
  }));

  data.usage = ctx.usage
    .map((u) => ({ id: acc(u.slot), u }))
    .sort((a, b) => a.u.week - b.u.week || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ id, u }) => ({
      account_id: id,
      week: iso(u.week),
      weekly_active_users: String(u.wau),
      licensed_seats: String(u.seats),
    }));

  const ticketId = ids('TCK', ctx.tickets.length, 6);
  data.tickets = ctx.tickets.sort(bySeq((t) => t.opened)).map((t, i) => ({
    ticket_id: ticketId(i),
    account_id: acc(t.slot),
    opened_date: iso(t.opened),
    priority: t.priority,
    closed_date: opt(t.closed, iso),
    csat: opt(t.csat, String),
  }));

  const npsId = ids('NPS', ctx.nps.length, 5);
  data.nps = ctx.nps.sort(bySeq((r) => r.date)).map((r, i) => ({
    response_id: npsId(i),
    account_id: acc(r.slot),
    date: iso(r.date),
    score: String(r.score),
    comment: r.comment,
  }));

  data.spend = spendRows(ctx, profiles);
  data.targets = targetRows(ctx, o.fiscalYearStartMonth);
  data.annotations = annotationRows(ctx);

  if (o.withBadRows) appendBadRows(data, ctx);
  return data;
}

/** Monthly sales & marketing spend for every month from the window's first to endDate's, sized so CAC payback lands near 18 months. */
function spendRows(ctx: Ctx, profiles: Profile[]): DemoRow[] {
  const rng = ctx.root.fork('spend');
  let newArr = 0;
  for (const p of profiles) {
    if (p.firstStart < ctx.windowStart) continue;
    newArr += ctx.lines
      .filter((l) => l.slot === p.slot && l.kind === 'recurring' && l.start === p.firstStart)
      .reduce((s, l) => s + l.arr, 0);
  }
  const months: string[] = [];
  for (let m = iso(ctx.windowStart).slice(0, 7); m <= iso(ctx.end).slice(0, 7); m = addMonths(`${m}-01`, 1).slice(0, 7))
    months.push(m);
  const base = (newArr * 1.2) / (12 * ctx.years);
  return months.map((month, i) => {
    const growth = 0.8 + (0.4 * i) / Math.max(1, months.length - 1);
    const quarterEnd = ['03', '06', '09', '12'].includes(month.slice(5)) ? 1.12 : 1;
    const noise = Math.max(0.7, 1 + rng.normal() * 0.08);
    const cents = Math.round((base * growth * quarterEnd * noise) / 100) * 100;
    return { month, sales_marketing: money(cents) };
  });
}

/**
 * The plan: targets for the last complete fiscal quarter, the current one and the current fiscal
 * year, set the way a board plans: ARR up 8% a quarter from the fiscal year's opening ARR (the
 * fourth quarter's target is the year's), NRR 108%, GRR 92%, and a little more than the history's
 * average of new logos a quarter.
 */
function targetRows(ctx: Ctx, fiscalYearStartMonth: number): DemoRow[] {
  const recurring = ctx.lines.filter((l) => l.kind === 'recurring');
  const active = (l: LineRec, d: Day) => l.start <= d && (l.end === undefined || d < l.end);
  const arrAt = (d: Day): number => recurring.reduce((s, l) => (active(l, d) ? s + l.arr : s), 0);
  const customersAt = (d: Day): number =>
    new Set(recurring.filter((l) => l.arr > 0 && active(l, d)).map((l) => l.slot)).size;
  const firstStart = new Map<number, Day>();
  for (const l of recurring) firstStart.set(l.slot, Math.min(firstStart.get(l.slot) ?? Infinity, l.start));
  const newInWindow = [...firstStart.values()].filter((d) => d >= ctx.windowStart && d <= ctx.end).length;
  const newPerQuarter = Math.max(1, Math.round((newInWindow / (4 * ctx.years)) * 1.1));
  const roundTo10k = (cents: number) => Math.round(cents / 1_000_000) * 1_000_000;
  const rows: DemoRow[] = [];
  const add = (period: string, arr: number, netNew: number, logos: number, newLogos: number) =>
    rows.push(
      { metric: 'arr', period, value: money(arr) },
      { metric: 'net_new_arr', period, value: money(netNew) },
      { metric: 'nrr', period, value: '1.08' },
      { metric: 'grr', period, value: '92%' },
      { metric: 'logos', period, value: String(logos) },
      { metric: 'new_logos', period, value: String(newLogos) },
    );
  /** Quarter k's targets (k = 0: the year's opening position) of the fiscal year that starts on `yearStart`. */
  const plan = (yearStart: IsoDate, k: number) => {
    const open = day(yearStart) - 1;
    return {
      arr: k === 0 ? arrAt(open) : roundTo10k(arrAt(open) * 1.08 ** k),
      logos: customersAt(open) + Math.round(newPerQuarter * 0.7) * k,
    };
  };
  const current = fiscalQuarterOf(iso(ctx.asOf), fiscalYearStartMonth);
  const previous = fiscalQuarterOf(addDays(current.start, -1), fiscalYearStartMonth);
  for (const q of [previous, current]) {
    const yearStart = addMonths(q.start, -(q.quarter - 1) * 3);
    const [before, target] = [plan(yearStart, q.quarter - 1), plan(yearStart, q.quarter)];
    add(q.label, target.arr, target.arr - before.arr, target.logos, newPerQuarter);
  }
  const yearStart = addMonths(current.start, -(current.quarter - 1) * 3);
  const [open, close] = [plan(yearStart, 0), plan(yearStart, 4)];
  add(`FY${current.fiscalYear}`, close.arr, close.arr - open.arr, close.logos, newPerQuarter * 4);
  return rows;
}

/** Two notes on the recent trend charts: a price change and a launch. */
function annotationRows(ctx: Ctx): DemoRow[] {
  return [
    { date: iso(ctx.asOf - 47), text: 'New price list: 6% uplift on renewals from today', metric: 'arr' },
    { date: iso(ctx.asOf - 19), text: 'Customer success playbook for SMB renewals launched', metric: '' },
  ];
}

/** A few rows the contract rejects, so the demo shows the rejects report. They never replace valid rows (their ids are new). */
function appendBadRows(data: DemoData, ctx: Ctx): void {
  const a = (i: number): string => data.accounts[i % data.accounts.length]!.account_id!;
  const year = iso(ctx.end).slice(0, 4);
  data.subscriptions.push({
    line_id: 'SUB-BAD-1',
    account_id: a(0),
    product: PLATFORM,
    kind: 'recurring',
    arr: '12000',
    start_date: `${year}-02-30`,
    end_date: '',
    seats: '20',
  });
  data.subscriptions.push({
    line_id: 'SUB-BAD-2',
    account_id: a(1),
    product: 'Northwind Analytics',
    kind: 'recurring',
    arr: '-2500',
    start_date: iso(ctx.weekStart),
    end_date: '',
    seats: '',
  });
  data.renewals.push({
    renewal_id: 'REN-BAD-1',
    account_id: a(2),
    due_date: iso(ctx.asOf + 40),
    arr_up: '18000',
    status: 'pending',
    closed_date: '',
    renewed_arr: '',
  });
  data.nps.push({
    response_id: 'NPS-BAD-1',
    account_id: a(3),
    date: iso(ctx.asOf - 2),
    score: '11',
    comment: 'Scale goes to eleven',
  });
}
