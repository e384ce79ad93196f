// The source port: where contract rows come from (a folder, the S3 drop-zone, an HTTP API, the demo).
import type { EntityName } from '../domain/contract/entities';

/** One row as the source delivered it, before validation. */
export interface RawRow {
  /** 1-based line (CSV: the line the record starts on; NDJSON: the line). */
  line: number;
  /** Column name (lower-cased, trimmed) -> value. */
  fields: Record<string, unknown>;
  /** The row's original text, kept for the rejects report. */
  raw: string;
  /**
   * CSV rows also give their cells by position: `values[i]` is column `columns[i]` (the same
   * `columns` array for every row of a file), so a validator can read them without `fields`.
   */
  columns?: readonly string[];
  values?: readonly string[];
  /**
   * A CSV row whose line holds no quote may also give the line uncut: `lineText` from `lineStart`
   * to `lineEnd` is `raw`, and `values` that text split on commas (a validator may read it as is).
   */
  lineText?: string;
  lineStart?: number;
  lineEnd?: number;
  /** The source says this record no longer exists: it is deleted by its id (only the id columns are read). */
  deleted?: boolean;
}

/** A row the source could not even parse (unbalanced quotes, wrong column count, bad JSON ...). */
export interface UnreadableRow {
  line: number;
  reason: string;
  raw?: string;
  /** The column at fault when one is known (a mapping error); absent = the row as a whole. */
  field?: string;
}

export type SourceRow = { ok: true; row: RawRow } | { ok: false; error: UnreadableRow };

export interface SourceFile {
  entity: EntityName;
  /** A name a person recognises: the file name, S3 key or API path. */
  name: string;
  rows(): AsyncIterable<SourceRow>;
  /** The same rows in batches, when the source can hand them over that way (large files: far fewer async steps). */
  rowBatches?(): AsyncIterable<SourceRow[]>;
  /**
   * Called once the run is done with the file: `processed` after its rows were read to the end and
   * written, `failed` when it could not be read or held no valid row. A drop-zone moves the object
   * to `processed/<runId>/` or `failed/<runId>/`; an HTTP source stores its high-water mark on
   * `processed`. Returns where the file went (or what was committed), for the run's log.
   */
  settle?(outcome: FileOutcome, runId: string): Promise<string | undefined>;
}

export type FileOutcome = 'processed' | 'failed';

export interface ContractSource {
  /** Human-readable description, e.g. `folder ./data`. */
  readonly description: string;
  files(): AsyncIterable<SourceFile>;
  /** Files or objects seen but not recognised as a contract entity. */
  ignored(): Promise<string[]>;
  /** Moves an ignored file out of the way (a drop-zone: to `failed/<runId>/`); returns where it went. */
  settleIgnored?(name: string, runId: string): Promise<string | undefined>;
  /** After the run: true when the source stopped to stay inside its time budget and another run continues it. */
  continues?(): boolean;
  /** After the run: the source's own counts for the run ledger (e.g. `unmatched`: records that named no account). */
  counts?(): Record<string, number>;
}
