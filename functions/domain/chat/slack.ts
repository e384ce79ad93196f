// Slack Block Kit messages for the alerts and the Monday headline. They say what the e-mails say,
// from the same view models (domain/alerts/messages.ts, domain/chat/headline.ts): why (signals
// with values and thresholds), the owner, the play, the ARR and the renewal. Pure: no I/O.
//
// Block Kit limits kept here: a section's text at most 3,000 characters, a header 150, at most
// 50 blocks per message (https://docs.slack.dev/reference/block-kit/blocks).
import type { AlertState, Notice } from '../alerts/lifecycle';
import type { CriticalAlertView, DigestModel } from '../alerts/messages';
import type { HeadlineModel } from './headline';

/** A Block Kit block as Slack's API takes it (plain JSON). */
export type SlackBlock = Record<string, unknown>;

export interface SlackPost {
  /** The notification text (push notifications, screen readers, clients without blocks). */
  text: string;
  blocks: SlackBlock[];
}

/** The action ids of the critical alert's buttons (the action endpoint handles them). */
export const SLACK_SNOOZE_ACTION = 'alert_snooze';
export const SLACK_ACK_ACTION = 'alert_ack';

const SECTION_MAX = 3000;
const HEADER_MAX = 150;

/** Slack's mrkdwn needs only &, < and > escaped (https://docs.slack.dev/messaging/formatting-message-text). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const header = (text: string): SlackBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: clip(text, HEADER_MAX), emoji: true },
});
const section = (text: string): SlackBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) },
});
const context = (text: string): SlackBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clip(text, SECTION_MAX) }],
});
const fields = (pairs: readonly [string, string][]): SlackBlock => ({
  type: 'section',
  fields: pairs.slice(0, 10).map(([label, value]) => ({
    type: 'mrkdwn',
    text: clip(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, 2000),
  })),
});

/**
 * Lines joined into sections of at most 3,000 characters, at most `maxBlocks` of them; what does
 * not fit is counted in a last line ("… and 12 more").
 */
function lineSections(title: string, lines: readonly string[], maxBlocks: number): SlackBlock[] {
  const out: string[] = [];
  let current = title;
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const more = `\n… and ${lines.length - i} more`;
    if (current.length + 1 + line.length + more.length > SECTION_MAX) {
      if (out.length + 1 >= maxBlocks) {
        out.push(current + more);
        return out.map(section);
      }
      out.push(current);
      current = line;
    } else current = current ? `${current}\n${line}` : line;
    used = i + 1;
  }
  if (current && used === lines.length) out.push(current);
  return out.map(section);
}

export interface CriticalSlackOptions {
  /** Who the alert is for when the owner has no direct message, said in the message. */
  ownerNote?: string;
  /** The Slack user id of the owner, mentioned in the channel's copy. */
  ownerUserId?: string;
  /** Add the snooze and acknowledge buttons (not on a copy that cannot be acted on). */
  buttons: boolean;
}

/** One critical alert (opened or escalated): the channel's copy, or the owner's direct message. */
export function criticalAlertPost(alert: CriticalAlertView, company: string, opts: CriticalSlackOptions): SlackPost {
  const renewal = alert.renewal || 'no open renewal';
  const text = `CRITICAL: ${alert.accountName} - ${alert.ruleTitle} (${alert.renewal || `${alert.arr} ARR`})`;
  const owner = opts.ownerUserId ? `<@${opts.ownerUserId}> (${escapeMrkdwn(alert.owner)})` : escapeMrkdwn(alert.owner);
  const signals = alert.signals.map(
    (s) =>
      `• ${escapeMrkdwn(s.label)}: *${escapeMrkdwn(s.value)}*${s.threshold ? ` (${escapeMrkdwn(s.threshold)})` : ''}`,
  );
  const blocks: SlackBlock[] = [
    header(`🔴 Critical: ${alert.accountName}`),
    section(`*${escapeMrkdwn(alert.ruleTitle)}*: ${escapeMrkdwn(alert.event)}\n${escapeMrkdwn(alert.why)}`),
    fields([
      ['ARR', alert.arr],
      ['Renewal', renewal],
      ['Owner', alert.owner],
      ['Play', alert.play],
    ]),
  ];
  if (opts.ownerUserId) blocks.push(section(`Owner: ${owner}`));
  if (signals.length) blocks.push(...lineSections('*Signals*', signals, 3));
  if (opts.ownerNote) blocks.push(section(`:warning: ${escapeMrkdwn(opts.ownerNote)}`));
  if (opts.buttons) {
    blocks.push({
      type: 'actions',
      block_id: `alert-actions`,
      elements: [
        {
          type: 'button',
          action_id: SLACK_ACK_ACTION,
          text: { type: 'plain_text', text: 'Acknowledge' },
          style: 'primary',
          value: alert.id,
        },
        {
          type: 'button',
          action_id: SLACK_SNOOZE_ACTION,
          text: { type: 'plain_text', text: 'Snooze' },
          value: alert.id,
        },
      ],
    });
  }
  blocks.push(
    context(
      `${escapeMrkdwn(company)} · Pulse renewal-risk alert \`${escapeMrkdwn(alert.id)}\`${alert.openedOn ? ` · open since ${alert.openedOn}` : ''}`,
    ),
  );
  return { text, blocks };
}

