// CLI commands that work against the embedded local stack: start it (data under .pulse/), point
// the AWS SDK clients at it, and hand back the adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { SELF_RETRYING_CLIENT_CONFIG } from '../../functions/adapters/dynamodb/document-client';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { LocalStackError, startLocalStack, type LocalStack } from '../../lib/local';
import { CliError } from './context';

export const LOCAL_DATA_DIR = '.pulse';

export interface LocalSession {
  stack: LocalStack;
  store: DynamoDbStore;
  /** Every run the CLI makes is recorded here, as the deployed functions record theirs. */
  runLedger: DynamoDbRunLedger;
  s3: S3Client;
  close(): Promise<void>;
}

export async function openLocalStack(log?: (msg: string) => void): Promise<LocalSession> {
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      dataDir: LOCAL_DATA_DIR,
      persist: true,
      log: log ? (m) => !m.startsWith('[') && log(m) : undefined,
    });
  } catch (e) {
    if (e instanceof LocalStackError) throw new CliError(e.message);
    throw e;
  }
  const undoEnv = stack.applyEnv();
  const dynamodb = new DynamoDBClient({});
  // The store retries by itself (bounded, full jitter): its client does not.
  const storeClient = new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG });
  const s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', forcePathStyle: true });
  const store = new DynamoDbStore({ client: storeClient, tableName: stack.resources.tableName });
  const onSignal = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  return {
    stack,
    store,
    runLedger: new DynamoDbRunLedger({ client: dynamodb, tableName: stack.resources.tableName }),
    s3,
    close: async () => {
      process.off('SIGINT', onSignal);
      dynamodb.destroy();
      storeClient.destroy();
      s3.destroy();
      undoEnv();
      await stack.stop();
    },
  };
}
