// The HTTP JSON connector against a local API server started here (loopback only): cursor,
// next-link and offset pagination, 429 with Retry-After, 500 then success, malformed JSON, bad
// auth, timeouts, and incremental sync with a stored high-water mark.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectSource } from '../../functions/adapters/sources/connect';
import { sourceIngestOptions } from '../../functions/app/ingest-job';
import { EnvSecrets, FileSecrets, SecretChain } from '../../functions/adapters/sources/http/credentials';
import { SourceError } from '../../functions/ports/source-error';
import { hwmKey } from '../../functions/adapters/sources/http/source';
import { ingestSource } from '../../functions/app/ingest-source';
import { parseConfig, type PulseConfig } from '../../functions/config';
import { ENTITY_NAMES, entityKey, type EntityName } from '../../functions/domain/contract/entities';
import { RowValidator, emptyDataset } from '../../functions/domain/contract/validate';
import type { SourceDefinition } from '../../functions/domain/sources/registry';
import type { Store } from '../../functions/ports/store';
import type { SyncStateStore } from '../../functions/ports/sync-state';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDoc } from '../support/config-doc';

// ---- the fake API ------------------------------------------------------------------------------

interface Sub {
  id: string;
  customer: string;
  amount: number;
  created: number;
  updated: number;
}

const TOKEN = 'sk_test_good';
let subs: Sub[];
let requests: { path: string; query: Record<string, string> }[];
/** Failures to serve before the next successful answer of a path: status codes in order. */
let failures: Map<string, (number | 'bad-json' | 'hang')[]>;
let server: Server;
let base: string;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url!, base);
  const query = Object.fromEntries(url.searchParams);
  requests.push({ path: url.pathname, query });
  if (req.headers.authorization !== `Bearer ${TOKEN}`)
    return send(res, 401, { error: { message: 'Invalid API Key provided' } });
  const pending = failures.get(
    `${url.pathname}?${url.searchParams.get('starting_after') ?? url.searchParams.get('page') ?? url.searchParams.get('offset') ?? ''}`,
  );
  const fail = pending?.shift();
  if (fail === 'hang') return; // never answers
  if (fail === 'bad-json') return send(res, 200, '{"data": [ {"id": "S1"');
  if (fail === 429) return send(res, 429, { error: 'slow down' }, { 'retry-after': '2' });
  if (fail) return send(res, fail, { error: 'boom' });

  const limit = Number(query.limit ?? 10);
  if (url.pathname === '/v1/subscriptions') {
    const since = query.updated_since ? Number(query.updated_since) : -Infinity;
    const all = subs.filter((s) => s.updated >= since);
    const start = query.starting_after ? all.findIndex((s) => s.id === query.starting_after) + 1 : 0;
    const page = all.slice(start, start + limit);
    return send(res, 200, { object: 'list', data: page, has_more: start + limit < all.length });
  }
  if (url.pathname === '/v1/accounts') {
    const pageNo = Number(query.page ?? 1);
    const accounts = [1, 2, 3, 4, 5].map((i) => ({ Id: `A${i}`, Name: `Account ${i}` }));
    const page = accounts.slice((pageNo - 1) * 2, pageNo * 2);
    const more = pageNo * 2 < accounts.length;
    // Page 1 links the next page in the body, later pages in a Link header (both styles exist).
    if (pageNo === 1) return send(res, 200, { results: page, next: more ? `/v1/accounts?page=2` : null });
    return send(
      res,
      200,
      { results: page },
      more
        ? { link: `<${base}/v1/accounts?page=${pageNo + 1}>; rel="next", <${base}/v1/accounts?page=3>; rel="last"` }
        : {},
    );
  }
  if (url.pathname === '/v1/tickets') {
    const offset = Number(query.offset ?? 0);
    const tickets = Array.from({ length: 7 }, (_, i) => ({
      ticket_id: `T${i}`,
      account_id: 'A1',
      opened_date: '2026-01-05',
      priority: 'P2',
    }));
    return send(res, 200, tickets.slice(offset, offset + limit));
  }
  if (url.pathname === '/v1/escape')
    return send(res, 200, { results: [{ Id: 'X', Name: 'x' }], next: 'http://198.51.100.7/steal' });
  send(res, 404, { error: 'no such path' });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  subs = Array.from({ length: 7 }, (_, i) => ({
    id: `S${i + 1}`,
    customer: `A${(i % 3) + 1}`,
    amount: 10_000 * (i + 1) + 5,
    created: 1_767_268_800 + i * 86_400,
    updated: 1_000 + i,
  }));
  requests = [];
  failures = new Map();
});

