import { beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer } from '../../../functions/adapters/render/weekly-report';
import { sendWeeklyReport, type ReportSettings } from '../../../functions/app/send-weekly-report';
import { dataQualityOf } from '../../../functions/domain/report';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import type { ReportRenderer } from '../../../functions/ports/report-renderer';
import { demoDataset } from './demo-dataset';
import { MemoryMailer, MemoryRunLedger, MemorySendLedger, MemoryStore } from './fakes';

describe('data quality footer', () => {
  it('takes the latest ingest of each source, with its rejects, top fields first', () => {
    const q = dataQualityOf(
      [
        {
          subject: 'crm',
          status: 'succeeded',
          startedAt: '2026-11-20T10:00:00Z',
          finishedAt: '2026-11-20T10:01:00Z',
          rejects: { rows: 9, problems: 9, byField: { 'renewals.status': 9 } },
        },
        {
          subject: 'crm',
          status: 'succeeded',
          startedAt: '2026-11-23T03:00:00Z',
          finishedAt: '2026-11-23T03:01:00Z',
          rejects: {
            rows: 3,
            problems: 4,
            location: 's3://r/rejects/x/rejects.csv',
            byField: { 'subscriptions.arr': 1, 'nps.score': 2, '*': 1, 'a.b': 1 },
          },
        },
        {
          subject: 'billing',
          status: 'succeeded',
          startedAt: '2026-11-23T11:00:00Z',
          finishedAt: '2026-11-23T11:02:00Z',
        },
      ],
      'America/New_York',
    );
    expect(q).toEqual({
      known: true,
      rejectedRows: 3,
      sources: [
        {
          source: 'billing',
          lastIngest: '2026-11-23',
          status: 'succeeded',
          rejectedRows: 0,
          topFields: '',
          location: null,
          link: null,
          unmatched: 0,
        },
        // 03:01 UTC is still 22 November in New York
        {
          source: 'crm',
          lastIngest: '2026-11-22',
          status: 'succeeded',
          rejectedRows: 3,
          topFields: 'nps.score (2), * (1), a.b (1)',
          location: 's3://r/rejects/x/rejects.csv',
          link: 'https://s3.console.aws.amazon.com/s3/object/r?prefix=rejects%2Fx%2Frejects.csv',
          unmatched: 0,
        },
      ],
    });
    expect(dataQualityOf([], 'UTC')).toEqual({ known: false, rejectedRows: 0, sources: [] });
  });

  describe('in the email', () => {
    let renderer: ReportRenderer;
    beforeAll(async () => {
      renderer = await createWeeklyReportRenderer();
    }, 60_000);

    /** The week's report as a dry run, with these ingest runs recorded. */
    async function dryRunWith(runs: MemoryRunLedger) {
      const settings: ReportSettings = {
        companyName: 'Northwind Cloud',
        locale: 'en-US',
        timeZone: 'America/New_York',
        kpi: DEFAULT_KPI_SETTINGS,
        from: 'p@n.example',
        recipients: ['ceo@n.example'],
        operators: [],
        subjectTemplate: '{{company}} {{week}}',
        requiredSources: [],
        maxAgeDays: 3,
        riskWindowDays: 90,
        archive: {},
      };
      const r = await sendWeeklyReport(
        {
          store: new MemoryStore(demoDataset()),
          runLedger: runs,
          sendLedger: new MemorySendLedger(),
          mailer: new MemoryMailer(),
          renderer,
          now: () => new Date('2026-11-23T13:00:00Z'),
        },
        settings,
        { asOf: '2026-11-22', dryRun: true },
      );
      if (r.status !== 'dry-run') throw new Error(r.status);
      return r;
    }

    it('shows each source with its rejected rows and the rejects report, in HTML and text', async () => {
      const runs = new MemoryRunLedger();
      await runs.start({ runId: 'r1', kind: 'ingest', subject: 'crm', startedAt: '2026-11-23T11:00:00Z' });
      await runs.finish('r1', {
        status: 'succeeded',
        finishedAt: '2026-11-23T11:01:00Z',
        counts: {},
        errors: [],
        rejects: {
          rows: 2,
          problems: 2,
          location: 's3://pulse-rejects/rejects/r1/rejects.csv',
          byField: { 'nps.score': 2 },
        },
      });
      const r = await dryRunWith(runs);
      // A link to the report, never an internal s3:// path a reader cannot open.
      const link = 'https://s3.console.aws.amazon.com/s3/object/pulse-rejects?prefix=rejects%2Fr1%2Frejects.csv';
      expect(r.email.html).toMatch(
        /Data quality: <strong>crm<\/strong> ingested Nov 23, 2026, 2 row\(s\) rejected \(nps\.score \(2\)\): <a class="link" href="([^"]+)"[^>]*>rejects report<\/a>/,
      );
      expect(r.email.html).toContain(`href="${link.replace(/=/g, '&#x3D;')}"`); // Handlebars escapes = in the attribute
      expect(r.email.html).not.toContain('s3://pulse-rejects');
      expect(r.email.text).toContain('crm: ingested');
      expect(r.email.text).toContain(`2 row(s) rejected (nps.score (2)); rejects report ${link}`);
      expect(r.email.text).not.toContain('s3://pulse-rejects');
    });

    // The records an ingest kept under their source id (no account matched), from the run ledger's `unmatched`.
    it('says how many records of a source matched no account, and says nothing for a source without any', async () => {
      const runs = new MemoryRunLedger();
      await runs.start({ runId: 'z1', kind: 'ingest', subject: 'zendesk', startedAt: '2026-11-23T11:00:00Z' });
      await runs.finish('z1', {
        status: 'succeeded',
        finishedAt: '2026-11-23T11:01:00Z',
        counts: { written: 40, unmatched: 2 },
        errors: [],
      });
      await runs.start({ runId: 's1', kind: 'ingest', subject: 'stripe', startedAt: '2026-11-23T10:00:00Z' });
      await runs.finish('s1', {
        status: 'succeeded',
        finishedAt: '2026-11-23T10:01:00Z',
        counts: { written: 10 },
        errors: [],
      });
      const r = await dryRunWith(runs);
      expect(r.email.html).toMatch(
        /<strong>zendesk<\/strong> ingested [^;]*, every row valid, 2 record\(s\) matched no account \(<code>pulse sources match<\/code>\)/,
      );
      expect(r.email.html).toMatch(/<strong>stripe<\/strong> ingested [^;]*, every row valid;/);
      expect(r.email.text).toMatch(
        /zendesk: ingested .*every row valid, 2 record\(s\) matched no account \(pulse sources match\)/,
      );
      expect(r.email.text).not.toMatch(/stripe: ingested .*matched no account/);
    });
  });
});
