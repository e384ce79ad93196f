// `npm run bench [-- --scales 1000,10000,100000 --ingest-rows 1000000 --raw-rows 200000 --part-rows N --stripe-lines 1000000 --repeat 3 --only kpis1,duckdb,cli,help,stripe,...]`
//
// `help` (also run with `cli`): `node bin/pulse-cli.mjs --help`, the bin entry as a shell runs it
// (build current), wall clock of each whole process, median of 7.
// `cli`: the built `pulse kpis --data` and DuckDB loading the same CSVs on one thread, each as a
// whole process (start included), alternated `--repeat` times, medians. Pulse reads on one thread.
// Generates synthetic contract CSVs per scale (bench/generate.ts) in a temp dir, runs every
// measured step in its own child process (bench/steps.ts; peak RSS per step), bundles every Lambda
// handler like lib/constructs/pulse-function.ts and times its import, prints a table with the
// issue's targets (PASS/MISS) and writes bench/results.json. Not part of `npm test`.
import { execFile, spawn } from 'node:child_process';
import { cpSync, createReadStream, createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_ESBUILD_OPTIONS, bundleAssetSource, type BundleAsset } from '../lib/constructs/pulse-function';
import { ALERT_BUNDLE_ASSETS, REPORT_BUNDLE_ASSETS } from '../lib/pulse-stack';
import { buildCli, CLI_ENTRY } from '../scripts/build-cli.mjs';
import { writeSyntheticData, type RowCounts } from './generate';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const STEPS = join(ROOT, 'bench', 'steps.ts');
const MB = 1024 * 1024;
const execFileP = promisify(execFile);

// ---- arguments ---------------------------------------------------------------------------
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const scales = (arg('scales') ?? '1000,10000,100000').split(',').map((s) => Number(s.trim().replace(/k$/i, '000')));
/** Usage rows through Pulse's ingest (one run, independent of the scales). */
const ingestCap = Number(arg('ingest-rows') ?? 1_000_000);
/** Usage rows of each raw BatchWriteItem pass (one before and one after Pulse's ingest). */
const rawRows = Number(arg('raw-rows') ?? 200_000);
/** Rows per part of the drop-zone split (default: the config's `ingest.partRows`). */
const partRowsArg = arg('part-rows');
const asOf = arg('as-of') ?? '2026-11-22';
/** Size of the CSV (before gzip) for the streaming memory check. */
const streamMb = Number(arg('stream-mb') ?? 200);
/** Invoice line items of the Stripe sync (over 20 customers per 1,000 line items). */
const stripeLines = Number(arg('stripe-lines') ?? 1_000_000);
const only = arg('only')?.split(',');
const want = (s: string) => !only || only.includes(s);
const keep = process.argv.includes('--keep');
/** Runs of each process in the `pulse kpis` vs DuckDB comparison (the median is reported). */
const repeat = Number(arg('repeat') ?? 3);
if (scales.some((n) => !Number.isInteger(n) || n < 10))
  throw new Error(`--scales: whole numbers >= 10, got ${arg('scales')}`);

// ---- child steps -------------------------------------------------------------------------
type StepResult = Record<string, unknown> & { peakRssMb?: number; error?: string };

