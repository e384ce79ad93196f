// The Stripe connector end to end on the official client against a loopback fake of Stripe's API:
// every revenue rule's lines, the KPIs they imply, paging, faults, full and daily syncs, exact
// re-syncs and backfill checkpoints.
import { InMemorySyncState } from '../../functions/adapters/memory/sync-state';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractCsvFiles } from '../../functions/adapters/files/contract-csv-files';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { connectSource, type ConnectDeps } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { exportSource } from '../../functions/app/export-source';
import { ingestSource } from '../../functions/app/ingest-source';
import { readDataset } from '../../functions/app/read-contract';
import { parseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { EntityName, EntityTypes } from '../../functions/domain/contract/entities';
import { computeKpis, kpiSettingsFrom, resolveAsOf, toKpiJson } from '../../functions/domain/kpi';
import type { StripeSourceDefinition } from '../../functions/domain/sources/registry';
import type { SyncStateStore } from '../../functions/ports/sync-state';
import { invoice, line } from '../support/fake-stripe/builders';
import { startFakeStripe, type FakeStripe, type FakeStripeOptions } from '../support/fake-stripe/server';
import { MemoryStripeStore } from '../support/fake-stripe/store';
import { configDoc } from '../support/config-doc';
import { MemoryRunLedger } from '../unit/report/fakes';
import { at, changeEvent, revenueRulesScenario, SCENARIO_KPIS, TZ } from '../support/stripe-scenarios';

const KEY = 'sk_test_pulse';
const config = parseConfig(
  configDoc({
    company: { name: 'T', timezone: TZ, currency: 'USD' },
    sources: [
      {
        name: 'stripe',
        connector: 'stripe',
        stripe: { apiBase: 'http://127.0.0.1:1', requestsPerSecond: 100, baseDelayMs: 1, maxDelayMs: 5 },
      },
    ],
  }),
);
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(store: MemoryStripeStore, opts: FakeStripeOptions = {}) {
  fake = await startFakeStripe(store, opts);
  return fake;
}

function definition(url: string, extra: Partial<StripeSourceDefinition['stripe']> = {}): StripeSourceDefinition {
  const def = config.sources[0] as StripeSourceDefinition;
  return { ...def, stripe: { ...def.stripe, apiBase: url, ...extra } };
}

function deps(state?: SyncStateStore, env: Record<string, string> = { STRIPE_API_KEY: KEY }): ConnectDeps {
  return {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets({}),
    timeZone: TZ,
    env,
    ...(state ? { syncState: state } : {}),
    stripe: { sleep: async () => {} },
  };
}

/** The records a store holds, by entity and id. */
class MemoryRecords {
  readonly accounts = new Map<string, EntityTypes['accounts']>();
  readonly lines = new Map<string, EntityTypes['subscriptions']>();
  async putRecords<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]) {
    for (const r of records) {
      if (entity === 'accounts')
        this.accounts.set((r as EntityTypes['accounts']).accountId, r as EntityTypes['accounts']);
      if (entity === 'subscriptions')
        this.lines.set((r as EntityTypes['subscriptions']).lineId, r as EntityTypes['subscriptions']);
    }
  }
  async deleteRecords<K extends EntityName>(entity: K, records: readonly Partial<EntityTypes[K]>[]) {
    for (const r of records)
      if (entity === 'subscriptions') this.lines.delete((r as Partial<EntityTypes['subscriptions']>).lineId!);
  }
}

const ingestOptions = {
  sourceName: 'stripe',
  entities: ['accounts', 'subscriptions'] as EntityName[],
  timeZone: TZ,
  weekStartsOn: 1 as const,
};

async function exportTo(url: string, extra: Partial<StripeSourceDefinition['stripe']> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-stripe-export-'));
  const def = definition(url, extra);
  const result = await exportSource(
    connectSource(def, deps(), { full: true, readOnly: true }),
    { validator, files: new ContractCsvFiles(dir, def.entities) },
    ingestOptions,
  );
  const read = (f: string) => parse(readFileSync(join(dir, f), 'utf8'), { columns: true }) as Record<string, string>[];
  return { dir, result, accounts: read('accounts.csv'), lines: read('subscriptions.csv') };
}

