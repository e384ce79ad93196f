// Build-time preparation of the email templates: the ONE way templates/ becomes what the renderers
// compile. Used by the CDK bundling (lib/constructs/pulse-function.ts copies the prepared folder
// beside each bundle), by the benchmark, and, when the renderers run from the source tree (tests,
// the CLI, `npm start`), by template-kit.ts on first use. Never imported by a Lambda bundle: juice
// (cheerio, parse5, undici, iconv-lite: ~1.1 MB) stays a build-time dependency.
//
// What it does to each top-level HTML template (`*.html.hbs`):
// 1. expands the HTML partials (`{{> name}}`, from partials/*.hbs) in place, indented as Handlebars
//    indents a standalone partial, so the CSS sees the whole document as it did at run time;
// 2. inlines the <style> rules with juice (same options as the former run-time inlining; media
//    queries, e.g. dark mode, stay in a <style> block), keeping every `{{ }}` as it is;
// 3. a `class` attribute whose value is computed (`class="td {{tone}}"`) cannot be inlined ahead of
//    time, so juice runs once per class the <style> block defines, and the element gets an
//    `{{#inlineStyle}}` block (template-kit.ts) that picks, at render time, the style juice computed
//    for the class the template produced. A class that changes anything but the element's own
//    style (another element's style, an attribute such as `align`) fails the build.
// Text templates and text partials (`*.txt.hbs`) are copied as they are.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import juice from 'juice';

/** The file that marks a folder as prepared templates (template-kit.ts refuses unprepared ones beside a bundle). */
export const PREPARED_MARKER = 'prepared.json';
/** Bump when the preparation changes, so cached prepared folders are rebuilt. */
const VERSION = 1;

export const JUICE_OPTIONS: juice.Options = {
  removeStyleTags: true,
  preserveMediaQueries: true,
  preserveImportant: true,
  applyWidthAttributes: false,
  applyHeightAttributes: false,
};

/** Inline the <style> rules of a rendered document: what the renderers did at run time before (kept for tests). */
export function inlineCss(html: string): string {
  return juice(html, JUICE_OPTIONS);
}

export class TemplateBuildError extends Error {
  override readonly name = 'TemplateBuildError';
}

interface SourceFiles {
  /** Top-level templates by file name. */
  templates: Map<string, string>;
  /** HTML partials by partial name. */
  htmlPartials: Map<string, string>;
  /** Text partials by file name (`*.txt.hbs`). */
  textPartials: Map<string, string>;
}

function readSources(srcDir: string): SourceFiles {
  const templates = new Map<string, string>();
  for (const f of readdirSync(srcDir).sort())
    if (f.endsWith('.hbs') && statSync(join(srcDir, f)).isFile())
      templates.set(f, readFileSync(join(srcDir, f), 'utf8'));
  const htmlPartials = new Map<string, string>();
  const textPartials = new Map<string, string>();
  const partialsDir = join(srcDir, 'partials');
  if (existsSync(partialsDir)) {
    for (const f of readdirSync(partialsDir).sort()) {
      if (!f.endsWith('.hbs')) continue;
      const text = readFileSync(join(partialsDir, f), 'utf8');
      if (f.endsWith('.txt.hbs')) textPartials.set(f, text);
      else htmlPartials.set(basename(f, '.hbs'), text);
    }
  }
  return { templates, htmlPartials, textPartials };
}

/** `{{> name}}` replaced by the partial's text; a standalone one is indented like Handlebars does. */
export function expandPartials(source: string, partials: ReadonlyMap<string, string>, what: string, depth = 0): string {
  if (depth > 10) throw new TemplateBuildError(`${what}: partials nested more than 10 deep`);
  const body = (name: string) => {
    const p = partials.get(name);
    if (p === undefined) throw new TemplateBuildError(`${what}: no partial "${name}" in partials/`);
    return expandPartials(p, partials, `${what} > ${name}`, depth + 1);
  };
  // Standalone: alone on its line (Handlebars drops the line and indents every line of the partial).
  let out = source.replace(
    /^([ \t]*)\{\{>\s*([\w-]+)\s*\}\}[ \t]*(\r?\n|$)/gm,
    (_m, indent: string, name: string, eol: string) => {
      const text = body(name);
      const lines = text.split('\n');
      const last = lines.pop()!;
      const indented = lines.map((l) => `${indent}${l}\n`).join('') + (last ? `${indent}${last}${eol}` : '');
      return indented;
    },
  );
  out = out.replace(/\{\{>\s*([\w-]+)\s*\}\}/g, (_m, name: string) => body(name));
  const left = /\{\{>[^}]*\}\}/.exec(out);
  if (left) throw new TemplateBuildError(`${what}: only plain partials ({{> name}}) can be prepared, not ${left[0]}`);
  return out;
}

