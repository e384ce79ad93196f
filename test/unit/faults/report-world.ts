// The weekly report's settings and a plain renderer for the fault tests of sending (no templates,
// no charts: these tests are about claims, sends and retries).
import type { ReportSettings } from '../../../functions/app/send-weekly-report';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import type { ReportRenderer } from '../../../functions/ports/report-renderer';

export const ASOF = '2026-11-22';
/** Monday 08:00 in New York. */
export const NOW = new Date('2026-11-23T13:00:00Z');
export const RECIPIENTS = ['ceo@northwind.example', 'board@northwind.example'];

export const settings: ReportSettings = {
  companyName: 'Northwind Cloud',
  locale: 'en-US',
  timeZone: 'America/New_York',
  kpi: DEFAULT_KPI_SETTINGS,
  from: 'pulse@northwind.example',
  recipients: RECIPIENTS,
  operators: ['ops@northwind.example'],
  subjectTemplate: '{{company}} weekly {{week}}',
  requiredSources: ['crm'],
  maxAgeDays: 3,
  riskWindowDays: 90,
  archive: { bucket: 'pulse-archive' },
};

export const plainRenderer: ReportRenderer = {
  renderWeeklyReport: async () => ({
    subject: 'Northwind Cloud weekly 2026-W47',
    html: '<p>the report</p>',
    text: 'the report',
    images: [],
  }),
  renderDelayedNotice: async () => ({ subject: 'delayed', html: '<p>delayed</p>', text: 'delayed', images: [] }),
};