describe('every revenue rule, through the official client', () => {
  it('exports the lines the rules give, customer by customer, and the KPIs they imply', async () => {
    const scenario = revenueRulesScenario();
    const server = await serve(new MemoryStripeStore(scenario.data));
    const { dir, result, accounts, lines } = await exportTo(server.url);
    expect(result.status).toBe('succeeded');
    expect(result.summary.rejects).toEqual([]);

    const expectedLines = Object.values(scenario.expected).flat();
    const clean = (l: Record<string, string | undefined>) => ({
      line_id: l.line_id,
      account_id: l.account_id,
      kind: l.kind,
      arr: l.arr,
      start_date: l.start_date,
      end_date: l.end_date,
      currency: l.currency,
      seats: l.seats,
    });
    const byId = (a: { line_id?: string }, b: { line_id?: string }) => (a.line_id ?? '').localeCompare(b.line_id ?? '');
    expect(lines.map(clean).sort(byId)).toEqual(expectedLines.map((l) => clean({ ...l })).sort(byId));
    expect(accounts).toHaveLength(scenario.data.customers.length);
    expect(accounts.find((a) => a.account_id === 'ACME')).toMatchObject({
      name: 'Customer A',
      segment: 'Enterprise',
      owner_email: 'dana@northwind.example',
      created_date: '2025-05-20',
    });

    // Archived prices were read (price_a is inactive) and canceled subscriptions were listed.
    const queried = server.requests.map(
      (r) => `${r.path}?${new URLSearchParams(r.query as Record<string, string>).toString()}`,
    );
    expect(queried.some((q) => q.startsWith('/v1/prices?') && q.includes('active=false'))).toBe(true);
    expect(queried.some((q) => q.startsWith('/v1/subscriptions?') && q.includes('status=all'))).toBe(true);
    // The 25-line invoices were paged through their lines endpoint.
    expect(server.requests.some((r) => /^\/v1\/invoices\/in_p_[^/]+\/lines$/.test(r.path))).toBe(true);

    const { dataset, summary } = await readDataset(new FolderSource(dir), validator);
    expect(summary.rejects).toEqual([]);
    const settings = kpiSettingsFrom(config);
    const kpis = toKpiJson(computeKpis(dataset, resolveAsOf(SCENARIO_KPIS.asOf, settings.weekStartsOn), settings));
    expect(kpis.arrBridge).toMatchObject(SCENARIO_KPIS.arrBridge);
    expect(kpis.retention.nrr).toBeCloseTo(SCENARIO_KPIS.retention.nrr, 10);
    expect(kpis.retention.grr).toBeCloseTo(SCENARIO_KPIS.retention.grr, 10);
    expect(kpis.retention.cohortSize).toBe(SCENARIO_KPIS.retention.cohortSize);
  });

  it('pages lists of more than 100 customers', async () => {
    const scenario = revenueRulesScenario();
    const store = new MemoryStripeStore(scenario.data);
    const base = scenario.data.customers[0]!;
    for (let i = 0; i < 230; i++)
      store.data.customers.push({
        ...base,
        id: `cus_fill${String(i).padStart(3, '0')}`,
        metadata: {},
        created: base.created + i,
      });
    const server = await serve(store);
    const { accounts } = await exportTo(server.url);
    expect(accounts).toHaveLength(scenario.data.customers.length);
    expect(
      server.requests.filter((r) => r.path === '/v1/customers' && r.query.starting_after).length,
    ).toBeGreaterThanOrEqual(4); // two passes x two follow-up pages
  });
});

