// SingleUseIds on the Pulse table: one item per used id (`USED#<id>` / `USED`), written with a
// condition that it does not exist yet, and expired by TTL a day after its link or request would
// have stopped working anyway.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SingleUseIds } from '../../ports/alert-actions';
import { documentClient } from './document-client';
import { ATTR, USED_ENTITY, usedIdKey } from './table';

const KEEP_AFTER_EXPIRY_SECONDS = 86_400;

export class DynamoDbSingleUseIds implements SingleUseIds {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;
  constructor(opts: { client: DynamoDBClient | DynamoDBDocumentClient; tableName: string; now?: () => Date }) {
    this.doc = documentClient(opts.client);
    this.table = opts.tableName;
    this.now = opts.now ?? (() => new Date());
  }

  async use(id: string, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...usedIdKey(id),
            [ATTR.entity]: USED_ENTITY,
            usedAt: this.now().toISOString(),
            [ATTR.ttl]: expiresAt + KEEP_AFTER_EXPIRY_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async release(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: usedIdKey(id) }));
  }
}
