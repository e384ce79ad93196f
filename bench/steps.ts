// One measured benchmark step, run in its own child process so its peak RSS is its own:
//   node --import tsx bench/steps.ts <step> '<json args>'
// Prints one line `RESULT <json>` on stdout. Peak memory is process.resourceUsage().maxRSS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfigText, weekStartsOnNumber } from '../functions/config';
import { RowValidator } from '../functions/domain/contract/validate';
import { readDataset } from '../functions/app/read-contract';
import { FolderSource } from '../functions/adapters/sources/file-reader';
import {
  computeKpis,
  kpiSettingsFrom,
  toKpiJson,
  TREND_WEEKS,
  usageNeededFrom,
  type KpiResult,
} from '../functions/domain/kpi';
import { computeWeek } from '../functions/app/compute-week';
import type { Store } from '../functions/ports/store';
import type { DynamoDbStore as DynamoDbStoreT } from '../functions/adapters/dynamodb';
import { loadIntoDuckDb } from './duckdb-load.mjs';

type Args = Record<string, unknown>;
const [, , step, rawArgs] = process.argv;
const args = JSON.parse(rawArgs ?? '{}') as Args;

const config = parseConfigText(
  readFileSync(new URL('../pulse.config.json', import.meta.url), 'utf8'),
  'pulse.config.json',
);
const settings = kpiSettingsFrom(config);
const validator = () =>
  new RowValidator({ currency: config.company.currency, weekStartsOn: weekStartsOnNumber(config) });
const now = () => performance.now();
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

function result(data: Args): void {
  process.stdout.write(`RESULT ${JSON.stringify({ ...data, peakRssMb: peakMb() })}\n`);
}

/** Reads and validates every file, keeping usage from `usageFrom` on, as the command or job being measured does. */
async function load(dir: string, usageFrom: string) {
  const t0 = now();
  const read = await readDataset(new FolderSource(dir), validator(), { usageFrom });
  const ms = now() - t0;
  if (read.summary.rejects.length)
    throw new Error(
      `generated data has ${read.summary.rejects.length} rejects, first: ${JSON.stringify(read.summary.rejects[0])}`,
    );
  const rows = Object.values(read.summary.counts).reduce((s, c) => s + c.rows, 0);
  return { dataset: read.dataset, readMs: ms, rows };
}

function figures(k: KpiResult) {
  const b = k.arrBridge;
  return {
    bridge: {
      open: b.open,
      new: b.new,
      reactivation: b.reactivation,
      expansion: b.expansion,
      contraction: b.contraction,
      churn: b.churn,
      close: b.close,
    },
    customers: k.customers,
    retention: {
      cohortDate: k.retention.cohortDate,
      cohortSize: k.retention.cohortSize,
      cohortArr: k.retention.cohortArr,
      currentArr: k.retention.currentArr,
      grossRetainedArr: k.retention.grossRetainedArr,
      nrr: k.retention.nrr,
      grr: k.retention.grr,
    },
  };
}

/** `pulse kpis --data DIR --as-of D`: read + validate every file, all KPIs, the JSON document. */
async function kpis1() {
  const t0 = now();
  const { dataset, readMs, rows } = await load(String(args.dir), usageNeededFrom(String(args.asOf)));
  const t1 = now();
  const k = computeKpis(dataset, String(args.asOf), settings);
  const json = JSON.stringify(toKpiJson(k));
  const computeMs = now() - t1;
  result({ ms: now() - t0, readMs, computeMs, rows, jsonBytes: json.length, figures: figures(k) });
}

