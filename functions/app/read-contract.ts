// Reading contract data from a source: every row validated, rejects collected with file, line,
// field and reason, good rows kept. Used by `pulse validate`, `pulse kpis --data` and ingest.
import { ENTITY_NAMES, type EntityName, type EntityTypes } from '../domain/contract/entities';
import { emptyDataset, latestById, unknownAccounts, type Dataset, type RowError, type RowValidator } from '../domain/contract/validate';
import type { ContractSource } from '../ports/source';

export interface EntityLoadCount {
  files: string[];
  /** Rows read, valid or not. */
  rows: number;
  /** Valid rows. */
  valid: number;
  rejected: number;
}

export interface LoadSummary {
  source: string;
  counts: Record<EntityName, EntityLoadCount>;
  rejects: RowError[];
  ignoredFiles: string[];
}

export function emptySummary(source: string): LoadSummary {
  const counts = Object.fromEntries(ENTITY_NAMES.map((e) => [e, { files: [], rows: 0, valid: 0, rejected: 0 }])) as unknown as Record<
    EntityName,
    EntityLoadCount
  >;
  return { source, counts, rejects: [], ignoredFiles: [] };
}

export type ValidRecord = { [K in EntityName]: { entity: K; record: EntityTypes[K] } }[EntityName];

/**
 * Every valid record of a source, in source order. Rejected rows are added to `summary` (they
 * never reach the caller, so a bad row can never replace a good one).
 */
export async function* validRecords(source: ContractSource, validator: RowValidator, summary: LoadSummary): AsyncGenerator<ValidRecord> {
  for await (const file of source.files()) {
    const count = summary.counts[file.entity];
    count.files.push(file.name);
    for await (const item of file.rows()) {
      count.rows++;
      if (!item.ok) {
        count.rejected++;
        summary.rejects.push({ file: file.name, line: item.error.line, field: item.error.field ?? '*', reason: item.error.reason, raw: item.error.raw });
        continue;
      }
      const result = validator.validate(file.entity, item.row.fields);
      if (result.ok) {
        count.valid++;
        yield { entity: file.entity, record: result.record } as ValidRecord;
      } else {
        count.rejected++;
        for (const e of result.errors) summary.rejects.push({ file: file.name, line: item.row.line, ...e, raw: item.row.raw });
      }
    }
  }
  summary.ignoredFiles.push(...(await source.ignored()));
}

export interface DatasetRead {
  dataset: Dataset;
  summary: LoadSummary;
  /** Entity -> account ids referenced but not defined by any account row. */
  unknownAccounts: Map<EntityName, string[]>;
}

/** Reads a whole source into memory (for KPIs straight from files, without a store). */
export async function readDataset(source: ContractSource, validator: RowValidator): Promise<DatasetRead> {
  const summary = emptySummary(source.description);
  const collected = emptyDataset();
  for await (const { entity, record } of validRecords(source, validator, summary)) {
    (collected[entity] as EntityTypes[typeof entity][]).push(record);
  }
  const dataset = emptyDataset();
  for (const entity of ENTITY_NAMES) {
    (dataset[entity] as unknown[]) = latestById(entity, collected[entity] as never);
  }
  return { dataset, summary, unknownAccounts: unknownAccounts(dataset) };
}
