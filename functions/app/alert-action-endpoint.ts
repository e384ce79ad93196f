// The alert action endpoint's use case: snooze or acknowledge an alert from its message.
//
//   GET  /a/<token>        the e-mail link: a confirmation page with one button; changes nothing
//                          (mail scanners and link previews fetch GET links by themselves)
//   POST /a/<token>        the button: applies the action once, as the e-mail's recipient
//   POST /slack/actions    a Slack button click (interactivity request, `payload=` form body)
//
// A token is checked (signature with any key of a rotation, purpose, expiry, the alert's episode)
// before anything is read; a Slack request by its v0 signature and timestamp. Each works once:
// its nonce (a link) or signature (a Slack request) is recorded in SingleUseIds when the action
// is applied, and a second use is refused with 403 and changes nothing. Tampered links get 403,
// Slack requests with a missing or wrong signature 401, stale ones 403. The snooze itself is the
// CLI's (snoozeAlertById), and a snoozed alert's CRM task is rescheduled (functions/app/crm-tasks.ts).
// Every Slack message posted for the alert shows the new status: the clicked one through the
// click's response_url, the others with chat.update, each once (updateAlertMessages).
import { createHash } from 'node:crypto';
import { page, type HttpResponse } from '../domain/archive/download-page';
import { escapeHtml } from '../domain/archive/index-page';
import { DownloadTokenError, isWellFormedToken } from '../domain/archive/token';
import {
  actionTokenFromPath,
  verifyActionToken,
  type ActionClaims,
  type AlertActionKind,
} from '../domain/alerts/action-token';
import { AlertActionError, type AlertState } from '../domain/alerts';
import {
  parseSlackAction,
  slackActor,
  SlackSignatureError,
  verifySlackSignature,
} from '../domain/alerts/slack-request';
import type { SlackBlock } from '../domain/chat';
import { todayIn } from '../domain/dates';
import type { SingleUseIds, SlackReply, SlackResponder } from '../ports/alert-actions';
import type { AlertStateStore } from '../ports/alerts';
import type { SendLedger } from '../ports/send-ledger';
import { AlertBusyError, AlertNotFoundError, snoozeAlertAndTask, type SnoozeLimits } from './alert-actions';
import type { AlertMessageDeps, ChatOutcome, ClickedMessage } from './chat-notify';
import type { CrmTaskDeps, CrmTaskOutcome } from './crm-tasks';
import { sendOnce } from './send-once';

export const SLACK_ACTIONS_PATH = '/slack/actions';
const FOOTER = 'Pulse renewal-risk alerts';

export interface AlertActionDeps {
  alerts: Pick<AlertStateStore, 'getAlert' | 'putAlert'>;
  limits: SnoozeLimits;
  /** The company's time zone: the snooze counts days from today there. */
  timeZone: string;
  /** The link signing keys: the current one first, then any still accepted during a rotation. */
  signingKeys: () => Promise<readonly (string | Uint8Array)[]>;
  used: SingleUseIds;
  /** Slack's interactivity; without it /slack/actions answers 404. */
  slack?: { signingSecret: () => Promise<string>; responder: SlackResponder; ledger: SendLedger };
  /** The CRM tasks of notifications.crmTasks, when configured. */
  tasks?: CrmTaskDeps;
  /**
   * Slack's Web API (the bot token) and the alerts' channel, when configured: every message posted
   * for the alert shows the new status (chat.update). Without it only a clicked message is updated
   * (its response_url), and the next alert run updates the others.
   */
  messages?: AlertMessageDeps;
  now?: () => Date;
  /** One line per request: what was decided, never the token or the body. */
  log?: (entry: ActionLogEntry) => void;
}

export interface ActionLogEntry {
  via: 'email' | 'slack';
  outcome: 'page' | 'applied' | 'refused' | 'ignored' | 'failed';
  alertId?: string;
  action?: AlertActionKind;
  by?: string;
  reason?: string;
  crmTask?: CrmTaskOutcome['status'];
}

export interface ActionRequest {
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
  body: string;
}

export async function handleAlertActionRequest(deps: AlertActionDeps, req: ActionRequest): Promise<HttpResponse> {
  const method = req.method.toUpperCase();
  if (req.path === SLACK_ACTIONS_PATH) {
    if (!deps.slack) return text(404, 'Slack actions are not configured.');
    if (method !== 'POST') return text(405, 'POST only.');
    return slackAction(deps, deps.slack, req);
  }
  const token = actionTokenFromPath(req.path);
  if (token === undefined)
    return page(404, 'Not found', ['This address is not a Pulse alert link.'], { footer: FOOTER });
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return text(405, 'GET or POST only.');
  return emailAction(deps, token, method === 'POST');
}