describe('faults', () => {
  it('waits out 429s (which the client does not retry) and a 500, page by page, without restarting a list', async () => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data), {
      faults: [
        { path: '/v1/invoices', status: 429, times: 2, afterRequests: 3 },
        { path: '/v1/customers', status: 500, times: 1, afterRequests: 1 },
        { path: '/v1/prices', status: 429, times: 1, retryAfterSeconds: 1 },
      ],
    });
    const { result, lines } = await exportTo(server.url);
    expect(result.status).toBe('succeeded');
    expect(lines.length).toBe(Object.values(revenueRulesScenario().expected).flat().length);
    expect(server.requests.filter((r) => r.status === 429).length).toBe(3);
    expect(server.requests.filter((r) => r.status === 500).length).toBe(1);
    // Each list was started once: a retry repeats the failed page, not the list.
    expect(
      server.requests.filter((r) => r.path === '/v1/prices' && r.status === 200 && !r.query.starting_after).length,
    ).toBe(2); // active=true and active=false
  });

  it('stays under a rate limit it is given (the fake answers 429 above it)', async () => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data), { rateLimitPerSecond: 25 });
    const dir = mkdtempSync(join(tmpdir(), 'pulse-stripe-rate-'));
    const def = definition(server.url, { requestsPerSecond: 20 });
    const d = deps();
    delete d.stripe; // real sleeps: pacing is what is tested
    const result = await exportSource(
      connectSource(def, d, { full: true, readOnly: true }),
      { validator, files: new ContractCsvFiles(dir, def.entities) },
      ingestOptions,
    );
    expect(result.status).toBe('succeeded');
    expect(server.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);

  it('with a test-mode key stays clear of the 25 reads/s of Stripe test mode, whatever the setting', async () => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data), { rateLimitPerSecond: 25 });
    const dir = mkdtempSync(join(tmpdir(), 'pulse-stripe-test-mode-'));
    const def = definition(server.url, { requestsPerSecond: 100 });
    const d = deps();
    delete d.stripe;
    const result = await exportSource(
      connectSource(def, d, { full: true, readOnly: true }),
      { validator, files: new ContractCsvFiles(dir, def.entities) },
      ingestOptions,
    );
    expect(result.status).toBe('succeeded');
    expect(server.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);

  it.each([
    [
      'a bad key',
      { STRIPE_API_KEY: 'sk_test_wrong' },
      {},
      /refused the API key from the environment variable STRIPE_API_KEY \(401, invalid key/,
    ],
    [
      'a revoked key',
      { STRIPE_API_KEY: 'sk_test_revoked' },
      { keys: { revoked: ['sk_test_revoked'] } },
      /\(401, expired or revoked key/,
    ],
    ['no key', {}, {}, /no Stripe API key \(locally: export STRIPE_API_KEY=sk_/],
  ] as const)('%s ends the run failed with one clear message, nothing written', async (_what, env, opts, message) => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data), opts as FakeStripeOptions);
    const ledger = new MemoryRunLedger();
    const records = new MemoryRecords();
    const state = new InMemorySyncState();
    await expect(
      ingestSource(
        connectSource(definition(server.url), { ...deps(state, env as Record<string, string>) }),
        { store: records, validator, ledger },
        ingestOptions,
      ),
    ).rejects.toThrow(message);
    expect(ledger.runs).toHaveLength(1);
    expect(ledger.runs[0]).toMatchObject({ status: 'failed', errors: [expect.stringMatching(message)] });
    expect(records.accounts.size + records.lines.size).toBe(0);
    expect(state.values.size).toBe(0);
  });

  it('an unreachable Stripe ends the run failed after its retries, nothing written', async () => {
    const ledger = new MemoryRunLedger();
    const records = new MemoryRecords();
    await expect(
      ingestSource(
        connectSource(definition('http://127.0.0.1:9', { maxAttempts: 3 }), deps(new InMemorySyncState())),
        { store: records, validator, ledger },
        ingestOptions,
      ),
    ).rejects.toThrow(
      /Stripe at http:\/\/127\.0\.0\.1:9 GET \/v1\/prices\?active=true: no answer .* on all 3 attempts/,
    );
    expect(ledger.runs[0]).toMatchObject({ status: 'failed', errors: [expect.stringMatching(/no answer/)] });
    expect(records.lines.size).toBe(0);
  });

  it('a failure part-way keeps whole customers and does not advance the high-water mark', async () => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data), {
      faults: [{ path: '/v1/invoices', status: 500, times: 50, afterRequests: 6 }],
    });
    const records = new MemoryRecords();
    const state = new InMemorySyncState();
    const ledger = new MemoryRunLedger();
    const result = await ingestSource(
      connectSource(definition(server.url, { maxAttempts: 2 }), deps(state)),
      { store: records, validator, ledger },
      ingestOptions,
    );
    expect(result.status).toBe('failed');
    expect(ledger.runs[0]!.errors.join(' ')).toMatch(/500/);
    expect(state.values.has('stripe|hwm')).toBe(false);
    // Whatever was stored is every line of the customers it belongs to.
    const expected = revenueRulesScenario().expected;
    const byAccount = new Map<string, string[]>();
    for (const l of records.lines.values())
      byAccount.set(l.accountId, [...(byAccount.get(l.accountId) ?? []), l.lineId]);
    for (const [_cust, want] of Object.entries(expected)) {
      const account = want[0]?.account_id;
      if (!account || !byAccount.has(account)) continue;
      expect(byAccount.get(account)!.sort()).toEqual(want.map((w) => w.line_id).sort());
    }
  });
});

