// Weekly snapshots in the real store: written for the week and its history, per company and
// segment; recomputing overwrites in place; what is stored equals what the engine computes.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { generateDemoData } from '../../functions/adapters/sources/demo';
import { COMPANY_SCOPE, computeWeek, segmentScope } from '../../functions/app/compute-week';
import { ENTITY_NAMES } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import { computeKpis, DEFAULT_KPI_SETTINGS, toKpiJson } from '../../functions/domain/kpi';
import { startLocalStack, type LocalStack } from '../../lib/local';

describe('computeWeek against the local store', () => {
  let stack: LocalStack;
  let store: DynamoDbStore;
  const settings = DEFAULT_KPI_SETTINGS;

  beforeAll(async () => {
    stack = await startLocalStack({ persist: false });
    const client = new DynamoDBClient({
      endpoint: stack.endpoints.dynamodb,
      region: stack.env.AWS_REGION,
      credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID!, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY! },
    });
    store = new DynamoDbStore({ client, tableName: stack.resources.tableName });
    const raw = generateDemoData({ endDate: '2026-11-23', accounts: 30, seed: 9 });
    const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
    for (const entity of ENTITY_NAMES) {
      const records = raw[entity].map((row) => {
        const r = validator.validate(entity, row);
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        return r.record;
      });
      await store.putRecords(entity, records as never);
    }
  });
  afterAll(async () => stack?.stop());

  it('stores the week and 13 earlier weeks, company-wide and per segment, equal to the engine', async () => {
    const result = await computeWeek(store, settings, {
      asOf: '2026-11-22',
      history: 13,
      computedAt: '2026-11-23T07:00:00Z',
    });
    expect(result.snapshotsWritten).toHaveLength(14);
    expect(result.snapshotsWritten[0]).toBe('2026-W34');
    const company = await store.listSnapshots(COMPANY_SCOPE, '2026-W01', '2026-W53');
    expect(company.map((s) => s.week)).toEqual(result.snapshotsWritten);
    for (const segment of result.segments.keys()) {
      expect((await store.listSnapshots(segmentScope(segment), '2026-W34', '2026-W47')).length, segment).toBe(14);
    }
    const expected = toKpiJson(computeKpis(await store.loadDataset(), '2026-11-22', settings));
    const stored = (await store.getSnapshot(COMPANY_SCOPE, '2026-W47'))!.kpis as Record<string, unknown>;
    for (const key of Object.keys(expected)) expect(stored[key], key).toEqual(expected[key as keyof typeof expected]);
    expect(stored).toHaveProperty('trend');
    expect(stored).toHaveProperty('segments');
  });

  it('overwrites a recomputed week in place', async () => {
    await computeWeek(store, settings, { asOf: '2026-11-22', computedAt: '2026-11-24T09:00:00Z' });
    const snapshots = await store.listSnapshots(COMPANY_SCOPE, '2026-W47', '2026-W47');
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]!.computedAt).toBe('2026-11-24T09:00:00Z');
    expect((await store.listSnapshots(COMPANY_SCOPE, '2026-W01', '2026-W53')).length).toBe(14);
  });
});