/** The compute-week job for 13 weeks (history 12): company + every segment + trend, snapshots to a null store. */
async function kpis13() {
  const t0 = now();
  const { dataset, readMs, rows } = await load(String(args.dir), usageNeededFrom(String(args.asOf), 12 + TREND_WEEKS));
  const t1 = now();
  let snapshotBytes = 0;
  const nullStore = {
    putSnapshot: async (s: { kpis: unknown }) => {
      snapshotBytes += JSON.stringify(s.kpis).length;
    },
  } as unknown as Store;
  const out = await computeWeek(nullStore, settings, {
    asOf: String(args.asOf),
    history: 12,
    computedAt: new Date(0).toISOString(),
    dataset,
  });
  const computeMs = now() - t1;
  result({ ms: now() - t0, readMs, computeMs, rows, weeks: out.snapshotsWritten.length, snapshotBytes });
}

/** The weekly report: compute the report data, build the view, render HTML + text + three charts. */
async function report() {
  const { buildWeeklyReportView, computeWeeklyReportData, reportUsageFrom, weeklyReportInput } = await import(
    '../functions/domain/report'
  );
  const { dataset, readMs } = await load(String(args.dir), reportUsageFrom(String(args.asOf)));
  const { createWeeklyReportRenderer } = await import('../functions/adapters/render/weekly-report');
  const t0 = now();
  const renderer = await createWeeklyReportRenderer();
  const initMs = now() - t0;
  const t1 = now();
  const computed = computeWeeklyReportData(dataset, settings, String(args.asOf));
  const view = buildWeeklyReportView(
    weeklyReportInput(computed, {
      companyName: config.company.name,
      locale: config.company.locale,
      subjectTemplate: config.report.subject,
      archive: { label: 's3://pulse-archive/weekly/', url: null },
      riskWindowDays: config.report.riskWindowDays,
    }),
  );
  const computeMs = now() - t1;
  const t2 = now();
  const email = await renderer.renderWeeklyReport(view);
  const renderMs = now() - t2;
  result({
    ms: computeMs + renderMs,
    readMs,
    rendererInitMs: initMs,
    computeMs,
    renderMs,
    htmlBytes: email.html.length,
    images: email.images.length,
  });
}

/** Renewal-risk alerts: facts for every account, every rule, the lifecycle step from no state. */
async function alerts() {
  const { advanceAlerts, alertSettingsFrom, alertUsageFrom, evaluateRules, factsAt, prepareAlertIndex } = await import(
    '../functions/domain/alerts'
  );
  const { dataset, readMs } = await load(String(args.dir), alertUsageFrom(String(args.asOf), settings.weekStartsOn));
  const alertSettings = alertSettingsFrom(config);
  const t0 = now();
  const facts = factsAt(prepareAlertIndex(dataset, settings), String(args.asOf));
  const factsMs = now() - t0;
  const evaluations = evaluateRules(facts, alertSettings);
  const { changed, notices } = advanceAlerts(new Map(), evaluations, {
    on: String(args.asOf),
    at: `${String(args.asOf)}T07:00:00Z`,
    by: 'bench',
    settings: alertSettings,
  });
  const ms = now() - t0;
  result({
    ms,
    factsMs,
    readMs,
    accounts: facts.length,
    evaluations: evaluations.size,
    alerts: changed.size,
    notices: notices.length,
  });
}

