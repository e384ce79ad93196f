// The AlertStateStore port on the Pulse table. Alert states live in one partition (`ALERTS`,
// `ALERT#<alert id>`), the whole state as JSON text in `stateJson` beside a few plain attributes
// for the console (rule, accountId, status, severity); writes are conditional on `version`
// (optimistic concurrency), so two concurrent runs cannot both apply a transition. Digest cursors
// are items `ALERT-DIGEST` / `CURSOR#<audience>#<recipient>`. Only GetItem, Query and PutItem are
// used (the alert-digest job's `table:read` and `table:claim` grants).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertState } from '../../domain/alerts';
import { AlertConflictError, type AlertStateStore } from '../../ports/alerts';
import { fullJitterDelay, realSleep } from '../../backoff';
import { DynamoDbStoreError, describe, isRetryable } from './errors';
import { ALERT_CURSOR_ENTITY, ALERT_ENTITY, ATTR, alertCursorKey, alertKey } from './table';
import { documentClient } from './document-client';

export interface DynamoDbAlertStateStoreOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

type Item = Record<string, unknown>;

export class DynamoDbAlertStateStore implements AlertStateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: DynamoDbAlertStateStoreOptions) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
    this.sleep = opts.sleep ?? realSleep;
  }

  async listAlerts(): Promise<AlertState[]> {
    const out: AlertState[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.retry('list alerts', 'READ_FAILED', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
            ExpressionAttributeValues: { ':pk': alertKey('').PK },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of (page.Items ?? []) as Item[]) out.push(toState(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getAlert(id: string): Promise<AlertState | undefined> {
    const out = await this.retry(`get alert ${id}`, 'READ_FAILED', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: alertKey(id), ConsistentRead: true })),
    );
    return out.Item ? toState(out.Item as Item) : undefined;
  }

  async putAlert(state: AlertState): Promise<AlertState> {
    const next: AlertState = { ...state, version: state.version + 1 };
    const item: Item = {
      ...alertKey(state.id),
      [ATTR.entity]: ALERT_ENTITY,
      alertId: state.id,
      rule: state.rule,
      accountId: state.accountId,
      status: state.status,
      severity: state.severity,
      version: next.version,
      stateJson: JSON.stringify(next),
    };
    try {
      await this.retry(`put alert ${state.id}`, 'PUT_FAILED', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: state.version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
            ExpressionAttributeNames: state.version === 0 ? { '#pk': ATTR.pk } : { '#v': 'version' },
            ...(state.version === 0 ? {} : { ExpressionAttributeValues: { ':v': state.version } }),
          }),
        ),
      );
    } catch (e) {
      if (isConditionFailed(e) || isConditionFailed((e as { cause?: unknown }).cause))
        throw new AlertConflictError(state.id, state.version);
      throw e;
    }
    return next;
  }

  async getDigestCursor(audience: string, recipient: string): Promise<string | undefined> {
    const out = await this.retry('get digest cursor', 'READ_FAILED', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: alertCursorKey(audience, recipient), ConsistentRead: true }),
      ),
    );
    return typeof out.Item?.through === 'string' ? out.Item.through : undefined;
  }

  async setDigestCursor(audience: string, recipient: string, through: string): Promise<void> {
    await this.retry('set digest cursor', 'PUT_FAILED', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...alertCursorKey(audience, recipient),
            [ATTR.entity]: ALERT_CURSOR_ENTITY,
            audience,
            recipient,
            through,
          },
          // Cursors only move forward (a slow concurrent run must not move one back).
          ConditionExpression: 'attribute_not_exists(#through) OR #through < :through',
          ExpressionAttributeNames: { '#through': 'through' },
          ExpressionAttributeValues: { ':through': through },
        }),
      ),
    ).catch((e) => {
      if (isConditionFailed(e) || isConditionFailed((e as { cause?: unknown }).cause)) return;
      throw e;
    });
  }

  private async retry<T>(what: string, code: 'READ_FAILED' | 'PUT_FAILED', fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0)
        await this.sleep(fullJitterDelay(attempt - 1, { baseMs: 50, maxMs: 2_000, random: Math.random }));
      try {
        return await fn();
      } catch (err) {
        if (isConditionFailed(err)) throw err;
        if (!isRetryable(err) || attempt + 1 >= this.maxAttempts) {
          throw new DynamoDbStoreError(code, `${what} in table "${this.table}" failed: ${describe(err)}`, {
            cause: err,
          });
        }
      }
    }
  }
}

function isConditionFailed(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'ConditionalCheckFailedException';
}

function toState(item: Item): AlertState {
  return JSON.parse(String(item.stateJson)) as AlertState;
}
