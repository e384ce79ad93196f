// The risk-alert renderer: templates/risk-alert-digest.{html,txt}.hbs and
// templates/risk-alert-critical.{html,txt}.hbs, Handlebars in strict mode, CSS inlined by juice.
// Implements the AlertRenderer port. Same conventions as the weekly report: the HTML templates use
// `{{ }}` only (every value HTML-escaped), the text templates are compiled with `noEscape` (plain
// text has no markup to escape), and data values are never compiled as templates.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import juice from 'juice';
import type { CriticalModel, DigestModel } from '../../domain/alerts';
import type { AlertRenderer, RenderedAlertEmail } from '../../ports/alerts';

export class AlertTemplateError extends Error {
  override readonly name = 'AlertTemplateError';
  readonly code = 'TEMPLATE_FAILED';
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
  }
}

const FILES = ['risk-alert-digest.html.hbs', 'risk-alert-digest.txt.hbs', 'risk-alert-critical.html.hbs', 'risk-alert-critical.txt.hbs'] as const;

/** An explicit folder, `templates/` next to the bundle, or the project's `templates/`. */
export function findAlertTemplatesDir(explicit?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = explicit ? [explicit] : [join(here, 'templates'), join(here, '..', '..', '..', 'templates')];
  for (const dir of candidates) if (FILES.every((f) => existsSync(join(dir, f)))) return dir;
  throw new AlertTemplateError(`risk-alert templates not found; looked in ${candidates.join(', ')}`);
}

function run(t: Handlebars.TemplateDelegate, context: unknown, what: string): string {
  try {
    return t(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (err) {
    throw new AlertTemplateError(`rendering ${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/** Subjects go into a header: no control characters. */
const oneLine = (s: string) => s.replace(/[\r\n\u0000-\u001f]+/g, ' ').trim();

export async function createRiskAlertRenderer(opts: { templatesDir?: string } = {}): Promise<AlertRenderer> {
  const dir = findAlertTemplatesDir(opts.templatesDir);
  const htmlHb = Handlebars.create();
  const textHb = Handlebars.create();
  for (const hb of [htmlHb, textHb]) {
    hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => `${String(n)} ${n === 1 ? String(one) : typeof many === 'string' ? many : `${String(one)}s`}`);
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hb.registerHelper('pad', (v: unknown, width: unknown) => String(v ?? '').padEnd(Number(width)));
  }
  const [digestHtml, digestText, criticalHtml, criticalText] = await Promise.all(FILES.map((f) => readFile(join(dir, f), 'utf8')));
  const t = {
    digestHtml: htmlHb.compile(digestHtml!, { strict: true }),
    digestText: textHb.compile(digestText!, { strict: true, noEscape: true }),
    criticalHtml: htmlHb.compile(criticalHtml!, { strict: true }),
    criticalText: textHb.compile(criticalText!, { strict: true, noEscape: true }),
  };
  const inline = (html: string) => juice(html, { removeStyleTags: true, preserveMediaQueries: true, applyWidthAttributes: false, applyHeightAttributes: false });
  return {
    async renderDigest(model: DigestModel): Promise<RenderedAlertEmail> {
      return {
        subject: oneLine(`${model.company}: ${model.subject}`),
        html: inline(run(t.digestHtml, model, 'risk-alert-digest.html.hbs')),
        text: tidyText(run(t.digestText, model, 'risk-alert-digest.txt.hbs')),
      };
    },
    async renderCritical(model: CriticalModel): Promise<RenderedAlertEmail> {
      return {
        subject: oneLine(`${model.company}: ${model.subject}`),
        html: inline(run(t.criticalHtml, model, 'risk-alert-critical.html.hbs')),
        text: tidyText(run(t.criticalText, model, 'risk-alert-critical.txt.hbs')),
      };
    },
  };
}