/** DuckDB, one thread: load the same CSVs, then the week's ARR bridge and NRR/GRR in SQL (docs/metrics.md). */
async function duckdb() {
  const dir = String(args.dir);
  const asOf = String(args.asOf);
  const t0 = now();
  const c = await loadIntoDuckDb(dir);
  const loadMs = now() - t0;

  const t1 = now();
  // ARR on day d = recurring lines with arr > 0, start <= d < end. Movements day by day over the
  // week; reactivation when a paying recurring line started before that day.
  const bridge = await c.runAndReadAll(`
    WITH p AS (SELECT DATE '${asOf}' - 6 AS ws, DATE '${asOf}' AS asof),
    rec AS (SELECT account_id, CAST(arr * 100 AS BIGINT) AS cents, start_date, end_date
            FROM subscriptions WHERE coalesce(lower(kind), 'recurring') = 'recurring' AND arr > 0),
    days AS (SELECT CAST(unnest(generate_series(p.ws - 1, p.asof, INTERVAL 1 DAY)) AS DATE) AS d FROM p),
    moving AS (SELECT DISTINCT r.account_id FROM rec r, p
               WHERE (r.start_date BETWEEN p.ws AND p.asof) OR (r.end_date BETWEEN p.ws AND p.asof)),
    daily AS (SELECT m.account_id, days.d,
                     coalesce(sum(r.cents) FILTER (WHERE r.start_date <= days.d AND (r.end_date IS NULL OR r.end_date > days.d)), 0) AS arr
              FROM moving m CROSS JOIN days JOIN rec r ON r.account_id = m.account_id GROUP BY ALL),
    mv AS (SELECT account_id, d, lag(arr) OVER (PARTITION BY account_id ORDER BY d) AS o, arr AS c FROM daily),
    fp AS (SELECT account_id, min(start_date) AS first_paid FROM rec GROUP BY 1),
    moves AS (SELECT mv.*, fp.first_paid FROM mv JOIN fp USING (account_id), p WHERE mv.d >= p.ws AND mv.o <> mv.c),
    arr_at AS (SELECT
             sum(cents) FILTER (WHERE start_date <= p.ws - 1 AND (end_date IS NULL OR end_date > p.ws - 1)) AS open,
             sum(cents) FILTER (WHERE start_date <= p.asof AND (end_date IS NULL OR end_date > p.asof)) AS close
           FROM rec, p),
    logos AS (SELECT
             count(DISTINCT account_id) FILTER (WHERE start_date <= p.ws - 1 AND (end_date IS NULL OR end_date > p.ws - 1)) AS open,
             count(DISTINCT account_id) FILTER (WHERE start_date <= p.asof AND (end_date IS NULL OR end_date > p.asof)) AS close
           FROM rec, p)
    SELECT arr_at.open, arr_at.close,
      coalesce((SELECT sum(c) FROM moves WHERE o = 0 AND first_paid >= d), 0) AS new,
      coalesce((SELECT sum(c) FROM moves WHERE o = 0 AND first_paid < d), 0) AS reactivation,
      coalesce((SELECT sum(c - o) FROM moves WHERE o > 0 AND c > o), 0) AS expansion,
      coalesce((SELECT sum(o - c) FROM moves WHERE c > 0 AND c < o), 0) AS contraction,
      coalesce((SELECT sum(o) FROM moves WHERE o > 0 AND c = 0), 0) AS churn,
      logos.open AS open_logos, logos.close AS close_logos,
      (SELECT count(*) FROM moves WHERE o = 0 AND first_paid >= d) AS new_logos,
      (SELECT count(*) FROM moves WHERE o = 0 AND first_paid < d) AS reactivated_logos,
      (SELECT count(*) FROM moves WHERE o > 0 AND c = 0) AS churned_logos
    FROM arr_at, logos`);
  // Cohort = customers exactly 12 months before asOf (DuckDB clamps to the month's end like Pulse).
  const retention = await c.runAndReadAll(`
    WITH p AS (SELECT CAST(DATE '${asOf}' - INTERVAL 12 MONTH AS DATE) AS cd, DATE '${asOf}' AS asof),
    rec AS (SELECT account_id, CAST(arr * 100 AS BIGINT) AS cents, start_date, end_date
            FROM subscriptions WHERE coalesce(lower(kind), 'recurring') = 'recurring' AND arr > 0),
    a AS (SELECT account_id,
            coalesce(sum(cents) FILTER (WHERE start_date <= p.cd AND (end_date IS NULL OR end_date > p.cd)), 0) AS then_arr,
            coalesce(sum(cents) FILTER (WHERE start_date <= p.asof AND (end_date IS NULL OR end_date > p.asof)), 0) AS now_arr
          FROM rec, p GROUP BY 1)
    SELECT (SELECT CAST(cd AS VARCHAR) FROM p) AS cohort_date, count(*) AS cohort_size, sum(then_arr) AS cohort_arr, sum(now_arr) AS current_arr,
           sum(least(now_arr, then_arr)) AS gross_retained_arr,
           sum(now_arr) / sum(then_arr) AS nrr, sum(least(now_arr, then_arr)) / sum(then_arr) AS grr
    FROM a WHERE then_arr > 0`);
  const queryMs = now() - t1;
  const b = bridge.getRowObjectsJS()[0] as Record<string, bigint>;
  const r = retention.getRowObjectsJS()[0] as Record<string, unknown>;
  const n = (v: unknown) => Number(v);
  const counts = (
    await c.runAndReadAll(
      `SELECT (SELECT count(*) FROM subscriptions) + (SELECT count(*) FROM usage) + (SELECT count(*) FROM accounts) + (SELECT count(*) FROM renewals) + (SELECT count(*) FROM expansions) + (SELECT count(*) FROM tickets) + (SELECT count(*) FROM nps) + (SELECT count(*) FROM spend) AS rows`,
    )
  ).getRowObjectsJS()[0] as { rows: bigint };
  c.closeSync();
  result({
    loadMs,
    queryMs,
    rows: n(counts.rows),
    figures: {
      bridge: {
        open: n(b.open),
        new: n(b.new),
        reactivation: n(b.reactivation),
        expansion: n(b.expansion),
        contraction: n(b.contraction),
        churn: n(b.churn),
        close: n(b.close),
      },
      customers: {
        open: n(b.open_logos),
        close: n(b.close_logos),
        new: n(b.new_logos),
        reactivated: n(b.reactivated_logos),
        churned: n(b.churned_logos),
      },
      retention: {
        cohortDate: String(r.cohort_date),
        cohortSize: n(r.cohort_size),
        cohortArr: n(r.cohort_arr),
        currentArr: n(r.current_arr),
        grossRetainedArr: n(r.gross_retained_arr),
        nrr: n(r.nrr),
        grr: n(r.grr),
      },
    },
  });
}

