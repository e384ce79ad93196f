// Module-scope wiring shared by the Lambda handlers: the environment and config are parsed once
// and the AWS clients are created once per container (Lambda reuses them across invocations).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText, parseLambdaEnv, weekStartsOnNumber, type LambdaEnv, type PulseConfig } from '../config';
import { RowValidator } from '../domain/contract/validate';
import {
  PowertoolsRunMetrics,
  stageMetrics,
  tracer,
  type LambdaContextLike,
} from '../adapters/observability/powertools';
import { DynamoDbRunLedger } from '../adapters/dynamodb/run-ledger';
import { SELF_RETRYING_CLIENT_CONFIG } from '../adapters/dynamodb/document-client';
import { DynamoDbStore } from '../adapters/dynamodb/store';
import { withRunMetrics, withTimeLimit, type InvocationLimit } from '../app/record-run';
import type { RunLedger } from '../ports/run-ledger';

export interface Runtime {
  env: LambdaEnv;
  config: PulseConfig;
  s3: S3Client;
  store: DynamoDbStore;
  /**
   * Every job records its runs here (`pulse runs`, the report's freshness check); a run that ends
   * `failed` (or is found `timed-out`) is also the metric Pulse/RunsFailed (Stage, Kind) the
   * RunFailed alarms watch. Each run carries its invocation's deadline (beginInvocation).
   */
  runLedger: RunLedger;
  validator: RowValidator;
}

let runtime: Runtime | undefined;
let invocation: InvocationLimit | undefined;

/** What the handlers need of Lambda's context object. */
export interface InvocationContext extends LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/**
 * Called first by every handler with its Lambda context: the runs this invocation records carry
 * its deadline and the function's time limit, so the next run can tell one that was stopped by
 * the limit (it stays `running`) and mark it `timed-out`.
 */
export function beginInvocation(context: InvocationContext | undefined, now = Date.now()): void {
  if (!context) {
    invocation = undefined;
    return;
  }
  const remaining = context.getRemainingTimeInMillis();
  // At the start of an invocation the time left is the function's limit, less a few milliseconds.
  invocation = { deadline: new Date(now + remaining), timeLimitMs: Math.ceil(remaining / 1000) * 1000 };
}

let secretsClient: SecretsManagerClient | undefined;

/** The container's one Secrets Manager client, traced like the others (created on first use). */
export function secretsManagerClient(): SecretsManagerClient {
  return (secretsClient ??= tracer.captureAWSv3Client(new SecretsManagerClient({})));
}

/** The wiring for this container, built on first use. */
export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const env = parseLambdaEnv(process.env);
  const configPath = env.PULSE_CONFIG_PATH ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'pulse.config.json');
  const config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  runtime = {
    env,
    config,
    // s3rver (the local emulator) needs checksums only when required; AWS accepts either.
    s3: tracer.captureAWSv3Client(new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' })),
    // The store retries by itself (bounded, full jitter): its client does not.
    store: new DynamoDbStore({
      client: tracer.captureAWSv3Client(new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG })),
      tableName: env.PULSE_TABLE,
    }),
    runLedger: withRunMetrics(
      withTimeLimit(new DynamoDbRunLedger({ client: dynamodb, tableName: env.PULSE_TABLE }), () => invocation),
      // PULSE_STAGE is set on every deployed function (lib/pulse-stack.ts).
      new PowertoolsRunMetrics(stageMetrics(env.PULSE_STAGE ?? 'unknown')),
    ),
    validator: new RowValidator({ currency: config.company.currency, weekStartsOn: weekStartsOnNumber(config) }),
  };
  return runtime;
}