/** The CCO's daily digest for the channel: what is new, escalated, still open and resolved, then the top accounts at risk. */
export function digestPost(model: DigestModel): SlackPost {
  const blocks: SlackBlock[] = [header(model.subject)];
  if (model.intro) blocks.push(section(escapeMrkdwn(model.intro)));
  blocks.push(section(`*${escapeMrkdwn(model.summary)}*`));
  // 50 blocks at most: header, intro, summary, the sections (up to 4 x 8), a divider, the list (up to 8), the footer.
  for (const s of model.sections) {
    const lines = s.items.map(
      (a) =>
        `• *${escapeMrkdwn(a.accountName)}*: ${escapeMrkdwn(a.ruleTitle)}${a.critical ? ' · *CRITICAL*' : ''} · ${escapeMrkdwn(a.arr)} ARR` +
        `${a.renewal ? ` · ${escapeMrkdwn(a.renewal)}` : ''} · owner ${escapeMrkdwn(a.owner)}\n   ${escapeMrkdwn(a.resolution || a.why)}` +
        `${a.resolution ? '' : `\n   _Play:_ ${escapeMrkdwn(a.play)}`}${a.snoozed ? `\n   _${escapeMrkdwn(a.snoozed)}_` : ''}`,
    );
    blocks.push(...lineSections(`*${escapeMrkdwn(s.title)}* (${s.items.length})`, lines, 8));
  }
  if (model.atRisk.length) {
    blocks.push({ type: 'divider' });
    const rows = model.atRisk.map(
      (r) =>
        `${r.rank}. *${escapeMrkdwn(r.accountName)}* · ${escapeMrkdwn(r.arr)}${r.critical ? ' · *CRITICAL*' : ''} · ${escapeMrkdwn(r.alerts)}` +
        `${r.renewal ? ` · ${escapeMrkdwn(r.renewal)}` : ''} · owner ${escapeMrkdwn(r.owner)}`,
    );
    blocks.push(...lineSections(`*${escapeMrkdwn(model.atRiskTitle)}*`, rows, 8));
  }
  blocks.push(
    context(
      `${escapeMrkdwn(model.company)} · Pulse · ${model.totalOpen} open alert${model.totalOpen === 1 ? '' : 's'}`,
    ),
  );
  return { text: model.subject, blocks };
}

/** The Monday headline: ARR, NRR, GRR and ARR at risk with the week's change, and the archived report. */
export function headlinePost(model: HeadlineModel): SlackPost {
  const link = model.archive.url
    ? `<${model.archive.url}|${escapeMrkdwn(model.archive.label)}>`
    : escapeMrkdwn(model.archive.label);
  return {
    text: model.text,
    blocks: [
      header(model.title),
      fields(model.figures.map((f) => [f.label, `${f.value}${f.change ? ` (${f.change} on last week)` : ''}`])),
      section(`The full report went out by e-mail. Archived report: ${link}`),
      context(`${escapeMrkdwn(model.company)} · Pulse weekly report ${model.week} · ${escapeMrkdwn(model.range)}`),
    ],
  };
}

