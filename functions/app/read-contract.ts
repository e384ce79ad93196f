// Reading contract data from a source: every row validated, rejects collected with file, line,
// field and reason, good rows kept. Used by `pulse validate`, `pulse kpis --data` and ingest.
import { ENTITY_NAMES, type EntityName, type EntityTypes } from '../domain/contract/entities';
import type { IsoDate } from '../domain/dates';
import {
  emptyDataset,
  latestById,
  unknownAccounts,
  type Dataset,
  type RowError,
  type RowValidator,
} from '../domain/contract/validate';
import { convertDataset, unconvertedRows, type UnconvertedRow } from '../domain/fx';
import type { ContractSource, SourceFile, SourceRow } from '../ports/source';

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
  const counts = Object.fromEntries(
    ENTITY_NAMES.map((e) => [e, { files: [], rows: 0, valid: 0, rejected: 0 }]),
  ) as unknown as Record<EntityName, EntityLoadCount>;
  return { source, counts, rejects: [], ignoredFiles: [] };
}

/** The valid records of one batch of one file's rows. */
export type ValidBatch = { [K in EntityName]: { entity: K; records: EntityTypes[K][] } }[EntityName];

/**
 * Every valid record of a source, in source order, a batch at a time. Rejected rows are added to
 * `summary` (they never reach the caller, so a bad row can never replace a good one).
 */
export async function* validRecordBatches(
  source: ContractSource,
  validator: RowValidator,
  summary: LoadSummary,
): AsyncGenerator<ValidBatch> {
  for await (const file of source.files()) {
    const entity = file.entity;
    const count = summary.counts[entity];
    count.files.push(file.name);
    for await (const batch of rowBatchesOf(file)) {
      const records: EntityTypes[typeof entity][] = [];
      for (const item of batch) {
        count.rows++;
        if (!item.ok) {
          count.rejected++;
          summary.rejects.push({
            file: file.name,
            line: item.error.line,
            field: item.error.field ?? '*',
            reason: item.error.reason,
            raw: item.error.raw,
          });
          continue;
        }
        const plain = validator.plainRecord(entity, item.row);
        if (plain !== undefined) {
          count.valid++;
          records.push(plain);
          continue;
        }
        const result = validator.validateRow(entity, item.row);
        if (result.ok) {
          count.valid++;
          records.push(result.record);
        } else {
          count.rejected++;
          for (const e of result.errors)
            summary.rejects.push({ file: file.name, line: item.row.line, ...e, raw: item.row.raw });
        }
      }
      if (records.length) yield { entity, records } as ValidBatch;
    }
  }
  summary.ignoredFiles.push(...(await source.ignored()));
}

const BATCH_ROWS = 1000;

/** A file's rows in batches: the source's own when it has them, else grouped here. */
async function* rowBatchesOf(file: SourceFile): AsyncGenerator<SourceRow[]> {
  if (file.rowBatches) {
    yield* file.rowBatches();
    return;
  }
  let batch: SourceRow[] = [];
  for await (const row of file.rows()) {
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export interface DatasetRead {
  dataset: Dataset;
  summary: LoadSummary;
  /** Entity -> account ids referenced but not defined by any account row. */
  unknownAccounts: Map<EntityName, string[]>;
  /** Rows in another currency with no rate on or before their date: left out of every figure. */
  unconverted: readonly UnconvertedRow[];
}

export interface ReadDatasetOptions {
  /**
   * Keep only usage rows of weeks starting on or after this date (every row is still read and
   * validated, and its account still counts for the unknown-account warnings). Usage is nine rows
   * in ten; KPIs for a week need only the weeks their look-back covers (see `usageNeededFrom`).
   */
  usageFrom?: IsoDate;
}

/** Reads a whole source into memory (for KPIs straight from files, without a store). */
export async function readDataset(
  source: ContractSource,
  validator: RowValidator,
  opts: ReadDatasetOptions = {},
): Promise<DatasetRead> {
  const summary = emptySummary(source.description);
  const collected = emptyDataset();
  // Accounts of the usage rows left out, for the unknown-account warnings. Usage files are usually
  // grouped by account, so a run of rows for one account costs one Set insert, not one per row.
  const usageAccounts = new Set<string>();
  let lastAccount: string | undefined;
  for await (const batch of validRecordBatches(source, validator, summary)) {
    if (batch.entity === 'usage' && opts.usageFrom !== undefined) {
      for (const u of batch.records) {
        if (u.week >= opts.usageFrom) collected.usage.push(u);
        else if (u.accountId !== lastAccount) usageAccounts.add((lastAccount = u.accountId));
      }
      continue;
    }
    const into = collected[batch.entity] as EntityTypes[typeof batch.entity][];
    for (const r of batch.records) into.push(r);
  }
  const dataset = emptyDataset();
  for (const entity of ENTITY_NAMES) {
    (dataset[entity] as unknown[]) = latestById(entity, collected[entity] as never);
  }
  // The dataset stays in its original currencies (the KPI engine converts); this only finds the rows no rate converts.
  const unconverted = unconvertedRows(convertDataset(dataset, validator.reportingCurrency));
  return { dataset, summary, unknownAccounts: unknownAccounts(dataset, usageAccounts), unconverted };
}
