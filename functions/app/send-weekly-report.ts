// Send the Monday executive report for one week, exactly once per recipient, or hold it back.
//
//   1. compute the week from the store (the same engine and data as `pulse kpis`);
//   2. fail closed: every required source ingested for the week (run ledger) and the numbers sane
//      (bridge identities, segments add up); otherwise send the operator a "report delayed" notice
//      (once per week) and stop;
//   3. render (view model -> templates + charts);
//   4. per recipient: claim (conditional write), send (<= 50 recipients per message), mark sent
//      with the SES message id. A recipient already sent is skipped; one claimed by a run that has
//      not finished (or crashed between claim and send) is left alone: see docs/report.md.
// `resend` forces new claims (a deliberate second copy); `dryRun` renders without claiming or sending.
import type { PulseConfig } from '../config';
import type { Dataset } from '../domain/contract/validate';
import { isoWeekLabel, type IsoDate } from '../domain/dates';
import { kpiScopes, kpiSettingsFrom, type KpiScopes, type KpiSettings } from '../domain/kpi';
import {
  buildWeeklyReportView,
  checkFreshness,
  checkSanity,
  computeWeeklyReportData,
  dataQualityOf,
  planOf,
  reportOutlook,
  reportUsageFrom,
  weeklyReportInput,
  type Problem,
  type WeeklyReportView,
} from '../domain/report';
import { INDEX_KEY, periodPrefix, weeklyPack } from '../domain/archive';
import { MAX_RECIPIENTS_PER_MESSAGE, type Mailer, type OutgoingMessage } from '../ports/mailer';
import type { SendKey, SendLedger } from '../ports/send-ledger';
import type { RenderedEmail, ReportRenderer } from '../ports/report-renderer';
import type { RunLedger } from '../ports/run-ledger';
import type { Store } from '../ports/store';
import { emailIndexLink, type ArchiveLinkIssuer } from './archive-links';
import { recordRun, type RunContext } from './record-run';
import { sendOnce } from './send-once';

export const REPORT_KIND = 'weekly-report';
export const DELAYED_KIND = 'weekly-report-delayed';

export interface ReportSettings {
  companyName: string;
  locale: string;
  timeZone: string;
  kpi: KpiSettings;
  from: string;
  replyTo?: string;
  /** Who gets the report. */
  recipients: string[];
  /** Who gets the "report delayed" notice. */
  operators: string[];
  subjectTemplate: string;
  requiredSources: string[];
  maxAgeDays: number;
  riskWindowDays: number;
  /** Where the week's archive is: a download URL base, else the bucket's name. */
  archive: { baseUrl?: string; bucket?: string };
}

/** The report's settings from the Pulse config (the archive bucket comes from the environment). */
export function reportSettingsFrom(config: PulseConfig, opts: { archiveBucket?: string } = {}): ReportSettings {
  const r = config.report;
  return {
    companyName: config.company.name,
    locale: config.company.locale,
    timeZone: config.company.timezone,
    kpi: kpiSettingsFrom(config),
    from: config.sender.from,
    ...(config.sender.replyTo ? { replyTo: config.sender.replyTo } : {}),
    recipients: config.recipients.ceo,
    operators: config.recipients.operator,
    subjectTemplate: r.subject,
    // By default every source that runs on a schedule must be fresh (manual ones cannot be expected to).
    requiredSources:
      r.freshness.requiredSources ?? config.sources.filter((s) => s.schedule !== 'manual').map((s) => s.name),
    maxAgeDays: r.freshness.maxAgeDays,
    riskWindowDays: r.riskWindowDays,
    archive: {
      ...(r.archiveBaseUrl ? { baseUrl: r.archiveBaseUrl } : {}),
      ...(opts.archiveBucket ? { bucket: opts.archiveBucket } : {}),
    },
  };
}

export interface SendWeeklyReportDeps {
  store: Store;
  runLedger: RunLedger;
  sendLedger: SendLedger;
  mailer: Mailer;
  renderer: ReportRenderer;
  /** Signs a durable download link for an archive key (the download endpoint); without it the email names the S3 location. */
  archiveLink?: (key: string) => string;
  /** Without archiveLink: records the e-mail's archive link (the index) for its recipients on the download endpoint. */
  archiveLinks?: ArchiveLinkIssuer;
  now?: () => Date;
}

export interface SendWeeklyReportOptions {
  /** The reported week's last day. */
  asOf: IsoDate;
  /** Send to these addresses instead of the configured recipients (a test send; the notice goes there too). */
  to?: string[];
  /** Render only: no claim, no send, no run recorded. */
  dryRun?: boolean;
  /** Send again even to recipients already sent (new claims; the old message ids are kept). */
  resend?: boolean;
  /** `schedule`, `cli`, `demo` ... (recorded in the run ledger). */
  trigger?: string;
  /** Use this dataset instead of loading the store (it must be what the store holds). */
  dataset?: Dataset;
}

