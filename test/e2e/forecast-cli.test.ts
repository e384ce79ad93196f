// `pulse forecast`, `pulse forecast backtest` and `pulse annotate --data` as a user runs them: a
// real process on a folder of demo files.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData, writeDemoFiles } from '../../functions/adapters/sources/demo';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/pulse-cli.mjs');
const CONFIG = join(ROOT, 'pulse.config.json');

async function pulse(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      timeout: 240_000,
      maxBuffer: 50 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('pulse forecast and pulse annotate', () => {
  const work = mkdtempSync(join(tmpdir(), 'pulse-forecast-'));
  const data = join(work, 'data');

  beforeAll(async () => {
    await writeDemoFiles(
      generateDemoData({ endDate: '2026-11-23', accounts: 60, seed: 5, fiscalYearStartMonth: 2 }),
      data,
    );
  });

  it('backtest --json reports MAPE, bias and points at 30 and 90 days', async () => {
    const r = await pulse(
      ['forecast', 'backtest', '--data', data, '--as-of', '2026-11-23', '--json', '-c', CONFIG],
      work,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.asOf).toBe('2026-11-22');
    for (const h of [doc.d30, doc.d90]) {
      expect(h.points).toBeGreaterThan(20);
      expect(Number.isFinite(h.mape) && Number.isFinite(h.bias)).toBe(true);
    }
    expect(doc.points.length).toBeGreaterThanOrEqual(doc.d30.points + doc.d90.points);
  });

  it('annotate --data appends the note, and forecast prints it with the forecast, its error and attainment', async () => {
    const a = await pulse(
      ['annotate', '2026-11-18', 'Outage in the EU region', '--metric', 'nps', '--data', data, '-c', CONFIG],
      work,
    );
    expect(a.code, a.stderr).toBe(0);
    expect(readFileSync(join(data, 'annotations.csv'), 'utf8')).toContain('2026-11-18,Outage in the EU region,nps');
    const bad = await pulse(['annotate', '2026-13-01', 'x', '--data', data, '-c', CONFIG], work);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('date: "2026-13-01" is not a calendar date');

    const f = await pulse(['forecast', '--data', data, '--as-of', '2026-11-23', '-c', CONFIG], work);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('= forecast ARR');
    expect(f.stdout).toMatch(
      /Measured error \(backtest\): 30 days MAPE \d+\.\d%, bias [+-]\d+\.\d% over \d+ weekly points/,
    );
    expect(f.stdout).toContain('Attainment FY2027-Q4 (2026-11-01 .. 2027-01-31)');
    expect(f.stdout).toContain('2026-11-18  Outage in the EU region  [nps]');
  });
});
