// The run-metrics port: what the alarms see of the run ledger. Every run that ends `failed` is
// reported here once (by the ledger decorator `withRunMetrics`, app/record-run.ts), so a failure
// reaches the operator even when nothing threw (a run marked failed by `fail()`), and even when
// the ledger itself could not record it.
import type { RunRecord } from './run-ledger';

/** A run that ended `failed`, as the metric line carries it (the errors only for the log). */
export type FailedRun = Pick<RunRecord, 'runId' | 'kind' | 'subject' | 'period' | 'errors'>;

export interface RunMetrics {
  /** Synchronous and never throws: a metric must not turn a recorded failure into another one. */
  runFailed(run: FailedRun): void;
}