/** DynamoDB client and document client on the emulator started by bench/run.ts (args.dynamodb). */
async function benchDynamo() {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { documentClient } = await import('../functions/adapters/dynamodb/document-client');
  const { LOCAL_CREDENTIALS, LOCAL_REGION } = await import('../lib/local');
  const client = new DynamoDBClient({
    endpoint: String(args.dynamodb),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const doc = documentClient(client);
  return { client, doc };
}

/**
 * Raw BatchWriteItem on the emulator: the items the store writes (keys + record) for the usage rows
 * of args.dir, pre-built in memory, 25 per call, args.concurrency (default 4, the store's) in flight,
 * into a fresh table args.table. The first args.warmup batches go to a scratch table first.
 */
async function ingestRaw() {
  const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { pulseTableDefinition, recordKeys, ATTR } = await import('../functions/adapters/dynamodb');
  const { runPool } = await import('../functions/adapters/dynamodb/concurrency');
  const concurrency = Number(args.concurrency ?? 4);
  const table = String(args.table);
  const { client, doc } = await benchDynamo();
  try {
    const { dataset } = await readDataset(new FolderSource(String(args.dir)), validator());
    const items = dataset.usage.map((u) => ({ ...u, ...recordKeys.usage(u), [ATTR.entity]: 'usage' }));
    const batches: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    let unprocessed = 0;
    const write = (name: string, list: (typeof items)[]) =>
      runPool(list, concurrency, async (batch) => {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [name]: pending } }));
          pending = (out.UnprocessedItems?.[name] ?? []) as typeof pending;
          unprocessed += pending.length;
        }
      });
    const warmup = Number(args.warmup ?? 0);
    if (warmup) {
      await client.send(new CreateTableCommand(pulseTableDefinition(`${table}-warmup`)));
      await write(`${table}-warmup`, batches.slice(0, warmup));
    }
    await client.send(new CreateTableCommand(pulseTableDefinition(table)));
    const t0 = now();
    const { errors } = await write(table, batches);
    const ms = now() - t0;
    if (errors.length) throw errors[0];
    result({ rows: items.length, ms, rowsPerSec: Math.round((items.length / ms) * 1000), unprocessed });
  } finally {
    client.destroy();
  }
}

