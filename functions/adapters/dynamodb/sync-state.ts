// The SyncStateStore port on the Pulse table: `SOURCE#<source>` / `SYNC#<key>`, one small item per
// remembered value (an HTTP resource's high-water mark). Layout in docs/data-store.md.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SyncStateStore } from '../../ports/sync-state';
import { ATTR, SYNC_STATE_ENTITY, syncStateKey } from './table';
import { documentClient } from './document-client';

export class DynamoDbSyncState implements SyncStateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(opts: { client: DynamoDBClient | DynamoDBDocumentClient; tableName: string; now?: () => Date }) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.now = opts.now ?? (() => new Date());
  }

  private readonly table: string;
  private readonly now: () => Date;

  async get(source: string, key: string): Promise<string | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: syncStateKey(source, key), ConsistentRead: true }),
    );
    return typeof out.Item?.value === 'string' ? out.Item.value : undefined;
  }

  async put(source: string, key: string, value: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...syncStateKey(source, key),
          [ATTR.entity]: SYNC_STATE_ENTITY,
          source,
          key,
          value,
          updatedAt: this.now().toISOString(),
        },
      }),
    );
  }

  async clear(source: string, key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: syncStateKey(source, key) }));
  }

  async list(source: string, prefix: string): Promise<{ key: string; value: string }[]> {
    const { PK, SK } = syncStateKey(source, prefix);
    const out: { key: string; value: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': PK, ':sk': SK },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? [])
        if (typeof item.key === 'string' && typeof item.value === 'string')
          out.push({ key: item.key, value: item.value });
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
