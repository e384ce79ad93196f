// Ingest: stream a source's valid records into the store in ordered chunks. Within a chunk the
// later row for an id wins; chunks are written one after another, so a later row in the file
// always lands after an earlier one with the same id (idempotent re-ingest, no reordering).
import { ENTITY_NAMES, type EntityName, type EntityTypes } from '../domain/contract/entities';
import { latestById, type RowValidator } from '../domain/contract/validate';
import type { ContractSource } from '../ports/source';
import type { Store } from '../ports/store';
import { emptySummary, validRecords, type LoadSummary } from './read-contract';

export interface IngestOptions {
  /** Records buffered per entity before a write. */
  chunkSize?: number;
  /** Called after each write with the running total of records written. */
  onProgress?: (written: number, entity: EntityName) => void;
}

export interface IngestResult {
  summary: LoadSummary;
  /** Records written per entity (after the later-row-wins rule within each chunk). */
  written: Record<EntityName, number>;
}

export async function ingest(source: ContractSource, validator: RowValidator, store: Store, opts: IngestOptions = {}): Promise<IngestResult> {
  const chunkSize = opts.chunkSize ?? 1000;
  const summary = emptySummary(source.description);
  const written = Object.fromEntries(ENTITY_NAMES.map((e) => [e, 0])) as Record<EntityName, number>;
  const buffers = new Map<EntityName, unknown[]>();
  let total = 0;

  const flush = async (entity: EntityName) => {
    const buffer = buffers.get(entity);
    if (!buffer?.length) return;
    buffers.set(entity, []);
    const records = latestById(entity, buffer as EntityTypes[typeof entity][]);
    await store.putRecords(entity, records);
    written[entity] += records.length;
    total += records.length;
    opts.onProgress?.(total, entity);
  };

  for await (const { entity, record } of validRecords(source, validator, summary)) {
    const buffer = buffers.get(entity) ?? [];
    buffer.push(record);
    buffers.set(entity, buffer);
    if (buffer.length >= chunkSize) await flush(entity);
  }
  for (const entity of ENTITY_NAMES) await flush(entity);
  return { summary, written };
}
