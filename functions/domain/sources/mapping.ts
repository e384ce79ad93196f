// Field mappings: how a source's own field names and formats become the data contract's columns.
// Pure: a mapping turns one source row (CSV columns or a JSON object) into contract columns, or
// into row errors that name the contract field and the source field it came from.
import { z } from 'zod';
import { centsToDecimal } from '../money';
import { todayIn } from '../dates';

export const TRANSFORMS = [
  /** Integer minor units (1234) -> contract money (`12.34`). */
  'cents-to-money',
  /** Unix epoch seconds -> the company-local calendar date. */
  'epoch-to-date',
  /** Unix epoch milliseconds -> the company-local calendar date. */
  'epoch-ms-to-date',
  /** ISO 8601 date-time with offset (`2026-11-23T04:00:00Z`) -> the company-local date; a plain date passes. */
  'datetime-to-date',
  /** A date (or date-time) -> its month `YYYY-MM`. */
  'date-to-month',
  'lowercase',
  'uppercase',
  'trim',
] as const;
export type TransformName = (typeof TRANSFORMS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One contract column: a source field name (rename), or a rule. */
export const fieldRuleSchema = z.union([
  z.string().min(1, { error: 'must name a source field' }),
  z
    .object({
      /** Source field; a dotted path reaches into JSON objects (`plan.amount`). */
      from: z.string().min(1).optional(),
      /** A constant value for every row (instead of `from`). */
      const: scalar.optional(),
      /** Applied in order. */
      transform: z.union([z.enum(TRANSFORMS), z.array(z.enum(TRANSFORMS)).min(1)]).optional(),
      /** Value translation after the transforms, e.g. `{ "active": "open", "canceled": "churned" }`. */
      values: z.record(z.string(), scalar).optional(),
      /** Used when the source value is absent or blank. */
      default: scalar.optional(),
    })
    .strict()
    .refine((r) => (r.from === undefined) !== (r.const === undefined), {
      error: 'give exactly one of "from" or "const"',
    }),
]);
export type FieldRule = z.infer<typeof fieldRuleSchema>;

/** How the rows of one entity are mapped. */
export const entityMappingSchema = z
  .object({
    /** Contract column -> rule. Columns not named here are taken from a source field of the same name. */
    fields: z.record(z.string(), fieldRuleSchema).default({}),
    /**
     * A row whose field equals one of these values says "this record was deleted at the source":
     * the record is deleted from the store instead of upserted.
     */
    deleteWhen: z
      .object({ field: z.string().min(1), equals: z.array(scalar).min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type EntityMapping = z.infer<typeof entityMappingSchema>;

export interface MappingContext {
  /** The company's IANA time zone: epoch and date-time values become local calendar dates. */
  timeZone: string;
}

export interface MappingError {
  /** The contract column at fault. */
  field: string;
  reason: string;
}

export type MappedRow =
  | { ok: true; fields: Record<string, unknown>; deleted: boolean }
  | { ok: false; errors: MappingError[] };

/** Reads a (dotted) path from a row: top-level names are matched case-insensitively. */
export function readPath(fields: Record<string, unknown>, path: string): unknown {
  const direct = fields[path] ?? fields[path.toLowerCase()];
  if (direct !== undefined || !path.includes('.')) return direct;
  let value: unknown = fields;
  for (const [i, part] of path.split('.').entries()) {
    if (typeof value !== 'object' || value === null) return undefined;
    const o = value as Record<string, unknown>;
    value = i === 0 ? (o[part] ?? o[part.toLowerCase()]) : o[part];
  }
  return value;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Applies an entity mapping to one row. Without a mapping the row passes unchanged. */
export function applyMapping(
  fields: Record<string, unknown>,
  mapping: EntityMapping | undefined,
  ctx: MappingContext,
): MappedRow {
  if (!mapping) return { ok: true, fields, deleted: false };
  const out: Record<string, unknown> = { ...fields };
  const errors: MappingError[] = [];
  for (const [target, rule] of Object.entries(mapping.fields)) {
    const r = typeof rule === 'string' ? { from: rule } : rule;
    let value: unknown = r.const !== undefined ? r.const : readPath(fields, r.from!);
    if (isBlank(value)) {
      out[target] = r.default;
      continue;
    }
    const transforms = r.transform === undefined ? [] : Array.isArray(r.transform) ? r.transform : [r.transform];
    let failed = false;
    for (const t of transforms) {
      const result = applyTransform(t, value, ctx);
      if (!result.ok) {
        errors.push({ field: target, reason: `${result.reason}${r.from ? ` (source field ${r.from})` : ''}` });
        failed = true;
        break;
      }
      value = result.value;
    }
    if (failed) continue;
    if (r.values) {
      const key = String(value);
      if (Object.hasOwn(r.values, key)) value = r.values[key];
    }
    out[target] = value;
  }
  if (errors.length) return { ok: false, errors };
  let deleted = false;
  if (mapping.deleteWhen) {
    const v = readPath(fields, mapping.deleteWhen.field);
    deleted = mapping.deleteWhen.equals.some((e) => e === v || (typeof v === 'string' && String(e) === v.trim()));
  }
  return { ok: true, fields: out, deleted };
}

type TransformResult = { ok: true; value: unknown } | { ok: false; reason: string };

const INTEGER = /^-?\d+$/;

function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && INTEGER.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function epochToDate(ms: number, timeZone: string): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : todayIn(timeZone, d);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function applyTransform(name: TransformName, value: unknown, ctx: MappingContext): TransformResult {
  const text = typeof value === 'string' ? value.trim() : value;
  switch (name) {
    case 'cents-to-money': {
      const n = asInteger(text);
      if (n === undefined) return { ok: false, reason: `"${String(value)}" is not a whole number of cents` };
      return { ok: true, value: centsToDecimal(n) };
    }
    case 'epoch-to-date':
    case 'epoch-ms-to-date': {
      const n = asInteger(text);
      const date = n === undefined ? undefined : epochToDate(name === 'epoch-to-date' ? n * 1000 : n, ctx.timeZone);
      if (date === undefined)
        return {
          ok: false,
          reason: `"${String(value)}" is not a Unix time in ${name === 'epoch-to-date' ? 'seconds' : 'milliseconds'}`,
        };
      return { ok: true, value: date };
    }
    case 'datetime-to-date': {
      if (typeof text === 'string' && DATE_ONLY.test(text)) return { ok: true, value: text };
      const date =
        typeof text === 'string' && DATE_TIME_WITH_OFFSET.test(text)
          ? epochToDate(Date.parse(text), ctx.timeZone)
          : undefined;
      if (date === undefined)
        return { ok: false, reason: `"${String(value)}" is not an ISO 8601 date-time with a time zone offset` };
      return { ok: true, value: date };
    }
    case 'date-to-month': {
      const m = typeof text === 'string' ? /^(\d{4}-\d{2})(-\d{2})?/.exec(text) : null;
      if (!m) return { ok: false, reason: `"${String(value)}" is not a date` };
      return { ok: true, value: m[1] };
    }
    case 'lowercase':
      return { ok: true, value: String(text).toLowerCase() };
    case 'uppercase':
      return { ok: true, value: String(text).toUpperCase() };
    case 'trim':
      return { ok: true, value: String(text) };
  }
}
