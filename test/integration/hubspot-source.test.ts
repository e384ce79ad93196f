// The HubSpot connector against a loopback fake of HubSpot's CRM API: the fixture's contract rows,
// paging, 429 then success, refused tokens and scopes, the request budget, a record modified during
// a sync, archived records deleted, daily syncs from the data's high-water mark (never missing or
// duplicating a record across syncs), and search past its 10,000-result cap.
import { InMemorySyncState } from '../../functions/adapters/memory/sync-state';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSource, type ConnectDeps } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { HUBSPOT_STATE } from '../../functions/adapters/sources/hubspot/source';
import { ingestSource, type IngestSourceResult } from '../../functions/app/ingest-source';
import { parseConfig } from '../../functions/config';
import { entityKey, type EntityName, type EntityTypes } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { AccountDirectory } from '../../functions/domain/sources/account-identity';
import type { HubSpotSourceDefinition } from '../../functions/domain/sources/registry';
import type { SyncStateStore } from '../../functions/ports/sync-state';
import { configDoc } from '../support/config-doc';
import { FIXTURE_SOURCE, FIXTURE_TZ, HUBSPOT_FIXTURE_EXPECTED, hubspotFixture } from '../support/fake-hubspot/fixture';
import {
  FakeHubSpotPortal,
  startFakeHubSpot,
  type FakeHubSpot,
  type FakeHubSpotOptions,
} from '../../lib/local/fake-hubspot';

const TOKEN = 'pat-na1-pulse';
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

let fake: FakeHubSpot | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A clock the connector sleeps on and the fake stamps and limits by: waits cost no real time. */
function virtualClock(start = Date.parse('2026-11-30T09:00:00Z')) {
  const c = { t: start, slept: 0, now: () => c.t, sleep: async (ms: number) => void ((c.t += ms), (c.slept += ms)) };
  return c;
}

function definition(
  url: string,
  extra: Record<string, unknown> = {},
  source: Record<string, unknown> = {},
): HubSpotSourceDefinition {
  const config = parseConfig(
    configDoc({
      company: { name: 'T', timezone: FIXTURE_TZ },
      sources: [
        {
          ...FIXTURE_SOURCE,
          ...source,
          hubspot: { ...FIXTURE_SOURCE.hubspot, apiBase: url, baseDelayMs: 1, maxDelayMs: 5, ...extra },
        },
      ],
    }),
  );
  return config.sources[0] as HubSpotSourceDefinition;
}

/** The store as DynamoDB keeps it: one record per key, a later put replaces, a delete removes. */
class KeyedStore {
  readonly data = new Map<EntityName, Map<string, unknown>>();
  async putRecords<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]) {
    const m = this.data.get(entity) ?? new Map();
    for (const r of records) m.set((entityKey[entity] as (r: EntityTypes[K]) => string)(r), r);
    this.data.set(entity, m);
  }
  async deleteRecords<K extends EntityName>(entity: K, records: readonly Partial<EntityTypes[K]>[]) {
    const m = this.data.get(entity) ?? new Map();
    for (const r of records) m.delete((entityKey[entity] as unknown as (r: Partial<EntityTypes[K]>) => string)(r));
  }
  ids(entity: EntityName): string[] {
    return [...(this.data.get(entity)?.keys() ?? [])].sort();
  }
  get<T>(entity: EntityName, id: string): T | undefined {
    return this.data.get(entity)?.get(id) as T | undefined;
  }
}

interface Harness {
  def: HubSpotSourceDefinition;
  clock: ReturnType<typeof virtualClock>;
  state?: SyncStateStore;
  directory?: AccountDirectory;
  env?: Record<string, string>;
}

function deps(h: Harness): ConnectDeps {
  return {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets({}),
    timeZone: FIXTURE_TZ,
    env: h.env ?? { HUBSPOT_TOKEN: TOKEN },
    ...(h.state ? { syncState: h.state } : {}),
    ...(h.directory ? { accountDirectory: h.directory } : {}),
    hubspot: { now: h.clock.now, sleep: h.clock.sleep, random: () => 0.5 },
  };
}

