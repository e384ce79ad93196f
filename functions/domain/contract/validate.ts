// Row validation: turns a raw row into a typed record or into row errors that name the field and
// the reason, and collects a folder's records into a Dataset (a later row with the same id wins).
import type { z } from 'zod';
import { ENTITY_NAMES, entityKey, entitySchemas, type ContractOptions, type EntityName, type EntityTypes, type Usage } from './entities';
import { fastPaths, type FastPaths } from './fast-rows';

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
  private readonly fast: FastPaths;

  constructor(opts: ContractOptions) {
    this.schemas = entitySchemas(opts);
    this.fast = fastPaths(opts.weekStartsOn);
  }

  validate<K extends EntityName>(entity: K, raw: Record<string, unknown>): RowResult<K> {
    const fast = entity === 'usage' ? this.fast.usage(raw) : entity === 'tickets' ? this.fast.tickets(raw) : undefined;
    if (fast !== undefined) return { ok: true, record: fast as EntityTypes[K] };
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
export function latestById<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]): EntityTypes[K][] {
  if (entity === 'usage') return latestUsage(records as readonly Usage[]) as EntityTypes[K][];
  const byId = new Map<string, EntityTypes[K]>();
  const key = entityKey[entity] as (r: EntityTypes[K]) => string;
  for (const r of records) byId.set(key(r), r);
  return [...byId.values()];
}

/**
 * latestById for usage, whose key is (account, week) and whose rows number in the millions: small
 * integers and typed arrays instead of a map of composite string keys (which would take ~80 bytes
 * per row). Same result: each key's last row, at the position of its first.
 */
function latestUsage(records: readonly Usage[]): Usage[] {
  const n = records.length;
  const accountOf = new Map<string, number>();
  const weekOf = new Map<string, number>();
  const account = new Int32Array(n);
  const week = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    let a = accountOf.get(r.accountId);
    if (a === undefined) accountOf.set(r.accountId, (a = accountOf.size));
    let w = weekOf.get(r.week);
    if (w === undefined) weekOf.set(r.week, (w = weekOf.size));
    account[i] = a;
    week[i] = w;
  }
  // Rows grouped by account, in input order (a counting sort).
  const start = new Int32Array(accountOf.size + 1);
  for (let i = 0; i < n; i++) start[account[i]! + 1]!++;
  for (let a = 0; a < accountOf.size; a++) start[a + 1]! += start[a]!;
  const order = new Int32Array(n);
  const fill = start.slice(0, accountOf.size);
  for (let i = 0; i < n; i++) order[fill[account[i]!]!++] = i;
  // Within an account, the first row of each week takes the value of that week's last row.
  const keep = new Int32Array(n).fill(-1);
  const firstOfWeek = new Int32Array(weekOf.size);
  const stamp = new Int32Array(weekOf.size).fill(-1);
  for (let a = 0; a < accountOf.size; a++) {
    for (let k = start[a]!; k < start[a + 1]!; k++) {
      const i = order[k]!;
      const w = week[i]!;
      if (stamp[w] !== a) {
        stamp[w] = a;
        firstOfWeek[w] = i;
        keep[i] = i;
      } else {
        keep[firstOfWeek[w]!] = i;
      }
    }
  }
  const out: Usage[] = [];
  for (let i = 0; i < n; i++) if (keep[i]! >= 0) out.push(records[keep[i]!]!);
  return out;
}

/**
 * Account ids referenced by other entities that no account row defines (warned, not rejected).
 * `moreUsageAccounts`: accounts of usage rows read but not kept in `data`.
 */
export function unknownAccounts(data: Dataset, moreUsageAccounts: Iterable<string> = []): Map<EntityName, string[]> {
  const known = new Set(data.accounts.map((a) => a.accountId));
  const out = new Map<EntityName, string[]>();
  for (const entity of ENTITY_NAMES) {
    if (entity === 'accounts' || entity === 'spend') continue;
    const missing = new Set<string>();
    for (const r of data[entity] as { accountId: string }[]) if (!known.has(r.accountId)) missing.add(r.accountId);
    if (entity === 'usage') for (const id of moreUsageAccounts) if (!known.has(id)) missing.add(id);
    if (missing.size) out.set(entity, [...missing].sort());
  }
  return out;
}
