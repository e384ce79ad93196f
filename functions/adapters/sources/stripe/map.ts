// Stripe's objects (the official client's types) -> the billing objects the revenue rules read.
// Only the fields the rules use are kept, so a large sync holds small objects.
import type Stripe from 'stripe';
import type {
  BillingCustomer,
  BillingInterval,
  BillingInvoice,
  BillingLineItem,
  BillingLineParent,
  BillingPrice,
  BillingSubscription,
} from '../../../domain/billing/types';

const idOf = (v: string | { id: string } | null | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : v.id;

export function toBillingCustomer(c: Stripe.Customer): BillingCustomer {
  return { id: c.id, name: c.name ?? null, email: c.email ?? null, created: c.created, metadata: c.metadata ?? {} };
}

export function toBillingPrice(p: Stripe.Price): BillingPrice {
  const r = p.recurring;
  return {
    id: p.id,
    product: idOf(p.product as string | { id: string } | null),
    currency: p.currency,
    recurring: r
      ? {
          interval: r.interval as BillingInterval,
          intervalCount: r.interval_count,
          usageType: r.usage_type === 'metered' ? 'metered' : 'licensed',
        }
      : null,
  };
}

export function toBillingSubscription(
  s: Stripe.Subscription,
  items: readonly Stripe.SubscriptionItem[] = s.items.data,
): BillingSubscription {
  return {
    id: s.id,
    customer: idOf(s.customer as string | { id: string })!,
    status: s.status,
    cancelAt: s.cancel_at ?? null,
    endedAt: s.ended_at ?? null,
    items: items.map((i) => ({ id: i.id, priceId: i.price.id })),
  };
}

export function toBillingLine(l: Stripe.InvoiceLineItem): BillingLineItem {
  let discounts = 0;
  for (const d of l.discount_amounts ?? []) discounts += d.amount;
  let inclusiveTax = 0;
  for (const t of l.taxes ?? []) if (t.tax_behavior === 'inclusive') inclusiveTax += t.amount;
  const details = l.pricing?.price_details;
  return {
    id: l.id,
    amount: l.amount,
    periodStart: l.period.start,
    periodEnd: l.period.end,
    quantity: l.quantity ?? null,
    discounts,
    inclusiveTax,
    priceId: details ? idOf(details.price as string | { id: string }) : null,
    productId: details?.product ?? null,
    parent: toParent(l.parent),
  };
}

function toParent(p: Stripe.InvoiceLineItem.Parent | null): BillingLineParent | null {
  if (!p) return null;
  if (p.type === 'subscription_item_details' && p.subscription_item_details) {
    const d = p.subscription_item_details;
    return {
      type: 'subscription_item_details',
      subscription: d.subscription ?? null,
      subscriptionItem: d.subscription_item,
      proration: d.proration,
    };
  }
  if (p.type === 'invoice_item_details' && p.invoice_item_details) {
    const d = p.invoice_item_details;
    return { type: 'invoice_item_details', subscription: d.subscription ?? null, proration: d.proration };
  }
  return null;
}

export function toBillingInvoice(i: Stripe.Invoice, lines: readonly Stripe.InvoiceLineItem[]): BillingInvoice {
  return {
    id: i.id!,
    customer: idOf(i.customer as string | { id: string } | null) ?? '',
    status: i.status ?? null,
    currency: i.currency,
    created: i.created,
    lines: lines.map(toBillingLine),
  };
}