// ---- code blocks -------------------------------------------------------------------------
const PLACEHOLDER = /pulsehbs(\d+)x(="")?/g;

/** Replaces every `{{ }}` by a placeholder that HTML parsing and CSS leave alone. */
function encodeBlocks(source: string): { html: string; blocks: string[] } {
  const blocks: string[] = [];
  const html = source.replace(/\{\{!--[\s\S]*?--\}\}|\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}/g, (m) => {
    blocks.push(m);
    return `pulsehbs${blocks.length - 1}x`;
  });
  return { html, blocks };
}

function decodeBlocks(html: string, blocks: readonly string[]): string {
  return html.replace(PLACEHOLDER, (_m, i: string) => blocks[Number(i)]!);
}

// ---- CSS classes -------------------------------------------------------------------------
/** Class names used by the selectors of the inlined rules (not those only inside @media). */
function inlinedClasses(html: string): string[] {
  const classes = new Set<string>();
  for (const m of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) {
    let css = m[1]!.replace(/\/\*[\s\S]*?\*\//g, '');
    // Drop @-rule blocks (media queries are not inlined).
    for (;;) {
      const at = css.search(/@[\w-]+[^{;]*\{/);
      if (at < 0) break;
      let i = css.indexOf('{', at) + 1;
      for (let depth = 1; depth > 0 && i < css.length; i++) depth += css[i] === '{' ? 1 : css[i] === '}' ? -1 : 0;
      css = css.slice(0, at) + css.slice(i);
    }
    for (const rule of css.matchAll(/([^{}]+)\{[^}]*\}/g))
      for (const c of rule[1]!.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)) classes.add(c[1]!);
  }
  return [...classes];
}

// ---- dynamic classes ---------------------------------------------------------------------
interface Slot {
  /** The dynamic class token, with placeholders. */
  token: string;
  candidates: string[];
}

const NONE = 'pulse-no-class';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MARKED_TAG = /<[a-zA-Z][\w-]*\b[^>]*?\sdata-pulse-v="(\d+)"[^>]*>/g;
const STYLE_ATTR = /\sstyle="([^"]*)"/;

