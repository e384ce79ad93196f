// Builders of complete Stripe objects (the official client's types, API version pinned by that
// client) with realistic defaults for every required field, for the fake Stripe API and its tests.
// Timestamps are epoch seconds. Ids are deterministic (a counter run through a hash), so two runs
// that build the same objects in the same order get the same ids.
import Stripe from 'stripe';
import { Temporal } from 'temporal-polyfill';

// ---------------------------------------------------------------------------------------------
// Time and ids

/** Epoch seconds of a local wall-clock time in a time zone: ts('2026-03-31T00:00:00', 'America/New_York'). */
export function ts(local: string, zone = 'UTC'): number {
  const pdt = Temporal.PlainDateTime.from(local);
  return Math.floor(pdt.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds / 1000);
}

/** Adds calendar months to an epoch-seconds instant in a zone (the 31st of a month + 1 month = the last day of the next month). */
export function addMonths(epochSeconds: number, months: number, zone = 'UTC'): number {
  const z = Temporal.Instant.fromEpochMilliseconds(epochSeconds * 1000).toZonedDateTimeISO(zone);
  return Math.floor(z.add({ months }).epochMilliseconds / 1000);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 32-bit mixing hash (deterministic, well spread). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A Stripe-looking id (`cus_1Pq...`, 14 characters after the prefix) for an integer key. */
export function stripeId(prefix: string, key: number, salt = 0): string {
  let s = '';
  let a = hash32(key, salt, 1);
  let b = hash32(key, salt, 2);
  for (let i = 0; i < 12; i++) {
    const src = i < 6 ? a : b;
    s += BASE62[src % 62];
    if (i < 6) a = Math.floor(a / 62) + hash32(a, i);
    else b = Math.floor(b / 62) + hash32(b, i);
  }
  return `${prefix}_1P${s}`;
}

let counter = 0;
/** Next builder id for a prefix (deterministic in build order). */
export function nextId(prefix: string): string {
  counter += 1;
  return stripeId(prefix, counter, 7);
}

let clock = ts('2026-01-05T09:00:00');
/** Default `created` of the builders: a clock that moves a minute per object built. */
function nextCreated(): number {
  clock += 60;
  return clock;
}

// ---------------------------------------------------------------------------------------------
// Decimals: the client turns `*_decimal` strings into Stripe.Decimal; JSON.stringify writes them back.

const decimals = new Map<string, Stripe.Decimal>();
export function decimal(value: number | string): Stripe.Decimal {
  const key = String(value);
  let d = decimals.get(key);
  if (!d) {
    d = Stripe.Decimal.from(key);
    decimals.set(key, d);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Customers

export function customer(o: Partial<Stripe.Customer> = {}): Stripe.Customer {
  const id = o.id ?? nextId('cus');
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created: o.created ?? nextCreated(),
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: `billing+${id.slice(-6).toLowerCase()}@example.com`,
    invoice_prefix: id.slice(-8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: `Customer ${id.slice(-6)}`,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...o,
  };
}

// ---------------------------------------------------------------------------------------------
// Prices

/** A price: recurring licensed monthly by default; `recurring: { usage_type: 'metered' }`, `{ interval: 'year' }`, `type: 'one_time'` (no recurring) and `active: false` (archived) for the variants. */
export type PriceInit = Omit<Partial<Stripe.Price>, 'recurring'> & {
  recurring?: Partial<Stripe.Price.Recurring> | null;
};

export function price(o: PriceInit = {}): Stripe.Price {
  const { recurring: r, ...rest } = o;
  const type = o.type ?? (r === null ? 'one_time' : 'recurring');
  const recurring: Stripe.Price.Recurring | null =
    type === 'one_time'
      ? null
      : {
          interval: 'month',
          interval_count: 1,
          meter: null,
          trial_period_days: null,
          usage_type: 'licensed',
          ...(r ?? {}),
        };
  if (recurring && recurring.usage_type === 'metered' && recurring.meter === null)
    recurring.meter = stripeId('mtr', hash32(counter), 3);
  const unitAmount = o.unit_amount === undefined ? (recurring?.usage_type === 'metered' ? 5 : 2000) : o.unit_amount;
  return {
    id: o.id ?? nextId('price'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: o.created ?? nextCreated(),
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: o.product ?? nextId('prod'),
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    unit_amount_decimal: unitAmount === null ? null : decimal(unitAmount),
    ...rest,
    recurring,
    type,
    unit_amount: unitAmount,
  };
}

/** The legacy plan object Stripe still embeds in a subscription item, derived from its (recurring) price. */
export function planOf(p: Stripe.Price): Stripe.Plan {
  if (!p.recurring) throw new Error(`price ${p.id} is one-time: a subscription item needs a recurring price`);
  return {
    id: p.id,
    object: 'plan',
    active: p.active,
    amount: p.unit_amount,
    amount_decimal: p.unit_amount_decimal,
    billing_scheme: p.billing_scheme,
    created: p.created,
    currency: p.currency,
    interval: p.recurring.interval,
    interval_count: p.recurring.interval_count,
    livemode: p.livemode,
    metadata: p.metadata,
    meter: p.recurring.meter,
    nickname: p.nickname,
    product: typeof p.product === 'string' ? p.product : p.product.id,
    tiers_mode: p.tiers_mode,
    transform_usage: null,
    trial_period_days: p.recurring.trial_period_days,
    usage_type: p.recurring.usage_type,
  };
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

export type SubscriptionItemInit = Partial<Stripe.SubscriptionItem> & { price: Stripe.Price };

export function subscriptionItem(o: SubscriptionItemInit): Stripe.SubscriptionItem {
  const metered = o.price.recurring?.usage_type === 'metered';
  const created = o.created ?? nextCreated();
  const start = o.current_period_start ?? created;
  const interval = o.price.recurring?.interval ?? 'month';
  const count = o.price.recurring?.interval_count ?? 1;
  return {
    id: o.id ?? nextId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: o.current_period_end ?? periodEnd(start, interval, count),
    current_period_start: start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planOf(o.price),
    subscription: o.subscription ?? nextId('sub'),
    tax_rates: null,
    ...(metered ? {} : { quantity: 1 }),
    ...o,
  };
}

function periodEnd(start: number, interval: string, count: number): number {
  switch (interval) {
    case 'year':
      return addMonths(start, 12 * count);
    case 'week':
      return start + 7 * 86_400 * count;
    case 'day':
      return start + 86_400 * count;
    default:
      return addMonths(start, count);
  }
}

/** A subscription; `items` are full items or `{ price, quantity? ... }` (ids, subscription and periods filled in). */
export type SubscriptionInit = Omit<Partial<Stripe.Subscription>, 'items'> & {
  items?: Array<Stripe.SubscriptionItem | SubscriptionItemInit>;
};

export function subscription(o: SubscriptionInit = {}): Stripe.Subscription {
  const { items: itemInits, ...rest } = o;
  const id = o.id ?? nextId('sub');
  const created = o.created ?? nextCreated();
  const start = o.start_date ?? created;
  const items = (itemInits ?? [{ price: price() }]).map((it) =>
    'object' in it && it.object === 'subscription_item'
      ? it
      : subscriptionItem({ created, current_period_start: start, ...it, subscription: id }),
  );
  const status = o.status ?? 'active';
  const first = items[0];
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: start,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: status === 'canceled' ? (o.ended_at ?? null) : null,
    cancellation_details: {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: status === 'canceled' ? 'cancellation_requested' : null,
    },
    collection_method: 'charge_automatically',
    created,
    currency: first?.price.currency ?? 'usd',
    customer: nextId('cus'),
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: {
      object: 'list',
      data: items,
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
      total_count: items.length,
    } as Stripe.ApiList<Stripe.SubscriptionItem>,
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: start,
    status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------------
// Invoice line items

export interface LineTax {
  amount: number;
  behavior: 'inclusive' | 'exclusive';
  rate?: string;
  reason?: Stripe.InvoiceLineItem.Tax.TaxabilityReason;
}

/**
 * A line item. Shortcuts: `price` (sets pricing.price_details and the default amount = unit amount
 * x quantity), `product`, `subscription_item` (parent `subscription_item_details`; without it the
 * parent is `invoice_item_details`), `invoice_item`, `proration`, `start`/`end` (period),
 * `discount` (one discount amount), `tax` (one tax with its behavior). Explicit fields win.
 */
export type LineInit = Partial<Stripe.InvoiceLineItem> & {
  price?: Stripe.Price | string;
  product?: string;
  subscription_item?: string;
  invoice_item?: string;
  proration?: boolean;
  start?: number;
  end?: number;
  discount?: number;
  tax?: LineTax;
};

export function line(o: LineInit = {}): Stripe.InvoiceLineItem {
  const {
    price: p,
    product: productOpt,
    subscription_item: si,
    invoice_item: ii,
    proration = false,
    start: startOpt,
    end: endOpt,
    discount,
    tax,
    ...rest
  } = o;
  const priceObj = typeof p === 'object' ? p : undefined;
  const priceId = typeof p === 'string' ? p : (priceObj?.id ?? nextId('price'));
  const product =
    productOpt ??
    (priceObj ? (typeof priceObj.product === 'string' ? priceObj.product : priceObj.product.id) : nextId('prod'));
  const quantity = o.quantity === undefined ? (priceObj?.recurring?.usage_type === 'metered' ? 0 : 1) : o.quantity;
  const unit = priceObj?.unit_amount ?? 2000;
  const amount = o.amount ?? unit * (quantity ?? 1);
  const start = startOpt ?? o.period?.start ?? nextCreated();
  const end =
    endOpt ??
    o.period?.end ??
    (priceObj?.recurring ? periodEnd(start, priceObj.recurring.interval, priceObj.recurring.interval_count) : start);
  const subscription =
    typeof o.subscription === 'string' ? o.subscription : (o.subscription?.id ?? (si ? nextId('sub') : null));
  const parent: Stripe.InvoiceLineItem.Parent = si
    ? {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: ii ?? (proration ? nextId('ii') : null),
          proration,
          proration_details: { credited_items: null },
          subscription,
          subscription_item: si,
        },
      }
    : {
        type: 'invoice_item_details',
        invoice_item_details: {
          invoice_item: ii ?? nextId('ii'),
          proration,
          proration_details: { credited_items: null },
          subscription,
        },
        subscription_item_details: null,
      };
  const taxes: Stripe.InvoiceLineItem.Tax[] = tax
    ? [
        {
          amount: tax.amount,
          tax_behavior: tax.behavior,
          tax_rate_details: { tax_rate: tax.rate ?? stripeId('txr', tax.behavior === 'inclusive' ? 1 : 2, 9) },
          taxability_reason: tax.reason ?? 'standard_rated',
          taxable_amount:
            tax.behavior === 'inclusive' ? amount - (discount ?? 0) - tax.amount : amount - (discount ?? 0),
          type: 'tax_rate_details',
        },
      ]
    : [];
  return {
    id: o.id ?? nextId('il'),
    object: 'line_item',
    amount,
    currency: priceObj?.currency ?? 'usd',
    description: `${quantity ?? 1} × ${product} (at ${(unit / 100).toFixed(2)} / ${priceObj?.recurring?.interval ?? 'unit'})`,
    discount_amounts: discount ? [{ amount: discount, discount: stripeId('di', hash32(discount), 4) }] : [],
    discountable: true,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    parent,
    period: { start, end },
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: priceId, product }, unit_amount_decimal: decimal(unit) },
    quantity,
    quantity_decimal: quantity === null ? null : decimal(quantity),
    subscription,
    subtotal: amount,
    taxes,
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------------
// Invoices

/** An invoice; `lines` are ALL its line items (the fake embeds the first 10 and pages the rest); `subscription` sets parent.subscription_details. */
export type InvoiceInit = Omit<Partial<Stripe.Invoice>, 'lines'> & {
  lines?: Stripe.InvoiceLineItem[];
  subscription?: string;
};

export function invoice(o: InvoiceInit = {}): Stripe.Invoice {
  const { lines: lineInits, subscription: sub, ...rest } = o;
  const id = o.id ?? nextId('in');
  const created = o.created ?? nextCreated();
  const currency = o.currency ?? lineInits?.[0]?.currency ?? 'usd';
  const lines = (lineInits ?? [line()]).map((l) => ({ ...l, invoice: id, currency }));
  const status = o.status === undefined ? 'paid' : o.status;
  const sum = (f: (l: Stripe.InvoiceLineItem) => number) => lines.reduce((a, l) => a + f(l), 0);
  const subtotal = sum((l) => l.amount);
  const discounts = sum((l) => (l.discount_amounts ?? []).reduce((a, d) => a + d.amount, 0));
  const taxOf = (b: string) =>
    sum((l) => (l.taxes ?? []).filter((t) => t.tax_behavior === b).reduce((a, t) => a + t.amount, 0));
  const inclusive = taxOf('inclusive');
  const exclusive = taxOf('exclusive');
  const total = subtotal - discounts + exclusive;
  const finalized = status !== 'draft';
  const paid = status === 'paid';
  const subId =
    sub ?? lines.map((l) => (typeof l.subscription === 'string' ? l.subscription : null)).find((s) => s) ?? null;
  const periodStart = lines.length ? Math.min(...lines.map((l) => l.period.start)) : created;
  const periodEnd = lines.length ? Math.max(...lines.map((l) => l.period.end)) : created;
  const customerId = typeof o.customer === 'string' ? o.customer : (o.customer?.id ?? nextId('cus'));
  const totalTaxes: Stripe.Invoice.TotalTax[] = lines.flatMap((l) => (l.taxes ?? []).map((t) => ({ ...t })));
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Pulse Test Co',
    account_tax_ids: null,
    amount_due: finalized ? Math.max(0, total) : total,
    amount_overpaid: 0,
    amount_paid: paid ? Math.max(0, total) : 0,
    amount_remaining: paid || status === 'void' ? 0 : Math.max(0, total),
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    auto_advance: status === 'draft' || status === 'open',
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: status === 'draft' ? created + 3600 : null,
    billing_reason: subId ? 'subscription_cycle' : 'manual',
    collection_method: 'charge_automatically',
    created,
    currency,
    custom_fields: null,
    customer: customerId,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: finalized ? created + 3600 : null,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: finalized ? `https://invoice.stripe.com/i/acct_fake/test_${id}` : null,
    invoice_pdf: finalized ? `https://pay.stripe.com/invoice/acct_fake/test_${id}/pdf` : null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: 'list',
      data: lines,
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
      total_count: lines.length,
    } as Stripe.ApiList<Stripe.InvoiceLineItem>,
    livemode: false,
    metadata: {},
    next_payment_attempt: status === 'open' ? created + 86_400 : null,
    number: finalized ? `${id.slice(-8).toUpperCase()}-0001` : null,
    on_behalf_of: null,
    parent: subId
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: {}, subscription: subId },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: periodEnd,
    period_start: periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status,
    status_transitions: {
      finalized_at: finalized ? created + 3600 : null,
      marked_uncollectible_at: status === 'uncollectible' ? created + 30 * 86_400 : null,
      paid_at: paid ? created + 3660 : null,
      voided_at: status === 'void' ? created + 7200 : null,
    },
    subtotal,
    subtotal_excluding_tax: subtotal - inclusive,
    test_clock: null,
    total,
    total_discount_amounts: lines.flatMap((l) => l.discount_amounts ?? []),
    total_excluding_tax: total - exclusive - inclusive,
    total_pretax_credit_amounts: [],
    total_taxes: totalTaxes,
    webhooks_delivered_at: finalized ? created + 3600 : null,
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------------
// Events

/** An event whose data.object is the given object (a snapshot: later changes to the object do not show). */
export function event(
  type: Stripe.Event.Type,
  object: object,
  o: Partial<Stripe.EventBase> & { previous_attributes?: object } = {},
): Stripe.Event {
  const { previous_attributes, ...rest } = o;
  return {
    id: o.id ?? nextId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: o.created ?? ('created' in object && typeof object.created === 'number' ? object.created : nextCreated()),
    data: { object: structuredCloneJson(object), ...(previous_attributes ? { previous_attributes } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
    ...rest,
  } as Stripe.Event;
}

function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
