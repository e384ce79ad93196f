// The mail, send-ledger and alert-state adapters of the CLI's report and alert commands on the
// embedded local stack: the SES mailer (the local SES emulator, through the endpoint in the
// environment) with a copy of every message
// in .pulse/outbox/, the DynamoDB send ledger and the DynamoDB alert state store. Call after
// openLocalStack (its environment points the SDK clients at the emulators).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { join } from 'node:path';
import { DynamoDbAlertStateStore } from '../../functions/adapters/dynamodb/alert-state';
import { SELF_RETRYING_CLIENT_CONFIG } from '../../functions/adapters/dynamodb/document-client';
import { DynamoDbSendLedger } from '../../functions/adapters/dynamodb/send-ledger';
import { OutboxMailer } from '../../functions/adapters/ses/outbox';
import { SES_CLIENT_CONFIG, SesMailer } from '../../functions/adapters/ses/ses-mailer';
import { LOCAL_DATA_DIR, type LocalSession } from './local';

/** Every email sent locally is also written here as .eml, .html and .txt. */
export const OUTBOX_DIR = join(LOCAL_DATA_DIR, 'outbox');

export interface LocalMailAdapters {
  mailer: OutboxMailer;
  ledger: DynamoDbSendLedger;
  alerts: DynamoDbAlertStateStore;
  close(): void;
}

export function localMailAdapters(session: LocalSession): LocalMailAdapters {
  const dynamodb = new DynamoDBClient({});
  // The alert state store and the mailer retry by themselves (bounded, full jitter): their clients do not.
  const alertStateClient = new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG });
  const ses = new SESv2Client({ ...SES_CLIENT_CONFIG });
  const tableName = session.stack.resources.tableName;
  return {
    mailer: new OutboxMailer(new SesMailer({ client: ses }), OUTBOX_DIR),
    ledger: new DynamoDbSendLedger({ client: dynamodb, tableName }),
    alerts: new DynamoDbAlertStateStore({ client: alertStateClient, tableName }),
    close: () => {
      dynamodb.destroy();
      alertStateClient.destroy();
      ses.destroy();
    },
  };
}
