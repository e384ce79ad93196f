// One Pulse Lambda function: a NodejsFunction bundled by the local esbuild (never Docker) as a
// minified ESM bundle with the AWS SDK inside, its own IAM role (logs for its own log group only;
// every other permission is granted explicitly by whoever wires it), a log group with retention
// encrypted with the stack's log key, structured JSON logs, X-Ray active tracing, and the
// validated Pulse config copied into the asset as pulse.config.json.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { BUNDLE_ALIASES, BUNDLE_ESBUILD_OPTIONS } from '../bundling/esbuild-options.mjs';
import { BROTLI_SUFFIX, compressedAssetFile } from '../../functions/adapters/render/chart-assets';
import { preparedTemplatesDir } from '../../functions/adapters/render/template-build';
import type { LambdaEnv } from '../../functions/config';
import { CONTROL_TOWER_EXCEPTIONS } from '../control-tower';
import { logsKey } from './keys';
import { acknowledge, acknowledgeDeadLetterQueue, acknowledgeWildcardResources } from './nag';

/** The file name the handlers read from `${LAMBDA_TASK_ROOT}` (see functions/handlers/runtime.ts). */
export const BUNDLED_CONFIG_NAME = 'pulse.config.json';

/**
 * The esbuild options of every bundle (the banner, the zod alias, minified ESM for the node24
 * runtime), shared with the benchmark, the bundle tests and the CLI build: lib/bundling/esbuild-options.mjs.
 * The NodejsFunction below passes the same to the esbuild CLI, plus the source map.
 */
export { BUNDLE_ALIASES, BUNDLE_ESBUILD_OPTIONS, ESM_REQUIRE_BANNER } from '../bundling/esbuild-options.mjs';

/**
 * The file or folder to copy for a bundle asset: the one place where bundle assets are prepared (the
 * stack's bundling and the benchmark both call it). The email templates are prepared first (CSS
 * inlined into them, functions/adapters/render/template-build.ts), so the bundles never inline CSS
 * at run time; a `brotli` asset is compressed (functions/adapters/render/chart-assets.ts) and the
 * code that reads it decompresses it once at run time.
 */
export function bundleAssetSource(projectRoot: string, asset: BundleAsset): string {
  const source = join(projectRoot, asset.source);
  if (asset.prepare === 'brotli' && !asset.target.endsWith(BROTLI_SUFFIX))
    throw new Error(
      `bundle asset ${asset.source}: a brotli asset's target must end in ${BROTLI_SUFFIX} (got ${asset.target})`,
    );
  // CDK also builds the (unused) Docker bundling command, with /asset-input as the root: nothing to prepare there.
  if (!existsSync(source)) return source;
  if (asset.prepare === 'email-templates') return preparedTemplatesDir(source);
  if (asset.prepare === 'brotli') return compressedAssetFile(source);
  return source;
}

/** The function environment: the Lambda env schema of functions/config.ts, plus the stage. */
export type PulseFunctionEnvironment = LambdaEnv & {
  /** Dimension of the Pulse/* custom metrics (e.g. the dead-man's switch). */
  PULSE_STAGE: string;
};

export interface PulseFunctionProps {
  /** Absolute path of the handler module (functions/handlers/<name>.ts); it exports `handler`. */
  readonly entry: string;
  /** The validated config file (written by bin/app.ts) copied into the asset as pulse.config.json. */
  readonly configFile: string;
  readonly environment: PulseFunctionEnvironment;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** @default ApplicationLogLevel.INFO */
  readonly logLevel?: ApplicationLogLevel;
  /**
   * Retries of a failed asynchronous invocation (Scheduler and S3 invoke asynchronously).
   * The handlers are idempotent, so a retry is harmless.
   * @default 2
   */
  readonly asyncRetryAttempts?: number;
  /**
   * Files or folders copied into the asset next to the bundle (e.g. the report templates, the chart
   * renderer's wasm and font). `source` is relative to the project root, `target` to the bundle.
   */
  readonly bundleAssets?: readonly BundleAsset[];
}

export interface BundleAsset {
  readonly source: string;
  readonly target: string;
  /**
   * `email-templates`: copy the templates prepared from `source` (CSS inlined) instead of `source` itself.
   * `brotli`: copy `source` brotli-compressed (a file; `target` ends in `.br`), for a reader that decompresses it.
   */
  readonly prepare?: 'email-templates' | 'brotli';
}

