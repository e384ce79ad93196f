// The weekly report against the embedded local stack: the DynamoDB send ledger's conditional
// claims, and exactly one message per recipient in the local SES store after repeated and
// concurrent runs. The SES emulator parses raw sends: its store must show the three inline images.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { DynamoDbSendLedger } from '../../functions/adapters/dynamodb/send-ledger';
import { createWeeklyReportRenderer } from '../../functions/adapters/render/weekly-report';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer';
import { recordRun } from '../../functions/app/record-run';
import {
  sendWeeklyReport,
  type ReportSettings,
  type SendWeeklyReportDeps,
} from '../../functions/app/send-weekly-report';
import { DEFAULT_KPI_SETTINGS } from '../../functions/domain/kpi';
import type { ReportRenderer } from '../../functions/ports/report-renderer';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { demoDataset } from '../unit/report/demo-dataset';
import { MemoryStore } from '../unit/report/fakes';

interface StoredEmail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
  attachments: { contentType: string; cid?: string; related?: boolean }[];
}

/** The address of a To entry as the SES emulator reports it (`"CEO" <ceo@x>` or a bare address). */
const address = (to: string): string => /<([^>]+)>/.exec(to)?.[1] ?? to.trim();

let stack: LocalStack;
let dynamodb: DynamoDBClient;
let ses: SESv2Client;
let renderer: ReportRenderer;
let tables = 0;

beforeAll(async () => {
  [stack, renderer] = await Promise.all([startLocalStack({ persist: false }), createWeeklyReportRenderer()]);
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  dynamodb = new DynamoDBClient({ ...common, endpoint: stack.endpoints.dynamodb });
  ses = new SESv2Client({ ...common, endpoint: stack.endpoints.ses });
}, 180_000);

afterAll(async () => {
  dynamodb?.destroy();
  ses?.destroy();
  await stack?.stop();
});

async function freshTable(): Promise<string> {
  const name = `pulse-report-test-${++tables}`;
  await dynamodb.send(new CreateTableCommand(pulseTableDefinition(name)));
  return name;
}

async function storedEmails(): Promise<StoredEmail[]> {
  const res = await fetch(`${stack.endpoints.ses}/store`);
  return ((await res.json()) as { emails: StoredEmail[] }).emails;
}

const settings: ReportSettings = {
  companyName: 'Northwind Cloud',
  locale: 'en-US',
  timeZone: 'America/New_York',
  kpi: DEFAULT_KPI_SETTINGS,
  from: 'pulse@northwind.example',
  replyTo: 'revops@northwind.example',
  recipients: ['ceo@northwind.example', 'cfo@northwind.example'],
  operators: ['ops@northwind.example'],
  subjectTemplate: '{{company}} weekly {{week}}',
  requiredSources: ['demo'],
  maxAgeDays: 3,
  riskWindowDays: 90,
  archive: { bucket: 'pulse-archive' },
};

async function deps(
  tableName: string,
  opts: { ingested?: boolean } = {},
): Promise<SendWeeklyReportDeps & { dataset: ReturnType<typeof demoDataset> }> {
  const runLedger = new DynamoDbRunLedger({ client: dynamodb, tableName });
  const now = () => new Date('2026-11-23T13:00:00Z');
  if (opts.ingested !== false)
    await recordRun(
      runLedger,
      { kind: 'ingest', subject: 'demo', now: () => new Date('2026-11-23T11:00:00Z') },
      async () => undefined,
    );
  const dataset = demoDataset({ accounts: 60 });
  return {
    store: new MemoryStore(dataset),
    runLedger,
    sendLedger: new DynamoDbSendLedger({ client: dynamodb, tableName, now }),
    mailer: new SesMailer({ client: ses }),
    renderer,
    now,
    dataset,
  };
}

const countBySubjectAndRecipient = (emails: StoredEmail[], subject: string) => {
  const out: Record<string, number> = {};
  // The emulator keeps a raw message's To header as one string ("a@x, b@x").
  for (const e of emails.filter((x) => x.subject === subject))
    for (const to of e.destination.to.flatMap((t) => t.split(/,\s*/))) out[address(to)] = (out[address(to)] ?? 0) + 1;
  return out;
};

