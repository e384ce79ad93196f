// The run ledger: every ingest, compute, report, alert and archive run, with its outcome. The
// report's freshness check and `pulse runs` read it; alarms count its failures (ports/run-metrics.ts).

/** Every kind of run, in pipeline order (one `RunsFailed` alarm each: lib/constructs/monitoring.ts). */
export const RUN_KINDS = ['ingest', 'compute', 'report', 'alerts', 'archive'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export type RunStatus = 'running' | 'succeeded' | 'failed';

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
}

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
  start(run: Pick<RunRecord, 'runId' | 'kind' | 'subject' | 'period' | 'startedAt' | 'trigger'>): Promise<void>;
  finish(runId: string, outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors' | 'rejects'>): Promise<void>;
  /** Newest first. */
  list(opts?: { kind?: RunKind; limit?: number }): Promise<RunRecord[]>;
}
