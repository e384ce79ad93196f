// Revenue rules: a customer's invoices and subscriptions -> the data contract's account and
// subscription lines (docs/billing.md). ARR comes from invoice line items and their service
// periods, never from the subscription's list price, so discounts, prorations, trials and
// cancellations show in ARR the day they take effect. Pure and exact: integer minor units,
// rational arithmetic, one rounding per line item.
import { currencyDecimals, minorToDecimal } from '../money';
import { addMonths, fromEpochDay, LocalDateOfInstant, toEpochDay } from '../dates';
import type {
  BillingCustomer,
  BillingInterval,
  BillingInvoice,
  BillingLineItem,
  BillingPrice,
  BillingProblem,
  BillingSettings,
  BillingSubscription,
  ContractRow,
} from './types';

/** Invoices whose line items count: issued and not written off. */
const COUNTED_INVOICE_STATUSES: ReadonlySet<string> = new Set(['paid', 'open']);
/** Subscriptions whose current item runs on with no end date (the next invoice is not in yet). */
const OPEN_ENDED_STATUSES: ReadonlySet<string> = new Set(['active', 'past_due']);

/** The account of a customer. */
export function accountOf(
  customer: BillingCustomer,
  settings: BillingSettings,
  dates = new LocalDateOfInstant(settings.timeZone),
): ContractRow {
  const meta = customer.metadata;
  const row: ContractRow = {
    account_id: nonBlank(meta[settings.accountIdKey]) ?? customer.id,
    name: nonBlank(customer.name) ?? nonBlank(customer.email) ?? customer.id,
    created_date: dates.date(customer.created),
  };
  const segment = nonBlank(meta[settings.segmentKey]);
  if (segment !== undefined) row.segment = segment;
  const owner = nonBlank(meta[settings.ownerEmailKey]);
  if (owner !== undefined) row.owner_email = owner;
  return row;
}

export interface CustomerBilling {
  customer: BillingCustomer;
  /** Every subscription of the customer, canceled ones included. */
  subscriptions: readonly BillingSubscription[];
  /** Every invoice of the customer, with all its line items. */
  invoices: readonly BillingInvoice[];
}

export interface CustomerLines {
  accountId: string;
  /** Recurring lines first (by item, then start), then services lines. */
  lines: ContractRow[];
  problems: BillingProblem[];
}

/** One counted line item on an item's timeline. */
interface TimelineEntry {
  start: number;
  end: number;
  /** ARR in minor units, rounded. */
  arr: number;
  proration: boolean;
  quantity: number | null;
  product: string | null;
  currency: string;
}

interface ItemTimeline {
  subscription: string | null;
  entries: TimelineEntry[];
}

