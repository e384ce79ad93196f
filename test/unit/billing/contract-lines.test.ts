// The revenue rules, one scenario per rule (docs/billing.md), on the billing objects directly.
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { accountOf, fullPeriodStart, lineArr, linesOfCustomer } from '../../../functions/domain/billing/contract-lines';
import type {
  BillingInvoice,
  BillingLineItem,
  BillingPrice,
  BillingSettings,
  BillingSubscription,
} from '../../../functions/domain/billing/types';
import { fromEpochDay, toEpochDay } from '../../../functions/domain/dates';

const TZ = 'America/New_York';
const settings: BillingSettings = {
  timeZone: TZ,
  accountIdKey: 'pulse_account_id',
  segmentKey: 'segment',
  ownerEmailKey: 'owner_email',
};

/** Unix seconds of a company-local wall time (midnight by default). */
const localDay = (seconds: number) =>
  toEpochDay(
    Temporal.Instant.fromEpochMilliseconds(seconds * 1000)
      .toZonedDateTimeISO(TZ)
      .toPlainDate()
      .toString(),
  );
const at = (date: string, time = '00:00') =>
  Temporal.PlainDateTime.from(`${date}T${time}`).toZonedDateTime(TZ).epochMilliseconds / 1000;

const monthly: BillingPrice = {
  id: 'price_m',
  product: 'prod_core',
  currency: 'usd',
  recurring: { interval: 'month', intervalCount: 1, usageType: 'licensed' },
};
const monthly200: BillingPrice = {
  id: 'price_m200',
  product: 'prod_core',
  currency: 'usd',
  recurring: { interval: 'month', intervalCount: 1, usageType: 'licensed' },
};
const annual: BillingPrice = {
  id: 'price_y',
  product: 'prod_core',
  currency: 'usd',
  recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
};
const quarterly: BillingPrice = {
  id: 'price_q',
  product: 'prod_core',
  currency: 'usd',
  recurring: { interval: 'month', intervalCount: 3, usageType: 'licensed' },
};
const metered: BillingPrice = {
  id: 'price_api',
  product: 'prod_api',
  currency: 'usd',
  recurring: { interval: 'month', intervalCount: 1, usageType: 'metered' },
};
const yen: BillingPrice = {
  id: 'price_jpy',
  product: 'prod_core',
  currency: 'jpy',
  recurring: { interval: 'month', intervalCount: 1, usageType: 'licensed' },
};
const dinar: BillingPrice = {
  id: 'price_kwd',
  product: 'prod_core',
  currency: 'kwd',
  recurring: { interval: 'month', intervalCount: 1, usageType: 'licensed' },
};
const setupFee: BillingPrice = { id: 'price_setup', product: 'prod_onboarding', currency: 'usd', recurring: null };
const PRICES = new Map([monthly, monthly200, annual, quarterly, metered, yen, dinar, setupFee].map((p) => [p.id, p]));

let seq = 0;
function item(
  price: BillingPrice,
  start: string,
  end: string,
  amount: number,
  o: Partial<BillingLineItem> & { si?: string; sub?: string; proration?: boolean; pending?: boolean } = {},
): BillingLineItem {
  const { si = 'si_1', sub = 'sub_1', proration = false, pending = false, ...rest } = o;
  return {
    id: `il_${++seq}`,
    amount,
    periodStart: at(start),
    periodEnd: at(end),
    quantity: 1,
    discounts: 0,
    inclusiveTax: 0,
    priceId: price.id,
    productId: price.product,
    parent: pending
      ? { type: 'invoice_item_details', subscription: sub, proration: true }
      : { type: 'subscription_item_details', subscription: sub, subscriptionItem: si, proration },
    ...rest,
  };
}

function invoice(date: string, lines: BillingLineItem[], o: Partial<BillingInvoice> = {}): BillingInvoice {
  return {
    id: `in_${++seq}`,
    customer: 'cus_1',
    status: 'paid',
    currency: lines[0] ? (PRICES.get(lines[0].priceId!)?.currency ?? 'usd') : 'usd',
    created: at(date, '09:00'),
    lines,
    ...o,
  };
}

