/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The weekly report email as a reader sees it: rendered, opened in headless Chromium (Debian's
// chromium, installed by scripts/setup.mjs), checked for a real, non-blank render. With
// PULSE_UPDATE_SCREENSHOT=1 the screenshot is saved as docs/images/weekly-report.png.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer } from '../../functions/adapters/render/weekly-report';
import { htmlWithInlineImages } from '../../functions/adapters/ses/outbox';
import { DEFAULT_KPI_SETTINGS } from '../../functions/domain/kpi';
import {
  buildWeeklyReportView,
  computeWeeklyReportData,
  reportOutlook,
  weeklyReportInput,
} from '../../functions/domain/report';
import { prepareKpiContext } from '../../functions/domain/kpi';
import { demoDataset } from '../unit/report/demo-dataset';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `weekly report screenshot skipped: ${CHROMIUM} is missing and could not be installed (run: node scripts/setup.mjs)`,
  );

let dir: string;
let context: BrowserContext | undefined;
let htmlFile: string;

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'pulse-shot-'));
  const data = demoDataset({ accounts: 300 });
  const settings = { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 };
  const view = buildWeeklyReportView(
    weeklyReportInput(computeWeeklyReportData(data, settings, '2026-11-22'), {
      companyName: 'Northwind Cloud',
      locale: 'en-US',
      subjectTemplate: '{{company}} weekly: ARR {{closingArr}} ({{netChange}}) · {{range}}',
      archive: { label: 's3://pulse-archive/weekly/2026-W47/', url: null },
      // The issue 17 sections: the forecast with its backtest error, attainment, notes on the charts.
      outlook: reportOutlook(prepareKpiContext(data, settings), '2026-11-22', [
        { metric: 'arr', period: 'FY2027-Q4', value: 17_000_000_00 },
      ]),
      annotations: [
        { date: '2026-10-14', text: 'Price increase on the Pro plan', metric: 'arr' },
        { date: '2026-11-18', text: 'Ivory Logistics churned after its merger' },
      ],
    }),
  );
  const email = await (await createWeeklyReportRenderer()).renderWeeklyReport(view);
  htmlFile = join(dir, 'weekly-report.html');
  await writeFile(htmlFile, htmlWithInlineImages({ from: 'x@x.example', to: ['y@x.example'], ...email }));
  const userDataDir = join(dir, 'profile'); // empty: a fresh profile every run
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 720, height: 1000 },
    offline: true,
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the weekly report in a browser', () => {
  it.skipIf(!hasChromium)(
    'renders text, tables and all three charts, and the screenshot is not blank',
    async () => {
      const page = await context!.newPage();
      await page.goto(pathToFileURL(htmlFile).href);
      const facts = await page.evaluate(() => ({
        images: [...document.images].map((i) => ({
          ok: i.complete && i.naturalWidth > 0,
          width: i.getBoundingClientRect().width,
        })),
        text: document.body.textContent,
        tables: document.querySelectorAll('table').length,
        height: document.documentElement.scrollHeight,
      }));
      expect(facts.images).toHaveLength(3);
      for (const img of facts.images) expect(img).toEqual({ ok: true, width: expect.any(Number) as number });
      for (const img of facts.images) expect(img.width).toBeGreaterThan(500);
      expect(facts.text).toContain('Weekly executive report');
      expect(facts.text).toContain('Top renewal risks');
      expect(facts.text).toMatch(/Signed and forecast\s+Contracted ARR in 90 days/i);
      expect(facts.text).toMatch(/backtest error ±\d+\.\d%/);
      expect(facts.text).toMatch(/Notes on the charts/i);
      // The heatmap: 12 cohort rows of coloured cells, drawn by the browser with their backgrounds.
      const heatmap = await page.evaluate(() => {
        const cells = [...document.querySelectorAll('td[bgcolor]')].filter((td) =>
          /^\d+$/.test(td.textContent?.trim() ?? ''),
        );
        return {
          cells: cells.length,
          colours: new Set(cells.map((td) => getComputedStyle(td).backgroundColor)).size,
          rows: new Set(cells.map((td) => td.parentElement)).size,
        };
      });
      expect(heatmap.rows).toBe(11);
      expect(heatmap.cells).toBe(66);
      expect(heatmap.colours).toBeGreaterThan(1);
      expect(facts.tables).toBeGreaterThan(10);
      expect(facts.height).toBeGreaterThan(2500);

      const png = await page.screenshot({ fullPage: true });
      // Pixel statistics, measured by the browser itself on the screenshot.
      const stats = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, img.width, img.height);
        const colours = new Set<number>();
        let ink = 0;
        for (let i = 0; i < data.length; i += 16) {
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          colours.add((r >> 3) * 1024 + (g >> 3) * 32 + (b >> 3));
          if (r + g + b < 600) ink++;
        }
        return { width: img.width, height: img.height, colours: colours.size, inkShare: ink / (data.length / 16) };
      }, png.toString('base64'));
      expect(stats.width).toBe(720);
      expect(stats.colours).toBeGreaterThan(200);
      expect(stats.inkShare).toBeGreaterThan(0.03);
      if (process.env.PULSE_UPDATE_SCREENSHOT === '1')
        await writeFile(join(process.cwd(), 'docs', 'images', 'weekly-report.png'), png);
    },
    120_000,
  );
});
