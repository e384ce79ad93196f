// Every kind of e-mail Pulse sends, rendered as it goes out (images inline), for the tests that
// look at all of them: the 375 px check in Chromium, the caniemail check, SpamAssassin. The weekly
// report and its "report delayed" notice of the demo company; the critical alert and the CCO and
// owner digests of an alert run with long names and addresses.
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

export interface RenderedEmail {
  /** `weekly report`, `report delayed`, `critical alert to ...`, `digest to ...`. */
  name: string;
  html: string;
  text: string;
  subject: string;
  /** The message as the mailer gets it (images as attachments), to compose the raw MIME from. */
  message: OutgoingMessage;
}

export async function renderEveryEmail(): Promise<RenderedEmail[]> {
  const emails: RenderedEmail[] = [];
  const view = buildWeeklyReportView(
    weeklyReportInput(
      computeWeeklyReportData(
        demoDataset({ accounts: 300 }),
        { ...DEFAULT_KPI_SETTINGS, fiscalYearStartMonth: 2 },
        '2026-11-22',
      ),
      {
        companyName: 'Northwind Cloud',
        locale: 'en-US',
        subjectTemplate: '{{company}} weekly: ARR {{closingArr}} ({{netChange}}) · {{range}}',
        archive: { label: 's3://pulse-archive/weekly/2026-W47/', url: null },
      },
    ),
  );
  const report = await createWeeklyReportRenderer();
  const weekly = await report.renderWeeklyReport(view);
  const weeklyMessage: OutgoingMessage = { from: 'pulse@northwind.example', to: ['ceo@northwind.example'], ...weekly };
  emails.push({
    name: 'weekly report',
    html: htmlWithInlineImages(weeklyMessage),
    text: weekly.text,
    subject: weekly.subject,
    message: weeklyMessage,
  });
  const delayed = await report.renderDelayedNotice({
    companyName: 'Northwind Cloud',
    week: '2026-W47',
    asOf: '2026-11-22',
    problems: ['Source "billing-export-with-a-long-name" was last ingested 2026-11-12, 10 days ago'],
    nextStep: 'Run pulse sources sync billing-export-with-a-long-name.',
  });
  const delayedMessage: OutgoingMessage = {
    from: 'pulse@northwind.example',
    to: ['ops@northwind.example'],
    ...delayed,
  };
  emails.push({
    name: 'report delayed',
    html: delayed.html,
    text: delayed.text,
    subject: delayed.subject,
    message: delayedMessage,
  });

  const acct = (accountId: string, name: string, ownerEmail: string): Account => ({ accountId, name, ownerEmail });
  const detractor = (accountId: string, id: string): NpsResponse => ({
    responseId: id,
    accountId,
    date: '2026-11-20',
    score: 2,
  });
  const data = dataset({
    accounts: [
      acct(
        'A',
        'Northwind Manufacturing International Holdings LLC',
        'maria.gonzalez-fernandez@northwind-cloud.example',
      ),
      acct('B', 'Bravo Logistics Ltd', 'bob.longname-example@northwind-cloud.example'),
    ],
    subscriptions: [line('A', 8_400_000, '2024-01-01'), line('B', 1_200_000, '2024-01-01')],
    renewals: [
      renewal('A', '2026-11-11', 8_400_000, 'open', undefined, undefined, 'RA'),
      renewal('B', '2027-06-11', 1_200_000, 'open', undefined, undefined, 'RB'),
    ],
    nps: [detractor('A', 'N1'), detractor('B', 'N2')],
  });
  const sent: OutgoingMessage[] = [];
  const mailer: Mailer = { send: async (m) => (sent.push(m), { messageId: `m${sent.length}`, raw: Buffer.from('') }) };
  const alerts = new InMemoryAlertStateStore();
  await afterAnEarlierRun(alerts);
  await evaluateAlerts(
    {
      store: { loadDataset: async () => data },
      alerts,
      ledger: new InMemorySendLedger(),
      mailer,
      renderer: await createRiskAlertRenderer(),
    },
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
  for (const m of sent) {
    emails.push({
      name: `${m.subject.includes('CRITICAL') ? 'critical alert' : 'digest'} to ${m.to[0]}`,
      html: m.html,
      text: m.text,
      subject: m.subject,
      message: m,
    });
  }
  return emails;
}
