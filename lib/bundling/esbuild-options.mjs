// The esbuild options every Pulse bundle starts from: the Lambda functions (lib/constructs/pulse-function.ts,
// the benchmark and the bundle tests) and the `pulse` CLI (scripts/build-cli.mjs, which adds only what a
// CLI needs). Plain JavaScript so that the CLI build runs with node alone, before anything is compiled.
import { fileURLToPath } from 'node:url';

/** The Lambda runtime of every function (lib/constructs/pulse-function.ts: Runtime.NODEJS_24_X). */
export const LAMBDA_NODE_TARGET = 'node24';

/**
 * ESM bundles cannot `require()`; a CommonJS dependency bundled into one (several AWS SDK and
 * csv helpers still are) would throw "Dynamic require of X is not supported" without this banner.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * esbuild `alias` of every bundle: `zod` without the locales it would otherwise bundle in full
 * (lib/bundling/zod-external.js; English messages unchanged).
 */
export const BUNDLE_ALIASES = Object.freeze({
  zod: fileURLToPath(new URL('./zod.js', import.meta.url)),
});

/** Minified ESM for Node, dependencies bundled, for the Lambda runtime. */
export const BUNDLE_ESBUILD_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  target: LAMBDA_NODE_TARGET,
  format: 'esm',
  minify: true,
  mainFields: Object.freeze(['module', 'main']),
  banner: Object.freeze({ js: ESM_REQUIRE_BANNER }),
  alias: BUNDLE_ALIASES,
});
