// Where an export puts what a source yields: one contract file per entity (`accounts.csv` ...),
// the same files `pulse kpis --data DIR` and a drop-zone read back.
import type { EntityName } from '../domain/contract/entities';

export interface WrittenContractFile {
  entity: EntityName;
  /** Where the file went (a path). */
  file: string;
  /** Data rows (the header not counted). */
  rows: number;
}

export interface ContractFileWriter {
  /** Appends one valid row (contract column -> value); columns outside the contract are dropped. */
  write(entity: EntityName, fields: Readonly<Record<string, unknown>>): Promise<void>;
  /** Finishes every file (each entity of the source gets one, a header at least). */
  close(): Promise<WrittenContractFile[]>;
}
