// The workbook of a pack: one worksheet per extract, typed cells (numbers as numbers, dates as real
// dates, money with a currency number format, ratios as percentages), a bold frozen header row,
// auto-filter, and every text cell neutralised against formula injection exactly as in the CSVs.
import ExcelJS from 'exceljs';
import { neutraliseFormula, type AnyExtract, type CellValue, type ColumnType } from './table';

export interface WorkbookMeta {
  /** Written into the document properties (creator, title, created). */
  title: string;
  /** ISO timestamp of the run. */
  generatedAt: string;
  /** ISO 4217 code of the money columns. */
  currency: string;
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CHF: 'CHF ', CAD: 'CA$', AUD: 'A$' };

/** An Excel number format for amounts in the currency: `"$"#,##0.00`, or `#,##0.00 "SEK"` for others. */
export function currencyFormat(currency: string): string {
  const code = currency.toUpperCase().replace(/[^A-Z]/g, '');
  const symbol = SYMBOLS[code];
  const positive = symbol ? `"${symbol}"#,##0.00` : `#,##0.00 "${code}"`;
  return `${positive};-${positive}`;
}

const NUMBER_FORMATS: Partial<Record<ColumnType, string>> = {
  date: 'yyyy-mm-dd',
  integer: '0',
  ratio: '0.00%',
  number: '0.00',
};

/** A cell's typed value: numbers, Date (UTC midnight) for dates, booleans, neutralised text. */
export function xlsxCell(type: ColumnType, value: CellValue): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'money':
      return (value as number) / 100;
    case 'integer':
    case 'number':
    case 'ratio':
      return Number.isFinite(value as number) ? (value as number) : null;
    case 'boolean':
      return Boolean(value);
    case 'date': {
      const s = String(value);
      return new Date(`${s}T00:00:00.000Z`);
    }
    case 'text':
    case 'id':
      return neutraliseFormula(String(value));
  }
}

/** Excel limits sheet names to 31 characters without []:*?/\ */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
}

export async function toXlsx(extracts: readonly AnyExtract[], meta: WorkbookMeta): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const when = new Date(meta.generatedAt);
  wb.creator = 'Pulse';
  wb.lastModifiedBy = 'Pulse';
  wb.title = neutraliseFormula(meta.title);
  wb.created = when;
  wb.modified = when;
  const moneyFormat = currencyFormat(meta.currency);
  for (const extract of extracts) {
    const ws = wb.addWorksheet(sheetName(extract.sheet), { views: [{ state: 'frozen', xSplit: 0, ySplit: 1, activeCell: 'A2' }] });
    ws.columns = extract.columns.map((c) => ({
      header: c.header,
      key: c.header,
      width: Math.max(c.type === 'text' || c.type === 'id' ? 18 : 12, c.header.length + 2),
      style: { numFmt: c.type === 'money' ? moneyFormat : NUMBER_FORMATS[c.type] },
    }));
    for (const row of extract.rows) ws.addRow(extract.columns.map((c) => xlsxCell(c.type, c.value(row))));
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.eachCell((cell) => {
      cell.numFmt = 'General';
      cell.value = neutraliseFormula(String(cell.value ?? ''));
    });
    if (extract.columns.length > 0) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: extract.columns.length } };
  }
  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}
