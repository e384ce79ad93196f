// One account identity: domain normalisation, the identity rules in order, billing's directory
// (ambiguous domains match nothing), and what an unmatched record does downstream: it is listed as
// an unknown account, adds no ARR, and shows in the report's data-quality footer.
import { describe, expect, it } from 'vitest';
import { StoredAccountDirectory } from '../../../functions/adapters/sources/account-directory';
import { emptyDataset, unknownAccounts, type Dataset } from '../../../functions/domain/contract/validate';
import { computeKpis, DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import { dataQualityOf } from '../../../functions/domain/report';
import {
  billingDirectory,
  EMPTY_DIRECTORY,
  normalizeDomain,
  resolveAccountId,
  unmatchedAccountId,
  type IdentityCandidate,
} from '../../../functions/domain/sources/account-identity';
import type { SyncStateStore } from '../../../functions/ports/sync-state';

describe('normalizeDomain', () => {
  it.each([
    ['https://www.Example.com/about', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['ops@example.com', 'example.com'],
    ['  Ops.Team@Sub.Example.co.uk ', 'sub.example.co.uk'],
    ['http://example.com:8080/x?y#z', 'example.com'],
    ['www.example.com', 'example.com'],
    ['mailto:billing@example.com', 'example.com'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeDomain(raw)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'localhost',
    'not a domain',
    'https://',
    'someone@gmail.com',
    'outlook.com',
    'a@b@proton.me',
    'ex ample.com',
  ])('%j is no domain', (raw) => {
    expect(normalizeDomain(raw)).toBeUndefined();
  });
});

describe('resolveAccountId', () => {
  const directory = billingDirectory([
    { accountId: 'ACME', domains: ['ap@acme.example'] },
    { accountId: 'S1', domains: ['shared.example'] },
    { accountId: 'S2', domains: ['billing@shared.example'] },
  ]);
  const candidate = (c: Partial<IdentityCandidate> = {}): IdentityCandidate => ({
    source: 'zendesk',
    sourceId: '7',
    fields: {},
    domains: [],
    ...c,
  });
  const rules = [{ by: 'field' as const, field: 'external_id' }, { by: 'domain' as const }];

  it('takes the field first, when it holds an id', () => {
    expect(
      resolveAccountId(candidate({ fields: { external_id: ' X-1 ' }, domains: ['acme.example'] }), rules, directory),
    ).toEqual({ matched: true, accountId: 'X-1', by: 'field' });
    expect(resolveAccountId(candidate({ fields: { external_id: 42 } }), rules, directory)).toEqual({
      matched: true,
      accountId: '42',
      by: 'field',
    });
  });

  it('falls through a blank or missing field to the domain rule', () => {
    for (const fields of [{}, { external_id: '' }, { external_id: null }, { external_id: '   ' }]) {
      expect(resolveAccountId(candidate({ fields, domains: ['https://www.ACME.example/'] }), rules, directory)).toEqual(
        { matched: true, accountId: 'ACME', by: 'domain' },
      );
    }
  });

  it('tries every domain of the record, in order', () => {
    expect(
      resolveAccountId(candidate({ domains: ['gmail.com', 'initech.example', 'acme.example'] }), rules, directory),
    ).toMatchObject({ accountId: 'ACME' });
  });

  it('an ambiguous domain (two billing accounts) matches nothing: never guessed', () => {
    expect(directory.byDomain('shared.example')).toBeUndefined();
    expect(resolveAccountId(candidate({ domains: ['shared.example'] }), rules, directory)).toEqual({
      matched: false,
      accountId: 'zendesk:7',
    });
  });

  it('an unmatched record keeps <source>:<id>', () => {
    expect(
      resolveAccountId(
        candidate({ source: 'helpdesk', sourceId: '99', domains: ['initech.example'] }),
        rules,
        directory,
      ),
    ).toEqual({ matched: false, accountId: 'helpdesk:99' });
    expect(unmatchedAccountId('hubspot', '123')).toBe('hubspot:123');
  });

  it('only the rules configured are tried', () => {
    expect(
      resolveAccountId(
        candidate({ fields: { external_id: 'X' }, domains: ['acme.example'] }),
        [{ by: 'domain' }],
        directory,
      ),
    ).toMatchObject({ accountId: 'ACME', by: 'domain' });
    expect(
      resolveAccountId(candidate({ domains: ['acme.example'] }), [{ by: 'field', field: 'external_id' }], directory),
    ).toMatchObject({ matched: false });
    expect(resolveAccountId(candidate({ domains: ['acme.example'] }), rules, EMPTY_DIRECTORY)).toMatchObject({
      matched: false,
    });
  });

  it('the directory lists every billing account, with or without a domain', () => {
    expect(
      billingDirectory([
        { accountId: 'B', domains: [] },
        { accountId: 'A', domains: ['gmail.com'] },
      ]).accounts(),
    ).toEqual(['A', 'B']);
  });
});

describe('StoredAccountDirectory', () => {
  const state = (records: Record<string, string>, withList = true): SyncStateStore => ({
    get: async () => undefined,
    put: async () => {},
    ...(withList
      ? {
          list: async (source: string, prefix: string) =>
            Object.entries(records)
              .filter(([k]) => k.startsWith(`${source}|${prefix}`))
              .map(([k, value]) => ({ key: k.split('|')[1]!, value })),
        }
      : {}),
  });

  it('reads every billing source’s side records; a record that is not JSON is skipped', async () => {
    const d = new StoredAccountDirectory({
      syncState: state({
        'stripe|domains:cus_1': JSON.stringify({ accountId: 'A', domains: ['a.example'] }),
        'stripe|domains:cus_2': 'not json',
        'stripe-eu|domains:cus_9': JSON.stringify({ accountId: 'B', domains: ['b.example'] }),
        'other|domains:cus_3': JSON.stringify({ accountId: 'C', domains: ['c.example'] }),
      }),
      billingSources: ['stripe', 'stripe-eu'],
    });
    expect(() => d.byDomain('a.example')).toThrow(/load\(\)/);
    await d.load();
    expect(d.accounts()).toEqual(['A', 'B']);
    expect(d.byDomain('b.example')).toBe('B');
    expect(d.byDomain('c.example')).toBeUndefined();
  });

  it('no billing source, or a store that cannot list: an empty directory', async () => {
    const none = new StoredAccountDirectory({
      syncState: state({ 'stripe|domains:x': '{"accountId":"A","domains":["a.example"]}' }, false),
      billingSources: ['stripe'],
    });
    await none.load();
    expect(none.accounts()).toEqual([]);
  });
});

describe('an unmatched record downstream', () => {
  const base = (): Dataset => {
    const d = emptyDataset();
    d.accounts.push({ accountId: 'ACME', name: 'Acme' });
    d.subscriptions.push({
      lineId: 'L1',
      accountId: 'ACME',
      kind: 'recurring',
      arr: 120_000_00,
      startDate: '2025-01-01',
    });
    return d;
  };
  const withUnmatched = (): Dataset => {
    const d = base();
    d.renewals.push({
      renewalId: 'R1',
      accountId: 'hubspot:9',
      dueDate: '2026-11-20',
      arrUp: 50_000_00,
      status: 'renewed',
      closedDate: '2026-11-18',
      renewedArr: 60_000_00,
    });
    d.expansions.push({
      opportunityId: 'O1',
      accountId: 'hubspot:9',
      type: 'upsell',
      arr: 20_000_00,
      stage: 'won',
      closeDate: '2026-11-18',
    });
    d.tickets.push({ ticketId: 'T1', accountId: 'zendesk:3', openedDate: '2026-11-17', priority: 'p1' });
    return d;
  };

  it('is an "unknown account" warning and adds no ARR', () => {
    expect(Object.fromEntries(unknownAccounts(withUnmatched()))).toEqual({
      renewals: ['hubspot:9'],
      expansions: ['hubspot:9'],
      tickets: ['zendesk:3'],
    });
    const asOf = '2026-11-22';
    const without = computeKpis(base(), asOf, DEFAULT_KPI_SETTINGS);
    const withThem = computeKpis(withUnmatched(), asOf, DEFAULT_KPI_SETTINGS);
    expect(withThem.arrBridge).toEqual(without.arrBridge);
    expect(withThem.arrBridgeQtd).toEqual(without.arrBridgeQtd);
    expect(withThem.customers).toEqual(without.customers);
    expect(withThem.accounts.map((a) => [a.accountId, a.arr])).toEqual([['ACME', 120_000_00]]);
  });

  it('is counted in the data-quality footer of its source', () => {
    const q = dataQualityOf(
      [
        {
          subject: 'zendesk',
          status: 'succeeded',
          startedAt: '2026-11-23T03:00:00Z',
          finishedAt: '2026-11-23T03:01:00Z',
          counts: { written: 40, unmatched: 2 },
        },
        {
          subject: 'stripe',
          status: 'succeeded',
          startedAt: '2026-11-23T03:00:00Z',
          finishedAt: '2026-11-23T03:01:00Z',
          counts: { written: 10 },
        },
      ],
      'UTC',
    );
    expect(q.sources.map((s) => [s.source, s.unmatched])).toEqual([
      ['stripe', 0],
      ['zendesk', 2],
    ]);
  });
});
