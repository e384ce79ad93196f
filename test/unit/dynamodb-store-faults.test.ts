// The DynamoDB Store adapter under faults (no network: aws-sdk-client-mock stands in for DynamoDB):
// unprocessed items, throttling, non-retryable errors, batching, dedupe, pagination.
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullJitterDelay } from '../../functions/backoff';
import { DynamoDbStore, DynamoDbStoreError, type DynamoDbStoreOptions } from '../../functions/adapters/dynamodb';
import type { Usage } from '../../functions/domain/contract/entities';

const TABLE = 'pulse-test';

const usage = (n: number, accountId = 'A1'): Usage => ({
  accountId,
  week: `2026-${String(1 + Math.floor(n / 28)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`,
  weeklyActiveUsers: n,
  licensedSeats: 100,
});

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

function requestsOf(input: BatchWriteCommandInput): WriteRequests {
  return input.RequestItems?.[TABLE] ?? [];
}

function throttled(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: {},
  });
}

describe('DynamoDbStore under faults', () => {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const ddb = mockClient(doc);
  let sleeps: number[];

  const store = (opts: Partial<DynamoDbStoreOptions> = {}): DynamoDbStore =>
    new DynamoDbStore({
      client: doc,
      tableName: TABLE,
      writeConcurrency: 1,
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.999,
      ...opts,
    });

  beforeEach(() => {
    ddb.reset();
    sleeps = [];
  });
  afterEach(() => ddb.reset());

  it('writes in batches of 25 with keys, the entity attribute and the typed fields', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const records = Array.from({ length: 60 }, (_, i) => usage(i));

    await store().putRecords('usage', records);

    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls.map((c) => requestsOf(c.args[0].input).length)).toEqual([25, 25, 10]);
    expect(requestsOf(calls[0]!.args[0].input)[0]).toEqual({
      PutRequest: {
        Item: {
          ...records[0],
          PK: 'ACCOUNT#A1',
          SK: `USAGE#${records[0]!.week}`,
          GSI1PK: 'ACCOUNT#A1',
          GSI1SK: `USAGE#${records[0]!.week}`,
          entity: 'usage',
        },
      },
    });
    expect(sleeps).toEqual([]);
  });

  it('retries UnprocessedItems returned once, sending only those items again', async () => {
    let first = true;
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      if (!first) return {};
      first = false;
      return { UnprocessedItems: { [TABLE]: requestsOf(input).slice(0, 3) } };
    });
    const records = Array.from({ length: 30 }, (_, i) => usage(i));

    await store().putRecords('usage', records);

    const sizes = ddb.commandCalls(BatchWriteCommand).map((c) => requestsOf(c.args[0].input).length);
    expect(sizes).toEqual([25, 3, 5]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(sleeps[0]).toBeLessThan(100); // full jitter below the first cap
  });

  it('gives up after a bounded number of attempts when items stay unprocessed, naming how many were not written', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => ({
      UnprocessedItems: { [TABLE]: requestsOf(input).slice(0, 2) },
    }));
    const records = Array.from({ length: 10 }, (_, i) => usage(i));

    const err = await store({ maxAttempts: 4 })
      .putRecords('usage', records)
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(DynamoDbStoreError);
    const e = err as DynamoDbStoreError;
    expect(e.code).toBe('WRITE_INCOMPLETE');
    expect(e.notWritten).toBe(2);
    expect(e.total).toBe(10);
    expect(e.message).toContain('2 of 10 records were not written');
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(4);
    // Exponential caps (100, 200, 400 ms) with full jitter: each delay below its cap.
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThan(100 * 2 ** i));
    expect(sleeps[2]).toBeGreaterThan(200);
  });

  it('retries ProvisionedThroughputExceededException and then succeeds', async () => {
    ddb.on(BatchWriteCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});

    await store().putRecords('usage', [usage(1), usage(2)]);

    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('fails with the throttling error as cause when throttling persists', async () => {
    ddb.on(BatchWriteCommand).rejects(throttled());

    const err = (await store({ maxAttempts: 3 })
      .putRecords('usage', [usage(1), usage(2)])
      .catch((e: unknown) => e)) as DynamoDbStoreError;

    expect(err.code).toBe('WRITE_INCOMPLETE');
    expect(err.notWritten).toBe(2);
    expect(err.message).toContain('ProvisionedThroughputExceededException');
    expect((err.cause as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('does not retry a non-retryable error and starts no further batch after a failure', async () => {
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    ddb.on(BatchWriteCommand).rejects(invalid);
    const records = Array.from({ length: 60 }, (_, i) => usage(i));

    const err = (await store()
      .putRecords('usage', records)
      .catch((e: unknown) => e)) as DynamoDbStoreError;

    expect(err.code).toBe('WRITE_INCOMPLETE');
    expect(err.notWritten).toBe(60); // 25 failed + 35 never started
    expect(err.cause).toBe(invalid);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('keeps several batches in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    ddb.on(BatchWriteCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return {};
    });

    await store({ writeConcurrency: 4 }).putRecords(
      'usage',
      Array.from({ length: 200 }, (_, i) => usage(i)),
    );

    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(8);
    expect(peak).toBe(4);
  });

  it('dedupes records with the same key (last wins), within and across batches', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const records = [
      ...Array.from({ length: 30 }, (_, i) => usage(i)),
      { ...usage(3), weeklyActiveUsers: 999 },
      { ...usage(27), weeklyActiveUsers: 777 },
    ];

    await store().putRecords('usage', records);

    const items = ddb
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => requestsOf(c.args[0].input))
      .map((r) => r.PutRequest!.Item!);
    expect(items).toHaveLength(30);
    expect(new Set(items.map((i) => `${String(i.PK)}|${String(i.SK)}`)).size).toBe(30);
    expect(items.find((i) => i.SK === `USAGE#${usage(3).week}`)!.weeklyActiveUsers).toBe(999);
    expect(items.find((i) => i.SK === `USAGE#${usage(27).week}`)!.weeklyActiveUsers).toBe(777);
  });

  it('drops undefined fields instead of failing to marshall them', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await store().putRecords('accounts', [{ accountId: 'A1', name: 'Acme', segment: undefined }]);
    const item = requestsOf(ddb.commandCalls(BatchWriteCommand)[0]!.args[0].input)[0]!.PutRequest!.Item!;
    expect(item).not.toHaveProperty('segment');
  });

  it('scans in parallel segments, follows pagination, retries a throttled page and strips table attributes', async () => {
    const segmentsSeen = new Set<number>();
    let throttledOnce = false;
    ddb
      .on(ScanCommand)
      .callsFake(
        (input: {
          Segment?: number;
          TotalSegments?: number;
          ExclusiveStartKey?: unknown;
          ConsistentRead?: boolean;
        }) => {
          expect(input.TotalSegments).toBe(3);
          expect(input.ConsistentRead).toBe(true);
          const seg = input.Segment!;
          segmentsSeen.add(seg);
          if (seg === 1 && !throttledOnce) {
            throttledOnce = true;
            throw throttled();
          }
          if (seg === 0 && !input.ExclusiveStartKey) {
            return {
              Items: [
                {
                  PK: 'ACCOUNT#B',
                  SK: 'ACCOUNT',
                  GSI1PK: 'ACCOUNT#B',
                  GSI1SK: 'ACCOUNT',
                  entity: 'accounts',
                  accountId: 'B',
                  name: 'Beta',
                },
              ],
              LastEvaluatedKey: { PK: 'ACCOUNT#B', SK: 'ACCOUNT' },
            };
          }
          if (seg === 0) {
            return { Items: [{ PK: 'ACCOUNT#A', SK: 'ACCOUNT', entity: 'accounts', accountId: 'A', name: 'Alpha' }] };
          }
          if (seg === 1)
            return { Items: [{ PK: 'SPEND', SK: '2026-01', entity: 'spend', month: '2026-01', salesMarketing: 100 }] };
          return { Items: [] };
        },
      );

    const data = await store({ scanSegments: 3 }).loadDataset();

    expect([...segmentsSeen].sort()).toEqual([0, 1, 2]);
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(5);
    expect(data.accounts).toEqual([
      { accountId: 'A', name: 'Alpha' },
      { accountId: 'B', name: 'Beta' },
    ]);
    expect(data.spend).toEqual([{ month: '2026-01', salesMarketing: 100 }]);
    expect(data.usage).toEqual([]);
  });

  it('wraps a failed read in a typed error after bounded attempts', async () => {
    ddb.on(ScanCommand).rejects(throttled());
    const err = (await store({ maxAttempts: 2, scanSegments: 1 })
      .countRecords()
      .catch((e: unknown) => e)) as DynamoDbStoreError;
    expect(err).toBeInstanceOf(DynamoDbStoreError);
    expect(err.code).toBe('READ_FAILED');
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(2);
  });

  it('rejects week labels that would not sort, and answers an empty range without a query', async () => {
    const s = store();
    await expect(s.listSnapshots('company', '2026-47', '2026-W48')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      s.putSnapshot({ scope: 'company', week: '2026-W7', asOf: '2026-02-15', computedAt: 'x', kpis: {} }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await s.listSnapshots('company', '2026-W48', '2026-W47')).toEqual([]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('fullJitterDelay', () => {
  it('stays below min(max, base * 2^retry)', () => {
    const opts = { baseMs: 50, maxMs: 1_000, random: () => 0.999999 };
    expect(fullJitterDelay(0, opts)).toBe(49);
    expect(fullJitterDelay(3, opts)).toBe(399);
    expect(fullJitterDelay(10, opts)).toBe(999);
    expect(fullJitterDelay(100, opts)).toBe(999);
    expect(fullJitterDelay(5, { ...opts, random: () => 0 })).toBe(0);
  });
});
