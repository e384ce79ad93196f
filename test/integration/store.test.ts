// The DynamoDB Store adapter against DynamoDB Local (the embedded local stack): every entity
// round-trips exactly, re-puts are idempotent upserts, snapshots are queried by week range.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore, pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { ENTITY_NAMES, type EntityName } from '../../functions/domain/contract/entities';
import type { Dataset } from '../../functions/domain/contract/validate';
import type { KpiSnapshot } from '../../functions/ports/store';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';

let stack: LocalStack;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  stack = await startLocalStack({ persist: false });
  client = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  client?.destroy();
  await stack?.stop();
});

/** Each test gets its own empty table with the Pulse design. */
async function freshStore(opts: { scanSegments?: number } = {}): Promise<DynamoDbStore> {
  const tableName = `pulse-store-test-${++tables}`;
  await client.send(new CreateTableCommand(pulseTableDefinition(tableName)));
  return new DynamoDbStore({ client, tableName, ...opts });
}

/** One record of every entity with all optional fields, one with none, and awkward ids. */
function sampleDataset(): Dataset {
  return {
    accounts: [
      {
        accountId: 'A-1',
        name: 'Acme Corp',
        segment: 'Enterprise',
        ownerEmail: 'csm@northwind.example',
        region: 'EMEA',
        createdDate: '2024-03-01',
      },
      { accountId: 'B#2', name: 'Bäckerei "Zürich", Inc.' },
      { accountId: 'C 3', name: '   spaces kept   ', segment: '' },
    ],
    subscriptions: [
      {
        lineId: 'L-1',
        accountId: 'A-1',
        product: 'Platform',
        kind: 'recurring',
        arr: 12_000_050,
        startDate: '2025-01-01',
        endDate: '2026-01-01',
        seats: 250,
      },
      { lineId: 'L-2', accountId: 'B#2', kind: 'services', arr: 0, startDate: '2025-06-15' },
      { lineId: 'L-big', accountId: 'A-1', kind: 'recurring', arr: 900_719_925_474_099, startDate: '2025-01-01' },
      // Stored in its own currency (minor units), converted only when read into the KPIs.
      { lineId: 'L-eur', accountId: 'A-1', kind: 'recurring', arr: 990_000, startDate: '2025-11-01', currency: 'EUR' },
    ],
    renewals: [
      {
        renewalId: 'R-1',
        accountId: 'A-1',
        dueDate: '2026-01-01',
        arrUp: 12_000_050,
        status: 'renewed',
        closedDate: '2025-12-20',
        renewedArr: 13_000_000,
      },
      { renewalId: 'R-2', accountId: 'B#2', dueDate: '2026-03-31', arrUp: 500_000, status: 'open' },
    ],
    expansions: [
      {
        opportunityId: 'O-1',
        accountId: 'A-1',
        type: 'upsell',
        arr: 250_000,
        stage: 'won',
        createdDate: '2025-09-01',
        closeDate: '2025-10-01',
      },
      { opportunityId: 'O-2', accountId: 'C 3', type: 'cross_sell', arr: 99, stage: 'open' },
    ],
    usage: [
      { accountId: 'A-1', week: '2025-11-10', weeklyActiveUsers: 180, licensedSeats: 250 },
      { accountId: 'A-1', week: '2025-11-17', weeklyActiveUsers: 0, licensedSeats: 0 },
      { accountId: 'B#2', week: '2025-11-10', weeklyActiveUsers: 3, licensedSeats: 5 },
    ],
    tickets: [
      {
        ticketId: 'T-1',
        accountId: 'A-1',
        openedDate: '2025-11-01',
        priority: 'p1',
        closedDate: '2025-11-02',
        csat: 2,
      },
      { ticketId: 'T-2', accountId: 'B#2', openedDate: '2025-11-03', priority: 'p4' },
    ],
    nps: [
      {
        responseId: 'N-1',
        accountId: 'A-1',
        date: '2025-10-15',
        score: 0,
        comment: 'Ünïcødé, emoji 🚀, "quotes", newline\nand tab\t',
      },
      { responseId: 'N-2', accountId: 'C 3', date: '2025-10-16', score: 10 },
    ],
    spend: [
      { month: '2025-10', salesMarketing: 4_500_000 },
      { month: '2025-11', salesMarketing: 0 },
    ],
    fx_rates: [
      { date: '2025-10-31', currency: 'EUR', rate: '1.0842' },
      { date: '2025-11-03', currency: 'EUR', rate: '1.0851' },
      { date: '2025-11-03', currency: 'JPY', rate: '0.006612' },
    ],
    targets: [{ metric: 'arr', period: 'FY2026-Q4', value: 1_500_000_00 }],
    annotations: [{ date: '2025-11-03', text: 'Price list updated', metric: 'arr' }],
  };
}

function countsOf(data: Dataset): Record<EntityName, number> {
  return Object.fromEntries(ENTITY_NAMES.map((n) => [n, data[n].length])) as Record<EntityName, number>;
}

