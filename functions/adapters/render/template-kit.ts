// What every email renderer shares: finding the templates (next to the Lambda bundle, or the
// project's), running a compiled template with prototype access off, inlining CSS for mail
// clients, and tidying the plain-text part.
import Handlebars from 'handlebars';
import juice from 'juice';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code = 'TEMPLATE_FAILED';
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
  }
}

/** The folder holding `files`: an explicit one, `templates/` next to the bundle, or the project's. */
export function findTemplatesDir(files: readonly string[], what: string, explicit?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = explicit ? [explicit] : [join(here, 'templates'), join(here, '..', '..', '..', 'templates')];
  for (const dir of candidates) if (files.every((f) => existsSync(join(dir, f)))) return dir;
  throw new TemplateError(`${what} templates not found; looked in ${candidates.join(', ')}`);
}

/** Runs a compiled template; a failure names the template (strict mode makes a missing field one). */
export function runTemplate(template: Handlebars.TemplateDelegate, context: unknown, what: string): string {
  try {
    return template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (err) {
    throw new TemplateError(`rendering ${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Inline the <style> rules (media queries stay in a <style> block for clients that support them). */
export function inlineCss(html: string): string {
  return juice(html, { removeStyleTags: true, preserveMediaQueries: true, preserveImportant: true, applyWidthAttributes: false, applyHeightAttributes: false });
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
