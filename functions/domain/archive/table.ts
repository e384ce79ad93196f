// The typed table model shared by every archive extract: a column knows its header, its type and
// how to read its value from a row, so the CSV writer and the XLSX writer (and the tests) agree on
// what each cell is. Money is integer cents in the rows and a decimal amount in the files.
import type { Cents } from '../money';

export type ColumnType =
  /** Free text: neutralised against formula injection in every file. */
  | 'text'
  /** An identifier (account id, renewal id ...): text, neutralised like any text. */
  | 'id'
  /** A calendar date `YYYY-MM-DD` (a real date cell in XLSX). */
  | 'date'
  /** Integer cents, written as a decimal amount with two places (a currency cell in XLSX). */
  | 'money'
  /** A whole number. */
  | 'integer'
  /** A fraction (0.912), written unrounded; a percentage format in XLSX. */
  | 'ratio'
  /** Any other number (a score 0..100, an NPS point). */
  | 'number'
  | 'boolean';

export type CellValue = string | number | boolean | null | undefined;

export interface Column<R> {
  /** The CSV header and the XLSX header cell: snake_case, stable (finance builds on them). */
  header: string;
  type: ColumnType;
  value: (row: R) => CellValue;
  /** One line for docs/archive.md and the workbook's notes. */
  description?: string;
}

export interface Extract<R = unknown> {
  /** File name without extension (`arr-bridge`). */
  name: string;
  /** Worksheet name in the workbook (at most 31 characters). */
  sheet: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
}

/** Any extract, with its row type erased (what the writers take). */
// biome-ignore lint/suspicious/noExplicitAny: a list holds extracts of different row types; each is read through its own columns
export type AnyExtract = Extract<any>;

export { looksLikeFormula, neutraliseFormula } from '../spreadsheet';

export function centsToNumber(cents: Cents): number {
  return cents / 100;
}

export const money = <R>(
  header: string,
  value: (r: R) => Cents | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'money',
  value,
  ...(description ? { description } : {}),
});
export const text = <R>(
  header: string,
  value: (r: R) => string | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'text',
  value,
  ...(description ? { description } : {}),
});
export const id = <R>(header: string, value: (r: R) => string | null | undefined, description?: string): Column<R> => ({
  header,
  type: 'id',
  value,
  ...(description ? { description } : {}),
});
export const date = <R>(
  header: string,
  value: (r: R) => string | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'date',
  value,
  ...(description ? { description } : {}),
});
export const integer = <R>(
  header: string,
  value: (r: R) => number | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'integer',
  value,
  ...(description ? { description } : {}),
});
export const ratio = <R>(
  header: string,
  value: (r: R) => number | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'ratio',
  value,
  ...(description ? { description } : {}),
});
export const num = <R>(
  header: string,
  value: (r: R) => number | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'number',
  value,
  ...(description ? { description } : {}),
});
export const bool = <R>(
  header: string,
  value: (r: R) => boolean | null | undefined,
  description?: string,
): Column<R> => ({
  header,
  type: 'boolean',
  value,
  ...(description ? { description } : {}),
});
