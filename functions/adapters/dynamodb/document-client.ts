// One way every DynamoDB adapter gets its document client: a given document client as it is, or
// one wrapped around a plain client (undefined attributes left out, as records never store them).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function documentClient(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient
    ? client
    : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The DynamoDBClient configuration under the adapters that retry by themselves (DynamoDbStore,
 * DynamoDbAlertStateStore, with the backoff of functions/backoff.ts): the SDK does not retry
 * underneath them, so a throttled call is retried by one bounded loop, not by one inside another.
 */
export const SELF_RETRYING_CLIENT_CONFIG = { maxAttempts: 1 } as const;
