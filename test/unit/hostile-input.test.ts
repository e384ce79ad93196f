// The hostile-input corpus (test/fixtures/hostile/): malformed CSV, wrong types and ranges, invalid
// dates, duplicate ids, negative money, formula cells, markup and Handlebars in names, CRLF in an
// email field, unknown accounts, non-UTF-8 bytes, and (generated here) huge fields and lines.
// Every bad row is a reject with file, line, field and reason; the good rows still load; hostile
// names render escaped in the risk-alert emails. (The weekly report's escaping of the same strings
// is covered in test/unit/report/render.test.ts; spreadsheet formula neutralising in
// test/unit/archive/spreadsheet-safety.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../functions/adapters/render/risk-alerts';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { evaluateAlerts } from '../../functions/app/evaluate-alerts';
import { readDataset, type DatasetRead } from '../../functions/app/read-contract';
import { RowValidator, type RowError } from '../../functions/domain/contract/validate';
import type { Mailer, OutgoingMessage } from '../../functions/ports/mailer';
import { afterAnEarlierRun, alertRunOptions, defaultSettings } from './alerts/helpers';
import { dataset, line, renewal } from './kpi/builders';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hostile');
const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });
const read = (dir: string): Promise<DatasetRead> => readDataset(new FolderSource(dir), validator);

/** The reject whose raw row text contains `needle` (exactly one). */
function rejectFor(rejects: RowError[], file: string, needle: string): RowError {
  const found = rejects.filter((r) => r.file === file && (r.raw ?? '').includes(needle));
  expect(found, `one reject in ${file} for a row containing ${JSON.stringify(needle)}`).toHaveLength(1);
  return found[0]!;
}