export interface RecipientOutcome {
  recipient: string;
  messageId?: string;
  sentAt?: string;
  claimedAt?: string;
  error?: string;
}

export interface Sends {
  sent: RecipientOutcome[];
  alreadySent: RecipientOutcome[];
  /** Claimed by another run that has not marked them sent: not sent again (see docs/report.md). */
  inFlight: RecipientOutcome[];
  /** The send failed; `released` ones will be sent by the next run, the others are left claimed. */
  failed: (RecipientOutcome & { released: boolean })[];
  /** The messages that went out (one per up to 50 recipients). */
  messages: OutgoingMessage[];
}

export type SendWeeklyReportResult =
  | {
      status: 'sent';
      week: string;
      asOf: IsoDate;
      view: WeeklyReportView;
      email: RenderedEmail;
      sends: Sends;
      contexts: KpiScopes;
    }
  | { status: 'delayed'; week: string; asOf: IsoDate; problems: Problem[]; notice: Sends }
  | {
      status: 'dry-run';
      week: string;
      asOf: IsoDate;
      view: WeeklyReportView;
      email: RenderedEmail;
      message: OutgoingMessage;
      problems: Problem[];
    };

export class ReportSendError extends Error {
  override readonly name = 'ReportSendError';
  readonly code = 'REPORT_SEND_FAILED';
}

const emptySends = (): Sends => ({ sent: [], alreadySent: [], inFlight: [], failed: [], messages: [] });

function normaliseRecipients(list: readonly string[]): string[] {
  return [...new Set(list.map((r) => r.trim().toLowerCase()).filter(Boolean))];
}

/**
 * The report's deliveries: one send-once per message of at most 50 recipients (SES's limit), each
 * recipient claimed on its own. An unknown outcome is held (at most once): see functions/app/send-once.ts.
 */
export async function sendToRecipients(
  deps: Pick<SendWeeklyReportDeps, 'sendLedger' | 'mailer'>,
  key: { kind: string; period: string },
  recipients: readonly string[],
  message: Omit<OutgoingMessage, 'to'>,
  opts: { force?: boolean } = {},
): Promise<Sends> {
  const out = emptySends();
  const all = normaliseRecipients(recipients);
  for (let i = 0; i < all.length; i += MAX_RECIPIENTS_PER_MESSAGE) {
    const keys = all.slice(i, i + MAX_RECIPIENTS_PER_MESSAGE).map((recipient): SendKey => ({ ...key, recipient }));
    const sent = await sendOnce(
      { ledger: deps.sendLedger, channel: deps.mailer },
      keys,
      (claimed): OutgoingMessage => ({ ...message, to: claimed.map((c) => keys[c]!.recipient) }),
      { unknownOutcome: 'hold' },
      opts,
    );
    if (sent.delivered) out.messages.push(sent.delivered.message);
    for (const o of sent.outcomes) {
      const recipient = o.key.recipient;
      if (o.status === 'sent') out.sent.push({ recipient, messageId: o.messageId });
      else if (o.status === 'already-sent')
        out.alreadySent.push({ recipient, messageId: o.messageId, sentAt: o.sentAt });
      else if (o.status === 'in-flight') out.inFlight.push({ recipient, claimedAt: o.claimedAt });
      else out.failed.push({ recipient, error: o.error, released: o.released });
    }
  }
  return out;
}

function archiveOf(
  settings: ReportSettings,
  week: string,
  link?: (key: string) => string,
): { label: string; url: string | null } {
  // The archive index lists every pack with its files, so the link holds even when a week's pack
  // is regenerated as a new version.
  if (link) return { label: `Finance archive: this week's pack (${week}) and every earlier one`, url: link(INDEX_KEY) };
  if (settings.archive.baseUrl) {
    const url = `${settings.archive.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(week)}`;
    return { label: url, url };
  }
  if (settings.archive.bucket)
    return { label: `s3://${settings.archive.bucket}/${periodPrefix(weeklyPack(week))}`, url: null };
  return { label: 'not archived yet', url: null };
}

