// Row validation: turns a raw row into a typed record or into row errors that name the field and
// the reason, and collects a folder's records into a Dataset (a later row with the same id wins).
import type { z } from 'zod';
import { ENTITY_NAMES, entityKey, entitySchemas, type ContractOptions, type EntityName, type EntityTypes } from './entities';

export interface RowError {
  file: string;
  line: number;
  /** The input column at fault, or `*` for the row as a whole. */
  field: string;
  reason: string;
  /** The row's original text. */
  raw?: string;
}

export type Dataset = { [K in EntityName]: EntityTypes[K][] };

export function emptyDataset(): Dataset {
  return Object.fromEntries(ENTITY_NAMES.map((n) => [n, []])) as unknown as Dataset;
}

export type RowResult<K extends EntityName> = { ok: true; record: EntityTypes[K] } | { ok: false; errors: Omit<RowError, 'file' | 'line'>[] };

export class RowValidator {
  private readonly schemas: ReturnType<typeof entitySchemas>;

  constructor(opts: ContractOptions) {
    this.schemas = entitySchemas(opts);
  }

  validate<K extends EntityName>(entity: K, raw: Record<string, unknown>): RowResult<K> {
    const parsed = (this.schemas[entity] as z.ZodType<EntityTypes[K]>).safeParse(raw);
    if (parsed.success) return { ok: true, record: parsed.data };
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ field: i.path.length ? i.path.map(String).join('.') : '*', reason: i.message })),
    };
  }
}

/**
 * Keeps the last record for each id, in first-seen order: the "later row replaces the earlier one"
 * rule. Rejected rows never reach here, so they cannot replace a valid one.
 */
export function latestById<K extends EntityName>(entity: K, records: Iterable<EntityTypes[K]>): EntityTypes[K][] {
  const byId = new Map<string, EntityTypes[K]>();
  const key = entityKey[entity] as (r: EntityTypes[K]) => string;
  for (const r of records) byId.set(key(r), r);
  return [...byId.values()];
}

/** Account ids referenced by other entities that no account row defines (warned, not rejected). */
export function unknownAccounts(data: Dataset): Map<EntityName, string[]> {
  const known = new Set(data.accounts.map((a) => a.accountId));
  const out = new Map<EntityName, string[]>();
  for (const entity of ENTITY_NAMES) {
    if (entity === 'accounts' || entity === 'spend') continue;
    const missing = new Set<string>();
    for (const r of data[entity] as { accountId: string }[]) if (!known.has(r.accountId)) missing.add(r.accountId);
    if (missing.size) out.set(entity, [...missing].sort());
  }
  return out;
}
