// `pulse report --week W [--to addr] [--dry-run] [--resend]`: the Monday executive report on the
// embedded local stack. Every email sent (and every dry run) also lands in .pulse/outbox/ as .eml,
// .html (opens in a browser, charts included) and .txt.
import { relative, resolve } from 'node:path';
import { createWeeklyReportRenderer } from '../../functions/adapters/render/weekly-report';
import { composeMime } from '../../functions/adapters/ses/mime';
import { writeOutbox, type OutboxFiles } from '../../functions/adapters/ses/outbox';
import {
  reportSettingsFrom,
  sendWeeklyReport,
  type SendWeeklyReportResult,
} from '../../functions/app/send-weekly-report';
import { weekStartsOnNumber, type PulseConfig } from '../../functions/config';
import type { Dataset } from '../../functions/domain/contract/validate';
import { isoWeekLabel, todayIn, weekFromLabel, reportWeek } from '../../functions/domain/dates';
import { CliError, loadConfig } from './context';
import { localLinkIssuer, localLinkStore } from './download-server';
import { DEFAULT_STACK, awsJobClients, invokeDeployedJob, type TargetOptions } from './target';
import { localMailAdapters, OUTBOX_DIR } from './local-mail';
import { openLocalStack, type LocalSession } from './local';

export interface ReportOptions extends TargetOptions {
  config?: string;
  week?: string;
  to?: string[];
  dryRun?: boolean;
  resend?: boolean;
  serve?: boolean;
}

export interface ReportRunOptions {
  asOf: string;
  to?: string[];
  dryRun?: boolean;
  resend?: boolean;
  trigger: string;
  dataset?: Dataset;
  log: (line: string) => void;
}

/**
 * Sends (or renders) the report against an open local session and prints what happened.
 * @demoStep the Monday job's report (functions/handlers/weekly-report.ts)
 */
export async function runReportLocally(
  session: LocalSession,
  config: PulseConfig,
  opts: ReportRunOptions,
): Promise<{ result: SendWeeklyReportResult; files: OutboxFiles[] }> {
  const mail = localMailAdapters(session);
  const settings = reportSettingsFrom(config, { archiveBucket: session.stack.resources.archiveBucket });
  try {
    const outbox = mail.mailer;
    const result = await sendWeeklyReport(
      {
        store: session.store,
        runLedger: session.runLedger,
        sendLedger: mail.ledger,
        mailer: outbox,
        renderer: await createWeeklyReportRenderer(),
        archiveLinks: await localLinkIssuer(localLinkStore(session.stack.resources.tableName)),
      },
      settings,
      {
        asOf: opts.asOf,
        ...(opts.to ? { to: opts.to } : {}),
        dryRun: opts.dryRun === true,
        resend: opts.resend === true,
        trigger: opts.trigger,
        ...(opts.dataset ? { dataset: opts.dataset } : {}),
      },
    );
    const files = [...outbox.written];
    if (result.status === 'dry-run')
      files.push(
        await writeOutbox(
          OUTBOX_DIR,
          result.message,
          await composeMime(result.message),
          `weekly-report-${result.week.toLowerCase()}.preview`,
        ),
      );
    printResult(result, files, opts.log);
    return { result, files };
  } finally {
    mail.close();
  }
}

function printResult(result: SendWeeklyReportResult, files: OutboxFiles[], log: (line: string) => void): void {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  if (result.status === 'delayed') {
    log(`Report for ${result.week} NOT sent: the checks failed (fail closed):`);
    for (const p of result.problems) log(`  - ${p.check}: ${p.message}`);
    for (const s of result.notice.sent) log(`"report delayed" notice sent to ${s.recipient} (${s.messageId})`);
    for (const s of result.notice.alreadySent)
      log(`"report delayed" notice already sent to ${s.recipient} at ${s.sentAt}`);
  } else if (result.status === 'dry-run') {
    log(`Dry run for ${result.week}: rendered, nothing claimed or sent. Subject: ${result.email.subject}`);
    for (const p of result.problems) log(`  warning (a real send would be held back): ${p.message}`);
  } else {
    log(`Subject: ${result.email.subject}`);
    for (const s of result.sends.sent) log(`sent to ${s.recipient} (SES message ${s.messageId})`);
    for (const s of result.sends.alreadySent)
      log(`already sent to ${s.recipient} at ${s.sentAt} (${s.messageId}); not sent again (use --resend to force)`);
    for (const s of result.sends.inFlight)
      log(
        `NOT sent to ${s.recipient}: claimed at ${s.claimedAt} by a run that never marked it sent (see docs/report.md; --resend forces)`,
      );
    for (const s of result.sends.failed)
      log(
        `FAILED for ${s.recipient}: ${s.error}${s.released ? ' (released: the next run retries)' : ' (left claimed)'}`,
      );
  }
  for (const f of files) log(`outbox: ${rel(f.html)}  (also .eml, .txt)`);
}

export async function reportCommand(opts: ReportOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const weekStartsOn = weekStartsOnNumber(config);
  let asOf: string;
  try {
    asOf = opts.week
      ? weekFromLabel(opts.week, weekStartsOn).asOf
      : reportWeek(todayIn(config.company.timezone), weekStartsOn).asOf;
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (opts.target === 'aws') return reportInAws(opts, isoWeekLabel(asOf));
  const session = await openLocalStack();
  try {
    const { result } = await runReportLocally(session, config, {
      asOf,
      ...(opts.to?.length ? { to: opts.to } : {}),
      dryRun: opts.dryRun === true,
      resend: opts.resend === true,
      trigger: 'cli',
      log: (l) => console.log(l),
    });
    if (opts.serve) {
      console.log(
        `\nSES viewer: ${session.stack.endpoints.sesViewer} (the local SES keeps messages only while the stack runs). Ctrl-C to stop.`,
      );
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    if (result.status === 'delayed') return 2;
    if (result.status === 'sent' && (result.sends.failed.length || result.sends.inFlight.length)) return 1;
    return 0;
  } finally {
    await session.close();
  }
}

export const outboxPath = () => resolve(OUTBOX_DIR);

/** `--target aws`: the deployed weekly-report function sends (or resends) the week, as on Monday. */
async function reportInAws(opts: ReportOptions, week: string): Promise<number> {
  const unsupported = [opts.to?.length && '--to', opts.dryRun && '--dry-run', opts.serve && '--serve'].filter(Boolean);
  if (unsupported.length) {
    throw new CliError(
      `${unsupported.join(', ')} work on the local stack only; with --target aws the deployed function sends to the configured recipients (--week, --resend)`,
    );
  }
  const summary = (await invokeDeployedJob(
    opts.stack ?? DEFAULT_STACK,
    'weekly-report',
    { week, resend: opts.resend === true },
    awsJobClients(),
  )) as {
    status: string;
    sent?: number;
    alreadySent?: number;
    problems?: string[];
    failed?: string[];
    inFlight?: string[];
  };
  console.log(JSON.stringify(summary, null, 2));
  if (summary.status === 'delayed') return 2;
  return summary.failed?.length || summary.inFlight?.length ? 1 : 0;
}
