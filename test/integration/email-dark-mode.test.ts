/// <reference lib="dom" />
// The weekly report's charts in a dark mail client, in headless Chromium (Debian's chromium,
// installed by scripts/setup.mjs). Three ways to read the message: light; dark, where the e-mail's
// own `prefers-color-scheme: dark` CSS darkens the page; and "darkened", where the client itself
// repaints every background dark and the text light and leaves images alone, as Outlook.com and
// the Gmail apps do. In each, the pixels of every chart's box on the screenshot are measured: in a
// dark view no chart may be a bright box, and in every view its bars, lines and labels must stand
// out from the background behind it. The dark screenshot is kept as an artifact (path printed).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEveryEmail } from '../support/every-email';
import { contrast, decodePng, luminance, type DecodedPng } from '../support/png';

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
/** Kept after the run (not in the repository): the weekly report as a dark-mode reader sees it. */
const ARTIFACT_DIR = join(tmpdir(), 'pulse-email-dark-mode');

/** A client's own dark mode: every box repainted dark, text light, images untouched. */
const CLIENT_DARKENING = `
  body, table, tr, td, th, div, span, p, a, h1, h2, h3, strong, b {
    background-color: #121212 !important; border-color: #333333 !important; color: #e8e8e8 !important;
  }`;

type View = 'light' | 'dark' | 'darkened';
const VIEWS: Record<View, { colorScheme: 'light' | 'dark'; css?: string }> = {
  light: { colorScheme: 'light' },
  dark: { colorScheme: 'dark' },
  darkened: { colorScheme: 'light', css: CLIENT_DARKENING },
};

interface ChartPixels {
  alt: string;
  /** Luminance of the e-mail behind the chart, sampled just left of the image. */
  background: number;
  /** Mean luminance of the chart's box. */
  meanLuminance: number;
  /** Share of the box's pixels that are near-white (every channel at least 235). */
  nearWhite: number;
  /** Share of the box's pixels with at least 3:1 contrast against the background behind it. */
  ink: number;
}

let dir: string;
let context: BrowserContext | undefined;
let htmlFile: string;
const measured = new Map<View, ChartPixels[]>();

/** The pixels of one box of the screenshot, against the colour just left of it. */
function measure(shot: DecodedPng, box: { x: number; y: number; width: number; height: number }, alt: string) {
  const at = (x: number, y: number) => {
    const i = (y * shot.width + x) * 4;
    return [shot.pixels[i] as number, shot.pixels[i + 1] as number, shot.pixels[i + 2] as number] as const;
  };
  const x0 = Math.ceil(box.x);
  const y0 = Math.ceil(box.y);
  const x1 = Math.floor(box.x + box.width);
  const y1 = Math.floor(box.y + box.height);
  const background = luminance(...at(x0 - 6, Math.round(box.y + box.height / 2)));
  let sum = 0;
  let white = 0;
  let ink = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = at(x, y);
      const l = luminance(r, g, b);
      sum += l;
      if (Math.min(r, g, b) >= 235) white++;
      if (contrast(l, background) >= 3) ink++;
    }
  }
  const n = (x1 - x0) * (y1 - y0);
  return { alt: alt.slice(0, 40), background, meanLuminance: sum / n, nearWhite: white / n, ink: ink / n };
}

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'pulse-dark-'));
  await mkdir(ARTIFACT_DIR, { recursive: true });
  const weekly = (await renderEveryEmail()).find((e) => e.name === 'weekly report')!;
  htmlFile = join(dir, 'weekly-report.html');
  await writeFile(htmlFile, weekly.html);
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 720, height: 1000 },
    offline: true,
  });
  for (const [view, how] of Object.entries(VIEWS) as [View, (typeof VIEWS)[View]][]) {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: how.colorScheme });
    await page.goto(pathToFileURL(htmlFile).href);
    if (how.css) await page.addStyleTag({ content: how.css });
    const boxes = await page.evaluate(async () => {
      await Promise.all([...document.images].map((i) => i.decode()));
      return [...document.images].map((i) => {
        const r = i.getBoundingClientRect();
        return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height, alt: i.alt };
      });
    });
    const png = await page.screenshot({ fullPage: true });
    if (view !== 'light') await writeFile(join(ARTIFACT_DIR, `weekly-report-${view}.png`), png);
    const shot = decodePng(png);
    measured.set(
      view,
      boxes.map((b) => measure(shot, b, b.alt)),
    );
    await page.close();
  }
  console.info(`dark-mode screenshots: ${ARTIFACT_DIR}/weekly-report-{dark,darkened}.png`);
  for (const [view, charts] of measured)
    for (const c of charts)
      console.info(
        `${view.padEnd(8)} ${c.alt.padEnd(40)} background ${c.background.toFixed(3)} mean ${c.meanLuminance.toFixed(3)} near-white ${(c.nearWhite * 100).toFixed(1)}% ink ${(c.ink * 100).toFixed(1)}%`,
      );
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the weekly report charts in dark mode', () => {
  it.skipIf(!hasChromium)('measures the three charts in each view, on the background the view sets', () => {
    for (const view of Object.keys(VIEWS) as View[]) expect(measured.get(view)).toHaveLength(3);
    for (const c of measured.get('light')!) expect(c.background).toBeGreaterThan(0.9);
    for (const c of [...measured.get('dark')!, ...measured.get('darkened')!]) expect(c.background).toBeLessThan(0.02);
  });

  it.skipIf(!hasChromium)('shows no chart as a bright box on a dark background', () => {
    for (const view of ['dark', 'darkened'] as const) {
      for (const c of measured.get(view)!) {
        expect({ view, chart: c.alt, nearWhite: c.nearWhite < 0.005 }).toEqual({ view, chart: c.alt, nearWhite: true });
        expect({ view, chart: c.alt, dim: c.meanLuminance < 0.06 }).toEqual({ view, chart: c.alt, dim: true });
      }
    }
  });

  it.skipIf(!hasChromium)('keeps bars, lines and labels visible against the background in every view', () => {
    const light = measured.get('light')!;
    for (const view of Object.keys(VIEWS) as View[]) {
      measured.get(view)!.forEach((c, i) => {
        // At least 0.4% of the box (thin lines and labels) is drawn in 3:1 contrast, and about as much as in light mode.
        expect({ view, chart: c.alt, visible: c.ink > 0.004 }).toEqual({ view, chart: c.alt, visible: true });
        const ratio = c.ink / (light[i] as ChartPixels).ink;
        expect({ view, chart: c.alt, asInLight: ratio > 0.6 && ratio < 1.6 }).toEqual({
          view,
          chart: c.alt,
          asInLight: true,
        });
      });
    }
  });
});
