import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  createChartRenderer,
  moneyTickLabels,
  niceTicks,
  percentTickLabels,
  specToSvg,
  trendAlt,
  trendSpec,
  waterfallAlt,
  waterfallLayout,
  waterfallSpec,
  type ChartRenderer,
  type TrendChartPoint,
  type TrendChartSeries,
  type WaterfallInput,
} from '../../functions/adapters/render/charts';
import {
  compressedAssetFile,
  decompressAsset,
  FONT_FILE,
  WASM_FILE,
} from '../../functions/adapters/render/chart-assets';
import { bundleAssetSource } from '../../lib/constructs/pulse-function';
import { REPORT_BUNDLE_ASSETS } from '../../lib/pulse-stack';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const ROOT = resolve(import.meta.dirname, '../..');
const WASM_SOURCE = require.resolve('@resvg/resvg-wasm/index_bg.wasm');
const FONT_SOURCE = require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf');
const USD = { currency: 'USD', locale: 'en-US' };
const M = 1_000_000_00; // $1M in cents
const K = 1_000_00; // $1K in cents

const WEEK: WaterfallInput = {
  open: 12_345_678_00,
  new: 84_000_00,
  reactivation: 12_500_00,
  expansion: 41_200_00,
  contraction: 9_100_00,
  churn: 30_400_00,
  close: 12_443_878_00,
};
const ZERO_MOVES: WaterfallInput = {
  open: 12 * M,
  new: 0,
  reactivation: 0,
  expansion: 0,
  contraction: 0,
  churn: 0,
  close: 12 * M,
};
const ONLY_CHURN: WaterfallInput = { ...ZERO_MOVES, churn: 250 * K, close: 12 * M - 250 * K };
const HUGE: WaterfallInput = {
  open: 100 * M,
  new: 2.5 * M,
  reactivation: 0,
  expansion: 1.2 * M,
  contraction: 300 * K,
  churn: 900 * K,
  close: 102.5 * M,
};

const WEEKS = Array.from({ length: 13 }, (_, i) => `2026-W${35 + i}`);
const RETENTION: TrendChartPoint[] = WEEKS.map((label, i) => ({
  label,
  values: {
    nrr: i === 2 ? null : 1.02 + i * 0.002,
    grr: i === 2 || i === 5 ? null : 0.91 + i * 0.001,
  },
}));
const RETENTION_SERIES: TrendChartSeries[] = [
  { key: 'nrr', name: 'NRR', format: 'percent' },
  { key: 'grr', name: 'GRR', format: 'percent' },
];

// ---------------------------------------------------------------------------------------------
// PNG and pixel helpers (the renderer's raw RGBA pixels; the PNG bytes through test/support/png.ts)

function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pixels with something drawn on them (the background is transparent): alpha above 6%. */
function painted(pixels: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 15) n++;
  return n;
}

function differing(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) n++;
  }
  return n;
}

function transparentShare(pixels: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] === 0) n++;
  return n / (pixels.length / 4);
}

// ---------------------------------------------------------------------------------------------
// Pure specs

