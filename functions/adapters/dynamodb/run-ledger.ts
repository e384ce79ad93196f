// The RunLedger port on the Pulse table: one item per run (`RUN#<runId>`), listed newest first
// per kind through GSI1 (`RUNS#<kind>`, `<startedAt>#<runId>`). Layout in docs/data-store.md.
// Only GetItem, PutItem and Query are used (the grants every job already has for the table).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RunKind, RunLedger, RunRecord, RunStart } from '../../ports/run-ledger';
import { ATTR, GSI1, RUN_ENTITY, runKey, runsGsi1pk, runsGsi1sk } from './table';
import { documentClient } from './document-client';

type Item = Record<string, unknown>;

/** Every run kind, as a record so a new RunKind is a compile error here until it is listed. */
const KINDS: Record<RunKind, true> = { ingest: true, compute: true, report: true, alerts: true, archive: true };
export const RUN_KINDS = Object.keys(KINDS) as RunKind[];

export interface DynamoDbRunLedgerOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** Runs expire (DynamoDB TTL) this many days after they started; default 400. */
  retentionDays?: number;
}

export class RunLedgerError extends Error {
  override readonly name = 'RunLedgerError';
  constructor(
    readonly code: 'RUN_EXISTS' | 'RUN_NOT_FOUND' | 'LEDGER_FAILED',
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

export class DynamoDbRunLedger implements RunLedger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionDays: number;

  constructor(opts: DynamoDbRunLedgerOptions) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.retentionDays = opts.retentionDays ?? 400;
  }

  async start(run: RunStart): Promise<void> {
    const record: RunRecord = { ...run, status: 'running', counts: {}, errors: [] };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      );
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') {
        throw new RunLedgerError('RUN_EXISTS', `run ${run.runId} is already in the ledger`, { cause: err });
      }
      throw new RunLedgerError(
        'LEDGER_FAILED',
        `recording the start of run ${run.runId} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async finish(
    runId: string,
    outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors' | 'rejects'>,
  ): Promise<void> {
    const current = await this.get(runId);
    if (!current) throw new RunLedgerError('RUN_NOT_FOUND', `run ${runId} was never started in the ledger`);
    const record: RunRecord = { ...current, ...outcome };
    if (!outcome.rejects) delete record.rejects;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      );
    } catch (err) {
      throw new RunLedgerError('LEDGER_FAILED', `recording the end of run ${runId} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async finishTimedOut(run: RunRecord, outcome: Pick<RunRecord, 'finishedAt' | 'errors'>): Promise<void> {
    await this.finish(run.runId, {
      status: 'timed-out',
      counts: run.counts,
      ...(run.rejects ? { rejects: run.rejects } : {}),
      ...outcome,
    });
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: runKey(runId), ConsistentRead: true }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async list(opts: { kind?: RunKind; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = Math.max(1, opts.limit ?? 20);
    const kinds = opts.kind ? [opts.kind] : RUN_KINDS;
    const perKind = await Promise.all(kinds.map((k) => this.listKind(k, limit)));
    return perKind
      .flat()
      .sort((a, b) => (a.startedAt === b.startedAt ? (a.runId < b.runId ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1))
      .slice(0, limit);
  }

  private async listKind(kind: RunKind, limit: number): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: GSI1,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': ATTR.gsi1pk },
          ExpressionAttributeValues: { ':pk': runsGsi1pk(kind) },
          ScanIndexForward: false,
          Limit: limit - out.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(toRecord(item));
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  private toItem(r: RunRecord): Item {
    const expires = Math.floor(Date.parse(r.startedAt) / 1000) + this.retentionDays * 86_400;
    return {
      ...runKey(r.runId),
      [ATTR.gsi1pk]: runsGsi1pk(r.kind),
      [ATTR.gsi1sk]: runsGsi1sk(r.startedAt, r.runId),
      [ATTR.entity]: RUN_ENTITY,
      ...(Number.isFinite(expires) ? { [ATTR.ttl]: expires } : {}),
      ...r,
    };
  }
}

function toRecord(item: Item): RunRecord {
  const r: RunRecord = {
    runId: String(item.runId),
    kind: item.kind as RunKind,
    subject: String(item.subject),
    startedAt: String(item.startedAt),
    status: item.status as RunRecord['status'],
    counts: (item.counts as Record<string, number>) ?? {},
    errors: (item.errors as string[]) ?? [],
  };
  if (typeof item.period === 'string') r.period = item.period;
  if (typeof item.finishedAt === 'string') r.finishedAt = item.finishedAt;
  if (typeof item.trigger === 'string') r.trigger = item.trigger;
  if (item.rejects && typeof item.rejects === 'object') r.rejects = item.rejects as RunRecord['rejects'];
  if (typeof item.deadline === 'string') r.deadline = item.deadline;
  if (typeof item.timeLimitMs === 'number') r.timeLimitMs = item.timeLimitMs;
  return r;
}
