// The chart renderer's two binary assets (resvg's wasm, 2.4 MB, and the Inter font, 0.33 MB) as
// the weekly-report Lambda ships them: brotli-compressed (0.66 MB and 0.12 MB), decompressed once
// per process by charts.ts before the first chart. Node built-ins only, so the CDK app can import
// the names and the compression without loading vega or resvg.
//
// - Build time: `compressedAssetFile` is the one way an asset becomes its `.br` file; the stack's
//   bundling (`bundleAssetSource` in lib/constructs/pulse-function.ts, `prepare: 'brotli'`) and the
//   benchmark both go through it. The result is cached in the OS temp folder under a hash of the
//   input, because brotli's best quality takes seconds for the wasm.
// - Run time: `decompressAsset` (charts.ts reads `<name>.br` before `<name>`).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** The file names the renderer looks for (in `assetsDir`, then beside the bundle). */
export const WASM_FILE = 'resvg.wasm';
export const FONT_FILE = 'chart-font.ttf';
/** A compressed asset is `<name>.br`; the renderer prefers it to `<name>` in the same folder. */
export const BROTLI_SUFFIX = '.br';

/** Bump when the compression changes, so cached files are rebuilt. */
const VERSION = 1;

/** Brotli at its best quality (11): ~14 s for the wasm on a busy 2-core machine, once (cached). */
export function compressAsset(bytes: Uint8Array): Buffer {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/** The original bytes of a compressed asset (about 20 ms for the wasm). */
export function decompressAsset(bytes: Uint8Array): Uint8Array {
  const out = brotliDecompressSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * `source` compressed, as `<basename>.br` in a folder under the OS temp dir named by a hash of its
 * bytes (compressed once; an unchanged source reuses it). Build time only.
 */
export function compressedAssetFile(source: string): string {
  const bytes = readFileSync(source);
  const hash = createHash('sha256').update(`v${VERSION}\0`).update(bytes).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `pulse-assets-${hash}`);
  const file = join(dir, `${basename(source)}${BROTLI_SUFFIX}`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, compressAsset(bytes));
  renameSync(tmp, file);
  return file;
}
