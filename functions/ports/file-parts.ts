// What splitting large drop-zone files needs from the drop-zone (functions/app/split-large-files.ts):
// the files waiting, their size, their text, a place to write parts, and the move to processed/.
import type { EntityName } from '../domain/contract/entities';

export interface SplittableFile {
  key: string;
  entity: EntityName;
  format: 'csv' | 'ndjson';
  gzip: boolean;
}

export interface DropZoneParts {
  /** The recognised contract files waiting (not parts). */
  splittable(): Promise<SplittableFile[]>;
  /** Size in bytes (compressed, for gzip) and ETag; undefined when the object is gone. */
  head(key: string): Promise<{ bytes: number; etag?: string } | undefined>;
  /** The object's text, decompressed, chunk by chunk (streamed). */
  text(key: string, gzip: boolean): AsyncIterable<string>;
  /** Writes one part (overwriting a part of the same key: a rerun of the split). */
  putPart(key: string, text: readonly string[], gzip: boolean): Promise<void>;
  /**
   * Moves the original to `processed/<runId>/...` once every part is written (`failed/<runId>/...`
   * when it could not be read to the end); returns the new key.
   */
  settle(key: string, outcome: 'processed' | 'failed', runId: string): Promise<string>;
  /** Parts of `source` waiting since before `before` (their invocation failed every retry). */
  partsWaitingSince?(source: string, before: Date): Promise<string[]>;
  /** Announces a part again (a new "object created" event: the ingest function is invoked for it). */
  redispatch?(key: string): Promise<void>;
}