/** Everything the source yields, as contract columns (an export), with its rejects. */
async function exportRows(h: Harness) {
  const rows: Partial<Record<EntityName, Record<string, unknown>[]>> = {};
  const result = await ingestSource(
    connectSource(h.def, deps(h), { full: true, readOnly: true }),
    { store: { putRecords: async () => {}, deleteRecords: async () => {} }, validator },
    {
      sourceName: h.def.name,
      entities: h.def.entities,
      timeZone: FIXTURE_TZ,
      weekStartsOn: 1,
      dryRun: true,
      onValidRow: (e, f) => void (rows[e] ??= []).push({ ...f }),
    },
  );
  return { rows, result };
}

function sync(
  h: Harness & { state: SyncStateStore },
  store: KeyedStore,
  opts: { full?: boolean } = {},
): Promise<IngestSourceResult> {
  return ingestSource(
    connectSource(h.def, deps(h), opts.full ? { full: true } : {}),
    { store, validator },
    { sourceName: h.def.name, entities: h.def.entities, timeZone: FIXTURE_TZ, weekStartsOn: 1 },
  );
}

async function serve(portal: FakeHubSpotPortal, opts: FakeHubSpotOptions = {}) {
  fake = await startFakeHubSpot(portal, opts);
  return fake;
}

const sortBy = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a[key]).localeCompare(String(b[key]));

describe('HubSpot connector: what it makes of a portal', () => {
  it('yields the rows a hand check of the fixture expects, and rejects the deal with no company by name', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now));
    const { rows, result } = await exportRows({ def: definition(f.url), clock });
    expect(result.status).toBe('succeeded');
    expect(rows.accounts!.sort(sortBy('account_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.accounts);
    expect(rows.renewals!.sort(sortBy('renewal_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.renewals);
    expect(rows.expansions!.sort(sortBy('opportunity_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.expansions);
    expect(result.summary.rejects.map((r) => r.reason)).toEqual(HUBSPOT_FIXTURE_EXPECTED.rejects);
    // Read-only: no search probe, nothing but lists, owners and associations.
    expect(f.requests.filter((r) => r.path.endsWith('/search'))).toEqual([]);
  });

  it('a company matched by its domain takes the billing account id (without a directory: hubspot:<id>)', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now));
    const directory: AccountDirectory = { byDomain: (d) => (d === 'globex.example' ? 'cus_globex' : undefined) };
    const { rows } = await exportRows({ def: definition(f.url), clock, directory });
    expect(rows.accounts!.map((a) => a.account_id).sort()).toEqual(['acme', 'cus_globex', 'initech']);
    expect(rows.expansions!.find((e) => e.opportunity_id === 'hubspot:14')!.account_id).toBe('cus_globex');
  });

  it('reads every page of a list (after paging, 100 a page)', async () => {
    const clock = virtualClock();
    const portal = new FakeHubSpotPortal(clock.now);
    for (let i = 1; i <= 250; i++)
      portal.add('companies', { name: `Company ${i}`, pulse_account_id: `acc-${i}` }, String(i));
    const f = await serve(portal);
    const { rows } = await exportRows({ def: definition(f.url, {}, { entities: ['accounts'] }), clock });
    expect(rows.accounts!.length).toBe(250);
    const lists = f.requests.filter(
      (r) => r.method === 'GET' && r.path === '/crm/v3/objects/companies' && r.query.archived !== 'true',
    );
    expect(lists.map((r) => r.query.after ?? '')).toEqual(['', '101', '201']);
  });
});

describe('HubSpot connector: failures', () => {
  it('a 429 (HubSpot policy, no Retry-After) waits out the interval and the page succeeds', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now), {
      faults: [{ match: /^GET \/crm\/v3\/objects\/deals$/, status: 429, times: 2 }],
    });
    const { rows, result } = await exportRows({ def: definition(f.url), clock });
    expect(result.status).toBe('succeeded');
    expect(rows.renewals!.length).toBe(4);
    const deals = f.requests.filter((r) => r.path === '/crm/v3/objects/deals' && r.query.archived !== 'true');
    expect(deals.map((r) => r.status)).toEqual([429, 429, 200]);
    // X-HubSpot-RateLimit-Interval-Milliseconds: 10000, twice.
    expect(clock.slept).toBeGreaterThanOrEqual(20_000);
  });

  it('a refused token is one clear message naming where the token came from', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now));
    const { result } = await exportRows({
      def: definition(f.url),
      clock,
      env: { HUBSPOT_TOKEN: 'pat-na1-revoked' },
    }).catch((e: Error) => ({ result: e }));
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(
      /^HubSpot at http:\/\/127\.0\.0\.1:\d+ refused the token from the environment variable HUBSPOT_TOKEN \(401 /,
    );
    expect((result as Error).message).toMatch(/\(401 INVALID_AUTHENTICATION: Authentication credentials not found/);
  });

  it('no token at all says how to give one', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now));
    await expect(exportRows({ def: definition(f.url), clock, env: {} })).rejects.toThrow(
      /no HubSpot token \(locally: export HUBSPOT_TOKEN=/,
    );
  });

  it('a missing scope names the scope the private app needs', async () => {
    const clock = virtualClock();
    const f = await serve(hubspotFixture(clock.now), { missingScopes: ['crm.objects.deals.read'] });
    const { result } = await exportRows({ def: definition(f.url), clock });
    expect(result.status).toBe('failed');
    const failed = result.files.find((x) => x.entity === 'renewals')!;
    expect(failed.error).toMatch(/403 MISSING_SCOPES.*the private app needs the scope crm\.objects\.deals\.read/);
  });

  it('stays inside the request budget: no 429 from a portal that enforces it; the waits are the budget', async () => {
    const clock = virtualClock();
    const portal = new FakeHubSpotPortal(clock.now);
    for (let i = 1; i <= 1_500; i++)
      portal.add('companies', { name: `C${i}`, pulse_account_id: `acc-${i}` }, String(i));
    const f = await serve(portal, { budgetPer10Seconds: 5 });
    const { rows, result } = await exportRows({
      def: definition(f.url, { requestsPer10Seconds: 5 }, { entities: ['accounts'] }),
      clock,
    });
    expect(result.status).toBe('succeeded');
    expect(rows.accounts!.length).toBe(1_500);
    expect(f.requests.filter((r) => r.status === 429)).toEqual([]);
    // 15 list pages + owners (2) = 17 requests (an export reads no archived list) at 5 per 10 s: 30 s of waiting.
    expect(f.requests.length).toBe(17);
    expect(clock.slept).toBeGreaterThanOrEqual(30_000);
  });
});

