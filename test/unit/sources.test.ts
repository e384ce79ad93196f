// Source registry (config validation), field mappings and transforms, schedules, identity for
// deletes, run recording, and the spreadsheet-safe rejects CSV. Pure: no network.
import { describe, expect, it } from 'vitest';
import { rejectsCsv } from '../../functions/adapters/s3/rejects-report';
import { neutraliseFormula } from '../../functions/domain/spreadsheet';
import { patternRecogniser } from '../../functions/adapters/s3/dropzone-source';
import { laterMark, linkHeaderNext } from '../../functions/adapters/sources/http/source';
import { parseRetryAfter } from '../../functions/adapters/sources/http/client';
import { secretEnvName } from '../../functions/adapters/sources/http/credentials';
import { recordRun, newRunId } from '../../functions/app/record-run';
import { sourceOfDropZoneKey } from '../../functions/domain/sources/parts';
import { ConfigError, parseConfig } from '../../functions/config';
import { CONTRACT_COLUMNS, entitySchemas, schemaColumns } from '../../functions/domain/contract/entities';
import { identityOf } from '../../functions/domain/sources/identity';
import { applyMapping, applyTransform, readPath, type EntityMapping } from '../../functions/domain/sources/mapping';
import { dueSources, ingestTimes, localTimeOf } from '../../functions/domain/sources/schedule';
import type { RunLedger, RunRecord } from '../../functions/ports/run-ledger';
import { MINIMAL_CONFIG } from '../support/config-doc';

const ctx = { timeZone: 'America/New_York' };
const base = MINIMAL_CONFIG;

