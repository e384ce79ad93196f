// CSV files for Excel: UTF-8 with a byte-order mark, RFC 4180 (comma, CRLF line ends, fields with
// a comma, a quote, CR or LF quoted, quotes doubled), a header row, and every text cell neutralised
// against formula injection. Numbers are written unquoted (money with exactly two decimals, from
// integer cents, so the file never shows 0.30000000000000004).
import { stringify } from 'csv-stringify/sync';
import { centsToDecimal } from '../money';
import { neutraliseFormula, type AnyExtract, type CellValue, type ColumnType } from './table';

export const UTF8_BOM = '\uFEFF';

/** One cell as CSV text (before quoting). Empty for null/undefined. */
export function csvCell(type: ColumnType, value: CellValue): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'money':
      return centsToDecimal(value as number);
    case 'integer':
    case 'number':
    case 'ratio':
      return Number.isFinite(value as number) ? String(value) : '';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'date':
      return String(value);
    case 'text':
    case 'id':
      return neutraliseFormula(String(value));
  }
}

/** The extract as CSV bytes. */
export function toCsv(extract: AnyExtract): Buffer {
  const records: string[][] = [extract.columns.map((c) => c.header)];
  for (const row of extract.rows) records.push(extract.columns.map((c) => csvCell(c.type, c.value(row))));
  // csv-stringify quotes the delimiter and quotes on its own; CR and LF inside a field must be
  // quoted too (RFC 4180), which it does not do by itself with a CRLF record delimiter.
  const body = stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
  return Buffer.from(UTF8_BOM + body, 'utf8');
}