describe('HubSpot connector: daily syncs', () => {
  it('a first sync is a full scan; the next reads only what changed, from the marks the data gave', async () => {
    const clock = virtualClock();
    const portal = hubspotFixture(clock.now);
    const f = await serve(portal);
    const state = new InMemorySyncState();
    const store = new KeyedStore();
    const h = { def: definition(f.url), clock, state };
    const first = await sync(h, store);
    expect(first.status).toBe('succeeded');
    expect(first.summary.rejects.map((r) => r.reason)).toEqual(HUBSPOT_FIXTURE_EXPECTED.rejects);
    expect(first.files.map((x) => x.outcome)).toEqual(['processed', 'processed', 'processed']);
    expect(store.ids('accounts')).toEqual(['acme', 'hubspot:2', 'initech']);
    expect(store.ids('renewals')).toEqual(['hubspot:10', 'hubspot:11', 'hubspot:12', 'hubspot:17']);
    expect(store.ids('expansions')).toEqual(['hubspot:13', 'hubspot:14']);
    const newestDeal = Math.max(
      ...[...portal.objects.deals.values()]
        .filter((d) => !d.archived)
        .map((d) => Date.parse(d.properties.hs_lastmodifieddate!)),
    );
    expect(state.values.get(`hubspot|${HUBSPOT_STATE.deals}`)).toBe(String(newestDeal));

    // A day later: Acme's upsell is won, Initech moves to SMB, a new Globex renewal, deal 11 is archived,
    // and deal 12 becomes an expansion (its renewal record goes).
    clock.t += 86_400_000;
    portal.update('deals', '13', { dealstage: 'closedwon' });
    portal.update('companies', '3', { segment: 'SMB' });
    portal.addDeal(
      {
        dealname: 'Globex renewal 2027',
        dealtype: 'renewal',
        dealstage: 'contractsent',
        amount: '9900',
        closedate: '2027-06-30T12:00:00Z',
      },
      ['2'],
      '19',
    );
    portal.archive('deals', '11');
    portal.update('deals', '12', { dealtype: 'existingbusiness' });
    f.requests.length = 0;
    const second = await sync(h, store);
    expect(second.files.map((x) => x.outcome)).toEqual(['processed', 'processed', 'processed']);
    expect(
      f.requests.filter(
        (r) => r.method === 'GET' && r.path.startsWith('/crm/v3/objects/') && r.query.archived !== 'true',
      ),
    ).toEqual([]); // no full list
    expect(store.ids('renewals')).toEqual(['hubspot:10', 'hubspot:17', 'hubspot:19']);
    expect(store.ids('expansions')).toEqual(['hubspot:12', 'hubspot:13', 'hubspot:14']);
    expect(store.get<{ stage: string }>('expansions', 'hubspot:13')!.stage).toBe('won');
    expect(store.get<{ segment: string }>('accounts', 'initech')!.segment).toBe('SMB');
  });

  it('a company matched at last moves its deals to the billing account and its hubspot:<id> account goes', async () => {
    const clock = virtualClock();
    const portal = hubspotFixture(clock.now);
    const f = await serve(portal);
    const state = new InMemorySyncState();
    const store = new KeyedStore();
    const h = { def: definition(f.url), clock, state };
    await sync(h, store);
    clock.t += 86_400_000;
    portal.update('companies', '2', { pulse_account_id: 'globex' });
    await sync(h, store);
    expect(store.ids('accounts')).toEqual(['acme', 'globex', 'initech']);
    expect(store.get<{ accountId: string }>('expansions', 'hubspot:14')!.accountId).toBe('globex');
    expect(store.get<{ accountId: string }>('renewals', 'hubspot:17')!.accountId).toBe('globex');
  });

  it('an archived company deletes its unmatched account; after the interval a full scan reads all again', async () => {
    const clock = virtualClock();
    const portal = hubspotFixture(clock.now);
    const f = await serve(portal);
    const state = new InMemorySyncState();
    const store = new KeyedStore();
    const h = { def: definition(f.url, { fullScanEveryDays: 7 }), clock, state };
    await sync(h, store);
    clock.t += 86_400_000;
    portal.archive('companies', '2');
    await sync(h, store);
    expect(store.ids('accounts')).toEqual(['acme', 'initech']);
    clock.t += 7 * 86_400_000;
    f.requests.length = 0;
    const full = await sync(h, store);
    expect(full.files[0]!.name).toMatch(/full scan; the last full scan was/);
    expect(
      f.requests.some(
        (r) => r.method === 'GET' && r.path === '/crm/v3/objects/companies' && r.query.archived !== 'true',
      ),
    ).toBe(true);
  });

  it('a record modified during the sync is read in its newest version, in this sync or the next', async () => {
    const clock = virtualClock();
    const portal = hubspotFixture(clock.now);
    let modify = false;
    const f = await serve(portal, {
      onRequest: (_n, method, path) => {
        if (modify && method === 'POST' && path === '/crm/v3/objects/companies/search') {
          modify = false;
          portal.update('companies', '1', { segment: 'Strategic' });
        }
      },
    });
    const state = new InMemorySyncState();
    const store = new KeyedStore();
    const h = { def: definition(f.url), clock, state };
    await sync(h, store);
    clock.t += 86_400_000;
    portal.update('companies', '3', { name: 'Initech GmbH' });
    modify = true;
    await sync(h, store);
    clock.t += 60_000;
    await sync(h, store);
    expect(store.get<{ segment: string }>('accounts', 'acme')!.segment).toBe('Strategic');
    expect(store.get<{ name: string }>('accounts', 'initech')!.name).toBe('Initech GmbH');
  });

  it('search past its 10,000-result cap and through a bulk import of one millisecond: every change once', async () => {
    const clock = virtualClock();
    const portal = new FakeHubSpotPortal(clock.now);
    const f = await serve(portal);
    const state = new InMemorySyncState();
    const store = new KeyedStore();
    const h = { def: definition(f.url, {}, { entities: ['accounts'] }), clock, state };
    portal.add('companies', { name: 'First', pulse_account_id: 'first' }, '1');
    await sync(h, store);
    clock.t += 86_400_000;
    for (let i = 2; i <= 10_300; i++)
      portal.add('companies', { name: `C${i}`, pulse_account_id: `acc-${i}` }, String(i));
    // 450 companies stamped in the same millisecond.
    const bulk = new Date(clock.t + 5_000).toISOString();
    for (let i = 2; i <= 451; i++) {
      const c = portal.objects.companies.get(String(i))!;
      c.properties.hs_lastmodifieddate = bulk;
    }
    f.requests.length = 0;
    const r = await sync(h, store);
    expect(r.status).toBe('succeeded');
    expect(store.ids('accounts').length).toBe(10_300);
    expect(f.requests.filter((x) => x.status !== 200)).toEqual([]);
    const searches = f.requests.filter((x) => x.path.endsWith('/search'));
    expect(searches.every((x) => (x.body as { after?: unknown }).after === undefined)).toBe(true);
    // Each change once (the re-read page boundaries are not yielded again), and "First" again: it
    // changed within the overlap before the mark.
    expect(r.summary.counts.accounts.rows).toBe(10_300);
  }, 60_000);

  it('property: with changes before, between and during syncs, the store ends equal to the portal', async () => {
    const clock = virtualClock();
    const portal = new FakeHubSpotPortal(clock.now);
    const pending: (() => void)[] = [];
    const f = await serve(portal, { onRequest: () => pending.shift()?.() });
    const change = fc.oneof(
      fc.record({ kind: fc.constant('add' as const) }),
      fc.record({ kind: fc.constant('rename' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('archive' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('same-ms' as const), count: fc.integer({ min: 1, max: 5 }) }),
    );
    const scenario = fc.array(
      fc.record({
        before: fc.array(change, { maxLength: 8 }),
        during: fc.array(change, { maxLength: 3 }),
        gapMs: fc.integer({ min: 1, max: 3_600_000 }),
      }),
      {
        minLength: 1,
        maxLength: 4,
      },
    );
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (syncs) => {
        portal.objects.companies.clear();
        const state = new InMemorySyncState();
        const store = new KeyedStore();
        const h = { def: definition(f.url, { overlapMinutes: 1 }, { entities: ['accounts'] }), clock, state };
        const live = () => [...portal.objects.companies.values()].filter((c) => !c.archived);
        // Companies that match no account: an archived one's hubspot:<id> account is deleted.
        const apply = (c: { kind: string; pick?: number; count?: number }) => {
          const alive = live();
          if (c.kind === 'add' || alive.length === 0) portal.add('companies', { name: `n${seq++}` });
          else if (c.kind === 'rename')
            portal.update('companies', alive[c.pick! % alive.length]!.id, { name: `r${seq++}` });
          else if (c.kind === 'archive') portal.archive('companies', alive[c.pick! % alive.length]!.id);
          else {
            const at = new Date(clock.t).toISOString();
            for (let i = 0; i < c.count!; i++)
              portal.add('companies', { name: `b${seq++}` }).properties.hs_lastmodifieddate = at;
          }
        };
        for (const s of syncs) {
          clock.t += s.gapMs;
          s.before.forEach(apply);
          pending.push(...s.during.map((c) => () => apply(c)));
          await sync(h, store);
          pending.length = 0;
        }
        // One more quiet sync picks up what changed while the last one ran.
        clock.t += 60_000;
        await sync(h, store);
        const truth = live()
          .map((c) => [`hubspot:${c.id}`, c.properties.name!] as const)
          .sort((a, b) => a[0].localeCompare(b[0]));
        const stored = store
          .ids('accounts')
          .map((id) => [id, store.get<{ name: string }>('accounts', id)!.name] as const);
        expect(stored).toEqual(truth);
      }),
      { numRuns: 25, seed: 18 },
    );
  }, 120_000);
});
