// The risk-alert renderer: templates/risk-alert-digest.{html,txt}.hbs and
// templates/risk-alert-critical.{html,txt}.hbs, Handlebars in strict mode, CSS inlined when the
// templates are prepared (template-build.ts), not at run time.
// Implements the AlertRenderer port. Same conventions as the weekly report: the HTML templates use
// `{{ }}` only (every value HTML-escaped), the text templates are compiled with `noEscape` (plain
// text has no markup to escape), and data values are never compiled as templates.
import {
  findTemplatesDir,
  keepNumbersTogether,
  registerBreakable,
  registerInlineStyle,
  runTemplate,
  tidyText,
} from './template-kit';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { CriticalModel, DigestModel } from '../../domain/alerts';
import type { AlertRenderer, RenderedAlertEmail } from '../../ports/alerts';

const FILES = [
  'risk-alert-digest.html.hbs',
  'risk-alert-digest.txt.hbs',
  'risk-alert-critical.html.hbs',
  'risk-alert-critical.txt.hbs',
] as const;

/** Subjects go into a header: no control characters. */
const oneLine = (s: string) => s.replace(/[\r\n\u0000-\u001f]+/g, ' ').trim();

export async function createRiskAlertRenderer(opts: { templatesDir?: string } = {}): Promise<AlertRenderer> {
  const dir = await findTemplatesDir(FILES, 'risk-alert', opts.templatesDir);
  const htmlHb = Handlebars.create();
  const textHb = Handlebars.create();
  for (const hb of [htmlHb, textHb]) {
    hb.registerHelper(
      'plural',
      (n: unknown, one: unknown, many: unknown) =>
        `${String(n)} ${n === 1 ? String(one) : typeof many === 'string' ? many : `${String(one)}s`}`,
    );
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hb.registerHelper('pad', (v: unknown, width: unknown) => String(v ?? '').padEnd(Number(width)));
  }
  registerInlineStyle(htmlHb);
  registerBreakable(htmlHb, textHb);
  const [digestHtml, digestText, criticalHtml, criticalText] = await Promise.all(
    FILES.map((f) => readFile(join(dir, f), 'utf8')),
  );
  const t = {
    digestHtml: htmlHb.compile(digestHtml!, { strict: true }),
    digestText: textHb.compile(digestText!, { strict: true, noEscape: true }),
    criticalHtml: htmlHb.compile(criticalHtml!, { strict: true }),
    criticalText: textHb.compile(criticalText!, { strict: true, noEscape: true }),
  };
  return {
    async renderDigest(model: DigestModel): Promise<RenderedAlertEmail> {
      return {
        subject: keepNumbersTogether(oneLine(`${model.company}: ${model.subject}`), false),
        html: runTemplate(t.digestHtml, model, 'risk-alert-digest.html.hbs'),
        text: tidyText(runTemplate(t.digestText, model, 'risk-alert-digest.txt.hbs')),
      };
    },
    async renderCritical(model: CriticalModel): Promise<RenderedAlertEmail> {
      return {
        subject: keepNumbersTogether(oneLine(`${model.company}: ${model.subject}`), false),
        html: runTemplate(t.criticalHtml, model, 'risk-alert-critical.html.hbs'),
        text: tidyText(runTemplate(t.criticalText, model, 'risk-alert-critical.txt.hbs')),
      };
    },
  };
}
