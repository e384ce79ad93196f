// `pulse sources export zendesk --out DIR` as a user runs it, against a loopback fake of Zendesk
// holding the hand-checked account; and a refused token as a user sees it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDoc } from '../support/config-doc';
import { runPulse as pulse } from '../support/pulse-cli';
import { FIRST_SYNC, ZENDESK_TZ, zendeskScenario } from '../support/fake-zendesk/scenario';
import { startFakeZendesk, ZENDESK_EMAIL, ZENDESK_TOKEN, type FakeZendesk } from '../support/fake-zendesk/server';

describe('pulse sources export zendesk', () => {
  let fake: FakeZendesk;
  const work = mkdtempSync(join(tmpdir(), 'pulse-zendesk-cli-'));
  const config = join(work, 'pulse.config.json');

  beforeAll(async () => {
    fake = await startFakeZendesk(zendeskScenario());
    const doc = configDoc({
      company: { name: 'T', timezone: ZENDESK_TZ, currency: 'USD' },
      sources: [{ name: 'zendesk', connector: 'zendesk', zendesk: { apiBase: fake.url, pageSize: 3 } }],
    });
    writeFileSync(config, JSON.stringify(doc));
  });
  afterAll(() => fake.close());

  it('writes tickets.csv as a hand check of the fixture expects', async () => {
    const out = join(work, 'export');
    const r = await pulse(['sources', 'export', 'zendesk', '--out', out, '-c', config], work, {
      ZENDESK_EMAIL,
      ZENDESK_TOKEN,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing written to the store/);
    expect(readdirSync(out)).toEqual(['tickets.csv']);
    const rows = parse(readFileSync(join(out, 'tickets.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    // No billing source is configured, so the domain rule has nothing to match: Globex keeps its Zendesk id.
    const expected = { ...FIRST_SYNC, '102': { ...FIRST_SYNC['102'], account_id: 'zendesk:2' } };
    expect(
      Object.fromEntries(
        rows.map((row) => [row.ticket_id, Object.fromEntries(Object.entries(row).filter(([, v]) => v !== ''))]),
      ),
    ).toEqual(expected);
  });

  it('a refused token is one clear line, not a stack trace', async () => {
    const r = await pulse(['sources', 'export', 'zendesk', '--out', join(work, 'refused'), '-c', config], work, {
      ZENDESK_EMAIL,
      ZENDESK_TOKEN: 'wrong',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/refused the credentials \(HTTP 401/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
