// The finance archive against the local S3 emulator (s3rver): a complete pack whose manifest
// checksums match the stored objects, write-once behaviour (a rerun writes nothing, a regeneration
// writes v2 with its reason, an unfinished version is never reused), the index listing the packs,
// a quarter-end pack on the fiscal calendar, and durable links through the loopback endpoint.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDownloadServer, type DownloadServer } from '../../bin/commands/download-server';
import {
  MemoryAuditLog,
  MemoryCodeStore,
  MemoryLinkStore,
  MemoryRateLimiter,
} from '../../functions/adapters/memory/archive-access';
import { S3Archive } from '../../functions/adapters/s3/archive-store';
import { fetchPack } from '../../functions/app/archive-get';
import { ArchiveError, archiveWeek, listPacks, type ArchiveWeekInput } from '../../functions/app/archive-week';
import {
  configHash,
  linkMaker,
  parseManifest,
  sha256Hex,
  workbookName,
  type PackManifest,
} from '../../functions/domain/archive';
import { kpisAt, prepareKpiContext } from '../../functions/domain/kpi';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local';
import { startS3, type Started } from '../../lib/local/emulators';
import type { ManagedChild } from '../../lib/local/processes';
import { demoDataset, SETTINGS } from '../unit/archive/fixtures';

let dir: string;
let s3: Started;
let client: S3Client;
let buckets = 0;
const children: ManagedChild[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-archive-test-'));
  s3 = await startS3({
    port: undefined,
    timeoutMs: 60_000,
    track: (c) => children.push(c),
    directory: join(dir, 's3'),
  });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  client?.destroy();
  await Promise.all(children.map((c) => c.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshArchive(): Promise<S3Archive> {
  const bucket = `archive-test-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3Archive({ client, bucket });
}

// The demo company with a fiscal year from February; 2026-05-03 ends the week holding April 30 (FY2027-Q1's last day).
const data = demoDataset('2026-11-23');
const ctx = prepareKpiContext(data, SETTINGS);
const input = (asOf: string, extra: Partial<ArchiveWeekInput> = {}): ArchiveWeekInput => ({
  data,
  settings: SETTINGS,
  context: ctx,
  asOf,
  report: {
    html: `<html><body><h1>Pulse ${asOf}</h1><img src="data:image/png;base64,iVBORw0KGgo=" alt="chart"></body></html>`,
  },
  runId: `test-${asOf}`,
  generatedAt: '2026-11-23T08:00:00.000Z',
  configHash: configHash({ company: { name: 'Northwind' } }),
  companyName: 'Northwind Cloud',
  ...extra,
});

const EXPECTED_FILES = (week: string) => [
  'report.html',
  'kpis.json',
  'arr-bridge.csv',
  'renewals.csv',
  'accounts.csv',
  'expansion.csv',
  'cohorts.csv',
  `pulse-${week}.xlsx`,
];

describe('a weekly pack in S3', () => {
  let archive: S3Archive;
  let manifest: PackManifest;
  beforeAll(async () => {
    archive = await freshArchive();
    const out = await archiveWeek(archive, input('2026-11-22'));
    expect(out.weekly.status).toBe('written');
    expect(out.quarterly).toBeUndefined();
    manifest = out.weekly.manifest;
  });

  it('holds every file, and the manifest last', async () => {
    const keys = await archive.list('archive/weekly/2026/2026-W47/');
    expect(keys.map((k) => k.split('/').pop()).sort()).toEqual([...EXPECTED_FILES('2026-W47'), 'manifest.json'].sort());
    expect(manifest.files.map((f) => f.name)).toEqual(EXPECTED_FILES('2026-W47'));
  });

  it('has a manifest whose SHA-256 and sizes match the stored objects, with provenance', async () => {
    const stored = parseManifest(
      Buffer.from((await archive.get('archive/weekly/2026/2026-W47/manifest.json'))!).toString('utf8'),
    );
    expect(stored).toEqual(manifest);
    for (const f of manifest.files) {
      const body = (await archive.get(f.key))!;
      expect(body.byteLength, f.name).toBe(f.bytes);
      expect(sha256Hex(body), f.name).toBe(f.sha256);
    }
    expect(manifest).toMatchObject({
      kind: 'weekly',
      period: '2026-W47',
      asOf: '2026-11-22',
      weekStart: '2026-11-16',
      version: 1,
      runId: 'test-2026-11-22',
      regeneration: null,
    });
    expect(manifest.configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifest.metricDefinitionsVersion).toBeTruthy();
    expect(manifest.inputRowCounts.accounts).toBe(data.accounts.length);
    expect(manifest.inputRowCounts.usage).toBe(data.usage.length);
    expect(manifest.headline.closingArr).toBe(kpisAt(ctx, '2026-11-22').arrBridge.close / 100);
  });

  it('keeps kpis.json in the pulse kpis --json shape with the segment splits', async () => {
    const kpis = JSON.parse(
      Buffer.from((await archive.get('archive/weekly/2026/2026-W47/kpis.json'))!).toString('utf8'),
    );
    expect(kpis).toMatchObject({ asOf: '2026-11-22', week: '2026-W47', currency: 'USD' });
    expect(Object.keys(kpis.segments).sort()).toEqual(['Enterprise', 'Mid-Market', 'SMB']);
    expect(kpis.accounts.length).toBe(kpis.customers.close);
  });

  it('fetches and verifies the pack, and catches a corrupted file', async () => {
    const got = await fetchPack(archive, '2026-W47');
    expect(got.missing).toEqual([]);
    expect(got.mismatched).toEqual([]);
    expect(got.files.map((f) => f.name)).toEqual(EXPECTED_FILES('2026-W47'));
    // An object changed behind the archive's back (s3rver lets us; S3 versioning would keep the original).
    await archive.put('archive/weekly/2026/2026-W47/accounts.csv', Buffer.from('tampered'), 'text/csv');
    const bad = await fetchPack(archive, '2026-W47');
    expect(bad.mismatched).toEqual(['accounts.csv']);
  });
});

describe('write once', () => {
  it('refuses to overwrite an object (putIfAbsent on s3rver, which ignores If-None-Match)', async () => {
    const archive = await freshArchive();
    expect(await archive.putIfAbsent('archive/x.txt', Buffer.from('one'), 'text/plain')).toBe(true);
    expect(await archive.putIfAbsent('archive/x.txt', Buffer.from('two'), 'text/plain')).toBe(false);
    expect(Buffer.from((await archive.get('archive/x.txt'))!).toString()).toBe('one');
  });

  it('writes nothing on a rerun, v2 with the reason on a regeneration, and never reuses an unfinished version', async () => {
    const archive = await freshArchive();
    const first = await archiveWeek(archive, input('2026-11-22'));
    const before = await archive.list('archive/weekly/');
    const again = await archiveWeek(archive, input('2026-11-22', { runId: 'retry' }));
    expect(again.weekly).toMatchObject({ status: 'exists', version: 1 });
    expect(again.weekly.manifest.runId).toBe(first.weekly.manifest.runId);
    expect(await archive.list('archive/weekly/')).toEqual(before); // only the index pages were rewritten, at the same keys

    const v2 = await archiveWeek(
      archive,
      input('2026-11-22', { runId: 'fix', reason: 'late billing file for ACC-0042' }),
    );
    expect(v2.weekly).toMatchObject({ status: 'written', version: 2, prefix: 'archive/weekly/2026/2026-W47/v2/' });
    expect(v2.weekly.manifest.regeneration).toEqual({
      reason: 'late billing file for ACC-0042',
      previousVersion: 1,
      supersedes: 'archive/weekly/2026/2026-W47/manifest.json',
    });
    // v1 is untouched
    expect(sha256Hex((await archive.get('archive/weekly/2026/2026-W47/report.html'))!)).toBe(
      first.weekly.manifest.files[0]!.sha256,
    );

    // A run that stopped half way through v3 (files, no manifest): the next run writes v4 and says why.
    await archive.putIfAbsent('archive/weekly/2026/2026-W47/v3/report.html', Buffer.from('partial'), 'text/html');
    const v4 = await archiveWeek(archive, input('2026-11-22', { runId: 'after-crash', reason: 'rerun' }));
    expect(v4.weekly.version).toBe(4);
    expect(v4.weekly.manifest.regeneration).toMatchObject({
      previousVersion: 3,
      supersedes: 'archive/weekly/2026/2026-W47/v2/manifest.json',
    });
    expect(v4.weekly.manifest.regeneration!.reason).toMatch(/version 3 was left incomplete.*rerun/);
    expect((await fetchPack(archive, '2026-W47')).manifest.version).toBe(4);
    expect((await fetchPack(archive, '2026-W47', { version: 1 })).mismatched).toEqual([]);
    await expect(fetchPack(archive, '2026-W47', { version: 3 })).rejects.toThrow(ArchiveError);
  });
});

describe('quarter end and the index', () => {
  let archive: S3Archive;
  beforeAll(async () => {
    archive = await freshArchive();
    await archiveWeek(archive, input('2026-04-26'));
    const out = await archiveWeek(archive, input('2026-05-03'));
    expect(out.quarterly).toBeDefined();
    await archiveWeek(archive, input('2026-11-22'));
  });

  it('writes a quarter-end pack for FY2027-Q1 (February fiscal year) with the whole quarter bridge', async () => {
    const q = await fetchPack(archive, 'FY2027-Q1');
    expect(q.mismatched).toEqual([]);
    expect(q.manifest).toMatchObject({
      kind: 'quarterly',
      period: 'FY2027-Q1',
      asOf: '2026-04-30',
      quarter: { label: 'FY2027-Q1', start: '2026-02-01', end: '2026-04-30' },
    });
    expect(q.files.map((f) => f.name)).toContain(workbookName({ kind: 'quarterly', period: 'FY2027-Q1' }));
    const quarter = kpisAt(ctx, '2026-04-30').arrBridgeQtd;
    expect(quarter).toMatchObject({ from: '2026-02-01', to: '2026-04-30' });
    expect(q.manifest.headline.qtdNetNewArr).toBe((quarter.close - quarter.open) / 100);
    const csv = Buffer.from(q.files.find((f) => f.name === 'arr-bridge.csv')!.body).toString('utf8');
    expect(csv).toContain('quarter,2026-02-01,2026-04-30,');
  });

  it('lists every pack, newest first, on archive/index.html and the year pages', async () => {
    const packs = await listPacks(archive);
    expect(packs.map((p) => p.manifest.period)).toEqual(['2026-W47', '2026-W18', 'FY2027-Q1', '2026-W17']);
    const index = Buffer.from((await archive.get('archive/index.html'))!).toString('utf8');
    for (const p of ['2026-W47', '2026-W18', '2026-W17', 'FY2027-Q1']) expect(index).toContain(`>${p}<`);
    expect(index).toContain('href="weekly/2026/2026-W18/pulse-2026-W18.xlsx"');
    expect(index).toContain('href="quarterly/FY2027-Q1/report.html"');
    const year = Buffer.from((await archive.get('archive/weekly/2026/index.html'))!).toString('utf8');
    expect(year).toContain('href="2026-W47/accounts.csv"');
  });
});

describe('durable links through the loopback download endpoint ("access": "link", the opt-out)', () => {
  let archive: S3Archive;
  let server: DownloadServer;
  const key = 'k'.repeat(40);
  beforeAll(async () => {
    archive = await freshArchive();
    await archiveWeek(archive, input('2026-11-22'));
    server = await startDownloadServer({
      deps: {
        presigner: archive,
        signingKeys: async () => [key],
        policy: {
          mode: 'link',
          readers: { finance: [], ceo: [], cco: [] },
          askWhom: [],
          sessionHours: 8,
          companyName: 'Test',
          from: 'pulse@test.example',
        },
        links: new MemoryLinkStore(),
        audit: new MemoryAuditLog(),
        codes: new MemoryCodeStore(),
        limiter: new MemoryRateLimiter(),
      },
      port: 0,
    });
  });
  afterAll(() => server?.close());

  it('redirects a signed link to a presigned URL that downloads the exact bytes of the manifest', async () => {
    const link = linkMaker(server.url, key, 14)('archive/weekly/2026/2026-W47/renewals.csv');
    const res = await fetch(link, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/X-Amz-Expires=300/);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="renewals.csv"');
    const body = new Uint8Array(await file.arrayBuffer());
    const entry = (await fetchPack(archive, '2026-W47')).manifest.files.find((f) => f.name === 'renewals.csv')!;
    expect(sha256Hex(body)).toBe(entry.sha256);
  });

  it('serves a clear 403 page for a tampered, expired or foreign link', async () => {
    const good = linkMaker(server.url, key, 14)('archive/index.html');
    const tampered = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
    const expired = linkMaker(server.url, key, 1, new Date(Date.now() - 3 * 86_400_000))('archive/index.html');
    const foreign = linkMaker(server.url, 'f'.repeat(40), 14)('archive/index.html');
    for (const [link, text] of [
      [tampered, 'not valid'],
      [expired, 'has expired'],
      [foreign, 'not valid'],
    ] as const) {
      const res = await fetch(link, { redirect: 'manual' });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(text);
    }
    expect((await fetch(good, { redirect: 'manual' })).status).toBe(302);
  });
});
