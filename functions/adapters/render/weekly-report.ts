// The weekly report renderer: Handlebars templates (templates/*.hbs, partials in templates/partials)
// in strict mode with default escaping, the CSS inlined when the templates are prepared
// (template-build.ts: partials expanded, styles inlined; not at run time), and the charts rendered
// to inline PNGs (charts.ts). Implements the ReportRenderer port.
//
// Escaping: the HTML templates use `{{ }}` only (never `{{{ }}}`), so every data value is
// HTML-escaped; the plain-text templates are compiled with `noEscape` because text/plain has no
// markup to escape (an account named `<b>` must read `<b>`, not `&lt;b&gt;`). Data values are
// never compiled as templates, so a name like `{{constructor}}` prints as itself.
import { findTemplatesDir, registerBreakable, registerInlineStyle, runTemplate, tidyText } from './template-kit';

export { TemplateError } from './template-kit';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import {
  chartMarkers,
  createFormatter,
  FX_ROW_LABEL,
  type Formatter,
  type ValueFormat,
  type WeeklyReportView,
} from '../../domain/report';
import type { InlineImage } from '../../ports/mailer';
import type { DelayedNotice, ReportRenderer } from '../../ports/report-renderer';
import { createChartRenderer, type Chart, type ChartRenderer } from './charts';

/** Width of the charts in the email (the 640 px container minus its padding). */
export const EMAIL_CHART_WIDTH = 584;

export interface WeeklyReportRendererOptions {
  /** Folder with weekly-report.html.hbs, weekly-report.txt.hbs and partials/ (prepared, or prepared on first use). Default: found next to this module (bundle) or the project's templates/. */
  templatesDir?: string;
  /** A chart renderer to reuse (default: one is created). */
  charts?: ChartRenderer;
  /** Passed to createChartRenderer when no `charts` is given (e.g. `assetsDir` in Lambda). */
  chartAssetsDir?: string;
}

type Options = Handlebars.HelperOptions;
type Root = { meta?: { locale?: string; currency?: string } };

const BAND_COLOR: Record<string, string> = { green: '#2FA36B', yellow: '#E0A800', red: '#DD4B47', unscored: '#9CA3AF' };
const BAND_LABEL: Record<string, string> = { green: 'green', yellow: 'yellow', red: 'red' };