async function putAll(store: DynamoDbStore, data: Dataset): Promise<void> {
  for (const entity of ENTITY_NAMES) await store.putRecords(entity, data[entity] as never[]);
}

/** The dataset as loadDataset orders it: by entity id. */
function sorted(data: Dataset): Dataset {
  const out = structuredClone(data);
  const by =
    <T>(key: (r: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  out.accounts.sort(by((r) => r.accountId));
  out.subscriptions.sort(by((r) => r.lineId));
  out.renewals.sort(by((r) => r.renewalId));
  out.expansions.sort(by((r) => r.opportunityId));
  out.usage.sort(by((r) => `${r.accountId}#${r.week}`));
  out.tickets.sort(by((r) => r.ticketId));
  out.nps.sort(by((r) => r.responseId));
  out.spend.sort(by((r) => r.month));
  return out;
}

describe('DynamoDbStore on DynamoDB Local', () => {
  it('round-trips every entity exactly (typed fields only, optional fields absent stay absent)', async () => {
    const store = await freshStore();
    const data = sampleDataset();

    await putAll(store, data);
    const loaded = await store.loadDataset();

    expect(loaded).toEqual(sorted(data));
    // toEqual ignores undefined properties; make sure none came back as extra keys either.
    expect(Object.keys(loaded.accounts.find((a) => a.accountId === 'B#2')!).sort()).toEqual(['accountId', 'name']);
    expect(await store.countRecords()).toEqual(countsOf(data));
  });

  it('leaves out the usage of weeks before usageFrom, and nothing else', async () => {
    const store = await freshStore();
    await store.putRecords('accounts', [{ accountId: 'A-1', name: 'Acme' }]);
    await store.putRecords('usage', [
      { accountId: 'A-1', week: '2026-09-21', weeklyActiveUsers: 1, licensedSeats: 9 },
      { accountId: 'A-1', week: '2026-09-28', weeklyActiveUsers: 2, licensedSeats: 9 },
      { accountId: 'A-1', week: '2026-10-05', weeklyActiveUsers: 3, licensedSeats: 9 },
    ]);
    const windowed = await store.loadDataset({ usageFrom: '2026-09-28' });
    expect(windowed.usage.map((u) => u.week)).toEqual(['2026-09-28', '2026-10-05']);
    expect(windowed.accounts).toHaveLength(1);
    expect((await store.loadDataset()).usage).toHaveLength(3);
  });

  it('starts empty', async () => {
    const store = await freshStore();
    expect(await store.loadDataset()).toEqual(Object.fromEntries(ENTITY_NAMES.map((n) => [n, []])));
    expect(await store.countRecords()).toEqual(Object.fromEntries(ENTITY_NAMES.map((n) => [n, 0])));
  });

  it('is idempotent: re-putting the same records keeps the item count; a later record with the same id replaces it', async () => {
    const store = await freshStore();
    const data = sampleDataset();
    await putAll(store, data);
    await putAll(store, data);
    expect(await store.countRecords()).toEqual(countsOf(data));

    // Same ids, new values, and an optional field removed: the whole record is replaced.
    await store.putRecords('renewals', [
      {
        renewalId: 'R-1',
        accountId: 'A-1',
        dueDate: '2026-01-01',
        arrUp: 12_000_050,
        status: 'churned',
        closedDate: '2026-01-05',
      },
    ]);
    await store.putRecords('usage', [
      { accountId: 'A-1', week: '2025-11-10', weeklyActiveUsers: 7, licensedSeats: 250 },
    ]);
    const loaded = await store.loadDataset();
    expect(loaded.renewals.find((r) => r.renewalId === 'R-1')).toEqual({
      renewalId: 'R-1',
      accountId: 'A-1',
      dueDate: '2026-01-01',
      arrUp: 12_000_050,
      status: 'churned',
      closedDate: '2026-01-05',
    });
    expect(loaded.usage.find((u) => u.accountId === 'A-1' && u.week === '2025-11-10')?.weeklyActiveUsers).toBe(7);
    expect(await store.countRecords()).toEqual(countsOf(data));
  });

  it('replaces a record whose account changed (the id is the key, not the account)', async () => {
    const store = await freshStore();
    await store.putRecords('subscriptions', [
      { lineId: 'L-9', accountId: 'OLD', kind: 'recurring', arr: 100, startDate: '2025-01-01' },
    ]);
    await store.putRecords('subscriptions', [
      { lineId: 'L-9', accountId: 'NEW', kind: 'recurring', arr: 100, startDate: '2025-01-01' },
    ]);

    expect((await store.loadDataset()).subscriptions).toEqual([
      { lineId: 'L-9', accountId: 'NEW', kind: 'recurring', arr: 100, startDate: '2025-01-01' },
    ]);
    expect((await store.loadAccount('OLD')).subscriptions).toEqual([]);
    expect((await store.loadAccount('NEW')).subscriptions).toHaveLength(1);
  });

  it('loads one account through the index', async () => {
    const store = await freshStore();
    const data = sampleDataset();
    await putAll(store, data);

    const acme = await store.loadAccount('A-1');

    const mine = <T extends { accountId: string }>(rows: T[]) => rows.filter((r) => r.accountId === 'A-1');
    const expected = sorted(data);
    expect(acme).toEqual({
      accounts: mine(expected.accounts),
      subscriptions: mine(expected.subscriptions),
      renewals: mine(expected.renewals),
      expansions: mine(expected.expansions),
      usage: mine(expected.usage),
      tickets: mine(expected.tickets),
      nps: mine(expected.nps),
      spend: [],
      // Company-wide rates, of the currencies the account's rows are in only.
      fx_rates: expected.fx_rates.filter((r) => r.currency === 'EUR'),
      // The plan is company-wide, like spend.
      targets: [],
      annotations: [],
    });
  });

  it('writes and reads back a few thousand records through parallel batches and a parallel scan', async () => {
    const store = await freshStore({ scanSegments: 4 });
    const usage = Array.from({ length: 2_000 }, (_, i) => ({
      accountId: `ACC-${String(i % 100).padStart(3, '0')}`,
      week: `2025-${String(1 + (Math.floor(i / 100) % 12)).padStart(2, '0')}-${String(1 + Math.floor(i / 1200)).padStart(2, '0')}`,
      weeklyActiveUsers: i,
      licensedSeats: 1_000,
    }));
    const withDuplicates = [...usage, ...usage.slice(0, 50).map((u) => ({ ...u, weeklyActiveUsers: -1 }))];

    await store.putRecords('usage', withDuplicates);

    const loaded = await store.loadDataset();
    expect(loaded.usage).toHaveLength(2_000);
    expect(loaded.usage.filter((u) => u.weeklyActiveUsers === -1)).toHaveLength(50);
    expect((await store.countRecords()).usage).toBe(2_000);
  });

  describe('snapshots', () => {
    const snap = (scope: string, week: string, kpis: unknown = { arr: 1, week }): KpiSnapshot => ({
      scope,
      week,
      asOf: '2026-11-22',
      computedAt: '2026-11-23T08:00:00.000Z',
      kpis,
    });

    it('puts, gets and lists by week range, oldest first, per scope', async () => {
      const store = await freshStore();
      const weeks = ['2025-W52', '2026-W01', '2026-W02', '2026-W10', '2026-W47'];
      for (const w of [...weeks].reverse()) await store.putSnapshot(snap('company', w));
      await store.putSnapshot(snap('segment:SMB', '2026-W02'));

      expect(await store.getSnapshot('company', '2026-W02')).toEqual(snap('company', '2026-W02'));
      expect(await store.getSnapshot('company', '2026-W03')).toBeUndefined();
      expect(await store.getSnapshot('segment:Enterprise', '2026-W02')).toBeUndefined();

      expect((await store.listSnapshots('company', '2026-W01', '2026-W10')).map((s) => s.week)).toEqual([
        '2026-W01',
        '2026-W02',
        '2026-W10',
      ]);
      expect((await store.listSnapshots('company', '2000-W01', '2099-W53')).map((s) => s.week)).toEqual(weeks);
      expect(await store.listSnapshots('segment:SMB', '2026-W01', '2026-W52')).toEqual([
        snap('segment:SMB', '2026-W02'),
      ]);
      expect(await store.listSnapshots('company', '2026-W11', '2026-W46')).toEqual([]);
    });

    it('overwrites a snapshot of the same scope and week, and keeps snapshots out of the dataset', async () => {
      const store = await freshStore();
      await store.putSnapshot(snap('company', '2026-W47', { v: 1 }));
      await store.putSnapshot(snap('company', '2026-W47', { v: 2 }));

      expect(await store.listSnapshots('company', '2026-W01', '2026-W52')).toEqual([
        snap('company', '2026-W47', { v: 2 }),
      ]);
      expect(await store.countRecords()).toEqual(Object.fromEntries(ENTITY_NAMES.map((n) => [n, 0])));
      expect((await store.loadDataset()).accounts).toEqual([]);
    });

    it('round-trips KPI documents exactly, small and large (gzipped over 300 KB)', async () => {
      const store = await freshStore();
      const nested = {
        nrr: 1.0734,
        grr: 0.9,
        empty: {},
        list: [1, null, 'x', { deep: [0.1, -0] }],
        text: '',
        big: 900_719_925_474_099,
      };
      const large = {
        accounts: Array.from({ length: 6_000 }, (_, i) => ({ id: `ACC-${i}`, health: i % 100, note: 'x'.repeat(40) })),
      };
      expect(JSON.stringify(large).length).toBeGreaterThan(300_000);

      await store.putSnapshot(snap('company', '2026-W46', nested));
      await store.putSnapshot(snap('company', '2026-W47', large));

      expect((await store.getSnapshot('company', '2026-W46'))?.kpis).toEqual(JSON.parse(JSON.stringify(nested)));
      expect((await store.getSnapshot('company', '2026-W47'))?.kpis).toEqual(large);
    });
  });
});
