// The quarter-end board pack as a reader gets it: the PDF drawn by pdfkit, its text read back with
// poppler's pdftotext (the headline figures equal the KPI engine's as of the quarter's last day),
// every page rendered with pdftoppm and not blank; and the quarter-end archive pack that holds it
// (in the manifest with its SHA-256, linked from the index). Skips, saying why, without poppler.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoardPackRenderer } from '../../functions/adapters/render/board-pack-pdf';
import { createChartRenderer } from '../../functions/adapters/render/charts';
import { archiveWeek } from '../../functions/app/archive-week';
import { BoardPackError, boardPackOf, completeQuarter, makeBoardPack } from '../../functions/app/board-pack';
import { configHash, INDEX_KEY, sha256Hex } from '../../functions/domain/archive';
import type { Dataset } from '../../functions/domain/contract/validate';
import { kpisAt, prepareKpiContext, resolveAsOf } from '../../functions/domain/kpi';
import { fiscalPeriod } from '../../functions/domain/plan';
import type { ArchiveStore } from '../../functions/ports/archive';
import type { BoardPackRenderer } from '../../functions/ports/board-pack-renderer';
import { demoDataset, SETTINGS } from '../unit/archive/fixtures';

const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdftoppm', ['-v']).status === 0;
if (!hasPoppler)
  console.warn(
    'board pack PDF tests skipped: pdftotext/pdftoppm (poppler-utils) are missing (run: node scripts/setup.mjs)',
  );

// FY2027-Q3 (fiscal year from February) is 2026-08-01 .. 2026-10-31; the data runs past it.
const QUARTER = fiscalPeriod('FY2027-Q3', SETTINGS.fiscalYearStartMonth)!;
const ANNOTATIONS = [
  { date: '2026-10-14', text: 'Price increase on the Pro plan' },
  { date: '2026-08-20', text: 'Churn review with the Enterprise team', metric: 'grr' as const },
];
const TARGETS = [
  { metric: 'arr' as const, period: 'FY2027-Q3', value: 1_000_000_00 },
  { metric: 'nrr' as const, period: 'FY2027-Q3', value: 1.1 },
];
const data = { ...demoDataset('2026-11-23'), annotations: ANNOTATIONS, targets: TARGETS } as Dataset;
const settings = { kpi: SETTINGS, companyName: 'Northwind Cloud', locale: 'en-US' };

/** As `pulse kpis` prints them: whole dollars, ratios to one decimal of a percent. */
const dollars = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(cents / 100);
const pct = (v: number | null) => `${((v ?? Number.NaN) * 100).toFixed(1)}%`;