export async function sendWeeklyReport(
  deps: SendWeeklyReportDeps,
  settings: ReportSettings,
  opts: SendWeeklyReportOptions,
): Promise<SendWeeklyReportResult> {
  const now = deps.now ?? (() => new Date());
  const week = isoWeekLabel(opts.asOf);
  const recipients = normaliseRecipients(opts.to ?? settings.recipients);
  if (recipients.length === 0)
    throw new ReportSendError('the weekly report has no recipients (config recipients.ceo, or --to)');
  const archiveLink =
    deps.archiveLink ??
    (deps.archiveLinks ? await emailIndexLink(deps.archiveLinks, opts.to ?? settings.recipients) : undefined);

  const body = async (run?: RunContext): Promise<SendWeeklyReportResult> => {
    const data = opts.dataset ?? (await deps.store.loadDataset({ usageFrom: reportUsageFrom(opts.asOf) }));
    const scopes = kpiScopes(data, settings.kpi);
    const computed = computeWeeklyReportData(data, settings.kpi, opts.asOf, undefined, scopes);
    const plan = planOf(data);

    const runs = await deps.runLedger.list({ kind: 'ingest', limit: 500 });
    const problems = [
      ...checkFreshness(runs, opts.asOf, now(), {
        requiredSources: settings.requiredSources,
        maxAgeDays: settings.maxAgeDays,
        timeZone: settings.timeZone,
      }),
      ...checkSanity(computed.company, computed.segments, computed.trend),
    ];

    const view = buildWeeklyReportView(
      weeklyReportInput(computed, {
        companyName: settings.companyName,
        locale: settings.locale,
        subjectTemplate: settings.subjectTemplate,
        archive: archiveOf(settings, week, archiveLink),
        dataQuality: dataQualityOf(runs, settings.timeZone),
        riskWindowDays: settings.riskWindowDays,
        outlook: reportOutlook(scopes.company, opts.asOf, plan.targets),
        annotations: plan.annotations,
      }),
    );
    const headers = { 'X-Pulse-Kind': REPORT_KIND, 'X-Pulse-Period': week };

    if (opts.dryRun) {
      const email = await deps.renderer.renderWeeklyReport(view);
      const message: OutgoingMessage = {
        from: settings.from,
        to: recipients,
        ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
        subject: email.subject,
        html: email.html,
        text: email.text,
        images: email.images,
        headers,
      };
      return { status: 'dry-run', week, asOf: opts.asOf, view, email, message, problems };
    }

    if (problems.length > 0) {
      run?.fail(`report delayed: ${problems.length} check(s) failed`);
      for (const p of problems) run?.error(`${p.check}: ${p.message}`);
      const operators = opts.to ? recipients : settings.operators;
      const notice = await deps.renderer.renderDelayedNotice({
        companyName: settings.companyName,
        week,
        asOf: opts.asOf,
        problems: problems.map((p) => p.message),
        nextStep: `Fix the inputs (run the missing ingests), then run the report again: \`pulse report --week ${week}\` or wait for the next scheduled attempt. Nothing was sent to ${recipients.join(', ')}.`,
      });
      const sends = operators.length
        ? await sendToRecipients(deps, { kind: DELAYED_KIND, period: week }, operators, {
            from: settings.from,
            subject: notice.subject,
            html: notice.html,
            text: notice.text,
            images: [],
            headers: { 'X-Pulse-Kind': DELAYED_KIND, 'X-Pulse-Period': week },
          })
        : emptySends();
      run?.count('noticesSent', sends.sent.length);
      return { status: 'delayed', week, asOf: opts.asOf, problems, notice: sends };
    }

    const email = await deps.renderer.renderWeeklyReport(view);
    const sends = await sendToRecipients(
      deps,
      { kind: REPORT_KIND, period: week },
      recipients,
      {
        from: settings.from,
        ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
        subject: email.subject,
        html: email.html,
        text: email.text,
        images: email.images,
        headers,
      },
      { force: opts.resend === true },
    );
    run?.count('sent', sends.sent.length);
    run?.count('alreadySent', sends.alreadySent.length);
    run?.count('inFlight', sends.inFlight.length);
    run?.count('failed', sends.failed.length);
    for (const f of sends.failed)
      run?.error(`${f.recipient}: ${f.error}${f.released ? '' : ' (outcome unknown: left claimed)'}`);
    for (const f of sends.inFlight)
      run?.error(
        `${f.recipient}: claimed at ${f.claimedAt} by a run that did not finish; not sent again (use --resend)`,
      );
    if (sends.failed.length) run?.fail();
    return { status: 'sent', week, asOf: opts.asOf, view, email, sends, contexts: scopes };
  };

  if (opts.dryRun) return body();
  return recordRun(
    deps.runLedger,
    { kind: 'report', subject: REPORT_KIND, period: week, ...(opts.trigger ? { trigger: opts.trigger } : {}), now },
    body,
  );
}