describe('DynamoDbSendLedger', () => {
  it('claims once, reports sent and in-flight claims, releases, forces and takes over stale claims', async () => {
    const tableName = await freshTable();
    let t = new Date('2026-11-23T13:00:00Z');
    const ledger = new DynamoDbSendLedger({ client: dynamodb, tableName, now: () => t });
    const key = { kind: 'weekly-report', period: '2026-W47', recipient: 'CEO@Northwind.example' };
    expect(await ledger.claim(key)).toEqual({ status: 'claimed' });
    expect(await ledger.claim({ ...key, recipient: 'ceo@northwind.example' })).toEqual({
      status: 'in-flight',
      claimedAt: '2026-11-23T13:00:00.000Z',
    });
    await ledger.release(key, 'SES throttled');
    expect(await ledger.claim(key)).toEqual({ status: 'claimed' });
    await ledger.markSent(key, 'msg-1');
    expect(await ledger.claim(key)).toEqual({ status: 'sent', messageId: 'msg-1', sentAt: '2026-11-23T13:00:00.000Z' });
    await expect(ledger.markSent({ ...key, period: '2026-W01' }, 'x')).rejects.toMatchObject({ code: 'NOT_CLAIMED' });
    await ledger.release(key, 'too late'); // a sent item is not released
    expect((await ledger.claim(key)).status).toBe('sent');
    t = new Date('2026-11-23T13:00:01Z');
    expect(await ledger.claim(key, { force: true })).toEqual({ status: 'claimed' });
    expect(await ledger.get(key)).toMatchObject({ status: 'claimed', lastMessageId: 'msg-1', attempts: 3 });

    const other = { ...key, recipient: 'cfo@northwind.example' };
    expect((await ledger.claim(other)).status).toBe('claimed');
    t = new Date('2026-11-23T13:20:00Z');
    expect((await ledger.claim(other, { staleAfterMs: 30 * 60_000 })).status).toBe('in-flight');
    expect((await ledger.claim(other, { staleAfterMs: 10 * 60_000 })).status).toBe('claimed');
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const tableName = await freshTable();
    const ledger = new DynamoDbSendLedger({ client: dynamodb, tableName });
    const key = { kind: 'weekly-report', period: '2026-W47', recipient: 'ceo@northwind.example' };
    const results = await Promise.all(Array.from({ length: 8 }, () => ledger.claim(key)));
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'in-flight')).toHaveLength(7);
  });
});

describe('weekly report on the local stack', () => {
  it('two runs leave one message per recipient in the local SES, with its three inline images', async () => {
    const d = await deps(await freshTable());
    const subject = 'Northwind Cloud weekly 2026-W47';
    const first = await sendWeeklyReport(d, settings, { asOf: '2026-11-22', dataset: d.dataset });
    const second = await sendWeeklyReport(d, settings, { asOf: '2026-11-22', dataset: d.dataset });
    expect(first.status === 'sent' && first.sends.sent.length).toBe(2);
    expect(second.status === 'sent' && second.sends.alreadySent.length).toBe(2);
    const emails = await storedEmails();
    expect(countBySubjectAndRecipient(emails, subject)).toEqual({
      'ceo@northwind.example': 1,
      'cfo@northwind.example': 1,
    });
    const email = emails.find((e) => e.subject === subject)!;
    expect(email.attachments.filter((a) => a.contentType === 'image/png' && a.related)).toHaveLength(3);
    // The emulator's parser turns cid: links into data: URIs for its viewer.
    expect(email.body.html).toContain('data:image/png;base64,');
    expect(email.body.text).toContain('HEADLINES');
    expect(first.status === 'sent' && first.sends.sent[0]!.messageId).toBe(email.messageId);
    const reports = await d.runLedger.list({ kind: 'report' });
    expect(reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }, 120_000);

  it('concurrent runs (a duplicated schedule event) send one message per recipient', async () => {
    const d = await deps(await freshTable());
    const results = await Promise.all(
      [1, 2, 3].map(() => sendWeeklyReport(d, settings, { asOf: '2026-11-15', dataset: d.dataset })),
    );
    const sent = results.flatMap((r) => (r.status === 'sent' ? r.sends.sent.map((s) => s.recipient) : []));
    expect(sent.sort()).toEqual(['ceo@northwind.example', 'cfo@northwind.example']);
    expect(countBySubjectAndRecipient(await storedEmails(), 'Northwind Cloud weekly 2026-W46')).toEqual({
      'ceo@northwind.example': 1,
      'cfo@northwind.example': 1,
    });
  }, 120_000);

  it('holds the report back without a fresh ingest, and tells the operator once', async () => {
    const d = await deps(await freshTable(), { ingested: false });
    const r1 = await sendWeeklyReport(d, settings, { asOf: '2026-11-08', dataset: d.dataset });
    const r2 = await sendWeeklyReport(d, settings, { asOf: '2026-11-08', dataset: d.dataset });
    expect([r1.status, r2.status]).toEqual(['delayed', 'delayed']);
    const emails = await storedEmails();
    expect(emails.filter((e) => e.subject === 'Northwind Cloud weekly 2026-W45')).toHaveLength(0);
    const notices = emails.filter(
      (e) => e.subject === 'Pulse: weekly report delayed for Northwind Cloud, week 2026-W45',
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]!.destination.to).toEqual(['"OPS" <ops@northwind.example>']); // the display name comes from the address
    expect(notices[0]!.body.text).toContain('Source "demo" has not been ingested');
  }, 120_000);
});
