// The run ledger: every ingest, compute, report, alert and archive run, with its outcome. The
// report's freshness check and `pulse runs` read it; alarms count its failures (ports/run-metrics.ts).

/** Every kind of run, in pipeline order (one `RunsFailed` alarm each: lib/constructs/monitoring.ts). */
export const RUN_KINDS = ['ingest', 'compute', 'report', 'alerts', 'archive'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/**
 * `timed-out`: the function running it was stopped by its time limit before it could record the
 * end; the next run of the same kind and subject finds it past its deadline and marks it so.
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'timed-out';

export interface RunRecord {
  runId: string;
  kind: RunKind;
  /** What the run was about: a source name, a week label, a date. */
  subject: string;
  /** The period covered, when there is one (`2026-W47`, `2026-11-23`). */
  period?: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  /** Named counts: rows read, written, rejected, emails sent ... */
  counts: Record<string, number>;
  /** Human-readable problems (first ones only when there are many). */
  errors: string[];
  /** What started it: `schedule`, `upload`, `cli`, `demo` ... (optional). */
  trigger?: string;
  /** Rows an ingest rejected, and where the full rejects report is (optional). */
  rejects?: RejectsSummary;
  /** When the invocation running it is stopped at the latest (a Lambda function's time limit); absent for the CLI. */
  deadline?: string;
  /** The function's time limit (ms), recorded with the deadline. */
  timeLimitMs?: number;
}

/** What is recorded when a run starts. */
export type RunStart = Pick<
  RunRecord,
  'runId' | 'kind' | 'subject' | 'period' | 'startedAt' | 'trigger' | 'deadline' | 'timeLimitMs'
>;

/** The ledger's summary of a run's rejects report. */
export interface RejectsSummary {
  /** Rows rejected (a row may have several problems). */
  rows: number;
  /** Problems listed in the report (one line each). */
  problems: number;
  /** Where the report is, e.g. `s3://bucket/rejects/<runId>/rejects.csv`. */
  location?: string;
  /** Problems per `<entity>.<field>` (`*` = the row as a whole), the most frequent first (at most 10). */
  byField: Record<string, number>;
}

export interface RunLedger {
  start(run: RunStart): Promise<void>;
  finish(
    runId: string,
    outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors' | 'rejects'>,
  ): Promise<void>;
  /** Newest first. */
  list(opts?: { kind?: RunKind; limit?: number }): Promise<RunRecord[]>;
  /**
   * Records a run left `running` past its deadline as `timed-out` (its counts kept, `errors` the
   * new list). Ledgers that cannot (simple test fakes) leave it out: stale runs then stay `running`.
   */
  finishTimedOut?(run: RunRecord, outcome: Pick<RunRecord, 'finishedAt' | 'errors'>): Promise<void>;
}
