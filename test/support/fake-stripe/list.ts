// The fake Stripe API's store contract: what the HTTP server asks a store for (a filtered page of
// one kind of object, newest first; one object by id; a page of one invoice's line items), and
// the ordering and cursor rules shared by the stores.
import type Stripe from 'stripe';

export interface StripeObjects {
  customers: Stripe.Customer;
  prices: Stripe.Price;
  subscriptions: Stripe.Subscription;
  invoices: Stripe.Invoice;
  events: Stripe.Event;
}
export type StripeObjectKind = keyof StripeObjects;
export const STRIPE_OBJECT_KINDS: readonly StripeObjectKind[] = [
  'customers',
  'prices',
  'subscriptions',
  'invoices',
  'events',
];

/** `created[gt]=...` and friends; `created=<n>` is { gte: n, lte: n }. */
export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export interface ListFilters {
  customers: { created?: RangeFilter; email?: string };
  /** `active` undefined = both (the server passes true when the request has no `active`, as Stripe lists only active prices). */
  prices: { active?: boolean; created?: RangeFilter; currency?: string; product?: string; type?: string };
  /** `statuses` undefined = every status (the server resolves Stripe's default and `ended`). */
  subscriptions: { statuses?: readonly string[]; customer?: string; price?: string; created?: RangeFilter };
  invoices: { customer?: string; status?: string; subscription?: string; created?: RangeFilter };
  /** `types` may use `*` as a wildcard (`invoice.*`); `createdAfter` is the retention cut (exclusive lower bound, epoch seconds). */
  events: { types?: readonly string[]; created?: RangeFilter; createdAfter?: number };
}

export interface PageRequest {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}
export interface ListRequest<K extends StripeObjectKind> extends PageRequest {
  filter: ListFilters[K];
}

/** A page, or the cursor id that does not exist (the server answers 400 resource_missing). */
export type PageResult<T> = { data: T[]; hasMore: boolean } | { missingCursor: string };

export interface FakeStripeStore {
  /** The store's "now" in epoch seconds (events older than 30 days before it are gone); the server's `now` option wins. */
  readonly now?: number;
  list<K extends StripeObjectKind>(kind: K, req: ListRequest<K>): PageResult<StripeObjects[K]>;
  retrieve<K extends StripeObjectKind>(kind: K, id: string): StripeObjects[K] | undefined;
  /** Line items of an invoice in invoice order (not newest first); undefined when there is no such invoice. */
  invoiceLines(invoiceId: string, page: PageRequest): PageResult<Stripe.InvoiceLineItem> | undefined;
}

// ---------------------------------------------------------------------------------------------
// Ordering, filters and cursors

/** Stripe's list order: created descending, then id descending. */
export function newestFirst(a: { created: number; id: string }, b: { created: number; id: string }): number {
  return b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function inRange(v: number, r: RangeFilter | undefined): boolean {
  if (!r) return true;
  return (
    (r.gt === undefined || v > r.gt) &&
    (r.gte === undefined || v >= r.gte) &&
    (r.lt === undefined || v < r.lt) &&
    (r.lte === undefined || v <= r.lte)
  );
}

export function idOf(v: string | { id: string } | null | undefined): string | null {
  return v == null ? null : typeof v === 'string' ? v : v.id;
}

export function typeMatches(type: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns) return true;
  return patterns.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

/** Whether an object of a kind passes a list's filters. */
export function matches<K extends StripeObjectKind>(kind: K, o: StripeObjects[K], filter: ListFilters[K]): boolean {
  switch (kind) {
    case 'customers': {
      const c = o as Stripe.Customer;
      const f = filter as ListFilters['customers'];
      return inRange(c.created, f.created) && (f.email === undefined || c.email === f.email);
    }
    case 'prices': {
      const p = o as Stripe.Price;
      const f = filter as ListFilters['prices'];
      return (
        (f.active === undefined || p.active === f.active) &&
        inRange(p.created, f.created) &&
        (f.currency === undefined || p.currency === f.currency.toLowerCase()) &&
        (f.product === undefined || idOf(p.product) === f.product) &&
        (f.type === undefined || p.type === f.type)
      );
    }
    case 'subscriptions': {
      const s = o as Stripe.Subscription;
      const f = filter as ListFilters['subscriptions'];
      return (
        (f.statuses === undefined || f.statuses.includes(s.status)) &&
        (f.customer === undefined || idOf(s.customer) === f.customer) &&
        (f.price === undefined || s.items.data.some((i) => i.price.id === f.price)) &&
        inRange(s.created, f.created)
      );
    }
    case 'invoices': {
      const i = o as Stripe.Invoice;
      const f = filter as ListFilters['invoices'];
      return (
        (f.customer === undefined || idOf(i.customer) === f.customer) &&
        (f.status === undefined || i.status === f.status) &&
        (f.subscription === undefined || idOf(i.parent?.subscription_details?.subscription) === f.subscription) &&
        inRange(i.created, f.created)
      );
    }
    case 'events': {
      const e = o as Stripe.Event;
      const f = filter as ListFilters['events'];
      return (
        typeMatches(e.type, f.types) &&
        inRange(e.created, f.created) &&
        (f.createdAfter === undefined || e.created > f.createdAfter)
      );
    }
    default:
      return false;
  }
}

/**
 * One page of an ordered sequence: `at(i)` is the i-th item, `indexOf(id)` the position of an id
 * (-1 when absent). Scans from the cursor, so a page costs about `limit` items when most items pass.
 */
export function pageOf<T extends { id: string }>(
  size: number,
  at: (i: number) => T,
  indexOf: (id: string) => number,
  keep: (item: T) => boolean,
  page: PageRequest,
): PageResult<T> {
  if (page.endingBefore !== undefined) {
    const end = indexOf(page.endingBefore);
    if (end < 0) return { missingCursor: page.endingBefore };
    const out: T[] = [];
    let i = end - 1;
    for (; i >= 0 && out.length < page.limit; i--) {
      const item = at(i);
      if (keep(item)) out.push(item);
    }
    let hasMore = false;
    for (; i >= 0; i--) {
      if (keep(at(i))) {
        hasMore = true;
        break;
      }
    }
    return { data: out.reverse(), hasMore };
  }
  let i = 0;
  if (page.startingAfter !== undefined) {
    const after = indexOf(page.startingAfter);
    if (after < 0) return { missingCursor: page.startingAfter };
    i = after + 1;
  }
  const out: T[] = [];
  for (; i < size && out.length < page.limit; i++) {
    const item = at(i);
    if (keep(item)) out.push(item);
  }
  let hasMore = false;
  for (; i < size; i++) {
    if (keep(at(i))) {
      hasMore = true;
      break;
    }
  }
  return { data: out, hasMore };
}