/**
 * Pulse's ingest of args.dir (one usage.csv) into a fresh Pulse table on the emulator: the file is
 * streamed (FolderSource -> readRows), validated, chunked and written through DynamoDbStore, as the
 * drop-zone path does. Heap and RSS are sampled every args.sampleEvery rows; the time at every
 * args.segment rows gives the rate per segment (does the emulator slow down as the table grows?).
 */
async function ingestPulse() {
  const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDbStore, pulseTableDefinition } = await import('../functions/adapters/dynamodb');
  const { ingestSource } = await import('../functions/app/ingest-source');
  const rowsWanted = Number(args.rows);
  const sampleEvery = Number(args.sampleEvery ?? 50_000);
  const segment = Number(args.segment ?? 100_000);
  const table = String(args.table);
  const { client } = await benchDynamo();
  // The live heap (after a full GC) at each sample: heapUsed alone is a GC sawtooth.
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  try {
    await client.send(new CreateTableCommand(pulseTableDefinition(table)));
    const inner = new DynamoDbStore({
      client,
      tableName: table,
      ...(args.writeConcurrency ? { writeConcurrency: Number(args.writeConcurrency) } : {}),
    });
    // Time spent waiting for the store: the rest is reading, validating and chunking, during which
    // nothing is written (ingest-source writes a chunk, then reads the next).
    let writeMs = 0;
    const store: Store = Object.assign(Object.create(inner) as DynamoDbStoreT, {
      putRecords: async (...a: Parameters<Store['putRecords']>) => {
        const t = now();
        try {
          await inner.putRecords(...a);
        } finally {
          writeMs += now() - t;
        }
      },
    });
    const mb = (n: number) => Math.round(n / 1048576);
    const samples: { rows: number; heapMb: number; rssMb: number }[] = [];
    const marks: { rows: number; ms: number }[] = [];
    let nextSample = 0;
    let nextMark = segment;
    const t0 = now();
    const res = await ingestSource(
      new FolderSource(String(args.dir)),
      { store, validator: validator() },
      {
        sourceName: 'bench',
        timeZone: config.company.timezone,
        weekStartsOn: weekStartsOnNumber(config),
        ...(args.chunkSize ? { chunkSize: Number(args.chunkSize) } : {}),
        onProgress: (written: number) => {
          if (written >= nextSample) {
            gc();
            const m = process.memoryUsage();
            samples.push({ rows: written, heapMb: mb(m.heapUsed), rssMb: mb(m.rss) });
            nextSample += sampleEvery;
          }
          if (written >= nextMark) {
            marks.push({ rows: written, ms: now() - t0 });
            nextMark += segment;
          }
        },
      },
    );
    const ms = now() - t0;
    const rows = res.written.usage;
    if (rows !== rowsWanted) throw new Error(`ingest wrote ${rows} usage rows, expected ${rowsWanted}`);
    const segments = marks.map((m, i) => {
      const prev = marks[i - 1] ?? { rows: 0, ms: 0 };
      return Math.round(((m.rows - prev.rows) / (m.ms - prev.ms)) * 1000);
    });
    // Flat: least-squares slope of the second half of the samples, in MB per 100k rows.
    const slope = (key: 'heapMb' | 'rssMb') => {
      const s = samples.slice(Math.floor(samples.length / 2));
      if (s.length < 3) return null;
      const mx = s.reduce((a, p) => a + p.rows, 0) / s.length;
      const my = s.reduce((a, p) => a + p[key], 0) / s.length;
      const num = s.reduce((a, p) => a + (p.rows - mx) * (p[key] - my), 0);
      const den = s.reduce((a, p) => a + (p.rows - mx) ** 2, 0);
      return Math.round((num / den) * 100_000 * 10) / 10;
    };
    const pick = (key: 'heapMb' | 'rssMb') => ({
      first: samples[0]?.[key] ?? null,
      max: Math.max(...samples.map((p) => p[key])),
      last: samples[samples.length - 1]?.[key] ?? null,
      slopePer100k: slope(key),
    });
    result({
      rows,
      ms,
      rowsPerSec: Math.round((rows / ms) * 1000),
      writeMs,
      notWritingMs: ms - writeMs,
      segmentRows: segment,
      segmentRowsPerSec: segments,
      heap: pick('heapMb'),
      rss: pick('rssMb'),
      samples,
    });
  } finally {
    client.destroy();
  }
}

