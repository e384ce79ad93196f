// The `pulse` command as a user runs it: a real process, a real local stack under a temp folder.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

const METRIC_KEYS = {
  top: [
    'asOf',
    'weekStart',
    'currency',
    'arrBridge',
    'customers',
    'retention',
    'renewals',
    'expansion',
    'adoption',
    'voice',
    'support',
    'unitEconomics',
    'health',
    'accounts',
    'cohorts',
    'contractedArr',
  ],
  arrBridge: ['open', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'fx', 'close'],
  customers: ['open', 'close', 'new', 'reactivated', 'churned'],
  retention: ['nrr', 'grr', 'logoRetention', 'logoChurn', 'cohortSize'],
  renewals: [
    'upcoming30',
    'upcoming60',
    'upcoming90',
    'overdue',
    'renewedThisWeek',
    'churnedThisWeek',
    'grossRenewalRate',
    'netRenewalRate',
    'logoRenewalRate',
  ],
  expansion: ['wonThisWeek', 'pipeline', 'winRate90d'],
  adoption: ['utilization'],
  voice: ['nps', 'npsResponses', 'csat', 'csatResponses'],
  support: ['openedThisWeek', 'p1OpenedThisWeek', 'p1OpenAtAsOf'],
  unitEconomics: ['newLogos12m', 'cac', 'arpa', 'ltv', 'ltvToCac', 'cacPaybackMonths', 'servicesAttach'],
  health: ['green', 'yellow', 'red', 'unscored', 'arrAtRisk'],
  contractedArr: ['d30', 'd90', 'd365'],
};

