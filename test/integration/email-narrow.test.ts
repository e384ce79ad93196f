/// <reference lib="dom" />
// Every e-mail Pulse sends, on a 375 px phone screen in headless Chromium (Debian's chromium,
// installed by scripts/setup.mjs): as sent, and with its <style> blocks removed (as Gmail's apps
// do for non-Google accounts), nothing may be wider than the screen.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEveryEmail, type RenderedEmail } from '../support/every-email';

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
const PHONE = 375;

/** Every <style> element gone, as a client that strips them shows the message. */
const withoutStyles = (html: string) => html.replace(/<style[\s\S]*?<\/style>/gi, '');

let dir: string;
let context: BrowserContext | undefined;
let emails: RenderedEmail[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'pulse-narrow-'));
  emails = await renderEveryEmail();
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: PHONE, height: 800 },
    offline: true,
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The page's width at 375 px and the widest elements that stick out (for the failure message). */
async function measure(html: string, file: string): Promise<{ width: number; over: string[] }> {
  await writeFile(file, html);
  const page = await context!.newPage();
  try {
    await page.goto(pathToFileURL(file).href);
    return await page.evaluate((phone) => {
      // The innermost elements that stick out: what forces the width.
      const sticking = [...document.querySelectorAll('body *')].filter(
        (e) => e.getBoundingClientRect().right > phone + 0.5,
      );
      const over = sticking
        .filter((e) => ![...e.children].some((c) => sticking.includes(c)))
        .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width)
        .slice(0, 12)
        .map(
          (e) =>
            `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px: ${(e.textContent ?? '').trim().slice(0, 40)}`,
        );
      return { width: document.documentElement.scrollWidth, over };
    }, PHONE);
  } finally {
    await page.close();
  }
}

describe('every e-mail on a 375 px screen', () => {
  it.skipIf(!hasChromium)('has all five kinds of message to check', () => {
    expect(emails.map((e) => e.name.split(' to ')[0])).toEqual(
      expect.arrayContaining(['weekly report', 'report delayed', 'critical alert', 'digest']),
    );
  });

  it.skipIf(!hasChromium)(
    'uses no overflow-wrap (most e-mail clients ignore it): long addresses get zero-width-space break points',
    () => {
      for (const e of emails) expect(e.html, e.name).not.toMatch(/overflow-wrap/);
      const digest = emails.find((e) => e.name === 'digest to cco@northwind.example')!;
      expect(digest.html).toContain(
        'maria&#8203;.gonzalez&#8203;-fernandez@&#8203;northwind&#8203;-cloud&#8203;.example',
      );
    },
  );

  it.skipIf(!hasChromium)(
    'fits the screen as sent and with its <style> blocks removed',
    async () => {
      const widths: string[] = [];
      for (const [i, e] of emails.entries()) {
        for (const [variant, html] of [
          ['as sent', e.html],
          ['without <style>', withoutStyles(e.html)],
        ] as const) {
          const { width, over } = await measure(html, join(dir, `${i}-${variant.length}.html`));
          widths.push(`${e.name}, ${variant}: ${width}px${width > PHONE ? ` (${over.join(' | ')})` : ''}`);
        }
      }
      console.log(widths.join('\n'));
      expect(widths.filter((w) => !/: (\d+)px$/.test(w) || Number(/: (\d+)px$/.exec(w)![1]) > PHONE)).toEqual([]);
    },
    120_000,
  );
});