function registerHelpers(hb: typeof Handlebars): void {
  const formatters = new Map<string, Formatter>();
  const fmtOf = (options: Options): Formatter => {
    const meta = (options.data?.root as Root | undefined)?.meta;
    const locale = meta?.locale ?? 'en-US';
    const currency = meta?.currency ?? 'USD';
    const key = `${locale}|${currency}`;
    let f = formatters.get(key);
    if (!f) {
      f = createFormatter(locale, currency);
      formatters.set(key, f);
    }
    return f;
  };
  // Strict mode covers plain `{{field}}` lookups only: a missing helper argument or block condition
  // would be `undefined` and print blank. So every helper refuses `undefined` (null is a legitimate
  // "n/a"), and the built-in block helpers are wrapped to do the same.
  const missing = (name: string, options: Options, i: number) =>
    new Error(
      `"${name}" got a missing value as argument ${i + 1} (line ${(options as unknown as { loc?: { start?: { line?: number } } }).loc?.start?.line ?? '?'})`,
    );
  /** A helper with positional arguments (Handlebars appends its options object last). */
  const helper = (name: string, fn: (f: Formatter, ...args: unknown[]) => unknown) =>
    hb.registerHelper(name, (...args: unknown[]) => {
      const options = args.pop() as Options;
      const i = args.indexOf(undefined);
      if (i >= 0) throw missing(name, options, i);
      return fn(fmtOf(options), ...args);
    });
  for (const name of ['if', 'unless', 'each', 'with']) {
    const builtin = hb.helpers[name] as Handlebars.HelperDelegate;
    hb.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      const options = args[args.length - 1] as Options;
      if (args.length > 1 && args[0] === undefined) throw missing(`#${name}`, options, 0);
      return (builtin as (...a: unknown[]) => unknown).apply(this, args);
    });
  }
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

  helper('fmt', (f, v, format) => f.value(num(v), format as ValueFormat));
  helper('delta', (f, v, format) => f.delta(num(v), format as ValueFormat));
  helper('money', (f, v) => f.money(num(v)));
  helper('moneyCompact', (f, v) => f.moneyCompact(num(v)));
  helper('signedMoney', (f, v) => f.signedMoney(num(v)));
  helper('signedMoneyCompact', (f, v) => f.delta(num(v), 'moneyCompact'));
  helper('signedMoneyIfMove', (f, v, kind) => (kind === 'total' ? f.money(num(v)) : f.signedMoney(num(v))));
  helper('percent', (f, v, digits) => f.percent(num(v), typeof digits === 'number' ? digits : 1));
  helper('signedPercent', (f, v, digits) => f.signedPercent(num(v), typeof digits === 'number' ? digits : 2));
  helper('count', (f, v) => f.count(num(v)));
  helper('points', (f, v) => f.points(num(v)));
  helper('date', (f, v) => f.date(typeof v === 'string' ? v : null));
  helper('shortDate', (f, v) => f.shortDate(typeof v === 'string' ? v : null));
  helper('eq', (_f, a, b) => a === b);
  helper('bandClass', (_f, band) => (typeof band === 'string' && band in BAND_COLOR ? band : 'unscored'));
  helper('bandLabel', (_f, band) => (typeof band === 'string' ? (BAND_LABEL[band] ?? '') : 'unscored'));
  helper('bandColor', (_f, band) => BAND_COLOR[str(band)] ?? BAND_COLOR.unscored);
  helper(
    'plural',
    (f, n, one, many) => `${f.count(num(n))} ${n === 1 ? str(one) : typeof many === 'string' ? many : `${str(one)}s`}`,
  );
  helper('pad', (_f, v, width) => str(v).padEnd(Number(width)));
  helper('padStart', (_f, v, width) => str(v).padStart(Number(width)));
}

interface Compiled {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  delayedHtml: Handlebars.TemplateDelegate;
  delayedText: Handlebars.TemplateDelegate;
}

async function compileTemplates(dir: string): Promise<Compiled> {
  const htmlHb = Handlebars.create();
  const textHb = Handlebars.create();
  registerHelpers(htmlHb);
  registerHelpers(textHb);
  registerInlineStyle(htmlHb);
  registerBreakable(htmlHb, textHb);
  const partialsDir = join(dir, 'partials');
  const partialFiles = existsSync(partialsDir)
    ? (await readdir(partialsDir)).filter((f) => f.endsWith('.hbs')).sort()
    : [];
  for (const file of partialFiles) {
    const source = await readFile(join(partialsDir, file), 'utf8');
    const name = basename(file, '.hbs');
    // Text partials are named `*.txt.hbs`; the others belong to the HTML.
    if (name.endsWith('.txt'))
      textHb.registerPartial(name.slice(0, -4), textHb.compile(source, { strict: true, noEscape: true }));
    else htmlHb.registerPartial(name, htmlHb.compile(source, { strict: true }));
  }
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  const [html, text, delayedHtml, delayedText] = await Promise.all([
    read('weekly-report.html.hbs'),
    read('weekly-report.txt.hbs'),
    read('report-delayed.html.hbs'),
    read('report-delayed.txt.hbs'),
  ]);
  return {
    html: htmlHb.compile(html, { strict: true }),
    text: textHb.compile(text, { strict: true, noEscape: true }),
    delayedHtml: htmlHb.compile(delayedHtml, { strict: true }),
    delayedText: textHb.compile(delayedText, { strict: true, noEscape: true }),
  };
}

function image(cid: string, filename: string, chart: Chart): InlineImage & { width: number; height: number } {
  const width = EMAIL_CHART_WIDTH;
  const height = Math.round((chart.height * width) / chart.width);
  return { cid, filename, contentType: 'image/png', content: chart.png, alt: chart.alt, width, height };
}

