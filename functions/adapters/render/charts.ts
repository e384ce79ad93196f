// Charts for email: a vega spec (chart-specs.ts) -> SVG in Node with no canvas -> PNG rasterised by
// resvg compiled to WebAssembly, with an explicitly loaded TTF (Lambda has no system fonts, and
// resvg draws no text without font data). Everything here is architecture-independent, so a bundle
// built on x64 runs on arm64 Lambda. The Lambda ships the wasm and the font brotli-compressed
// (chart-assets.ts); they are decompressed once, when the renderer is created. See docs/charts.md.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as vega from 'vega';
import {
  trendAlt,
  trendSpec,
  waterfallAlt,
  waterfallSpec,
  type TrendChartPoint,
  type TrendChartSeries,
  type TrendOptions,
  type WaterfallInput,
  type WaterfallOptions,
} from './chart-specs';
import { BROTLI_SUFFIX, decompressAsset, FONT_FILE, WASM_FILE } from './chart-assets';

export * from './chart-specs';

/** The file names looked for in `assetsDir` (and next to the bundle), each also as `<name>.br`. */
export { FONT_FILE, WASM_FILE };

/** For local runs: where the same files are in node_modules. */
const WASM_MODULE = '@resvg/resvg-wasm/index_bg.wasm';
const FONT_MODULE = '@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf';

export interface Chart {
  /** The PNG, `width * scale` x `height * scale` pixels, RGBA with a transparent background. */
  png: Buffer;
  /** Logical (CSS) size: use these for the email's `<img width height>`. */
  width: number;
  height: number;
  /** Pixels per logical pixel in `png` (2 = retina). */
  scale: number;
  /** One sentence with the key figures, for the `alt` attribute. */
  alt: string;
}

export interface Raster {
  width: number;
  height: number;
  /** RGBA, row-major. */
  pixels: Uint8Array;
  png: Buffer;
}

export interface ChartRendererOptions {
  /** resvg's `index_bg.wasm` bytes. Default: `assetsDir`, then next to this module/bundle, then node_modules. */
  wasm?: Uint8Array | Buffer;
  /** A TrueType/OpenType font. Default: as for `wasm`; node_modules has Inter Regular. */
  font?: Uint8Array | Buffer;
  /** A directory holding `resvg.wasm` and `chart-font.ttf` (or brotli `resvg.wasm.br`, `chart-font.ttf.br`), looked in first. */
  assetsDir?: string;
  /** Output pixels per logical pixel (default 2: a 600 x 300 chart is a 1200 x 600 PNG). */
  scale?: number;
}

export interface ChartRenderer {
  /** The ARR bridge as a waterfall: open, increases (green), decreases (red), close. */
  arrWaterfall(input: WaterfallInput, opts: WaterfallOptions): Promise<Chart>;
  /** A weekly line chart (e.g. 13 weeks of closing ARR, or NRR and GRR as percents); nulls are gaps. */
  trendLines(points: TrendChartPoint[], series: TrendChartSeries[], opts: TrendOptions): Promise<Chart>;
  /** Any vega spec to a PNG of the given logical size. */
  renderSpec(spec: vega.Spec, alt: string): Promise<Chart>;
  /** Low level: SVG to pixels. `text: false` rasterises without the font (no text is drawn). */
  rasterize(svg: string, opts?: { text?: boolean }): Raster;
}

// initWasm may be called once per process (a second call throws "Already initialized"), so every
// renderer shares one initialisation; the first caller's bytes win.
let wasmReady: Promise<void> | undefined;

function ensureWasm(load: () => Promise<Uint8Array>): Promise<void> {
  wasmReady ??= (async () => {
    try {
      await initWasm(await load());
    } catch (err) {
      // Someone else in this process initialised it: fine.
      if (err instanceof Error && /already initialized/i.test(err.message)) return;
      throw err;
    }
  })().catch((err: unknown) => {
    wasmReady = undefined; // let a later call retry (e.g. with the right assetsDir)
    throw err;
  });
  return wasmReady;
}