function sub(o: Partial<BillingSubscription> = {}): BillingSubscription {
  return {
    id: 'sub_1',
    customer: 'cus_1',
    status: 'active',
    cancelAt: null,
    endedAt: null,
    items: [{ id: 'si_1', priceId: 'price_m' }],
    ...o,
  };
}

const customer = {
  id: 'cus_1',
  name: 'Acme',
  email: 'ap@acme.test',
  created: at('2025-12-15', '10:00'),
  metadata: { pulse_account_id: 'A-1', segment: 'SMB' },
};

function lines(invoices: BillingInvoice[], subscriptions: BillingSubscription[] = [sub()]) {
  const out = linesOfCustomer({ customer, subscriptions, invoices }, PRICES, settings);
  expect(out.problems).toEqual([]);
  return out.lines.map(({ line_id, arr, start_date, end_date, kind, currency, seats }) => ({
    line_id,
    arr,
    start_date,
    end_date,
    kind,
    currency,
    seats,
  }));
}

const months = (first: string, n: number, amount: number, price = monthly, o: Parameters<typeof item>[4] = {}) =>
  Array.from({ length: n }, (_, i) => {
    const s = Temporal.PlainDate.from(first).add({ months: i }).toString();
    const e = Temporal.PlainDate.from(first)
      .add({ months: i + 1 })
      .toString();
    return invoice(s, [item(price, s, e, amount, o)]);
  });

describe('accounts', () => {
  it('account id from metadata, else the customer id; name, else email; local created date', () => {
    expect(accountOf(customer, settings)).toEqual({
      account_id: 'A-1',
      name: 'Acme',
      created_date: '2025-12-15',
      segment: 'SMB',
    });
    const bare = { id: 'cus_9', name: null, email: 'x@y.test', created: at('2026-01-01', '00:30'), metadata: {} };
    expect(accountOf(bare, settings)).toEqual({ account_id: 'cus_9', name: 'x@y.test', created_date: '2026-01-01' });
  });
});