describe('pulse CLI', () => {
  const work = mkdtempSync(join(tmpdir(), 'pulse-cli-'));
  const data = join(work, 'data');

  beforeAll(async () => {
    await writeDemoFiles(generateDemoData({ endDate: '2026-11-23', accounts: 40, seed: 3 }), data);
  });

  it('has --help with examples on every command', async () => {
    const top = await pulse(['--help'], work);
    expect(top.code).toBe(0);
    for (const command of ['demo', 'validate', 'ingest', 'kpis']) {
      expect(top.stdout).toContain(command);
      const help = await pulse([command, '--help'], work);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Examples?:/);
    }
  });

  it('validate lists every bad row with file:line, field and reason, and exits 1', async () => {
    const r = await pulse(['validate', '--data', join(ROOT, 'test/fixtures/bad-rows'), '-c', CONFIG], work);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('accounts.csv:3  account_id  is required');
    expect(r.stdout).toContain('subscriptions.csv:3  start_date  "2026-02-30" is not a calendar date');
    expect(r.stdout).toContain('subscriptions.csv:5  *  wrong number of columns');
    const clean = await pulse(['validate', '--data', data, '-c', CONFIG], work);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('All rows are valid.');
  });

  it('kpis --json prints every metric key, computed straight from files', async () => {
    const r = await pulse(['kpis', '--data', data, '--as-of', '2026-11-23', '--json', '-c', CONFIG], work);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.asOf).toBe('2026-11-22');
    expect(doc.weekStart).toBe('2026-11-16');
    for (const key of METRIC_KEYS.top) expect(doc, key).toHaveProperty(key);
    for (const [group, keys] of Object.entries(METRIC_KEYS)) {
      if (group === 'top') continue;
      for (const key of keys) expect(doc[group], `${group}.${key}`).toHaveProperty(key);
    }
    expect(Object.keys(doc.accounts[0])).toEqual(
      expect.arrayContaining(['accountId', 'arr', 'health', 'band', 'usageTrend', 'utilization']),
    );
    expect(doc.cohorts.map((c: { month: string }) => c.month)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    for (const c of doc.cohorts) expect(Object.keys(c)).toEqual(['month', 'customers', 'baseArr', 'logo', 'revenue']);
    const b = doc.arrBridge;
    expect(
      Math.round((b.open + b.new + b.reactivation + b.expansion - b.contraction - b.churn + b.fx - b.close) * 100),
    ).toBe(0);
  });

  it('kpis --strict exits 1 on rejected rows and lists them on stderr', async () => {
    const r = await pulse(
      [
        'kpis',
        '--data',
        join(ROOT, 'test/fixtures/bad-rows'),
        '--as-of',
        '2026-11-23',
        '--json',
        '--strict',
        '-c',
        CONFIG,
      ],
      work,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rejected accounts.csv:3  account_id  is required');
    expect(JSON.parse(r.stdout).currency).toBe('USD');
  });

  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await pulse(['--version'], work);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`pulse ${version}`);
  });

  it('a missing or non-folder --data is one line naming the path, exit 1, for kpis and validate', async () => {
    const missing = join(work, 'no-such-folder');
    const aFile = join(ROOT, 'README.md');
    const cases: [string[], string][] = [
      [['kpis', '--data', missing, '--as-of', '2026-11-23'], `pulse: --data ${missing}: no such folder`],
      [['validate', '--data', missing], `pulse: --data ${missing}: no such folder`],
      [['kpis', '--data', aFile, '--as-of', '2026-11-23'], `pulse: --data ${aFile} is not a folder`],
      [['validate', '--data', aFile], `pulse: --data ${aFile} is not a folder`],
    ];
    const results = await Promise.all(cases.map(([args]) => pulse([...args, '-c', CONFIG], work)));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1); // one line, no stack trace
      expect(lines[0], args.join(' ')).toContain(message);
    });
  });

  it('a folder with no contract file is an error listing the expected file names', async () => {
    const empty = join(work, 'empty');
    const misnamed = join(work, 'misnamed');
    mkdirSync(empty);
    mkdirSync(misnamed);
    writeFileSync(join(misnamed, 'customers.csv'), 'account_id,name\nA1,x\n');
    for (const [dir, seen] of [
      [empty, 'it is empty'],
      [misnamed, 'it holds customers.csv, none of them a contract file'],
    ] as const) {
      for (const args of [
        ['kpis', '--data', dir, '--as-of', '2026-11-23'],
        ['validate', '--data', dir],
      ]) {
        const r = await pulse([...args, '-c', CONFIG], work);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(r.stderr, args.join(' ')).toContain(seen);
        expect(r.stderr, args.join(' ')).toContain('expected accounts.csv, subscriptions.csv, renewals.csv');
      }
    }
  });

  it('reads entity files whatever the case of their name, and lists the files it ignores', async () => {
    const mixed = join(work, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'Accounts.CSV'), readFileSync(join(data, 'accounts.csv')));
    writeFileSync(join(mixed, 'SUBSCRIPTIONS.csv'), readFileSync(join(data, 'subscriptions.csv')));
    writeFileSync(join(mixed, 'renewals-2026.csv'), readFileSync(join(data, 'renewals.csv')));
    const v = await pulse(['validate', '--data', mixed, '-c', CONFIG], work);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^accounts +40 +40 +0$/m);
    expect(v.stdout).toMatch(/^subscriptions +[1-9]\d* /m);
    expect(v.stdout).toContain('ignored: renewals-2026.csv (not a contract file name');
    expect(v.stdout).toContain('All rows are valid (1 file ignored: not read at all).');
    const k = await pulse(['kpis', '--data', mixed, '--as-of', '2026-11-23', '--json', '-c', CONFIG], work);
    expect(k.code).toBe(0);
    expect(k.stderr).toContain('ignored: renewals-2026.csv (not a contract file name');
    expect(JSON.parse(k.stdout).arrBridge.close).toBeGreaterThan(0);
  });

  it('ingest twice leaves the same items in the local store', async () => {
    const first = await pulse(['ingest', '--data', data, '-c', CONFIG], work);
    expect(first.code, first.stderr).toBe(0);
    const second = await pulse(['ingest', '--data', data, '-c', CONFIG], work);
    expect(second.code, second.stderr).toBe(0);
    const items = (out: string) => /Items in the local store now: (.*)/.exec(out)?.[1];
    expect(items(first.stdout)).toMatch(/accounts 40, subscriptions \d+/);
    expect(items(second.stdout)).toBe(items(first.stdout));
    expect(second.stdout).toMatch(/Run \d{8}T\d{6}Z-[0-9a-f]{6} \(succeeded\)/);
  }, 240_000); // two ingests, each starting the local stack: 35-55 s on a busy 2-core machine

  it('fails with one clear message on an invalid config', async () => {
    const bad = join(work, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(bad, JSON.stringify({ company: { name: 'x', timezone: 'Nowhere/City' } })),
    );
    const r = await pulse(['validate', '--data', data, '-c', bad], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('company.timezone: "Nowhere/City" is not an IANA time zone');
    expect(r.stderr).toContain('recipients: is required');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('demo runs the pipeline, stores 14 weekly snapshots, and a later run reads the stored week back', async () => {
    const demoDir = mkdtempSync(join(tmpdir(), 'pulse-demo-'));
    const first = await pulse(['demo', '--accounts', '40', '--today', '2026-11-23', '-c', CONFIG], demoDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('14 weekly snapshots stored (2026-W34 .. 2026-W47)');
    expect(first.stdout).toMatch(/rejected row problem\(s\)/);
    expect(first.stdout).toContain('Where to look');
    const stored = await pulse(['kpis', '--week', '2026-W47', '--json', '-c', CONFIG], demoDir);
    expect(stored.code, stored.stderr).toBe(0);
    const fromFiles = await pulse(
      ['kpis', '--data', join(demoDir, '.pulse/demo'), '--as-of', '2026-11-23', '--json', '-c', CONFIG],
      demoDir,
    );
    const a = JSON.parse(fromFiles.stdout);
    const b = JSON.parse(stored.stdout);
    for (const key of METRIC_KEYS.top) expect(b[key], key).toEqual(a[key]);
    expect(readFileSync(join(demoDir, '.pulse/demo/accounts.csv'), 'utf8')).toContain('account_id');
    // every step of the pipeline is in the run ledger, with its counts
    const runs = await pulse(['runs', '--json', '--last', '20'], demoDir);
    expect(runs.code, runs.stderr).toBe(0);
    const ledger = JSON.parse(runs.stdout) as {
      kind: string;
      status: string;
      period?: string;
      counts: Record<string, number>;
    }[];
    expect(new Set(ledger.map((r) => r.kind))).toEqual(new Set(['ingest', 'compute', 'report', 'archive', 'alerts']));
    expect(ledger.every((r) => r.status === 'succeeded')).toBe(true);
    expect(ledger.find((r) => r.kind === 'compute')).toMatchObject({
      period: '2026-W47',
      counts: { weeks: 14, segments: 3 },
    });
    expect(ledger.find((r) => r.kind === 'archive')?.counts.packsWritten).toBe(1);
  }, 240_000); // two whole pipeline runs, each starting the local stack (a JVM): ~25 s each on a quiet 2-core machine, 60 s+ when it is busy
});
