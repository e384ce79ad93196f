// `pulse sources export salesforce --out DIR`, as a user runs it, against a loopback fake of
// Salesforce holding one record per mapping rule: the contract files a hand check expects; and a
// spent API quota as a user sees it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDoc } from '../support/config-doc';
import { runPulse as pulse } from '../support/pulse-cli';
import { EXPECTED, salesforceOrg, SETTINGS, TZ } from '../support/fake-salesforce/fixture';
import { startFakeSalesforce, type FakeSalesforce } from '../../lib/local/fake-salesforce';

describe('pulse sources export salesforce', () => {
  let fake: FakeSalesforce;
  const work = mkdtempSync(join(tmpdir(), 'pulse-salesforce-cli-'));
  const config = join(work, 'pulse.config.json');

  beforeAll(async () => {
    fake = await startFakeSalesforce({ records: salesforceOrg(), batchSize: 2, apiLimit: { max: 15_000, used: 500 } });
    const doc = configDoc({
      company: { name: 'T', timezone: TZ, currency: 'USD' },
      // Without billing data no website matches: Globex keeps its Salesforce id.
      sources: [{ name: 'salesforce', connector: 'salesforce', salesforce: { instanceUrl: fake.url, ...SETTINGS } }],
    });
    writeFileSync(config, JSON.stringify(doc));
  });
  afterAll(() => fake.close());

  it('writes the accounts, renewals and expansions a hand check of the org expects, and says the API usage', async () => {
    const out = join(work, 'export');
    const r = await pulse(['sources', 'export', 'salesforce', '--out', out, '-c', config], work, {
      SALESFORCE_TOKEN: '00Dfake!token',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing written to the store/);
    // Globex unmatched too (no billing data here); 2 pages of Accounts and 4 of Opportunities.
    expect(r.stdout).toMatch(/^source: unmatched 2, apiRequests 6, apiUsage 506, apiLimit 15000$/m);
    expect(readdirSync(out).sort()).toEqual(['accounts.csv', 'expansions.csv', 'renewals.csv']);
    const read = (f: string) =>
      (parse(readFileSync(join(out, f), 'utf8'), { columns: true }) as Record<string, string>[]).map(
        ({ currency: _, ...row }) => row,
      );
    const globex = (rows: Record<string, string>[]) =>
      rows.map((row) => (row.account_id === 'globex' ? { ...row, account_id: 'salesforce:001B' } : row));
    expect(read('accounts.csv')).toEqual(globex(EXPECTED.accounts));
    expect(read('renewals.csv')).toEqual(globex(EXPECTED.renewals));
    expect(read('expansions.csv')).toEqual(globex(EXPECTED.expansions));
  }, 180_000);

  it('a spent API quota is one clear line and exit 1, with no file left behind', async () => {
    fake.apiLimit.used = fake.apiLimit.max;
    const out = join(work, 'spent');
    const r = await pulse(['sources', 'export', 'salesforce', '--out', out, '-c', config], work, {
      SALESFORCE_TOKEN: '00Dfake!token',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^pulse: Salesforce at http:\/\/127\.0\.0\.1:\d+: the org's API request limit is used up \(403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded\.;/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    let files: string[] = [];
    try {
      files = readdirSync(out);
    } catch {
      files = [];
    }
    expect(files.filter((f) => f.endsWith('.csv'))).toEqual([]);
  }, 180_000);
});
