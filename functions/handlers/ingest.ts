// Ingest: on an S3 "object created" event, the new objects of each drop-zone source
// (`incoming/<source>/...`, or parts under `parts/<source>/...`); on a schedule, every source due
// at the scheduled time (drop-zone folders and HTTP APIs); invoked with `{ source }`, that source.
// The work (grouping, the upload policy, splitting large files, unknown folders, re-announcing
// waiting parts, the critical-alerts trigger) is the ingest job: functions/app/ingest-job.ts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDbSyncState } from '../adapters/dynamodb/sync-state';
import { LambdaAlertsTrigger } from '../adapters/lambda/alerts-trigger';
import { LambdaSourceContinuation } from '../adapters/lambda/source-continuation';
import { S3RejectsReport } from '../adapters/s3/rejects-report';
import { EnvSecrets, SecretChain, SecretsManagerSecrets } from '../adapters/sources/http/credentials';
import { ConfiguredSourceConnector } from '../adapters/sources/connector';
import { StoredAccountDirectory, billingSourceNames } from '../adapters/sources/account-directory';
import {
  failOnInfrastructureErrors,
  runIngestJob,
  type IngestJobDeps,
  type IngestLog,
  type IngestRunOutcome,
} from '../app/ingest-job';
import { instrumented, logger, tracer } from '../adapters/observability/powertools';
import { beginInvocation, getRuntime, secretsManagerClient, type InvocationContext } from './runtime';

export type { IngestRunOutcome } from '../app/ingest-job';

interface S3EventRecord {
  s3: { bucket: { name: string }; object: { key: string } };
}

export interface IngestEvent {
  Records?: S3EventRecord[];
  /** EventBridge Scheduler's scheduled time (the schedule's input). */
  scheduledTime?: string;
  /** A manual invocation: run only this source. */
  source?: string;
  /** A manual invocation: ignore HTTP high-water marks. */
  full?: boolean;
}

let deps: IngestJobDeps | undefined;
let lambdaClient: LambdaClient | undefined;
const lambda = () => (lambdaClient ??= tracer.captureAWSv3Client(new LambdaClient({})));

/** One structured log line per event. */
const log: IngestLog = (level, message, fields) =>
  level === 'INFO'
    ? logger.info(message, fields)
    : level === 'WARN'
      ? logger.warn(message, fields)
      : logger.error(message, fields);

function getDeps(): IngestJobDeps {
  if (deps) return deps;
  const { env, s3, store, validator, runLedger, config } = getRuntime();
  const syncState = new DynamoDbSyncState({
    client: tracer.captureAWSv3Client(new DynamoDBClient({})),
    tableName: env.PULSE_TABLE,
  });
  deps = {
    store,
    validator,
    ledger: runLedger,
    rejects: new S3RejectsReport({ client: s3, bucket: env.PULSE_REJECTS_BUCKET }),
    connector: new ConfiguredSourceConnector({
      s3,
      dropzoneBucket: env.PULSE_DROPZONE_BUCKET,
      // Secrets Manager in AWS; PULSE_SECRET_<ID> variables win (handy for a quick test deploy).
      secrets: new SecretChain([new EnvSecrets(), new SecretsManagerSecrets(secretsManagerClient())]),
      syncState,
      // Billing's e-mail domains (kept by the Stripe sync), read again before each CRM or help-desk run.
      accountDirectory: new StoredAccountDirectory({ syncState, billingSources: billingSourceNames(config.sources) }),
      timeZone: config.company.timezone,
      reportingCurrency: config.company.currency,
    }),
    ...(env.PULSE_ALERTS_FUNCTION ? { alerts: new LambdaAlertsTrigger(lambda(), env.PULSE_ALERTS_FUNCTION) } : {}),
    // A Stripe backfill longer than one invocation continues in the next one (this function again).
    ...(process.env.AWS_LAMBDA_FUNCTION_NAME
      ? { continuation: new LambdaSourceContinuation(lambda(), process.env.AWS_LAMBDA_FUNCTION_NAME) }
      : {}),
    log,
  };
  return deps;
}

export async function handler(
  event: IngestEvent = {},
  context?: InvocationContext,
): Promise<{ runs: IngestRunOutcome[] }> {
  return instrumented('ingest', context, () => ingest(event, context));
}

async function ingest(
  event: IngestEvent,
  context: InvocationContext | undefined,
): Promise<{ runs: IngestRunOutcome[] }> {
  beginInvocation(context);
  const uploads = event.Records?.map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
  const result = await runIngestJob(getDeps(), getRuntime().config, {
    ...(uploads?.length ? { uploads } : {}),
    ...(event.source ? { source: event.source } : {}),
    ...(event.full ? { full: true } : {}),
    ...(event.scheduledTime ? { scheduledTime: event.scheduledTime } : {}),
    // Each part's object-created event invokes this function again for that part.
    parts: 'announced',
    ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
  });
  // A failed run (infrastructure) fails the invocation, so Lambda retries it; its files stayed in place.
  failOnInfrastructureErrors(result);
  return { runs: result.runs };
}
