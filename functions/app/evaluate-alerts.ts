// The alerts use case: evaluate the rules on a date, advance and store the alert states, send the
// immediate critical alerts, and (on digest days) the CCO digest and each owner's digest.
//
// Once: every message goes out through send-once (functions/app/send-once.ts): claimed in the
// send ledger before it is sent and marked sent after. Keys: `alert-critical` / <notice id> /
// recipient for an immediate alert, `alert-digest:cco` or `alert-digest:owner` / <date> /
// recipient for a digest. A rerun, a duplicated schedule event or a concurrent run finds the claim
// and sends nothing. States are stored with optimistic versions, so two concurrent runs cannot
// both open (or notify) one alert.
//
// The unknown-outcome policy is `resend` (at least once): a send whose outcome is unknown is
// released and sent again by the next run, and a run that stopped between SES accepting a message
// and the mark leaves a claim a later run takes over after `staleClaimMs` (30 minutes). For risk
// alerts Pulse prefers a rare duplicate to a silently dropped critical alert (docs/alerts.md).
import type { RunLedger } from '../ports/run-ledger';
import { recordRunIf } from './record-run';
import { atLeastOnce, sendOnce, STALE_CLAIM_MS } from './send-once';
import { postAlertsToChat, type ChatOutcome } from './chat-notify';
import { withActionLinks, type ActionLinkMaker } from './alert-action-links';
import { syncCrmTasks, type CrmTaskOutcome, type CrmTaskSettings } from './crm-tasks';
import type { TaskTracker } from '../ports/task-tracker';
import type { ChatChannels } from '../ports/chat';
import type { PulseConfig } from '../config';
import type { Dataset } from '../domain/contract/validate';
import { WEEKDAYS, isoWeekday, type IsoDate } from '../domain/dates';
import {
  advanceAlerts,
  alertSettingsFrom,
  alertUsageFrom,
  buildCritical,
  buildDigest,
  criticalRecipients,
  evaluateRules,
  factsAt,
  isImmediate,
  makeFormatter,
  ownerKey,
  prepareAlertIndex,
  type AlertSettings,
  type AlertState,
  type CriticalModel,
  type DigestModel,
  type Evaluation,
  type Notice,
} from '../domain/alerts';
import { kpiSettingsFrom, type KpiSettings } from '../domain/kpi';
import { AlertConflictError, type AlertRenderer, type AlertStateStore, type RenderedAlertEmail } from '../ports/alerts';
import type { Mailer, OutgoingMessage } from '../ports/mailer';
import type { SendKey, SendLedger } from '../ports/send-ledger';
import type { Store } from '../ports/store';

export interface EvaluateAlertsDeps {
  store: Pick<Store, 'loadDataset'>;
  alerts: AlertStateStore;
  mailer: Mailer;
  ledger: SendLedger;
  renderer: AlertRenderer;
  /** Records the run (kind `alerts`) when given. */
  runLedger?: RunLedger;
  /** Slack and Teams, when configured: posted after the e-mails, each failing on its own (functions/app/chat-notify.ts). */
  chat?: ChatChannels;
  /** Signed snooze and acknowledge links in the e-mails (functions/app/alert-action-links.ts), when the endpoint is known. */
  actionLinks?: { maker: ActionLinkMaker; snoozeDays: number };
  /** CRM tasks (notifications.crmTasks): synced after the messages, failing on their own (functions/app/crm-tasks.ts). */
  tasks?: { tracker: TaskTracker; settings: CrmTaskSettings };
}

export interface AlertRouting {
  companyName: string;
  locale: string;
  currency: string;
  from: string;
  replyTo?: string;
  cco: readonly string[];
  /** Send owners (the accounts' owner_email) their own digest and their critical alerts. */
  owners: boolean;
}

export interface EvaluateAlertsOptions {
  /** The evaluation date (company time zone). */
  today: IsoDate;
  /** The run's instant (ISO); digest windows end here. */
  now: string;
  /** Who runs it, recorded in every transition (`alert-digest`, `pulse alerts run`, ...). */
  by: string;
  kpiSettings: KpiSettings;
  settings: AlertSettings;
  routing: AlertRouting;
  /** Send the digests (digest days); immediate critical alerts are always sent. */
  digest: boolean;
  /** Evaluate and store, send nothing. */
  dryRun?: boolean;
  /** Use this dataset instead of loading the store. */
  dataset?: Dataset;
  /** Take over an in-flight claim older than this (default 30 minutes). */
  staleClaimMs?: number;
}

export interface SendOutcome {
  key: SendKey;
  status: 'sent' | 'already-sent' | 'in-flight' | 'failed' | 'dry-run';
  subject?: string;
  messageId?: string;
  error?: string;
}

