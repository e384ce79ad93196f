// The loopback fake of the Stripe API, driven by the official `stripe` client: the list envelope
// and cursors, embedded and paged invoice lines, Stripe's default filters (active prices, live
// subscriptions, 30 days of events), authentication errors, rate limiting and injected faults.
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { addMonths, customer, event, invoice, line, price, subscription, ts } from '../support/fake-stripe/builders';
import { startFakeStripe, type FakeStripe, type FakeStripeOptions } from '../support/fake-stripe/server';
import { spawnFakeStripe } from '../support/fake-stripe/spawn';
import { MemoryStripeStore, SyntheticStripeStore, type MemoryStripeData } from '../support/fake-stripe/store';

const KEY = 'sk_test_pulse';
let fake: FakeStripe | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(data: Partial<MemoryStripeData>, opts: FakeStripeOptions = {}, storeNow?: number) {
  const store = new MemoryStripeStore(data, { now: storeNow });
  fake = await startFakeStripe(store, opts);
  return { store, fake };
}

/** Closes the running fake and starts another one (it is closed after the test). */
async function restart(store: MemoryStripeStore, opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  await fake?.close();
  fake = await startFakeStripe(store, opts);
  return fake;
}

function client(f: FakeStripe, key = KEY, maxNetworkRetries = 0): Stripe {
  return new Stripe(key, { host: f.host, port: f.port, protocol: f.protocol, maxNetworkRetries });
}

