// Row validation: turns a raw row into a typed record or into row errors that name the field and
// the reason, and collects a folder's records into a Dataset (a later row with the same id wins).
import type { z } from 'zod';
import {
  CONTRACT_COLUMNS,
  ENTITY_NAMES,
  entityKey,
  entitySchemas,
  type ContractOptions,
  type EntityName,
  type EntityTypes,
  type Usage,
} from './entities';
import { FAST_ENTITIES, fastPaths, fastPositions, isFastEntity, type FastEntity } from './fast-rows';

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

const isFast = (entity: EntityName): entity is FastEntity => isFastEntity(entity);
/** Positions for a row given by name: its cells are taken in the fast path's own column order. */
const IN_ORDER = Object.fromEntries(
  FAST_ENTITIES.map((e) => [e, Int32Array.from(CONTRACT_COLUMNS[e], (_, i) => i)]),
) as Record<FastEntity, Int32Array>;

/** A row by name, and by position when the source has cells (the shape of a source's raw row). */
export interface RowCells {
  fields: Record<string, unknown>;
  columns?: readonly string[];
  values?: readonly unknown[];
  /**
   * A CSV row whose line holds no quote can also give the line itself: `lineText` from `lineStart`
   * to `lineEnd` is the row's text, its cells that text split on commas (`values` then only when asked).
   */
  lineText?: string;
  lineStart?: number;
  lineEnd?: number;
}

/** The entities read straight from a plain CSV line when the header is exactly their columns. */
const LINE_ENTITIES = ['usage', 'tickets'] as const satisfies readonly EntityName[];

export type RowResult<K extends EntityName> =
  | { ok: true; record: EntityTypes[K] }
  | { ok: false; errors: Omit<RowError, 'file' | 'line'>[] };

export class RowValidator {
  private readonly schemas: ReturnType<typeof entitySchemas>;
  private readonly fast: ReturnType<typeof fastPaths>;
  /** Fast-path positions per header (a file's rows share one columns array). */
  private readonly positions = Object.fromEntries(FAST_ENTITIES.map((e) => [e, new WeakMap()])) as Record<
    FastEntity,
    WeakMap<readonly string[], Int32Array>
  >;

  /** The reporting currency, upper-case (rows in it are never converted). */
  readonly reportingCurrency: string;
  private lastColumns: readonly string[] | undefined;
  private lastEntity: EntityName | undefined;
  private lastPositions: Int32Array | undefined;
  /** The last columns are exactly the entity's columns, in order: its plain lines are read as they are. */
  private lastLinePath: ((text: string, start: number, end: number) => EntityTypes[EntityName] | undefined) | undefined;

  constructor(opts: ContractOptions) {
    this.reportingCurrency = opts.currency.toUpperCase();
    this.schemas = entitySchemas(opts);
    this.fast = fastPaths(opts);
  }

  /** Validates a row of named fields. */
  validate<K extends EntityName>(entity: K, raw: Record<string, unknown>): RowResult<K> {
    if (isFast(entity)) {
      const record = this.fast[entity](
        CONTRACT_COLUMNS[entity].map((c) => raw[c]),
        IN_ORDER[entity],
      );
      if (record !== undefined) return { ok: true, record: record as EntityTypes[K] };
    }
    return this.parse(entity, raw);
  }

  /** Validates a source row: read by position when it has cells (CSV), without building its fields. */
  validateRow<K extends EntityName>(entity: K, row: RowCells): RowResult<K> {
    const record = this.plainRecord(entity, row);
    if (record !== undefined) return { ok: true, record };
    return this.validate(entity, row.fields);
  }

  /**
   * The record of a row the fast path accepts, else undefined (then `validateRow` says why). Per
   * row of a large file this is the whole validation, with no result object around the record.
   */
  plainRecord<K extends EntityName>(entity: K, row: RowCells): EntityTypes[K] | undefined {
    if (!row.columns || !isFast(entity)) return undefined;
    let at: Int32Array | undefined;
    // A file's rows share one columns array: its positions are looked up once per file, not per row.
    if (row.columns === this.lastColumns && entity === this.lastEntity) at = this.lastPositions;
    else {
      at = this.positions[entity].get(row.columns);
      if (at === undefined) this.positions[entity].set(row.columns, (at = fastPositions(entity, row.columns)));
      this.lastColumns = row.columns;
      this.lastEntity = entity;
      this.lastPositions = at;
      const own = CONTRACT_COLUMNS[entity];
      this.lastLinePath =
        (LINE_ENTITIES as readonly EntityName[]).includes(entity) &&
        row.columns.length === own.length &&
        own.every((c, i) => row.columns![i] === c)
          ? entity === 'usage'
            ? this.fast.usageLine
            : this.fast.ticketLine
          : undefined;
    }
    if (this.lastLinePath !== undefined && row.lineText !== undefined) {
      const record = this.lastLinePath(row.lineText, row.lineStart!, row.lineEnd!);
      if (record !== undefined) return record as EntityTypes[K];
    }
    if (!row.values) return undefined;
    return this.fast[entity](row.values, at!) as EntityTypes[K] | undefined;
  }

