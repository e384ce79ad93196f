// Module-scope wiring for the handlers that send mail (kept apart from runtime.ts so the functions
// that never send do not bundle the SES client).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDbSendLedger } from '../adapters/dynamodb/send-ledger';
import { SES_CLIENT_CONFIG, SesMailer } from '../adapters/ses/ses-mailer';
import { tracer } from '../adapters/observability/powertools';
import { getRuntime } from './runtime';

export interface MailRuntime {
  mailer: SesMailer;
  sendLedger: DynamoDbSendLedger;
}

let mailRuntime: MailRuntime | undefined;

export function getMailRuntime(): MailRuntime {
  if (mailRuntime) return mailRuntime;
  const { env } = getRuntime();
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  mailRuntime = {
    // The function's grant allows sending only through the stack's configuration set.
    mailer: new SesMailer({
      client: tracer.captureAWSv3Client(new SESv2Client({ ...SES_CLIENT_CONFIG })),
      ...(env.PULSE_SES_CONFIGURATION_SET ? { configurationSetName: env.PULSE_SES_CONFIGURATION_SET } : {}),
    }),
    sendLedger: new DynamoDbSendLedger({ client: dynamodb, tableName: env.PULSE_TABLE }),
  };
  return mailRuntime;
}