/** Where an alert stands after someone acted on it or it resolved, shown on every Slack message posted for it. */
export type SlackAlertStatus =
  | { kind: 'snoozed' | 'acknowledged'; by: string; until: string }
  | { kind: 'resolved'; on: string; reason?: string };

/** The block_id of the status line, so a later status replaces it instead of adding a second one. */
export const SLACK_STATUS_BLOCK = 'alert-status';

/** Who acted, as Slack shows it: the clicker mentioned (`slack:@jo (U123)` -> <@U123>), anyone else by name. */
export function slackActorMention(by: string): string {
  const id = /^slack:(?:@.* \()?([UW][A-Z0-9]+)\)?$/.exec(by)?.[1];
  return id ? `<@${id}>` : escapeMrkdwn(by);
}

/** The status line: "Snoozed by X until D", "Acknowledged by X until D", "Resolved on D: why". */
export function slackStatusLine(status: SlackAlertStatus): string {
  if (status.kind === 'resolved')
    return `:white_check_mark: *Resolved* on ${status.on}${status.reason ? `: ${escapeMrkdwn(status.reason)}` : ''}`;
  const verb = status.kind === 'snoozed' ? ':zzz: *Snoozed*' : ':eyes: *Acknowledged*';
  return `${verb} by ${slackActorMention(status.by)} until ${status.until}`;
}

/**
 * A posted alert message with its status: the status line replaces an earlier one (or goes above the
 * footer), and a resolved alert loses its buttons (nothing to act on); a snoozed or acknowledged one
 * keeps them (acknowledge after a snooze, snooze again).
 */
export function withAlertStatus(post: SlackPost, status: SlackAlertStatus): SlackPost {
  const kept = post.blocks.filter(
    (b) => b.block_id !== SLACK_STATUS_BLOCK && !(status.kind === 'resolved' && b.type === 'actions'),
  );
  const line: SlackBlock = {
    type: 'context',
    block_id: SLACK_STATUS_BLOCK,
    elements: [{ type: 'mrkdwn', text: clip(slackStatusLine(status), SECTION_MAX) }],
  };
  const footerAt = kept.length && kept[kept.length - 1]!.type === 'context' ? kept.length - 1 : kept.length;
  const plain = slackStatusLine(status).replace(/[*]|:[a-z_]+: /g, '');
  const base = post.text.replace(/ \[[^\]]*\]$/, '');
  return { text: `${base} [${plain}]`, blocks: [...kept.slice(0, footerAt), line, ...kept.slice(footerAt)] };
}

/** The status an alert's Slack messages show now, and the id of the transition that set it (the ledger's period). */
export function alertChatStatus(
  state: AlertState,
): { transition: SlackAlertStatus['kind']; period: string; status: SlackAlertStatus; on: string } | undefined {
  if (state.status === 'resolved') {
    const resolved = state.notices.findLast((n) => n.kind === 'resolved' && n.episode === state.episode);
    if (!resolved) return undefined;
    return {
      transition: 'resolved',
      period: resolved.id,
      on: resolved.on,
      status: { kind: 'resolved', on: resolved.on, ...(resolved.reason ? { reason: resolved.reason } : {}) },
    };
  }
  if (state.status !== 'open' || !state.snooze) return undefined;
  const kind = state.snooze.kind === 'snooze' ? 'snoozed' : 'acknowledged';
  return {
    transition: kind,
    period: `${state.id}/${state.episode}/${state.snooze.at}`,
    on: state.snooze.at.slice(0, 10),
    status: { kind, by: state.snooze.by, until: state.snooze.until },
  };
}

/** The notices of the alert's current episode that were posted to Slack (critical, opened or escalated). */
export function postedCriticalNotices(state: AlertState): Notice[] {
  return state.notices.filter(
    (n) => n.episode === state.episode && n.severity === 'critical' && (n.kind === 'opened' || n.kind === 'escalated'),
  );
}

/** A posted message's id as the adapter reports it and the send ledger keeps it: `<channel id>/<ts>`. */
export function postedSlackMessage(messageId: string): { channel: string; ts: string } | undefined {
  const at = messageId.lastIndexOf('/');
  const channel = messageId.slice(0, at);
  const ts = messageId.slice(at + 1);
  return at > 0 && /^\d+\.\d+$/.test(ts) ? { channel, ts } : undefined;
}
