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
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../functions/adapters/render/risk-alerts';
import { createWeeklyReportRenderer } from '../../functions/adapters/render/weekly-report';
import { htmlWithInlineImages } from '../../functions/adapters/ses/outbox';
import { evaluateAlerts } from '../../functions/app/evaluate-alerts';
import type { Account, NpsResponse } from '../../functions/domain/contract/entities';
import { DEFAULT_KPI_SETTINGS } from '../../functions/domain/kpi';
import { buildWeeklyReportView, computeWeeklyReportData, weeklyReportInput } from '../../functions/domain/report';
import type { Mailer, OutgoingMessage } from '../../functions/ports/mailer';
import { afterAnEarlierRun, alertRunOptions, defaultSettings } from '../unit/alerts/helpers';
import { dataset, line, renewal } from '../unit/kpi/builders';
import { demoDataset } from '../unit/report/demo-dataset';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
const PHONE = 375;

/** Every <style> element gone, as a client that strips them shows the message. */
const withoutStyles = (html: string) => html.replace(/<style[\s\S]*?<\/style>/gi, '');

let dir: string;
let context: BrowserContext | undefined;
const emails: { name: string; html: string }[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'pulse-narrow-'));
  // The weekly report of the demo company, and its "report delayed" notice.
  const view = buildWeeklyReportView(
    weeklyReportInput(computeWeeklyReportData(demoDataset({ accounts: 300 }), { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 }, '2026-11-22'), {
      companyName: 'Northwind Cloud',
      locale: 'en-US',
      subjectTemplate: '{{company}} weekly: ARR {{closingArr}} ({{netChange}}) · {{range}}',
      archive: { label: 's3://pulse-archive/weekly/2026-W47/', url: null },
    }),
  );
  const report = await createWeeklyReportRenderer();
  const weekly = await report.renderWeeklyReport(view);
  emails.push({ name: 'weekly report', html: htmlWithInlineImages({ from: 'x@x.example', to: ['y@x.example'], ...weekly }) });
  const delayed = await report.renderDelayedNotice({ companyName: 'Northwind Cloud', week: '2026-W47', asOf: '2026-11-22', problems: ['Source "billing-export-with-a-long-name" was last ingested 2026-11-12, 10 days ago'], nextStep: 'Run pulse sources sync billing-export-with-a-long-name.' });
  emails.push({ name: 'report delayed', html: delayed.html });

  // The alert messages (critical alert, CCO and owner digests) of a run with long names and addresses.
  const acct = (accountId: string, name: string, ownerEmail: string): Account => ({ accountId, name, ownerEmail });
  const detractor = (accountId: string, id: string): NpsResponse => ({ responseId: id, accountId, date: '2026-11-20', score: 2 });
  const data = dataset({
    accounts: [acct('A', 'Northwind Manufacturing International Holdings LLC', 'maria.gonzalez-fernandez@northwind-cloud.example'), acct('B', 'Bravo Logistics Ltd', 'bob.longname-example@northwind-cloud.example')],
    subscriptions: [line('A', 8_400_000, '2024-01-01'), line('B', 1_200_000, '2024-01-01')],
    renewals: [renewal('A', '2026-11-11', 8_400_000, 'open', undefined, undefined, 'RA'), renewal('B', '2027-06-11', 1_200_000, 'open', undefined, undefined, 'RB')],
    nps: [detractor('A', 'N1'), detractor('B', 'N2')],
  });
  const sent: OutgoingMessage[] = [];
  const mailer: Mailer = { send: async (m) => (sent.push(m), { messageId: `m${sent.length}`, raw: Buffer.from('') }) };
  const alerts = new InMemoryAlertStateStore();
  await afterAnEarlierRun(alerts);
  await evaluateAlerts(
    { store: { loadDataset: async () => data }, alerts, ledger: new InMemorySendLedger(), mailer, renderer: await createRiskAlertRenderer() },
    alertRunOptions({ settings: defaultSettings({ rules: { 'red-health-renewal': { enabled: false }, 'yellow-health-renewal': { enabled: false }, 'renewal-overdue': { severity: 'critical' } } }) }),
  );
  for (const m of sent) emails.push({ name: `${m.subject.includes('CRITICAL') ? 'critical alert' : 'digest'} to ${m.to[0]}`, html: m.html });

  context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: PHONE, height: 800 }, offline: true });
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
      const sticking = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > phone + 0.5);
      const over = sticking
        .filter((e) => ![...e.children].some((c) => sticking.includes(c)))
        .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width)
        .slice(0, 12)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px: ${(e.textContent ?? '').trim().slice(0, 40)}`);
      return { width: document.documentElement.scrollWidth, over };
    }, PHONE);
  } finally {
    await page.close();
  }
}

describe('every e-mail on a 375 px screen', () => {
  it.skipIf(!hasChromium)('has all five kinds of message to check', () => {
    expect(emails.map((e) => e.name.split(' to ')[0])).toEqual(expect.arrayContaining(['weekly report', 'report delayed', 'critical alert', 'digest']));
  });

  it.skipIf(!hasChromium)('uses no overflow-wrap (most e-mail clients ignore it): long addresses get <wbr> break points', () => {
    for (const e of emails) expect(e.html, e.name).not.toMatch(/overflow-wrap/);
    const digest = emails.find((e) => e.name === 'digest to cco@northwind.example')!;
    expect(digest.html).toContain('maria<wbr>.gonzalez<wbr>-fernandez@<wbr>northwind<wbr>-cloud<wbr>.example');
  });

  it.skipIf(!hasChromium)('fits the screen as sent and with its <style> blocks removed', async () => {
    const widths: string[] = [];
    for (const [i, e] of emails.entries()) {
      for (const [variant, html] of [['as sent', e.html], ['without <style>', withoutStyles(e.html)]] as const) {
        const { width, over } = await measure(html, join(dir, `${i}-${variant.length}.html`));
        widths.push(`${e.name}, ${variant}: ${width}px${width > PHONE ? ` (${over.join(' | ')})` : ''}`);
      }
    }
    console.log(widths.join('\n'));
    expect(widths.filter((w) => !/: (\d+)px$/.test(w) || Number(/: (\d+)px$/.exec(w)![1]) > PHONE)).toEqual([]);
  }, 120_000);
});
