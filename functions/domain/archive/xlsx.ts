// The workbook of a pack: one worksheet per extract, typed cells (numbers as numbers, dates as real
// dates, money with a currency number format, ratios as percentages), a bold frozen header row,
// auto-filter, and every text cell neutralised against formula injection exactly as in the CSVs.
// Each column is as wide as its longest value as displayed (no `###`), the first sheet carries the
// e-mail's headline figures under its bridge table, and every sheet prints landscape, one page
// wide, with its header row repeated on each page.
import ExcelJS from 'exceljs';
import { neutraliseFormula, type AnyExtract, type CellValue, type ColumnType } from './table';

/** One headline figure for the Summary sheet (money in cents, as in the extracts). */
export interface HeadlineFigure {
  label: string;
  /** `points`: an NPS, one decimal as in the e-mail. */
  type: Extract<ColumnType, 'money' | 'ratio' | 'integer'> | 'points';
  value: number | null;
  note?: string;
}

export interface WorkbookMeta {
  /** Written into the document properties (creator, title, created). */
  title: string;
  /** ISO timestamp of the run. */
  generatedAt: string;
  /** ISO 4217 code of the money columns. */
  currency: string;
  /** The e-mail's headline figures, written under the first sheet's table. */
  headline?: readonly HeadlineFigure[];
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

/** Widest column, in characters: longer text (a note, a long name) is cut on screen, never a number. */
const MAX_WIDTH = 60;
/**
 * Width units are the width of a digit in the default font; LibreOffice and Excel differ a little in
 * the font they substitute, so numbers get 15% and two characters to spare (a `###` is worse than a
 * wide column), and a header its auto-filter button.
 */
const NUMBER_SLACK = 1.15;
const PADDING = 2;
const FILTER_BUTTON = 3;
/** Excel's default width is 9 (exceljs leaves such a column out of the file): every column is set. */
const MIN_WIDTH = 10;

/** How a cell reads once formatted (what its width must hold), for the formats above. */
export function displayText(type: ColumnType, value: CellValue, currency: string): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'money': {
      const amount = (value as number) / 100;
      const digits = Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      const code = currency.toUpperCase().replace(/[^A-Z]/g, '');
      const symbol = SYMBOLS[code];
      return `${amount < 0 ? '-' : ''}${symbol ? `${symbol}${digits}` : `${digits} ${code}`}`;
    }
    case 'ratio':
      return Number.isFinite(value as number) ? `${((value as number) * 100).toFixed(2)}%` : '';
    case 'number':
      return Number.isFinite(value as number) ? (value as number).toFixed(2) : '';
    case 'integer':
      return Number.isFinite(value as number) ? (value as number).toFixed(0) : '';
    case 'date':
      return 'yyyy-mm-dd';
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'text':
    case 'id':
      return neutraliseFormula(String(value));
  }
}

/** The column width that shows `text` whole (up to MAX_WIDTH). */
function widthFor(type: ColumnType, text: string): number {
  const longestLine = Math.max(0, ...text.split(/\r\n|\r|\n/).map((l) => [...l].length));
  const numeric = type !== 'text' && type !== 'id';
  return Math.min(MAX_WIDTH, Math.ceil(longestLine * (numeric ? NUMBER_SLACK : 1)) + PADDING);
}

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
  const formatOf = (type: ColumnType): string | undefined => (type === 'money' ? moneyFormat : NUMBER_FORMATS[type]);
  extracts.forEach((extract, index) => {
    const ws = wb.addWorksheet(sheetName(extract.sheet), {
      views: [{ state: 'frozen', xSplit: 0, ySplit: 1, activeCell: 'A2' }],
    });
    const widths = extract.columns.map((c) => [...c.header].length + PADDING + FILTER_BUTTON);
    ws.columns = extract.columns.map((c) => ({ header: c.header, key: c.header, style: { numFmt: formatOf(c.type) } }));
    for (const row of extract.rows) {
      ws.addRow(
        extract.columns.map((c, i) => {
          const value = c.value(row);
          widths[i] = Math.max(widths[i]!, widthFor(c.type, displayText(c.type, value, meta.currency)));
          return xlsxCell(c.type, value);
        }),
      );
    }
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.eachCell((cell) => {
      cell.numFmt = 'General';
      cell.value = neutraliseFormula(String(cell.value ?? ''));
    });
    if (extract.columns.length > 0)
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: extract.columns.length } };
    if (index === 0 && meta.headline?.length) addHeadline(ws, meta.headline, widths, formatOf, meta.currency);
    widths.forEach((w, i) => (ws.getColumn(i + 1).width = Math.max(MIN_WIDTH, w)));
    ws.pageSetup = {
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages down as the rows need
      printTitlesRow: '1:1',
      horizontalCentered: false,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    };
    ws.headerFooter = { oddFooter: `&L${footerText(meta.title)}&C&A&RPage &P of &N` };
  });
  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

/** `&` starts a code in a header or footer: a literal one is written `&&`. */
function footerText(s: string): string {
  return s.replace(/&/g, '&&');
}

/**
 * The headline block under the first sheet's table, after one empty row: a bold "Headline" row,
 * then one row per figure (label, value in its format, note), as the e-mail leads with them.
 */
function addHeadline(
  ws: ExcelJS.Worksheet,
  figures: readonly HeadlineFigure[],
  widths: number[],
  formatOf: (type: ColumnType) => string | undefined,
  currency: string,
): void {
  const first = ws.rowCount + 2;
  const title = ws.getRow(first);
  title.getCell(1).value = 'Headline';
  title.getCell(2).value = 'value';
  title.getCell(3).value = 'note';
  title.font = { bold: true };
  figures.forEach((f, i) => {
    const row = ws.getRow(first + 1 + i);
    row.getCell(1).value = neutraliseFormula(f.label);
    const value = row.getCell(2);
    const type: ColumnType = f.type === 'points' ? 'number' : f.type;
    value.value = xlsxCell(type, f.value);
    value.numFmt = (f.type === 'points' ? '0.0' : formatOf(type)) ?? 'General';
    if (f.note) row.getCell(3).value = neutraliseFormula(f.note);
    const shown =
      f.type === 'points' ? (f.value === null ? '' : f.value.toFixed(1)) : displayText(type, f.value, currency);
    widths[0] = Math.max(widths[0] ?? 0, widthFor('text', f.label));
    widths[1] = Math.max(widths[1] ?? 0, widthFor(type, shown));
    // A note may run on over the empty cells to its right; it does not widen its column.
  });
}
