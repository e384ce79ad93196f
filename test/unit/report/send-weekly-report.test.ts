// The send-weekly-report use case with in-memory ports: fail closed, once per recipient, what a
// failed send leaves behind, resend, and the 50-recipient limit.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWeeklyReportRenderer } from '../../../functions/adapters/render/weekly-report';
import { sendWeeklyReport, type ReportSettings } from '../../../functions/app/send-weekly-report';
import { DEFAULT_KPI_SETTINGS } from '../../../functions/domain/kpi';
import { emptyDataset } from '../../../functions/domain/contract/validate';
import { checkFreshness, checkSanity, computeWeeklyReportData } from '../../../functions/domain/report';
import { MailError } from '../../../functions/ports/mailer';
import type { ReportRenderer } from '../../../functions/ports/report-renderer';
import { demoDataset } from './demo-dataset';
import { MemoryMailer, MemoryRunLedger, MemorySendLedger, MemoryStore } from './fakes';

const ASOF = '2026-11-22';
const NOW = new Date('2026-11-23T13:00:00Z'); // Monday 08:00 in New York
const settings: ReportSettings = {
  companyName: 'Northwind Cloud',
  locale: 'en-US',
  timeZone: 'America/New_York',
  kpi: DEFAULT_KPI_SETTINGS,
  from: 'pulse@northwind.example',
  recipients: ['CEO@northwind.example', 'ceo@northwind.example ', 'board@northwind.example'],
  operators: ['ops@northwind.example'],
  subjectTemplate: '{{company}} weekly {{week}}',
  requiredSources: ['crm', 'billing'],
  maxAgeDays: 3,
  riskWindowDays: 90,
  archive: { bucket: 'pulse-archive' },
};

let renderer: ReportRenderer;
beforeAll(async () => {
  renderer = await createWeeklyReportRenderer();
}, 60_000);

function world(opts: { fresh?: boolean } = {}) {
  const runs = new MemoryRunLedger();
  if (opts.fresh !== false) runs.ingested('crm', '2026-11-23T11:00:00Z').ingested('billing', '2026-11-23T11:05:00Z');
  return {
    store: new MemoryStore(demoDataset()),
    runLedger: runs,
    sendLedger: new MemorySendLedger(),
    mailer: new MemoryMailer(),
    renderer,
    now: () => NOW,
  };
}