/** Reads the first of `candidates` that exists; a `.br` file is decompressed. */
async function readFirst(what: string, candidates: string[]): Promise<Uint8Array> {
  for (const path of candidates) {
    try {
      const bytes = new Uint8Array(await readFile(path));
      return path.endsWith(BROTLI_SUFFIX) ? decompressAsset(bytes) : bytes;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR')
        throw err;
    }
  }
  throw new Error(`charts: no ${what} found; looked in ${candidates.join(', ')}`);
}

function candidates(file: string, moduleSpecifier: string, assetsDir: string | undefined): string[] {
  const out: string[] = [];
  // In each folder the compressed file first: the stack copies only that one.
  const inDir = (dir: string) => out.push(join(dir, `${file}${BROTLI_SUFFIX}`), join(dir, file));
  if (assetsDir) inDir(assetsDir);
  // In Lambda the bundle sits in LAMBDA_TASK_ROOT with the assets copied beside it.
  inDir(dirname(fileURLToPath(import.meta.url)));
  try {
    out.push(createRequire(import.meta.url).resolve(moduleSpecifier));
  } catch {
    // not installed here (a bundle outside the project)
  }
  return out;
}

/** The charts' font (Inter), found where the renderer finds it: also the board pack's font. */
export function loadChartFont(assetsDir?: string): Promise<Uint8Array> {
  return readFirst('chart font', candidates(FONT_FILE, FONT_MODULE, assetsDir));
}

/** Vega spec -> SVG string, without a canvas (text sizes are estimated, which the specs allow for). */
export async function specToSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Initialises resvg-wasm (once per process) and loads the font (once per renderer). Create one
 * renderer per process and reuse it: a warm chart is tens of milliseconds.
 */
export async function createChartRenderer(opts: ChartRendererOptions = {}): Promise<ChartRenderer> {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`scale must be in (0, 8] (got ${scale})`);
  const [, font] = await Promise.all([
    ensureWasm(async () =>
      opts.wasm
        ? new Uint8Array(opts.wasm)
        : readFirst('resvg wasm', candidates(WASM_FILE, WASM_MODULE, opts.assetsDir)),
    ),
    opts.font
      ? Promise.resolve(new Uint8Array(opts.font))
      : readFirst('chart font', candidates(FONT_FILE, FONT_MODULE, opts.assetsDir)),
  ]);

  function rasterize(svg: string, ropts: { text?: boolean } = {}): Raster {
    const resvg = new Resvg(svg, {
      font: {
        fontBuffers: ropts.text === false ? [] : [font],
        loadSystemFonts: false,
        defaultFontFamily: 'Inter',
        sansSerifFamily: 'Inter',
      },
      // No background: transparent pixels show the e-mail's own, light or dark (chart-specs.ts COLORS).
      fitTo: { mode: 'zoom', value: scale },
      shapeRendering: 2,
      textRendering: 1,
    });
    try {
      const image = resvg.render();
      try {
        return { width: image.width, height: image.height, pixels: image.pixels, png: Buffer.from(image.asPng()) };
      } finally {
        image.free();
      }
    } finally {
      resvg.free();
    }
  }

  async function renderSpec(spec: vega.Spec, alt: string): Promise<Chart> {
    const svg = await specToSvg(spec);
    const raster = rasterize(svg);
    return {
      png: raster.png,
      width: Math.round(raster.width / scale),
      height: Math.round(raster.height / scale),
      scale,
      alt,
    };
  }

  return {
    rasterize,
    renderSpec,
    arrWaterfall: (input, o) => renderSpec(waterfallSpec(input, o), waterfallAlt(input, o)),
    trendLines: (points, series, o) => renderSpec(trendSpec(points, series, o), trendAlt(points, series, o)),
  };
}
