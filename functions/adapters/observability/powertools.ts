// Logs, metrics and traces of the Lambda functions, through Powertools for AWS Lambda: structured
// JSON logs (with the invocation's request id and the run's keys), CloudWatch metrics in embedded
// metric format, and X-Ray subsegments for every AWS SDK call (tracing is active on every function;
// outside Lambda the tracer turns itself off).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { FailedRun, RunMetrics } from '../../ports/run-metrics';
import { METRICS_NAMESPACE, RUNS_FAILED_METRIC, SERVICE_NAME, type PulseMetric } from './metrics';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** At most this many of a failed run's errors go into the metric's log line (the ledger has them all). */
const ERRORS_IN_LINE = 3;

/** One metrics writer per stage (the `Stage` dimension of every Pulse metric). */
export function stageMetrics(stage: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { Stage: stage } });
}

/**
 * Adds 1 to `metric` now (its own EMF line). `dimensions` are the metric's dimensions besides
 * Stage; `context` goes into the line as metadata (not dimensions), so the log has the details.
 */
export function count(
  metrics: Metrics,
  metric: PulseMetric,
  dimensions: Record<string, string> = {},
  context: Record<string, unknown> = {},
): void {
  for (const name of metric.dimensions) if (name !== 'Stage') metrics.addDimension(name, dimensions[name] ?? 'unknown');
  for (const [key, value] of Object.entries(context))
    if (value !== undefined) metrics.addMetadata(key, typeof value === 'string' ? value : JSON.stringify(value));
  metrics.addMetric(metric.metricName, MetricUnit.Count, 1);
  // Written at once (and the dimensions and metadata cleared): the next count starts clean.
  metrics.publishStoredMetrics();
}

/** The RunMetrics port: Pulse/RunsFailed (Stage, Kind) for each failed run, naming the run in the line. */
export class PowertoolsRunMetrics implements RunMetrics {
  constructor(private readonly metrics: Metrics) {}

  runFailed(run: FailedRun): void {
    try {
      count(
        this.metrics,
        RUNS_FAILED_METRIC,
        { Kind: run.kind },
        {
          level: 'ERROR',
          message: `pulse ${run.kind} run failed`,
          runId: run.runId,
          subject: run.subject,
          period: run.period,
          errors: run.errors.slice(0, ERRORS_IN_LINE),
        },
      );
    } catch {
      // stdout gone (the container is being torn down): the ledger still has the failure.
    }
  }
}

/** What the handlers get of Lambda's context object (tests pass less). */
export interface LambdaContextLike {
  awsRequestId?: string;
  functionName?: string;
}

/**
 * One invocation of a handler: a `## <name>` X-Ray subsegment (cold start and service annotated,
 * the error or the result as metadata), and the request id in every log line of the invocation.
 */
export async function instrumented<T>(
  name: string,
  context: LambdaContextLike | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  logger.resetKeys();
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId, function: context.functionName });
  const segment = tracer.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    const result = await fn();
    tracer.addResponseAsMetadata(result, name);
    return result;
  } catch (err) {
    tracer.addErrorAsMetadata(err as Error);
    throw err;
  } finally {
    if (segment && subsegment) {
      subsegment.close();
      tracer.setSegment(segment);
    }
  }
}