// ---- the Pulse side ------------------------------------------------------------------------------

function memoryStore(): Store & { items: Map<string, unknown> } {
  const items = new Map<string, unknown>();
  const k = (e: EntityName, r: unknown) => `${e}|${(entityKey[e] as (x: unknown) => string)(r)}`;
  return {
    items,
    async putRecords(entity, records) {
      for (const r of records) items.set(k(entity, r), r);
    },
    async deleteRecords(entity, records) {
      for (const r of records) items.delete(k(entity, r));
    },
    async loadDataset() {
      const d = emptyDataset();
      for (const [key, r] of items) (d[key.split('|')[0] as EntityName] as unknown[]).push(r);
      return d;
    },
    async countRecords() {
      const c = Object.fromEntries(ENTITY_NAMES.map((e) => [e, 0])) as Record<EntityName, number>;
      for (const key of items.keys()) c[key.split('|')[0] as EntityName]++;
      return c;
    },
    async putSnapshot() {},
    async getSnapshot() {
      return undefined;
    },
    async listSnapshots() {
      return [];
    },
  };
}

function memoryState(): SyncStateStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (s, k) => values.get(`${s}/${k}`),
    put: async (s, k, v) => void values.set(`${s}/${k}`, v),
  };
}

const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

function setup(
  http: Record<string, unknown>,
  extra: { entities?: EntityName[]; mapping?: unknown; token?: string | null } = {},
) {
  const config: PulseConfig = parseConfig(
    configDoc({
      sources: [
        {
          name: 'billing',
          connector: 'http-json',
          entities: extra.entities ?? ['subscriptions'],
          mapping: extra.mapping ?? {
            subscriptions: {
              fields: {
                line_id: 'id',
                account_id: 'customer',
                arr: { from: 'amount', transform: 'cents-to-money' },
                start_date: { from: 'created', transform: 'epoch-to-date' },
              },
            },
          },
          http: {
            baseUrl: `${base}/v1`,
            auth: { type: 'bearer', secretId: 'pulse/billing' },
            baseDelayMs: 100,
            maxDelayMs: 1000,
            ...http,
          },
        },
      ],
    }),
    'test',
  );
  const def = config.sources[0] as SourceDefinition;
  const store = memoryStore();
  const state = memoryState();
  const sleeps: number[] = [];
  const env = extra.token === null ? {} : { PULSE_SECRET_PULSE_BILLING: extra.token ?? TOKEN };
  const run = (opts: { full?: boolean } = {}) =>
    ingestSource(
      connectSource(
        def,
        {
          s3: undefined as never,
          dropzoneBucket: '',
          secrets: new EnvSecrets(env),
          syncState: state,
          http: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
        },
        opts,
      ),
      { store, validator },
      { ...sourceIngestOptions(def, config), chunkSize: 3 },
    );
  return { store, state, sleeps, run };
}

const subsResource = {
  subscriptions: {
    path: '/subscriptions',
    pageSize: 3,
    pagination: { type: 'cursor' },
    incremental: { param: 'updated_since', field: 'updated', format: 'epoch' },
  },
};