describe('waterfall layout (pure)', () => {
  it('stacks increases up from open and decreases down to close', () => {
    const { bars, truncated, domain } = waterfallLayout(WEEK, USD);
    expect(bars.map((b) => [b.key, b.kind])).toEqual([
      ['open', 'total'],
      ['new', 'increase'],
      ['reactivation', 'increase'],
      ['expansion', 'increase'],
      ['contraction', 'decrease'],
      ['churn', 'decrease'],
      ['close', 'total'],
    ]);
    const byKey = Object.fromEntries(bars.map((b) => [b.key, b]));
    expect(byKey.new).toMatchObject({ lo: WEEK.open, hi: WEEK.open + WEEK.new, text: '+$84K' });
    expect(byKey.contraction?.hi).toBe(WEEK.open + WEEK.new + WEEK.reactivation + WEEK.expansion);
    expect(byKey.churn).toMatchObject({ lo: WEEK.close, value: -WEEK.churn, text: '-$30K' });
    // Movements under 1% of ARR: the axis is truncated so they are visible, and marked as such.
    expect(truncated).toBe(true);
    expect(domain[0]).toBeGreaterThan(0);
    expect(domain[0]).toBeLessThan(WEEK.close);
    // Totals with three significant digits, as the e-mail's text prints money (more only when open and close would read the same).
    expect(byKey.open?.text).toBe('$12.3M');
    expect(byKey.close?.text).toBe('$12.4M');
  });

  it('zero movements: flat bars at the open level, a zero-based axis', () => {
    const { bars, truncated, domain } = waterfallLayout(ZERO_MOVES, USD);
    for (const b of bars.filter((x) => x.kind !== 'total')) {
      expect(b.lo).toBe(12 * M);
      expect(b.hi).toBe(12 * M);
      expect(b.text).toBe('$0');
    }
    expect(truncated).toBe(false);
    expect(domain).toEqual([0, 12 * M]);
    expect(waterfallAlt(ZERO_MOVES, USD)).toBe(
      'ARR bridge: opening ARR $12M, no movements, closing ARR $12M (net $0).',
    );
  });

  it('only churn: one red bar from open down to close', () => {
    const { bars } = waterfallLayout(ONLY_CHURN, USD);
    const churn = bars.find((b) => b.key === 'churn');
    expect(churn).toMatchObject({ kind: 'decrease', lo: ONLY_CHURN.close, hi: ONLY_CHURN.open, text: '-$250K' });
    expect(waterfallAlt(ONLY_CHURN, USD)).toBe(
      'ARR bridge: opening ARR $12M, churn -$250K, closing ARR $11.8M (net -$250K).',
    );
  });

  it('all ARR churned: a zero-based axis down to $0', () => {
    const all = { ...ZERO_MOVES, churn: 12 * M, close: 0 };
    const { bars, truncated, domain } = waterfallLayout(all, USD);
    expect(truncated).toBe(false);
    expect(domain[0]).toBe(0);
    expect(bars.at(-1)).toMatchObject({ key: 'close', lo: 0, hi: 0, text: '$0' });
  });

  it('huge values ($100M) keep compact labels', () => {
    const { bars } = waterfallLayout(HUGE, USD);
    expect(bars.map((b) => b.text)).toEqual(['$100M', '+$2.5M', '$0', '+$1.2M', '-$300K', '-$900K', '$103M']);
    expect(waterfallAlt(HUGE, USD)).toBe(
      'ARR bridge: opening ARR $100M, new +$2.5M, expansion +$1.2M, contraction -$300K and churn -$900K, closing ARR $103M (net +$2.5M).',
    );
  });

  it('contraction and churn are decreases whatever their sign in the input', () => {
    const positive = waterfallLayout(WEEK, USD);
    const negative = waterfallLayout({ ...WEEK, contraction: -WEEK.contraction, churn: -WEEK.churn }, USD);
    expect(negative).toEqual(positive);
    for (const b of positive.bars.filter((x) => x.kind === 'decrease')) {
      expect(b.value).toBeLessThan(0);
      expect(b.hi).toBeGreaterThan(b.lo);
      expect(b.text.startsWith('-')).toBe(true);
    }
  });

  it('formats with the configured currency and locale', () => {
    const eur = waterfallLayout(HUGE, { currency: 'EUR', locale: 'de-DE' });
    // CLDR puts no-break spaces in German currency amounts.
    expect(eur.bars[0]?.text).toBe('100\u00a0Mio.\u00a0€');
    expect(eur.bars[1]?.text).toBe('+2,5\u00a0Mio.\u00a0€');
  });

  it('rejects non-finite figures', () => {
    expect(() => waterfallLayout({ ...WEEK, churn: Number.NaN }, USD)).toThrow(RangeError);
  });

  it('alt text is one sentence with the formatted figures', () => {
    const alt = waterfallAlt(WEEK, { ...USD, title: 'ARR bridge, 2026-W47' });
    expect(alt).toBe(
      'ARR bridge, 2026-W47: opening ARR $12.3M, new +$84K, reactivation +$13K, expansion +$41K, contraction -$9.1K and churn -$30K, closing ARR $12.4M (net +$98K).',
    );
    expect(alt.match(/\./g)?.length).toBeGreaterThan(0);
    expect(alt.trim().endsWith('.')).toBe(true);
  });

  it('produces a fixed-size vega spec', () => {
    const spec = waterfallSpec(WEEK, { ...USD, title: 'ARR bridge' });
    const pad = spec.padding as { left: number; right: number; top: number; bottom: number };
    expect((spec.width as number) + pad.left + pad.right).toBe(CHART_WIDTH);
    expect((spec.height as number) + pad.top + pad.bottom).toBe(CHART_HEIGHT);
    expect(spec.autosize).toBe('none');
    // No background: the PNG is transparent (dark mode, see the rendering tests).
    expect(spec.background).toBeUndefined();
  });

  it("heads the chart with the net change as the e-mail's text prints it: compact money, percent to 0.01", () => {
    const net = WEEK.close - WEEK.open;
    const percent = new Intl.NumberFormat('en-US', {
      style: 'percent',
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
      signDisplay: 'exceptZero',
    }).format(net / WEEK.open);
    expect(percent).toMatch(/^\+\d+\.\d{2}%$/);
    expect(JSON.stringify(waterfallSpec(WEEK, { ...USD, title: 'ARR bridge' }))).toContain(`Net +$98K (${percent})`);
  });
});

