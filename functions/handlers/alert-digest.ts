// Renewal-risk alerts: on the digest schedule (weekdays, config schedules.alertDigest), evaluate the
// rules, store the alert states, send new critical alerts and the CCO and owner digests. Invoked
// with `{ "mode": "critical" }` (e.g. right after an ingest) it sends only the immediate critical
// alerts. The schedule's scheduled time decides the date, so a retried or duplicated event
// evaluates the same day, and the send ledger sends every message once.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAlertStateStore } from '../adapters/dynamodb/alert-state';
import { SELF_RETRYING_CLIENT_CONFIG } from '../adapters/dynamodb/document-client';
import { createRiskAlertRenderer } from '../adapters/render/risk-alerts';
import { alertRunOptions, evaluateAlerts } from '../app/evaluate-alerts';
import { isIsoDate, todayIn } from '../domain/dates';
import type { AlertRenderer } from '../ports/alerts';
import { instrumented, logger, tracer } from '../adapters/observability/powertools';
import { getAlertActionLinks, getCrmTasks } from './alert-action-runtime';
import { getChatChannels } from './chat-runtime';
import { getMailRuntime } from './mail-runtime';
import { beginInvocation, getRuntime, type InvocationContext } from './runtime';

export interface AlertDigestEvent {
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>` (ISO instant). */
  scheduledTime?: string;
  /** Evaluate this date instead (YYYY-MM-DD). */
  date?: string;
  /** `critical`: immediate alerts only; `digest`: the digests too, on any day; default: digests on digest days. */
  mode?: 'digest' | 'critical';
}

let renderer: Promise<AlertRenderer> | undefined;
let alertStates: DynamoDbAlertStateStore | undefined;

export async function handler(event: AlertDigestEvent = {}, context?: InvocationContext) {
  return instrumented('alert-digest', context, () => evaluate(event, context));
}

async function evaluate(event: AlertDigestEvent, context: InvocationContext | undefined) {
  beginInvocation(context);
  const { config, env, store, runLedger } = getRuntime();
  const { mailer, sendLedger } = getMailRuntime();
  const today =
    event.date && isIsoDate(event.date)
      ? event.date
      : todayIn(config.company.timezone, event.scheduledTime ? new Date(event.scheduledTime) : new Date());
  renderer ??= createRiskAlertRenderer();
  const chat = await getChatChannels(config);
  // The e-mails' snooze and acknowledge links, and CRM tasks, when the stack and config have them.
  const actionLinks = await getAlertActionLinks(config);
  const tasks = getCrmTasks(config);
  const result = await evaluateAlerts(
    {
      store,
      // The alert state store retries by itself (bounded, full jitter): its client does not.
      alerts: (alertStates ??= new DynamoDbAlertStateStore({
        client: tracer.captureAWSv3Client(new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG })),
        tableName: env.PULSE_TABLE,
      })),
      ledger: sendLedger,
      runLedger,
      mailer,
      renderer: await renderer,
      ...(chat ? { chat } : {}),
      ...(actionLinks ? { actionLinks } : {}),
      ...(tasks ? { tasks } : {}),
    },
    // An explicit `digest` (an operator's rerun) sends the digests on any day; `critical` never.
    alertRunOptions(config, { today, by: 'alert-digest', ...(event.mode ? { digest: event.mode === 'digest' } : {}) }),
  );
  const count = (s: string) => result.sends.filter((x) => x.status === s).length;
  const summary = {
    date: today,
    accounts: result.accountsEvaluated,
    notices: result.notices.length,
    open: result.open,
    sent: count('sent'),
    alreadySent: count('already-sent'),
    inFlight: count('in-flight'),
    failed: count('failed'),
    // Slack and Teams: one line per post that went out or failed.
    chat: (result.chat ?? [])
      .filter((c) => c.status === 'sent' || c.status === 'failed')
      .map((c) => `${c.key.channel} ${c.key.kind} ${c.key.recipient}: ${c.status}${c.error ? ` (${c.error})` : ''}`),
  };
  const chatFailed = (result.chat ?? []).filter((c) => c.status === 'failed');
  if (summary.failed || chatFailed.length) logger.error('alerts evaluated', summary);
  else logger.info('alerts evaluated', summary);
  // A failed send was released: fail the invocation so Lambda's retry (and the alarm) picks it up.
  if (summary.failed)
    throw new Error(
      `${summary.failed} alert email(s) failed: ${result.sends.find((s) => s.status === 'failed')?.error}`,
    );
  // Likewise a failed chat post (the e-mails went out; the retry finds them sent and posts again).
  if (chatFailed.length)
    throw new Error(`${chatFailed.length} chat post(s) failed: ${chatFailed[0]!.key.channel}: ${chatFailed[0]!.error}`);
  return summary;
}
