// Where an ingest run's rejected rows go: one report per run (S3 `rejects/<runId>/rejects.csv`).
import type { RowError } from '../domain/contract/validate';

export interface RejectsReportWriter {
  /** Writes every reject of a run; returns its location (e.g. `s3://bucket/rejects/<runId>/rejects.csv`). */
  write(runId: string, source: string, rejects: readonly RowError[]): Promise<string>;
}
