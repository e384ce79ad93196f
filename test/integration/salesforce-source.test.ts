// The Salesforce connector against a loopback fake of Salesforce's REST API: every mapping rule
// (renewal vs expansion by Type and record type, stages, identity by field, website and none),
// nextRecordsUrl paging, both OAuth flows, a spent API quota, a refused token, a record modified
// during a sync, deletes, and daily syncs from the data's own high-water mark.
import { InMemorySyncState } from '../../functions/adapters/memory/sync-state';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractCsvFiles } from '../../functions/adapters/files/contract-csv-files';
import { connectSource, type ConnectDeps } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { exportSource } from '../../functions/app/export-source';
import { ingestSource } from '../../functions/app/ingest-source';
import { SourceError } from '../../functions/ports/source-error';
import { parseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { EntityName, EntityTypes } from '../../functions/domain/contract/entities';
import type { SalesforceSourceDefinition } from '../../functions/domain/sources/registry';
import type { SyncStateStore } from '../../functions/ports/sync-state';
import { configDoc } from '../support/config-doc';
import { DIRECTORY, EXPECTED, salesforceOrg, SETTINGS, TZ } from '../support/fake-salesforce/fixture';
import {
  sfDateTime,
  startFakeSalesforce,
  type FakeSalesforce,
  type FakeSalesforceOptions,
} from '../../lib/local/fake-salesforce';

const TOKEN = '00Dfake!token';
const ENTITIES: EntityName[] = ['accounts', 'renewals', 'expansions'];
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
const ingestOptions = { sourceName: 'salesforce', entities: ENTITIES, timeZone: TZ, weekStartsOn: 1 as const };

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(opts: FakeSalesforceOptions = {}) {
  fake = await startFakeSalesforce({ records: salesforceOrg(), ...opts });
  return fake;
}

function definition(url: string, extra: Record<string, unknown> = {}): SalesforceSourceDefinition {
  const config = parseConfig(
    configDoc({
      company: { name: 'T', timezone: TZ, currency: 'USD' },
      sources: [
        {
          name: 'salesforce',
          connector: 'salesforce',
          salesforce: { instanceUrl: url, baseDelayMs: 1, maxDelayMs: 5, ...SETTINGS, ...extra },
        },
      ],
    }),
  );
  return config.sources[0] as SalesforceSourceDefinition;
}

function deps(
  opts: { state?: SyncStateStore; env?: Record<string, string>; secrets?: Record<string, string> } = {},
): ConnectDeps {
  return {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets(opts.secrets ?? {}),
    timeZone: TZ,
    env: opts.env ?? { SALESFORCE_TOKEN: TOKEN },
    accountDirectory: DIRECTORY,
    ...(opts.state ? { syncState: opts.state } : {}),
    salesforce: { sleep: async () => {} },
  };
}

async function exportTo(def: SalesforceSourceDefinition, d: ConnectDeps = deps()) {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-salesforce-export-'));
  const result = await exportSource(
    connectSource(def, d, { full: true, readOnly: true }),
    { validator, files: new ContractCsvFiles(dir, def.entities) },
    ingestOptions,
  );
  const read = (f: string) => parse(readFileSync(join(dir, f), 'utf8'), { columns: true }) as Record<string, string>[];
  return { result, accounts: read('accounts.csv'), renewals: read('renewals.csv'), expansions: read('expansions.csv') };
}

/** The contract files' columns a test compares (currency is empty throughout). */
const withoutCurrency = (rows: Record<string, string>[]) => rows.map(({ currency: _, ...r }) => r);

/** A store of accounts, renewals and expansions by id. */
class MemoryRecords {
  readonly data = {
    accounts: new Map<string, unknown>(),
    renewals: new Map<string, unknown>(),
    expansions: new Map<string, unknown>(),
  };
  private key(entity: EntityName, r: Record<string, unknown>): string {
    return String(entity === 'accounts' ? r.accountId : entity === 'renewals' ? r.renewalId : r.opportunityId);
  }
  async putRecords<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]) {
    for (const r of records)
      this.data[entity as 'accounts'].set(this.key(entity, r as unknown as Record<string, unknown>), r);
  }
  async deleteRecords<K extends EntityName>(entity: K, records: readonly Partial<EntityTypes[K]>[]) {
    for (const r of records)
      this.data[entity as 'accounts'].delete(this.key(entity, r as unknown as Record<string, unknown>));
  }
  ids(entity: 'accounts' | 'renewals' | 'expansions'): string[] {
    return [...this.data[entity].keys()].sort();
  }
}