/** Every item of a list through the client's auto-pagination (autoPagingToArray stops at 10,000). */
async function collect<T>(list: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of list) out.push(item);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (e) {
    return e as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

const T0 = ts('2026-03-01T00:00:00', 'America/New_York');

describe('fake Stripe API: lists', () => {
  it('pages newest first with has_more and starting_after / ending_before, manually and with auto-pagination', async () => {
    // Two customers share a `created` second: the id breaks the tie (descending).
    const customers = Array.from({ length: 25 }, (_, i) => customer({ created: T0 + Math.floor(i / 2) * 3600 }));
    const { fake } = await start({ customers });
    const stripe = client(fake);
    const expected = [...customers].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1)).map((c) => c.id);

    const p1 = await stripe.customers.list({ limit: 10 });
    expect(p1.object).toBe('list');
    expect(p1.url).toBe('/v1/customers');
    expect(p1.has_more).toBe(true);
    expect(p1.data.map((c) => c.id)).toEqual(expected.slice(0, 10));
    const p2 = await stripe.customers.list({ limit: 10, starting_after: p1.data[9]!.id });
    expect(p2.data.map((c) => c.id)).toEqual(expected.slice(10, 20));
    const p3 = await stripe.customers.list({ limit: 10, starting_after: p2.data[9]!.id });
    expect(p3.data.map((c) => c.id)).toEqual(expected.slice(20));
    expect(p3.has_more).toBe(false);
    const back = await stripe.customers.list({ limit: 5, ending_before: p2.data[0]!.id });
    expect(back.data.map((c) => c.id)).toEqual(expected.slice(5, 10));
    expect(back.has_more).toBe(true);
    expect((await stripe.customers.list()).data).toHaveLength(10); // default limit

    fake.requests.length = 0;
    const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
    expect(all.map((c) => c.id)).toEqual(expected);
    expect(fake.requests.map((r) => r.query.starting_after ?? null)).toEqual([
      null,
      expected[6],
      expected[13],
      expected[20],
    ]);
    expect(fake.requests.every((r) => r.status === 200 && r.query.limit === '7')).toBe(true);

    const one = await stripe.customers.retrieve(customers[3]!.id);
    expect(one).toMatchObject({
      id: customers[3]!.id,
      object: 'customer',
      created: customers[3]!.created,
      email: customers[3]!.email,
    });
  });

  it('answers 400 resource_missing for an unknown cursor, an unknown parameter and a bad limit, and 404 for an unknown id', async () => {
    const { fake } = await start({ customers: [customer(), customer()] });
    const stripe = client(fake);
    const cursor = await rejection(stripe.customers.list({ starting_after: 'cus_nope' }));
    expect(cursor).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(cursor).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'starting_after',
      raw: { message: "No such customer: 'cus_nope'" },
    });
    const unknown = await rejection(stripe.customers.list({ stauts: 'x' } as Stripe.CustomerListParams));
    expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'stauts' });
    expect(await rejection(stripe.customers.list({ limit: 101 }))).toMatchObject({ statusCode: 400, param: 'limit' });
    const gone = await rejection(stripe.customers.retrieve('cus_gone'));
    expect(gone).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(gone).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('lists only active prices by default and archived ones with active=false', async () => {
    const active = [price(), price({ recurring: { interval: 'year' } }), price({ type: 'one_time', recurring: null })];
    const archived = [price({ active: false }), price({ active: false, recurring: { usage_type: 'metered' } })];
    const { fake } = await start({ prices: [...archived, ...active] });
    const stripe = client(fake);
    const ids = (l: Stripe.ApiList<Stripe.Price>) => l.data.map((p) => p.id).sort();
    expect(ids(await stripe.prices.list({ limit: 100 }))).toEqual(active.map((p) => p.id).sort());
    expect(ids(await stripe.prices.list({ limit: 100, active: true }))).toEqual(active.map((p) => p.id).sort());
    const old = await stripe.prices.list({ limit: 100, active: false });
    expect(ids(old)).toEqual(archived.map((p) => p.id).sort());
    const metered = old.data.find((p) => p.recurring?.usage_type === 'metered')!;
    expect(metered.recurring).toMatchObject({ interval: 'month', interval_count: 1, usage_type: 'metered' });
    // `*_decimal` travels as a string and the client turns it into a Decimal.
    expect(String(active[0]!.unit_amount_decimal)).toBe('2000');
    expect((await stripe.prices.retrieve(active[0]!.id)).unit_amount_decimal?.toString()).toBe('2000');
  });

  it('hides canceled and incomplete_expired subscriptions unless status=all (or that status) is asked for', async () => {
    const cus = customer();
    const statuses = ['active', 'trialing', 'past_due', 'canceled', 'incomplete_expired'] as const;
    const subs = statuses.map((status) =>
      subscription({
        customer: cus.id,
        status,
        ...(status === 'canceled' ? { ended_at: T0, canceled_at: T0 } : {}),
        ...(status === 'trialing' ? { trial_start: T0, trial_end: T0 + 14 * 86_400 } : {}),
        items: [{ price: price(), quantity: 3 }],
      }),
    );
    const other = subscription({ items: [{ price: price() }] });
    const { fake } = await start({ customers: [cus], subscriptions: [...subs, other] });
    const stripe = client(fake);
    const statusesOf = (l: Stripe.ApiList<Stripe.Subscription>) => l.data.map((s) => s.status).sort();
    expect(statusesOf(await stripe.subscriptions.list({ customer: cus.id }))).toEqual([
      'active',
      'past_due',
      'trialing',
    ]);
    expect(statusesOf(await stripe.subscriptions.list({ customer: cus.id, status: 'all' }))).toEqual(
      [...statuses].sort(),
    );
    expect(statusesOf(await stripe.subscriptions.list({ status: 'canceled' }))).toEqual(['canceled']);
    expect(statusesOf(await stripe.subscriptions.list({ status: 'ended' }))).toEqual([
      'canceled',
      'incomplete_expired',
    ]);
    expect((await stripe.subscriptions.list({ status: 'all' })).data).toHaveLength(6);

    const s = (await stripe.subscriptions.list({ status: 'canceled' })).data[0]!;
    expect(s.ended_at).toBe(T0);
    expect(s.items).toMatchObject({
      object: 'list',
      has_more: false,
      url: `/v1/subscription_items?subscription=${s.id}`,
    });
    expect(s.items.data[0]).toMatchObject({
      object: 'subscription_item',
      quantity: 3,
      subscription: s.id,
      price: { object: 'price' },
    });

    const expanded = await stripe.subscriptions.list({ customer: cus.id, expand: ['data.customer'] });
    expect(expanded.data.every((x) => typeof x.customer === 'object' && x.customer.id === cus.id)).toBe(true);
    expect(fake.requests.at(-1)!.query.expand).toEqual(['data.customer']);
    expect(await rejection(stripe.subscriptions.list({ status: 'gone' as 'all' }))).toMatchObject({
      statusCode: 400,
      param: 'status',
    });
  });
});