describe('HTTP JSON connector', () => {
  it('pages with has_more/starting_after, waits out a 429 (Retry-After) and a 500, maps cents and epoch dates', async () => {
    const t = setup({ resources: subsResource });
    failures.set('/v1/subscriptions?S3', [429, 500]); // the second page: rate-limited, then a server error, then fine

    const result = await t.run();

    expect(result.status).toBe('succeeded');
    expect(result.written.subscriptions).toBe(7);
    const loaded = (await t.store.loadDataset()).subscriptions.sort((a, b) => a.lineId.localeCompare(b.lineId));
    expect(loaded[0]).toEqual({
      lineId: 'S1',
      accountId: 'A1',
      kind: 'recurring',
      arr: 10_005,
      startDate: '2026-01-01',
    });
    expect(loaded.map((s) => s.lineId)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7']);
    // Pages: S1-S3, then 429, 500, S4-S6, then S7.
    expect(requests.map((r) => r.query.starting_after ?? '-')).toEqual(['-', 'S3', 'S3', 'S3', 'S6']);
    expect(requests.every((r) => r.query.limit === '3')).toBe(true);
    // Retry-After: 2 s honoured exactly; the 500 got a jittered backoff (random 0.5 of 2 x 100 ms).
    expect(t.sleeps).toEqual([2000, 100]);
    // High-water mark: the largest `updated` seen, stored after the load.
    expect(t.state.values.get(`billing/${hwmKey('subscriptions')}`)).toBe('1006');
  });

  it('syncs incrementally: the next run asks only for what changed since the high-water mark', async () => {
    const t = setup({ resources: subsResource });
    await t.run();
    requests = [];
    subs[1]!.amount = 99_900; // cents: 999.00
    subs[1]!.updated = 2_000;
    subs.push({ id: 'S8', customer: 'A1', amount: 100, created: 1_767_268_800, updated: 2_001 });

    const second = await t.run();

    expect(requests[0]!.query.updated_since).toBe('1006');
    // S7 (updated 1006, the mark itself: inclusive), S2 and S8.
    expect(second.summary.counts.subscriptions.rows).toBe(3);
    expect((await t.store.loadDataset()).subscriptions.find((s) => s.lineId === 'S2')?.arr).toBe(99_900);
    expect(await t.store.countRecords()).toMatchObject({ subscriptions: 8 });
    expect(t.state.values.get(`billing/${hwmKey('subscriptions')}`)).toBe('2001');

    // --full ignores the mark.
    requests = [];
    await t.run({ full: true });
    expect(requests[0]!.query.updated_since).toBeUndefined();
  });

  it('follows next links (a body field, then a Link header) on the same origin only', async () => {
    const t = setup(
      {
        resources: {
          accounts: {
            path: '/accounts',
            items: 'results',
            pageSize: 2,
            pageSizeParam: 'per_page',
            pagination: { type: 'next-link' },
          },
        },
      },
      { entities: ['accounts'], mapping: { accounts: { fields: { account_id: 'Id', name: 'Name' } } } },
    );
    const result = await t.run();
    expect(result.status).toBe('succeeded');
    expect(requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect((await t.store.loadDataset()).accounts.map((a) => a.accountId).sort()).toEqual([
      'A1',
      'A2',
      'A3',
      'A4',
      'A5',
    ]);

    const escaping = setup(
      { resources: { accounts: { path: '/escape', items: 'results', pagination: { type: 'next-link' } } } },
      { entities: ['accounts'], mapping: { accounts: { fields: { account_id: 'Id', name: 'Name' } } } },
    );
    const refused = await escaping.run();
    expect(refused.status).toBe('failed');
    expect(refused.files[0]!.error).toMatch(
      /next link http:\/\/198\.51\.100\.7 is not on http:\/\/127\.0\.0\.1:\d+; the credentials are not sent there/,
    );
  });

  it('pages by offset until a short page; values are normalised by the contract (P2 -> p2)', async () => {
    const t = setup(
      { resources: { tickets: { path: '/tickets', items: '.', pageSize: 3, pagination: { type: 'offset' } } } },
      { entities: ['tickets'], mapping: {} },
    );
    const result = await t.run();
    expect(result.written.tickets).toBe(7);
    expect(requests.map((r) => r.query.offset ?? '0')).toEqual(['0', '3', '6']);
    expect((await t.store.loadDataset()).tickets[0]?.priority).toBe('p2');
  });

  it('fails clearly on malformed JSON, keeps the rows before it, and does not move the high-water mark', async () => {
    const t = setup({ resources: subsResource });
    failures.set('/v1/subscriptions?S3', ['bad-json']);
    const result = await t.run();
    expect(result.status).toBe('failed');
    expect(result.files[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(
        /GET \/v1\/subscriptions\?limit=3&starting_after=S3 answered 200 with a body that is not JSON/,
      ),
    });
    expect(result.written.subscriptions).toBe(3);
    expect(t.state.values.size).toBe(0);
    expect(result.summary.rejects.at(-1)).toMatchObject({
      line: 4,
      field: '*',
      reason: expect.stringMatching(/^the rest of the file could not be read: .*not JSON/),
    });
  });

  it('says clearly when the API refuses the credentials, or when there are none', async () => {
    const bad = setup({ resources: subsResource }, { token: 'sk_test_wrong' });
    const refused = await bad.run();
    expect(refused.status).toBe('failed');
    expect(refused.files[0]!.error).toBe(
      'source "billing" GET /v1/subscriptions?limit=3 refused the credentials (HTTP 401: {"error":{"message":"Invalid API Key provided"}}): check the source\'s auth settings and its secret',
    );
    expect(requests).toHaveLength(1); // never retried

    const none = setup({ resources: subsResource }, { token: null });
    const missing = await none.run();
    expect(missing.files[0]!.error).toMatch(
      /no secret "pulse\/billing" in the environment \(PULSE_SECRET_<ID>\).*export PULSE_SECRET_PULSE_BILLING=/,
    );
  });

  it('gives up after maxAttempts on persistent 5xx, and refuses a Retry-After beyond maxRetryAfterMs', async () => {
    const t = setup({ resources: subsResource, maxAttempts: 3 });
    failures.set('/v1/subscriptions?', [503, 503, 503]);
    const result = await t.run();
    expect(result.files[0]!.error).toMatch(/failed 3 time\(s\); last: HTTP 503/);
    expect(t.sleeps).toHaveLength(2);

    const impatient = setup({ resources: subsResource, maxRetryAfterMs: 1000 });
    failures.set('/v1/subscriptions?', [429]);
    const r2 = await impatient.run();
    expect(r2.files[0]!.error).toMatch(/asked to wait 2 s \(Retry-After\), more than maxRetryAfterMs 1000 ms/);
  });

  it('times out a request that never answers and retries it', async () => {
    const t = setup({ resources: subsResource, timeoutMs: 200, maxAttempts: 2 });
    failures.set('/v1/subscriptions?', ['hang']);
    const result = await t.run();
    expect(result.status).toBe('succeeded');
    expect(result.written.subscriptions).toBe(7);
    expect(t.sleeps).toHaveLength(1);
  });
});

describe('dry run (pulse sources test)', () => {
  it('reads one page per resource, validates, and writes, records and remembers nothing', async () => {
    const t = setup({ resources: subsResource });
    const source = connectSource(
      parseConfig(
        configDoc({
          sources: [
            {
              name: 'billing',
              connector: 'http-json',
              entities: ['subscriptions'],
              http: {
                baseUrl: `${base}/v1`,
                auth: { type: 'bearer', secretId: 'pulse/billing' },
                resources: subsResource,
              },
            },
          ],
        }),
      ).sources[0]!,
      {
        s3: undefined as never,
        dropzoneBucket: '',
        secrets: new EnvSecrets({ PULSE_SECRET_PULSE_BILLING: TOKEN }),
        syncState: t.state,
      },
      { pageLimit: 1 },
    );
    const result = await ingestSource(
      source,
      { store: t.store, validator },
      {
        sourceName: 'billing',
        timeZone: 'UTC',
        weekStartsOn: 1,
        dryRun: true,
        mapping: {
          subscriptions: {
            fields: {
              line_id: 'id',
              account_id: 'customer',
              arr: { from: 'amount', transform: 'cents-to-money' },
              start_date: { from: 'created', transform: 'epoch-to-date' },
            },
          },
        },
      },
    );
    expect(requests).toHaveLength(1);
    expect(result.summary.counts.subscriptions).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    expect(t.store.items.size).toBe(0);
    expect(t.state.values.size).toBe(0);
  });
});

describe('local secrets', () => {
  it('reads .pulse/secrets.json (string or JSON secrets), after the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-secrets-'));
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ 'pulse/billing': 'from-file', 'pulse/crm': { token: 't0k' } }));
    const chain = new SecretChain([new EnvSecrets({ PULSE_SECRET_PULSE_BILLING: 'from-env' }), new FileSecrets(file)]);
    expect(await chain.get('pulse/billing')).toBe('from-env');
    expect(JSON.parse((await chain.get('pulse/crm'))!)).toEqual({ token: 't0k' });
    expect(await chain.get('pulse/none')).toBeUndefined();
    expect(await new FileSecrets(join(dir, 'missing.json')).get('x')).toBeUndefined();
    writeFileSync(file, '{ not json');
    await expect(new FileSecrets(file).get('x')).rejects.toBeInstanceOf(SourceError);
  });
});
