// The real thing, offline: `cdk synth --quiet` through the CLI with the app of cdk.json, real esbuild
// bundling (no Docker), cdk-nag registered. Then the ingest asset is checked and actually loaded.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../lib/pulse-stack';
import { exampleConfig, projectRoot } from './fixture';

const run = promisify(execFile);
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

const outdir = mkdtempSync(join(tmpdir(), 'pulse-synth-'));
let synthMs = 0;
let stdout = '';
let template: {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
};

beforeAll(async () => {
  const started = Date.now();
  const result = await run(
    join(projectRoot, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '--output', outdir],
    {
      cwd: projectRoot,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CI: '1', FORCE_COLOR: '0' },
      timeout: 240_000,
    },
  );
  synthMs = Date.now() - started;
  stdout = result.stdout;
  template = JSON.parse(readFileSync(join(outdir, 'Pulse-prod.template.json'), 'utf8'));
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The asset directory of a job's function (from the asset metadata the CLI enables). */
function assetDir(jobId: string): string {
  const entry = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`${jobId}HandlerFunction`),
  );
  expect(entry, `${jobId} function`).toBeDefined();
  const path = entry![1].Metadata?.['aws:asset:path'];
  expect(path).toBeTruthy();
  return join(outdir, path!);
}

describe('cdk synth --quiet (CLI, offline, real bundling)', () => {
  it('succeeds quietly with cdk-nag (AwsSolutions, NIST 800-53 R5, Serverless) and the Control Tower controls applied', () => {
    expect(stdout.trim()).toBe('');
    console.info(`cdk synth took ${(synthMs / 1000).toFixed(1)} s`);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        pluginName: string;
        conclusion: string;
        violations: unknown[];
        suppressedViolations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    };
    // The report exists only because policy validation ran (the Control Tower rules; which plugins every synth
    // registers: test/infra/governance.test.ts). A plugin is listed only when it found or suppressed something:
    // synthesized offline, without an account, nothing is, beyond the documented exceptions (disabled rules).
    expect(report.pluginReports).toEqual([]);
  });

  it('wires every job of the table', () => {
    const present = [...JOB_NAMES];
    const ids = Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('HandlerFunction'))
      .map(([id]) => id.replace(/HandlerFunction.*$/, ''));
    const expected = present.map((j) =>
      j
        .split('-')
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join(''),
    );
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('bundles ingest into one ESM file under 1.5 MB, with its source map and the validated config', () => {
    const dir = assetDir('Ingest');
    const bundle = join(dir, 'index.mjs');
    const size = statSync(bundle).size;
    console.info(
      `ingest bundle: ${(size / 1024).toFixed(0)} KiB (map ${(statSync(`${bundle}.map`).size / 1024).toFixed(0)} KiB)`,
    );
    expect(size).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(
      readFileSync(bundle, 'utf8').startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    const bundled = JSON.parse(readFileSync(join(dir, 'pulse.config.json'), 'utf8'));
    expect(bundled).toEqual(JSON.parse(JSON.stringify(exampleConfig())));
  });

  it('copies the prepared email templates (CSS inlined at synth time) beside the report and alert bundles', () => {
    for (const job of ['WeeklyReport', 'AlertDigest']) {
      const dir = join(assetDir(job), 'templates');
      expect(JSON.parse(readFileSync(join(dir, 'prepared.json'), 'utf8'))).toMatchObject({ inlined: true });
      const html = readFileSync(
        join(dir, job === 'WeeklyReport' ? 'weekly-report.html.hbs' : 'risk-alert-digest.html.hbs'),
        'utf8',
      );
      expect(html).toMatch(/<td[^>]+style="[^"]*padding/);
      expect(html).not.toMatch(/\{\{>/);
      expect(readFileSync(join(assetDir(job), 'index.mjs'), 'utf8')).not.toMatch(/JUICE_CODE_BLOCK|cheerio/);
    }
  });

  it('copies the chart wasm and font brotli-compressed beside the report bundle, under 5 MB with its assets', () => {
    const dir = assetDir('WeeklyReport');
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const names = files.map((f) => join(f.parentPath, f.name).slice(dir.length + 1));
    expect(names).toEqual(
      expect.arrayContaining(['index.mjs', 'resvg.wasm.br', 'chart-font.ttf.br', 'pulse.config.json']),
    );
    expect(names).not.toContain('resvg.wasm');
    expect(names).not.toContain('chart-font.ttf');
    for (const [file, original] of [
      ['resvg.wasm.br', 'node_modules/@resvg/resvg-wasm/index_bg.wasm'],
      ['chart-font.ttf.br', 'node_modules/@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'],
    ] as const) {
      const compressed = readFileSync(join(dir, file));
      const bytes = readFileSync(join(projectRoot, original));
      expect(compressed.length).toBeLessThan(bytes.length / 2);
      expect(brotliDecompressSync(compressed).equals(bytes)).toBe(true);
    }
    // The target counts the bundle and what the stack copies; the source map esbuild writes beside it is reported apart.
    const size = (name: string) => statSync(join(dir, name)).size;
    const total = names.filter((n) => n !== 'index.mjs.map').reduce((sum, n) => sum + size(n), 0);
    console.info(
      `weekly-report asset: ${(total / 1024 / 1024).toFixed(2)} MB (bundle ${(size('index.mjs') / 1024 / 1024).toFixed(2)} MB, wasm.br ${(size('resvg.wasm.br') / 1024).toFixed(0)} KiB, font.br ${(size('chart-font.ttf.br') / 1024).toFixed(0)} KiB) + source map ${(size('index.mjs.map') / 1024 / 1024).toFixed(2)} MB`,
    );
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });

  it('loads in Node and runs the handler up to the first AWS call, config read from the asset', async () => {
    const dir = assetDir('Ingest');
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});
      if (typeof m.handler !== 'function') throw new Error('no handler export');
      try { await m.handler({ scheduledTime: '2026-11-23T11:00:00Z' }); console.log('NO-ERROR'); }
      catch (e) { console.log('ERROR ' + (e.code ?? '') + ' ' + (e.name ?? '') + ' ' + String(e.message).slice(0, 200)); }`;
    const { stdout: out } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        LAMBDA_TASK_ROOT: dir,
        PULSE_TABLE: 'pulse-test',
        PULSE_DROPZONE_BUCKET: 'dropzone-test',
        PULSE_ARCHIVE_BUCKET: 'archive-test',
        PULSE_REJECTS_BUCKET: 'rejects-test',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_MAX_ATTEMPTS: '1',
        // Nothing listens here: the first S3 call fails fast, after config and env were accepted.
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      },
      timeout: 30_000,
    });
    expect(out).toMatch(/^ERROR /);
    expect(out).not.toMatch(/CONFIG_INVALID|Dynamic require|Cannot find module|ENOENT/);
    expect(out).toMatch(/ECONNREFUSED|connect/i);
  });

  it('refuses an invalid config, listing every problem', async () => {
    const bad = JSON.parse(readFileSync(join(projectRoot, 'pulse.config.json'), 'utf8'));
    bad.company.timezone = 'Europe/Berln';
    bad.schedules.weeklyReport.time = '8:00';
    bad.sender.from = 'nope';
    const file = join(outdir, 'bad.config.json');
    writeFileSync(file, JSON.stringify(bad));
    const failed = await run(
      join(projectRoot, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '-c', `config=${file}`, '--output', join(outdir, 'bad')],
      {
        cwd: projectRoot,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CI: '1', FORCE_COLOR: '0' },
        timeout: 120_000,
      },
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('is invalid (3 problems)');
    expect(failed?.stderr).toContain('company.timezone: "Europe/Berln" is not an IANA time zone');
    expect(failed?.stderr).toContain('schedules.weeklyReport.time: must be a local time HH:MM');
    expect(failed?.stderr).toContain('sender.from: "nope" is not an email address');
  });
});