  private parse<K extends EntityName>(entity: K, raw: Record<string, unknown>): RowResult<K> {
    const parsed = (this.schemas[entity] as z.ZodType<EntityTypes[K]>).safeParse(raw);
    if (parsed.success) return { ok: true, record: parsed.data };
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({
        field: i.path.length ? i.path.map(String).join('.') : '*',
        reason: i.message,
      })),
    };
  }
}

/**
 * Keeps the last record for each id, in first-seen order: the "later row replaces the earlier one"
 * rule. Rejected rows never reach here, so they cannot replace a valid one.
 */
export function latestById<K extends EntityName>(entity: K, records: readonly EntityTypes[K][]): EntityTypes[K][] {
  if (entity === 'usage') {
    // Keyed by (account, week), compared field by field: no composite key string per row.
    const rows = records as readonly Usage[];
    return lastOfEachKey(
      rows,
      (r) => hashText(r.week, hashText(r.accountId, HASH_SEED)),
      (a, b) => a.accountId === b.accountId && a.week === b.week,
    ) as EntityTypes[K][];
  }
  const key = entityKey[entity] as (r: EntityTypes[K]) => string;
  return lastOfEachKey(
    records,
    (r) => hashText(key(r), HASH_SEED),
    (a, b) => key(a) === key(b),
  );
}

/**
 * The last record of each key, at the position of the key's first record. An open-addressing table
 * on typed arrays: a JavaScript Map of a million fresh string keys costs ~1.5 s here, this ~0.1 s.
 */
function lastOfEachKey<T>(records: readonly T[], hash: (r: T) => number, sameKey: (a: T, b: T) => boolean): T[] {
  const n = records.length;
  let size = 2;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1); // the first record of each key
  const latest = new Int32Array(n).fill(-1); // for a key's first record: the key's last record
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    for (let h = hash(r) & mask; ; h = (h + 1) & mask) {
      const first = slots[h]!;
      if (first === -1) {
        slots[h] = i;
        latest[i] = i;
        break;
      }
      if (sameKey(records[first]!, r)) {
        latest[first] = i;
        break;
      }
    }
  }
  const out: T[] = [];
  for (let i = 0; i < n; i++) if (latest[i]! >= 0) out.push(records[latest[i]!]!);
  return out;
}

/** Seeded per process, so no input file can be crafted to make every key collide. */
const HASH_SEED = (Math.random() * 0x100000000) >>> 0;

/** FNV-1a over UTF-16 code units, continuing from `seed`. */
function hashText(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Account ids referenced by other entities that no account row defines (warned, not rejected).
 * `moreUsageAccounts`: accounts of usage rows read but not kept in `data`.
 */
export function unknownAccounts(data: Dataset, moreUsageAccounts: Iterable<string> = []): Map<EntityName, string[]> {
  const known = new Set(data.accounts.map((a) => a.accountId));
  const out = new Map<EntityName, string[]>();
  for (const entity of ENTITY_NAMES) {
    if (
      entity === 'accounts' ||
      entity === 'spend' ||
      entity === 'fx_rates' ||
      entity === 'targets' ||
      entity === 'annotations'
    )
      continue;
    const missing = new Set<string>();
    // Rows come grouped by account: a run of one account's rows is looked up once.
    let last: string | undefined;
    for (const r of data[entity] as { accountId: string }[]) {
      if (r.accountId === last) continue;
      last = r.accountId;
      if (!known.has(last)) missing.add(last);
    }
    if (entity === 'usage') for (const id of moreUsageAccounts) if (!known.has(id)) missing.add(id);
    if (missing.size) out.set(entity, [...missing].sort());
  }
  return out;
}
