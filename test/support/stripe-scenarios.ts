// A Stripe account holding one customer per revenue rule (docs/billing.md), with the contract lines
// the rules give for each, worked out by hand. The company is in New York; invoices are created at
// 10:00 local on their period's first day. Used by the connector's integration test and the e2e
// check of `pulse sources export` + `pulse kpis`.
import type Stripe from 'stripe';
import { customer, event, invoice, line, price, subscription, ts } from './fake-stripe/builders';
import type { MemoryStripeData } from './fake-stripe/store';
import { addMonths } from '../../functions/domain/dates';

export const TZ = 'America/New_York';
/** Local 10:00 on a date, as Stripe's Unix seconds. */
export const at = (date: string, time = '10:00') => ts(`${date}T${time}`, TZ);

export interface ExpectedLine {
  line_id: string;
  account_id: string;
  kind: 'recurring' | 'services';
  arr: string;
  start_date: string;
  end_date: string;
  currency: string;
  seats?: string;
}

export interface StripeScenario {
  data: MemoryStripeData;
  /** Every contract line the rules give, by customer. */
  expected: Record<string, ExpectedLine[]>;
}

/** Builds the scenario; ids are fixed so expectations can name them. */
export function revenueRulesScenario(): StripeScenario {
  const data: MemoryStripeData = { customers: [], prices: [], subscriptions: [], invoices: [], events: [] };
  const expected: Record<string, ExpectedLine[]> = {};
  const prices = new Map<string, Stripe.Price>();
  const mkPrice = (id: string, unit: number, o: Parameters<typeof price>[0] = {}) => {
    const p = price({ id, unit_amount: unit, product: `prod_${id.slice(6)}`, created: at('2025-01-01'), ...o });
    prices.set(id, p);
    data.prices.push(p);
    return p;
  };
  const mkCustomer = (id: string, created: string, metadata: Record<string, string> = {}) => {
    data.customers.push(
      customer({ id, name: `Customer ${id.slice(4).toUpperCase()}`, created: at(created, '09:00'), metadata }),
    );
    expected[id] = [];
  };
  const mkSub = (
    id: string,
    cust: string,
    items: { id: string; price: Stripe.Price; quantity?: number }[],
    o: Omit<Partial<Stripe.Subscription>, 'items'> = {},
  ) => {
    data.subscriptions.push(
      subscription({
        id,
        customer: cust,
        created: at('2025-01-01'),
        items: items.map((i) => ({ id: i.id, price: i.price, quantity: i.quantity ?? 1 })),
        ...o,
      }),
    );
  };
  let n = 0;
  /** One invoice per month for [from, to), each with one full-period line for the item. */
  const months = (
    cust: string,
    sub: string,
    si: string,
    p: Stripe.Price,
    from: string,
    to: string,
    o: { amount?: number; quantity?: number; status?: (start: string) => Stripe.Invoice.Status } = {},
  ) => {
    for (let start = from; start < to; start = addMonths(start, 1)) {
      const end = addMonths(start, 1);
      const id = `in_${cust.slice(4)}_${start.replace(/-/g, '')}`;
      data.invoices.push(
        invoice({
          id,
          customer: cust,
          created: at(start),
          status: o.status?.(start) ?? 'paid',
          lines: [
            line({
              id: `il_${++n}`,
              price: p,
              subscription_item: si,
              subscription: sub,
              start: at(start),
              end: at(end),
              quantity: o.quantity ?? 1,
              ...(o.amount !== undefined ? { amount: o.amount } : {}),
            }),
          ],
        }),
      );
    }
  };
  const expect = (
    cust: string,
    account: string,
    lines: [string, string, string, string, string?][],
    currency = 'USD',
  ) => {
    for (const [item, arr, start, end, seats = '1'] of lines) {
      expected[cust]!.push({
        line_id: `${item}@${start}`,
        account_id: account,
        kind: 'recurring',
        arr,
        start_date: start,
        end_date: end,
        currency,
        seats,
      });
    }
  };

  // A: a monthly plan on a price since archived (old invoices still bill it); account id and segment from metadata.
  const pA = mkPrice('price_a', 100_000, { active: false });
  mkCustomer('cus_a', '2025-05-20', {
    pulse_account_id: 'ACME',
    segment: 'Enterprise',
    owner_email: 'dana@northwind.example',
  });
  mkSub('sub_a', 'cus_a', [{ id: 'si_a', price: pA }]);
  months('cus_a', 'sub_a', 'si_a', pA, '2025-06-01', '2026-12-01');
  expect('cus_a', 'ACME', [['si_a', '12000.00', '2025-06-01', '']]);

  // B: an annual plan (ARR = the annual amount, not 12x), renewed at a higher price.
  const pB = mkPrice('price_b', 2_400_000, { recurring: { interval: 'year' } });
  const pB2 = mkPrice('price_b2', 2_640_000, { recurring: { interval: 'year' } });
  mkCustomer('cus_b', '2025-03-01');
  mkSub('sub_b', 'cus_b', [{ id: 'si_b', price: pB2 }]);
  for (const [start, end, p] of [
    ['2025-03-15', '2026-03-15', pB],
    ['2026-03-15', '2027-03-15', pB2],
  ] as const) {
    data.invoices.push(
      invoice({
        id: `in_b_${start}`,
        customer: 'cus_b',
        created: at(start),
        lines: [
          line({
            id: `il_${++n}`,
            price: p,
            subscription_item: 'si_b',
            subscription: 'sub_b',
            start: at(start),
            end: at(end),
          }),
        ],
      }),
    );
  }
  expect('cus_b', 'cus_b', [
    ['si_b', '24000.00', '2025-03-15', '2026-03-15'],
    ['si_b', '26400.00', '2026-03-15', ''],
  ]);

  // C: a one-time 100 % coupon on the first month (ARR starts with the first paid month); exclusive tax changes nothing.
  const pC = mkPrice('price_c', 50_000);
  mkCustomer('cus_c', '2025-12-20');
  mkSub('sub_c', 'cus_c', [{ id: 'si_c', price: pC }]);
  months('cus_c', 'sub_c', 'si_c', pC, '2026-01-01', '2026-12-01');
  for (const inv of data.invoices.filter((i) => i.customer === 'cus_c')) {
    const l = inv.lines.data[0]!;
    if (inv.id === 'in_c_20260101') l.discount_amounts = [{ amount: 50_000, discount: 'di_welcome' }];
    l.taxes = [
      {
        amount: 4_000,
        tax_behavior: 'exclusive',
        tax_rate_details: { tax_rate: 'txr_ny' },
        taxability_reason: 'standard_rated',
        taxable_amount: 50_000,
        type: 'tax_rate_details',
      },
    ];
  }
  expect('cus_c', 'cus_c', [['si_c', '6000.00', '2026-02-01', '']]);

  // D: inclusive tax is inside the amount and taken out (120,000 with 20,000 VAT -> net 100,000 a month).
  const pD = mkPrice('price_d', 120_000, { tax_behavior: 'inclusive' });
  mkCustomer('cus_d', '2025-12-15');
  mkSub('sub_d', 'cus_d', [{ id: 'si_d', price: pD }]);
  months('cus_d', 'sub_d', 'si_d', pD, '2026-01-01', '2026-12-01');
  for (const inv of data.invoices.filter((i) => i.customer === 'cus_d')) {
    inv.lines.data[0]!.taxes = [
      {
        amount: 20_000,
        tax_behavior: 'inclusive',
        tax_rate_details: { tax_rate: 'txr_vat' },
        taxability_reason: 'standard_rated',
        taxable_amount: 100_000,
        type: 'tax_rate_details',
      },
    ];
  }
  expect('cus_d', 'cus_d', [['si_d', '12000.00', '2026-01-01', '']]);

  // E: an upgrade on 16 June from $200 to $400 a month: credit and charge prorations for 15 of 30 days.
  const pE1 = mkPrice('price_e1', 20_000);
  const pE2 = mkPrice('price_e2', 40_000);
  mkCustomer('cus_e', '2026-03-20');
  mkSub('sub_e', 'cus_e', [{ id: 'si_e', price: pE2 }]);
  months('cus_e', 'sub_e', 'si_e', pE1, '2026-04-01', '2026-07-01');
  data.invoices.push(
    invoice({
      id: 'in_e_upgrade',
      customer: 'cus_e',
      created: at('2026-06-16'),
      lines: [
        line({
          id: `il_${++n}`,
          price: pE1,
          subscription_item: 'si_e',
          subscription: 'sub_e',
          proration: true,
          start: at('2026-06-16'),
          end: at('2026-07-01'),
          amount: -10_000,
        }),
        line({
          id: `il_${++n}`,
          price: pE2,
          subscription_item: 'si_e',
          subscription: 'sub_e',
          proration: true,
          start: at('2026-06-16'),
          end: at('2026-07-01'),
          amount: 20_000,
        }),
      ],
    }),
  );
  months('cus_e', 'sub_e', 'si_e', pE2, '2026-07-01', '2026-12-01');
  // 16 June - 1 July: 2,400 + (-10,000 + 20,000) x 12 x 30/15 cents = 4,800.00, the same as July on: one line.
  expect('cus_e', 'cus_e', [
    ['si_e', '2400.00', '2026-04-01', '2026-06-16'],
    ['si_e', '4800.00', '2026-06-16', ''],
  ]);

  // F: still in its trial (a $0 invoice): an account, no line.
  const pF = mkPrice('price_f', 30_000);
  mkCustomer('cus_f', '2026-11-09');
  mkSub('sub_f', 'cus_f', [{ id: 'si_f', price: pF }], {
    status: 'trialing',
    trial_start: at('2026-11-10'),
    trial_end: at('2026-11-24'),
  });
  data.invoices.push(
    invoice({
      id: 'in_f_trial',
      customer: 'cus_f',
      created: at('2026-11-10'),
      lines: [
        line({
          id: `il_${++n}`,
          price: pF,
          subscription_item: 'si_f',
          subscription: 'sub_f',
          start: at('2026-11-10'),
          end: at('2026-11-24'),
          amount: 0,
        }),
      ],
    }),
  );

  // G: a trial that converted: ARR from the first paid period.
  const pG = mkPrice('price_g', 30_000);
  mkCustomer('cus_g', '2026-09-28');
  mkSub('sub_g', 'cus_g', [{ id: 'si_g', price: pG }]);
  data.invoices.push(
    invoice({
      id: 'in_g_trial',
      customer: 'cus_g',
      created: at('2026-10-01'),
      lines: [
        line({
          id: `il_${++n}`,
          price: pG,
          subscription_item: 'si_g',
          subscription: 'sub_g',
          start: at('2026-10-01'),
          end: at('2026-10-15'),
          amount: 0,
        }),
      ],
    }),
  );
  months('cus_g', 'sub_g', 'si_g', pG, '2026-10-15', '2026-12-15');
  expect('cus_g', 'cus_g', [['si_g', '3600.00', '2026-10-15', '']]);

  // H: a licensed seat price and a metered API price on one subscription: only the licensed one is ARR.
  const pH = mkPrice('price_h', 10_000);
  const pHm = mkPrice('price_hm', 5, { recurring: { usage_type: 'metered' } });
  mkCustomer('cus_h', '2026-04-20');
  mkSub('sub_h', 'cus_h', [
    { id: 'si_h', price: pH },
    { id: 'si_hm', price: pHm },
  ]);
  for (let start = '2026-05-01'; start < '2026-12-01'; start = addMonths(start, 1)) {
    const end = addMonths(start, 1);
    data.invoices.push(
      invoice({
        id: `in_h_${start}`,
        customer: 'cus_h',
        created: at(start),
        lines: [
          line({
            id: `il_${++n}`,
            price: pH,
            subscription_item: 'si_h',
            subscription: 'sub_h',
            start: at(start),
            end: at(end),
          }),
          line({
            id: `il_${++n}`,
            price: pHm,
            subscription_item: 'si_hm',
            subscription: 'sub_h',
            start: at(start),
            end: at(end),
            quantity: 41_000,
            amount: 205_000,
          }),
        ],
      }),
    );
  }
  expect('cus_h', 'cus_h', [['si_h', '1200.00', '2026-05-01', '']]);

  // I: canceled at once on 10 August with a final credit: ARR is 0 from ended_at, the credit leaves no remainder.
  const pI = mkPrice('price_i', 80_000);
  mkCustomer('cus_i', '2025-08-25');
  mkSub('sub_i', 'cus_i', [{ id: 'si_i', price: pI }], {
    status: 'canceled',
    ended_at: at('2026-08-10', '14:00'),
    canceled_at: at('2026-08-10', '14:00'),
  });
  months('cus_i', 'sub_i', 'si_i', pI, '2025-09-01', '2026-09-01');
  data.invoices.push(
    invoice({
      id: 'in_i_final',
      customer: 'cus_i',
      created: at('2026-08-10', '14:00'),
      lines: [
        line({
          id: `il_${++n}`,
          price: pI,
          subscription_item: 'si_i',
          subscription: 'sub_i',
          proration: true,
          start: at('2026-08-10', '14:00'),
          end: at('2026-09-01'),
          amount: -56_774,
        }),
      ],
    }),
  );
  expect('cus_i', 'cus_i', [['si_i', '9600.00', '2025-09-01', '2026-08-10']]);

  // J: cancellation scheduled at period end (cancel_at 1 December): the line ends then, already known.
  const pJ = mkPrice('price_j', 25_000);
  mkCustomer('cus_j', '2026-01-20');
  mkSub('sub_j', 'cus_j', [{ id: 'si_j', price: pJ }], { cancel_at: at('2026-12-01'), cancel_at_period_end: true });
  months('cus_j', 'sub_j', 'si_j', pJ, '2026-02-01', '2026-12-01');
  expect('cus_j', 'cus_j', [['si_j', '3000.00', '2026-02-01', '2026-12-01']]);

  // K: canceled at its period end on 17 November (ended_at): churn in the week of 16-22 November.
  const pK = mkPrice('price_k', 70_000);
  mkCustomer('cus_k', '2026-03-10');
  mkSub('sub_k', 'cus_k', [{ id: 'si_k', price: pK }], {
    status: 'canceled',
    cancel_at: at('2026-11-17'),
    ended_at: at('2026-11-17'),
    canceled_at: at('2026-10-30'),
  });
  months('cus_k', 'sub_k', 'si_k', pK, '2026-03-17', '2026-11-17');
  expect('cus_k', 'cus_k', [['si_k', '8400.00', '2026-03-17', '2026-11-17']]);

  // L: the renewal invoice is still a draft: nobody churns, the line stays open.
  const pL = mkPrice('price_l', 15_000);
  mkCustomer('cus_l', '2026-06-01');
  mkSub('sub_l', 'cus_l', [{ id: 'si_l', price: pL }]);
  months('cus_l', 'sub_l', 'si_l', pL, '2026-06-05', '2026-12-05', {
    status: (s) => (s === '2026-11-05' ? 'draft' : 'paid'),
  });
  expect('cus_l', 'cus_l', [['si_l', '1800.00', '2026-06-05', '']]);

  // M: unpaid, its last invoice written off (uncollectible): ends with the last counted period.
  const pM = mkPrice('price_m', 30_000);
  mkCustomer('cus_m', '2025-10-15');
  mkSub('sub_m', 'cus_m', [{ id: 'si_m', price: pM }], { status: 'unpaid' });
  months('cus_m', 'sub_m', 'si_m', pM, '2025-10-20', '2026-11-20', {
    status: (s) => (s === '2026-10-20' ? 'uncollectible' : 'paid'),
  });
  expect('cus_m', 'cus_m', [['si_m', '3600.00', '2025-10-20', '2026-10-20']]);

  // N: a voided August invoice is a gap (and the line ids say which run is which).
  const pN = mkPrice('price_n', 40_000);
  mkCustomer('cus_n', '2026-06-25');
  mkSub('sub_n', 'cus_n', [{ id: 'si_n', price: pN }]);
  months('cus_n', 'sub_n', 'si_n', pN, '2026-07-01', '2026-12-01', {
    status: (s) => (s === '2026-08-01' ? 'void' : 'paid'),
  });
  expect('cus_n', 'cus_n', [
    ['si_n', '4800.00', '2026-07-01', '2026-08-01'],
    ['si_n', '4800.00', '2026-09-01', ''],
  ]);

  // O: a one-off onboarding fee: a services line on the invoice date.
  const pO = mkPrice('price_o', 500_000, { recurring: null });
  mkCustomer('cus_o', '2026-11-01');
  data.invoices.push(
    invoice({
      id: 'in_o',
      customer: 'cus_o',
      created: at('2026-11-18'),
      lines: [line({ id: 'il_onboarding', price: pO, start: at('2026-11-18'), end: at('2026-11-18') })],
    }),
  );
  expected.cus_o!.push({
    line_id: 'il_onboarding',
    account_id: 'cus_o',
    kind: 'services',
    arr: '5000.00',
    start_date: '2026-11-18',
    end_date: '2026-11-19',
    currency: 'USD',
    seats: '1',
  });

  // P: 25 add-ons on one subscription: every invoice has 25 line items (10 embedded, the rest paged).
  mkCustomer('cus_p', '2026-08-20');
  const addons = Array.from({ length: 25 }, (_, i) => ({
    id: `si_p${String(i + 1).padStart(2, '0')}`,
    price: mkPrice(`price_p${String(i + 1).padStart(2, '0')}`, 1_000),
  }));
  mkSub('sub_p', 'cus_p', addons);
  for (let start = '2026-09-01'; start < '2026-12-01'; start = addMonths(start, 1)) {
    const end = addMonths(start, 1);
    data.invoices.push(
      invoice({
        id: `in_p_${start}`,
        customer: 'cus_p',
        created: at(start),
        lines: addons.map((a) =>
          line({
            id: `il_${++n}`,
            price: a.price,
            subscription_item: a.id,
            subscription: 'sub_p',
            start: at(start),
            end: at(end),
          }),
        ),
      }),
    );
  }
  expect(
    'cus_p',
    'cus_p',
    addons.map((a) => [a.id, '120.00', '2026-09-01', ''] as [string, string, string, string]),
  );

  // R: a seat added on 16 July: a pending proration (an invoice item of the subscription) billed on 1 August.
  const pR = mkPrice('price_r', 10_000);
  mkCustomer('cus_r', '2026-04-25');
  mkSub('sub_r', 'cus_r', [{ id: 'si_r', price: pR, quantity: 2 }]);
  months('cus_r', 'sub_r', 'si_r', pR, '2026-05-01', '2026-08-01');
  for (let start = '2026-08-01'; start < '2026-12-01'; start = addMonths(start, 1)) {
    const end = addMonths(start, 1);
    const lines = [
      line({
        id: `il_${++n}`,
        price: pR,
        subscription_item: 'si_r',
        subscription: 'sub_r',
        start: at(start),
        end: at(end),
        quantity: 2,
      }),
    ];
    if (start === '2026-08-01')
      lines.push(
        line({
          id: `il_${++n}`,
          price: pR,
          subscription: 'sub_r',
          proration: true,
          start: at('2026-07-16'),
          end: at('2026-08-01'),
          amount: 5_161,
        }),
      );
    data.invoices.push(invoice({ id: `in_r_${start}`, customer: 'cus_r', created: at(start), lines }));
  }
  // 16 July - 1 August: 1,200 + 5,161 x 12 x 31/16 cents (119,993.25 -> 1,199.93); seats from July's full-period item.
  expect('cus_r', 'cus_r', [
    ['si_r', '1200.00', '2026-05-01', '2026-07-16'],
    ['si_r', '2399.93', '2026-07-16', '2026-08-01'],
    ['si_r', '2400.00', '2026-08-01', '', '2'],
  ]);

  // T: a new customer in the week of 16-22 November.
  const pT = mkPrice('price_t', 25_000);
  mkCustomer('cus_t', '2026-11-18');
  mkSub('sub_t', 'cus_t', [{ id: 'si_t', price: pT }]);
  months('cus_t', 'sub_t', 'si_t', pT, '2026-11-19', '2026-12-19');
  expect('cus_t', 'cus_t', [['si_t', '3000.00', '2026-11-19', '']]);

  return { data, expected };
}

/**
 * What `pulse kpis --as-of 2026-11-22` must say of the scenario (week 16-22 November), from the
 * expected lines: K churns on the 17th (8,400), T is new on the 19th (3,000); the twelve-month
 * cohort of 22 November 2025 is A 12,000, B 24,000, I 9,600, M 3,600 = 49,200, of which A 12,000
 * and B 26,400 remain.
 */
export const SCENARIO_KPIS = {
  asOf: '2026-11-22',
  arrBridge: { open: 89_400, new: 3_000, reactivation: 0, expansion: 0, contraction: 0, churn: 8_400, close: 84_000 },
  retention: { nrr: 38_400 / 49_200, grr: 36_000 / 49_200, cohortSize: 4 },
} as const;

/** Events for a daily sync: one per object that changed. */
export function changeEvent(type: Stripe.Event.Type, object: object, created: number): Stripe.Event {
  return event(type, object, { created });
}
