// What `import { z } from 'zod'` resolves to in the Lambda bundles (esbuild --alias:zod, see
// lib/constructs/pulse-function.ts BUNDLE_ALIASES): zod's own `zod` entry (v4/classic/external.js)
// without its two namespace re-exports that hold every locale (`locales` and `core`, which
// re-exports `locales`). `import { z }` hands esbuild the whole namespace object, so it cannot
// tree-shake them (~260 KB). The English messages are unchanged: zod registers `en` itself when the
// first schema is built (v4/classic/schemas.js). Neither `z.locales` nor `z.core` is available in
// a bundle. Mirrors node_modules/zod/v4/classic/external.js of zod 4.6; a zod upgrade that moves
// these files fails the bundling (unresolved import), it does not fail silently.
export * from '../../node_modules/zod/v4/classic/schemas.js';
export * from '../../node_modules/zod/v4/classic/checks.js';
export * from '../../node_modules/zod/v4/classic/errors.js';
export * from '../../node_modules/zod/v4/classic/parse.js';
export * from '../../node_modules/zod/v4/classic/compat.js';
export {
  globalRegistry,
  registry,
  config,
  memoizer,
  $output,
  $input,
  $brand,
  clone,
  regexes,
  treeifyError,
  prettifyError,
  formatError,
  flattenError,
  TimePrecision,
  util,
  NEVER,
  INVALID,
  toZod,
  compile,
  withParser,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
  getDiscriminatedOption,
} from '../../node_modules/zod/v4/core/index.js';
export { toJSONSchema } from '../../node_modules/zod/v4/core/json-schema-processors.js';
export { fromJSONSchema } from '../../node_modules/zod/v4/classic/from-json-schema.js';
export { deepPartial } from '../../node_modules/zod/v4/classic/deep-partial.js';
// Types and values both, from one module — re-exporting the types from core would collide.
export { input, output } from '../../node_modules/zod/v4/classic/in-out.js';
// iso must be exported from top-level https://github.com/colinhacks/zod/issues/4491
export { ZodISODateTime, ZodISODate, ZodISOTime, ZodISODuration } from '../../node_modules/zod/v4/classic/iso.js';
export * as iso from '../../node_modules/zod/v4/classic/iso.js';
export * as coerce from '../../node_modules/zod/v4/classic/coerce.js';
