// The Store port on DynamoDB: one table, keys from ./table.ts, design in docs/data-store.md.
// The adapter takes a client (DynamoDBClient or DynamoDBDocumentClient) and a table name; it never
// reads process.env, so Lambda handlers, the CLI and tests each wire their own.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ENTITY_NAMES, entityKey, type EntityName, type EntityTypes } from '../../domain/contract/entities';
import { emptyDataset, type Dataset } from '../../domain/contract/validate';
import type { IsoDate } from '../../domain/dates';
import type { KpiSnapshot, LoadDatasetOptions, Store } from '../../ports/store';
import { fullJitterDelay, realSleep } from '../../backoff';
import { runPool } from './concurrency';
import { DynamoDbStoreError, describe, isRetryable } from './errors';
import {
  ATTR,
  GSI1,
  RESERVED_ATTRIBUTES,
  SNAPSHOT_ENTITY,
  accountPk,
  recordKeys,
  snapshotPk,
  snapshotSk,
} from './table';
import { documentClient } from './document-client';

type Item = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export interface DynamoDbStoreOptions {
  /** A DynamoDBClient (wrapped in a document client here) or a ready DynamoDBDocumentClient. */
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** BatchWriteItem calls in flight at once (default 4). */
  writeConcurrency?: number;
  /** Segments of the parallel Scan used by loadDataset and countRecords (default 4). */
  scanSegments?: number;
  /** Attempts per request, the first included (default 8): unprocessed items and throttling. */
  maxAttempts?: number;
  /** Backoff between attempts: full jitter over min(maxDelayMs, baseDelayMs * 2^retry). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_SIZE = 25;
/** KPI documents larger than this (UTF-8 JSON) are stored gzipped; items are limited to 400 KB. */
const SNAPSHOT_INLINE_LIMIT = 300_000;
const ITEM_LIMIT = 390_000;
const WEEK_LABEL = /^\d{4}-W\d{2}$/;

const DATASET_ENTITIES = new Set<string>(ENTITY_NAMES);

export class DynamoDbStore implements Store {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly writeConcurrency: number;
  private readonly scanSegments: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(opts: DynamoDbStoreOptions) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.writeConcurrency = Math.max(1, opts.writeConcurrency ?? 4);
    this.scanSegments = Math.max(1, opts.scanSegments ?? 4);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.baseDelayMs = opts.baseDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 5_000;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
  }

  // ---- dataset records -------------------------------------------------------------------

  async putRecords<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]): Promise<void> {
    const keysOf = recordKeys[entity] as unknown as (r: EntityTypes[K]) => Item;
    await this.writeAll(
      `putRecords(${entity})`,
      'records were not written',
      records.map((record) => {
        const keys = keysOf(record);
        return {
          keys,
          request: {
            PutRequest: { Item: { ...withoutUndefined(record as unknown as Item), ...keys, [ATTR.entity]: entity } },
          },
        };
      }),
    );
  }

  /**
   * Deletes records by identity (only the id fields of each record are read: `lineId`, or
   * `accountId` + `week` for usage ...). Deleting a missing record is not an error. Same batching,
   * retries and WRITE_INCOMPLETE error as putRecords.
   */
  async deleteRecords<K extends EntityName>(entity: K, records: readonly Partial<EntityTypes[K]>[]): Promise<void> {
    const keysOf = recordKeys[entity] as unknown as (r: Partial<EntityTypes[K]>) => Item;
    await this.writeAll(
      `deleteRecords(${entity})`,
      'deletes were not done',
      records.map((record) => {
        const keys = keysOf(record);
        return { keys, request: { DeleteRequest: { Key: { [ATTR.pk]: keys[ATTR.pk], [ATTR.sk]: keys[ATTR.sk] } } } };
      }),
    );
  }

  /**
   * Writes requests in BatchWriteItem batches, a few in flight. DynamoDB rejects a batch holding the
   * same key twice, and two parallel batches holding the same key would race: the last request per
   * key wins over the whole call ("later row wins").
   */
  private async writeAll(what: string, failure: string, items: { keys: Item; request: WriteRequest }[]): Promise<void> {
    if (items.length === 0) return;
    const byKey = new Map<string, WriteRequest>();
    for (const { keys, request } of items) byKey.set(`${String(keys[ATTR.pk])}\u0000${String(keys[ATTR.sk])}`, request);
    const requests = [...byKey.values()];
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));

    const { errors, notStarted } = await runPool(batches, this.writeConcurrency, (batch) => this.writeBatch(batch));
    if (errors.length === 0) return;

    let notWritten = 0;
    for (const e of errors) notWritten += e instanceof BatchFailure ? e.remaining : BATCH_SIZE;
    for (const i of notStarted) notWritten += batches[i]?.length ?? 0;
    const first = errors[0] as BatchFailure;
    throw new DynamoDbStoreError(
      'WRITE_INCOMPLETE',
      `${what}: ${notWritten} of ${requests.length} ${failure} in table "${this.table}" (${first.reason}). Writes are idempotent: re-running the same input is safe.`,
      { cause: first.cause, notWritten, total: requests.length },
    );
  }

  /** One BatchWriteItem with its UnprocessedItems retried: bounded attempts, full-jitter backoff. */
  private async writeBatch(batch: WriteRequest[]): Promise<void> {
    let pending = batch;
    let lastProblem: { reason: string; cause?: unknown } = { reason: '' };
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt - 1);
      try {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        const unprocessed = (out.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
        if (unprocessed.length === 0) return;
        pending = unprocessed;
        lastProblem = { reason: `${unprocessed.length} still unprocessed after ${attempt + 1} attempts` };
      } catch (err) {
        if (!isRetryable(err)) throw new BatchFailure(pending.length, describe(err), err);
        lastProblem = { reason: `${describe(err)}, after ${attempt + 1} attempts`, cause: err };
      }
    }
    throw new BatchFailure(pending.length, lastProblem.reason, lastProblem.cause);
  }

  async loadDataset(opts: LoadDatasetOptions = {}): Promise<Dataset> {
    const data = emptyDataset();
    // Items become records page by page, so the raw pages never pile up (at 100k accounts they would take GBs).
    await this.scanAll(datasetFilter(opts.usageFrom), (items) => {
      for (const item of items) {
        const entity = item[ATTR.entity] as EntityName;
        (data[entity] as unknown[]).push(toRecord(item));
      }
    });
    for (const entity of ENTITY_NAMES) sortByKey(entity, data[entity]);
    return data;
  }

  /** Every dataset record of one account (spend is company-wide and never included). */
  async loadAccount(accountId: string): Promise<Dataset> {
    const data = emptyDataset();
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.gsi1pk },
      ExpressionAttributeValues: { ':pk': accountPk(accountId) },
    });
    for (const item of items) {
      const entity = item[ATTR.entity];
      if (typeof entity === 'string' && DATASET_ENTITIES.has(entity))
        (data[entity as EntityName] as unknown[]).push(toRecord(item));
    }
    // Rates are company-wide (not in the account's index): those of the account's currencies, so its rows convert.
    const currencies = new Set<string>();
    for (const r of [...data.subscriptions, ...data.renewals, ...data.expansions])
      if (r.currency !== undefined) currencies.add(r.currency);
    for (const currency of currencies) {
      const rates = await this.queryAll({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': ATTR.pk },
        ExpressionAttributeValues: { ':pk': recordKeys.fx_rates({ date: '', currency, rate: '' }).PK },
      });
      for (const item of rates)
        if (item[ATTR.entity] === 'fx_rates') data.fx_rates.push(toRecord(item) as EntityTypes['fx_rates']);
    }
    for (const entity of ENTITY_NAMES) sortByKey(entity, data[entity]);
    return data;
  }

  async countRecords(): Promise<Record<EntityName, number>> {
    const counts = Object.fromEntries(ENTITY_NAMES.map((n) => [n, 0])) as Record<EntityName, number>;
    const filter = datasetFilter();
    const items = await this.scanAll({
      ...filter,
      ProjectionExpression: '#entity',
    });
    for (const item of items) counts[item[ATTR.entity] as EntityName]++;
    return counts;
  }

  // ---- KPI snapshots ---------------------------------------------------------------------

  async putSnapshot(snapshot: KpiSnapshot): Promise<void> {
    checkWeek(snapshot.week, 'putSnapshot');
    const json = JSON.stringify(snapshot.kpis ?? null);
    const item: Item = {
      [ATTR.pk]: snapshotPk(snapshot.scope),
      [ATTR.sk]: snapshotSk(snapshot.week),
      [ATTR.entity]: SNAPSHOT_ENTITY,
      scope: snapshot.scope,
      week: snapshot.week,
      asOf: snapshot.asOf,
      computedAt: snapshot.computedAt,
    };
    if (Buffer.byteLength(json) <= SNAPSHOT_INLINE_LIMIT) {
      item.kpisJson = json;
    } else {
      const gz = gzipSync(json);
      if (gz.byteLength > ITEM_LIMIT) {
        throw new DynamoDbStoreError(
          'INVALID_ARGUMENT',
          `putSnapshot(${snapshot.scope}, ${snapshot.week}): the KPI document is ${gz.byteLength} bytes gzipped, over the 400 KB DynamoDB item limit`,
        );
      }
      item.kpisGzip = new Uint8Array(gz);
    }
    await this.withRetry(`putSnapshot(${snapshot.scope}, ${snapshot.week})`, 'PUT_FAILED', () =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: item })),
    );
  }

  async getSnapshot(scope: string, week: string): Promise<KpiSnapshot | undefined> {
    const out = await this.withRetry(`getSnapshot(${scope}, ${week})`, 'READ_FAILED', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { [ATTR.pk]: snapshotPk(scope), [ATTR.sk]: snapshotSk(week) },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toSnapshot(out.Item) : undefined;
  }

  async listSnapshots(scope: string, fromWeek: string, toWeek: string): Promise<KpiSnapshot[]> {
    checkWeek(fromWeek, 'listSnapshots');
    checkWeek(toWeek, 'listSnapshots');
    // BETWEEN with lower > upper is a ValidationException in DynamoDB; the answer is simply none.
    if (fromWeek > toWeek) return [];
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
      ExpressionAttributeValues: { ':pk': snapshotPk(scope), ':from': snapshotSk(fromWeek), ':to': snapshotSk(toWeek) },
      ScanIndexForward: true,
      ConsistentRead: true,
    });
    return items.map(toSnapshot);
  }

  // ---- plumbing --------------------------------------------------------------------------

  /**
   * Parallel Scan (segments), each segment paginated; consistent reads so a load sees every put.
   * With `onPage`, each page goes there instead of into the result.
   */
  private async scanAll(input: Omit<ScanCommandInput, 'TableName'>, onPage?: (items: Item[]) => void): Promise<Item[]> {
    const total = this.scanSegments;
    const perSegment = await Promise.all(
      Array.from({ length: total }, async (_, segment) => {
        const out: Item[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.withRetry(
            `scan of table "${this.table}" (segment ${segment + 1}/${total})`,
            'READ_FAILED',
            () =>
              this.doc.send(
                new ScanCommand({
                  ...input,
                  TableName: this.table,
                  ConsistentRead: true,
                  ...(total > 1 ? { Segment: segment, TotalSegments: total } : {}),
                  ...(start ? { ExclusiveStartKey: start } : {}),
                }),
              ),
          );
          if (page.Items && onPage) onPage(page.Items as Item[]);
          else if (page.Items) for (const item of page.Items as Item[]) out.push(item);
          start = page.LastEvaluatedKey;
        } while (start);
        return out;
      }),
    );
    return perSegment.flat();
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const out: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.withRetry(`query of table "${this.table}"`, 'READ_FAILED', () =>
        this.doc.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })),
      );
      if (page.Items) out.push(...(page.Items as Item[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  private async withRetry<T>(what: string, code: 'READ_FAILED' | 'PUT_FAILED', fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await this.backoff(attempt - 1);
      try {
        return await fn();
      } catch (err) {
        if (!isRetryable(err) || attempt + 1 >= this.maxAttempts) {
          throw new DynamoDbStoreError(
            code,
            `${what} failed${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}: ${describe(err)}`,
            {
              cause: err,
            },
          );
        }
      }
    }
  }

  private backoff(retry: number): Promise<void> {
    return this.sleep(
      fullJitterDelay(retry, { baseMs: this.baseDelayMs, maxMs: this.maxDelayMs, random: this.random }),
    );
  }
}

/** A batch that could not be fully written; `remaining` items are not in the table. */
class BatchFailure extends Error {
  constructor(
    readonly remaining: number,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(reason);
  }
}

function datasetFilter(
  usageFrom?: IsoDate,
): Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const values: Record<string, string> = Object.fromEntries(ENTITY_NAMES.map((n, i) => [`:e${i}`, n]));
  const entities = `#entity IN (${Object.keys(values).join(', ')})`;
  if (usageFrom === undefined)
    return {
      FilterExpression: entities,
      ExpressionAttributeNames: { '#entity': ATTR.entity },
      ExpressionAttributeValues: values,
    };
  return {
    // ISO dates compare as strings.
    FilterExpression: `${entities} AND (#entity <> :usage OR #week >= :usageFrom)`,
    ExpressionAttributeNames: { '#entity': ATTR.entity, '#week': 'week' },
    ExpressionAttributeValues: { ...values, ':usage': 'usage', ':usageFrom': usageFrom },
  };
}

function withoutUndefined(o: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** The typed record back from an item: every table attribute stripped. */
function toRecord(item: Item): unknown {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!RESERVED_ATTRIBUTES.has(k)) out[k] = v;
  return out;
}

/** Stable order (by entity id) so reruns over the same data see the same sequence. */
function sortByKey<K extends EntityName>(entity: K, records: EntityTypes[K][]): void {
  const key = entityKey[entity] as (r: EntityTypes[K]) => string;
  records.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function toSnapshot(item: Item): KpiSnapshot {
  let json: string;
  if (typeof item.kpisJson === 'string') json = item.kpisJson;
  else if (item.kpisGzip instanceof Uint8Array) json = gunzipSync(item.kpisGzip).toString('utf8');
  else json = 'null';
  return {
    scope: String(item.scope),
    week: String(item.week),
    asOf: String(item.asOf),
    computedAt: String(item.computedAt),
    kpis: JSON.parse(json) as unknown,
  };
}

function checkWeek(week: string, what: string): void {
  if (!WEEK_LABEL.test(week)) {
    throw new DynamoDbStoreError(
      'INVALID_ARGUMENT',
      `${what}: "${week}" is not an ISO week label (expected YYYY-Www, e.g. 2026-W47)`,
    );
  }
}
