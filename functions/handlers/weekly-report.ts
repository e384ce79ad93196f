// The Monday executive report: on the weekly schedule, send the report for the last complete week
// (once per recipient; held back with a "report delayed" notice to the operator when the data is
// stale or inconsistent). The schedule's scheduled time decides the week, so a retried or
// duplicated event reports the same week, and the send ledger sends nothing twice. After the send
// the week is archived for finance (write-once: a rerun leaves the existing pack as it is).
import { setFlagsFromString } from 'node:v8';
import { S3Archive } from '../adapters/s3/archive-store';
import { SecretsManagerLinkKeys } from '../adapters/secrets/link-keys';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLinkStore } from '../adapters/dynamodb/archive-access';
import { ARCHIVE_LINK_DAYS } from '../domain/archive';
import { createWeeklyReportRenderer } from '../adapters/render/weekly-report';
import { createBoardPackRenderer } from '../adapters/render/board-pack-pdf';
import type { BoardPackRenderer } from '../ports/board-pack-renderer';
import { runWeeklyReportJob } from '../app/weekly-report-job';
import { weekStartsOnNumber } from '../config';
import { reportWeek, todayIn, weekFromLabel } from '../domain/dates';
import type { ReportRenderer } from '../ports/report-renderer';
import { WEEKLY_REPORT_SENT_METRIC } from '../adapters/observability/metrics';
import { count, instrumented, logger, stageMetrics, tracer } from '../adapters/observability/powertools';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { getChatChannels } from './chat-runtime';
import { getMailRuntime } from './mail-runtime';
import { beginInvocation, getRuntime, secretsManagerClient, type InvocationContext } from './runtime';

// Three charts per invocation: V8's baseline wasm tier makes the first chart ~5x faster (docs/charts.md).
setFlagsFromString('--liftoff-only');

export interface WeeklyReportEvent {
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>` (ISO instant). */
  scheduledTime?: string;
  /** Report this ISO week instead (`2026-W47`), e.g. from a manual invocation. */
  week?: string;
  /** Force a second copy to recipients already sent. */
  resend?: boolean;
}

let renderer: Promise<ReportRenderer> | undefined;
let boardPackRenderer: Promise<BoardPackRenderer> | undefined;
// Made on first use: only the run of the week that holds a fiscal quarter's last day draws a board pack.
const boardPack: BoardPackRenderer = {
  renderBoardPack: async (doc) => {
    boardPackRenderer ??= createBoardPackRenderer().catch((err: unknown) => {
      boardPackRenderer = undefined;
      throw err;
    });
    return (await boardPackRenderer).renderBoardPack(doc);
  },
};
let linkKeys: SecretsManagerLinkKeys | undefined;
let dynamodb: DynamoDBClient | undefined;
let metrics: Metrics | undefined;

export async function handler(event: WeeklyReportEvent = {}, context?: InvocationContext) {
  return instrumented('weekly-report', context, () => report(event, context));
}

async function report(event: WeeklyReportEvent, context: InvocationContext | undefined) {
  beginInvocation(context);
  const { config, env, store, s3, runLedger } = getRuntime();
  const { mailer, sendLedger } = getMailRuntime();
  const weekStartsOn = weekStartsOnNumber(config);
  const asOf = event.week
    ? weekFromLabel(event.week, weekStartsOn).asOf
    : reportWeek(
        todayIn(config.company.timezone, event.scheduledTime ? new Date(event.scheduledTime) : new Date()),
        weekStartsOn,
      ).asOf;
  renderer ??= createWeeklyReportRenderer().catch((err: unknown) => {
    renderer = undefined;
    throw err;
  });
  if (env.PULSE_LINK_SECRET_ID)
    linkKeys ??= new SecretsManagerLinkKeys(secretsManagerClient(), env.PULSE_LINK_SECRET_ID);
  // The job records the report's links (revocable, bound to the e-mail's recipients; the index pages' for readers by role).
  const archiveLinks =
    env.PULSE_DOWNLOAD_URL && linkKeys
      ? {
          links: new DynamoDbLinkStore({
            client: (dynamodb ??= tracer.captureAWSv3Client(new DynamoDBClient({}))),
            tableName: env.PULSE_TABLE,
          }),
          signingKey: await linkKeys.current(),
          baseUrl: env.PULSE_DOWNLOAD_URL,
          days: ARCHIVE_LINK_DAYS,
        }
      : undefined;
  const trigger = event.scheduledTime ? 'schedule' : 'invoke';
  const chat = await getChatChannels(config);
  const {
    report: result,
    archived,
    headline,
  } = await runWeeklyReportJob(
    {
      store,
      runLedger,
      sendLedger,
      mailer,
      renderer: await renderer,
      archive: new S3Archive({ client: s3, bucket: env.PULSE_ARCHIVE_BUCKET }),
      boardPack,
      ...(archiveLinks ? { archiveLinks } : {}),
      ...(chat ? { chat } : {}),
    },
    config,
    {
      asOf,
      resend: event.resend === true,
      trigger,
      runId: event.scheduledTime ?? `invoke-${new Date().toISOString()}`,
    },
    { archiveBucket: env.PULSE_ARCHIVE_BUCKET },
  );
  const summary =
    result.status === 'delayed'
      ? {
          status: result.status,
          week: result.week,
          problems: result.problems.map((p) => p.message),
          noticesSent: result.notice.sent.length,
        }
      : result.status === 'sent'
        ? {
            status: result.status,
            week: result.week,
            sent: result.sends.sent.length,
            alreadySent: result.sends.alreadySent.length,
            inFlight: result.sends.inFlight.map((s) => s.recipient),
            failed: result.sends.failed.map((s) => `${s.recipient}: ${s.error}`),
            archived: archived && {
              prefix: archived.weekly.prefix,
              status: archived.weekly.status,
              version: archived.weekly.version,
            },
            // The Monday headline on Slack and Teams (its own run in the ledger; a failure there does not fail the report).
            ...(headline
              ? {
                  headline: headline.map(
                    (c) => `${c.key.channel} ${c.key.recipient}: ${c.status}${c.error ? ` (${c.error})` : ''}`,
                  ),
                }
              : {}),
          }
        : { status: result.status, week: result.week };
  const level =
    result.status === 'delayed' ||
    (result.status === 'sent' && (result.sends.failed.length || result.sends.inFlight.length))
      ? 'ERROR'
      : 'INFO';
  if (level === 'ERROR') logger.error('weekly report', summary);
  else logger.info('weekly report', summary);
  // The dead man's switch (lib/constructs/monitoring.ts, docs/deploy.md) watches this metric: 1 once
  // every recipient has the week's report.
  if (result.status === 'sent' && result.sends.failed.length === 0 && result.sends.inFlight.length === 0) {
    count(
      (metrics ??= stageMetrics(env.PULSE_STAGE ?? 'unknown')),
      WEEKLY_REPORT_SENT_METRIC,
      {},
      { week: result.week },
    );
  }
  // A failed send whose claim was released is retried by Lambda's own retries (async invocation).
  if (result.status === 'sent' && result.sends.failed.some((f) => f.released))
    throw new Error(`weekly report: ${result.sends.failed.length} send(s) failed`);
  return summary;
}