describe('ARR of a line item', () => {
  it('a monthly plan is 12 x its net; consecutive periods at one price are one line, open while active', () => {
    expect(lines(months('2026-01-01', 3, 10_000))).toEqual([
      {
        line_id: 'si_1@2026-01-01',
        arr: '1200.00',
        start_date: '2026-01-01',
        end_date: '',
        kind: 'recurring',
        currency: 'USD',
        seats: '1',
      },
    ]);
  });

  it('an annual plan is its net once, not 12x', () => {
    const inv = invoice('2026-02-01', [item(annual, '2026-02-01', '2027-02-01', 1_200_000)]);
    expect(lines([inv], [sub({ items: [{ id: 'si_1', priceId: 'price_y' }] })])[0]).toMatchObject({
      arr: '12000.00',
      start_date: '2026-02-01',
      end_date: '',
    });
  });

  it('interval_count: a quarterly plan is 4 x its net', () => {
    const inv = invoice('2026-01-01', [item(quarterly, '2026-01-01', '2026-04-01', 300_000)]);
    expect(lines([inv], [sub({ items: [{ id: 'si_1', priceId: 'price_q' }] })])[0]!.arr).toBe('12000.00');
  });

  it('a one-time coupon lowers ARR for its period only (no collapse after it)', () => {
    const invs = months('2026-01-01', 3, 10_000);
    invs[0]!.lines = [{ ...invs[0]!.lines[0]!, discounts: 10_000 }]; // 100 % off the first month
    invs[1]!.lines = [{ ...invs[1]!.lines[0]!, discounts: 2_000 }]; // 20 % off the second
    expect(lines(invs)).toEqual([
      expect.objectContaining({
        line_id: 'si_1@2026-02-01',
        arr: '960.00',
        start_date: '2026-02-01',
        end_date: '2026-03-01',
      }),
      expect.objectContaining({ line_id: 'si_1@2026-03-01', arr: '1200.00', start_date: '2026-03-01', end_date: '' }),
    ]);
  });

  it('inclusive tax is taken out, exclusive tax is not in the amount', () => {
    const inv = invoice('2026-01-01', [item(monthly, '2026-01-01', '2026-02-01', 12_000, { inclusiveTax: 2_000 })]);
    expect(lines([inv])[0]!.arr).toBe('1200.00');
  });

  it('a proration is annualised over the full period that ends with it (upgrade mid-month)', () => {
    const invs = [
      invoice('2026-01-01', [item(monthly, '2026-01-01', '2026-02-01', 10_000)]),
      // Upgrade on 16 January: credit for the unused 16 of 31 days at $100, charge for them at $200.
      invoice('2026-01-16', [
        item(monthly, '2026-01-16', '2026-02-01', -5_161, { proration: true }),
        item(monthly200, '2026-01-16', '2026-02-01', 10_323, { proration: true }),
      ]),
      invoice('2026-02-01', [item(monthly200, '2026-02-01', '2026-03-01', 20_000)]),
    ];
    // -5161 x 12 x 31/16 = -119993.25 -> -119993; 10323 x 12 x 31/16 = 240009.75 -> 240010.
    expect(
      lines(invs, [sub({ items: [{ id: 'si_1', priceId: 'price_m200' }] })]).map((l) => [
        l.start_date,
        l.end_date,
        l.arr,
      ]),
    ).toEqual([
      ['2026-01-01', '2026-01-16', '1200.00'],
      ['2026-01-16', '2026-02-01', '2400.17'],
      ['2026-02-01', '', '2400.00'],
    ]);
  });

  it('the full period of a proration is calendar months back from its end (31 March -> 28 February)', () => {
    expect(fromEpochDay(fullPeriodStart(toEpochDay('2026-03-31'), 'month', 1))).toBe('2026-02-28');
    expect(fromEpochDay(fullPeriodStart(toEpochDay('2028-03-31'), 'month', 1))).toBe('2028-02-29');
    const p = item(monthly, '2026-03-21', '2026-03-31', 1_000, { proration: true });
    // 1000 x 12 x 31 / 10 = 37200
    expect(lineArr(p, monthly.recurring!, toEpochDay('2026-03-21'), toEpochDay('2026-03-31'))).toBe(37_200);
  });

  it('rounds half away from zero, once per line item', () => {
    const p = item(monthly, '2026-01-01', '2026-01-09', 1, { proration: true }); // 1 x 12 x 31/8 = 46.5
    expect(lineArr(p, monthly.recurring!, toEpochDay('2026-01-01'), toEpochDay('2026-01-09'))).toBe(47);
    const n = item(monthly, '2026-01-01', '2026-01-09', -1, { proration: true });
    expect(lineArr(n, monthly.recurring!, toEpochDay('2026-01-01'), toEpochDay('2026-01-09'))).toBe(-47);
  });

  it('a pending proration (an invoice item of the subscription) belongs to the item with its price', () => {
    const invs = [
      invoice('2026-01-01', [item(monthly, '2026-01-01', '2026-02-01', 10_000)]),
      invoice('2026-02-01', [
        item(monthly, '2026-02-01', '2026-03-01', 10_000),
        item(monthly, '2026-01-16', '2026-02-01', 5_161, { pending: true }),
      ]),
    ];
    const out = lines(invs);
    expect(out.every((l) => l.line_id!.startsWith('si_1@') && l.kind === 'recurring')).toBe(true);
    expect(out.map((l) => l.arr)).toEqual(['1200.00', '2399.93', '1200.00']); // + 5161 x 12 x 31/16 = 119993.25 -> 1199.93
  });
});