function inlineTemplate(source: string, what: string): string {
  const { html, blocks } = encodeBlocks(source);
  const classes = inlinedClasses(html);
  const slots: Slot[] = [];
  // Each element with a computed class: the computed token becomes a numbered slot.
  const slotted = html.replace(
    /(<[a-zA-Z][\w-]*\b[^>]*?\sclass=")([^"]*)("[^>]*>)/g,
    (m, head: string, value: string, tail: string) => {
      if (!value.includes('pulsehbs')) return m;
      const tokens = value.split(/(\s+)/);
      const dynamic = tokens.filter((t) => t.includes('pulsehbs'));
      if (dynamic.length !== 1)
        throw new TemplateBuildError(
          `${what}: a class attribute may compute one class only: class="${decodeBlocks(value, blocks)}"`,
        );
      const token = dynamic[0]!;
      const isBlock = [...token.matchAll(PLACEHOLDER)].some((p) => /^\{\{[#^/]|^\{\{else/.test(blocks[Number(p[1])]!));
      const pattern = isBlock
        ? /.*/
        : new RegExp(
            `^${token
              .split(/pulsehbs\d+x/)
              .map(esc)
              .join('.*')}$`,
          );
      const k = slots.push({ token, candidates: classes.filter((c) => pattern.test(c)) }) - 1;
      return `${head}${tokens.map((t) => (t === token ? `pulseslot${k}x` : t)).join('')}" data-pulse-v="${k}"${tail.slice(1)}`;
    },
  );
  const run = (pick: (slot: Slot) => string) =>
    juice(
      slotted.replace(/pulseslot(\d+)x/g, (_m, k: string) => pick(slots[Number(k)]!)),
      JUICE_OPTIONS,
    );
  const base = run(() => NONE);
  if (!slots.length) return decodeBlocks(base, blocks);

  // The document with each marked tag reduced to its number; the tags themselves, by number.
  const split = (out: string) => {
    const tags = new Map<number, string>();
    const rest = out.replace(MARKED_TAG, (tag, k: string) => {
      tags.set(Number(k), tag);
      return `<#${k}>`;
    });
    return { rest, tags };
  };
  const styleOf = (tag: string) => STYLE_ATTR.exec(tag)?.[1] ?? '';
  const shape = (tag: string) => tag.replace(STYLE_ATTR, '').replace(/\sclass="[^"]*"/, '');
  const baseSplit = split(base);
  const variants = slots.map(() => new Map<string, string>());
  // Classes that would change more than the element's own style: the helper refuses them at render time.
  const unsupported = slots.map(() => new Set<string>());
  const record = (k: number, cls: string, out: ReturnType<typeof split>, ok: boolean) => {
    const tag = out.tags.get(k)!;
    if (!ok || shape(tag) !== shape(baseSplit.tags.get(k)!)) unsupported[k]!.add(cls);
    else if (styleOf(tag) !== styleOf(baseSplit.tags.get(k)!)) variants[k]!.set(cls, styleOf(tag));
  };
  const runs = Math.max(...slots.map((s) => s.candidates.length));
  for (let j = 0; j < runs; j++) {
    const out = split(run((s) => s.candidates[j] ?? NONE));
    const alone = out.rest !== baseSplit.rest;
    slots.forEach((slot, k) => {
      const cls = slot.candidates[j];
      if (cls === undefined) return;
      if (!alone) return record(k, cls, out, true);
      // Some class in this run changed other elements: find which, one slot at a time.
      const one = split(run((s) => (s === slot ? cls : NONE)));
      record(k, cls, one, one.rest === baseSplit.rest);
    });
  }
  const quote = (s: string) => {
    if (s.includes('"')) throw new TemplateBuildError(`${what}: an inlined style contains a double quote: ${s}`);
    return `"${s}"`;
  };
  const prepared = base.replace(MARKED_TAG, (tag, k: string) => {
    const slot = slots[Number(k)]!;
    const baseStyle = styleOf(tag);
    const args = [quote(baseStyle), ...[...variants[Number(k)]!].flatMap(([cls, style]) => [quote(cls), quote(style)])];
    if (unsupported[Number(k)]!.size) args.push(`unsupported=${quote([...unsupported[Number(k)]!].join(' '))}`);
    const helper = `{{#inlineStyle ${args.join(' ')}}}${slot.token}{{/inlineStyle}}`;
    let t = tag.replace(` data-pulse-v="${k}"`, '').replace(NONE, slot.token);
    t = STYLE_ATTR.test(t)
      ? t.replace(STYLE_ATTR, () => helper)
      : t.replace(/\s*(\/?)>$/, (_m, slash: string) => `${helper}${slash}>`);
    return t;
  });
  return decodeBlocks(prepared, blocks);
}

/** The prepared text of every template in `srcDir`, by path relative to the prepared folder. */
export function prepareTemplateFiles(srcDir: string, opts: { inline?: boolean } = {}): Map<string, string> {
  const { templates, htmlPartials, textPartials } = readSources(srcDir);
  const out = new Map<string, string>();
  for (const [file, text] of templates) {
    if (!file.endsWith('.html.hbs')) {
      out.set(file, text);
      continue;
    }
    const expanded = expandPartials(text, htmlPartials, file);
    out.set(file, opts.inline === false ? expanded : inlineTemplate(expanded, file));
  }
  for (const [file, text] of textPartials) out.set(`partials/${file}`, text);
  return out;
}

/**
 * Prepares the templates of `srcDir` into `outDir` (replaced). `inline: false` only expands the
 * partials (tests compare that, inlined by juice after rendering, with the prepared templates).
 */
export function prepareTemplates(srcDir: string, outDir: string, opts: { inline?: boolean } = {}): string {
  const files = prepareTemplateFiles(srcDir, opts);
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'partials'), { recursive: true });
  for (const [path, text] of files) writeFileSync(join(tmp, path), text);
  writeFileSync(
    join(tmp, PREPARED_MARKER),
    `${JSON.stringify({ version: VERSION, inlined: opts.inline !== false, files: [...files.keys()] }, null, 2)}\n`,
  );
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return outDir;
}

/**
 * The prepared templates of `srcDir` in a folder under the OS temp dir named by a hash of the
 * sources (prepared once; unchanged sources reuse it): what the CDK bundling copies and what the
 * renderers use when they run from the source tree.
 */
export function preparedTemplatesDir(srcDir: string): string {
  const hash = createHash('sha256').update(`v${VERSION}\0`);
  const walk = (dir: string, rel: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p, `${rel}${f}/`);
      else if (f.endsWith('.hbs')) hash.update(`${rel}${f}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(srcDir, '');
  const dir = join(tmpdir(), `pulse-templates-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, PREPARED_MARKER))) return dir;
  return prepareTemplates(srcDir, dir);
}
