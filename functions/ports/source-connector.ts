// How the ingest job (functions/app/ingest-job.ts) reaches the configured sources: the rows of a
// source (a drop-zone folder, an HTTP API), a drop-zone folder's files to split, and the place
// files uploaded outside every configured source are set aside. The adapter is
// functions/adapters/sources/connector.ts (S3 and HTTP); the tests pass their own.
import type { DropZoneSourceDefinition, SourceDefinition } from '../domain/sources/registry';
import type { DropZoneParts } from './file-parts';
import type { ContractSource } from './source';

export interface ConnectRequest {
  /** Drop-zone: read only these keys (an S3 event, the parts of a split), instead of listing the folder. */
  keys?: string[];
  /** HTTP and Stripe: ignore the stored high-water marks. */
  full?: boolean;
  /** Milliseconds this invocation has left (Lambda), so a long sync can checkpoint and stop in time. */
  remainingMs?: () => number;
}

export interface SourceConnector {
  /** The rows of a configured source. */
  connect(def: SourceDefinition, request?: ConnectRequest): ContractSource;
  /** A drop-zone source's waiting files (only `keys` when given), to split the large ones. */
  dropZone(def: DropZoneSourceDefinition, keys?: string[]): DropZoneParts;
  /** Moves a file uploaded outside every configured source to `failed/<runId>/`; returns its new key. */
  setAside(key: string, runId: string): Promise<string>;
}

/** Asks the alerts job to send critical alerts now (after an ingest wrote data). */
export interface CriticalAlertsTrigger {
  critical(reason: string): Promise<void>;
}

/**
 * Runs a source again in a new invocation: a long backfill (a first Stripe sync of a large
 * account) stops a minute before the function's time limit with a checkpoint, and continues there.
 */
export interface SourceContinuation {
  continueSource(source: string): Promise<void>;
}