let dir: string;
let renderer: BoardPackRenderer;
let pdf: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-board-pack-'));
  renderer = await createBoardPackRenderer({ charts: await createChartRenderer() });
  pdf = (await boardPackOf(renderer, settings, data, QUARTER, '2026-11-02T07:00:00.000Z')).pdf;
  await writeFile(join(dir, 'pack.pdf'), pdf);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the board pack PDF', () => {
  it.skipIf(!hasPoppler)(
    "holds the quarter's closing ARR, NRR and GRR as the KPI engine computes them on its last day",
    () => {
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'pack.pdf'), '-'], { encoding: 'utf8' });
      // As `pulse kpis --as-of <the quarter's last day>` computes them: the quarter's last complete week.
      const k = kpisAt(prepareKpiContext(data, SETTINGS), resolveAsOf(QUARTER.end, SETTINGS.weekStartsOn));
      const page1 = text.split('\f')[0]!;
      expect(page1).toContain('Headline KPIs');
      expect(page1).toContain(dollars(k.arrBridge.close));
      expect(page1).toContain(pct(k.retention.nrr));
      expect(page1).toContain(pct(k.retention.grr));
      // The quarter's bridge closes on the same ARR, and the sections are all there.
      expect(text.split('\f')[1]).toMatch(new RegExp(`Closing ARR\\s+\\${dollars(k.arrBridge.close)}`));
      for (const title of [
        'ARR bridge, FY2027-Q3',
        'Cohorts: revenue retained',
        'Renewals',
        'Forecast and attainment',
        'Segments',
        'Annotations',
      ])
        expect(text).toContain(title);
      expect(text).toMatch(/Backtest error at 90 days: ±\d+\.\d% mean absolute percentage error/);
      expect(text).toContain('Price increase on the Pro plan');
      expect(text).toContain('Churn review with the Enterprise team');
      expect(text).toContain('Page 7 of 7');
    },
  );

  it.skipIf(!hasPoppler)('embeds the report font and renders seven landscape pages, none blank', async () => {
    const fonts = execFileSync('pdffonts', [join(dir, 'pack.pdf')], { encoding: 'utf8' });
    expect(fonts).toMatch(/Inter-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).not.toMatch(/Helvetica/);
    execFileSync('pdftoppm', ['-r', '40', '-png', join(dir, 'pack.pdf'), join(dir, 'page')]);
    const pages = (await readdir(dir)).filter((f) => f.startsWith('page') && f.endsWith('.png')).sort();
    expect(pages).toHaveLength(7);
    for (const page of pages) {
      const png = await readFile(join(dir, page));
      // A landscape page (width > height, from the PNG header) with more than a blank page's bytes.
      expect(png.readUInt32BE(16)).toBeGreaterThan(png.readUInt32BE(20));
      expect(png.byteLength).toBeGreaterThan(8_000);
    }
  });

  it('refuses a label that is no quarter and a quarter that has not ended', async () => {
    expect(() => completeQuarter('FY2027', 2, '2026-12-07')).toThrow(BoardPackError);
    expect(() => completeQuarter('2026-Q3', 2, '2026-12-07')).toThrow(/not a fiscal quarter/);
    expect(() => completeQuarter('FY2027-Q4', 2, '2026-12-07')).toThrow(
      /FY2027-Q4 \(2026-11-01 \.\. 2027-01-31\) is not over yet/,
    );
    expect(completeQuarter('FY2027-Q3', 2, '2026-11-01')).toMatchObject({ start: '2026-08-01', end: '2026-10-31' });
    let loaded = false;
    const deps = {
      loadDataset: async () => ((loaded = true), data),
      renderer,
      now: () => new Date('2026-10-31T12:00:00Z'),
    };
    await expect(makeBoardPack(deps, { ...settings, timeZone: 'UTC' }, 'FY2027-Q3')).rejects.toThrow(/not over yet/);
    expect(loaded).toBe(false);
  });
});

/** An archive bucket in memory, with S3's conditional put. */
class MemoryArchive implements ArchiveStore {
  readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();
  async putIfAbsent(key: string, body: Uint8Array, contentType: string) {
    if (this.objects.has(key)) return false;
    this.objects.set(key, { body: new Uint8Array(body), contentType });
    return true;
  }
  async put(key: string, body: Uint8Array, contentType: string) {
    this.objects.set(key, { body: new Uint8Array(body), contentType });
  }
  async get(key: string) {
    return this.objects.get(key)?.body;
  }
  async list(prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

describe('the quarter-end archive pack', () => {
  it('holds the board pack PDF, listed in the manifest with its SHA-256 and linked from the index', async () => {
    const archive = new MemoryArchive();
    // The week 2026-10-26 .. 2026-11-01 holds FY2027-Q3's last day.
    const out = await archiveWeek(archive, {
      data,
      settings: SETTINGS,
      asOf: '2026-11-01',
      report: { html: '<html><body>report</body></html>' },
      runId: 'test',
      generatedAt: '2026-11-02T07:00:00.000Z',
      configHash: configHash({}),
      companyName: 'Northwind Cloud',
      locale: 'en-US',
      boardPack: renderer,
    });
    expect(out.quarterly?.ref.period).toBe('FY2027-Q3');
    const entry = out.quarterly!.manifest.files.find((f) => f.name === 'board-pack-FY2027-Q3.pdf')!;
    expect(entry).toMatchObject({
      key: 'archive/quarterly/FY2027-Q3/board-pack-FY2027-Q3.pdf',
      contentType: 'application/pdf',
    });
    const stored = archive.objects.get(entry.key)!.body;
    expect(stored.byteLength).toBe(entry.bytes);
    expect(sha256Hex(stored)).toBe(entry.sha256);
    expect(Buffer.from(stored.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    // The weekly pack has none; the index links the quarter's PDF.
    expect(out.weekly.manifest.files.some((f) => f.name.endsWith('.pdf'))).toBe(false);
    const index = Buffer.from(archive.objects.get(INDEX_KEY)!.body).toString('utf8');
    expect(index).toContain('quarterly/FY2027-Q3/board-pack-FY2027-Q3.pdf');
    if (hasPoppler) {
      await writeFile(join(dir, 'archived.pdf'), stored);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'archived.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain(
        dollars(
          kpisAt(prepareKpiContext(data, SETTINGS), resolveAsOf(QUARTER.end, SETTINGS.weekStartsOn)).arrBridge.close,
        ),
      );
    }
  }, 180_000);
});
