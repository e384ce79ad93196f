// Stores behind the fake Stripe API. MemoryStripeStore serves arrays of real-shaped objects (tests
// change them between calls to rewrite history and re-sync); SyntheticStripeStore (synthetic.ts)
// generates a large deterministic billing history lazily, for the benchmark.
import type Stripe from 'stripe';
import {
  matches,
  newestFirst,
  pageOf,
  type FakeStripeStore,
  type ListRequest,
  type PageRequest,
  type PageResult,
  type StripeObjectKind,
  type StripeObjects,
} from './list';

export * from './list';
export { SyntheticStripeStore, type SyntheticOptions, type SyntheticExpected } from './synthetic';

export interface MemoryStripeData {
  customers: Stripe.Customer[];
  prices: Stripe.Price[];
  subscriptions: Stripe.Subscription[];
  /** Each invoice with ALL its line items in `lines.data` (the server embeds at most 10 and pages the rest). */
  invoices: Stripe.Invoice[];
  events: Stripe.Event[];
}

/**
 * Arrays of objects, read on every request: push, splice or replace objects (or whole arrays on
 * `data`) between calls and the next request sees the change. Order in the arrays does not matter
 * (lists are sorted newest first on each request).
 */
export class MemoryStripeStore implements FakeStripeStore {
  readonly data: MemoryStripeData;
  now?: number;

  constructor(data: Partial<MemoryStripeData> = {}, opts: { now?: number } = {}) {
    this.data = { customers: [], prices: [], subscriptions: [], invoices: [], events: [], ...data };
    this.now = opts.now;
  }

  list<K extends StripeObjectKind>(kind: K, req: ListRequest<K>): PageResult<StripeObjects[K]> {
    const all = [...(this.data[kind] as StripeObjects[K][])].sort(newestFirst);
    const pos = new Map(all.map((o, i) => [o.id, i]));
    return pageOf(
      all.length,
      (i) => all[i]!,
      (id) => pos.get(id) ?? -1,
      (o) => matches(kind, o, req.filter),
      req,
    );
  }

  retrieve<K extends StripeObjectKind>(kind: K, id: string): StripeObjects[K] | undefined {
    return (this.data[kind] as StripeObjects[K][]).find((o) => o.id === id);
  }

  invoiceLines(invoiceId: string, page: PageRequest): PageResult<Stripe.InvoiceLineItem> | undefined {
    const inv = this.data.invoices.find((i) => i.id === invoiceId);
    if (!inv) return undefined;
    const lines = inv.lines.data;
    return pageOf(
      lines.length,
      (i) => lines[i]!,
      (id) => lines.findIndex((l) => l.id === id),
      () => true,
      page,
    );
  }
}