describe('what counts', () => {
  it('draft, void and uncollectible invoices never count; open and paid do', () => {
    const invs = months('2026-01-01', 4, 10_000);
    invs[1]!.status = 'void';
    invs[2]!.status = 'uncollectible';
    invs[3]!.status = 'open';
    expect(lines(invs).map((l) => [l.start_date, l.end_date])).toEqual([
      ['2026-01-01', '2026-02-01'],
      ['2026-04-01', ''],
    ]);
  });

  it('metered prices are left out of ARR', () => {
    const inv = invoice('2026-01-01', [
      item(monthly, '2026-01-01', '2026-02-01', 10_000),
      item(metered, '2026-01-01', '2026-02-01', 99_999, { si: 'si_api' }),
    ]);
    expect(lines([inv]).map((l) => l.line_id)).toEqual(['si_1@2026-01-01']);
  });

  it('a trial invoiced at zero has no line; ARR starts with the first paid period', () => {
    const invs = [
      invoice('2026-01-01', [item(monthly, '2026-01-01', '2026-01-15', 0)]),
      invoice('2026-01-15', [item(monthly, '2026-01-15', '2026-02-15', 10_000)]),
    ];
    expect(lines(invs)).toEqual([expect.objectContaining({ start_date: '2026-01-15', end_date: '' })]);
    expect(lines([invs[0]!], [sub({ status: 'trialing' })])).toEqual([]);
  });

  it('zero- and three-decimal currencies: whole yen, thousandths of a dinar', () => {
    const jp = invoice('2026-01-01', [item(yen, '2026-01-01', '2026-02-01', 12_000)]);
    expect(lines([jp], [sub({ items: [{ id: 'si_1', priceId: 'price_jpy' }] })])[0]).toMatchObject({
      arr: '144000',
      currency: 'JPY',
    });
    const kw = invoice('2026-01-01', [item(dinar, '2026-01-01', '2026-02-01', 1_500)]);
    expect(lines([kw], [sub({ items: [{ id: 'si_1', priceId: 'price_kwd' }] })])[0]).toMatchObject({
      arr: '18.000',
      currency: 'KWD',
    });
  });

  it('a one-off invoice item is a services line on the invoice date; a credit is not', () => {
    const inv = invoice('2026-01-05', [
      {
        ...item(setupFee, '2026-01-05', '2026-01-05', 250_000),
        parent: { type: 'invoice_item_details', subscription: null, proration: false },
      },
      {
        ...item(setupFee, '2026-01-05', '2026-01-05', -10_000),
        parent: { type: 'invoice_item_details', subscription: null, proration: false },
      },
    ]);
    expect(lines([inv], [])).toEqual([
      {
        line_id: inv.lines[0]!.id,
        arr: '2500.00',
        start_date: '2026-01-05',
        end_date: '2026-01-06',
        kind: 'services',
        currency: 'USD',
        seats: '1',
      },
    ]);
  });

  it('a price missing from both price lists is reported with its invoice and line item', () => {
    const bad = invoice('2026-01-01', [
      { ...item(monthly, '2026-01-01', '2026-02-01', 10_000), priceId: 'price_gone' },
    ]);
    const out = linesOfCustomer({ customer, subscriptions: [sub()], invoices: [bad] }, PRICES, settings);
    expect(out.problems).toEqual([
      { invoice: bad.id, lineItem: bad.lines[0]!.id, field: 'price', reason: expect.stringContaining('price_gone') },
    ]);
  });
});

