// The email templates are prepared at build time (functions/adapters/render/template-build.ts):
// CSS inlined by juice into the templates, so the renderers only run Handlebars. This checks that
// the emails are exactly what inlining the rendered HTML at run time gave (the former renderers),
// for the weekly report (hostile names included), the "report delayed" notice and the alert emails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../../functions/adapters/memory/alerts';
import type { ChartRenderer } from '../../../functions/adapters/render/charts';
import { createRiskAlertRenderer } from '../../../functions/adapters/render/risk-alerts';
import { expandPartials, inlineCss, prepareTemplates } from '../../../functions/adapters/render/template-build';
import { createWeeklyReportRenderer } from '../../../functions/adapters/render/weekly-report';
import { evaluateAlerts } from '../../../functions/app/evaluate-alerts';
import type { Account, NpsResponse } from '../../../functions/domain/contract/entities';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import { buildWeeklyReportView, computeWeeklyReportData, weeklyReportInput } from '../../../functions/domain/report';
import type { AlertRenderer } from '../../../functions/ports/alerts';
import type { Mailer } from '../../../functions/ports/mailer';
import { dataset, line, renewal } from '../kpi/builders';
import { afterAnEarlierRun, alertRunOptions, defaultSettings } from '../alerts/helpers';
import { demoDataset } from './demo-dataset';

const SRC = resolve(import.meta.dirname, '../../../templates');
let work: string;
let prepared: string;
let plain: string;

/** A chart renderer that draws nothing (the charts are not what this test is about). */
const charts = {
  arrWaterfall: async () => ({ png: Buffer.from('png'), width: 600, height: 300, scale: 2, alt: 'the ARR bridge' }),
  trendLines: async () => ({ png: Buffer.from('png'), width: 600, height: 240, scale: 2, alt: 'a trend' }),
} as unknown as ChartRenderer;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pulse-template-build-'));
  prepared = prepareTemplates(SRC, join(work, 'prepared'));
  // The same templates with the partials expanded but no CSS inlined: inlined after rendering
  // below, as the renderers did before.
  plain = prepareTemplates(SRC, join(work, 'plain'), { inline: false });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('templates prepared at build time', () => {
  it('render the weekly report exactly as inlining its CSS at run time did', async () => {
    const base = demoDataset();
    const hostile = ['<script>x</script>', '{{constructor}}', '"><b>', 'A & B'];
    const data = {
      ...base,
      accounts: base.accounts.map((a, i) => ({ ...a, name: `${hostile[i % hostile.length]} ${i}` })),
    };
    const view = buildWeeklyReportView(
      weeklyReportInput(computeWeeklyReportData(data, DEFAULT_KPI_SETTINGS, '2026-11-22'), {
        companyName: 'Acme <b>',
        locale: 'en-US',
        subjectTemplate: '{{company}} weekly {{week}}',
        archive: { label: 's3://a/b/', url: null },
      }),
    );
    const now = await createWeeklyReportRenderer({ templatesDir: prepared, charts });
    const before = await createWeeklyReportRenderer({ templatesDir: plain, charts });
    const email = await now.renderWeeklyReport(view);
    expect(email.html).toBe(inlineCss((await before.renderWeeklyReport(view)).html));
    // Computed classes got their inlined colour (the tones and health chips).
    expect(email.html).toMatch(/class="td num (good|bad|neutral)" style="[^"]*color: #(17784a|b42a26|6b7280);/);
    expect(email.html).toMatch(/class="chip chip-(red|yellow|green|unscored)" style="[^"]*background-color: #/);
    expect(email.html).not.toMatch(/<style[^>]*>\s*\.td|pulsehbs|pulseslot|data-pulse-v|inlineStyle/);
    expect(email.html).toMatch(/@media \(prefers-color-scheme: dark\)/);

    const notice = {
      companyName: 'Acme',
      week: '2026-W47',
      asOf: '2026-11-22',
      problems: ['Source "<crm>" is stale'],
      nextStep: 'Run it.',
    };
    expect((await now.renderDelayedNotice(notice)).html).toBe(
      inlineCss((await before.renderDelayedNotice(notice)).html),
    );
  }, 60_000);

  it('render the alert digests and critical alerts exactly as inlining at run time did', async () => {
    const acct = (accountId: string, name: string, ownerEmail?: string): Account => ({
      accountId,
      name,
      ...(ownerEmail ? { ownerEmail } : {}),
    });
    const detractor = (accountId: string, id: string): NpsResponse => ({
      responseId: id,
      accountId,
      date: '2026-11-20',
      score: 2,
    });
    const data = dataset({
      accounts: [
        acct('A', 'Acme Corp', 'ann@northwind.example'),
        acct('B', 'Bravo Ltd', 'bob@northwind.example'),
        acct('C', '<b>Charlie</b> & Co'),
      ],
      subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01'), line('C', 5_000, '2024-01-01')],
      renewals: [
        renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
        renewal('B', '2027-06-11', 12_000, 'open', undefined, undefined, 'RB'),
      ],
      nps: [detractor('B', 'N1'), detractor('C', 'N2')],
    });
    const now = await createRiskAlertRenderer({ templatesDir: prepared });
    const before = await createRiskAlertRenderer({ templatesDir: plain });
    const compared: string[] = [];
    // Every model the use case renders goes through both renderers.
    const renderer: AlertRenderer = {
      async renderDigest(model) {
        const email = await now.renderDigest(model);
        expect(email.html).toBe(inlineCss((await before.renderDigest(model)).html));
        compared.push('digest');
        return email;
      },
      async renderCritical(model) {
        const email = await now.renderCritical(model);
        expect(email.html).toBe(inlineCss((await before.renderCritical(model)).html));
        compared.push('critical');
        return email;
      },
    };
    const mailer: Mailer = { send: async () => ({ messageId: 'm', raw: Buffer.from('') }) };
    // Not a first run, and A's overdue renewal critical: the use case renders a critical alert too.
    const alerts = new InMemoryAlertStateStore();
    await afterAnEarlierRun(alerts);
    await evaluateAlerts(
      { store: { loadDataset: async () => data }, alerts, ledger: new InMemorySendLedger(), mailer, renderer },
      alertRunOptions({
        settings: defaultSettings({
          rules: {
            'red-health-renewal': { enabled: false },
            'yellow-health-renewal': { enabled: false },
            'renewal-overdue': { severity: 'critical' },
          },
        }),
      }),
    );
    expect(compared).toContain('digest');
    expect(compared).toContain('critical');
  }, 60_000);

  it('expand a standalone partial with its indentation, as Handlebars does', () => {
    expect(
      expandPartials('<table>\n  {{> row}}\n</table>\n', new Map([['row', '<tr>\n  <td>{{x}}</td>\n</tr>\n']]), 't'),
    ).toBe('<table>\n  <tr>\n    <td>{{x}}</td>\n  </tr>\n</table>\n');
    expect(() => expandPartials('{{> row a=1}}', new Map([['row', 'x']]), 't')).toThrow(/only plain partials/);
  });
});