// ---- e-mail links ------------------------------------------------------------------------------

const VERB: Record<AlertActionKind, { infinitive: string; past: string }> = {
  snooze: { infinitive: 'Snooze', past: 'Snoozed' },
  acknowledge: { infinitive: 'Acknowledge', past: 'Acknowledged' },
};

async function emailAction(deps: AlertActionDeps, token: string, apply: boolean): Promise<HttpResponse> {
  const now = deps.now?.() ?? new Date();
  const refuse = (status: number, title: string, why: string, reason: string, claims?: ActionClaims) => {
    deps.log?.({
      via: 'email',
      outcome: 'refused',
      reason,
      ...(claims ? { alertId: claims.alertId, action: claims.action } : {}),
    });
    return page(status, title, [why], { footer: FOOTER });
  };
  // Junk is refused before the signing keys are fetched.
  if (!isWellFormedToken(token))
    return refuse(403, 'This link does not work', 'The link is incomplete or damaged.', 'malformed');
  let claims: ActionClaims;
  try {
    claims = verifyActionToken(await deps.signingKeys(), token, now);
  } catch (e) {
    if (e instanceof DownloadTokenError) return refuse(403, 'This link does not work', e.message, e.code);
    throw e;
  }
  const alert = await deps.alerts.getAlert(claims.alertId);
  if (!alert)
    return refuse(404, 'No such alert', `Pulse has no alert ${claims.alertId} any more.`, 'not-found', claims);
  if (alert.episode !== claims.episode || (alert.status !== 'open' && alert.status !== 'pending')) {
    return refuse(
      409,
      'Nothing to do',
      `${describe(alert)} is ${alert.status === 'open' || alert.status === 'pending' ? 'a newer alert than this e-mail' : alert.status} now; this link no longer applies.`,
      'not-live',
      claims,
    );
  }
  const verb = VERB[claims.action];
  if (!apply) {
    deps.log?.({ via: 'email', outcome: 'page', alertId: alert.id, action: claims.action });
    const button = `<form method="post"><button type="submit">${escapeHtml(`${verb.infinitive} for ${claims.days} days`)}</button></form>`;
    return page(
      200,
      `${verb.infinitive} this alert?`,
      [
        describe(alert),
        `It will be recorded as ${claims.action === 'snooze' ? 'snoozed' : 'acknowledged'} by ${claims.recipient} for ${claims.days} days: no reminders until then; an escalation or its resolution still notifies.`,
      ],
      {
        html: button,
        footer: FOOTER,
      },
    );
  }
  if (!(await deps.used.use(`link:${claims.nonce}`, claims.expiresAt)))
    return refuse(
      403,
      'This link was already used',
      'Each link works once. The alert list shows who acted on it and until when.',
      'replayed',
      claims,
    );
  const applied = await applyAction(
    deps,
    alert.id,
    claims.action,
    claims.days,
    claims.recipient,
    'from the alert e-mail',
    now,
    `link:${claims.nonce}`,
    deps.messages ? { messages: deps.messages } : undefined,
  );
  if ('error' in applied) return refuse(409, 'Nothing to do', applied.error, 'not-applicable', claims);
  deps.log?.({
    via: 'email',
    outcome: 'applied',
    alertId: alert.id,
    action: claims.action,
    by: claims.recipient,
    ...(applied.crm ? { crmTask: applied.crm.status } : {}),
  });
  return page(
    200,
    `${verb.past} until ${applied.until}`,
    [`${describe(applied.state)}: ${verb.past.toLowerCase()} by ${claims.recipient} until ${applied.until}.`],
    { footer: FOOTER },
  );
}

// ---- Slack buttons ----------------------------------------------------------------------------

