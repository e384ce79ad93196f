// The data-quality footer counts the records an ingest kept under their source id (no account
// matched), from the run ledger's `unmatched`, in the e-mail's HTML and text.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer } from '../../../functions/adapters/render/weekly-report';
import { sendWeeklyReport, type ReportSettings } from '../../../functions/app/send-weekly-report';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import type { ReportRenderer } from '../../../functions/ports/report-renderer';
import { demoDataset } from './demo-dataset';
import { MemoryMailer, MemoryRunLedger, MemorySendLedger, MemoryStore } from './fakes';

describe('data-quality footer: unmatched records', () => {
  let renderer: ReportRenderer;
  beforeAll(async () => {
    renderer = await createWeeklyReportRenderer();
  }, 60_000);

  it('says how many records of a source matched no account, and says nothing for a source without any', async () => {
    const runs = new MemoryRunLedger();
    await runs.start({ runId: 'z1', kind: 'ingest', subject: 'zendesk', startedAt: '2026-11-23T11:00:00Z' });
    await runs.finish('z1', { status: 'succeeded', finishedAt: '2026-11-23T11:01:00Z', counts: { written: 40, unmatched: 2 }, errors: [] });
    await runs.start({ runId: 's1', kind: 'ingest', subject: 'stripe', startedAt: '2026-11-23T10:00:00Z' });
    await runs.finish('s1', { status: 'succeeded', finishedAt: '2026-11-23T10:01:00Z', counts: { written: 10 }, errors: [] });
    const settings: ReportSettings = {
      companyName: 'Northwind Cloud', locale: 'en-US', timeZone: 'America/New_York', kpi: DEFAULT_KPI_SETTINGS, from: 'p@n.example',
      recipients: ['ceo@n.example'], operators: [], subjectTemplate: '{{company}} {{week}}', requiredSources: [], maxAgeDays: 3, riskWindowDays: 90, archive: {},
    };
    const r = await sendWeeklyReport(
      { store: new MemoryStore(demoDataset()), runLedger: runs, sendLedger: new MemorySendLedger(), mailer: new MemoryMailer(), renderer, now: () => new Date('2026-11-23T13:00:00Z') },
      settings,
      { asOf: '2026-11-22', dryRun: true },
    );
    if (r.status !== 'dry-run') throw new Error(r.status);
    expect(r.email.html).toMatch(/<strong>zendesk<\/strong> ingested [^;]*, every row valid, 2 record\(s\) matched no account \(<code>pulse sources match<\/code>\)/);
    expect(r.email.html).toMatch(/<strong>stripe<\/strong> ingested [^;]*, every row valid;/);
    expect(r.email.text).toMatch(/zendesk: ingested .*every row valid, 2 record\(s\) matched no account \(pulse sources match\)/);
    expect(r.email.text).not.toMatch(/stripe: ingested .*matched no account/);
  });
});
