// What every email renderer shares: finding the prepared templates (next to the Lambda bundle, or
// prepared from the project's templates/ on first use), running a compiled template with prototype
// access off, the `inlineStyle` helper of the prepared templates, and tidying the plain-text part.
//
// The CSS is inlined when the templates are prepared (template-build.ts: at synth time for the
// Lambda bundles), not at run time: the renderers only compile and run Handlebars, and juice with
// its HTML parser stays out of the bundles.
import Handlebars from 'handlebars';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Same name as template-build.ts PREPARED_MARKER (not imported: that module pulls in juice). */
const PREPARED_MARKER = 'prepared.json';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code = 'TEMPLATE_FAILED';
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
  }
}

/**
 * The folder of prepared templates holding `files`: an explicit one, `templates/` next to the bundle
 * (prepared at synth time), or the project's templates/ prepared on first use (running from the
 * source tree: tests, the CLI). An explicit or bundled folder that is not prepared is prepared the
 * same way when the template builder is at hand (source tree), and refused otherwise.
 */
export async function findTemplatesDir(files: readonly string[], what: string, explicit?: string): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = explicit ? [explicit] : [join(here, 'templates'), join(here, '..', '..', '..', 'templates')];
  for (const dir of candidates) {
    if (!files.every((f) => existsSync(join(dir, f)))) continue;
    if (existsSync(join(dir, PREPARED_MARKER))) return dir;
    return prepare(dir, what);
  }
  throw new TemplateError(`${what} templates not found; looked in ${candidates.join(', ')}`);
}

const prepared = new Map<string, Promise<string>>();

/** Set by the CLI build (scripts/build-cli.mjs): its compiled template builder, beside its chunks. */
declare const PULSE_CLI_TEMPLATE_BUILDER: string | undefined;

/** Prepares a source folder with template-build.ts, loaded only here so that no bundle includes it. */
function prepare(dir: string, what: string): Promise<string> {
  let p = prepared.get(dir);
  if (!p) {
    // A computed specifier: esbuild leaves it alone, so the builder (and juice) never enter a bundle.
    const builder =
      typeof PULSE_CLI_TEMPLATE_BUILDER === 'string'
        ? PULSE_CLI_TEMPLATE_BUILDER
        : pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'template-build.ts')).href;
    p = (import(builder) as Promise<typeof import('./template-build')>).then(
      (m) => m.preparedTemplatesDir(dir),
      (err: unknown) => {
        throw new TemplateError(
          `${what} templates in ${dir} are not prepared (${PREPARED_MARKER} missing) and the template builder is not available: ${(err as Error).message}`,
          { cause: err },
        );
      },
    );
    prepared.set(dir, p);
    p.catch(() => prepared.delete(dir));
  }
  return p;
}

/**
 * `{{#inlineStyle base class1 style1 class2 style2 ...}}{{computed class}}{{/inlineStyle}}`, written
 * by template-build.ts for an element whose class is computed: the element's inlined style for the
 * class the block produces (`base` when it is none of the listed ones), as ` style="..."`.
 */
export function registerInlineStyle(hb: typeof Handlebars): void {
  hb.registerHelper('inlineStyle', function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as Handlebars.HelperOptions;
    const [base, ...pairs] = args as string[];
    const styles = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) styles.set(pairs[i]!, pairs[i + 1]!);
    const produced = options.fn(this).split(/\s+/);
    const unsupported = String(options.hash?.unsupported ?? '').split(' ');
    const bad = produced.find((c) => c && unsupported.includes(c));
    if (bad)
      throw new Error(`class "${bad}" was not prepared for this element (its style cannot be inlined ahead of time)`);
    const known = produced.filter((c) => styles.has(c));
    if (known.length > 1) throw new Error(`classes ${known.join(', ')} together were not prepared`);
    const style = known.length ? styles.get(known[0]!)! : (base ?? '');
    return style ? ` style="${style}"` : '';
  });
}

/** Runs a compiled template; a failure names the template (strict mode makes a missing field one). */
export function runTemplate(template: Handlebars.TemplateDelegate, context: unknown, what: string): string {
  try {
    return keepNumbersTogether(
      template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }),
      what.endsWith('.html.hbs'),
    );
  } catch (err) {
    throw new TemplateError(`rendering ${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** U+2060: joins what is on either side of it; invisible, and no line may break there. */
export const WORD_JOINER = '\u2060';

/** A thousands separator: a digit, `,` or `.`, then exactly three digits. */
const GROUP_SEPARATOR = /(\d)([,.])(?=\d{3}(?!\d))/g;

/**
 * Every grouped number of an e-mail (`$16,198,688`, `1,204 accounts`) with a word joiner after
 * each separator: Outlook for Windows ignores `white-space: nowrap` and would break an amount at a
 * comma, and spam filters read `$NN,NNN,NNN` as "millions of dollars" bait (SpamAssassin's
 * US_DOLLARS_3). The figures look and read the same; exact values to copy are in the archive's
 * CSV and workbook. In HTML only text between tags changes, never an attribute or a URL.
 */
export function keepNumbersTogether(output: string, html: boolean): string {
  const join = (text: string) => text.replace(GROUP_SEPARATOR, `$1$2${WORD_JOINER}`);
  return html ? output.replace(/>([^<]+)</g, (_m, text: string) => `>${join(text)}<`) : join(output);
}

/** Plain text tidy-up: no trailing spaces, at most one blank line in a row. */
export function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/**
 * `{{breakable value}}`: the value escaped, with a line-break opportunity (a zero-width space,
 * `&#8203;`) after each `@` and before each `.`, `-`, `_` or `/` of a long word, so an e-mail
 * address or an id wraps on a phone in every client: CSS `overflow-wrap` is ignored by most e-mail
 * clients, and Gmail's iOS app drops `<wbr>`. Only for text a reader reads, never in a link. In
 * plain text the value prints as it is.
 */
export function registerBreakable(htmlHb: typeof Handlebars, textHb: typeof Handlebars): void {
  textHb.registerHelper('breakable', (value: unknown) => String(value ?? ''));
  htmlHb.registerHelper('breakable', (value: unknown) => {
    const text = Handlebars.escapeExpression(String(value ?? ''));
    return new Handlebars.SafeString(
      text.replace(/[^\s]{16,}/g, (word) => word.replace(/@/g, '@&#8203;').replace(/(?<=.)([._\-/:])/g, '&#8203;$1')),
    );
  });
}
