// Where a CLI command works: the embedded local stack (default), or the deployed stack in AWS.
// Both hand back the same adapters, so every command runs the same code against either.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbStore } from '../../functions/adapters/dynamodb';
import { SELF_RETRYING_CLIENT_CONFIG } from '../../functions/adapters/dynamodb/document-client';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import type { LocalStack } from '../../lib/local';
import { CliError } from './context';
import { openLocalStack, type LocalSession } from './local';
import { DEFAULT_STACK } from './options';

export type TargetName = 'local' | 'aws';

export interface TargetResources {
  tableName: string;
  dropzoneBucket: string;
  archiveBucket: string;
  rejectsBucket: string;
}

export interface TargetSession {
  target: TargetName;
  resources: TargetResources;
  store: DynamoDbStore;
  runLedger: DynamoDbRunLedger;
  s3: S3Client;
  /** The embedded stack, when the target is local. */
  local?: LocalStack;
  close(): Promise<void>;
}

export interface TargetOptions {
  target?: TargetName;
  stack?: string;
}

export { DEFAULT_STACK, stackOption, targetOption } from './options';

/** Stack outputs -> resource names (see lib/pulse-stack.ts). */
const OUTPUTS: Record<keyof TargetResources, string> = {
  tableName: 'TableName',
  dropzoneBucket: 'DropZoneBucketName',
  archiveBucket: 'ArchiveBucketName',
  rejectsBucket: 'RejectsBucketName',
};

/** The same names the Lambda functions get, so an operator can also export them by hand. */
const ENV: Record<keyof TargetResources, string> = {
  tableName: 'PULSE_TABLE',
  dropzoneBucket: 'PULSE_DROPZONE_BUCKET',
  archiveBucket: 'PULSE_ARCHIVE_BUCKET',
  rejectsBucket: 'PULSE_REJECTS_BUCKET',
};

export async function openTarget(opts: TargetOptions, log?: (msg: string) => void): Promise<TargetSession> {
  if ((opts.target ?? 'local') === 'local') return localTarget(await openLocalStack(log));
  const resources = await awsResources(opts.stack ?? DEFAULT_STACK, process.env, new CloudFormationClient({}));
  const dynamodb = new DynamoDBClient({});
  // The store retries by itself (bounded, full jitter): its client does not.
  const storeClient = new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG });
  const s3 = new S3Client({});
  return {
    target: 'aws',
    resources,
    store: new DynamoDbStore({ client: storeClient, tableName: resources.tableName }),
    runLedger: new DynamoDbRunLedger({ client: dynamodb, tableName: resources.tableName }),
    s3,
    close: async () => {
      dynamodb.destroy();
      storeClient.destroy();
      s3.destroy();
    },
  };
}

/** An open local session seen as a target (the same adapters, the embedded stack's names). */
export function localTarget(session: LocalSession): TargetSession {
  return {
    target: 'local',
    resources: session.stack.resources,
    store: session.store,
    runLedger: session.runLedger,
    s3: session.s3,
    local: session.stack,
    close: session.close,
  };
}

/** Resource names from PULSE_* variables when all are set, else from the stack's outputs. */
export async function awsResources(
  stackName: string,
  env: Record<string, string | undefined>,
  cloudformation: CloudFormationClient,
): Promise<TargetResources> {
  const fromEnv = Object.fromEntries(Object.entries(ENV).map(([k, v]) => [k, env[v]])) as Partial<TargetResources>;
  if (Object.values(fromEnv).every(Boolean)) return fromEnv as TargetResources;
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const res = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = res.Stacks?.[0]?.Outputs ?? [];
  } catch (e) {
    throw new CliError(
      `Cannot read the outputs of stack ${stackName}: ${(e as Error).message}. Check your AWS credentials and region, pass --stack, or set ${Object.values(ENV).join(', ')}.`,
    );
  }
  const value = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const missing = Object.values(OUTPUTS).filter((k) => !value(k));
  if (missing.length)
    throw new CliError(
      `Stack ${stackName} has no output ${missing.join(', ')}: is it a Pulse stack, deployed with this version?`,
    );
  return Object.fromEntries(Object.entries(OUTPUTS).map(([k, out]) => [k, value(out)!])) as unknown as TargetResources;
}

/** The deployed jobs the CLI can rerun, and their stack outputs (lib/pulse-stack.ts). */
export const JOB_OUTPUTS = {
  'weekly-report': 'WeeklyReportFunctionName',
  'alert-digest': 'AlertDigestFunctionName',
  'compute-week': 'ComputeWeekFunctionName',
  ingest: 'IngestFunctionName',
} as const;

/**
 * Reruns a deployed job: invokes its function synchronously with `payload` and returns the
 * function's result. The deployed code does the work with its own role, as on its schedule.
 */
export async function invokeDeployedJob(
  stackName: string,
  job: keyof typeof JOB_OUTPUTS,
  payload: Record<string, unknown>,
  clients: { cloudformation: CloudFormationClient; lambda: LambdaClient },
): Promise<unknown> {
  let functionName: string | undefined;
  try {
    const res = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    functionName = res.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === JOB_OUTPUTS[job])?.OutputValue;
  } catch (e) {
    throw new CliError(
      `Cannot read the outputs of stack ${stackName}: ${(e as Error).message}. Check your AWS credentials and region, or pass --stack.`,
    );
  }
  if (!functionName)
    throw new CliError(`Stack ${stackName} has no ${job} function (output ${JOB_OUTPUTS[job]}): is that job deployed?`);
  const out = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
  const body = JSON.parse(text) as unknown;
  if (out.FunctionError) {
    const err = body as { errorType?: string; errorMessage?: string };
    throw new CliError(
      `${job} failed in AWS (${functionName}): ${err.errorType ?? 'Error'}: ${err.errorMessage ?? text}`,
    );
  }
  return body;
}

/** The clients for invokeDeployedJob, from the usual AWS credential chain. */
export function awsJobClients(): { cloudformation: CloudFormationClient; lambda: LambdaClient } {
  return { cloudformation: new CloudFormationClient({}), lambda: new LambdaClient({}) };
}