export async function createWeeklyReportRenderer(opts: WeeklyReportRendererOptions = {}): Promise<ReportRenderer> {
  const dir = await findTemplatesDir(['weekly-report.html.hbs', 'weekly-report.txt.hbs'], 'report', opts.templatesDir);
  const [compiled, charts] = await Promise.all([
    compileTemplates(dir),
    opts.charts
      ? Promise.resolve(opts.charts)
      : createChartRenderer(opts.chartAssetsDir ? { assetsDir: opts.chartAssetsDir } : {}),
  ]);

  async function renderCharts(view: WeeklyReportView) {
    const { locale, currency, week, range } = view.meta;
    const bridge = view.bridge.rows;
    const amount = (label: string) => Math.abs(bridge.find((r) => r.label === label)!.amount);
    // The FX row is in the bridge only when exchange rates moved ARR (signed).
    const fx = bridge.find((r) => r.label === FX_ROW_LABEL)?.amount ?? 0;
    const points = view.trend.map((t) => ({
      label: t.week.slice(5),
      values: { arr: t.closingArr, nrr: t.nrr, grr: t.grr },
    }));
    const first = view.trend[0];
    const span = first ? `${first.week} to ${week}` : week;
    // One at a time: rasterising is CPU-bound, so in parallel it is no faster and needs more memory.
    const waterfall = await charts.arrWaterfall(
      {
        open: amount('Opening ARR'),
        new: amount('New'),
        reactivation: amount('Reactivation'),
        expansion: amount('Expansion'),
        contraction: amount('Contraction'),
        churn: amount('Churn'),
        fx,
        close: amount('Closing ARR'),
      },
      { currency, locale, title: 'ARR bridge', subtitle: range },
    );
    const arrTrend = await charts.trendLines(points, [{ key: 'arr', name: 'Closing ARR', format: 'money' }], {
      currency,
      locale,
      title: 'Closing ARR, 13 weeks',
      subtitle: span,
      markers: chartMarkers(view.annotations, ['arr']),
    });
    const retention = await charts.trendLines(
      points,
      [
        { key: 'nrr', name: 'NRR', format: 'percent' },
        { key: 'grr', name: 'GRR', format: 'percent' },
      ],
      {
        currency,
        locale,
        title: 'Net and gross revenue retention (trailing 12 months)',
        subtitle: span,
        markers: chartMarkers(view.annotations, ['nrr', 'grr']),
      },
    );
    const tag = `${week.toLowerCase()}@pulse`;
    return {
      waterfall: image(`arr-bridge.${tag}`, `arr-bridge-${week}.png`, waterfall),
      arrTrend: image(`arr-trend.${tag}`, `arr-trend-${week}.png`, arrTrend),
      retention: image(`retention-trend.${tag}`, `retention-trend-${week}.png`, retention),
    };
  }

  return {
    async renderWeeklyReport(view) {
      const chartImages = await renderCharts(view);
      const headlineRows: (typeof view.headline)[] = [];
      for (let i = 0; i < view.headline.length; i += 3) headlineRows.push(view.headline.slice(i, i + 3));
      const strip = (c: InlineImage & { width: number; height: number }) => ({
        cid: c.cid,
        alt: c.alt,
        width: c.width,
        height: c.height,
      });
      const context = {
        ...view,
        headlineRows,
        charts: {
          waterfall: strip(chartImages.waterfall),
          arrTrend: strip(chartImages.arrTrend),
          retention: strip(chartImages.retention),
        },
      };
      const html = runTemplate(compiled.html, context, 'weekly-report.html.hbs');
      const text = tidyText(runTemplate(compiled.text, context, 'weekly-report.txt.hbs'));
      const images: InlineImage[] = Object.values(chartImages).map(({ cid, filename, contentType, content, alt }) => ({
        cid,
        filename,
        contentType,
        content,
        alt,
      }));
      return { subject: view.subject, html, text, images };
    },
    async renderDelayedNotice(notice: DelayedNotice) {
      const html = runTemplate(compiled.delayedHtml, notice, 'report-delayed.html.hbs');
      const text = tidyText(runTemplate(compiled.delayedText, notice, 'report-delayed.txt.hbs'));
      const subject = `Pulse: weekly report delayed for ${notice.companyName}, week ${notice.week}`.replace(
        /[\r\n\u0000-\u001f]+/g,
        ' ',
      );
      return { subject, html, text, images: [] };
    },
  };
}