export class PulseFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Asynchronous invocations that failed after every Lambda retry land here (on-failure destination). */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: PulseFunctionProps) {
    super(scope, id);
    if (!isAbsolute(props.entry) || !existsSync(props.entry))
      throw new Error(`PulseFunction ${id}: no handler at ${props.entry}`);
    if (!isAbsolute(props.configFile)) throw new Error(`PulseFunction ${id}: configFile must be an absolute path`);

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Pulse ${id}: ${props.description}`.slice(0, 1000),
    });
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      encryptionKey: logsKey(this),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // logs:CreateLogStream + PutLogEvents on this log group only (instead of the managed
    // AWSLambdaBasicExecutionRole, which allows every log group in the account).
    this.logGroup.grantWrite(this.role);

    this.failureQueue = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeDeadLetterQueue(
      this.failureQueue,
      `This queue is itself the dead-letter (on-failure) destination of the ${id} function; a dead-letter queue for it would only move the same messages again.`,
    );

    const environment: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps' };
    for (const [key, value] of Object.entries(props.environment)) if (value !== undefined) environment[key] = value;

    const configFile = props.configFile;
    const retryAttempts = props.asyncRetryAttempts ?? 2;
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(5),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel ?? ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment,
      retryAttempts,
      onFailure: new SqsDestination(this.failureQueue),
      tracing: Tracing.ACTIVE,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: BUNDLE_ESBUILD_OPTIONS.target,
        mainFields: [...BUNDLE_ESBUILD_OPTIONS.mainFields],
        banner: BUNDLE_ESBUILD_OPTIONS.banner.js,
        minify: BUNDLE_ESBUILD_OPTIONS.minify,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        logLevel: LogLevel.WARNING,
        // Bundle the AWS SDK v3 too: pinned versions from package-lock.json, tree-shaken, and no
        // surprise when the runtime's preinstalled SDK moves.
        externalModules: [],
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp ${shellQuote(configFile)} ${shellQuote(`${outputDir}/${BUNDLED_CONFIG_NAME}`)}`,
            ...(props.bundleAssets ?? []).map(
              (a) => `cp -R ${shellQuote(bundleAssetSource(inputDir, a))} ${shellQuote(`${outputDir}/${a.target}`)}`,
            ),
          ],
        },
      },
    });
    this.acknowledgeFindings(id, retryAttempts);
  }

  /** The cdk-nag findings every Pulse function has by design, each with why. */
  private acknowledgeFindings(id: string, retryAttempts: number): void {
    // Tracing.ACTIVE adds xray:PutTraceSegments and xray:PutTelemetryRecords on "*" to the role.
    acknowledgeWildcardResources(
      this.role,
      ['*'],
      `X-Ray active tracing of the ${id} function: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions, so AWS requires "*" for them; the role's other statements name their resources.`,
    );
    acknowledge(
      this.role,
      'NIST.800.53.R5-IAMNoInlinePolicy',
      `The ${id} role's policy (AWS::IAM::Policy) is made of the grants its wiring gives this one function and is attached to this role alone; a customer-managed policy would hold the same statements and be reused by no other role.`,
    );
    const dlq = `Asynchronous invocations of the ${id} function that still fail after ${retryAttempts} retries go to its on-failure destination, the SQS queue ${this.failureQueue.node.path}, which keeps the event with the error and the stack trace (a dead-letter queue keeps the event only).`;
    acknowledge(this.function, 'NIST.800.53.R5-LambdaDLQ', dlq);
    acknowledge(this.function, 'Serverless-LambdaDLQ', dlq);
    acknowledge(this.function, 'NIST.800.53.R5-LambdaInsideVPC', CONTROL_TOWER_EXCEPTIONS['CT.LAMBDA.PR.3'].reason);
    acknowledge(
      this.function,
      'NIST.800.53.R5-LambdaConcurrency',
      `The ${id} function is invoked only by its own schedules, S3 events of its own bucket or CloudFront (whose rate is capped by the optional WAF rule), and its alarms watch errors and throttles; reserved concurrency would take capacity from the account pool for good, and Lambda refuses it outright in accounts at the default quota (it keeps 10 unreserved).`,
    );
  }
}

function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