describe('syncs', () => {
  it('a daily sync recomputes only the touched customers, deletes lines history no longer gives, and adds new ones', async () => {
    const scenario = revenueRulesScenario();
    const store = new MemoryStripeStore(scenario.data);
    const server = await serve(store);
    const records = new MemoryRecords();
    const state = new InMemorySyncState();
    const ledger = new MemoryRunLedger();
    let now = Date.parse('2026-12-01T12:00:00Z');
    const run = () =>
      ingestSource(
        connectSource(definition(server.url), { ...deps(state), stripe: { sleep: async () => {}, now: () => now } }),
        { store: records, validator, ledger },
        ingestOptions,
      );

    const first = await run();
    expect(first.status).toBe('succeeded');
    const all = Object.values(scenario.expected).flat();
    expect(records.lines.size).toBe(all.length);
    expect(state.values.get('stripe|hwm')).toBe(String(Math.floor(now / 1000)));

    // A day later: N's voided August invoice is replaced by a paid one (the gap closes: one line, not two),
    // and T is billed a second month. Only their events are in the list.
    now += 86_400_000;
    const replacement = invoice({
      id: 'in_n_20260801_b',
      customer: 'cus_n',
      created: at('2026-08-01'),
      lines: [
        line({
          id: 'il_n_aug',
          price: store.data.prices.find((p) => p.id === 'price_n')!,
          subscription_item: 'si_n',
          subscription: 'sub_n',
          start: at('2026-08-01'),
          end: at('2026-09-01'),
        }),
      ],
    });
    store.data.invoices.push(replacement);
    store.data.events.push(changeEvent('invoice.paid', replacement, Math.floor(now / 1000) - 7_200));
    server.requests.length = 0;
    const second = await run();
    expect(second.status).toBe('succeeded');
    expect(second.deleted.subscriptions).toBe(1);
    expect(records.lines.has('si_n@2026-09-01')).toBe(false);
    expect(records.lines.get('si_n@2026-07-01')).toMatchObject({ startDate: '2026-07-01' });
    expect(records.lines.get('si_n@2026-07-01')!.endDate).toBeUndefined();
    // Only cus_n's invoices were read again.
    const invoiceReads = server.requests.filter((r) => r.path === '/v1/invoices' && r.query.customer);
    expect(new Set(invoiceReads.map((r) => r.query.customer))).toEqual(new Set(['cus_n']));
    expect(state.values.get('stripe|lines:cus_n')).toBe(JSON.stringify(['si_n@2026-07-01']));

    // A sync with nothing new since (beyond the one-hour overlap) reads no customer's invoices and changes nothing.
    now += 86_400_000;
    server.requests.length = 0;
    const third = await run();
    expect(third.written.subscriptions + third.deleted.subscriptions).toBe(0);
    expect(server.requests.filter((r) => r.path === '/v1/invoices' && r.query.customer)).toEqual([]);
  });

  it('a daily sync whose last run is older than Stripe keeps events (30 days) reads everything again', async () => {
    const server = await serve(new MemoryStripeStore(revenueRulesScenario().data));
    const state = new InMemorySyncState();
    await state.put('stripe', 'hwm', String(Math.floor(Date.parse('2026-10-01T00:00:00Z') / 1000)));
    const result = await ingestSource(
      connectSource(definition(server.url), {
        ...deps(state),
        stripe: { sleep: async () => {}, now: () => Date.parse('2026-12-01T00:00:00Z') },
      }),
      { store: new MemoryRecords(), validator },
      ingestOptions,
    );
    expect(result.files[0]!.name).toMatch(/full sync; the last sync .* is older than Stripe's 30 days of events/);
    expect(result.written.subscriptions).toBe(Object.values(revenueRulesScenario().expected).flat().length);
  });

  it('a backfill that runs out of time checkpoints and the next run continues to the same result', async () => {
    const scenario = revenueRulesScenario();
    const server = await serve(new MemoryStripeStore(scenario.data));
    const state = new InMemorySyncState();
    const records = new MemoryRecords();
    let budget = 0;
    const run = (customers: number) => {
      budget = customers;
      // Each customer's lines cost one "tick" of the budget; below one tick the run stops.
      return ingestSource(
        connectSource(
          definition(server.url),
          { ...deps(state), stripe: { sleep: async () => {}, stopWithMsLeft: 1 } },
          { remainingMs: () => budget-- },
        ),
        { store: records, validator },
        ingestOptions,
      );
    };
    const first = await run(6);
    expect(first.continues).toBe(true);
    expect(JSON.parse(state.values.get('stripe|backfill')!)).toMatchObject({ after: expect.stringMatching(/^cus_/) });
    expect(state.values.has('stripe|hwm')).toBe(false);
    let guard = 0;
    let last = first;
    while (last.continues && guard++ < 20) last = await run(6);
    expect(last.continues).toBeFalsy();
    expect(state.values.has('stripe|backfill')).toBe(false);
    expect(state.values.has('stripe|hwm')).toBe(true);
    expect([...records.lines.keys()].sort()).toEqual(
      Object.values(scenario.expected)
        .flat()
        .map((l) => l.line_id)
        .sort(),
    );
  });
});

describe('currencies', () => {
  it('zero- and three-decimal currencies keep their own decimals, and pulse kpis converts them at each line start rate', async () => {
    const { customer: cust, price: mkPrice, subscription: mkSub } = await import('../support/fake-stripe/builders');
    const data = {
      customers: [],
      prices: [],
      subscriptions: [],
      invoices: [],
      events: [],
    } as unknown as import('../support/fake-stripe/store').MemoryStripeData;
    const plans: [string, string, number][] = [
      ['jpy', 'cus_yen', 120_000], // 120,000 yen a month
      ['kwd', 'cus_dinar', 1_500], // 1.500 dinar a month
      ['eur', 'cus_euro', 100_000], // 1,000.00 euro a month
    ];
    for (const [currency, id, unit] of plans) {
      const p = mkPrice({ id: `price_${currency}`, currency, unit_amount: unit, created: at('2025-01-01') });
      data.prices.push(p);
      data.customers.push(cust({ id, created: at('2026-01-01', '09:00') }));
      data.subscriptions.push(
        mkSub({
          id: `sub_${currency}`,
          customer: id,
          created: at('2026-01-01'),
          items: [{ id: `si_${currency}`, price: p }],
        }),
      );
      for (const [start, end] of [
        ['2026-10-01', '2026-11-01'],
        ['2026-11-01', '2026-12-01'],
      ] as const) {
        data.invoices.push(
          invoice({
            id: `in_${currency}_${start}`,
            customer: id,
            currency,
            created: at(start),
            lines: [
              line({
                price: p,
                subscription_item: `si_${currency}`,
                subscription: `sub_${currency}`,
                start: at(start),
                end: at(end),
              }),
            ],
          }),
        );
      }
    }
    const server = await serve(new MemoryStripeStore(data));
    const { dir, lines } = await exportTo(server.url);
    expect(lines.map((l) => [l.line_id, l.arr, l.currency])).toEqual(
      expect.arrayContaining([
        ['si_jpy@2026-10-01', '1440000', 'JPY'],
        ['si_kwd@2026-10-01', '18.000', 'KWD'],
        ['si_eur@2026-10-01', '12000.00', 'EUR'],
      ]),
    );
    // Each line keeps the rate of its start date (1 October), though EUR moves on 5 October.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(dir, 'fx_rates.csv'),
      'date,currency,rate\n2026-09-30,JPY,0.0067\n2026-10-01,jpy,0.0068\n2026-10-01,KWD,3.25\n2026-10-01,EUR,1.0821\n2026-10-05,EUR,1.2\n',
    );
    const { dataset, summary } = await readDataset(new FolderSource(dir), validator);
    expect(summary.rejects).toEqual([]);
    const settings = kpiSettingsFrom(config);
    const kpis = toKpiJson(computeKpis(dataset, resolveAsOf('2026-11-22', settings.weekStartsOn), settings));
    // 1,440,000 JPY x 0.0068 = 9,792.00; 18.000 KWD x 3.25 = 58.50; 12,000 EUR x 1.0821 = 12,985.20.
    expect(kpis.arrBridge.close).toBe(9_792 + 58.5 + 12_985.2);
  });
});