export interface AlertRunResult {
  today: IsoDate;
  /** Whether the digests were part of this run (critical alerts always are). */
  digest: boolean;
  accountsEvaluated: number;
  statesWritten: number;
  conflictsRetried: number;
  notices: Notice[];
  open: number;
  sends: SendOutcome[];
  /** The Slack and Teams posts (`key.channel`), apart from the e-mails (absent: no chat channel). */
  chat?: ChatOutcome[];
  /** The CRM task commands tried (absent: no CRM tasks configured). */
  crmTasks?: CrmTaskOutcome[];
}

const MAX_CONFLICT_RETRIES = 3;

export async function evaluateAlerts(deps: EvaluateAlertsDeps, opts: EvaluateAlertsOptions): Promise<AlertRunResult> {
  return recordRunIf(
    deps.runLedger,
    { kind: 'alerts', subject: opts.digest ? 'digest' : 'critical', period: opts.today, trigger: opts.by },
    async (run) => {
      const result = await evaluate(deps, opts);
      const sends = (status: SendOutcome['status']) => result.sends.filter((x) => x.status === status).length;
      run?.count('accounts', result.accountsEvaluated);
      run?.count('open', result.open);
      run?.count('notices', result.notices.length);
      run?.count('sent', sends('sent'));
      run?.count('alreadySent', sends('already-sent'));
      run?.count('failed', sends('failed'));
      for (const f of result.sends.filter((x) => x.status === 'failed'))
        run?.error(`${f.key.kind} to ${f.key.recipient}: ${f.error ?? 'failed'}`);
      // Per chat channel: what was posted and what failed (a failure fails the run, so it is retried).
      const chat = result.chat ?? [];
      for (const c of chat)
        run?.count(
          `${c.key.channel}.${c.status === 'already-sent' ? 'alreadySent' : c.status === 'in-flight' ? 'inFlight' : c.status}`,
        );
      for (const f of chat.filter((x) => x.status === 'failed'))
        run?.error(`${f.key.channel}: ${f.key.kind} to ${f.key.recipient}: ${f.error ?? 'failed'}`);
      // CRM tasks: counted and their errors recorded; a failure fails the run too (the next run catches up).
      const tasks = result.crmTasks ?? [];
      for (const t of tasks)
        run?.count(
          `crmTask.${t.status === 'already-sent' ? 'alreadySent' : t.status === 'in-flight' ? 'inFlight' : t.status === 'no-task' ? 'noTask' : t.status}`,
        );
      for (const t of tasks.filter((x) => x.status === 'failed'))
        run?.error(`crm-task: ${t.transition} ${t.alertId}: ${t.error ?? 'failed'}`);
      if (sends('failed') || chat.some((c) => c.status === 'failed') || tasks.some((t) => t.status === 'failed'))
        run?.fail();
      return result;
    },
  );
}