describe('the hostile corpus: mixed/', async () => {
  const { dataset: data, summary, unknownAccounts } = await read(join(FIXTURES, 'mixed'));
  const rejects = summary.rejects;

  it('loads the good rows: BOM stripped, CRLF/LF mixed, the later duplicate id wins, markup kept verbatim as data', () => {
    expect(data.accounts.map((a) => a.accountId)).toEqual(['A1', 'A2', 'A3', 'A8']);
    expect(data.accounts[0]).toMatchObject({ accountId: 'A1', name: 'Acme Renamed', segment: 'Enterprise' });
    expect(data.accounts[1]!.name).toBe('<script>alert(1)</script>');
    expect(data.accounts[2]!.name).toBe('{{#each this}}{{constructor}}{{/each}}');
    // A formula-like name is data: kept as text on input, neutralised only when written to a spreadsheet.
    expect(data.accounts[3]!.name).toBe("=SUM(1+1)*cmd|' /C calc'!A0");
    expect(data.subscriptions.map((s) => s.lineId)).toEqual(['L1', 'L7']);
    expect(data.subscriptions[0]).toMatchObject({ arr: 12_000_000, startDate: '2024-01-01' });
    expect(data.usage).toEqual([{ accountId: 'A1', week: '2026-11-16', weeklyActiveUsers: 80, licensedSeats: 100 }]);
    expect(data.nps.map((n) => [n.responseId, n.comment])).toEqual([['N1', '=1+1']]);
  });

  it('counts every row read, valid or rejected, per entity', () => {
    // 10 rows: A1 and its later duplicate are both valid rows (the later one wins in the dataset).
    expect(summary.counts.accounts).toMatchObject({ rows: 10, valid: 5, rejected: 5 });
    expect(summary.counts.subscriptions).toMatchObject({ rows: 9, valid: 2, rejected: 7 });
    expect(summary.counts.usage).toMatchObject({ rows: 5, valid: 1, rejected: 4 });
    expect(summary.counts.nps).toMatchObject({ rows: 2, valid: 1, rejected: 1 });
  });

  it('rejects unreadable CSV rows with field * and a reason a person can act on', () => {
    expect(rejectFor(rejects, 'accounts.csv', 'HYPERLINK')).toMatchObject({
      line: 5,
      field: '*',
      reason: expect.stringMatching(/quote appears inside an unquoted field/),
    });
    expect(rejectFor(rejects, 'accounts.csv', 'Too,Many')).toMatchObject({
      field: '*',
      reason: 'wrong number of columns: the header has 4, this row has 5',
    });
    expect(rejectFor(rejects, 'accounts.csv', 'Latin-1')).toMatchObject({
      field: '*',
      reason: expect.stringMatching(/not valid UTF-8/),
    });
  });

  it('rejects a CRLF (header injection) in an email field, and a missing id', () => {
    expect(rejectFor(rejects, 'accounts.csv', 'Bcc: x@evil.example')).toMatchObject({
      field: 'owner_email',
      reason: expect.stringMatching(/is not an email address$/),
    });
    expect(rejectFor(rejects, 'accounts.csv', 'No Id')).toMatchObject({ field: 'account_id', reason: 'is required' });
  });

  it('rejects wrong types, ranges, impossible dates, negative money, money with more decimals than its currency has, unknown enums', () => {
    const sub = (needle: string) => rejectFor(rejects, 'subscriptions.csv', needle);
    expect(sub('L2,')).toMatchObject({
      line: 3,
      field: 'arr',
      reason: '"-500" is not an amount (a decimal >= 0 with at most 2 decimals)',
    });
    expect(sub('L3,')).toMatchObject({
      line: 4,
      field: 'start_date',
      reason: '"2026-02-30" is not a calendar date (expected YYYY-MM-DD)',
    });
    expect(sub('L4,')).toMatchObject({
      line: 5,
      field: 'arr',
      reason: expect.stringContaining('"abc" is not an amount'),
    });
    expect(sub('L5,')).toMatchObject({
      line: 6,
      field: 'arr',
      reason: expect.stringContaining('"1000.005" is not an amount'),
    });
    expect(sub('L6,')).toMatchObject({
      line: 7,
      field: 'end_date',
      reason: '2024-01-01 must be after start_date 2025-01-01',
    });
    // Another currency is converted, not rejected; but its money has that currency's decimals (none for JPY).
    expect(sub('L8,')).toMatchObject({
      line: 9,
      field: 'arr',
      reason: '"4000.5" is not an amount in JPY (a decimal >= 0 with no decimals)',
    });
    expect(sub('L9,')).toMatchObject({ line: 10, field: 'kind', reason: '"lease" is not one of: recurring, services' });
    const use = (needle: string) => rejectFor(rejects, 'usage.csv', needle);
    expect(use('2026-11-17,-1')).toMatchObject({
      line: 3,
      field: 'weekly_active_users',
      reason: '-1 is out of range (0..)',
    });
    expect(use('1.5')).toMatchObject({ line: 4, field: 'weekly_active_users', reason: '"1.5" is not a whole number' });
    expect(use('2026-13-01')).toMatchObject({
      line: 5,
      field: 'week',
      reason: expect.stringContaining('is not a calendar date'),
    });
    expect(use('99999999999999999999')).toMatchObject({
      line: 6,
      field: 'weekly_active_users',
      reason: expect.stringContaining('out of range'),
    });
    expect(rejectFor(rejects, 'nps.csv', 'N2')).toMatchObject({
      line: 3,
      field: 'score',
      reason: '11 is out of range (0..10)',
    });
  });

  it('every reject names its file, a line >= 2 (after the header), a field and a reason', () => {
    expect(rejects.length).toBe(17);
    for (const r of rejects) {
      expect(r.file).toMatch(/^(accounts|subscriptions|usage|nps)\.csv$/);
      expect(r.line).toBeGreaterThanOrEqual(2);
      expect(r.field).toMatch(/^(\*|[a-z_]+)$/);
      expect(r.reason.length).toBeGreaterThan(5);
    }
  });

  it('loads a row of an unknown account and lists it as a warning', () => {
    expect(data.subscriptions.find((s) => s.lineId === 'L7')).toMatchObject({ accountId: 'GHOST' });
    expect([...unknownAccounts]).toEqual([['subscriptions', ['GHOST']]]);
  });

  // Found by this corpus: csv-parse counts a CRLF inside a quoted field as two lines; the reader
  // now normalises line ends first, so later rows keep their true line numbers.
  it('reports the right line for rows after a quoted field holding a CRLF', () => {
    expect(rejectFor(rejects, 'accounts.csv', 'Bcc: x@evil.example').line).toBe(6);
    expect(rejectFor(rejects, 'accounts.csv', 'Too,Many').line).toBe(8);
  });
});

