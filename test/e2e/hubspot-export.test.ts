// `pulse sources export hubspot --out DIR`, as a user runs it, against a loopback fake of HubSpot
// holding the hand-checkable fixture: the contract files it writes, the deal it rejects by name;
// and a refused token as a user sees it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDoc } from '../support/config-doc';
import { runPulse as pulse } from '../support/pulse-cli';
import { FIXTURE_SOURCE, FIXTURE_TZ, HUBSPOT_FIXTURE_EXPECTED, hubspotFixture } from '../support/fake-hubspot/fixture';
import { startFakeHubSpot, type FakeHubSpot } from '../../lib/local/fake-hubspot';

/** A contract file's rows with their empty cells left out, as the fixture's expectations are written. */
function rows(file: string): Record<string, string>[] {
  const records = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '')));
}

describe('pulse sources export hubspot', () => {
  let fake: FakeHubSpot;
  const work = mkdtempSync(join(tmpdir(), 'pulse-hubspot-cli-'));
  const config = join(work, 'pulse.config.json');

  beforeAll(async () => {
    fake = await startFakeHubSpot(hubspotFixture());
    const doc = configDoc({
      company: { name: 'T', timezone: FIXTURE_TZ, currency: 'USD' },
      sources: [{ ...FIXTURE_SOURCE, hubspot: { ...FIXTURE_SOURCE.hubspot, apiBase: fake.url } }],
    });
    writeFileSync(config, JSON.stringify(doc));
  });
  afterAll(() => fake.close());

  it('writes the accounts, renewals and expansions a hand check expects, and names the rejected deal', async () => {
    const out = join(work, 'export');
    const r = await pulse(['sources', 'export', 'hubspot', '--out', out, '-c', config], work, {
      HUBSPOT_TOKEN: 'pat-na1-pulse',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/nothing written to the store/);
    expect(r.stdout).toMatch(/deal 16 is associated with no company/);
    expect(r.code).toBe(1); // a rejected row: the export says so in its exit code
    expect(readdirSync(out).sort()).toEqual(['accounts.csv', 'expansions.csv', 'renewals.csv']);
    const by = (k: string) => (a: Record<string, string>, b: Record<string, string>) => a[k]!.localeCompare(b[k]!);
    expect(rows(join(out, 'accounts.csv')).sort(by('account_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.accounts);
    expect(rows(join(out, 'renewals.csv')).sort(by('renewal_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.renewals);
    expect(rows(join(out, 'expansions.csv')).sort(by('opportunity_id'))).toEqual(HUBSPOT_FIXTURE_EXPECTED.expansions);
  }, 180_000);

  it('a refused token is one clear line and exit 1, with no file left behind', async () => {
    const out = join(work, 'refused');
    const r = await pulse(['sources', 'export', 'hubspot', '--out', out, '-c', config], work, {
      HUBSPOT_TOKEN: 'pat-na1-revoked',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^pulse: HubSpot at http:\/\/[\d.]+:\d+ refused the token from the environment variable HUBSPOT_TOKEN \(401 /,
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