describe('ends', () => {
  it('an active subscription whose renewal invoice is still a draft stays open', () => {
    const invs = months('2026-01-01', 2, 10_000);
    invs.push({ ...months('2026-03-01', 1, 10_000)[0]!, status: 'draft' });
    expect(lines(invs)).toEqual([expect.objectContaining({ end_date: '' })]);
  });

  it('a scheduled end (cancel_at) ends the line on its local date', () => {
    expect(lines(months('2026-01-01', 2, 10_000), [sub({ cancelAt: at('2026-03-01') })])).toEqual([
      expect.objectContaining({ start_date: '2026-01-01', end_date: '2026-03-01' }),
    ]);
  });

  it('a canceled subscription ends at ended_at, even with a final credit leaving a remainder', () => {
    const invs = months('2026-01-01', 2, 10_000);
    invs.push(invoice('2026-02-10', [item(monthly, '2026-02-10', '2026-03-01', -3_000, { proration: true })]));
    expect(lines(invs, [sub({ status: 'canceled', endedAt: at('2026-02-10', '15:00'), items: [] })])).toEqual([
      expect.objectContaining({ start_date: '2026-01-01', end_date: '2026-02-10', arr: '1200.00' }),
    ]);
  });

  it('a cancellation at period end churns at the period end', () => {
    expect(
      lines(months('2026-01-01', 2, 10_000), [
        sub({ status: 'canceled', endedAt: at('2026-03-01'), cancelAt: at('2026-03-01') }),
      ]),
    ).toEqual([expect.objectContaining({ end_date: '2026-03-01' })]);
  });

  it.each(['unpaid', 'paused', 'incomplete_expired'])('%s ends at the end of the last counted period', (status) => {
    expect(lines(months('2026-01-01', 2, 10_000), [sub({ status })])).toEqual([
      expect.objectContaining({ end_date: '2026-03-01' }),
    ]);
  });

  it('an item the subscription no longer lists ends with its last period', () => {
    expect(lines(months('2026-01-01', 2, 10_000), [sub({ items: [{ id: 'si_2', priceId: 'price_m' }] })])).toEqual([
      expect.objectContaining({ end_date: '2026-03-01' }),
    ]);
  });

  it('periods are company-local dates: a period starting at 02:00 UTC starts the day before in New York', () => {
    const l = item(monthly, '2026-01-01', '2026-02-01', 10_000);
    l.periodStart = Date.UTC(2026, 0, 1, 2) / 1000;
    l.periodEnd = Date.UTC(2026, 1, 1, 2) / 1000;
    expect(lines([invoice('2026-01-01', [l])])[0]).toMatchObject({ start_date: '2025-12-31' });
  });
});

describe('property: lines add up to the item timeline', () => {
  const day0 = toEpochDay('2026-01-01');
  const arbLine = fc.record({
    start: fc.integer({ min: 0, max: 120 }),
    length: fc.integer({ min: 1, max: 70 }),
    amount: fc.integer({ min: -20_000, max: 50_000 }),
    proration: fc.boolean(),
    price: fc.constantFrom(monthly, annual, quarterly),
    status: fc.constantFrom('paid', 'open', 'void', 'draft'),
  });

  it('on every day, the sum of the lines = max(0, the sum of the counted line items holding that day)', () => {
    fc.assert(
      fc.property(fc.array(arbLine, { minLength: 1, maxLength: 12 }), (spec) => {
        const invoices = spec.map((s) => {
          const start = fromEpochDay(day0 + s.start);
          const end = fromEpochDay(day0 + s.start + s.length);
          return invoice(start, [item(s.price, start, end, s.amount, { proration: s.proration })], {
            status: s.status,
          });
        });
        const out = linesOfCustomer(
          { customer, subscriptions: [sub({ status: 'unpaid' })], invoices },
          PRICES,
          settings,
        ).lines;
        const counted = invoices
          .filter((inv) => inv.status === 'paid' || inv.status === 'open')
          .map((inv) => {
            const l = inv.lines[0]!;
            const [s, e] = [localDay(l.periodStart), localDay(l.periodEnd)];
            return { s, e, arr: lineArr(l, PRICES.get(l.priceId!)!.recurring!, s, e)! };
          });
        for (let d = day0 - 1; d <= day0 + 200; d++) {
          let expected = 0;
          for (const c of counted) if (c.s <= d && d < c.e) expected += c.arr;
          const got = out
            .filter((l) => toEpochDay(l.start_date!) <= d && (l.end_date === '' || d < toEpochDay(l.end_date!)))
            .reduce((a, l) => a + Math.round(Number(l.arr) * 100), 0);
          if (got !== Math.max(0, expected)) return false;
        }
        // Runs are maximal: two touching lines never carry the same ARR.
        for (let i = 1; i < out.length; i++)
          if (out[i - 1]!.end_date === out[i]!.start_date && out[i - 1]!.arr === out[i]!.arr) return false;
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