function runStep(step: string, args: Record<string, unknown>): Promise<StepResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=12288', '--import', 'tsx', STEPS, step, JSON.stringify(args)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line && code === 0) resolve(JSON.parse(line.slice(7)) as StepResult);
      else
        resolve({
          error: `${step} exited ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
        });
    });
  });
}

/** The first `rows` data rows of usage.csv into an otherwise empty folder (the ingest input). */
async function cappedUsage(src: string, dir: string, rows: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(join(dir, 'usage.csv'));
  const lines = createInterface({ input: createReadStream(join(src, 'usage.csv')), crlfDelay: Infinity });
  let n = -1;
  for await (const line of lines) {
    if (n >= rows) break;
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    n++;
  }
  lines.close();
  await new Promise<void>((r) => out.end(r));
  return n;
}

// ---- whole processes: `pulse kpis --data` against DuckDB ------------------------------------
/**
 * What bin/pulse-cli.mjs runs once its build is current (with source maps on). The bench builds
 * first and then runs the build itself: on a shared tree an edit by someone else would otherwise
 * make the entry rebuild inside a timed run. The entry's own check adds ~10-20 ms.
 */
const CLI = CLI_ENTRY;
const PEAK_RSS = pathToFileURL(join(ROOT, 'bench', 'peak-rss.mjs')).href;
const DUCKDB_LOAD = join(ROOT, 'bench', 'duckdb-load.mjs');

interface ProcessRun {
  ms: number;
  peakRssMb?: number;
  error?: string;
}

/** A command from spawn to exit (wall clock, process start included) and its peak RSS. */
function timeProcess(
  args: string[],
  peakRssOf: (stdout: string, rssFile: string) => number | undefined,
): Promise<ProcessRun> {
  const rssFile = join(tmpdir(), `pulse-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PULSE_BENCH_RSS_FILE: rssFile },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      if (code !== 0)
        return resolve({
          ms,
          error: `exited ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
        });
      let peakRssMb: number | undefined;
      try {
        peakRssMb = peakRssOf(out, rssFile);
      } catch {
        // no figure: reported as '-'
      }
      void rm(rssFile, { force: true });
      resolve({ ms, peakRssMb });
    });
  });
}

interface KpisVsDuckDb {
  runs: number;
  /** Medians. */
  pulse: ProcessRun;
  duckdb: ProcessRun;
  ratio: number | null;
  pulseRuns: number[];
  duckdbRuns: number[];
}

/**
 * `pulse kpis --data DIR --as-of D --json` (the built CLI, as a user runs it)
 * against `node bench/duckdb-load.mjs DIR` (DuckDB loading the same CSVs on one thread), each a
 * fresh process, alternated `repeat` times; medians of the wall clock.
 */
async function kpisVsDuckDb(dir: string): Promise<KpisVsDuckDb> {
  const cliArgs = [
    '--enable-source-maps',
    '--import',
    PEAK_RSS,
    CLI,
    'kpis',
    '--data',
    dir,
    '--as-of',
    asOf,
    '--json',
    '-c',
    join(ROOT, 'pulse.config.json'),
  ];
  const fromFile = (_: string, f: string) => Number(readFileSync(f, 'utf8'));
  const fromResult = (out: string) =>
    (
      JSON.parse(
        out
          .split('\n')
          .find((l) => l.startsWith('RESULT '))!
          .slice(7),
      ) as { peakRssMb: number }
    ).peakRssMb;
  const pulseRuns: ProcessRun[] = [];
  const duckRuns: ProcessRun[] = [];
  for (let i = 0; i < repeat; i++) {
    duckRuns.push(await timeProcess([DUCKDB_LOAD, dir], fromResult));
    pulseRuns.push(await timeProcess(cliArgs, fromFile));
  }
  const median = (runs: ProcessRun[]): ProcessRun => {
    const failed = runs.find((r) => r.error);
    if (failed) return failed;
    const sorted = [...runs].sort((a, b) => a.ms - b.ms);
    return {
      ms: sorted[Math.floor(sorted.length / 2)]!.ms,
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)) || undefined,
    };
  };
  const pulse = median(pulseRuns);
  const duckdb = median(duckRuns);
  return {
    runs: repeat,
    pulse,
    duckdb,
    ratio: pulse.error || duckdb.error ? null : pulse.ms / duckdb.ms,
    pulseRuns: pulseRuns.map((r) => Math.round(r.ms)),
    duckdbRuns: duckRuns.map((r) => Math.round(r.ms)),
  };
}

// ---- `pulse --help` through the bin entry ---------------------------------------------------
const HELP_RUNS = 7;

interface HelpTiming {
  runs: number[];
  /** Median wall clock of a whole `node bin/pulse-cli.mjs --help` process. */
  ms: number | null;
  error?: string;
}

/**
 * `node bin/pulse-cli.mjs --help` as a user's shell runs it (the bin entry: its build-freshness
 * check, then the built CLI; the build is current), each a fresh process, wall clock from spawn to
 * exit; the median of HELP_RUNS.
 */
async function helpTiming(): Promise<HelpTiming> {
  const runs: number[] = [];
  for (let i = 0; i < HELP_RUNS; i++) {
    const r = await timeProcess([join(ROOT, 'bin', 'pulse-cli.mjs'), '--help'], () => undefined);
    if (r.error) return { runs, ms: null, error: r.error };
    runs.push(Math.round(r.ms));
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { runs, ms: sorted[Math.floor(sorted.length / 2)]! };
}

// ---- streaming memory ----------------------------------------------------------------------
/** Writes a usage CSV of `mb` megabytes, gzip-compressed, and streams it in a child process. */
async function streamLargeGzip(work: string, mb: number): Promise<StepResult> {
  const { createGzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const { Readable } = await import('node:stream');
  const file = join(work, 'usage.csv.gz');
  const target = mb * MB;
  async function* lines() {
    yield 'account_id,week,weekly_active_users,licensed_seats\n';
    let bytes = 0;
    for (let i = 0; bytes < target; i++) {
      const week = new Date(Date.UTC(2025, 0, 6 + 7 * (i % 100))).toISOString().slice(0, 10);
      const line = `ACC-${String(Math.floor(i / 100)).padStart(7, '0')},${week},${(i * 7919) % 250},${250 + (i % 50)}\n`;
      bytes += line.length;
      yield line;
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file));
  const r = await runStep('stream', { file });
  return { ...r, gzipMb: Math.round(statSync(file).size / MB) };
}

// ---- bundles -----------------------------------------------------------------------------
/** What the stack copies beside two of the bundles (the email templates prepared, as the stack does). */
const BUNDLE_ASSETS: Record<string, readonly BundleAsset[]> = {
  'weekly-report': REPORT_BUNDLE_ASSETS,
  'alert-digest': ALERT_BUNDLE_ASSETS,
};

function sizeOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, n) => sum + sizeOf(join(path, n)), 0);
}

async function bundles(work: string) {
  const dir = join(ROOT, 'functions', 'handlers');
  const entries = readdirSync(dir).filter((f) => f.endsWith('.ts') && !/runtime\.ts$/.test(f));
  const out: Record<string, StepResult> = {};
  for (const f of entries) {
    const name = basename(f, '.ts');
    const outfile = join(work, 'bundles', name, 'index.mjs');
    const t0 = performance.now();
    await build({
      entryPoints: [join(dir, f)],
      outfile,
      ...BUNDLE_ESBUILD_OPTIONS,
      mainFields: [...BUNDLE_ESBUILD_OPTIONS.mainFields],
      logLevel: 'error',
    });
    const buildMs = performance.now() - t0;
    const bytes = statSync(outfile).size;
    let assets = 0;
    // Each copied file or folder and its size, as the stack lays it out (e.g. resvg.wasm.br).
    const files: Record<string, number> = {};
    for (const a of BUNDLE_ASSETS[name] ?? []) {
      const source = bundleAssetSource(ROOT, a);
      cpSync(source, join(dirname(outfile), a.target), { recursive: true });
      files[a.target] = sizeOf(source);
      assets += files[a.target]!;
    }
    // Module init: the import() of the bundle in a fresh process, median of 3.
    const inits: number[] = [];
    let error: string | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await runStep('init', { file: outfile, env: { LAMBDA_TASK_ROOT: dirname(outfile) } });
      if (r.error) error = r.error;
      else inits.push(r.ms as number);
    }
    inits.sort((a, b) => a - b);
    const charts = name === 'weekly-report' ? await chartInit(work, dirname(outfile)) : undefined;
    out[name] = {
      bytes,
      assetBytes: assets,
      totalBytes: bytes + assets,
      assets: files,
      buildMs,
      initMs: inits[1] ?? inits[0] ?? null,
      ...(charts ? { charts } : {}),
      ...(error ? { error } : {}),
    };
  }
  return out;
}

/**
 * The report's chart renderer created from the assets beside its bundle (`createChartRenderer`:
 * read + decompress the wasm and font, compile the wasm; done on the first invocation, not at
 * module init), bundled like the handlers, in a fresh process, median of 3; the brotli
 * decompression alone is timed in the same process. Compared with the uncompressed files.
 */
async function chartInit(work: string, assetsDir: string) {
  const probeDir = join(work, 'bundles', 'chart-probe');
  const entry = join(probeDir, 'entry.ts');
  const plainDir = join(probeDir, 'plain');
  await mkdir(plainDir, { recursive: true });
  const render = join(ROOT, 'functions', 'adapters', 'render');
  await writeFile(
    entry,
    [
      `import { readFileSync, readdirSync } from 'node:fs';`,
      `import { join } from 'node:path';`,
      `import { createChartRenderer } from ${JSON.stringify(join(render, 'charts.ts'))};`,
      `import { decompressAsset } from ${JSON.stringify(join(render, 'chart-assets.ts'))};`,
      `const dir = process.argv[2];`,
      `const t0 = performance.now();`,
      `const renderer = await createChartRenderer({ assetsDir: dir });`,
      `const t1 = performance.now();`,
      `await renderer.arrWaterfall({ open: 1234567800, new: 8400000, reactivation: 0, expansion: 4120000, contraction: 910000, churn: 3040000, close: 1243144800 }, { currency: 'USD', locale: 'en-US' });`,
      `const t2 = performance.now();`,
      `let decompressMs = 0;`,
      `for (const f of readdirSync(dir).filter((n) => n.endsWith('.br'))) { const b = readFileSync(join(dir, f)); const t = performance.now(); decompressAsset(b); decompressMs += performance.now() - t; }`,
      `console.log(JSON.stringify({ initMs: t1 - t0, firstChartMs: t2 - t1, decompressMs }));`,
    ].join('\n'),
  );
  const probe = join(probeDir, 'probe.mjs');
  await build({
    entryPoints: [entry],
    outfile: probe,
    ...BUNDLE_ESBUILD_OPTIONS,
    mainFields: [...BUNDLE_ESBUILD_OPTIONS.mainFields],
    logLevel: 'error',
  });
  cpSync(join(ROOT, 'node_modules/@resvg/resvg-wasm/index_bg.wasm'), join(plainDir, 'resvg.wasm'));
  cpSync(
    join(ROOT, 'node_modules/@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
    join(plainDir, 'chart-font.ttf'),
  );
  const median = async (dir: string) => {
    const runs: { initMs: number; firstChartMs: number; decompressMs: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const { stdout } = await execFileP(process.execPath, ['--liftoff-only', probe, dir], { timeout: 120_000 });
      runs.push(JSON.parse(stdout.trim().split('\n').pop()!));
    }
    const mid = <K extends keyof (typeof runs)[number]>(k: K) => runs.map((r) => r[k]).sort((a, b) => a - b)[1]!;
    return { initMs: mid('initMs'), firstChartMs: mid('firstChartMs'), decompressMs: mid('decompressMs') };
  };
  const shipped = await median(assetsDir);
  const plain = await median(plainDir);
  return {
    initMs: shipped.initMs,
    decompressMs: shipped.decompressMs,
    firstChartMs: shipped.firstChartMs,
    plainInitMs: plain.initMs,
    plainFirstChartMs: plain.firstChartMs,
  };
}

// ---- ingest ------------------------------------------------------------------------------
interface IngestBench {
  rows: number;
  rawRows: number;
  partRows: number;
  rawBefore: StepResult;
  pulse: StepResult;
  rawAfter: StepResult;
  split?: StepResult;
  /** Per scale: the usage file, its parts, minutes per part at Pulse's measured rate. */
  fanOut: {
    accounts: number;
    usageRows: number;
    parts: number;
    minutesWhole: number | null;
    minutesPerPart: number | null;
  }[];
}

/**
 * Pulse's ingest of `--ingest-rows` usage rows (1M by default) into DynamoDB Local, between two raw
 * BatchWriteItem passes of `--raw-rows` on the same emulator (raw before, Pulse, raw after: the
 * emulator's speed drifts on a shared machine, so the raw rate is the mean of the two), each in its
 * own child process; then the drop-zone split of the same file on the local S3 emulator, and the
 * fan-out each scale's usage file would get.
 */
async function ingestBench(work: string, scaleResults: ScaleResult[]): Promise<IngestBench> {
  const { startLocalStack } = await import('../lib/local');
  const { parseConfigText } = await import('../functions/config');
  const { readFileSync } = await import('node:fs');
  const config = parseConfigText(readFileSync(join(ROOT, 'pulse.config.json'), 'utf8'), 'pulse.config.json');
  const partRows = Number(partRowsArg ?? config.ingest.partRows);
  // Realistic usage rows: the synthetic generator for enough accounts (~80 usage rows each), capped.
  const src = join(work, 'ingest-src');
  const counts = await writeSyntheticData(src, { accounts: Math.ceil(ingestCap / 60), endDate: asOf });
  if (counts.usage < ingestCap)
    throw new Error(`generated ${counts.usage} usage rows, fewer than --ingest-rows ${ingestCap}`);
  const pulseDir = join(work, 'ingest-pulse');
  const rawDir = join(work, 'ingest-raw');
  await cappedUsage(src, pulseDir, ingestCap);
  const raw = await cappedUsage(src, rawDir, Math.min(rawRows, ingestCap));
  await rm(src, { recursive: true, force: true });

  console.log(
    `\ningest: ${fmtN(ingestCap)} usage rows through Pulse, raw BatchWriteItem ${fmtN(raw)} rows before and after, part size ${fmtN(partRows)} rows`,
  );
  const stack = await startLocalStack({ persist: false });
  try {
    const dynamodb = stack.endpoints.dynamodb;
    const rawBefore = await runStep('ingestRaw', { dir: rawDir, dynamodb, table: 'raw-before', warmup: 400 });
    console.log(
      `  raw before  ${rawBefore.error ?? `${fmtN(rawBefore.rowsPerSec)} rows/s (${fmtN(rawBefore.rows)} rows, ${fmtMs(rawBefore.ms)})`}`,
    );
    const pulse = await runStep('ingestPulse', { dir: pulseDir, dynamodb, table: 'pulse-bench', rows: ingestCap });
    console.log(
      `  Pulse       ${pulse.error ?? `${fmtN(pulse.rowsPerSec)} rows/s (${fmtN(pulse.rows)} rows, ${fmtMs(pulse.ms)}), peak RSS ${fmtMb(pulse.peakRssMb)}`}`,
    );
    const rawAfter = await runStep('ingestRaw', { dir: rawDir, dynamodb, table: 'raw-after' });
    console.log(
      `  raw after   ${rawAfter.error ?? `${fmtN(rawAfter.rowsPerSec)} rows/s (${fmtN(rawAfter.rows)} rows, ${fmtMs(rawAfter.ms)})`}`,
    );
    // The split of the same file (only when it is larger than a part).
    const split =
      ingestCap > partRows
        ? await runStep('ingestSplit', {
            dir: pulseDir,
            s3: stack.endpoints.s3,
            bucket: stack.resources.dropzoneBucket,
            partRows,
            rows: ingestCap,
          })
        : undefined;
    if (split)
      console.log(
        `  split       ${split.error ?? `${fmtN(split.rows)} rows into ${fmtN(split.parts)} parts in ${fmtMs(split.ms)} (${fmtN(split.rowsPerSec)} rows/s), peak RSS ${fmtMb(split.peakRssMb)}`}`,
      );
    const rate = typeof pulse.rowsPerSec === 'number' ? pulse.rowsPerSec : undefined;
    const fanOut = scaleResults.map((r) => {
      const parts = Math.max(1, Math.ceil(r.rows.usage / partRows));
      return {
        accounts: r.accounts,
        usageRows: r.rows.usage,
        parts: r.rows.usage > partRows ? parts : 1,
        minutesWhole: rate ? r.rows.usage / rate / 60 : null,
        minutesPerPart: rate ? Math.min(partRows, r.rows.usage) / rate / 60 : null,
      };
    });
    return { rows: ingestCap, rawRows: raw, partRows, rawBefore, pulse, rawAfter, ...(split ? { split } : {}), fanOut };
  } finally {
    await stack.stop();
    await rm(pulseDir, { recursive: true, force: true });
    await rm(rawDir, { recursive: true, force: true });
  }
}

function rawMean(r: IngestBench): number | undefined {
  const rates = [r.rawBefore.rowsPerSec, r.rawAfter.rowsPerSec].filter((x): x is number => typeof x === 'number');
  return rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : undefined;
}

function printIngest(r: IngestBench): void {
  const mean = rawMean(r);
  const p = r.pulse;
  const mem = (m: unknown) => {
    const x = m as { first: number; max: number; last: number; slopePer100k: number | null } | undefined;
    return x ? `${x.first} / ${x.max} / ${x.last} MB (second half: ${x.slopePer100k ?? '-'} MB per 100k rows)` : '-';
  };
  const segs = (p.segmentRowsPerSec as number[] | undefined) ?? [];
  console.log(
    `\n${table(
      ['ingest into DynamoDB Local', 'measured'],
      [
        ['Pulse: usage rows (read CSV + validate + store)', fmtN(p.rows)],
        ['Pulse: time', fmtMs(p.ms)],
        ['Pulse: rows/s', fmtN(p.rowsPerSec)],
        [
          '  time waiting for the store / not writing (read, validate, chunk)',
          `${fmtMs(p.writeMs)} / ${fmtMs(p.notWritingMs)}`,
        ],
        [`  per ${fmtN(p.segmentRows)} rows`, segs.map((n) => fmtN(n)).join(', ')],
        ['  live heap (after GC) first / max / last', mem(p.heap)],
        ['  RSS first / max / last', mem(p.rss)],
        ['  peak RSS (maxRSS)', fmtMb(p.peakRssMb)],
        [`raw BatchWriteItem, before (${fmtN(r.rawBefore.rows)} rows)`, `${fmtN(r.rawBefore.rowsPerSec)} rows/s`],
        [`raw BatchWriteItem, after (${fmtN(r.rawAfter.rows)} rows)`, `${fmtN(r.rawAfter.rowsPerSec)} rows/s`],
        ['raw, mean of the two', mean ? `${fmtN(Math.round(mean))} rows/s` : '-'],
        [
          'Pulse / raw mean',
          mean && typeof p.rowsPerSec === 'number' ? `${Math.round((p.rowsPerSec / mean) * 100)} %` : '-',
        ],
        [
          'Pulse first segment / raw before',
          segs[0] && typeof r.rawBefore.rowsPerSec === 'number'
            ? `${Math.round((segs[0] / r.rawBefore.rowsPerSec) * 100)} % (same table size)`
            : '-',
        ],
        [
          'drop-zone split on local S3',
          r.split?.error
            ? 'ERROR'
            : r.split
              ? `${fmtN(r.split.rows)} rows -> ${fmtN(r.split.parts)} parts in ${fmtMs(r.split.ms)}, peak RSS ${fmtMb(r.split.peakRssMb)}`
              : '-',
        ],
      ],
    )}`,
  );
  for (const s of [r.rawBefore, r.pulse, r.rawAfter, r.split]) if (s?.error) console.log(`ERROR ingest: ${s.error}`);
  const min = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} min`);
  console.log(
    `\n${table(
      [
        'fan-out (part size ' + fmtN(r.partRows) + ' rows)',
        'usage rows',
        'parts',
        'one invocation, whole file',
        'per part',
        'Lambda limit',
      ],
      r.fanOut.map((f) => [
        `${fmtN(f.accounts)} accounts`,
        fmtN(f.usageRows),
        fmtN(f.parts),
        min(f.minutesWhole),
        min(f.minutesPerPart),
        f.minutesPerPart === null ? '-' : f.minutesPerPart < 15 ? 'each part < 15 min' : 'OVER 15 min',
      ]),
    )}`,
  );
}

function ingestTargets(r: IngestBench): { target: string; measured: string; pass: boolean | null }[] {
  const out: { target: string; measured: string; pass: boolean | null }[] = [];
  const mean = rawMean(r);
  const rate = r.pulse.rowsPerSec;
  if (mean && typeof rate === 'number') {
    out.push({
      target: `ingest >= 80% of raw BatchWriteItem (${fmtN(r.pulse.rows)} rows vs raw mean of 2 x ${fmtN(r.rawRows)})`,
      measured: `${Math.round((rate / mean) * 100)}% (${fmtN(rate)} vs ${fmtN(Math.round(mean))} rows/s)`,
      pass: rate / mean >= 0.8,
    });
  }
  const heap = r.pulse.heap as { first: number; max: number; last: number; slopePer100k: number | null } | undefined;
  if (heap && heap.slopePer100k !== null) {
    // Flat: over the second half of the run the live heap grows by less than 1 MB per 100k rows.
    out.push({
      target: 'ingest memory flat (live heap, second half)',
      measured: `${heap.slopePer100k} MB per 100k rows; first/max/last ${heap.first}/${heap.max}/${heap.last} MB`,
      pass: Math.abs(heap.slopePer100k) < 1,
    });
  }
  if (r.fanOut.length) {
    const worst = Math.max(...r.fanOut.map((f) => f.minutesPerPart ?? 0));
    out.push({
      target: 'every ingest invocation under 15 min (fan-out)',
      measured: `largest part ${worst.toFixed(1)} min at ${fmtN(rate)} rows/s`,
      pass: worst < 15,
    });
  }
  return out;
}

// ---- reporting ---------------------------------------------------------------------------
const fmtMs = (v: unknown) =>
  typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`) : '-';
const fmtMb = (v: unknown) => (typeof v === 'number' ? `${v} MB` : '-');
const fmtN = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '-');

function table(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function sameFigures(a: unknown, b: unknown): { equal: boolean; diffs: string[] } {
  const diffs: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (x && typeof x === 'object' && y && typeof y === 'object') {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (x !== y) diffs.push(`${path}: pulse ${String(x)} vs duckdb ${String(y)}`);
  };
  walk(a, b, 'figures');
  return { equal: diffs.length === 0, diffs };
}

// ---- main --------------------------------------------------------------------------------
const work = await mkdtemp(join(tmpdir(), 'pulse-bench-'));
const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  freeMemoryGb: Math.round(freemem() / 1024 ** 3),
  node: process.version,
  os: `${platform()} ${release()}`,
};
console.log(
  `Pulse benchmark: scales ${scales.join(', ')}; asOf ${asOf}; ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB, node ${machine.node}`,
);
console.log(`work dir ${work}${keep ? ' (kept)' : ''}\n`);

interface ScaleResult {
  accounts: number;
  rows: RowCounts & { total: number };
  csvBytes: number;
  generateMs: number;
  kpis1?: StepResult;
  kpis13?: StepResult;
  report?: StepResult;
  alerts?: StepResult;
  duckdb?: StepResult;
  check?: { equal: boolean; diffs: string[] };
  /** The `pulse kpis` process against the DuckDB process. */
  cli?: KpisVsDuckDb;
}
const results: ScaleResult[] = [];
// The comparison runs the built CLI: built now, not inside a timed run.
if (want('cli') || want('help')) await buildCli();
// `pulse --help` through the bin entry: with the `cli` step, or alone as `help`.
const helpResult = want('cli') || want('help') ? await helpTiming() : undefined;
if (helpResult)
  console.log(
    `pulse --help (bin entry, node): ${helpResult.error ?? `${fmtMs(helpResult.ms)} (median of ${HELP_RUNS}: ${helpResult.runs.join(', ')} ms)`}\n`,
  );

try {
  for (const accounts of scales) {
    const dir = join(work, `a${accounts}`);
    const t0 = performance.now();
    const counts = await writeSyntheticData(dir, { accounts, endDate: asOf });
    const generateMs = performance.now() - t0;
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    const csvBytes = sizeOf(dir);
    console.log(
      `${fmtN(accounts)} accounts: ${fmtN(total)} rows (${fmtN(counts.usage)} usage), ${Math.round(csvBytes / MB)} MB of CSV, generated in ${fmtMs(generateMs)}`,
    );
    const r: ScaleResult = { accounts, rows: { ...counts, total }, csvBytes, generateMs };
    const a = { dir, asOf };
    for (const step of ['duckdb', 'kpis1', 'kpis13', 'report', 'alerts'] as const) {
      if (!want(step)) continue;
      r[step] = await runStep(step, a);
      console.log(
        `  ${step.padEnd(7)} ${r[step]!.error ?? `${fmtMs(r[step]!.ms ?? r[step]!.loadMs)}, peak ${fmtMb(r[step]!.peakRssMb)}`}`,
      );
    }
    if (want('cli')) {
      r.cli = await kpisVsDuckDb(dir);
      const c = r.cli;
      console.log(
        `  cli     pulse kpis ${c.pulse.error ?? `${fmtMs(c.pulse.ms)}, peak ${fmtMb(c.pulse.peakRssMb)}`}; ` +
          `DuckDB process ${c.duckdb.error ?? `${fmtMs(c.duckdb.ms)}, peak ${fmtMb(c.duckdb.peakRssMb)}`} -> ${c.ratio === null ? '-' : `${c.ratio.toFixed(2)}x`} (medians of ${c.runs})`,
      );
    }
    if (r.kpis1?.figures && r.duckdb?.figures) {
      r.check = sameFigures(r.kpis1.figures, r.duckdb.figures);
      console.log(
        `  check   Pulse = DuckDB: ${r.check.equal ? 'yes (exact cents)' : `NO: ${r.check.diffs.join('; ')}`}`,
      );
    }
    results.push(r);
    // Written after every scale too, so a long run that is stopped still leaves its figures.
    await writeFile(
      join(ROOT, 'bench', 'results.json'),
      `${JSON.stringify({ at: new Date().toISOString(), asOf, machine, ingestCap, partial: true, scales: results }, null, 2)}\n`,
    );
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
  const ingestResult = want('ingest') ? await ingestBench(work, results) : undefined;
  if (ingestResult) printIngest(ingestResult);
  const bundleResults = want('bundles') ? await bundles(work) : {};
  const streamResult = want('stream') ? await streamLargeGzip(work, streamMb) : undefined;
  const stripeResult = want('stripe')
    ? await runStep('stripeSync', { customers: Math.max(10, Math.round(stripeLines / 50)), lines: stripeLines })
    : undefined;

  // ---- the table ----
  const rowsFor = (pick: (r: ScaleResult) => string) => results.map(pick);
  const head = ['', ...results.map((r) => `${fmtN(r.accounts)} accounts`)];
  const main: string[][] = [
    ['rows (all files)', ...rowsFor((r) => fmtN(r.rows.total))],
    ['  of which usage', ...rowsFor((r) => fmtN(r.rows.usage))],
    ['CSV size', ...rowsFor((r) => `${Math.round(r.csvBytes / MB)} MB`)],
    ['kpis, 1 week: total', ...rowsFor((r) => fmtMs(r.kpis1?.ms))],
    ['  read + validate', ...rowsFor((r) => fmtMs(r.kpis1?.readMs))],
    ['  compute + JSON', ...rowsFor((r) => fmtMs(r.kpis1?.computeMs))],
    ['  peak RSS', ...rowsFor((r) => fmtMb(r.kpis1?.peakRssMb))],
    ['kpis, 13 weeks (compute-week): total', ...rowsFor((r) => fmtMs(r.kpis13?.ms))],
    ['  compute (13 weeks, segments, trend)', ...rowsFor((r) => fmtMs(r.kpis13?.computeMs))],
    ['  peak RSS', ...rowsFor((r) => fmtMb(r.kpis13?.peakRssMb))],
    ['DuckDB load (8 CSVs, 1 thread)', ...rowsFor((r) => fmtMs(r.duckdb?.loadMs))],
    ['DuckDB bridge + NRR/GRR query', ...rowsFor((r) => fmtMs(r.duckdb?.queryMs))],
    ['DuckDB peak RSS', ...rowsFor((r) => fmtMb(r.duckdb?.peakRssMb))],
    [
      'Pulse kpis / DuckDB load',
      ...rowsFor((r) =>
        r.kpis1?.ms && r.duckdb?.loadMs ? `${((r.kpis1.ms as number) / (r.duckdb.loadMs as number)).toFixed(1)}x` : '-',
      ),
    ],
    ['`pulse kpis --data` process (median)', ...rowsFor((r) => fmtMs(r.cli?.pulse.ms))],
    ['  peak RSS', ...rowsFor((r) => fmtMb(r.cli?.pulse.peakRssMb))],
    ['DuckDB load process, 1 thread (median)', ...rowsFor((r) => fmtMs(r.cli?.duckdb.ms))],
    ['pulse kpis / DuckDB (processes)', ...rowsFor((r) => (r.cli?.ratio ? `${r.cli.ratio.toFixed(2)}x` : '-'))],
    ['Pulse figures = DuckDB (cents)', ...rowsFor((r) => (r.check ? (r.check.equal ? 'equal' : 'DIFFERENT') : '-'))],
    ['report: compute data + view', ...rowsFor((r) => fmtMs(r.report?.computeMs))],
    ['report: render (HTML, text, 3 charts)', ...rowsFor((r) => fmtMs(r.report?.renderMs))],
    ['  peak RSS (incl. reading)', ...rowsFor((r) => fmtMb(r.report?.peakRssMb))],
    ['alerts: facts + rules + lifecycle', ...rowsFor((r) => fmtMs(r.alerts?.ms))],
    ['  alerts opened', ...rowsFor((r) => fmtN(r.alerts?.alerts))],
  ];
  console.log(`\n${table(head, main)}\n`);
  const errors = results.flatMap((r) =>
    (['kpis1', 'kpis13', 'report', 'alerts', 'duckdb'] as const)
      .filter((s) => r[s]?.error)
      .map((s) => `${r.accounts} ${s}: ${r[s]!.error}`),
  );
  for (const e of errors) console.log(`ERROR ${e}`);

  if (Object.keys(bundleResults).length) {
    console.log(
      table(
        ['Lambda bundle', 'bundle', 'with assets', 'module init'],
        Object.entries(bundleResults).map(([n, b]) => [
          n,
          `${((b.bytes as number) / MB).toFixed(2)} MB`,
          `${((b.totalBytes as number) / MB).toFixed(2)} MB`,
          b.error ? 'ERROR' : fmtMs(b.initMs),
        ]),
      ),
    );
    for (const [n, b] of Object.entries(bundleResults)) {
      const files = Object.entries((b.assets ?? {}) as Record<string, number>);
      if (files.length)
        console.log(`${n} assets: ${files.map(([f, size]) => `${f} ${(size / MB).toFixed(2)} MB`).join(', ')}`);
      const c = b.charts as Record<string, number> | undefined;
      if (c)
        console.log(
          `${n} chart renderer init (first invocation): ${fmtMs(c.initMs)} incl. ${fmtMs(c.decompressMs)} brotli decompression, first chart ${fmtMs(c.firstChartMs)}; uncompressed assets: init ${fmtMs(c.plainInitMs)}, first chart ${fmtMs(c.plainFirstChartMs)}`,
        );
    }
    for (const [n, b] of Object.entries(bundleResults)) if (b.error) console.log(`ERROR bundle ${n}: ${b.error}`);
  }

  // ---- targets ----
  const targets: { target: string; measured: string; pass: boolean | null }[] = [];
  const big = results.find((r) => r.accounts === 100_000) ?? results[results.length - 1];
  if (big?.kpis1?.ms && big.duckdb?.loadMs) {
    const ratio = (big.kpis1.ms as number) / (big.duckdb.loadMs as number);
    targets.push({
      target: `kpis at ${fmtN(big.accounts)} accounts within 5x DuckDB load`,
      measured: `${ratio.toFixed(1)}x (${fmtMs(big.kpis1.ms)} vs ${fmtMs(big.duckdb.loadMs)})`,
      pass: ratio <= 5,
    });
    targets.push({ target: `  (aim: within 2x)`, measured: `${ratio.toFixed(1)}x`, pass: ratio <= 2 });
  }
  if (big?.cli?.ratio) {
    const c = big.cli;
    targets.push({
      target: `pulse kpis --data at ${fmtN(big.accounts)} accounts within 3x DuckDB (processes, start included)`,
      measured: `${c.ratio!.toFixed(2)}x (${fmtMs(c.pulse.ms)} vs ${fmtMs(c.duckdb.ms)})`,
      pass: c.ratio! <= 3,
    });
    if (helpResult?.ms != null)
      targets.push({
        target: 'pulse --help (bin entry, node) under 0.3 s',
        measured: `${fmtMs(helpResult.ms)} (median of ${HELP_RUNS})`,
        pass: helpResult.ms < 300,
      });
    if (c.pulse.peakRssMb)
      targets.push({
        target: `pulse kpis process at ${fmtN(big.accounts)} accounts under 1.5 GB`,
        measured: fmtMb(c.pulse.peakRssMb),
        pass: c.pulse.peakRssMb < 1536,
      });
  }
  if (helpResult?.ms != null && !big?.cli?.ratio)
    targets.push({
      target: 'pulse --help (bin entry, node) under 0.3 s',
      measured: `${fmtMs(helpResult.ms)} (median of ${HELP_RUNS})`,
      pass: helpResult.ms < 300,
    });
  if (helpResult?.error) console.log(`ERROR pulse --help: ${helpResult.error}`);
  if (big?.kpis1?.peakRssMb)
    targets.push({
      target: `kpis at ${fmtN(big.accounts)} accounts under 1.5 GB`,
      measured: fmtMb(big.kpis1.peakRssMb),
      pass: (big.kpis1.peakRssMb as number) < 1536,
    });
  if (big?.check)
    targets.push({
      target: 'Pulse bridge + NRR/GRR = DuckDB (exact cents)',
      measured: big.check.equal ? 'equal' : big.check.diffs.join('; '),
      pass: big.check.equal,
    });
  if (ingestResult) targets.push(...ingestTargets(ingestResult));
  if (stripeResult && !stripeResult.error) {
    targets.push({
      target: `Stripe sync of ${fmtN(stripeResult.lineItems)} line items: heap under 512 MB`,
      measured: `${String(stripeResult.heapMbMax)} MB`,
      pass: (stripeResult.heapMbMax as number) < 512,
    });
  }
  for (const [n, b] of Object.entries(bundleResults)) {
    const limit = n === 'weekly-report' ? 5 : 1.5;
    const bytes = (n === 'weekly-report' ? b.totalBytes : b.bytes) as number;
    targets.push({
      target: `bundle ${n} under ${limit} MB${n === 'weekly-report' ? ' (with charts: templates, brotli wasm + font)' : ''}`,
      measured: `${(bytes / MB).toFixed(2)} MB`,
      pass: bytes < limit * MB,
    });
  }
  console.log(
    `\n${table(
      ['target', 'measured', ''],
      targets.map((t) => [t.target, t.measured, t.pass === null ? '-' : t.pass ? 'PASS' : 'MISS']),
    )}`,
  );

  // ---- linearity ----
  const lin: string[][] = [];
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1]!;
    const b = results[i]!;
    const f = b.accounts / a.accounts;
    const ratio = (x?: unknown, y?: unknown) =>
      typeof x === 'number' && typeof y === 'number' && x > 0 ? `${(y / x).toFixed(1)}x` : '-';
    lin.push([
      `${fmtN(a.accounts)} -> ${fmtN(b.accounts)} (${f}x accounts)`,
      ratio(a.rows.total, b.rows.total),
      ratio(a.kpis1?.readMs, b.kpis1?.readMs),
      ratio(a.kpis1?.computeMs, b.kpis1?.computeMs),
      ratio(a.kpis13?.computeMs, b.kpis13?.computeMs),
      ratio(a.kpis1?.peakRssMb, b.kpis1?.peakRssMb),
      ratio(a.duckdb?.loadMs, b.duckdb?.loadMs),
      ratio(a.alerts?.ms, b.alerts?.ms),
    ]);
  }
  if (lin.length)
    console.log(
      `\n${table(['growth', 'rows', 'read', 'kpis compute', '13 weeks', 'kpis RSS', 'DuckDB load', 'alerts'], lin)}`,
    );

  if (streamResult) {
    console.log(
      `\nstreaming a ${streamMb} MB CSV as gzip (${streamResult.gzipMb} MB): ${fmtN(streamResult.rows as number)} rows in ${fmtMs(streamResult.ms)} ` +
        `(${fmtN(streamResult.rowsPerSec as number)} rows/s), heap at most ${streamResult.heapMbMax} MB, peak RSS ${streamResult.peakRssMb} MB ` +
        `${(streamResult.peakRssMb as number) < 300 ? 'PASS' : 'MISS'} (memory bound 300 MB)${streamResult.error ? ` ERROR ${streamResult.error}` : ''}`,
    );
  }
  if (stripeResult) {
    const r = stripeResult;
    console.log(
      r.error
        ? `\nERROR stripe sync: ${r.error}`
        : `\nStripe full sync from the fake (own process): ${fmtN(r.lineItems)} invoice line items of ${fmtN(r.invoices)} invoices, ${fmtN(r.customers)} customers, ` +
            `${fmtN(r.requests)} requests in ${fmtMs(r.ms)} (${fmtN(r.lineItemsPerSec)} line items/s) -> ${fmtN(r.lines)} contract lines, ${fmtN(r.accounts)} accounts, ${fmtN(r.rejected)} rejects\n` +
            `  connector CPU ${fmtMs(r.connectorCpuMs)} = ${String(r.connectorUsPerLineItem)} us per line item (the fake's own CPU: ${fmtMs(r.fakeCpuMs)}); ` +
            `heap first/max/last ${String(r.heapMbFirst)}/${String(r.heapMbMax)}/${String(r.heapMbLast)} MB ${(r.heapMbMax as number) < 512 ? 'PASS' : 'MISS'} (under 512 MB), peak RSS ${fmtMb(r.peakRssMb)}`,
    );
  }
  await writeFile(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ at: new Date().toISOString(), asOf, machine, ingestCap, help: helpResult, scales: results, ingest: ingestResult, bundles: bundleResults, stream: streamResult, stripe: stripeResult, targets }, null, 2)}\n`,
  );
  console.log(`\nwrote bench/results.json`);
} finally {
  if (!keep) await rm(work, { recursive: true, force: true });
}
