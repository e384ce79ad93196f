// `pulse alerts run|list|snooze|backtest`: renewal-risk alerts on the embedded local stack, and the
// backtest over a folder of contract files (no servers).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createRiskAlertRenderer } from '../../functions/adapters/render/risk-alerts';
import {
  AlertBusyError,
  AlertNotFoundError,
  readAlerts,
  snoozeAlertAndTask,
  snoozeLimitsFrom,
} from '../../functions/app/alert-actions';
import {
  alertRunOptions,
  evaluateAlerts,
  type AlertRunRequest,
  type AlertRunResult,
} from '../../functions/app/evaluate-alerts';
import { readDataset } from '../../functions/app/read-contract';
import type { PulseConfig } from '../../functions/config';
import {
  AlertActionError,
  alertSettingsFrom,
  BacktestError,
  makeFormatter,
  runBacktest,
  explain,
  type AlertState,
  type BacktestResult,
  type RuleFigures,
} from '../../functions/domain/alerts';
import { isIsoDate, todayIn } from '../../functions/domain/dates';
import { kpiSettingsFrom } from '../../functions/domain/kpi';
import type { AlertStateStore } from '../../functions/ports/alerts';
import type { SendLedger } from '../../functions/ports/send-ledger';
import { CliError, dataFolder, formatReject, loadConfig, table, validatorFor } from './context';
import { LOCAL_DATA_DIR, openLocalStack, type LocalSession } from './local';
import { DEFAULT_STACK, awsJobClients, invokeDeployedJob, type TargetOptions } from './target';
import { localMailAdapters } from './local-mail';
import {
  DEFAULT_ACTION_PORT,
  localActionLinks,
  localAlertMessages,
  localCrmTaskDeps,
  localCrmTasks,
  startLocalActionServer,
} from './alert-action-server';
import { chatChannelsFrom } from '../../functions/adapters/chat-channels';
import { withCrmFake, type CrmFake } from './crm-fake';

// ---- run -------------------------------------------------------------------------------------

export interface AlertsRunOptions extends TargetOptions {
  config?: string;
  date?: string;
  /** true/false forces the digests on or off; undefined: on the configured digest days only. */
  digest?: boolean;
  dryRun?: boolean;
  /** CRM tasks to a loopback fake of this CRM (`hubspot`, `salesforce`): see crm-fake.ts. */
  crmFake?: string;
}

/**
 * The alerts step on an open local session (used by `pulse alerts run` and `pulse demo`).
 * @demoStep the alert job (functions/handlers/alert-digest.ts)
 */
export async function runAlertsOn(
  session: LocalSession,
  config: PulseConfig,
  request: AlertRunRequest,
): Promise<AlertRunResult> {
  const adapters = localMailAdapters(session);
  // Slack and Teams when configured (credentials from the environment locally).
  const { slack, teams } = config.notifications;
  const chat = slack || teams ? await chatChannelsFrom(config.notifications) : undefined;
  // The e-mails' snooze and acknowledge links point at `pulse alerts serve`; CRM tasks when configured.
  const actionLinks = await localActionLinks(config);
  const tasks = localCrmTasks(config);
  try {
    return await evaluateAlerts(
      {
        store: session.store,
        alerts: adapters.alerts,
        mailer: adapters.mailer,
        ledger: adapters.ledger,
        renderer: await createRiskAlertRenderer(),
        ...(request.dryRun ? {} : { runLedger: session.runLedger }),
        ...(chat ? { chat } : {}),
        actionLinks,
        ...(tasks ? { tasks } : {}),
      },
      alertRunOptions(config, request),
    );
  } finally {
    adapters.close();
  }
}

/** The alert state store on the local stack, for list and snooze. */
async function withAlertStore<T>(fn: (store: AlertStateStore, ledger: SendLedger) => Promise<T>): Promise<T> {
  const session = await openLocalStack();
  const adapters = localMailAdapters(session);
  try {
    return await fn(adapters.alerts, adapters.ledger);
  } catch (e) {
    // Expected outcomes of a person's action: a message, not a stack trace.
    if (e instanceof AlertNotFoundError) throw new CliError(`${e.message} (see pulse alerts list --all)`);
    if (e instanceof AlertActionError || e instanceof AlertBusyError) throw new CliError(e.message);
    throw e;
  } finally {
    adapters.close();
    await session.close();
  }
}