describe('sendWeeklyReport', () => {
  it('sends once per recipient (addresses de-duplicated), records a report run, and a second run sends nothing', async () => {
    const w = world();
    const first = await sendWeeklyReport(w, settings, { asOf: ASOF, trigger: 'test' });
    expect(first.status).toBe('sent');
    expect(w.mailer.sent).toHaveLength(1);
    expect(w.mailer.sent[0]!.to).toEqual(['ceo@northwind.example', 'board@northwind.example']);
    expect(w.mailer.sent[0]!.headers).toEqual({ 'X-Pulse-Kind': 'weekly-report', 'X-Pulse-Period': '2026-W47' });
    expect(w.mailer.sent[0]!.images).toHaveLength(3);
    const second = await sendWeeklyReport(w, settings, { asOf: ASOF });
    expect(second.status === 'sent' && second.sends.alreadySent.map((s) => s.recipient)).toEqual([
      'ceo@northwind.example',
      'board@northwind.example',
    ]);
    expect(w.mailer.sent).toHaveLength(1);
    const reportRuns = await w.runLedger.list({ kind: 'report' });
    expect(reportRuns.map((r) => [r.status, r.period, r.counts.sent ?? 0])).toEqual(
      expect.arrayContaining([
        ['succeeded', '2026-W47', 2],
        ['succeeded', '2026-W47', 0],
      ]),
    );
  });

  it('--resend sends a second copy on purpose', async () => {
    const w = world();
    await sendWeeklyReport(w, settings, { asOf: ASOF });
    const again = await sendWeeklyReport(w, settings, { asOf: ASOF, resend: true });
    expect(again.status === 'sent' && again.sends.sent).toHaveLength(2);
    expect(w.mailer.sent).toHaveLength(2);
  });

  it('fails closed on stale data: the operator gets one "report delayed" notice saying what is missing', async () => {
    const w = world({ fresh: false });
    w.runLedger.ingested('crm', '2026-11-23T11:00:00Z');
    const r = await sendWeeklyReport(w, settings, { asOf: ASOF });
    expect(r.status).toBe('delayed');
    if (r.status !== 'delayed') return;
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringContaining(
        'Source "billing" has not been ingested for the week ending 2026-11-22 (no successful ingest recorded)',
      ),
    ]);
    expect(w.mailer.sent).toHaveLength(1);
    expect(w.mailer.sent[0]!.to).toEqual(['ops@northwind.example']);
    expect(w.mailer.sent[0]!.subject).toContain('delayed');
    expect(w.mailer.sent[0]!.text).toContain('billing');
    // Once per week: the next (still failing) run does not notify again.
    const again = await sendWeeklyReport(w, settings, { asOf: ASOF });
    expect(again.status === 'delayed' && again.notice.alreadySent).toHaveLength(1);
    expect(w.mailer.sent).toHaveLength(1);
    expect((await w.runLedger.list({ kind: 'report' }))[0]!.status).toBe('failed');
    // Data arrives: the report goes out.
    w.runLedger.ingested('billing', '2026-11-23T12:00:00Z');
    expect((await sendWeeklyReport(w, settings, { asOf: ASOF })).status).toBe('sent');
    expect(w.mailer.sent.map((m) => m.to)).toEqual([
      ['ops@northwind.example'],
      ['ceo@northwind.example', 'board@northwind.example'],
    ]);
  });

  it('fails closed on an empty store (no revenue data)', async () => {
    const w = world();
    const r = await sendWeeklyReport({ ...w, store: new MemoryStore(emptyDataset()) }, settings, { asOf: ASOF });
    expect(r.status).toBe('delayed');
    if (r.status === 'delayed')
      expect(r.problems).toEqual([
        { check: 'sanity', message: expect.stringMatching(/no customers with ARR at 2026-11-22/) },
      ]);
  });

  it('a send that surely failed is released (the next run sends); an unknown outcome stays claimed (never a duplicate)', async () => {
    const w = world();
    w.mailer.failures = [new MailError('THROTTLED', 'throttled')];
    const r1 = await sendWeeklyReport(w, settings, { asOf: ASOF });
    expect(r1.status === 'sent' && r1.sends.failed.every((f) => f.released)).toBe(true);
    const r2 = await sendWeeklyReport(w, settings, { asOf: ASOF });
    expect(r2.status === 'sent' && r2.sends.sent).toHaveLength(2);

    const v = world();
    v.mailer.failures = [new MailError('UNKNOWN_OUTCOME', 'socket hang up')];
    const u1 = await sendWeeklyReport(v, settings, { asOf: ASOF });
    expect(u1.status === 'sent' && u1.sends.failed.every((f) => !f.released)).toBe(true);
    const u2 = await sendWeeklyReport(v, settings, { asOf: ASOF });
    expect(u2.status === 'sent' && u2.sends.inFlight).toHaveLength(2);
    expect(v.mailer.sent).toHaveLength(0);
  });

  it('sends at most 50 recipients per message', async () => {
    const w = world();
    const recipients = Array.from({ length: 120 }, (_, i) => `exec${i}@northwind.example`);
    const r = await sendWeeklyReport(w, { ...settings, recipients }, { asOf: ASOF });
    expect(w.mailer.sent.map((m) => m.to.length)).toEqual([50, 50, 20]);
    expect(r.status === 'sent' && r.sends.sent).toHaveLength(120);
  });

  it('--dry-run renders without claiming, sending or recording, and reports what would hold it back', async () => {
    const w = world({ fresh: false });
    const r = await sendWeeklyReport(w, settings, { asOf: ASOF, dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.status === 'dry-run' && r.problems).toHaveLength(2);
    expect(w.mailer.sent).toHaveLength(0);
    expect(w.sendLedger.items.size).toBe(0);
    expect(await w.runLedger.list({ kind: 'report' })).toEqual([]);
  });

  it("links the archive through the download endpoint when it can sign links, else names the week's real S3 folder", async () => {
    const signed = await sendWeeklyReport(
      { ...world(), archiveLink: (key) => `https://dl.example/d/${encodeURIComponent(key)}.sig` },
      settings,
      { asOf: ASOF, dryRun: true },
    );
    expect(signed.status === 'dry-run' && signed.view.meta.archive).toEqual({
      label: "Finance archive: this week's pack (2026-W47) and every earlier one",
      url: 'https://dl.example/d/archive%2Findex.html.sig',
    });
    expect(signed.status === 'dry-run' && signed.email.html).toContain(
      'href="https://dl.example/d/archive%2Findex.html.sig"',
    );
    const plain = await sendWeeklyReport(world(), settings, { asOf: ASOF, dryRun: true });
    expect(plain.status === 'dry-run' && plain.view.meta.archive).toEqual({
      label: 's3://pulse-archive/archive/weekly/2026/2026-W47/',
      url: null,
    });
  });
});

