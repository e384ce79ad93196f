import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FolderSource, readRows, recogniseFile } from '../../functions/adapters/sources/file-reader';
import { readDataset } from '../../functions/app/read-contract';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { SourceRow } from '../../functions/ports/source';

const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

async function rowsOf(text: string | Buffer, format: 'csv' | 'ndjson' = 'csv', gzip = false): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of readRows(Readable.from([text]), format, gzip)) out.push(r);
  return out;
}

describe('recogniseFile', () => {
  it('maps contract file names to entities and formats', () => {
    expect(recogniseFile('accounts.csv')).toEqual({ entity: 'accounts', format: 'csv', gzip: false });
    expect(recogniseFile('Usage.NDJSON.gz')).toEqual({ entity: 'usage', format: 'ndjson', gzip: true });
    expect(recogniseFile('notes.txt')).toBeUndefined();
    expect(recogniseFile('customers.csv')).toBeUndefined();
  });
});

describe('CSV rows', () => {
  it('normalises headers, strips a BOM and accepts mixed line endings', async () => {
    const rows = await rowsOf('\uFEFF Account_ID ,NAME\r\nA1,Acme\nA2,"Beta\nCorp"\r\nA3,Gamma\n');
    expect(rows.map((r) => (r.ok ? [r.row.line, r.row.fields] : r.error))).toEqual([
      [2, { account_id: 'A1', name: 'Acme' }],
      [3, { account_id: 'A2', name: 'Beta\nCorp' }],
      [5, { account_id: 'A3', name: 'Gamma' }],
    ]);
  });

  it('reports a wrong column count with its line and keeps the other rows', async () => {
    const rows = await rowsOf('a,b\n1,2\n3\n4,5,6\n7,8\n');
    expect(rows.filter((r) => r.ok).map((r) => r.ok && r.row.line)).toEqual([2, 5]);
    expect(rows.filter((r) => !r.ok).map((r) => !r.ok && [r.error.line, r.error.reason])).toEqual([
      [3, 'wrong number of columns: the header has 2, this row has 1'],
      [4, 'wrong number of columns: the header has 2, this row has 3'],
    ]);
  });

  it('reports an unclosed quote at the line where it opens', async () => {
    const rows = await rowsOf('a,b\n1,2\n3,"4\n5,6\n');
    expect(rows[0]).toMatchObject({ ok: true });
    expect(rows[1]).toMatchObject({ ok: false, error: { line: 3 } });
    expect(rows).toHaveLength(2);
  });

  it('rejects rows with bytes that are not UTF-8', async () => {
    const rows = await rowsOf(
      Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n2,ok\n')]),
    );
    expect(rows[0]).toMatchObject({ ok: false, error: { line: 2 } });
    expect(rows[1]).toMatchObject({ ok: true, row: { line: 3 } });
  });

  it('reads an empty file and a header-only file as no rows', async () => {
    expect(await rowsOf('')).toEqual([]);
    expect(await rowsOf('a,b\n')).toEqual([]);
  });

  it('reads gzip-compressed files', async () => {
    const rows = await rowsOf(gzipSync('a\n1\n2\n'), 'csv', true);
    expect(rows).toHaveLength(2);
  });
});

describe('NDJSON rows', () => {
  it('reads one object per line and reports bad lines', async () => {
    const rows = await rowsOf('{"Account_ID":"A1","arr":12000}\n\nnot json\n[1]\n{"account_id":"A2"}\n', 'ndjson');
    expect(rows.map((r) => (r.ok ? r.row.line : `!${r.error.line}`))).toEqual([1, '!3', '!4', 5]);
    expect(rows[0]).toMatchObject({ ok: true, row: { fields: { account_id: 'A1', arr: 12000 } } });
  });
});

describe('readDataset', () => {
  it('keeps the good rows of a file with bad rows and lists every reject with file, line, field and reason', async () => {
    const { dataset, summary } = await readDataset(
      new FolderSource(join(import.meta.dirname, '../fixtures/bad-rows')),
      validator,
    );
    expect(dataset.accounts.map((a) => a.accountId)).toEqual(['A1']);
    expect(dataset.subscriptions.map((s) => s.lineId)).toEqual(['L1']);
    expect(summary.counts.subscriptions).toMatchObject({ rows: 4, valid: 1, rejected: 3 });
    expect(summary.rejects.map((r) => `${r.file}:${r.line} ${r.field}`)).toEqual([
      'accounts.csv:3 account_id',
      'accounts.csv:4 *',
      'subscriptions.csv:3 arr',
      'subscriptions.csv:3 start_date',
      'subscriptions.csv:4 end_date',
      'subscriptions.csv:5 *',
    ]);
    expect(summary.rejects.every((r) => r.reason.length > 5 && r.raw !== undefined)).toBe(true);
  });

  it('lets a later row replace an earlier one with the same id, but never a rejected one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-read-'));
    writeFileSync(
      join(dir, 'accounts.csv'),
      'account_id,name,owner_email\nA1,First,\nA2,Keep,\nA1,Second,\nA2,Broken,not-an-email\n',
    );
    const { dataset, summary } = await readDataset(new FolderSource(dir), validator);
    expect(dataset.accounts).toEqual([
      { accountId: 'A1', name: 'Second' },
      { accountId: 'A2', name: 'Keep' },
    ]);
    expect(summary.rejects).toHaveLength(1);
  });

  it('warns about accounts referenced but not defined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-read-'));
    writeFileSync(join(dir, 'accounts.csv'), 'account_id,name\nA1,Acme\n');
    writeFileSync(join(dir, 'nps.ndjson'), '{"response_id":"N1","account_id":"ZZ","date":"2026-01-05","score":9}\n');
    const { unknownAccounts } = await readDataset(new FolderSource(dir), validator);
    expect([...unknownAccounts]).toEqual([['nps', ['ZZ']]]);
  });

  it('reads fx_rates (CSV or NDJSON; a later row for the same day and currency wins) and lists the rows no rate converts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-read-'));
    writeFileSync(
      join(dir, 'subscriptions.csv'),
      'line_id,account_id,arr,start_date,currency\nL1,A1,1000,2026-01-05,eur\nL2,A1,1000,2026-01-01,EUR\nL3,A1,500,2026-01-05,\n',
    );
    writeFileSync(
      join(dir, 'fx_rates.ndjson'),
      [
        '{"date":"2026-01-02","currency":"eur","rate":"1.09"}',
        '{"date":"2026-01-02","currency":"EUR","rate":1.0842}',
        '{"date":"2026-01-02","currency":"EUR","rate":"0"}',
      ].join('\n'),
    );
    const { dataset, summary, unconverted } = await readDataset(new FolderSource(dir), validator);
    // Kept in their own currency (the KPI engine converts), the later rate for 2026-01-02 kept, the zero rate rejected.
    expect(dataset.subscriptions.map((s) => [s.lineId, s.arr, s.currency])).toEqual([
      ['L1', 100_000, 'EUR'],
      ['L2', 100_000, 'EUR'],
      ['L3', 50_000, undefined],
    ]);
    expect(dataset.fx_rates).toEqual([{ date: '2026-01-02', currency: 'EUR', rate: '1.0842' }]);
    expect(summary.rejects).toMatchObject([{ file: 'fx_rates.ndjson', line: 3, field: 'rate' }]);
    expect(unconverted).toMatchObject([
      {
        entity: 'subscriptions',
        id: 'L2',
        currency: 'EUR',
        date: '2026-01-01',
        reason: 'no EUR rate on or before 2026-01-01 (the first is 2026-01-02)',
      },
    ]);
  });
});
