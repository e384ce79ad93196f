// Formula injection, round-tripped through real readers: csv-parse for the CSVs and exceljs for the
// workbook. Every hostile text cell comes back with a single quote in front and otherwise intact;
// numbers come back as numbers, dates as dates; quoting follows RFC 4180; UTF-8 with a BOM.
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  buildExtracts,
  currencyFormat,
  neutraliseFormula,
  toCsv,
  toXlsx,
  weeklyPeriods,
  workbookExtracts,
} from '../../../functions/domain/archive';
import { kpisAt, prepareKpiContext } from '../../../functions/domain/kpi';
import { hostileDataset, INJECTION_CASES, SETTINGS } from './fixtures';

const data = hostileDataset();
const ctx = prepareKpiContext(data, SETTINGS);
const r = kpisAt(ctx, '2026-11-22');
const extracts = buildExtracts(ctx, r, weeklyPeriods(r), SETTINGS.fiscalYearStartMonth);

describe('neutraliseFormula', () => {
  it.each(INJECTION_CASES)('prefixes %j with a single quote', (s) => expect(neutraliseFormula(s)).toBe(`'${s}`));
  it.each(['Acme', "'=already", ' =1', '1+1', 'a=b', ''])('leaves %j alone', (s) =>
    expect(neutraliseFormula(s)).toBe(s),
  );
});

describe('CSV', () => {
  const bytes = toCsv(extracts.accounts);

  it('is UTF-8 with a BOM, CRLF line ends, and fields with a comma, quote, CR or LF quoted', () => {
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text).toContain('"Enterprise, ""Key"""');
    expect(text).toContain(`"'\r=1+1"`);
    expect(text).toContain(`"'\n=1+1"`);
  });

  it('reads back through csv-parse with every hostile text neutralised and every number a plain number', () => {
    const rows = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.account_name).sort()).toEqual(INJECTION_CASES.map((s) => `'${s}`).sort());
    expect(rows.map((x) => x.account_id)).toContain("'=ACCT()");
    expect(rows.some((x) => x.segment === "'-Mid")).toBe(true);
    for (const x of rows) {
      expect(x.arr).toMatch(/^\d+\.\d{2}$/);
      expect(Number(x.arr)).toBeGreaterThan(0);
    }
  });

  it('keeps a negative amount a number (not neutralised as text)', () => {
    const { arrBridge } = buildExtracts(ctx, kpisAt(ctx, '2027-01-03'), weeklyPeriods(kpisAt(ctx, '2027-01-03')), 2);
    // no movement here; build one by hand through the column model
    const col = arrBridge.columns.find((c) => c.header === 'arr_change')!;
    expect(col.type).toBe('money');
    const csv = toCsv({
      ...arrBridge,
      rows: [
        {
          period: 'week',
          periodStart: '2026-11-16',
          periodEnd: '2026-11-22',
          accountId: 'A',
          segment: 'SMB',
          date: '2026-11-20',
          type: 'churn',
          arrBefore: 12_345,
          arrAfter: 0,
          amount: 12_345,
        },
      ],
    });
    const [row] = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(row!.arr_change).toBe('-123.45');
    expect(row!.amount).toBe('123.45');
  });

  it('neutralises opportunity ids and every text extract the same way', () => {
    const rows = parse(toCsv(extracts.expansion), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.every((x) => x.opportunity_id!.startsWith("'+O-"))).toBe(true);
  });
});

describe('XLSX', async () => {
  const wb = new ExcelJS.Workbook();
  const bytes = await toXlsx(workbookExtracts(extracts), {
    title: '=evil title',
    generatedAt: '2026-11-23T08:00:00Z',
    currency: 'USD',
  });
  await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);

  it('has one sheet per extract, each with a bold frozen header row', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Summary',
      'ARR bridge',
      'Renewals',
      'Accounts',
      'Expansion',
      'Cohorts',
    ]);
    for (const ws of wb.worksheets) {
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.getRow(1).font?.bold).toBe(true);
    }
  });

  it('reads back with hostile text neutralised, money as numbers in a currency format, dates as dates', () => {
    const ws = wb.getWorksheet('Accounts')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string) => header.indexOf(name) + 1;
    const names: string[] = [];
    for (let i = 2; i <= ws.rowCount; i++) {
      const row = ws.getRow(i);
      names.push(row.getCell(col('account_name')).value as string);
      const arr = row.getCell(col('arr'));
      expect(typeof arr.value).toBe('number');
      expect(arr.numFmt).toBe(currencyFormat('USD'));
      const due = row.getCell(col('next_renewal_due'));
      expect(due.value).toBeInstanceOf(Date);
      expect((due.value as Date).toISOString()).toBe('2026-12-01T00:00:00.000Z');
      expect(due.numFmt).toBe('yyyy-mm-dd');
    }
    // XML turns a bare CR into LF (end-of-line normalisation): the cell is still neutralised.
    expect(names.sort()).toEqual(INJECTION_CASES.map((s) => `'${s.replace(/\r/g, '\n')}`).sort());
    const renewals = wb.getWorksheet('Renewals')!;
    const rh = (renewals.getRow(1).values as unknown[]).slice(1) as string[];
    expect(typeof renewals.getRow(2).getCell(rh.indexOf('in_trailing_90d') + 1).value).toBe('boolean');
    expect(typeof renewals.getRow(2).getCell(rh.indexOf('days_to_due') + 1).value).toBe('number');
  });

  it('never writes a formula cell', () => {
    for (const ws of wb.worksheets)
      ws.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    expect(wb.title).toBe("'=evil title");
  });
});