describe('checkSanity', () => {
  const d = computeWeeklyReportData(demoDataset(), DEFAULT_KPI_SETTINGS, ASOF);
  it("passes the engine's own results", () => {
    expect(checkSanity(d.company, d.segments, d.trend)).toEqual([]);
  });
  it('names each broken identity', () => {
    const company = {
      ...d.company,
      arrBridge: { ...d.company.arrBridge, churn: d.company.arrBridge.churn + 100 },
      customers: { ...d.company.customers, new: d.company.customers.new + 1 },
    };
    const messages = checkSanity(company, d.segments, d.trend).map((p) => p.message);
    expect(messages).toEqual([
      "The week's ARR bridge does not add up: open + movements - close = -1.00.",
      expect.stringMatching(/^Customer counts do not add up/),
    ]);
    const segments = new Map(d.segments);
    const [name, first] = [...segments][0]!;
    segments.set(name, { ...first, arrBridge: { ...first.arrBridge, close: first.arrBridge.close + 1 } });
    expect(checkSanity(d.company, segments, d.trend).map((p) => p.message)).toEqual([
      expect.stringMatching(/^Segments' closing ARR/),
    ]);
  });
});

describe('checkFreshness', () => {
  const policy = { requiredSources: ['crm'], maxAgeDays: 3, timeZone: 'America/New_York' };
  const run = (finishedAt: string, status = 'succeeded') => ({
    kind: 'ingest',
    subject: 'crm',
    status,
    startedAt: finishedAt,
    finishedAt,
  });
  it("accepts an ingest finished on or after the week's last day (local date), within the age limit", () => {
    expect(checkFreshness([run('2026-11-23T04:30:00Z')], ASOF, NOW, policy)).toEqual([]); // 23:30 on the 22nd in New York
    expect(checkFreshness([run('2026-11-22T04:30:00Z')], ASOF, NOW, policy)).toHaveLength(1); // the 21st locally
  });
  it('rejects a failed or too old ingest, and says what it found', () => {
    expect(checkFreshness([run('2026-11-23T11:00:00Z', 'failed')], ASOF, NOW, policy)[0]!.message).toMatch(
      /no successful ingest recorded; a run started 2026-11-23 failed/,
    );
    expect(
      checkFreshness([run('2026-11-23T11:00:00Z')], ASOF, new Date('2026-11-30T12:00:00Z'), policy)[0]!.message,
    ).toMatch(/last successful ingest finished 2026-11-23/);
  });
  it('with no sources named, needs at least one fresh ingest of any source', () => {
    expect(checkFreshness([], ASOF, NOW, { ...policy, requiredSources: [] })[0]!.message).toMatch(
      /No source was ingested/,
    );
    expect(checkFreshness([run('2026-11-23T11:00:00Z')], ASOF, NOW, { ...policy, requiredSources: [] })).toEqual([]);
  });
});