function problems(sources: unknown): string[] {
  try {
    parseConfig({ ...base, sources }, 'test');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const http = (over: Record<string, unknown> = {}) => ({
  name: 'billing',
  connector: 'http-json',
  entities: ['subscriptions'],
  http: { baseUrl: 'https://api.example/v1', resources: { subscriptions: { path: '/subscriptions' } } },
  ...over,
});

describe('source registry (pulse.config.json "sources")', () => {
  it('accepts the committed demo source and fills defaults', () => {
    const c = parseConfig({ ...base, sources: [{ name: 'demo', connector: 's3-dropzone', entities: ['accounts'] }] });
    expect(c.sources[0]).toMatchObject({ name: 'demo', schedule: 'daily', onUpload: true, mapping: {}, files: {} });
    const h = parseConfig({ ...base, sources: [http()] }).sources[0]!;
    expect(h.connector === 'http-json' && h.http).toMatchObject({
      auth: { type: 'none' },
      timeoutMs: 30_000,
      maxAttempts: 5,
      resources: {
        subscriptions: {
          items: 'data',
          pagination: { type: 'none' },
          pageSize: 100,
          pageSizeParam: 'limit',
          query: {},
        },
      },
    });
    expect(parseConfig(base).sources).toEqual([]);
  });

  it('a Stripe source and an ECB rates source: their defaults, and every mistake with its path', () => {
    const [stripe, ecb] = parseConfig({
      ...base,
      sources: [
        { name: 'stripe', connector: 'stripe' },
        { name: 'ecb', connector: 'ecb-rates' },
      ],
    }).sources;
    expect(stripe).toMatchObject({
      entities: ['accounts', 'subscriptions'],
      schedule: 'daily',
      stripe: {
        apiBase: 'https://api.stripe.com',
        secretKeyEnv: 'STRIPE_API_KEY',
        accountIdMetadata: 'pulse_account_id',
        requestsPerSecond: 20,
        overlapSeconds: 3600,
      },
    });
    expect(ecb).toMatchObject({
      entities: ['fx_rates'],
      ecb: { url: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-90d.xml' },
    });
    expect(
      problems([
        {
          name: 'stripe',
          connector: 'stripe',
          entities: ['renewals'],
          stripe: { apiBase: 'ftp://x', requestsPerSecond: 500, secretKeyEnv: 'not a var', apiKey: 'sk_live_x' },
        },
        { name: 'ecb', connector: 'ecb-rates', entities: ['accounts'] },
      ]),
    ).toEqual([
      'sources.0.entities.0: "renewals" is not an entity Stripe yields (accounts, subscriptions)',
      'sources.0.stripe.apiBase: must be an http(s) URL',
      'sources.0.stripe.secretKeyEnv: must be an environment variable name',
      "sources.0.stripe.requestsPerSecond: must be at most 100 (Stripe's live read limit)",
      'sources.0.stripe: unknown key "apiKey"',
      'sources.1.entities.0: an ECB rates source yields fx_rates only',
    ]);
  });

  it("every API connector takes the same timeout and retry options, each with its vendor's defaults", () => {
    const sources = parseConfig({
      ...base,
      sources: [
        http(),
        { name: 'stripe', connector: 'stripe' },
        { name: 'sf', connector: 'salesforce', salesforce: { instanceUrl: 'https://acme.my.salesforce.com' } },
        { name: 'zd', connector: 'zendesk', zendesk: { apiBase: 'https://acme.zendesk.com' } },
        { name: 'hs', connector: 'hubspot' },
      ],
    }).sources;
    const retries = sources.map((s) => {
      const settings = { ...s } as Record<string, unknown>;
      const block = settings[s.connector === 'http-json' ? 'http' : s.connector] as Record<string, number>;
      const { timeoutMs, maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterMs } = block;
      return [s.connector, timeoutMs, maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterMs];
    });
    expect(retries).toEqual([
      ['http-json', 30_000, 5, 500, 30_000, 120_000],
      ['stripe', 30_000, 6, 500, 30_000, 120_000],
      ['salesforce', 60_000, 5, 500, 30_000, 120_000],
      ['zendesk', 30_000, 6, 1_000, 60_000, 120_000],
      ['hubspot', 30_000, 6, 500, 30_000, 120_000],
    ]);
    // The HTTP JSON connector allows a longer timeout than the vendor connectors (a slow report endpoint).
    expect(problems([http({ http: { ...http().http, timeoutMs: 900_000 } })])).toEqual([]);
    expect(problems([{ name: 'hs', connector: 'hubspot', hubspot: { timeoutMs: 900_000, maxAttempts: 0 } }])).toEqual([
      'sources.0.hubspot.timeoutMs: Too big: expected number to be <=300000',
      'sources.0.hubspot.maxAttempts: Too small: expected number to be >=1',
    ]);
  });

  it('lists every problem at once, each with its path', () => {
    expect(
      problems([
        { name: 'Demo Files', connector: 's3-dropzone', entities: ['acounts'], schedule: { time: '25:00' } },
        http({
          entities: ['subscriptions', 'renewals'],
          mapping: {
            subscriptions: { fields: { arr_usd: 'amount', arr: { from: 'a', const: 1 } } },
            nps: { fields: {} },
          },
        }),
        http({ connector: 'ftp' }),
        {
          ...http(),
          http: {
            baseUrl: 'ftp://x',
            auth: { type: 'header', secretId: 's' },
            resources: { subscriptions: { path: 'subs', pagination: { type: 'pages' } } },
          },
        },
        http(),
      ]),
    ).toEqual([
      'sources.0.name: must be lower-case letters, digits and dashes (it names the drop-zone folder incoming/<name>/)',
      'sources.0.entities.0: "acounts" is not an entity of the data contract (accounts, subscriptions, renewals, expansions, usage, tickets, nps, spend, fx_rates, targets, annotations)',
      'sources.0.schedule.time: must be a local time HH:MM (24-hour)',
      'sources.1.mapping.subscriptions.fields.arr: give exactly one of "from" or "const"',
      'sources.2.connector: connector must be one of: s3-dropzone, http-json, stripe, ecb-rates, salesforce, zendesk, hubspot',
      'sources.3.http.baseUrl: must be an http(s) URL',
      'sources.3.http.auth.header: type "header" needs "header" (the header name)',
      'sources.3.http.resources.subscriptions.path: must start with /',
      'sources.3.http.resources.subscriptions.pagination.type: pagination.type must be one of: none, cursor, next-link, offset',
    ]);
    // Cross-field checks run once the shapes are right.
    expect(
      problems([
        http({
          entities: ['subscriptions', 'renewals'],
          mapping: { subscriptions: { fields: { arr_usd: 'amount' } }, nps: { fields: {} } },
        }),
        http(),
      ]),
    ).toEqual([
      'sources.0.mapping.subscriptions.fields.arr_usd: "arr_usd" is not a subscriptions column (line_id, account_id, product, kind, arr, start_date, end_date, seats, currency)',
      "sources.0.mapping.nps: maps nps, which is not in this source's entities",
      'sources.0.http.resources.renewals: is required: renewals is in entities',
      'sources.1.name: "billing" is already the name of sources.0',
    ]);
  });

  it('knows every contract column of every entity', () => {
    const schemas = entitySchemas({ currency: 'USD', weekStartsOn: 1 });
    for (const [entity, columns] of Object.entries(CONTRACT_COLUMNS))
      expect([...columns].sort(), entity).toEqual(schemaColumns(schemas[entity as keyof typeof schemas]).sort());
  });
});

describe('field mappings', () => {
  const mapping: EntityMapping = {
    fields: {
      line_id: 'ID',
      account_id: 'customer.id',
      arr: { from: 'plan.amount', transform: 'cents-to-money' },
      start_date: { from: 'created', transform: 'epoch-to-date' },
      end_date: { from: 'ended_at', transform: 'datetime-to-date' },
      kind: {
        from: 'type',
        transform: 'lowercase',
        values: { sub: 'recurring', once: 'services' },
        default: 'recurring',
      },
      currency: { const: 'USD' },
    },
  };

  it('renames (also into nested JSON), transforms, translates values, sets constants and defaults; other columns pass', () => {
    const out = applyMapping(
      {
        id: 'L1',
        customer: { id: 'A1' },
        plan: { amount: 1234 },
        created: 1_767_225_600,
        ended_at: '2027-01-01T03:00:00Z',
        type: 'ONCE',
        seats: '5',
      },
      mapping,
      ctx,
    );
    expect(out).toEqual({
      ok: true,
      deleted: false,
      fields: expect.objectContaining({
        line_id: 'L1',
        account_id: 'A1',
        arr: '12.34',
        start_date: '2025-12-31',
        end_date: '2026-12-31',
        kind: 'services',
        currency: 'USD',
        seats: '5',
      }),
    });
    const blank = applyMapping(
      { id: 'L2', customer: { id: 'A1' }, plan: { amount: '0' }, created: '1767225600', type: '' },
      mapping,
      ctx,
    );
    expect(blank.ok && [blank.fields.kind, blank.fields.arr, blank.fields.end_date]).toEqual([
      'recurring',
      '0.00',
      undefined,
    ]);
  });

  it('names the contract column and the source field when a transform fails, every failure at once', () => {
    expect(
      applyMapping(
        { id: 'L1', customer: { id: 'A' }, plan: { amount: 12.5 }, created: 'yesterday', ended_at: '2026-13-01 x' },
        mapping,
        ctx,
      ),
    ).toEqual({
      ok: false,
      errors: [
        { field: 'arr', reason: '"12.5" is not a whole number of cents (source field plan.amount)' },
        { field: 'start_date', reason: '"yesterday" is not a Unix time in seconds (source field created)' },
        {
          field: 'end_date',
          reason: '"2026-13-01 x" is not an ISO 8601 date-time with a time zone offset (source field ended_at)',
        },
      ],
    });
  });

  it('transforms: cents, epoch seconds and ms in the company time zone, date-times, months, case', () => {
    expect(applyTransform('cents-to-money', '-5', ctx)).toEqual({ ok: true, value: '-0.05' }); // the contract rejects it later
    expect(applyTransform('cents-to-money', 100, ctx)).toEqual({ ok: true, value: '1.00' });
    // 2026-03-01T03:30Z is still Feb 28 in New York.
    expect(applyTransform('epoch-to-date', 1_772_335_800, ctx)).toEqual({ ok: true, value: '2026-02-28' });
    expect(applyTransform('epoch-ms-to-date', 1_772_335_800_000, { timeZone: 'Europe/Berlin' })).toEqual({
      ok: true,
      value: '2026-03-01',
    });
    expect(applyTransform('datetime-to-date', '2026-03-01T01:00:00+02:00', ctx)).toEqual({
      ok: true,
      value: '2026-02-28',
    });
    expect(applyTransform('datetime-to-date', '2026-03-01', ctx)).toEqual({ ok: true, value: '2026-03-01' });
    expect(applyTransform('datetime-to-date', '2026-03-01T01:00:00', ctx).ok).toBe(false); // no offset: ambiguous
    expect(applyTransform('date-to-month', '2026-03-17', ctx)).toEqual({ ok: true, value: '2026-03' });
    expect(applyTransform('uppercase', 'usd', ctx)).toEqual({ ok: true, value: 'USD' });
  });

  it('flags deletes and reads ids case-insensitively at the top level', () => {
    const m: EntityMapping = { fields: {}, deleteWhen: { field: 'Deleted', equals: [true, 'yes'] } };
    expect(applyMapping({ deleted: true }, m, ctx)).toMatchObject({ ok: true, deleted: true });
    expect(applyMapping({ deleted: ' yes ' }, m, ctx)).toMatchObject({ ok: true, deleted: true });
    expect(applyMapping({ deleted: false }, m, ctx)).toMatchObject({ ok: true, deleted: false });
    expect(readPath({ account_id: 'A' }, 'Account_ID')).toBe('A');
    expect(identityOf('usage', { account_id: 'A1', week: '2026-11-26' }, 1)).toEqual({
      ok: true,
      record: { accountId: 'A1', week: '2026-11-23' },
    });
    expect(identityOf('subscriptions', { line_id: ' ' }, 1)).toEqual({
      ok: false,
      errors: [{ field: 'line_id', reason: 'is required (to delete a record its id is needed)' }],
    });
  });
});

describe('drop-zone names', () => {
  it('recognises contract names and configured patterns, only for the source entities', () => {
    const r = patternRecogniser({ accounts: 'companies-*.csv' }, ['accounts', 'usage']);
    expect(r('incoming/crm/companies-2026-11-23.csv.gz')).toEqual({ entity: 'accounts', format: 'csv', gzip: true });
    expect(r('incoming/crm/usage.ndjson')).toEqual({ entity: 'usage', format: 'ndjson', gzip: false });
    expect(r('incoming/crm/renewals.csv')).toBeUndefined();
    expect(r('incoming/crm/companies-x.txt')).toBeUndefined();
    expect(sourceOfDropZoneKey('incoming/crm/a/b.csv')).toBe('crm');
    expect(sourceOfDropZoneKey('incoming/b.csv')).toBeUndefined();
    expect(sourceOfDropZoneKey('parts/crm/0123456789ab/00002-L10/a/b.csv')).toBe('crm');
    expect(sourceOfDropZoneKey('processed/run/crm/b.csv')).toBeUndefined();
  });
});

describe('schedules', () => {
  const config = parseConfig({
    ...base,
    schedules: { ingest: { time: '06:00' } },
    sources: [
      { name: 'a', connector: 's3-dropzone', entities: ['accounts'] },
      { name: 'b', connector: 's3-dropzone', entities: ['accounts'], schedule: { time: '05:15' } },
      { name: 'c', connector: 's3-dropzone', entities: ['accounts'], schedule: 'manual' },
    ],
  });

  it('runs the job at each distinct time and picks the sources due at the scheduled time (DST included)', () => {
    expect(ingestTimes(config)).toEqual(['06:00', '05:15']);
    expect(localTimeOf('2026-07-01T10:00:00Z', 'America/New_York')).toBe('06:00'); // EDT
    expect(dueSources(config, '2026-11-23T11:00:00Z').map((s) => s.name)).toEqual(['a']); // EST
    expect(dueSources(config, '2026-11-23T10:15:00Z').map((s) => s.name)).toEqual(['b']);
    expect(dueSources(config, undefined).map((s) => s.name)).toEqual(['a', 'b']);
  });
});

describe('recordRun', () => {
  function memoryLedger(): RunLedger & { runs: Map<string, RunRecord> } {
    const runs = new Map<string, RunRecord>();
    return {
      runs,
      async start(r) {
        runs.set(r.runId, { ...r, status: 'running', counts: {}, errors: [] });
      },
      async finish(id, o) {
        runs.set(id, { ...runs.get(id)!, ...o });
      },
      async list() {
        return [...runs.values()].reverse();
      },
    };
  }
  let t = Date.parse('2026-11-23T06:00:00Z');
  const now = () => new Date((t += 1500));

  it('records a successful run with its counts', async () => {
    const ledger = memoryLedger();
    const out = await recordRun(
      ledger,
      { kind: 'compute', subject: 'company', period: '2026-W47', now },
      async (run) => {
        expect(ledger.runs.get(run.runId)?.status).toBe('running');
        run.count('snapshots', 3);
        run.count('snapshots');
        return 'done';
      },
    );
    expect(out).toBe('done');
    const [r] = ledger.runs.values();
    expect(r).toMatchObject({
      kind: 'compute',
      subject: 'company',
      period: '2026-W47',
      status: 'succeeded',
      counts: { snapshots: 4 },
      errors: [],
    });
    expect(Date.parse(r!.finishedAt!) - Date.parse(r!.startedAt)).toBe(1500);
    expect(r!.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it('records a thrown error as failed and throws it again; fail() fails without throwing; errors are capped', async () => {
    const ledger = memoryLedger();
    await expect(
      recordRun(ledger, { kind: 'report', subject: 'weekly', runId: 'r1' }, async () =>
        Promise.reject(new TypeError('boom')),
      ),
    ).rejects.toThrow('boom');
    expect(ledger.runs.get('r1')).toMatchObject({ status: 'failed', errors: ['TypeError: boom'] });
    await recordRun(ledger, { kind: 'ingest', subject: 's', runId: 'r2' }, async (run) => {
      for (let i = 0; i < 25; i++) run.error(`e${i}`);
      run.fail();
    });
    const r2 = ledger.runs.get('r2')!;
    expect(r2.status).toBe('failed');
    expect(r2.errors).toHaveLength(21);
    expect(r2.errors.at(-1)).toBe('... and 5 more');
    expect(newRunId(new Date('2026-11-23T06:00:12.345Z'))).toMatch(/^20261123T060012Z-[0-9a-f]{6}$/);
  });
});

describe('HTTP helpers', () => {
  it('reads Retry-After, Link headers, high-water marks and secret variable names', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 06:00:10 GMT', Date.parse('2026-11-23T06:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(linkHeaderNext('<https://a/x?p=3>; rel="last", <https://a/x?p=2>; rel="next"')).toBe('https://a/x?p=2');
    expect(linkHeaderNext('<https://a/x?p=1>; rel="prev"')).toBeUndefined();
    expect(laterMark('999', 1000, 'epoch')).toBe('1000'); // numeric, not string, order
    expect(laterMark('2026-11-23T06:00:00Z', '2026-11-23T01:00:00-06:00', 'iso')).toBe('2026-11-23T01:00:00-06:00');
    expect(laterMark('5', 'x', 'epoch')).toBe('5');
    expect(secretEnvName('pulse/billing-api')).toBe('PULSE_SECRET_PULSE_BILLING_API');
  });
});

describe('rejects CSV', () => {
  it('has the report columns and defuses spreadsheet formulas in untrusted cells', () => {
    const csv = rejectsCsv('crm', [
      { file: 'incoming/crm/a.csv', line: 3, field: 'name', reason: 'is required', raw: '=HYPERLINK("x"),,"a,b"' },
    ]);
    expect(csv).toBe(
      'source,file,line,field,reason,raw\r\ncrm,incoming/crm/a.csv,3,name,is required,"\'=HYPERLINK(""x""),,""a,b"""\r\n',
    );
    // every cell of the rejects report is text: even `-1+1` would be evaluated by Excel
    expect(neutraliseFormula('-1+1')).toBe("'-1+1");
    expect(neutraliseFormula('-x')).toBe("'-x");
    expect(neutraliseFormula('@SUM(1)')).toBe("'@SUM(1)");
    expect(neutraliseFormula('\nx')).toBe("'\nx");
  });
});