describe('the hostile corpus: whole-file problems', () => {
  it('an unbalanced quote: the rows before it load, the reject is at the line where the quote opens', async () => {
    const { dataset: data, summary } = await read(join(FIXTURES, 'unclosed-quote'));
    expect(data.accounts.map((a) => a.accountId)).toEqual(['A1']);
    expect(summary.rejects).toEqual([
      expect.objectContaining({
        file: 'accounts.csv',
        line: 3,
        field: '*',
        reason: expect.stringMatching(/never closed/),
      }),
    ]);
  });

  it('an empty file and a header-only file load as no rows and no rejects', async () => {
    for (const dir of ['empty', 'header-only']) {
      const { dataset: data, summary } = await read(join(FIXTURES, dir));
      expect(summary.counts.accounts).toMatchObject({ files: ['accounts.csv'], rows: 0, rejected: 0 });
      expect(data.accounts).toEqual([]);
      expect(summary.rejects).toEqual([]);
    }
  });
});

describe('huge fields and lines (generated)', () => {
  const overSized = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-hostile-'));
    writeFileSync(
      join(dir, 'accounts.csv'),
      `account_id,name\nA1,Before\nA2,${'x'.repeat(1_100_000)}\nA3,After\nA4,After too\n`,
    );
    return read(dir);
  };

  it('rejects a row over 1 MB with its line, keeping only a bounded excerpt of it', async () => {
    const { dataset: data, summary } = await overSized();
    expect(data.accounts.map((a) => a.accountId)).toContain('A1');
    expect(summary.rejects[0]).toMatchObject({
      file: 'accounts.csv',
      line: 3,
      field: '*',
      reason: expect.stringMatching(/^the row is longer than 1000000 bytes/),
    });
    expect((summary.rejects[0]!.raw ?? '').length).toBeLessThanOrEqual(2000);
  });

  // Found by this corpus: with csv-parse, the rows after a row over 1 MB could not be read at all.
  // The scanner skips an oversized row to its end without holding it, so only that row is lost.
  it('rejects only the row over 1 MB: the rows after it still load, with their own line numbers', async () => {
    const { dataset: data, summary } = await overSized();
    expect(data.accounts.map((a) => a.accountId)).toEqual(['A1', 'A3', 'A4']);
    expect(summary.rejects.map((r) => [r.line, r.reason])).toEqual([[3, 'the row is longer than 1000000 bytes']]);
  });

  it('skips an oversized quoted field spanning lines, and counts its lines for the rows after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-hostile-'));
    const big = `${'y'.repeat(600_000)}\n""${'z'.repeat(600_000)}`;
    writeFileSync(join(dir, 'accounts.csv'), `account_id,name\nA1,Before\nA2,"${big}"\nA3,After\nA4,"bad"x\n`);
    const { dataset: data, summary } = await read(dir);
    expect(data.accounts.map((a) => a.accountId)).toEqual(['A1', 'A3']);
    expect(summary.rejects.map((r) => [r.line, r.reason])).toEqual([
      [3, 'the row is longer than 1000000 bytes'],
      [6, 'text follows a closing quote (double inner quotes: "")'],
    ]);
  });

  it('accepts a long but legal field (100 kB name) and a line with thousands of extra columns is one reject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-hostile-'));
    const long = 'N'.repeat(100_000);
    writeFileSync(
      join(dir, 'accounts.csv'),
      `account_id,name\nA1,${long}\nA2,${Array.from({ length: 5000 }, (_, i) => i).join(',')}\nA3,Ok\n`,
    );
    const { dataset: data, summary } = await read(dir);
    expect(data.accounts.map((a) => [a.accountId, a.name.length])).toEqual([
      ['A1', 100_000],
      ['A3', 2],
    ]);
    expect(summary.rejects).toEqual([
      expect.objectContaining({
        line: 3,
        field: '*',
        reason: 'wrong number of columns: the header has 2, this row has 5001',
      }),
    ]);
  });
});

