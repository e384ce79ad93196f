// The workbook as finance opens and prints it, read back with exceljs: every column wide enough for
// its longest value as displayed (what LibreOffice shows as ### otherwise), the e-mail's headline
// figures on the Summary sheet, and a print setup (landscape, one page wide, header row repeated).
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  buildExtracts,
  displayText,
  toXlsx,
  weeklyPeriods,
  workbookExtracts,
  workbookHeadline,
} from '../../../functions/domain/archive';
import { kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { demoDataset, SETTINGS } from './fixtures';

const AS_OF = '2026-11-22';
const ctx = prepareKpiContext(demoDataset('2026-11-23'), SETTINGS);
const r = kpisAt(ctx, AS_OF);
const extracts = workbookExtracts(buildExtracts(ctx, r, weeklyPeriods(r), SETTINGS.fiscalYearStartMonth));

async function workbook(headline = true): Promise<ExcelJS.Workbook> {
  const bytes = await toXlsx(extracts, {
    title: 'Northwind Cloud Pulse 2026-W47',
    generatedAt: '2026-11-23T08:00:00Z',
    currency: 'USD',
    ...(headline ? { headline: workbookHeadline(r) } : {}),
  });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
  return wb;
}

describe('workbook layout', async () => {
  const wb = await workbook();

  it('makes every column at least as wide as its longest value once formatted, money and dates included', () => {
    for (const extract of extracts) {
      const ws = wb.getWorksheet(extract.sheet)!;
      extract.columns.forEach((c, i) => {
        const width = ws.getColumn(i + 1).width!;
        expect(width, `${extract.sheet}.${c.header}`).toBeGreaterThanOrEqual(c.header.length + 2);
        for (const row of extract.rows) {
          const shown = displayText(c.type, c.value(row), 'USD');
          // Cut text is legible; a number too wide for its cell is ###. Numbers always fit.
          const needed = c.type === 'text' || c.type === 'id' ? Math.min(shown.length, 58) : shown.length;
          expect(width, `${extract.sheet}.${c.header} "${shown}"`).toBeGreaterThanOrEqual(needed + 2);
        }
      });
    }
    // The Summary's ARR columns hold seven-figure amounts: wider than the old fixed 12 characters.
    const summary = wb.getWorksheet('Summary')!;
    const header = (summary.getRow(1).values as unknown[]).slice(1) as string[];
    const closeWidth = summary.getColumn(header.indexOf('close_arr') + 1).width!;
    expect(displayText('money', r.arrBridge.close, 'USD')).toMatch(/^\$\d{1,3}(,\d{3}){2,}\.\d{2}$/);
    expect(closeWidth).toBeGreaterThan(displayText('money', r.arrBridge.close, 'USD').length);
  });

  it("puts the e-mail's headline figures (closing ARR, NRR, GRR, customers, ARR at risk, NPS) on the Summary sheet", () => {
    const ws = wb.getWorksheet('Summary')!;
    const rows = new Map<string, ExcelJS.Row>();
    ws.eachRow((row) => {
      const label = row.getCell(1).value;
      if (typeof label === 'string') rows.set(label, row);
    });
    expect(rows.get('Headline')?.font?.bold).toBe(true);
    const value = (label: string) => rows.get(label)?.getCell(2);
    expect(value('Closing ARR')?.value).toBe(r.arrBridge.close / 100);
    expect(value('Closing ARR')?.numFmt).toBe('"$"#,##0.00;-"$"#,##0.00');
    expect(value('NRR')?.value).toBe(r.retention.nrr);
    expect(value('NRR')?.numFmt).toBe('0.00%');
    expect(value('GRR')?.value).toBe(r.retention.grr);
    expect(value('Customers')?.value).toBe(r.customers.close);
    expect(value('ARR at risk')?.value).toBe(r.health.arrAtRisk / 100);
    expect(value('NPS')?.value).toBe(r.voice.nps);
    expect(value('NPS')?.numFmt).toBe('0.0');
    expect(r.retention.nrr).not.toBeNull();
    expect(r.voice.nps).not.toBeNull();
    // Under the bridge table, after an empty row: the table keeps its frozen header and filter.
    expect(rows.get('Headline')!.number).toBe(extracts[0]!.rows.length + 3);
    expect(ws.getColumn(2).width!).toBeGreaterThanOrEqual(displayText('money', r.arrBridge.close, 'USD').length + 2);
  });

  it('prints every sheet landscape, one page wide, with the header row on every page', () => {
    for (const ws of wb.worksheets) {
      expect(ws.pageSetup, ws.name).toMatchObject({
        orientation: 'landscape',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        printTitlesRow: '1:1',
      });
      expect(ws.headerFooter.oddFooter, ws.name).toContain('Page &P of &N');
    }
  });

  it('writes no headline block when none is given', async () => {
    const plain = await workbook(false);
    const ws = plain.getWorksheet('Summary')!;
    expect(ws.rowCount).toBe(extracts[0]!.rows.length + 1);
  });
});
