// The run ledger: every ingest, compute, report, alert and archive run, with its outcome. The
// report's freshness check and `pulse runs` read it; alarms count its failures.

export type RunKind = 'ingest' | 'compute' | 'report' | 'alerts' | 'archive';
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
}

export interface RunLedger {
  start(run: Pick<RunRecord, 'runId' | 'kind' | 'subject' | 'period' | 'startedAt'>): Promise<void>;
  finish(runId: string, outcome: Pick<RunRecord, 'status' | 'finishedAt' | 'counts' | 'errors'>): Promise<void>;
  /** Newest first. */
  list(opts?: { kind?: RunKind; limit?: number }): Promise<RunRecord[]>;
}