async function evaluate(deps: EvaluateAlertsDeps, opts: EvaluateAlertsOptions): Promise<AlertRunResult> {
  const data =
    opts.dataset ??
    (await deps.store.loadDataset({ usageFrom: alertUsageFrom(opts.today, opts.kpiSettings.weekStartsOn) }));
  const facts = factsAt(prepareAlertIndex(data, opts.kpiSettings), opts.today);
  const evaluations = evaluateRules(facts, opts.settings);

  const states = new Map((await deps.alerts.listAlerts()).map((s) => [s.id, s]));
  const ctx = { on: opts.today, at: opts.now, by: opts.by, settings: opts.settings };
  const { changed, notices } = advanceAlerts(states, evaluations, ctx);
  // The first run after install (no alert stored yet) finds every risk at once: its critical
  // notices are held for one summary to the CCO (below) instead of a burst of critical alerts.
  if (states.size === 0) holdForSummary(changed, notices, opts.today);
  const result: AlertRunResult = {
    today: opts.today,
    digest: opts.digest,
    accountsEvaluated: facts.length,
    statesWritten: 0,
    conflictsRetried: 0,
    notices: [],
    open: 0,
    sends: [],
  };

  // Store each changed state; on a conflict (a concurrent run), re-read it and step it again.
  const noticesById = new Map<string, Notice[]>();
  for (const n of notices) noticesById.set(n.alertId, [...(noticesById.get(n.alertId) ?? []), n]);
  for (const [id, state] of changed) {
    let next: AlertState | undefined = state;
    let mine = noticesById.get(id) ?? [];
    for (let attempt = 0; next; attempt++) {
      try {
        states.set(id, await deps.alerts.putAlert(next));
        result.statesWritten++;
        result.notices.push(...mine);
        break;
      } catch (e) {
        if (!(e instanceof AlertConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw e;
        result.conflictsRetried++;
        const fresh = await deps.alerts.getAlert(id);
        const again = advanceAlerts(fresh ? new Map([[id, fresh]]) : new Map(), onlyOne(evaluations, id), ctx);
        if (fresh) states.set(id, fresh);
        next = again.changed.get(id);
        mine = again.notices;
      }
    }
  }
  const all = [...states.values()];
  result.open = all.filter((s) => s.status === 'open').length;

  const f = makeFormatter(opts.routing.locale, opts.routing.currency);
  const links = deps.actionLinks;
  const withLinks = <M extends CriticalModel | DigestModel>(model: M): M =>
    links ? withActionLinks(model, all, links.maker, links.snoozeDays) : model;

  // Immediate critical alerts: every critical open/escalation notice of today or yesterday that has
  // not gone out yet (the ledger knows), so a failed send is retried by the next run. Each
  // (notice, recipient) is claimed on its own; one message per recipient carries all it claimed.
  const pending = new Map<string, { state: AlertState; notice: Notice }[]>();
  for (const s of all) {
    for (const n of s.notices) {
      if (!isImmediate(n, opts.today)) continue;
      for (const recipient of criticalRecipients(s, opts.routing.cco, opts.routing.owners))
        pending.set(recipient, [...(pending.get(recipient) ?? []), { state: s, notice: n }]);
    }
  }
  for (const [recipient, items] of [...pending].sort(([a], [b]) => a.localeCompare(b))) {
    const keys = items.map(({ notice }): SendKey => ({ kind: 'alert-critical', period: notice.id, recipient }));
    result.sends.push(
      ...(await sendBatch(deps, opts, keys, (claimed) =>
        deps.renderer.renderCritical(
          withLinks(
            buildCritical(
              items.filter((_, i) => claimed.includes(i)),
              recipient,
              opts.routing.companyName,
              f,
            ),
          ),
        ),
      )),
    );
  }

  // The first run's summary goes to each CCO who has had no digest yet, digest day or not (and is
  // retried by the next run until it is sent); that run sends no owner digest.
  const held = all.some((s) => s.notices.some((n) => n.heldForSummary));
  const firstRunSummary = new Set<string>();
  if (held)
    for (const r of opts.routing.cco)
      if ((await deps.alerts.getDigestCursor('cco', r.trim().toLowerCase())) === undefined)
        firstRunSummary.add(r.trim().toLowerCase());
  if (opts.digest || firstRunSummary.size) {
    const audiences: { audience: 'cco' | 'owner'; recipient: string }[] = opts.routing.cco
      .map((r) => ({ audience: 'cco' as const, recipient: r.trim().toLowerCase() }))
      .filter((a) => opts.digest || firstRunSummary.has(a.recipient));
    if (opts.routing.owners && firstRunSummary.size === 0) {
      const owners = new Set<string>();
      for (const s of all) {
        const o = ownerKey(s.explanation.ownerEmail);
        if (o && (s.status === 'open' || s.notices.length)) owners.add(o);
      }
      for (const o of [...owners].sort()) audiences.push({ audience: 'owner', recipient: o });
    }
    for (const { audience, recipient } of audiences) {
      const key: SendKey = { kind: `alert-digest:${audience}`, period: opts.today, recipient };
      const since = await deps.alerts.getDigestCursor(audience, recipient);
      const firstRun = audience === 'cco' && firstRunSummary.has(recipient);
      const model = buildDigest({
        audience,
        recipient,
        company: opts.routing.companyName,
        date: opts.today,
        states: all,
        since,
        until: opts.now,
        topAtRisk: opts.settings.topAtRisk,
        formatter: f,
        firstRun,
      });
      if (!model) continue;
      const [outcome] = await sendBatch(deps, opts, [key], () => deps.renderer.renderDigest(withLinks(model)));
      if (!outcome) continue;
      result.sends.push(outcome);
      if (outcome.status === 'sent') await deps.alerts.setDigestCursor(audience, recipient, opts.now);
    }
  }
  if (deps.chat && !opts.dryRun) {
    const { companyName, locale, currency } = opts.routing;
    const staleClaimMs = opts.staleClaimMs ?? STALE_CLAIM_MS;
    result.chat = await postAlertsToChat(
      { ledger: deps.ledger, alerts: deps.alerts, chat: deps.chat },
      {
        today: opts.today,
        now: opts.now,
        states: all,
        companyName,
        locale,
        currency,
        topAtRisk: opts.settings.topAtRisk,
        digest: opts.digest,
        staleClaimMs,
      },
    );
  }
  if (deps.tasks && !opts.dryRun) {
    result.crmTasks = await syncCrmTasks(
      {
        ledger: deps.ledger,
        formatter: f,
        ...deps.tasks,
        ...(opts.staleClaimMs ? { staleClaimMs: opts.staleClaimMs } : {}),
      },
      all,
      opts.today,
    );
  }
  return result;
}

/** Marks the immediate critical notices of the first run as held for the CCO's summary (in the states stored and the run's notices). */
function holdForSummary(changed: ReadonlyMap<string, AlertState>, notices: readonly Notice[], today: IsoDate): void {
  const ids = new Set<string>();
  for (const s of changed.values()) {
    for (const n of s.notices) {
      if (!isImmediate(n, today)) continue;
      n.heldForSummary = true;
      ids.add(n.id);
    }
  }
  for (const n of notices) if (ids.has(n.id)) n.heldForSummary = true;
}

function onlyOne(evaluations: ReadonlyMap<string, Evaluation>, id: string): Map<string, Evaluation> {
  const e = evaluations.get(id);
  return e ? new Map([[id, e]]) : new Map();
}

/**
 * One message to the keys' recipient for the keys this run claims (render gets their positions),
 * through send-once. Alerts are delivered at least once: an unknown outcome releases the claims,
 * and a claim left by a run that stopped is taken over after `staleClaimMs` (docs/alerts.md).
 */
async function sendBatch(
  deps: EvaluateAlertsDeps,
  opts: EvaluateAlertsOptions,
  keys: SendKey[],
  render: (claimed: readonly number[]) => Promise<RenderedAlertEmail>,
): Promise<SendOutcome[]> {
  const recipient = keys[0]!.recipient;
  if (opts.dryRun) {
    const msg = await render(keys.map((_, i) => i));
    return keys.map((key) => ({ key, status: 'dry-run', subject: msg.subject }));
  }
  let subject: string | undefined;
  const { outcomes } = await sendOnce(
    { ledger: deps.ledger, channel: deps.mailer },
    keys,
    async (claimed): Promise<OutgoingMessage> => {
      const msg = await render(claimed);
      subject = msg.subject;
      const first = keys[claimed[0]!]!;
      return {
        from: opts.routing.from,
        to: [recipient],
        ...(opts.routing.replyTo ? { replyTo: opts.routing.replyTo } : {}),
        subject: msg.subject,
        html: msg.html,
        text: msg.text,
        headers: {
          'X-Pulse-Send-Key':
            `${first.kind}/${first.period}/${recipient}${claimed.length > 1 ? ` (+${claimed.length - 1})` : ''}`.replace(
              /[\r\n]/g,
              ' ',
            ),
        },
      };
    },
    atLeastOnce(opts.staleClaimMs),
  );
  return outcomes.map((o): SendOutcome => {
    if (o.status === 'sent')
      return { key: o.key, status: 'sent', ...(subject ? { subject } : {}), messageId: o.messageId };
    if (o.status === 'already-sent') return { key: o.key, status: 'already-sent', messageId: o.messageId };
    if (o.status === 'in-flight') return { key: o.key, status: 'in-flight' };
    return { key: o.key, status: 'failed', error: o.error, ...(subject ? { subject } : {}) };
  });
}

/** Is `date` one of the configured digest days? */
export function isDigestDay(config: PulseConfig, date: IsoDate): boolean {
  return config.schedules.alertDigest.days.includes(WEEKDAYS[isoWeekday(date) - 1]!);
}

/** Who gets what, from the Pulse config: the same routing for the CLI and the Lambda function. */
export function alertRoutingFrom(config: PulseConfig): AlertRouting {
  return {
    companyName: config.company.name,
    locale: config.company.locale,
    currency: config.company.currency,
    from: config.sender.from,
    ...(config.sender.replyTo ? { replyTo: config.sender.replyTo } : {}),
    cco: config.recipients.cco,
    owners: config.recipients.ownersFromAccountData,
  };
}

export interface AlertRunRequest {
  /** The evaluation date (company time zone). */
  today: IsoDate;
  /** Who runs it (`alert-digest`, `pulse alerts run`, `pulse demo`). */
  by: string;
  /** true or false forces the digests on or off; absent: on the configured digest days only. */
  digest?: boolean;
  dryRun?: boolean;
  dataset?: Dataset;
  /** The run's instant (default: now). */
  now?: Date;
}

/** The options of an alert run from the Pulse config: the same for the Lambda function, the CLI and the demo. */
export function alertRunOptions(config: PulseConfig, request: AlertRunRequest): EvaluateAlertsOptions {
  return {
    today: request.today,
    now: (request.now ?? new Date()).toISOString(),
    by: request.by,
    kpiSettings: kpiSettingsFrom(config),
    settings: alertSettingsFrom(config),
    routing: alertRoutingFrom(config),
    digest: request.digest ?? isDigestDay(config, request.today),
    ...(request.dryRun ? { dryRun: true } : {}),
    ...(request.dataset ? { dataset: request.dataset } : {}),
  };
}
