// `pulse kpis --json --data DIR` on a folder with lines in EUR and GBP (codes in mixed case) and
// rates with weekend gaps, as a user runs it: a real process. Every figure below is worked out by
// hand from the files (docs/metrics.md, "Multi-currency").
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/pulse-cli.mjs');
const CONFIG = join(ROOT, 'pulse.config.json'); // reporting currency USD, weeks from Monday

async function pulse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const FILES = {
  'accounts.csv': [
    'account_id,name,segment',
    'A,Acme GmbH,Enterprise',
    'B,Bolt Ltd,SMB',
    'C,Cobalt Inc,SMB',
    'D,Delta SARL,SMB',
    'E,Echo BV,SMB',
  ],
  // A: EUR, replaced on Tuesday 11-17 by the same 12,000 EUR at the new rate (pure fx).
  // B: GBP (lower/mixed case), replaced on Thursday 11-19 by a bigger contract at a new rate.
  // C: USD (no currency). D: EUR, starts on a Saturday (Friday's rate). E: EUR before the first EUR rate.
  'subscriptions.csv': [
    'line_id,account_id,arr,start_date,end_date,Currency',
    'A1,A,12000,2026-01-05,2026-11-17,EUR',
    'A2,A,12000,2026-11-17,,eur',
    'B1,B,5000.50,2026-03-02,2026-11-19,gbp',
    'B2,B,6000,2026-11-19,,Gbp',
    'C1,C,3000,2026-02-02,,',
    'D1,D,1000,2026-11-21,,EUR',
    'E1,E,2000,2025-12-01,,EUR',
  ],
  'renewals.csv': ['renewal_id,account_id,due_date,arr_up,status,currency', 'R1,A,2026-11-22,12000,open,EUR'],
  'expansions.csv': [
    'opportunity_id,account_id,type,arr,stage,created_date,close_date,currency',
    'O1,A,upsell,500,won,2026-11-14,2026-11-18,eur',
  ],
  // Business days only: no rate on 2026-11-14/15 or 2026-11-21/22.
  'fx_rates.csv': [
    'date,currency,rate',
    '2026-01-02,EUR,1.0300',
    '2026-11-13,EUR,1.0850',
    '2026-11-16,EUR,1.0900',
    '2026-11-20,EUR,1.1000',
    '2026-01-02,gbp,1.2500',
    '2026-11-13,GBP,1.3000',
    '2026-11-18,GBP,1.3200',
  ],
};

describe('pulse kpis on a multi-currency folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-fx-'));
  beforeAll(() => {
    for (const [name, lines] of Object.entries(FILES)) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  });

  it("--json: arrBridge.fx, the identity to the cent, and each account converted at its lines' start-date rates", async () => {
    const r = await pulse(['kpis', '--data', dir, '--as-of', '2026-11-23', '--json', '-c', CONFIG]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.currency).toBe('USD');
    // open (11-15): A 12,000 EUR x 1.03 = 12,360 + B 5,000.50 GBP x 1.25 = 6,250.63 + C 3,000.
    // 11-17 A: o' = 12,000 EUR x 1.09 = 13,080 = c: fx +720. 11-19 B: o' = 5,000.50 x 1.32 = 6,600.66,
    // c = 6,000 x 1.32 = 7,920: expansion 1,319.34, fx +350.03. 11-21 D: new 1,000 EUR x 1.10 (Friday's).
    expect(doc.arrBridge).toEqual({
      open: 21610.63,
      new: 1100,
      reactivation: 0,
      expansion: 1319.34,
      contraction: 0,
      churn: 0,
      fx: 1070.03,
      close: 25100,
    });
    const b = doc.arrBridge;
    const cents = (x: number) => Math.round(x * 100);
    expect(
      cents(b.open) +
        cents(b.new) +
        cents(b.reactivation) +
        cents(b.expansion) -
        cents(b.contraction) -
        cents(b.churn) +
        cents(b.fx),
    ).toBe(cents(b.close));
    // Nothing moved between the quarter's start (the config's fiscal year starts in February) and the week: the QTD bridge is the same.
    expect(doc.arrBridgeQtd).toMatchObject({
      from: '2026-11-01',
      open: 21610.63,
      expansion: 1319.34,
      fx: 1070.03,
      close: 25100,
    });
    expect(
      Object.fromEntries(doc.accounts.map((a: { accountId: string; arr: number }) => [a.accountId, a.arr])),
    ).toEqual({ A: 13080, B: 7920, C: 3000, D: 1100 });
    // The renewal at its due date (a Sunday: Friday's 1.10), the won expansion at its created date (a Saturday: 1.085).
    expect(doc.renewals.overdue).toEqual({ count: 1, arr: 13200 });
    expect(doc.expansion.wonThisWeek).toMatchObject({ count: 1, arr: 542.5 });
    // E's line has no EUR rate on or before 2025-12-01: left out, never converted at 1, and listed.
    expect(doc.unconverted).toEqual([
      {
        entity: 'subscriptions',
        id: 'E1',
        accountId: 'E',
        currency: 'EUR',
        date: '2025-12-01',
        amount: '2000.00',
        reason: 'no EUR rate on or before 2025-12-01 (the first is 2026-01-02)',
      },
    ]);
    expect(r.stderr).toContain('subscriptions E1 (account E): 2000.00 EUR on 2025-12-01');
  });

  it('the readable form shows the fx row; --strict fails on the unconverted row; validate lists it and exits 1', async () => {
    const human = await pulse(['kpis', '--data', dir, '--as-of', '2026-11-23', '-c', CONFIG]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\+\/- fx \(exchange rates\)\s+\$1,070/);
    expect(human.stdout).toMatch(/Unconverted rows\s+1 left out/);
    const strict = await pulse(['kpis', '--data', dir, '--as-of', '2026-11-23', '--json', '--strict', '-c', CONFIG]);
    expect(strict.code).toBe(1);
    const validate = await pulse(['validate', '--data', dir, '-c', CONFIG]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('fx_rates');
    expect(validate.stdout).toContain('1 row in another currency left out');
  });
});
