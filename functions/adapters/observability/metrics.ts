// Pulse's custom CloudWatch metrics, named once: the handlers publish them through Powertools
// Metrics (embedded metric format on stdout: no SDK call, no IAM permission) and the alarms in
// lib/constructs/monitoring.ts and lib/constructs/archive-access.ts watch them by these names.
// Powertools adds a `service` dimension to every metric it writes, so the alarms name it too.

export const METRICS_NAMESPACE = 'Pulse';
/** The `service` dimension (and the Powertools service name of the logs and traces). */
export const SERVICE_NAME = 'pulse';

export interface PulseMetric {
  readonly namespace: typeof METRICS_NAMESPACE;
  readonly metricName: string;
  /** Dimensions besides `service`, in the order they are written. */
  readonly dimensions: readonly string[];
}

/** 1 per run the run ledger records `failed` (or finds `timed-out`); one alarm per Kind. */
export const RUNS_FAILED_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: 'RunsFailed',
  dimensions: ['Stage', 'Kind'],
} as const satisfies PulseMetric;

/** 1 once every recipient has the week's report: the dead-man's switch watches it (docs/deploy.md, "Alarms"). */
export const WEEKLY_REPORT_SENT_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: 'WeeklyReportSent',
  dimensions: ['Stage'],
} as const satisfies PulseMetric;

/** 1 per refused archive attempt (denied, revoked, expired, invalid, rate-limited). */
export const ACCESS_REFUSED_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: 'ArchiveAccessRefused',
  dimensions: ['Stage'],
} as const satisfies PulseMetric;

/** The dimensions an alarm names for `metric` on `stage` (Kind and the like added by the caller). */
export function alarmDimensions(stage: string, extra: Record<string, string> = {}): Record<string, string> {
  return { service: SERVICE_NAME, Stage: stage, ...extra };
}