describe('fake Stripe API: invoices', () => {
  function history() {
    const cus = customer();
    const monthly = price({ currency: 'eur', unit_amount: 1000, tax_behavior: 'inclusive' });
    const sub = subscription({ customer: cus.id, items: [{ price: monthly, quantity: 25 }] });
    const si = sub.items.data[0]!;
    const lines = Array.from({ length: 25 }, (_, i) =>
      line({
        price: monthly,
        subscription: sub.id,
        subscription_item: si.id,
        quantity: 1,
        start: T0,
        end: ts('2026-04-01T00:00:00', 'America/New_York'),
        description: `seat ${i + 1}`,
        ...(i === 0 ? { discount: 100, tax: { amount: 150, behavior: 'inclusive' as const } } : {}),
      }),
    );
    const big = invoice({ customer: cus.id, subscription: sub.id, created: T0, lines });
    const proration = line({
      price: monthly,
      subscription: sub.id,
      invoice_item: 'ii_prorate',
      proration: true,
      amount: -500,
      start: T0 + 15 * 86_400,
      end: T0 + 31 * 86_400,
    });
    const small = invoice({
      customer: cus.id,
      subscription: sub.id,
      created: T0 + 31 * 86_400,
      status: 'open',
      lines: [proration],
    });
    const draft = invoice({ customer: cus.id, created: T0 + 62 * 86_400, status: 'draft' });
    const voided = invoice({ customer: customer().id, created: T0 - 86_400, status: 'void' });
    return { cus, sub, big, small, draft, voided, lines };
  }

  it('embeds at most 10 lines with has_more and the lines URL, and pages the 25 lines of an invoice through listLineItems', async () => {
    const h = history();
    const { fake } = await start({
      customers: [h.cus],
      subscriptions: [h.sub],
      invoices: [h.big, h.small, h.draft, h.voided],
    });
    const stripe = client(fake);

    const inv = await stripe.invoices.retrieve(h.big.id);
    expect(inv.lines.data.map((l) => l.id)).toEqual(h.lines.slice(0, 10).map((l) => l.id));
    expect(inv.lines).toMatchObject({ object: 'list', has_more: true, url: `/v1/invoices/${h.big.id}/lines` });
    const listed = (await stripe.invoices.list({ customer: h.cus.id, status: 'paid' })).data[0]!;
    expect(listed.id).toBe(h.big.id);
    expect(listed.lines.data).toHaveLength(10);
    expect(listed.lines.has_more).toBe(true);

    const manual = await stripe.invoices.listLineItems(h.big.id, { limit: 10, starting_after: inv.lines.data[9]!.id });
    expect(manual.data.map((l) => l.id)).toEqual(h.lines.slice(10, 20).map((l) => l.id));
    expect(manual.has_more).toBe(true);
    const all = await stripe.invoices.listLineItems(h.big.id, { limit: 10 }).autoPagingToArray({ limit: 100 });
    expect(all.map((l) => l.id)).toEqual(h.lines.map((l) => l.id));

    const first = all[0]!;
    expect(first).toMatchObject({
      object: 'line_item',
      invoice: h.big.id,
      currency: 'eur',
      amount: 1000,
      quantity: 1,
      discount_amounts: [{ amount: 100 }],
      taxes: [{ amount: 150, tax_behavior: 'inclusive', type: 'tax_rate_details' }],
      parent: {
        type: 'subscription_item_details',
        subscription_item_details: {
          subscription: h.sub.id,
          subscription_item: h.sub.items.data[0]!.id,
          proration: false,
        },
      },
      pricing: { type: 'price_details', price_details: { price: h.sub.items.data[0]!.price.id } },
    });
    expect(first.period.end).toBe(ts('2026-04-01T00:00:00', 'America/New_York'));

    const small = await stripe.invoices.retrieve(h.small.id);
    expect(small.lines).toMatchObject({
      has_more: false,
      data: [
        {
          amount: -500,
          parent: { type: 'invoice_item_details', invoice_item_details: { proration: true, subscription: h.sub.id } },
        },
      ],
    });
    expect(await rejection(stripe.invoices.listLineItems('in_missing'))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('filters invoices by customer, status, subscription and created range, every status by default', async () => {
    const h = history();
    const { store, fake } = await start({ invoices: [h.big, h.small, h.draft, h.voided] });
    const stripe = client(fake);
    const ids = async (p: Stripe.InvoiceListParams) => (await stripe.invoices.list(p)).data.map((i) => i.id);
    expect(await ids({})).toEqual([h.draft.id, h.small.id, h.big.id, h.voided.id]);
    expect(await ids({ customer: h.cus.id })).toEqual([h.draft.id, h.small.id, h.big.id]);
    expect(await ids({ status: 'void' })).toEqual([h.voided.id]);
    expect(await ids({ subscription: h.sub.id })).toEqual([h.small.id, h.big.id]);
    expect(await ids({ created: { gte: T0, lt: T0 + 62 * 86_400 } })).toEqual([h.small.id, h.big.id]);
    expect(await ids({ created: { gt: T0 } })).toEqual([h.draft.id, h.small.id]);
    expect(await ids({ created: T0 })).toEqual([h.big.id]);
    expect(fake.requests.at(-3)!.query).toMatchObject({
      'created[gte]': String(T0),
      'created[lt]': String(T0 + 62 * 86_400),
    });

    // History changes between syncs: the store is read on every request.
    store.data.invoices[0] = { ...h.big, status: 'void' };
    expect(await ids({ status: 'void' })).toEqual([h.big.id, h.voided.id]);
    store.data.invoices.splice(1, 1);
    expect(await ids({ customer: h.cus.id })).toEqual([h.draft.id, h.big.id]);
  });

  it('keeps only the last 30 days of events (relative to the configured now) and filters them by type', async () => {
    const now = ts('2026-12-01T12:00:00');
    const inv = invoice({ created: now - 40 * 86_400 });
    const days = [1, 10, 29, 31, 45];
    const events = days.map((d, i) =>
      event(i % 2 ? 'invoice.paid' : 'customer.created', i % 2 ? inv : customer(), { created: now - d * 86_400 }),
    );
    const { fake } = await start({ events }, {}, now);
    const stripe = client(fake);
    const listed = await stripe.events.list({ limit: 100 });
    expect(listed.data.map((e) => e.created)).toEqual([1, 10, 29].map((d) => now - d * 86_400));
    expect((await stripe.events.list({ type: 'invoice.*' })).data.map((e) => e.id)).toEqual([events[1]!.id]);
    expect((await stripe.events.list({ types: ['customer.created'] })).data.map((e) => e.id)).toEqual([
      events[0]!.id,
      events[2]!.id,
    ]);
    expect((await stripe.events.list({ created: { gte: now - 15 * 86_400 } })).data).toHaveLength(2);
    expect((await stripe.events.retrieve(events[2]!.id)).id).toBe(events[2]!.id);
    expect(await rejection(stripe.events.retrieve(events[3]!.id))).toMatchObject({ statusCode: 404 });
    const paid = listed.data[1] as Stripe.InvoicePaidEvent;
    expect(paid.data.object).toMatchObject({ object: 'invoice', id: inv.id });

    // The server's own `now` wins over the store's.
    const later = await restart(new MemoryStripeStore({ events }, { now }), { now: now + 20 * 86_400 });
    expect((await client(later).events.list()).data.map((e) => e.id)).toEqual([events[0]!.id]);
  });
});

describe('fake Stripe API: keys, rate limits and faults', () => {
  it('answers 401 for an unknown key (invalid_request_error) and a revoked one (api_key_expired)', async () => {
    const { fake } = await start(
      { customers: [customer()] },
      { keys: { valid: [KEY], revoked: ['sk_test_old_key_9876'] } },
    );
    const bad = await rejection(client(fake, 'sk_test_wrong_1234').customers.list());
    expect(bad).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(bad).toMatchObject({
      statusCode: 401,
      type: 'StripeAuthenticationError',
      raw: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****1234' },
    });
    expect(bad.code).toBeUndefined();
    const old = await rejection(client(fake, 'sk_test_old_key_9876').customers.list());
    expect(old).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(old).toMatchObject({
      statusCode: 401,
      code: 'api_key_expired',
      raw: { message: 'Expired API Key provided: sk_test_****9876' },
    });
    expect((await client(fake).customers.list()).data).toHaveLength(1);
    expect(fake.requests.map((r) => r.status)).toEqual([401, 401, 200]);
  });

  it('sends Request-Id and Stripe-Version on every answer, errors included', async () => {
    const { fake } = await start({});
    const ok = await fetch(`${fake.url}/v1/customers`, { headers: { Authorization: `Bearer ${KEY}` } });
    const denied = await fetch(`${fake.url}/v1/customers`);
    const unknown = await fetch(`${fake.url}/v1/charges`, { headers: { Authorization: `Bearer ${KEY}` } });
    for (const r of [ok, denied, unknown]) {
      expect(r.headers.get('request-id')).toMatch(/^req_/);
      expect(r.headers.get('stripe-version')).toBe(Stripe.API_VERSION);
    }
    expect(ok.headers.get('request-id')).not.toBe(denied.headers.get('request-id'));
    expect([ok.status, denied.status, unknown.status]).toEqual([200, 401, 404]);
    expect(await ok.json()).toEqual({ object: 'list', data: [], has_more: false, url: '/v1/customers' });
    const list = await client(fake).customers.list();
    expect(list.lastResponse.requestId).toMatch(/^req_/);
    expect(list.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
  });

  it('a 429 surfaces as StripeRateLimitError and the client does not retry it (no Stripe-Should-Retry), even with retries on', async () => {
    const { fake } = await start(
      { customers: [customer()] },
      { faults: [{ path: '/v1/customers', status: 429, times: 1, retryAfterSeconds: 2 }] },
    );
    const err = await rejection(client(fake, KEY, 3).customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err).toMatchObject({ statusCode: 429, code: 'rate_limit', type: 'StripeRateLimitError' });
    expect(err.headers?.['retry-after']).toBe('2');
    expect(err.headers?.['stripe-should-retry']).toBeUndefined();
    expect(fake.requests.map((r) => r.status)).toEqual([429]);
    expect((await client(fake).customers.list()).data).toHaveLength(1);
  });

  it('a 500 fails once and succeeds on the retry; afterRequests lets the first pages through', async () => {
    const h = { invoices: [invoice(), invoice(), invoice()] };
    const { fake } = await start(h, { faults: [{ path: '/v1/invoices', status: 500, times: 1, afterRequests: 1 }] });
    const stripe = client(fake);
    const first = await stripe.invoices.list({ limit: 1 });
    const err = await rejection(stripe.invoices.list({ limit: 1, starting_after: first.data[0]!.id }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 500, type: 'StripeAPIError' });
    const again = await stripe.invoices.list({ limit: 1, starting_after: first.data[0]!.id });
    expect(again.data).toHaveLength(1);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 500, 200]);

    // The client's own retry of a 500 (with retries on) ends in success.
    const second = await restart(new MemoryStripeStore(h), {
      faults: [{ path: '/v1/invoices', status: 503, times: 1 }],
    });
    const retried = await client(second, KEY, 1).invoices.list();
    expect(retried.data).toHaveLength(3);
    expect(second.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('answers 429 to a client that goes faster than rateLimitPerSecond and serves one that paces itself', async () => {
    const { fake } = await start({ customers: [customer()] }, { rateLimitPerSecond: 4 });
    const stripe = client(fake);
    const burst = await Promise.allSettled(Array.from({ length: 7 }, () => stripe.customers.list()));
    const limited = burst
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(limited).toHaveLength(3);
    expect(limited.every((e) => e instanceof Stripe.errors.StripeRateLimitError)).toBe(true);

    await new Promise((r) => setTimeout(r, 1100));
    fake.requests.length = 0;
    for (let i = 0; i < 6; i++) {
      await stripe.customers.list();
      await new Promise((r) => setTimeout(r, 300)); // 3.3 requests a second
    }
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe('fake Stripe API: synthetic store', () => {
  it('serves exactly the counts of expected() through the client: customers, prices, subscriptions, invoices, line items, events', async () => {
    const store = new SyntheticStripeStore({ customers: 400, invoiceLinesTotal: 12_000, seed: 7 });
    const expected = store.expected();
    expect(expected.customers).toBe(400);
    expect(expected.lineItems).toBe(12_000);
    fake = await startFakeStripe(store);
    const stripe = client(fake);

    const customers = await collect(stripe.customers.list({ limit: 100 }));
    expect(customers).toHaveLength(expected.customers);
    expect(new Set(customers.map((c) => c.id)).size).toBe(expected.customers);

    const active = await collect(stripe.prices.list({ limit: 100 }));
    const archived = await collect(stripe.prices.list({ limit: 100, active: false }));
    expect([active.length, archived.length]).toEqual([expected.prices.active, expected.prices.archived]);
    expect(active.every((p) => p.active) && archived.every((p) => !p.active)).toBe(true);

    const live = await collect(stripe.subscriptions.list({ limit: 100 }));
    const subs = await collect(stripe.subscriptions.list({ limit: 100, status: 'all' }));
    expect(live).toHaveLength(expected.subscriptions.total - expected.subscriptions.hiddenByDefault);
    expect(subs).toHaveLength(expected.subscriptions.total);
    const subsByStatus: Record<string, number> = {};
    for (const s of subs) subsByStatus[s.status] = (subsByStatus[s.status] ?? 0) + 1;
    expect(subsByStatus).toEqual(expected.subscriptions.byStatus);
    expect(subsByStatus.canceled).toBeGreaterThan(0);

    const invoices = await collect(stripe.invoices.list({ limit: 100 }));
    expect(invoices).toHaveLength(expected.invoices.total);
    for (let i = 1; i < invoices.length; i++)
      expect(invoices[i]!.created).toBeLessThanOrEqual(invoices[i - 1]!.created);
    const byStatus: Record<string, number> = {};
    for (const inv of invoices) byStatus[inv.status!] = (byStatus[inv.status!] ?? 0) + 1;
    expect(byStatus).toEqual(expected.invoices.byStatus);

    const prices = new Map([...active, ...archived].map((p) => [p.id, p]));
    const items = new Map(subs.flatMap((s) => s.items.data.map((it) => [it.id, s.id] as const)));
    let lines = 0;
    let paged = 0;
    let onArchived = 0;
    for (const inv of invoices) {
      let all = inv.lines.data;
      if (inv.lines.has_more) {
        paged++;
        all = await collect(stripe.invoices.listLineItems(inv.id, { limit: 100 }));
        expect(all.slice(0, 10)).toEqual(inv.lines.data);
      }
      lines += all.length;
      for (const l of all) {
        expect(l.currency).toBe(inv.currency);
        const priceId = l.pricing!.price_details!.price as string;
        expect(prices.has(priceId)).toBe(true);
        if (!prices.get(priceId)!.active) onArchived++;
        const si = l.parent?.subscription_item_details;
        if (si) expect(items.get(si.subscription_item)).toBe(si.subscription);
      }
    }
    expect(lines).toBe(expected.lineItems);
    expect(paged).toBe(expected.invoices.withMoreThan10Lines);
    expect(paged).toBeGreaterThan(0);
    expect(onArchived).toBeGreaterThan(0);

    // A customer's invoices and a created range give the same invoices as the full list.
    for (const c of customers.slice(0, 15)) {
      const mine = await collect(stripe.invoices.list({ customer: c.id, limit: 100 }));
      expect(mine.map((i) => i.id)).toEqual(invoices.filter((i) => i.customer === c.id).map((i) => i.id));
    }
    const since = invoices[Math.floor(invoices.length / 3)]!.created;
    const recent = await collect(stripe.invoices.list({ created: { gte: since }, limit: 100 }));
    expect(recent.map((i) => i.id)).toEqual(invoices.filter((i) => i.created >= since).map((i) => i.id));

    const events = await collect(stripe.events.list({ limit: 100 }));
    expect(events).toHaveLength(expected.events);
    expect(events.every((e) => e.created > store.now - 30 * 86_400 && e.created <= store.now)).toBe(true);
    const eventsByType: Record<string, number> = {};
    for (const e of events) eventsByType[e.type] = (eventsByType[e.type] ?? 0) + 1;
    expect(eventsByType).toEqual(expected.eventsByType);
    const deleted = events.find(
      (e) => e.type === 'customer.subscription.deleted',
    ) as Stripe.CustomerSubscriptionDeletedEvent;
    expect(deleted.data.object).toMatchObject({ object: 'subscription', status: 'canceled' });
    expect(deleted.data.object.ended_at).toBe(deleted.created);
    const subEvents = await collect(stripe.events.list({ type: 'customer.subscription.*', limit: 100 }));
    expect(subEvents.map((e) => e.id)).toEqual(
      events.filter((e) => e.type.startsWith('customer.subscription.')).map((e) => e.id),
    );
  });

  it('builds 20,000 customers and exactly 1,000,000 line items deterministically, without holding the line items', async () => {
    const a = new SyntheticStripeStore({ customers: 20_000, invoiceLinesTotal: 1_000_000 });
    const e = a.expected();
    expect(e.customers).toBe(20_000);
    expect(e.lineItems).toBe(1_000_000);
    expect(e.invoices.total).toBeGreaterThan(100_000);
    expect(Object.keys(e.invoices.byStatus).sort()).toEqual(['draft', 'open', 'paid', 'uncollectible', 'void']);
    const page = (s: SyntheticStripeStore) => JSON.stringify(s.list('invoices', { limit: 20, filter: {} }));
    const small = { customers: 60, invoiceLinesTotal: 900 };
    expect(page(new SyntheticStripeStore({ ...small, seed: 3 }))).toBe(
      page(new SyntheticStripeStore({ ...small, seed: 3 })),
    );
    expect(page(new SyntheticStripeStore({ ...small, seed: 3 }))).not.toBe(
      page(new SyntheticStripeStore({ ...small, seed: 4 })),
    );
    const currencies = new Set(
      (a.list('prices', { limit: 100, filter: {} }) as { data: Stripe.Price[] }).data.map((p) => p.currency),
    );
    expect(currencies.size).toBeGreaterThan(1);
  });

  it('runs in a child process that prints its URL, answers the client and reports its own CPU and memory', async () => {
    const child = await spawnFakeStripe({ customers: 50, invoiceLinesTotal: 600, seed: 2 });
    try {
      expect(child.url).toBe(`http://127.0.0.1:${child.port}`);
      expect(child.pid).not.toBe(process.pid);
      const stripe = new Stripe(KEY, {
        host: child.host,
        port: child.port,
        protocol: child.protocol,
        maxNetworkRetries: 0,
      });
      const customers = await collect(stripe.customers.list({ limit: 20 }));
      expect(customers).toHaveLength(child.expected.customers);
      const stats = await child.stats();
      expect(stats.requests).toBe(3);
      expect(stats.byStatus).toEqual({ 200: 3 });
      expect(stats.byRoute).toEqual({ '/v1/customers': 3 });
      expect(stats.cpuUserMs).toBeGreaterThan(0);
      expect(stats.maxRssBytes).toBeGreaterThan(10_000_000);
    } finally {
      await child.stop();
    }
  });
});

describe('fake Stripe API: builders', () => {
  it('ts() reads a local time in a zone (DST included) and addMonths() clamps to the month end', () => {
    expect(ts('2026-03-31T00:00:00', 'America/New_York')).toBe(Date.UTC(2026, 2, 31, 4) / 1000);
    expect(ts('2026-01-15T00:00:00', 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 5) / 1000);
    expect(ts('2026-03-08T02:30:00', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30) / 1000); // skipped hour: later
    expect(ts('2026-06-01T00:00:00')).toBe(Date.UTC(2026, 5, 1) / 1000);
    expect(addMonths(ts('2026-01-31T00:00:00'), 1)).toBe(ts('2026-02-28T00:00:00'));
    expect(addMonths(ts('2026-01-31T00:00:00', 'Europe/Paris'), 2, 'Europe/Paris')).toBe(
      ts('2026-03-31T00:00:00', 'Europe/Paris'),
    );
  });

  it('builds consistent objects: plan from price, invoice totals from the lines, draft without a number', () => {
    const annual = price({ unit_amount: 120_000, recurring: { interval: 'year' }, tax_behavior: 'exclusive' });
    const sub = subscription({ items: [{ price: annual, quantity: 2 }], cancel_at: ts('2027-01-01T00:00:00') });
    const item = sub.items.data[0]!;
    expect(item.plan).toMatchObject({
      id: annual.id,
      amount: 120_000,
      interval: 'year',
      interval_count: 1,
      usage_type: 'licensed',
    });
    expect(item.current_period_end).toBe(addMonths(item.current_period_start, 12));
    expect(sub).toMatchObject({
      status: 'active',
      cancel_at: ts('2027-01-01T00:00:00'),
      ended_at: null,
      currency: 'usd',
    });

    const a = line({
      price: annual,
      quantity: 2,
      subscription: sub.id,
      subscription_item: item.id,
      discount: 24_000,
      tax: { amount: 19_170, behavior: 'exclusive' },
    });
    const b = line({ amount: 12_000, tax: { amount: 2_000, behavior: 'inclusive' } });
    expect(a.amount).toBe(240_000);
    expect(b.parent).toMatchObject({ type: 'invoice_item_details', subscription_item_details: null });
    const paid = invoice({ lines: [a, b], status: 'paid' });
    expect(paid).toMatchObject({
      subtotal: 252_000,
      total: 252_000 - 24_000 + 19_170,
      total_excluding_tax: 252_000 - 24_000 - 2_000,
      amount_paid: 247_170,
      amount_remaining: 0,
    });
    expect(paid.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(paid.lines.data.every((l) => l.invoice === paid.id)).toBe(true);
    const draft = invoice({ status: 'draft' });
    expect([draft.number, draft.status_transitions.finalized_at, draft.amount_paid]).toEqual([null, null, 0]);
  });

  it('an invoice inside an event also carries at most 10 lines', async () => {
    const big = invoice({ lines: Array.from({ length: 12 }, () => line()) });
    const { fake } = await start({ events: [event('invoice.paid', big)] }, {}, big.created + 86_400);
    const [e] = (await client(fake).events.list()).data;
    const inv = (e as Stripe.InvoicePaidEvent).data.object;
    expect(inv.lines.data).toHaveLength(10);
    expect(inv.lines.has_more).toBe(true);
  });
});