/**
 * The drop-zone split of args.dir/usage.csv on the local S3 emulator (args.s3): uploaded under
 * incoming/bench/, then cut into parts of args.partRows rows by the use case the ingest function
 * runs (functions/app/split-large-files.ts), streamed, the original moved to processed/.
 */
async function ingestSplit() {
  const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const { readFile } = await import('node:fs/promises');
  const { DropZoneSource } = await import('../functions/adapters/s3/dropzone-source');
  const { splitLargeFiles } = await import('../functions/app/split-large-files');
  const { LOCAL_CREDENTIALS, LOCAL_REGION } = await import('../lib/local');
  const s3 = new S3Client({
    endpoint: String(args.s3),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const bucket = String(args.bucket);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'incoming/bench/usage.csv',
        Body: await readFile(join(String(args.dir), 'usage.csv')),
      }),
    );
    const t0 = now();
    const out = await splitLargeFiles(
      new DropZoneSource({ client: s3, bucket, prefix: 'incoming/bench/' }),
      {},
      { sourceName: 'bench', partRows: Number(args.partRows) },
    );
    const ms = now() - t0;
    const file = out.split[0];
    if (!file) throw new Error(`the file was not split (kept: ${out.kept.join(', ')})`);
    if (file.rows !== Number(args.rows)) throw new Error(`split saw ${file.rows} rows, expected ${String(args.rows)}`);
    result({
      rows: file.rows,
      parts: file.parts.length,
      ms,
      rowsPerSec: Math.round((file.rows / ms) * 1000),
      firstPart: file.parts[0],
      lastPart: file.parts[file.parts.length - 1],
    });
  } finally {
    s3.destroy();
  }
}

/**
 * A large gzip CSV streamed the way the drop-zone connector reads it (readRows, then row
 * validation), keeping nothing: the reader's memory must stay flat however big the file.
 */
