// A billing system's objects as the revenue rules read them: customers, prices, subscriptions
// and invoices with their line items. Stripe's objects map onto these field for field (the
// adapter does it), and so would another invoice-based system. Amounts are integers in the
// currency's minor unit; times are Unix seconds.

export interface BillingCustomer {
  id: string;
  name: string | null;
  email: string | null;
  /** Unix seconds. */
  created: number;
  metadata: Readonly<Record<string, string>>;
}

export type BillingInterval = 'day' | 'week' | 'month' | 'year';

export interface BillingPrice {
  id: string;
  product: string | null;
  currency: string;
  /** Null for a one-time price. */
  recurring: { interval: BillingInterval; intervalCount: number; usageType: 'licensed' | 'metered' } | null;
}

export interface BillingSubscription {
  id: string;
  customer: string;
  /** active, past_due, canceled, unpaid, paused, trialing, incomplete, incomplete_expired. */
  status: string;
  /** Scheduled end (a cancellation at period end), Unix seconds. */
  cancelAt: number | null;
  /** When a canceled subscription ended, Unix seconds. */
  endedAt: number | null;
  /** The items the subscription lists now. */
  items: readonly { id: string; priceId: string }[];
}

export type BillingLineParent =
  | { type: 'subscription_item_details'; subscription: string | null; subscriptionItem: string; proration: boolean }
  | { type: 'invoice_item_details'; subscription: string | null; proration: boolean };

export interface BillingLineItem {
  id: string;
  /** Minor units, before discounts; includes inclusive tax, excludes exclusive tax. */
  amount: number;
  periodStart: number;
  /** Exclusive: consecutive periods share the timestamp. */
  periodEnd: number;
  quantity: number | null;
  /** Sum of the line's discount amounts. */
  discounts: number;
  /** Sum of the line's taxes whose behaviour is `inclusive` (already inside `amount`). */
  inclusiveTax: number;
  priceId: string | null;
  productId: string | null;
  parent: BillingLineParent | null;
}

export interface BillingInvoice {
  id: string;
  customer: string;
  /** draft, open, paid, void, uncollectible. */
  status: string | null;
  currency: string;
  created: number;
  lines: readonly BillingLineItem[];
}

/** Where account fields come from in the customer's metadata. */
export interface BillingSettings {
  timeZone: string;
  accountIdKey: string;
  segmentKey: string;
  ownerEmailKey: string;
}

/** A contract row (column -> text), as a source delivers it to validation. */
export type ContractRow = Record<string, string>;

/** A line item the rules could not use, named so a person can find it in the billing system. */
export interface BillingProblem {
  invoice: string;
  lineItem: string;
  field: string;
  reason: string;
}
