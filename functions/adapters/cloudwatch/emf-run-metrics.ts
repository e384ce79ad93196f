// The RunMetrics port as CloudWatch Embedded Metric Format: one JSON line on stdout per failed run.
// CloudWatch Logs turns it into the metric `Pulse/RunsFailed` (dimensions Stage, Kind) with no SDK
// call and no IAM permission; the Monitoring construct alarms on it (docs/deploy.md, "Alarms").
//
// Written with process.stdout.write, not console.*: with the functions' JSON log format Lambda
// wraps console output in its own JSON, and CloudWatch would no longer see an EMF document.
import type { FailedRun, RunMetrics } from '../../ports/run-metrics';

/** The metric every failed run adds 1 to. Shared with lib/constructs/monitoring.ts. */
export const RUNS_FAILED_METRIC = { namespace: 'Pulse', metricName: 'RunsFailed', dimensions: ['Stage', 'Kind'] } as const;

/** At most this many of the run's errors go into the log line (the ledger has them all). */
const ERRORS_IN_LINE = 3;

export interface EmfRunMetricsOptions {
  /** The Stage dimension (`PULSE_STAGE`). */
  stage: string;
  /** Where lines go (default: process.stdout). */
  write?: (line: string) => void;
  now?: () => number;
}

/** The EMF document for one failed run (exported for tests and docs). */
export function runsFailedDocument(run: FailedRun, stage: string, timestamp: number): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: RUNS_FAILED_METRIC.namespace,
          Dimensions: [[...RUNS_FAILED_METRIC.dimensions]],
          Metrics: [{ Name: RUNS_FAILED_METRIC.metricName, Unit: 'Count' }],
        },
      ],
    },
    Stage: stage,
    Kind: run.kind,
    [RUNS_FAILED_METRIC.metricName]: 1,
    // Not dimensions: kept in the log line so the operator can go from the alarm to the run.
    level: 'ERROR',
    message: `pulse ${run.kind} run failed`,
    runId: run.runId,
    subject: run.subject,
    ...(run.period ? { period: run.period } : {}),
    errors: run.errors.slice(0, ERRORS_IN_LINE),
  };
}

export class EmfRunMetrics implements RunMetrics {
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  constructor(private readonly opts: EmfRunMetricsOptions) {
    this.write = opts.write ?? ((line) => void process.stdout.write(line));
    this.now = opts.now ?? Date.now;
  }

  runFailed(run: FailedRun): void {
    try {
      this.write(`${JSON.stringify(runsFailedDocument(run, this.opts.stage, this.now()))}\n`);
    } catch {
      // stdout gone (the container is being torn down): the ledger still has the failure.
    }
  }
}