describe('trend spec (pure)', () => {
  it('keeps nulls as gaps and labels the latest value of each series', () => {
    const spec = trendSpec(RETENTION, RETENTION_SERIES, USD);
    const data = Object.fromEntries((spec.data ?? []).map((d) => [d.name, d]));
    const rows = (data.points as { values: { i: number; key: string; value: number | null }[] }).values;
    expect(rows.filter((r) => r.value === null).map((r) => `${r.key}@${r.i}`)).toEqual(['nrr@2', 'grr@2', 'grr@5']);
    const ends = (data.ends as { values: { key: string; text: string }[] }).values;
    expect(ends.map((e) => [e.key, e.text]).sort()).toEqual([
      ['grr', '92.2%'],
      ['nrr', '104.4%'],
    ]);
    const lines = (spec.marks ?? []).filter((m) => m.type === 'line');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(JSON.stringify(l)).toContain('datum.value !== null');
  });

  it('keeps end labels of close series apart', () => {
    const points = WEEKS.map((label, i) => ({ label, values: { nrr: 0.95 + i * 0.001, grr: 0.95 + i * 0.00099 } }));
    const spec = trendSpec(points, RETENTION_SERIES, USD);
    const ends = (spec.data!.find((d) => d.name === 'ends') as { values: { y: number }[] }).values;
    expect(Math.abs((ends[0]?.y as number) - (ends[1]?.y as number))).toBeGreaterThanOrEqual(14);
  });

  it('draws an isolated value between gaps as a dot', () => {
    const points: TrendChartPoint[] = WEEKS.map((label, i) => ({
      label,
      values: { arr: i === 6 || i === 12 ? 10 * M : null },
    }));
    const spec = trendSpec(points, [{ key: 'arr', name: 'Closing ARR', format: 'money' }], USD);
    const rows = (spec.data!.find((d) => d.name === 'points') as { values: { i: number; dot: boolean }[] }).values;
    expect(rows.filter((r) => r.dot).map((r) => r.i)).toEqual([6, 12]);
  });

  it('alt text names each series with its first and latest values', () => {
    expect(trendAlt(RETENTION, RETENTION_SERIES, USD)).toBe(
      'NRR and GRR over 13 weeks (2026-W35 to 2026-W47): NRR from 102% to 104.4% and GRR from 91% to 92.2%.',
    );
    const arr: TrendChartPoint[] = WEEKS.map((label, i) => ({
      label,
      values: { arr: i < 2 ? null : 11 * M + i * 100 * K },
    }));
    expect(trendAlt(arr, [{ key: 'arr', name: 'Closing ARR', format: 'money' }], USD)).toBe(
      'Closing ARR over 13 weeks (2026-W35 to 2026-W47): from $11.2M to $12.2M.',
    );
    const empty = WEEKS.map((label) => ({ label, values: { arr: null } }));
    expect(trendAlt(empty, [{ key: 'arr', name: 'Closing ARR', format: 'money' }], USD)).toBe(
      'Closing ARR over 13 weeks (2026-W35 to 2026-W47): no data.',
    );
  });

  it('refuses series with different formats on one axis', () => {
    expect(() =>
      trendSpec(
        RETENTION,
        [RETENTION_SERIES[0] as TrendChartSeries, { key: 'arr', name: 'ARR', format: 'money' }],
        USD,
      ),
    ).toThrow(/same format/);
  });

  it('picks round ticks and distinct money labels', () => {
    expect(niceTicks(11.2, 12.35)).toEqual([11, 11.5, 12, 12.5]);
    expect(niceTicks(5, 5)).toEqual([4.6, 4.8, 5, 5.2, 5.4]);
    expect(moneyTickLabels([11 * M, 11.5 * M, 12 * M, 12.5 * M], 'USD', 'en-US')).toEqual([
      '$11.0M',
      '$11.5M',
      '$12.0M',
      '$12.5M',
    ]);
    expect(moneyTickLabels([0, 500 * K, 1 * M, 1.5 * M], 'USD', 'en-US')).toEqual(['$0', '$500K', '$1M', '$1.5M']);
    expect(percentTickLabels([0.945, 0.95, 0.955, 0.96], 'en-US')).toEqual(['94.5%', '95.0%', '95.5%', '96.0%']);
    expect(percentTickLabels([0.9, 0.95, 1, 1.05], 'en-US')).toEqual(['90%', '95%', '100%', '105%']);
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering

describe('chart rendering (resvg-wasm + Inter)', () => {
  let renderer: ChartRenderer;
  let coldMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    renderer = await createChartRenderer();
    coldMs = performance.now() - t0;
  });

  it('renders the waterfall as a 1200 x 600 transparent PNG with bars and text', async () => {
    const t0 = performance.now();
    const chart = await renderer.arrWaterfall(WEEK, { ...USD, title: 'ARR bridge' });
    const firstMs = performance.now() - t0;
    expect(chart).toMatchObject({ width: 600, height: 300, scale: 2 });
    expect(pngSize(chart.png)).toEqual({ width: 1200, height: 600 });
    expect(chart.alt).toContain('$12.3M');
    expect(chart.alt).toContain('+$84K');

    const svg = await specToSvg(waterfallSpec(WEEK, { ...USD, title: 'ARR bridge' }));
    const withFont = renderer.rasterize(svg);
    const withoutFont = renderer.rasterize(svg, { text: false });
    expect(withFont.width).toBe(1200);
    expect(transparentShare(withFont.pixels)).toBeGreaterThan(0.5);
    const inked = painted(withFont.pixels);
    expect(inked / (1200 * 600)).toBeGreaterThan(0.05);
    // The font is used: the same SVG without font data has no text, so thousands of pixels differ.
    expect(differing(withFont.pixels, withoutFont.pixels)).toBeGreaterThan(5_000);
    expect(painted(withoutFont.pixels)).toBeLessThan(inked);

    const t1 = performance.now();
    await renderer.arrWaterfall(WEEK, { ...USD, title: 'ARR bridge' });
    const warmMs = performance.now() - t1;
    console.info(
      `charts: init ${coldMs.toFixed(0)} ms, first waterfall ${firstMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms, PNG ${chart.png.length} bytes`,
    );
  });

  it('draws text only with the font', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-family="Inter" font-size="20">ARR $1.2M</text></svg>`;
    expect(painted(renderer.rasterize(svg).pixels)).toBeGreaterThan(200);
    expect(painted(renderer.rasterize(svg, { text: false }).pixels)).toBe(0);
  });

  it.each([
    ['zero movements', ZERO_MOVES],
    ['only churn', ONLY_CHURN],
    ['huge values', HUGE],
    ['negative-looking decreases', { ...WEEK, contraction: -WEEK.contraction, churn: -WEEK.churn }],
    ['no ARR at all', { open: 0, new: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, close: 0 }],
  ])('renders the waterfall with %s', async (_name, input) => {
    const chart = await renderer.arrWaterfall(input, USD);
    expect(pngSize(chart.png)).toEqual({ width: 1200, height: 600 });
    const raster = renderer.rasterize(await specToSvg(waterfallSpec(input, USD)));
    expect(painted(raster.pixels)).toBeGreaterThan(10_000);
  });

  it('renders a 13-week trend with gaps, and one with no data', async () => {
    const t0 = performance.now();
    const chart = await renderer.trendLines(RETENTION, RETENTION_SERIES, {
      ...USD,
      title: 'Net and gross revenue retention',
    });
    const ms = performance.now() - t0;
    expect(pngSize(chart.png)).toEqual({ width: 1200, height: 600 });
    expect(chart.alt).toContain('104.4%');
    const raster = renderer.rasterize(await specToSvg(trendSpec(RETENTION, RETENTION_SERIES, USD)));
    expect(painted(raster.pixels) / (1200 * 600)).toBeGreaterThan(0.01);

    const empty = WEEKS.map((label) => ({ label, values: { nrr: null } }));
    const none = await renderer.trendLines(empty, [RETENTION_SERIES[0] as TrendChartSeries], USD);
    expect(pngSize(none.png)).toEqual({ width: 1200, height: 600 });
    expect(none.alt).toBe('NRR over 13 weeks (2026-W35 to 2026-W47): no data.');
    console.info(`charts: trend ${ms.toFixed(0)} ms, PNG ${chart.png.length} bytes`);
  });

  it('honours scale and explicit bytes, and a second renderer reuses the initialised wasm', async () => {
    const wasm = await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
    const font = await readFile(require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'));
    const small = await createChartRenderer({ wasm, font, scale: 1 });
    const chart = await small.arrWaterfall(WEEK, USD);
    expect(chart).toMatchObject({ width: 600, height: 300, scale: 1 });
    expect(pngSize(chart.png)).toEqual({ width: 600, height: 300 });
  });

  it('looks in assetsDir first, and rejects a bad scale', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-charts-'));
    try {
      // A different font under the expected name: text comes out bolder than with the default.
      await copyFile(
        require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'),
        join(dir, 'chart-font.ttf'),
      );
      const bold = await createChartRenderer({ assetsDir: dir });
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-family="Inter" font-size="20">ARR $1.2M</text></svg>`;
      expect(painted(bold.rasterize(svg).pixels)).toBeGreaterThan(painted(renderer.rasterize(svg).pixels) * 1.1);
      await expect(createChartRenderer({ scale: 0 })).rejects.toThrow(RangeError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a brotli-compressed font (`chart-font.ttf.br`, preferred in its folder): the same PNG as the plain font', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-charts-br-'));
    try {
      await copyFile(compressedAssetFile(FONT_SOURCE), join(dir, `${FONT_FILE}.br`));
      // A plain file of another weight in the same folder loses to the compressed one.
      await copyFile(require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'), join(dir, FONT_FILE));
      const compressed = await createChartRenderer({ assetsDir: dir });
      const svg = await specToSvg(waterfallSpec(WEEK, { ...USD, title: 'ARR bridge' }));
      const a = compressed.rasterize(svg);
      const b = renderer.rasterize(svg);
      expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
      expect(a.png.equals(b.png)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the compressed chart assets (chart-assets.ts)', () => {
  it.each([
    ['resvg wasm', WASM_SOURCE, 0.3],
    ['Inter Regular', FONT_SOURCE, 0.4],
  ])(
    '%s: compressed once (cached by content), decompresses to the original bytes',
    async (_name, source, ratio) => {
      const file = compressedAssetFile(source);
      expect(file.endsWith('.br')).toBe(true);
      expect(compressedAssetFile(source)).toBe(file);
      const original = await readFile(source);
      const compressed = await readFile(file);
      expect(compressed.length).toBeLessThan(original.length * ratio);
      expect(Buffer.from(decompressAsset(compressed)).equals(original)).toBe(true);
    },
    120_000,
  );

  it('the stack ships both chart assets compressed, under the names the renderer looks for', () => {
    const shipped = REPORT_BUNDLE_ASSETS.filter((a) => a.prepare === 'brotli');
    expect(shipped.map((a) => a.target).sort()).toEqual([`${FONT_FILE}.br`, `${WASM_FILE}.br`]);
    expect(REPORT_BUNDLE_ASSETS.map((a) => a.target)).not.toContain(WASM_FILE);
    expect(REPORT_BUNDLE_ASSETS.map((a) => a.target)).not.toContain(FONT_FILE);
    expect(bundleAssetSource(ROOT, shipped.find((a) => a.target.startsWith(WASM_FILE))!)).toBe(
      compressedAssetFile(WASM_SOURCE),
    );
    expect(() =>
      bundleAssetSource(ROOT, {
        source: 'node_modules/@resvg/resvg-wasm/index_bg.wasm',
        target: 'resvg.wasm',
        prepare: 'brotli',
      }),
    ).toThrow(/must end in \.br/);
  });
});

// ---------------------------------------------------------------------------------------------
// The Lambda shape: one ESM bundle with resvg.wasm and chart-font.ttf beside it

describe('bundled with esbuild', () => {
  it('runs from a bundle outside the project with the assets next to it', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-charts-bundle-'));
    try {
      const chartsPath = resolve('functions/adapters/render/charts.ts');
      await writeFile(
        join(dir, 'entry.ts'),
        [
          `import { writeFileSync } from 'node:fs';`,
          `import { createChartRenderer } from ${JSON.stringify(chartsPath)};`,
          `const t0 = performance.now();`,
          `const renderer = await createChartRenderer(process.env.CHART_ASSETS ? { assetsDir: process.env.CHART_ASSETS } : {});`,
          `const t1 = performance.now();`,
          `const input = { open: 1234567800, new: 8400000, reactivation: 0, expansion: 4120000, contraction: 910000, churn: 3040000, close: 1243144800 };`,
          `const chart = await renderer.arrWaterfall(input, { currency: 'USD', locale: 'en-US', title: 'ARR bridge' });`,
          `const t2 = performance.now();`,
          `await renderer.arrWaterfall(input, { currency: 'USD', locale: 'en-US', title: 'ARR bridge' });`,
          `const t3 = performance.now();`,
          `writeFileSync(process.argv[2], chart.png);`,
          `console.log(JSON.stringify({ init: t1 - t0, first: t2 - t1, warm: t3 - t2, alt: chart.alt }));`,
        ].join('\n'),
      );
      const outfile = join(dir, 'out', 'index.mjs');
      await build({
        entryPoints: [join(dir, 'entry.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
      });
      const bundleBytes = (await stat(outfile)).size;
      expect(bundleBytes).toBeLessThan(5 * 1024 * 1024);

      // As the CDK stack lays it out: the assets beside the bundle.
      const outDir = join(dir, 'out');
      await copyFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm'), join(outDir, 'resvg.wasm'));
      await copyFile(
        require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
        join(outDir, 'chart-font.ttf'),
      );
      const png1 = join(dir, 'beside.png');
      const beside = await run(process.execPath, [outfile, png1], { cwd: dir });
      expect(pngSize(await readFile(png1))).toEqual({ width: 1200, height: 600 });

      // And from an explicit assetsDir.
      const assets = join(dir, 'assets');
      await run('mkdir', ['-p', assets]);
      await copyFile(join(outDir, 'resvg.wasm'), join(assets, 'resvg.wasm'));
      await copyFile(join(outDir, 'chart-font.ttf'), join(assets, 'chart-font.ttf'));
      await rm(join(outDir, 'resvg.wasm'));
      await rm(join(outDir, 'chart-font.ttf'));
      const png2 = join(dir, 'assets.png');
      const explicit = await run(process.execPath, [outfile, png2], {
        cwd: dir,
        env: { ...process.env, CHART_ASSETS: assets },
      });
      const png = await readFile(png2);
      expect(pngSize(png)).toEqual({ width: 1200, height: 600 });
      expect(png.length).toBeGreaterThan(10_000);

      // As the stack ships them (REPORT_BUNDLE_ASSETS, prepared by bundleAssetSource): brotli-compressed.
      // The same PNG, byte for byte, as from the plain files.
      for (const a of REPORT_BUNDLE_ASSETS.filter((x) => x.prepare === 'brotli'))
        await copyFile(bundleAssetSource(ROOT, a), join(outDir, a.target));
      const png3 = join(dir, 'compressed.png');
      const compressed = await run(process.execPath, [outfile, png3], { cwd: dir });
      expect((await readFile(png3)).equals(await readFile(png1))).toBe(true);
      expect((await readFile(png1)).equals(png)).toBe(true);
      for (const a of REPORT_BUNDLE_ASSETS.filter((x) => x.prepare === 'brotli')) await rm(join(outDir, a.target));

      // Without the assets the bundle says where it looked.
      await expect(run(process.execPath, [outfile, join(dir, 'none.png')], { cwd: dir })).rejects.toThrow(
        /no (resvg wasm|chart font) found; looked in/,
      );

      const t = JSON.parse(beside.stdout) as { init: number; first: number; warm: number };
      const t2 = JSON.parse(explicit.stdout) as { init: number; first: number; warm: number };
      const t3 = JSON.parse(compressed.stdout) as { init: number; first: number; warm: number };
      console.info(
        `charts bundle: ${(bundleBytes / 1024).toFixed(0)} KiB; cold init ${t.init.toFixed(0)}/${t2.init.toFixed(0)}/${t3.init.toFixed(0)} ms (beside/assetsDir/brotli), ` +
          `first chart ${t.first.toFixed(0)}/${t2.first.toFixed(0)}/${t3.first.toFixed(0)} ms, warm ${t.warm.toFixed(0)}/${t2.warm.toFixed(0)}/${t3.warm.toFixed(0)} ms`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