async function stream() {
  const { createReadStream } = await import('node:fs');
  const { readRows } = await import('../functions/adapters/sources/file-reader');
  const v = validator();
  const t0 = now();
  let rows = 0;
  let rejected = 0;
  let heapMax = 0;
  for await (const r of readRows(createReadStream(String(args.file)), 'csv', true)) {
    if (!r.ok || !v.validate('usage', r.row.fields).ok) rejected++;
    if (++rows % 100_000 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  }
  const ms = now() - t0;
  result({ rows, rejected, ms, rowsPerSec: Math.round(rows / (ms / 1000)), heapMbMax: Math.round(heapMax / 2 ** 20) });
}

/** Module init of a Lambda bundle: the time to import() it (a cold start's own code, no runtime). */
async function init() {
  const env = (args.env ?? {}) as Record<string, string>;
  Object.assign(process.env, env);
  const t0 = now();
  const mod = (await import(pathToFileURL(String(args.file)).href)) as { handler?: unknown };
  const ms = now() - t0;
  if (typeof mod.handler !== 'function') throw new Error(`${String(args.file)} exports no handler`);
  result({ ms });
}

/**
 * A full Stripe sync of a large synthetic billing history served by the fake Stripe API in its
 * own process (its CPU and memory are not counted here): every customer, invoice and line item
 * read through the official client, turned into lines by the revenue rules and validated. The
 * store and the sync state only count (the connector is measured, not DynamoDB); the request
 * rate is not limited (a real sync stays under Stripe's 100 reads/s and is paced by that).
 */
async function stripeSync() {
  const { spawnFakeStripe } = await import('../test/support/fake-stripe/spawn');
  const { connectSource } = await import('../functions/adapters/sources/connect');
  const { EnvSecrets } = await import('../functions/adapters/sources/http/credentials');
  const { ingestSource } = await import('../functions/app/ingest-source');
  const { sourceSchema } = await import('../functions/domain/sources/registry');
  type StripeDef = import('../functions/domain/sources/registry').StripeSourceDefinition;
  const fake = await spawnFakeStripe({ customers: Number(args.customers), invoiceLinesTotal: Number(args.lines) });
  try {
    const parsed = sourceSchema.parse({
      name: 'stripe',
      connector: 'stripe',
      stripe: { apiBase: fake.url },
    }) as StripeDef;
    const def: StripeDef = { ...parsed, stripe: { ...parsed.stripe, requestsPerSecond: 1_000_000 } };
    const syncState = { get: async () => undefined, put: async () => {}, clear: async () => {} };
    const written = { accounts: 0, subscriptions: 0 } as Record<string, number>;
    const store = {
      putRecords: async (e: string, r: readonly unknown[]) => void (written[e] = (written[e] ?? 0) + r.length),
      deleteRecords: async () => {},
    };
    const source = connectSource(def, {
      s3: undefined as never,
      dropzoneBucket: '',
      secrets: new EnvSecrets({}),
      timeZone: config.company.timezone,
      env: { STRIPE_API_KEY: 'sk_test_pulse' },
      syncState,
    });
    const heap: number[] = [];
    const sampler = setInterval(() => heap.push(process.memoryUsage().heapUsed), 250);
    const cpu0 = process.cpuUsage();
    const fake0 = await fake.stats();
    const t0 = now();
    const out = await ingestSource(
      source,
      { store: store as never, validator: validator() },
      { sourceName: 'stripe', timeZone: config.company.timezone, weekStartsOn: weekStartsOnNumber(config) },
    );
    const ms = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    const fake1 = await fake.stats();
    if (out.status !== 'succeeded')
      throw new Error(
        `sync ${out.status}: ${out.files
          .map((f) => f.error)
          .filter(Boolean)
          .join('; ')}`,
      );
    const expected = fake.expected;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const mb = (b: number) => Math.round(b / 2 ** 20);
    result({
      customers: expected.customers,
      lineItems: expected.lineItems,
      invoices: expected.invoices.total,
      accounts: written.accounts,
      lines: written.subscriptions,
      rejected: out.summary.rejects.length,
      requests: (source as { requests?: number }).requests,
      ms,
      lineItemsPerSec: Math.round((expected.lineItems / ms) * 1000),
      connectorCpuMs: Math.round(cpuMs),
      connectorUsPerLineItem: Number(((cpuMs * 1000) / expected.lineItems).toFixed(2)),
      fakeCpuMs: Math.round(fake1.cpuUserMs + fake1.cpuSystemMs - (fake0.cpuUserMs + fake0.cpuSystemMs)),
      heapMbMax: mb(Math.max(...heap)),
      heapMbFirst: mb(heap[0] ?? 0),
      heapMbLast: mb(heap[heap.length - 1] ?? 0),
    });
  } finally {
    await fake.stop();
  }
}

const steps: Record<string, () => Promise<void>> = {
  kpis1,
  kpis13,
  report,
  alerts,
  duckdb,
  ingestRaw,
  ingestPulse,
  ingestSplit,
  stream,
  init,
  stripeSync,
};
const fn = step ? steps[step] : undefined;
if (!fn) {
  console.error(`unknown step "${step}"; steps: ${Object.keys(steps).join(', ')}`);
  process.exit(2);
}
await fn();
