// The Monday job: send the executive report for a week (functions/app/send-weekly-report.ts) and,
// once it went out, archive the week for finance (functions/app/archive-week.ts) from the same
// data and KPI indexes. The Lambda function runs this; `pulse demo` archives with the same input
// through archiveSentReport.
import type { PulseConfig } from '../config';
import { configHash, embedInlineImages, type EmbeddableImage } from '../domain/archive';
import type { Dataset } from '../domain/contract/validate';
import type { IsoDate } from '../domain/dates';
import { kpiSettingsFrom, type KpiScopes } from '../domain/kpi';
import { reportUsageFrom } from '../domain/report';
import type { ArchiveStore } from '../ports/archive';
import type { BoardPackRenderer } from '../ports/board-pack-renderer';
import type { RunLedger } from '../ports/run-ledger';
import { issueIndexLinks, reportArchiveLinks, type ArchiveLinkIssuer } from './archive-links';
import { archiveWeek, type ArchiveWeekResult } from './archive-week';
import { announceWeeklyReport, type ChatOutcome } from './chat-notify';
import type { ChatChannels } from '../ports/chat';
import {
  reportSettingsFrom,
  sendWeeklyReport,
  type SendWeeklyReportDeps,
  type SendWeeklyReportResult,
} from './send-weekly-report';

export interface SentReport {
  asOf: IsoDate;
  /** The data the report was computed from. */
  data: Dataset;
  /** The email as rendered and sent (its images are embedded into the archived HTML). */
  email: { html: string; images: readonly EmbeddableImage[] };
  /** The raw message as sent, when the caller kept it (the local outbox's .eml). */
  eml?: Uint8Array;
  /** The report's KPI indexes of `data` (not built again). */
  contexts?: KpiScopes;
  /** Identifies the run (the schedule's scheduled time, `demo-<instant>` ...). */
  runId: string;
  /** Signs a durable download link for an archive key (the index pages link through it). */
  link?: (key: string) => string;
  /** Without link: records one link set for the index pages (readers by role) on the download endpoint. */
  links?: ArchiveLinkIssuer;
  runLedger?: RunLedger;
  trigger: string;
  now?: () => Date;
  /** Draws the board pack PDF when the week holds a fiscal quarter's last day. */
  boardPack?: BoardPackRenderer;
}

/**
 * Archives the week of a report that was sent: the same pack input for the Lambda function and the demo.
 * With `links`, the result has the index link set it recorded (`link`).
 */
export async function archiveSentReport(
  archive: ArchiveStore,
  config: PulseConfig,
  sent: SentReport,
): Promise<ArchiveWeekResult & { link?: (key: string) => string }> {
  const now = sent.now ?? (() => new Date());
  const link =
    sent.link ?? (sent.links ? (await issueIndexLinks(sent.links, { days: sent.links.days })).url : undefined);
  const archived = await archiveWeek(archive, {
    data: sent.data,
    settings: kpiSettingsFrom(config),
    ...(sent.contexts ? { context: sent.contexts.company, segmentContexts: sent.contexts.segments } : {}),
    asOf: sent.asOf,
    report: { html: embedInlineImages(sent.email.html, sent.email.images), ...(sent.eml ? { eml: sent.eml } : {}) },
    runId: sent.runId,
    generatedAt: now().toISOString(),
    configHash: configHash(config),
    companyName: config.company.name,
    locale: config.company.locale,
    ...(link ? { link: (key: string) => link(key) } : {}),
    ...(sent.runLedger ? { runLedger: sent.runLedger } : {}),
    trigger: sent.trigger,
    ...(sent.boardPack ? { boardPack: sent.boardPack } : {}),
  });
  return link && !sent.link ? { ...archived, link } : archived;
}

export interface WeeklyReportJobDeps extends SendWeeklyReportDeps {
  archive: ArchiveStore;
  /** Draws the quarter-end pack's board pack PDF (the week that holds a fiscal quarter's last day). */
  boardPack?: BoardPackRenderer;
  /** Slack and Teams, when configured: the Monday headline once the week is archived. */
  chat?: ChatChannels;
}

export interface WeeklyReportJobRequest {
  asOf: IsoDate;
  /** Send a second copy to recipients already sent. */
  resend?: boolean;
  /** `schedule` or `invoke`. */
  trigger: string;
  /** Identifies the run in the archive (the schedule's scheduled time). */
  runId: string;
}

export interface WeeklyReportJobResult {
  report: SendWeeklyReportResult;
  /** Set when the report was sent (a held-back report archives nothing). */
  archived?: ArchiveWeekResult;
  /** The headline's posts (Slack, Teams), when a channel is configured. */
  headline?: ChatOutcome[];
}

export async function runWeeklyReportJob(
  deps: WeeklyReportJobDeps,
  config: PulseConfig,
  request: WeeklyReportJobRequest,
  env: { archiveBucket?: string } = {},
): Promise<WeeklyReportJobResult> {
  // Recorded links (revocable): the e-mail's, bound to its recipients; the index pages', for readers by role.
  const archiveLink =
    deps.archiveLink ??
    (deps.archiveLinks
      ? await reportArchiveLinks(deps.archiveLinks, { recipients: config.recipients.ceo, days: deps.archiveLinks.days })
      : undefined);
  // The report and the archive read the same data; usage only from the weeks the report can look at.
  const data = await deps.store.loadDataset({ usageFrom: reportUsageFrom(request.asOf) });
  const report = await sendWeeklyReport({ ...deps, archiveLink }, reportSettingsFrom(config, env), {
    asOf: request.asOf,
    dataset: data,
    resend: request.resend === true,
    trigger: request.trigger,
  });
  if (report.status !== 'sent') return { report };
  const archived = await archiveSentReport(deps.archive, config, {
    asOf: request.asOf,
    data,
    email: report.email,
    contexts: report.contexts,
    runId: request.runId,
    ...(archiveLink ? { link: archiveLink } : {}),
    runLedger: deps.runLedger,
    trigger: request.trigger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.boardPack ? { boardPack: deps.boardPack } : {}),
  });
  // After the archive, so the headline's link leads to the week's pack; a chat failure is the headline run's, not the report's.
  const headline = deps.chat
    ? await announceWeeklyReport(
        { ledger: deps.sendLedger, chat: deps.chat, runLedger: deps.runLedger },
        report.view,
        request.trigger,
      )
    : undefined;
  return { report, archived, ...(headline?.length ? { headline } : {}) };
}
