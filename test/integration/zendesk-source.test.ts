// The Zendesk connector end to end against a loopback fake of Zendesk's API: the export of a hand-
// checked account, two incremental syncs with changes between them, 429 with Retry-After, a wrong
// token, and the run ledger's count of tickets no account matched.
import { InMemorySyncState } from '../../functions/adapters/memory/sync-state';
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
import { parseConfig } from '../../functions/config';
import type { EntityName, EntityTypes } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { ZendeskSourceDefinition } from '../../functions/domain/sources/registry';
import type { SyncStateStore } from '../../functions/ports/sync-state';
import { configDoc } from '../support/config-doc';
import {
  startFakeZendesk,
  ZENDESK_EMAIL,
  ZENDESK_TOKEN,
  type FakeZendesk,
  type FakeZendeskData,
  type FakeZendeskOptions,
} from '../support/fake-zendesk/server';
import {
  BILLING_DIRECTORY,
  changeBetweenSyncs,
  FIRST_SYNC,
  SECOND_SYNC,
  ZENDESK_TZ,
  zendeskScenario,
} from '../support/fake-zendesk/scenario';
import { MemoryRunLedger } from '../unit/report/fakes';

const config = parseConfig(
  configDoc({
    company: { name: 'T', timezone: ZENDESK_TZ, currency: 'USD' },
    sources: [
      {
        name: 'zendesk',
        connector: 'zendesk',
        zendesk: { apiBase: 'http://127.0.0.1:1', pageSize: 2, baseDelayMs: 1, maxDelayMs: 5 },
      },
    ],
  }),
);
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
const ingestOptions = {
  sourceName: 'zendesk',
  entities: ['tickets'] as EntityName[],
  timeZone: ZENDESK_TZ,
  weekStartsOn: 1 as const,
};
const ENV = { ZENDESK_EMAIL, ZENDESK_TOKEN };

let fake: FakeZendesk | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(data: FakeZendeskData, opts: FakeZendeskOptions = {}) {
  fake = await startFakeZendesk(data, opts);
  return fake;
}

function definition(url: string): ZendeskSourceDefinition {
  const def = config.sources[0] as ZendeskSourceDefinition;
  return { ...def, zendesk: { ...def.zendesk, apiBase: url } };
}

function deps(opts: { state?: SyncStateStore; env?: Record<string, string>; sleeps?: number[] } = {}): ConnectDeps {
  return {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets({}),
    timeZone: ZENDESK_TZ,
    env: opts.env ?? ENV,
    accountDirectory: BILLING_DIRECTORY,
    ...(opts.state ? { syncState: opts.state } : {}),
    zendesk: { sleep: async (ms) => void opts.sleeps?.push(ms) },
  };
}

/** The stored tickets, as contract columns (csat as text, like the CSV export). */
class MemoryTickets {
  readonly tickets = new Map<string, EntityTypes['tickets']>();
  async putRecords<K extends EntityName>(_entity: K, records: readonly EntityTypes[K][]) {
    for (const r of records as readonly EntityTypes['tickets'][]) this.tickets.set(r.ticketId, r);
  }
  async deleteRecords<K extends EntityName>(_entity: K, records: readonly Partial<EntityTypes[K]>[]) {
    for (const r of records as readonly Partial<EntityTypes['tickets']>[]) this.tickets.delete(r.ticketId!);
  }
  asColumns(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const t of [...this.tickets.values()].sort((a, b) => a.ticketId.localeCompare(b.ticketId))) {
      out[t.ticketId] = {
        ticket_id: t.ticketId,
        account_id: t.accountId,
        opened_date: t.openedDate,
        priority: t.priority,
        ...(t.closedDate ? { closed_date: t.closedDate } : {}),
        ...(t.csat !== undefined ? { csat: String(t.csat) } : {}),
      };
    }
    return out;
  }
}

describe('Zendesk export', () => {
  it('writes the tickets a hand check of the fixture expects', async () => {
    const server = await serve(zendeskScenario());
    const dir = mkdtempSync(join(tmpdir(), 'pulse-zendesk-export-'));
    const def = definition(server.url);
    const result = await exportSource(
      connectSource(def, deps(), { full: true, readOnly: true }),
      { validator, files: new ContractCsvFiles(dir, def.entities) },
      ingestOptions,
    );
    expect(result.status).toBe('succeeded');
    expect(result.summary.rejects).toEqual([]);
    const rows = parse(readFileSync(join(dir, 'tickets.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const byId = Object.fromEntries(
      rows.map((r) => [r.ticket_id, Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ''))]),
    );
    expect(byId).toEqual(FIRST_SYNC);
    // Three tickets name no account (an unknown organization, an ambiguous domain, no organization).
    expect(result.sourceCounts).toEqual({ unmatched: 3 });

    const exportCalls = server.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json');
    expect(exportCalls.length).toBeGreaterThan(2);
    expect(exportCalls[0]!.query).toMatchObject({
      start_time: String(Date.parse('2015-01-01T00:00:00Z') / 1000),
      include: 'metric_sets',
      per_page: '2',
    });
    expect(exportCalls.slice(1).every((c) => c.query.cursor !== undefined && c.query.start_time === undefined)).toBe(
      true,
    );
  });
});