describe('mapping', () => {
  it('exports accounts, renewals and expansions by every rule a hand check of the org expects', async () => {
    const server = await serve();
    const { result, accounts, renewals, expansions } = await exportTo(definition(server.url));
    expect(result.summary.rejects).toEqual([]);
    expect(result.status).toBe('succeeded');
    expect(accounts).toEqual(EXPECTED.accounts);
    expect(withoutCurrency(renewals)).toEqual(EXPECTED.renewals);
    expect(withoutCurrency(expansions)).toEqual(EXPECTED.expansions);
    // One read of the Opportunities serves both entities; nothing deleted is asked for in an export.
    const soql = server.requests.map((r) => r.soql).filter(Boolean);
    expect(soql).toHaveLength(2);
    expect(soql[1]).toMatch(
      /^SELECT Id, AccountId, Account\.Website, Account\.Pulse_Account_Id__c, Type, RecordType\.DeveloperName, StageName, IsClosed, IsWon, CloseDate, CreatedDate, SystemModstamp, Amount FROM Opportunity ORDER BY SystemModstamp, Id$/,
    );
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('without record types configured, Type alone decides (a renewal record type with Type "New Customer" is neither)', async () => {
    const server = await serve();
    const { renewals } = await exportTo(definition(server.url, { renewalRecordTypes: [] }));
    expect(renewals.map((r) => r.renewal_id)).toEqual(['006R1', '006R2', '006R3']);
    expect(server.requests.find((r) => r.soql?.includes('FROM Opportunity'))?.soql).not.toMatch(/RecordType/);
  });

  it('without a stage mapping, a stage that is not closed is open; configured fields and identity rules are read', async () => {
    const server = await serve();
    server.records.Account![0]!.Pulse_Account_Id__c = null;
    const { expansions, accounts } = await exportTo(definition(server.url, { stages: {} }));
    expect(expansions.find((e) => e.opportunity_id === '006E3')?.stage).toBe('open');
    // Acme lost its Pulse id and billing does not know acme.example: it keeps its Salesforce id.
    expect(accounts[0]?.account_id).toBe('salesforce:001A');
    expect(expansions.find((e) => e.opportunity_id === '006E1')?.account_id).toBe('salesforce:001A');
  });

  it('an Opportunity without an Account is a rejected row naming it, never dropped', async () => {
    const server = await serve();
    server.records.Opportunity!.push({ ...server.records.Opportunity![0]!, Id: '006P1', AccountId: null });
    const { result, renewals } = await exportTo(definition(server.url));
    expect(renewals.map((r) => r.renewal_id)).not.toContain('006P1');
    expect(result.summary.rejects).toHaveLength(1);
    expect(result.summary.rejects[0]).toMatchObject({
      file: expect.stringMatching(/^Salesforce Opportunities -> renewals/),
      field: 'account_id',
      reason: 'Opportunity 006P1 has no Account',
    });
  });

  it('an Account field the org lacks is one clear error naming it', async () => {
    const server = await serve();
    const def = definition(server.url, { segmentField: 'Tier__c' });
    const run = exportTo(def);
    await expect(run).rejects.toMatchObject({ name: 'SourceError', code: 'BAD_QUERY', errorCode: 'INVALID_FIELD' });
    await expect(run).rejects.toBeInstanceOf(SourceError);
    await expect(run).rejects.toThrow(
      /refused a query \(400 INVALID_FIELD: No such column 'Tier__c' on entity 'Account'\.\)/,
    );
  });
});

describe('paging and the API', () => {
  it('follows nextRecordsUrl page by page and reads the same rows', async () => {
    const server = await serve({ batchSize: 2 });
    const { accounts, renewals, expansions } = await exportTo(definition(server.url));
    expect(accounts).toHaveLength(3);
    expect(renewals).toHaveLength(4);
    expect(expansions).toHaveLength(3);
    const more = server.requests.filter((r) => /\/query\/01gFAKE\d+-\d+$/.test(r.path));
    // Accounts: 3 records = 2 pages; Opportunities: 8 live records = 4 pages.
    expect(more).toHaveLength(1 + 3);
    expect(more[0]?.path).toMatch(/^\/services\/data\/v62\.0\/query\/01gFAKE\d+-2$/);
  });

  it('a 503 (Salesforce busy) is retried with backoff, and the page is read once it answers', async () => {
    const server = await serve({ faults: [{ method: 'GET', path: '/query', status: 503, times: 2 }] });
    const { accounts, renewals } = await exportTo(definition(server.url));
    expect(accounts).toHaveLength(3);
    expect(renewals).toHaveLength(4);
    expect(server.requests.map((r) => r.status).slice(0, 3)).toEqual([503, 503, 200]);
  });

  it('a spent daily quota (403 REQUEST_LIMIT_EXCEEDED) ends the run with a clear message, without a retry', async () => {
    const server = await serve({ batchSize: 2, apiLimit: { max: 14_000, used: 13_997 } });
    const def = definition(server.url);
    const source = connectSource(def, deps(), { full: true, readOnly: true });
    const run = ingestSource(source, { store: new MemoryRecords(), validator }, { ...ingestOptions, dryRun: true });
    await expect(run).rejects.toThrow(
      /^Salesforce at http:\/\/127\.0\.0\.1:\d+: the org's API request limit is used up \(403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded\.; last API usage 14000\/14000 in the last 24 h\)\. Pulse stops here and does not retry/,
    );
    const refused = server.requests.filter((r) => r.status === 403);
    expect(refused).toHaveLength(1);
    expect(server.requests[server.requests.length - 1]!.status).toBe(403);
    expect(server.requests).toHaveLength(4);
  });

  it('reports the API usage Salesforce counts and the unmatched Accounts: file names, settle note, source counts', async () => {
    const server = await serve({ apiLimit: { max: 15_000, used: 120 } });
    const state = new InMemorySyncState();
    const result = await ingestSource(
      connectSource(definition(server.url), deps({ state })),
      { store: new MemoryRecords(), validator },
      ingestOptions,
    );
    expect(result.files.map((f) => f.name)).toEqual([
      'Salesforce Accounts (all records)',
      'Salesforce Opportunities -> renewals (all records; API usage 121/15000 in the last 24 h)',
      'Salesforce Opportunities -> expansions (all records; API usage 122/15000 in the last 24 h)',
    ]);
    expect(result.files[0]?.settledTo).toBeUndefined();
    expect(result.files[2]?.settledTo).toBe(
      'Account synced up to SystemModstamp 2026-11-01T12:00:00.000Z, Opportunity synced up to SystemModstamp 2026-11-02T10:00:00.000Z; API usage 122/15000 in the last 24 h',
    );
    // Initech matches no account (Globex does, by its website); counted in the run ledger.
    expect(result.sourceCounts).toEqual({ unmatched: 1, apiRequests: 2, apiUsage: 122, apiLimit: 15000 });
  });

  it('a refused access token (401 INVALID_SESSION_ID) is a clear auth message, not retried', async () => {
    const server = await serve();
    const run = exportTo(definition(server.url), deps({ env: { SALESFORCE_TOKEN: 'expired' } }));
    await expect(run).rejects.toThrow(
      /^Salesforce at http:\/\/127\.0\.0\.1:\d+ refused the access token from the environment variable SALESFORCE_TOKEN \(401 INVALID_SESSION_ID: Session expired or invalid\): get a new access token/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('no credentials at all says how to give them', async () => {
    const server = await serve();
    await expect(exportTo(definition(server.url), deps({ env: {} }))).rejects.toThrow(
      /^source "salesforce": no Salesforce credentials \(locally: export SALESFORCE_TOKEN=<access token>; in AWS: set salesforce\.auth/,
    );
  });
});

describe('OAuth', () => {
  const secretName = 'pulse/salesforce';
  const secretEnv = 'PULSE_SECRET_PULSE_SALESFORCE';

  it('client credentials: signs in with the secret, uses the token it gets, and renews it once when it expires', async () => {
    const server = await serve({ clients: { '3MVG-pulse': 's3cret' }, batchSize: 2 });
    let revoked = false;
    server.onPage = () => {
      if (!revoked) {
        revoked = true;
        server.revokeTokens();
      }
    };
    const def = definition(server.url, { auth: { flow: 'client-credentials', secretName } });
    const { accounts } = await exportTo(
      def,
      deps({ env: {}, secrets: { [secretEnv]: JSON.stringify({ clientId: '3MVG-pulse', clientSecret: 's3cret' }) } }),
    );
    expect(accounts).toHaveLength(3);
    expect(server.issued).toHaveLength(2);
    const tokenCalls = server.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(tokenCalls).toHaveLength(2);
    expect(server.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it("client credentials: a wrong secret is the token endpoint's own words", async () => {
    const server = await serve({ clients: { '3MVG-pulse': 's3cret' } });
    const def = definition(server.url, { auth: { flow: 'client-credentials', secretName } });
    await expect(
      exportTo(
        def,
        deps({ env: {}, secrets: { [secretEnv]: JSON.stringify({ clientId: '3MVG-pulse', clientSecret: 'nope' }) } }),
      ),
    ).rejects.toThrow(
      /token endpoint http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/token refused the client-credentials sign-in with the secret "pulse\/salesforce" \(invalid_client: invalid client credentials\)/,
    );
  });

  it('JWT bearer: an RS256 assertion signed with the private key from the secret; a user not pre-authorised is refused', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const server = await serve({
      jwt: {
        publicKeyPem,
        clientId: '3MVG-jwt',
        usernames: ['pulse@northwind.example'],
        audience: 'https://login.salesforce.com',
      },
    });
    const auth = { flow: 'jwt-bearer', clientId: '3MVG-jwt', username: 'pulse@northwind.example', secretName };
    const { renewals } = await exportTo(
      definition(server.url, { auth }),
      deps({ env: {}, secrets: { [secretEnv]: pem } }),
    );
    expect(renewals).toHaveLength(4);
    expect(server.issued).toHaveLength(1);

    const other = definition(server.url, { auth: { ...auth, username: 'someone@northwind.example' } });
    await expect(
      exportTo(other, deps({ env: {}, secrets: { [secretEnv]: JSON.stringify({ privateKey: pem }) } })),
    ).rejects.toThrow(/refused the jwt-bearer sign-in .*\(invalid_grant: user hasn't approved this consumer\)/);
  });
});

describe('daily syncs', () => {
  it('reads from the newest SystemModstamp seen minus the overlap, picks up a record modified during the sync, and applies deletes', async () => {
    let clock = Date.parse('2026-12-01T12:00:00Z');
    const server = await serve({ batchSize: 3, now: () => clock });
    const state = new InMemorySyncState();
    const store = new MemoryRecords();
    const def = definition(server.url);
    const sync = () => ingestSource(connectSource(def, deps({ state })), { store, validator }, ingestOptions);

    // During the first sync, after the first page of Opportunities, 006R1 (already served) changes.
    let pages = 0;
    server.onPage = () => {
      if (++pages === 3) server.update('Opportunity', '006R1', { Amount: 125000 });
    };
    const first = await sync();
    expect(first.status).toBe('succeeded');
    expect(store.ids('renewals')).toEqual(['006R1', '006R2', '006R3', '006R4']);
    expect(store.data.renewals.get('006R1')).toMatchObject({ arrUp: 12_000_000 });
    server.onPage = undefined;
    // The mark is the newest SystemModstamp the sync saw (006R1 as it was served), so the change made
    // during the sync is read again next time.
    expect(state.values.get('salesforce|hwm:Opportunity')).toBe('2026-11-02T10:00:00.000Z');
    expect(state.values.get('salesforce|hwm:Account')).toBe('2026-11-01T12:00:00.000Z');

    // The next day: an expansion grows, a renewal is deleted, Initech gets its Pulse id, a new
    // business deal becomes a renewal and an upgrade is recast as a renewal.
    clock = Date.parse('2026-12-02T09:00:00Z');
    server.update('Opportunity', '006E1', { Amount: 30000 });
    server.remove('Opportunity', '006R3');
    server.update('Account', '001C', { Pulse_Account_Id__c: 'initech' });
    server.update('Opportunity', '006N1', { Type: 'Renewal' });
    server.update('Opportunity', '006E3', { Type: 'Renewal' });
    server.requests.length = 0;
    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect(second.summary.rejects).toEqual([]);

    const soql = server.requests.map((r) => r.soql).filter(Boolean);
    expect(soql).toContain(
      'SELECT Id, Name, Website, OwnerId, Owner.Email, CreatedDate, SystemModstamp, Pulse_Account_Id__c, Segment__c, BillingCountry FROM Account WHERE SystemModstamp >= 2026-11-01T11:50:00Z ORDER BY SystemModstamp, Id',
    );
    expect(soql).toContain(
      'SELECT Id, SystemModstamp FROM Opportunity WHERE SystemModstamp >= 2026-11-02T09:50:00Z AND IsDeleted = true ORDER BY SystemModstamp, Id',
    );
    expect(server.requests.filter((r) => r.path.endsWith('/queryAll'))).toHaveLength(2);

    expect(store.ids('accounts')).toEqual(['acme', 'globex', 'initech']);
    expect(store.ids('renewals')).toEqual(['006E3', '006N1', '006R1', '006R2', '006R4']);
    expect(store.ids('expansions')).toEqual(['006E1', '006E2']);
    expect(store.data.renewals.get('006R1')).toMatchObject({ arrUp: 12_500_000 });
    expect(store.data.renewals.get('006R4')).toMatchObject({ accountId: 'initech' });
    expect(store.data.expansions.get('006E1')).toMatchObject({ arr: 3_000_000 });

    // A third sync with nothing new changes nothing.
    const before = JSON.stringify([...store.data.renewals.entries()]);
    const third = await sync();
    expect(third.status).toBe('succeeded');
    expect(JSON.stringify([...store.data.renewals.entries()])).toBe(before);
    expect(store.ids('accounts')).toEqual(['acme', 'globex', 'initech']);
  });

  it('a first sync short of time stops between pages and the next run continues from its marks', async () => {
    const server = await serve({ batchSize: 2 });
    const state = new InMemorySyncState();
    const store = new MemoryRecords();
    let msLeft = 30_000;
    const sync = () =>
      ingestSource(
        connectSource(definition(server.url), deps({ state }), { remainingMs: () => msLeft }),
        { store, validator },
        ingestOptions,
      );
    const first = await sync();
    expect(first.continues).toBe(true);
    expect(first.files.map((f) => f.entity)).toEqual(['accounts']);
    expect(store.ids('accounts')).toEqual(['acme', 'globex']);
    expect(state.values.get('salesforce|hwm:Account')).toBe('2026-11-01T11:00:00.000Z');
    expect(state.values.get('salesforce|hwm:Opportunity')).toBeUndefined();

    msLeft = 600_000;
    const second = await sync();
    expect(second.continues).toBeUndefined();
    expect(store.ids('accounts')).toEqual(['acme', 'globex', 'salesforce:001C']);
    expect(store.ids('renewals')).toEqual(['006R1', '006R2', '006R3', '006R4']);
    expect(store.ids('expansions')).toEqual(['006E1', '006E2', '006E3']);
  });

  it('a run that fails before its Opportunities are stored keeps the Account mark, so a changed Account is seen again', async () => {
    let clock = Date.parse('2026-12-01T12:00:00Z');
    const server = await serve({ now: () => clock });
    const state = new InMemorySyncState();
    const store = new MemoryRecords();
    const sync = () =>
      ingestSource(connectSource(definition(server.url), deps({ state })), { store, validator }, ingestOptions);
    await sync();
    const mark = state.values.get('salesforce|hwm:Account');
    clock += 3_600_000;
    server.update('Account', '001C', { Pulse_Account_Id__c: 'initech' });
    // A later change elsewhere: a mark taken from this run would start past Initech's change.
    clock += 3_600_000;
    server.update('Account', '001A', { Segment__c: 'Strategic' });
    // Room for the two Account queries only: the Opportunity query meets the spent quota.
    server.apiLimit.used = server.apiLimit.max - 2;
    await expect(sync()).rejects.toThrow(/REQUEST_LIMIT_EXCEEDED/);
    expect(state.values.get('salesforce|hwm:Account')).toBe(mark);
    expect(store.data.renewals.get('006R4')).toMatchObject({ accountId: 'salesforce:001C' });

    server.apiLimit.used = 0;
    await sync();
    expect(store.data.renewals.get('006R4')).toMatchObject({ accountId: 'initech' });
    expect(store.ids('accounts')).toEqual(['acme', 'globex', 'initech']);
  });

  it('a deleted unmatched Account loses its row; a matched one stays for billing', async () => {
    let clock = Date.parse('2026-12-01T12:00:00Z');
    const server = await serve({ now: () => clock });
    const state = new InMemorySyncState();
    const store = new MemoryRecords();
    const def = definition(server.url);
    const sync = () => ingestSource(connectSource(def, deps({ state })), { store, validator }, ingestOptions);
    await sync();
    clock += 3_600_000;
    server.remove('Account', '001C');
    server.remove('Account', '001A');
    const r = await sync();
    expect(r.deleted.accounts).toBe(1);
    expect(store.ids('accounts')).toEqual(['acme', 'globex']);
    expect(sfDateTime(clock)).toBe('2026-12-01T13:00:00.000+0000');
  });
});