describe('hostile names from the corpus, rendered in the risk-alert emails', () => {
  class RecordingMailer implements Mailer {
    readonly sent: OutgoingMessage[] = [];
    async send(m: OutgoingMessage) {
      this.sent.push(m);
      return { messageId: `m-${this.sent.length}`, raw: Buffer.from('') };
    }
  }

  it('escapes markup and never evaluates Handlebars syntax in a name (digest and critical alert, HTML and text)', async () => {
    const { dataset: loaded } = await read(join(FIXTURES, 'mixed'));
    const hostile = loaded.accounts.filter((a) => a.accountId === 'A2' || a.accountId === 'A3');
    expect(hostile).toHaveLength(2);
    // Both accounts are customers with a renewal 12 days overdue (configured critical here) and a detractor answer.
    const data = dataset({
      accounts: hostile,
      subscriptions: [line('A2', 50_000, '2024-01-01'), line('A3', 40_000, '2024-01-01')],
      renewals: [
        renewal('A2', '2026-11-11', 50_000, 'open', undefined, undefined, 'R2'),
        renewal('A3', '2026-11-11', 40_000, 'open', undefined, undefined, 'R3'),
      ],
      nps: [
        { responseId: 'N2', accountId: 'A2', date: '2026-11-20', score: 1 },
        { responseId: 'N3', accountId: 'A3', date: '2026-11-20', score: 1 },
      ],
    });
    const mailer = new RecordingMailer();
    const alerts = new InMemoryAlertStateStore();
    await afterAnEarlierRun(alerts); // not the first run: critical alerts go out on their own
    await evaluateAlerts(
      {
        store: { loadDataset: async () => data },
        alerts,
        ledger: new InMemorySendLedger(),
        mailer,
        renderer: await createRiskAlertRenderer(),
      },
      alertRunOptions({
        settings: defaultSettings({
          rules: {
            'red-health-renewal': { enabled: false },
            'yellow-health-renewal': { enabled: false },
            'renewal-overdue': { severity: 'critical' },
          },
        }),
      }),
    );
    const critical = mailer.sent.filter((m) => m.subject.includes('CRITICAL'));
    const digest = mailer.sent.filter((m) => !m.subject.includes('CRITICAL'));
    expect(critical.length).toBeGreaterThan(0);
    expect(digest.length).toBeGreaterThan(0);
    for (const m of mailer.sent) {
      // Markup: escaped in HTML, never a live tag.
      expect(m.html).not.toContain('<script>');
      // The subject is one line.
      expect(m.subject).not.toMatch(/[\r\n]/);
    }
    // Handlebars in data is printed, not evaluated (a template engine would have eaten the braces).
    expect(mailer.sent.map((m) => m.text).join('\n')).toContain('{{#each this}}{{constructor}}{{/each}}');
    const allHtml = mailer.sent.map((m) => m.html).join('\n');
    expect(allHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(allHtml).toMatch(/\{\{#each this\}\}\{\{constructor\}\}\{\{\/each\}\}|&#x7B;&#x7B;#each this&#x7D;&#x7D;/);
  });
});