describe('Zendesk incremental syncs', () => {
  it('two syncs with changes between them leave exactly the expected tickets in the store', async () => {
    const data = zendeskScenario();
    const server = await serve(data);
    const state = new InMemorySyncState();
    const store = new MemoryTickets();
    const ledger = new MemoryRunLedger();
    const sync = () =>
      ingestSource(connectSource(definition(server.url), deps({ state })), { store, validator, ledger }, ingestOptions);

    const first = await sync();
    expect(first.status).toBe('succeeded');
    expect(store.asColumns()).toEqual(FIRST_SYNC);
    expect(first.deleted.tickets).toBe(1);
    const cursor = state.values.get('zendesk|tickets:cursor');
    expect(cursor).toBeDefined();
    expect(state.values.get('zendesk|ratings:hwm')).toBe(String(Date.parse('2026-03-04T08:00:00Z') / 1000));

    changeBetweenSyncs(data);
    server.requests.length = 0;
    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect(store.asColumns()).toEqual(SECOND_SYNC);

    // The second sync continued from the stored cursor and read ratings from the newest seen, minus the overlap.
    const firstExport = server.requests.find((r) => r.path === '/api/v2/incremental/tickets/cursor.json')!;
    expect(firstExport.query.cursor).toBe(cursor);
    const ratings = server.requests.find((r) => r.path === '/api/v2/satisfaction_ratings')!;
    expect(ratings.query.start_time).toBe(String(Date.parse('2026-03-04T08:00:00Z') / 1000 - 3600));
    // 101 was rated again without an update of its own: read back with show_many.
    expect(server.requests.find((r) => r.path === '/api/v2/tickets/show_many.json')?.query.ids).toBe('101');

    // The run ledger counts the tickets kept under their Zendesk id.
    const runs = await ledger.list();
    expect(runs.map((r) => r.counts.unmatched)).toEqual([0, 3]);
  });

  it('a sync with nothing changed reads one empty export page and leaves the store as it was', async () => {
    const server = await serve(zendeskScenario());
    const state = new InMemorySyncState();
    const store = new MemoryTickets();
    const sync = () =>
      ingestSource(connectSource(definition(server.url), deps({ state })), { store, validator }, ingestOptions);
    await sync();
    server.requests.length = 0;
    const again = await sync();
    // Only 101, whose rating falls in the ratings overlap, is read again (show_many) and written unchanged.
    expect(again.written.tickets).toBe(1);
    expect(server.requests.find((r) => r.path === '/api/v2/tickets/show_many.json')?.query.ids).toBe('101');
    expect(store.asColumns()).toEqual(FIRST_SYNC);
    expect(server.requests.filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json')).toHaveLength(1);
  });
});

describe('Zendesk faults', () => {
  it('waits out a 429 for its Retry-After and loses no page', async () => {
    const server = await serve(zendeskScenario(), {
      faults: [
        { path: '/api/v2/incremental', status: 429, times: 1, retryAfterSeconds: 7, afterRequests: 1 },
        { path: '/api/v2/organizations', status: 429, times: 1, retryAfterSeconds: 2 },
      ],
    });
    const sleeps: number[] = [];
    const store = new MemoryTickets();
    const result = await ingestSource(
      connectSource(definition(server.url), deps({ sleeps })),
      { store, validator },
      ingestOptions,
    );
    expect(result.status).toBe('succeeded');
    expect(sleeps).toEqual([2000, 7000]);
    expect(server.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(store.asColumns()).toEqual(FIRST_SYNC);
  });

  it('a wrong token fails the run with the answer, and nothing is stored', async () => {
    const server = await serve(zendeskScenario());
    const store = new MemoryTickets();
    const run = ingestSource(
      connectSource(definition(server.url), deps({ env: { ZENDESK_EMAIL, ZENDESK_TOKEN: 'wrong' } })),
      { store, validator },
      ingestOptions,
    );
    await expect(run).rejects.toThrow(/refused the credentials \(HTTP 401: \{"error":"Couldn't authenticate you"\}\)/);
    expect(store.tickets.size).toBe(0);
  });

  it('no credentials name the variables to set', async () => {
    const server = await serve(zendeskScenario());
    const run = ingestSource(
      connectSource(definition(server.url), deps({ env: {} })),
      { store: new MemoryTickets(), validator },
      ingestOptions,
    );
    await expect(run).rejects.toThrow(/export ZENDESK_EMAIL=.* ZENDESK_TOKEN=/);
  });
});
