#!/usr/bin/env node
// Builds the `pulse` CLI: bin/pulse.ts bundled by esbuild into dist/cli/ (git-ignored), so that no
// command compiles TypeScript when it starts. Runs on `npm install` (prepare), before `npm test` and
// `npm start`; bin/pulse-cli.mjs rebuilds on its own when a source is newer than the build, so the
// CLI never runs stale code. `node scripts/build-cli.mjs` builds by hand.
//
// The options are the Lambda bundles' (lib/bundling/esbuild-options.mjs) plus what a CLI needs:
//  - code splitting, each command's module a chunk loaded when the command runs (`pulse --help`
//    loads commander only);
//  - the dependencies left in node_modules (installed beside the CLI), not bundled;
//  - the Node version of package.json "engines" as the target (the CLI runs on the user's Node);
//  - source maps (enabled by bin/pulse-cli.mjs) so that stack traces name the .ts lines;
//  - `import.meta.url` of each module replaced by its source file's URL, so paths next to the
//    sources (templates/, the emulator scripts of lib/local, package.json) resolve as they do from
//    the source tree;
//  - the template builder (kept out of every bundle behind a computed import) built beside the chunks.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_DIR = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = join(CLI_DIR, 'pulse.mjs');
/** What the build read (project files only) and when it started: the freshness check's input. */
const INPUTS_FILE = join(CLI_DIR, 'inputs.json');
/** Build files that are not bundle inputs but change the output. */
const BUILD_FILES = ['scripts/build-cli.mjs', 'lib/bundling/esbuild-options.mjs', 'package.json'];
/** Chunks no entry refers to any more are removed after a day (a long-running command may still load them). */
const STALE_CHUNK_MS = 24 * 60 * 60 * 1000;

/**
 * True when dist/cli holds a build newer than every project file it was built from. A file added
 * later only enters the CLI through an import in one of those files, so it changes one of them.
 */
export function cliBuildIsCurrent() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(INPUTS_FILE, 'utf8'));
  } catch {
    return false;
  }
  if (!existsSync(CLI_ENTRY)) return false;
  for (const file of stamp.inputs) {
    try {
      if (statSync(join(ROOT, file)).mtimeMs > stamp.startedAt) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Replaces `import.meta.url` in the project's TypeScript modules by the module's source URL. */
const sourceUrlPlugin = {
  name: 'pulse-source-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

/**
 * Dependencies stay in node_modules. A deep import into a package without an "exports" map
 * (`nodemailer/lib/mail-composer`: a folder) is resolved here to its file, which Node's ESM loader
 * would not do; everything else is left to Node.
 */
const externalPackagesPlugin = {
  name: 'pulse-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || args.path.startsWith('node:')) return undefined;
      // An aliased package (zod without its locales) is bundled, as in the Lambda bundles.
      if (Object.hasOwn(build.initialOptions.alias ?? {}, args.path)) return undefined;
      const parts = args.path.split('/');
      const nameLength = args.path.startsWith('@') ? 2 : 1;
      if (parts.length <= nameLength) return { path: args.path, external: true };
      const name = parts.slice(0, nameLength).join('/');
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
      } catch {
        return { path: args.path, external: true };
      }
      if (manifest.exports) return { path: args.path, external: true };
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      if (resolved.errors.length) return { errors: resolved.errors };
      return { path: relative(CLI_DIR, resolved.path), external: true };
    });
  },
};

/** The lowest Node version of package.json "engines" (">=20.12" -> "node20.12"). */
function engineTarget() {
  const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const m = /(\d+(?:\.\d+){0,2})/.exec(engines?.node ?? '');
  if (!m) throw new Error('package.json "engines.node" names no Node version');
  return `node${m[1]}`;
}

/** Writes a file so that a concurrent reader sees the old or the new content, never a part. */
function writeAtomically(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/**
 * Bundles the CLI into dist/cli/. Safe to run from several processes at once (tests spawn the CLI
 * in parallel): chunks have content-hashed names and every file is written atomically, the
 * entry and the inputs list last.
 */
export async function buildCli({ log = () => {} } = {}) {
  const { build } = await import('esbuild');
  const { BUNDLE_ESBUILD_OPTIONS } = await import('../lib/bundling/esbuild-options.mjs');
  const startedAt = Date.now();
  const t0 = performance.now();
  const result = await build({
    ...BUNDLE_ESBUILD_OPTIONS,
    mainFields: [...BUNDLE_ESBUILD_OPTIONS.mainFields],
    alias: { ...BUNDLE_ESBUILD_OPTIONS.alias },
    absWorkingDir: ROOT,
    entryPoints: {
      pulse: 'bin/pulse.ts',
      'template-build': 'functions/adapters/render/template-build.ts',
    },
    outdir: CLI_DIR,
    outExtension: { '.js': '.mjs' },
    // Chunks beside the entries: a dynamic import() at run time resolves from any of them alike.
    chunkNames: '[name]-[hash]',
    splitting: true,
    target: engineTarget(),
    sourcemap: true,
    sourcesContent: false,
    // template-kit.ts imports the builder by a computed specifier, relative to the chunk it lands in.
    define: { PULSE_CLI_TEMPLATE_BUILDER: JSON.stringify('./template-build.mjs') },
    plugins: [sourceUrlPlugin, externalPackagesPlugin],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  mkdirSync(CLI_DIR, { recursive: true });
  const last = [`${CLI_ENTRY}.map`, CLI_ENTRY];
  const files = [...result.outputFiles].sort((a, b) => last.indexOf(a.path) - last.indexOf(b.path));
  for (const f of files) writeAtomically(f.path, f.contents);
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')), ...BUILD_FILES];
  writeAtomically(INPUTS_FILE, JSON.stringify({ startedAt, inputs }, null, 1));
  pruneChunks(new Set(result.outputFiles.map((o) => o.path)));
  log(
    `built ${relative(ROOT, CLI_ENTRY)} (${result.outputFiles.length} files) in ${Math.round(performance.now() - t0)} ms`,
  );
}

function pruneChunks(current) {
  const now = Date.now();
  for (const name of readdirSync(CLI_DIR)) {
    const path = join(CLI_DIR, name);
    if (current.has(path) || path === INPUTS_FILE) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_CHUNK_MS) unlinkSync(path);
    } catch {
      // removed by a concurrent build
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli({ log: process.argv.includes('--quiet') ? undefined : (msg) => console.log(`build-cli: ${msg}`) });
}