async function slackAction(
  deps: AlertActionDeps,
  slack: NonNullable<AlertActionDeps['slack']>,
  req: ActionRequest,
): Promise<HttpResponse> {
  const now = deps.now?.() ?? new Date();
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  try {
    verifySlackSignature(
      await slack.signingSecret(),
      { ...(signature ? { signature } : {}), ...(timestamp ? { timestamp } : {}) },
      req.body,
      now,
    );
  } catch (e) {
    if (!(e instanceof SlackSignatureError)) throw e;
    deps.log?.({ via: 'slack', outcome: 'refused', reason: e.code });
    return text(e.code === 'stale' ? 403 : 401, e.message);
  }
  const requestId = `slack:${createHash('sha256').update(signature!).digest('base64url')}`;
  const parsed = parseSlackAction(req.body);
  if ('ignored' in parsed) {
    deps.log?.({ via: 'slack', outcome: 'ignored', reason: parsed.ignored });
    return { statusCode: 200, headers: { 'Cache-Control': 'no-store' }, body: '' };
  }
  if (!(await deps.used.use(requestId, Number(timestamp) + 600))) {
    deps.log?.({
      via: 'slack',
      outcome: 'refused',
      reason: 'replayed',
      alertId: parsed.alertId,
      action: parsed.action,
    });
    return text(403, 'This request was already handled.');
  }
  const by = slackActor(parsed);
  // The clicked message is answered through its response_url (replace_original), the others with chat.update.
  const responseUrl = parsed.responseUrl;
  const clicked: ClickedMessage | undefined = responseUrl
    ? {
        ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
        text: parsed.messageText,
        blocks: parsed.messageBlocks as SlackBlock[],
        reply: { send: (p) => slack.responder.send({ responseUrl, replaceOriginal: true, ...p }) },
      }
    : undefined;
  const messages = deps.messages ?? { ledger: slack.ledger };
  const applied = await applyAction(
    deps,
    parsed.alertId,
    parsed.action,
    deps.limits.defaultDays,
    by,
    'from Slack',
    now,
    requestId,
    { messages, ...(clicked ? { clicked } : {}) },
  );
  deps.log?.({
    via: 'slack',
    outcome: 'error' in applied ? 'refused' : 'applied',
    alertId: parsed.alertId,
    action: parsed.action,
    by,
    ...('error' in applied ? { reason: 'not-applicable' } : {}),
    ...(!('error' in applied) && applied.crm ? { crmTask: applied.crm.status } : {}),
  });
  if ('error' in applied && responseUrl)
    await replyOnce(deps, slack, requestId, parsed.alertId, {
      responseUrl,
      replaceOriginal: false,
      text: applied.error,
    });
  for (const failed of 'error' in applied ? [] : (applied.chat ?? []).filter((c) => c.status === 'failed'))
    deps.log?.({ via: 'slack', outcome: 'failed', alertId: parsed.alertId, reason: `update: ${failed.error}` });
  return { statusCode: 200, headers: { 'Cache-Control': 'no-store' }, body: '' };
}

/** An ephemeral note to the clicker (the action did not apply), through send-once keyed by the request: never twice. */
async function replyOnce(
  deps: AlertActionDeps,
  slack: NonNullable<AlertActionDeps['slack']>,
  requestId: string,
  alertId: string,
  reply: SlackReply,
): Promise<void> {
  const { outcomes } = await sendOnce(
    { ledger: slack.ledger, channel: slack.responder },
    [{ kind: 'slack-action-reply', period: requestId, recipient: alertId, channel: 'slack' }],
    () => reply,
    {
      unknownOutcome: 'hold',
    },
  );
  const o = outcomes[0]!;
  if (o.status === 'failed') deps.log?.({ via: 'slack', outcome: 'failed', alertId, reason: `reply: ${o.error}` });
}

// ---- the action ---------------------------------------------------------------------------------

type Applied = { state: AlertState; until: string; crm?: CrmTaskOutcome; chat?: ChatOutcome[] } | { error: string };

/**
 * Snoozes or acknowledges through the CLI's use case, then moves the CRM task. An action the alert
 * does not allow any more is an answer, not a failure; a busy alert gives the single-use id back.
 */
async function applyAction(
  deps: AlertActionDeps,
  alertId: string,
  kind: AlertActionKind,
  days: number,
  by: string,
  via: string,
  now: Date,
  usedId: string,
  chat?: { messages: AlertMessageDeps; clicked?: ClickedMessage },
): Promise<Applied> {
  const today = todayIn(deps.timeZone, now);
  const days_ = Math.min(days, deps.limits.maxDays);
  let done: { state: AlertState; until: string; crmTask?: CrmTaskOutcome; chat?: ChatOutcome[] };
  try {
    const request = {
      id: alertId,
      kind,
      days: days_,
      reason: `${kind === 'snooze' ? 'snoozed' : 'acknowledged'} ${via}`,
      by,
      today,
      now: () => now,
    };
    done = await snoozeAlertAndTask(deps.alerts, deps.limits, request, deps.tasks, chat);
  } catch (e) {
    if (e instanceof AlertNotFoundError) return { error: `Pulse has no alert ${alertId} any more.` };
    if (e instanceof AlertActionError) return { error: e.message };
    await deps.used.release(usedId).catch(() => undefined);
    if (e instanceof AlertBusyError) return { error: `${e.message}.` };
    throw e;
  }
  return {
    state: done.state,
    until: done.until,
    ...(done.crmTask ? { crm: done.crmTask } : {}),
    ...(done.chat ? { chat: done.chat } : {}),
  };
}

function describe(s: AlertState): string {
  return `${s.explanation.accountName}: ${s.explanation.ruleTitle} (${s.severity})`;
}

function text(status: number, body: string): HttpResponse {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    body: `${body}\n`,
  };
}