/** The contract lines of one customer: every subscription item's runs of constant ARR, and one-off services. */
export function linesOfCustomer(
  input: CustomerBilling,
  prices: ReadonlyMap<string, BillingPrice>,
  settings: BillingSettings,
  dates = new LocalDateOfInstant(settings.timeZone),
): CustomerLines {
  const accountId = accountOf(input.customer, settings, dates).account_id!;
  const subscriptions = new Map(input.subscriptions.map((s) => [s.id, s]));
  const items = new Map<string, ItemTimeline>();
  const services: ContractRow[] = [];
  const problems: BillingProblem[] = [];

  for (const invoice of input.invoices) {
    if (!COUNTED_INVOICE_STATUSES.has(invoice.status ?? '')) continue;
    const currency = invoice.currency.toUpperCase();
    for (const line of invoice.lines) {
      const parent = line.parent;
      if (!parent) continue;
      const problem = (field: string, reason: string) =>
        problems.push({ invoice: invoice.id, lineItem: line.id, field, reason });
      const recurringItem = itemKeyOf(line, subscriptions);
      if (recurringItem === undefined) {
        // A one-off invoice item: services, at the invoice's date.
        const net = netAmount(line);
        if (net < 0) continue; // a credit, not a sale of services
        const day = dates.epochDay(invoice.created);
        const row: ContractRow = {
          line_id: line.id,
          account_id: accountId,
          kind: 'services',
          arr: minorToDecimal(net, currencyDecimals(currency)),
          start_date: fromEpochDay(day),
          end_date: fromEpochDay(day + 1),
          currency,
        };
        if (line.productId) row.product = line.productId;
        if (line.quantity !== null) row.seats = String(line.quantity);
        services.push(row);
        continue;
      }
      const price = line.priceId ? prices.get(line.priceId) : undefined;
      if (!price) {
        problem(
          'price',
          line.priceId
            ? `price ${line.priceId} is not in the price list (neither active nor archived)`
            : 'the line item names no price',
        );
        continue;
      }
      if (!price.recurring) {
        problem('price', `price ${price.id} of a subscription line is not recurring`);
        continue;
      }
      if (price.recurring.usageType !== 'licensed') continue; // metered usage is not ARR
      const start = dates.epochDay(line.periodStart);
      const end = dates.epochDay(line.periodEnd);
      if (end <= start) continue; // a period that holds no local day
      const arr = lineArr(line, price.recurring, start, end);
      if (arr === undefined) {
        problem('period', `period ${fromEpochDay(start)}..${fromEpochDay(end)} is not a positive number of days`);
        continue;
      }
      let timeline = items.get(recurringItem.item);
      if (!timeline)
        items.set(recurringItem.item, (timeline = { subscription: recurringItem.subscription, entries: [] }));
      timeline.entries.push({
        start,
        end,
        arr,
        proration: recurringItem.proration,
        quantity: line.quantity,
        product: line.productId ?? price.product,
        currency,
      });
    }
  }

  const lines: ContractRow[] = [];
  for (const [item, timeline] of [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sub = timeline.subscription ? subscriptions.get(timeline.subscription) : undefined;
    for (const run of itemRuns(item, timeline, sub, dates)) lines.push(lineRow(item, accountId, run));
  }
  lines.push(...services);
  return { accountId, lines, problems };
}

/** The subscription item a line item belongs to, or undefined for a one-off (services) line. */
function itemKeyOf(
  line: BillingLineItem,
  subscriptions: ReadonlyMap<string, BillingSubscription>,
): { item: string; subscription: string | null; proration: boolean } | undefined {
  const p = line.parent!;
  if (p.type === 'subscription_item_details')
    return { item: p.subscriptionItem, subscription: p.subscription, proration: p.proration };
  if (p.type === 'invoice_item_details' && p.proration && p.subscription) {
    // A pending proration: it belongs to the subscription's item with the same price.
    const sub = subscriptions.get(p.subscription);
    const listed = sub?.items.find((i) => i.priceId === line.priceId);
    return {
      item: listed?.id ?? `${p.subscription}:${line.priceId ?? 'no-price'}`,
      subscription: p.subscription,
      proration: true,
    };
  }
  return undefined;
}

/** amount - discounts - inclusive tax (exclusive tax is not in `amount`). */
export function netAmount(line: Pick<BillingLineItem, 'amount' | 'discounts' | 'inclusiveTax'>): number {
  return line.amount - line.discounts - line.inclusiveTax;
}

/** Billing periods in a year for one interval: numerator / denominator. */
function periodsPerYear(interval: BillingInterval, count: number): [bigint, bigint] {
  const n = BigInt(count);
  switch (interval) {
    case 'month':
      return [12n, n];
    case 'year':
      return [1n, n];
    case 'week':
      return [52n, n];
    case 'day':
      return [365n, n];
  }
}

/** The first day of the one full interval that ends on `endDay` (calendar months: 31 March -> 28/29 February). */
export function fullPeriodStart(endDay: number, interval: BillingInterval, count: number): number {
  const end = fromEpochDay(endDay);
  switch (interval) {
    case 'month':
      return toEpochDay(addMonths(end, -count));
    case 'year':
      return toEpochDay(addMonths(end, -12 * count));
    case 'week':
      return endDay - 7 * count;
    case 'day':
      return endDay - count;
  }
}

/**
 * ARR of one counted line item in minor units: net x periods per year, and for a proration also x
 * days(full period) / days(item period). Rounded half away from zero, once.
 */
export function lineArr(
  line: Pick<BillingLineItem, 'amount' | 'discounts' | 'inclusiveTax'> & { parent: BillingLineItem['parent'] },
  recurring: NonNullable<BillingPrice['recurring']>,
  startDay: number,
  endDay: number,
): number | undefined {
  const [perYearNum, perYearDen] = periodsPerYear(recurring.interval, recurring.intervalCount);
  let num = BigInt(netAmount(line)) * perYearNum;
  let den = perYearDen;
  if (line.parent?.proration) {
    const itemDays = endDay - startDay;
    const fullDays = endDay - fullPeriodStart(endDay, recurring.interval, recurring.intervalCount);
    if (itemDays <= 0 || fullDays <= 0) return undefined;
    num *= BigInt(fullDays);
    den *= BigInt(itemDays);
  }
  return Number(roundHalfAwayFromZero(num, den));
}

/** num / den rounded half away from zero (den > 0). */
export function roundHalfAwayFromZero(num: bigint, den: bigint): bigint {
  const abs = num < 0n ? -num : num;
  const q = (2n * abs + den) / (2n * den);
  return num < 0n ? -q : q;
}

interface Run {
  start: number;
  /** Exclusive; undefined = open (still running). */
  end: number | undefined;
  arr: number;
  source: TimelineEntry;
}

/**
 * The maximal runs of days with a constant, positive ARR on an item's timeline, then the
 * subscription's state: an open end for a running subscription (or its scheduled end), the cut
 * at `ended_at` for a canceled one.
 */
function itemRuns(
  item: string,
  timeline: ItemTimeline,
  sub: BillingSubscription | undefined,
  dates: LocalDateOfInstant,
): Run[] {
  const entries = timeline.entries;
  const deltas = new Map<number, number>();
  for (const e of entries) {
    deltas.set(e.start, (deltas.get(e.start) ?? 0) + e.arr);
    deltas.set(e.end, (deltas.get(e.end) ?? 0) - e.arr);
  }
  const points = [...deltas.keys()].sort((a, b) => a - b);
  const runs: Run[] = [];
  let level = 0;
  for (let i = 0; i < points.length - 1; i++) {
    level += deltas.get(points[i]!)!;
    const value = Math.max(0, level); // a negative sum (more credit than charge) counts as 0
    const [from, to] = [points[i]!, points[i + 1]!];
    const last = runs[runs.length - 1];
    if (value > 0 && last && last.end === from && last.arr === value) last.end = to;
    else if (value > 0) runs.push({ start: from, end: to, arr: value, source: entries[0]! });
  }
  if (runs.length === 0) return runs;
  for (const run of runs) run.source = describingEntry(entries, run);

  const timelineEnd = points[points.length - 1]!;
  if (sub && OPEN_ENDED_STATUSES.has(sub.status) && sub.items.some((i) => i.id === item)) {
    const last = runs[runs.length - 1]!;
    // The open end belongs to the run that reaches the last billed day; a current period billed
    // at zero (a 100 % coupon) is not extended over by an earlier run.
    if (last.end === timelineEnd) last.end = undefined;
    // A scheduled end (cancellation at period end) ends the contract on that day, billed or not.
    if (sub.cancelAt !== null) return cutAt(runs, dates.epochDay(sub.cancelAt));
    return runs;
  }
  if (sub && sub.status === 'canceled' && sub.endedAt !== null) return cutAt(runs, dates.epochDay(sub.endedAt));
  return runs;
}

/** Ends every run at `day`: runs from then on are dropped, a run across it (or open) ends there. */
function cutAt(runs: Run[], day: number): Run[] {
  const kept: Run[] = [];
  for (const run of runs) {
    if (run.start >= day) continue;
    kept.push(run.end === undefined || run.end > day ? { ...run, end: day } : run);
  }
  return kept;
}

/** The line item whose product and seats describe a run: the latest full-period one in it, else the latest of any kind. */
function describingEntry(
  entries: readonly TimelineEntry[],
  run: { start: number; end: number | undefined },
): TimelineEntry {
  let best: TimelineEntry | undefined;
  let bestAny: TimelineEntry | undefined;
  for (const e of entries) {
    const overlaps = e.start < (run.end ?? Infinity) && e.end > run.start;
    if (!overlaps) continue;
    if (!bestAny || e.start >= bestAny.start) bestAny = e;
    if (!e.proration && (!best || e.start >= best.start)) best = e;
  }
  return best ?? bestAny ?? entries[0]!;
}

function lineRow(item: string, accountId: string, run: Run): ContractRow {
  const start = fromEpochDay(run.start);
  const row: ContractRow = {
    line_id: `${item}@${start}`,
    account_id: accountId,
    kind: 'recurring',
    arr: minorToDecimal(run.arr, currencyDecimals(run.source.currency)),
    start_date: start,
    end_date: run.end === undefined ? '' : fromEpochDay(run.end),
    currency: run.source.currency,
  };
  if (run.source.product) row.product = run.source.product;
  if (run.source.quantity !== null) row.seats = String(run.source.quantity);
  return row;
}

function nonBlank(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}