export async function alertsRunCommand(opts: AlertsRunOptions): Promise<number> {
  const loaded = loadConfig(opts.config);
  const today = checkDate(opts.date ?? todayIn(loaded.company.timezone), '--date');
  if (opts.target === 'aws') {
    if (opts.dryRun || opts.crmFake) throw new CliError('--dry-run and --crm-fake work on the local stack only');
    const payload = {
      date: today,
      ...(opts.digest === false ? { mode: 'critical' } : opts.digest === true ? { mode: 'digest' } : {}),
    };
    console.log(
      JSON.stringify(
        await invokeDeployedJob(opts.stack ?? DEFAULT_STACK, 'alert-digest', payload, awsJobClients()),
        null,
        2,
      ),
    );
    return 0;
  }
  const session = await openLocalStack();
  try {
    // A CRM fake knows the stored accounts (and their owners), as the real CRM would.
    const dataset = opts.crmFake ? await session.store.loadDataset() : undefined;
    const run = async (config: PulseConfig, fake: CrmFake | undefined) => {
      const result = await runAlertsOn(session, config, {
        today,
        by: 'pulse alerts run',
        ...(opts.digest !== undefined ? { digest: opts.digest } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(dataset ? { dataset } : {}),
      });
      printRunResult(result, (s) => console.log(s));
      if (fake) console.log(`CRM tasks (${fake.system} fake): ${fake.file}`);
      const failed =
        result.sends.some((s) => s.status === 'failed') || (result.crmTasks ?? []).some((t) => t.status === 'failed');
      return failed ? 1 : 0;
    };
    return await withCrmFake(opts.crmFake, loaded, run, dataset?.accounts);
  } finally {
    await session.close();
  }
}

export function printRunResult(r: AlertRunResult, write: (s: string) => void): void {
  const count = (k: string) => r.notices.filter((n) => n.kind === k).length;
  write(
    `${r.accountsEvaluated} accounts evaluated on ${r.today}: ${count('opened')} opened, ${count('escalated')} escalated, ${count('reminder')} reminders, ${count('resolved')} resolved; ${r.open} open`,
  );
  if (r.conflictsRetried) write(`${r.conflictsRetried} state conflict(s) with a concurrent run, retried`);
  // One line per message: a message to several recipients (a batched critical alert) lists them all;
  // two messages with the same subject (two owners' digests) stay two lines.
  const byMessage = new Map<string, { status: string; subject: string; recipients: string[] }>();
  for (const s of r.sends) {
    const k = `${s.status}\u0000${s.messageId ?? `${s.key.kind}\u0000${s.key.recipient}`}`;
    const e = byMessage.get(k) ?? { status: s.status, subject: s.subject ?? s.key.kind, recipients: [] };
    if (!e.recipients.includes(s.key.recipient)) e.recipients.push(s.key.recipient);
    byMessage.set(k, e);
  }
  const sent = r.sends.filter((s) => s.status === 'sent');
  write(
    `emails: ${new Set(sent.map((s) => s.messageId)).size} sent, ${r.sends.filter((s) => s.status === 'already-sent').length} already sent earlier, ${r.sends.filter((s) => s.status === 'in-flight').length} in flight elsewhere, ${r.sends.filter((s) => s.status === 'failed').length} failed${r.digest ? '' : ' (no digest today: not a digest day)'}`,
  );
  for (const e of byMessage.values()) {
    if (e.status === 'already-sent') continue;
    write(`  ${e.status.padEnd(9)} ${e.subject}  -> ${e.recipients.join(', ')}`);
  }
  for (const s of r.sends.filter((x) => x.status === 'failed'))
    write(`  failed: ${s.key.kind} ${s.key.recipient}: ${s.error}`);
  const tasks = r.crmTasks ?? [];
  if (tasks.length) {
    const n = (status: string) => tasks.filter((t) => t.status === status).length;
    write(
      `CRM tasks: ${n('sent')} sent, ${n('already-sent')} already sent earlier, ${n('in-flight')} in flight elsewhere, ${n('failed')} failed`,
    );
    for (const t of tasks.filter((x) => x.status === 'failed'))
      write(`  failed    ${t.transition} ${t.alertId}: ${t.error ?? 'failed'}`);
  }
  for (const channel of [...new Set((r.chat ?? []).map((c) => c.key.channel ?? ''))]) {
    const posts = (r.chat ?? []).filter((c) => c.key.channel === channel);
    const n = (s: string) => posts.filter((c) => c.status === s).length;
    write(
      `${channel}: ${n('sent')} posted, ${n('already-sent')} already posted earlier, ${n('in-flight')} in flight elsewhere, ${n('failed')} failed`,
    );
    for (const c of posts.filter((x) => x.status === 'sent' || x.status === 'failed'))
      write(
        `  ${c.status.padEnd(9)} ${c.subject ?? c.key.kind}  -> ${c.key.recipient}${c.error ? `: ${c.error}` : ''}`,
      );
  }
}

// ---- list ------------------------------------------------------------------------------------

export interface AlertsListOptions {
  config?: string;
  all?: boolean;
  owner?: string;
  json?: boolean;
  history?: string;
}

export async function alertsListCommand(opts: AlertsListOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const f = makeFormatter(config.company.locale, config.company.currency);
  return withAlertStore(async (store) => {
    const found = await readAlerts(store, {
      ...(opts.history ? { history: opts.history } : {}),
      ...(opts.all ? { all: true } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
    });
    if ('alert' in found) {
      const s = found.alert;
      if (opts.json) console.log(JSON.stringify(s, null, 2));
      else {
        console.log(
          `${s.id}: ${s.status}, ${s.severity}, episode ${s.episode}${s.snooze ? `, ${s.snooze.kind} until ${s.snooze.until} by ${s.snooze.by}` : ''}`,
        );
        console.log(`why: ${explain(s.explanation, f)}`);
        console.log(
          table([
            ['when', 'date', 'event', 'from', 'to', 'by', 'why'],
            ...s.history.map((t) => [t.at, t.on, t.event, t.from, t.to, t.by, t.why]),
          ]),
        );
        if (s.historyDropped) console.log(`(${s.historyDropped} older transitions dropped)`);
      }
      return 0;
    }
    const { alerts } = found;
    if (opts.json) {
      console.log(JSON.stringify(alerts, null, 2));
      return 0;
    }
    if (alerts.length === 0) {
      console.log(
        opts.all
          ? 'No alerts stored yet: run `pulse demo` or `pulse alerts run`.'
          : 'No open alerts (pulse alerts list --all shows resolved ones).',
      );
      return 0;
    }
    console.log(formatAlertList(alerts, f));
    return 0;
  });
}

export function formatAlertList(alerts: readonly AlertState[], f: ReturnType<typeof makeFormatter>): string {
  const rows = alerts.map((s) => [
    s.id,
    s.status +
      (s.snooze ? ` (${s.snooze.kind === 'snooze' ? 'snoozed' : 'ack'} to ${s.snooze.until} by ${s.snooze.by})` : ''),
    s.severity,
    s.explanation.accountName.slice(0, 28),
    f.money(s.explanation.arr),
    s.openedOn ?? s.breachSince ?? '',
    s.explanation.ownerEmail ?? '-',
  ]);
  return table([['alert', 'status', 'severity', 'account', 'ARR', 'since', 'owner'], ...rows]);
}

// ---- snooze ----------------------------------------------------------------------------------

export interface AlertsSnoozeOptions {
  config?: string;
  reason: string;
  by: string;
  until?: string;
  days?: number;
  ack?: boolean;
  date?: string;
  crmFake?: string;
}

export async function alertsSnoozeCommand(id: string, opts: AlertsSnoozeOptions): Promise<number> {
  const loaded = loadConfig(opts.config);
  const today = checkDate(opts.date ?? todayIn(loaded.company.timezone), '--date');
  const until = opts.until ? checkDate(opts.until, '--until') : undefined;
  return withCrmFake(opts.crmFake, loaded, (config) => snooze(config, id, opts, today, until));
}

async function snooze(
  config: PulseConfig,
  id: string,
  opts: AlertsSnoozeOptions,
  today: string,
  until: string | undefined,
): Promise<number> {
  return withAlertStore(async (store, ledger) => {
    const tasks = localCrmTaskDeps(config, ledger);
    const messages = await localAlertMessages(config, ledger);
    const done = await snoozeAlertAndTask(
      store,
      snoozeLimitsFrom(config),
      {
        id,
        kind: opts.ack ? 'acknowledge' : 'snooze',
        reason: opts.reason,
        by: opts.by,
        today,
        ...(until ? { until } : {}),
        ...(opts.days !== undefined ? { days: opts.days } : {}),
      },
      tasks,
      messages ? { messages } : undefined,
    );
    console.log(
      `${id} ${opts.ack ? 'acknowledged' : 'snoozed'} until ${done.until} by ${opts.by}: ${opts.reason.trim()}`,
    );
    if (done.crmTask)
      console.log(
        `CRM task (${tasks?.tracker.system}): ${done.crmTask.status}${done.crmTask.error ? `: ${done.crmTask.error}` : ''}`,
      );
    for (const c of done.chat ?? [])
      console.log(
        `Slack message ${c.key.recipient}: ${c.status === 'sent' ? 'updated' : c.status}${c.error ? `: ${c.error}` : ''}`,
      );
    console.log('No reminders until then; an escalation to critical or the resolution still notifies.');
    return 0;
  });
}

// ---- serve -----------------------------------------------------------------------------------

export interface AlertsServeOptions {
  config?: string;
  port?: number;
  crmFake?: string;
}

/** The alert action endpoint on loopback until Ctrl-C: the local e-mails' snooze and acknowledge links work. */
export async function alertsServeCommand(opts: AlertsServeOptions): Promise<number> {
  return withCrmFake(opts.crmFake, loadConfig(opts.config), (config, fake) => serve(config, opts, fake));
}

async function serve(config: PulseConfig, opts: AlertsServeOptions, fake: CrmFake | undefined): Promise<number> {
  const session = await openLocalStack();
  const adapters = localMailAdapters(session);
  try {
    const server = await startLocalActionServer(config, adapters, session.stack.resources.tableName, {
      port: opts.port ?? DEFAULT_ACTION_PORT,
      strictPort: true,
      log: (l) => console.log(l),
    });
    console.log(`Alert action endpoint on ${server.url} (the same handler as the deployed function URL).`);
    console.log(
      'The snooze and acknowledge links of the local alert e-mails (.pulse/outbox/) work while it runs; each works once.',
    );
    if (process.env.SLACK_SIGNING_SECRET)
      console.log(`Slack interactivity: POST ${server.url}/slack/actions (signed with SLACK_SIGNING_SECRET).`);
    if (fake) console.log(`A snooze moves the alert's CRM task (${fake.system} fake at ${fake.url}): ${fake.file}`);
    console.log('Press Ctrl-C to stop.');
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await server.close();
    return 0;
  } finally {
    adapters.close();
    await session.close();
  }
}

// ---- backtest --------------------------------------------------------------------------------

export interface AlertsBacktestOptions {
  config?: string;
  data: string;
  from: string;
  to: string;
  out?: string;
  json?: boolean;
}

export async function alertsBacktestCommand(opts: AlertsBacktestOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const from = checkDate(opts.from, '--from');
  const to = checkDate(opts.to, '--to');
  if (from > to) throw new CliError(`--from ${from} is after --to ${to}`);
  const { dataset, summary } = await readDataset(dataFolder(opts.data), validatorFor(config));
  for (const r of summary.rejects.slice(0, 20)) console.error(`rejected ${formatReject(r)}`);
  if (summary.rejects.length)
    console.error(`${summary.rejects.length} row problem(s); the backtest uses the valid rows only.`);
  let result: BacktestResult;
  try {
    result = runBacktest(dataset, kpiSettingsFrom(config), alertSettingsFrom(config), { from, to });
  } catch (e) {
    if (e instanceof BacktestError) throw new CliError(e.message);
    throw e;
  }
  const out = resolve(opts.out ?? `${LOCAL_DATA_DIR}/backtest/alerts-${from}_${to}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.json) console.log(JSON.stringify({ ...result, alerts: undefined }, null, 2));
  else {
    console.log(formatBacktest(result));
    console.log(`\nJSON (figures and every alert with its outcome): ${out}`);
  }
  return 0;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)}%`);

export function formatBacktest(r: BacktestResult): string {
  const row = (f: RuleFigures) => [
    f.rule + (f.enabled ? '' : ' (disabled)'),
    String(f.alerts),
    f.alertsPerWeek.toFixed(1),
    pct(f.precision),
    `${f.truePositives}/${f.truePositives + f.falsePositives}`,
    pct(f.recall),
    `${f.caught}/${f.churnedRenewals}`,
    f.medianLeadDays === null ? 'n/a' : String(Math.round(f.medianLeadDays)),
    String(f.pending),
  ];
  return [
    `Backtest ${r.from} .. ${r.to}: ${r.weeks} weekly evaluations (${r.firstWeekEnd} .. ${r.lastWeekEnd}), ${r.churnedRenewals} renewals churned in the range`,
    '',
    table([
      ['rule', 'alerts', 'per week', 'precision', 'churn|contr.', 'recall', 'churn caught', 'lead days', 'pending'],
      ...r.rules.map(row),
      row(r.all),
      ...r.severities.map((f) => row({ ...f, rule: `all ${f.rule}` as RuleFigures['rule'] })),
    ]),
    '',
    'precision: alerted renewals that then churned or contracted / alerted renewals with an outcome;',
    'recall: churned renewals with an alert opened before the churn / all churned; lead days: median days',
    'from the first alert to the churn or contraction; pending: alerted renewals still open.',
  ].join('\n');
}

function checkDate(value: string, what: string): string {
  if (!isIsoDate(value)) throw new CliError(`${what} "${value}" is not a date (YYYY-MM-DD)`);
  return value;
}
