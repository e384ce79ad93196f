// Export: what Pulse makes of a source, as contract files. The same read, map and validate as an
// ingest (one loop: ingestSource in dry-run mode), but the valid rows go to files instead of the
// store, and nothing is written, moved, remembered or recorded. How a user checks a connector's
// output (`pulse sources export stripe --out DIR`, then `pulse kpis --data DIR`) before trusting it.
import type { RowValidator } from '../domain/contract/validate';
import type { ContractFileWriter, WrittenContractFile } from '../ports/contract-files';
import type { ContractSource } from '../ports/source';
import { ingestSource, type IngestSourceOptions, type IngestSourceResult } from './ingest-source';

export interface ExportSourceResult extends IngestSourceResult {
  exported: WrittenContractFile[];
}

export async function exportSource(
  source: ContractSource,
  deps: { validator: RowValidator; files: ContractFileWriter },
  opts: Omit<IngestSourceOptions, 'dryRun' | 'onValidRow' | 'trigger'>,
): Promise<ExportSourceResult> {
  const refuse = () => Promise.reject(new Error('an export writes nothing to the store'));
  const result = await ingestSource(
    source,
    { store: { putRecords: refuse, deleteRecords: refuse }, validator: deps.validator },
    { ...opts, dryRun: true, onValidRow: (entity, fields) => deps.files.write(entity, fields) },
  );
  const exported = await deps.files.close();
  return { ...result, exported };
}
