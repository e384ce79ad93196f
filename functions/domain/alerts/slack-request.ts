// Slack interactivity requests (a click on an alert message's Snooze or Acknowledge button): the
// v0 request signature and the block_actions payload. Slack signs every request it sends:
//
//   X-Slack-Request-Timestamp: <seconds since the epoch>
//   X-Slack-Signature: "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body))
//
// A request older (or newer) than five minutes is refused, so a captured request cannot be
// replayed later; within the window the endpoint records each signature once (single use).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertActionKind } from './action-token';

export const SLACK_MAX_SKEW_SECONDS = 300;

/** The Slack buttons' action ids (the Slack channel renders them with `value` = the alert id). */
export const SLACK_ACTION_IDS: Readonly<Record<string, AlertActionKind>> = {
  alert_snooze: 'snooze',
  alert_ack: 'acknowledge',
};

export type SlackSignatureFailure = 'missing' | 'stale' | 'bad-signature';

export class SlackSignatureError extends Error {
  override readonly name = 'SlackSignatureError';
  constructor(
    readonly code: SlackSignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

/** `v0=<hex>` for a body at a timestamp: what Slack sends, and what a test's fake Slack signs with. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Checks the timestamp window first, then the signature (constant time); throws SlackSignatureError. */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  now: Date,
): void {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp))
    throw new SlackSignatureError('missing', 'The request carries no Slack signature.');
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) {
    throw new SlackSignatureError('stale', 'The request is more than five minutes old (or from the future).');
  }
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.byteLength !== given.byteLength || !timingSafeEqual(expected, given)) {
    throw new SlackSignatureError('bad-signature', 'The Slack signature does not match the request.');
  }
}

/** One button click, as far as Pulse needs it. */
export interface SlackAlertAction {
  action: AlertActionKind;
  alertId: string;
  userId: string;
  /** The user's handle (username or name), when Slack sent one. */
  userName?: string;
  responseUrl?: string;
  /** The message's blocks, to answer with an updated copy. */
  messageBlocks: unknown[];
  /** The message's notification text. */
  messageText: string;
  /** The clicked message as the send ledger names a post: `<channel id>/<ts>`, when Slack said. */
  messageId?: string;
}

/**
 * The alert action of an interactivity request body (`payload=<JSON>`, form-encoded), or the
 * reason it is not one. Only block_actions with one of SLACK_ACTION_IDS are alert actions.
 */
export function parseSlackAction(rawBody: string): SlackAlertAction | { ignored: string } {
  const payloadText = new URLSearchParams(rawBody).get('payload');
  if (!payloadText) return { ignored: 'no payload' };
  let payload: {
    type?: unknown;
    user?: { id?: unknown; username?: unknown; name?: unknown };
    actions?: { action_id?: unknown; value?: unknown }[];
    response_url?: unknown;
    message?: { blocks?: unknown; text?: unknown; ts?: unknown };
    container?: { channel_id?: unknown; message_ts?: unknown };
    channel?: { id?: unknown };
  };
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return { ignored: 'the payload is not JSON' };
  }
  if (payload?.type !== 'block_actions') return { ignored: `payload type ${String(payload?.type)}` };
  const click = (payload.actions ?? []).find(
    (a) => typeof a?.action_id === 'string' && a.action_id in SLACK_ACTION_IDS,
  );
  if (!click || typeof click.value !== 'string' || !click.value) return { ignored: 'no alert action' };
  const userId = payload.user?.id;
  if (typeof userId !== 'string' || !userId) return { ignored: 'no user' };
  const name =
    typeof payload.user?.username === 'string'
      ? payload.user.username
      : typeof payload.user?.name === 'string'
        ? payload.user.name
        : undefined;
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  const messageId = typeof channel === 'string' && typeof ts === 'string' ? `${channel}/${ts}` : undefined;
  return {
    action: SLACK_ACTION_IDS[click.action_id as string]!,
    alertId: click.value,
    userId,
    ...(name ? { userName: name } : {}),
    ...(typeof payload.response_url === 'string' ? { responseUrl: payload.response_url } : {}),
    messageBlocks: Array.isArray(payload.message?.blocks) ? payload.message.blocks : [],
    messageText: typeof payload.message?.text === 'string' ? payload.message.text : '',
    ...(messageId ? { messageId } : {}),
  };
}

/** Who acted, as recorded in the alert's history: `slack:@name (U123)`. */
export function slackActor(a: Pick<SlackAlertAction, 'userId' | 'userName'>): string {
  return a.userName ? `slack:@${a.userName} (${a.userId})` : `slack:${a.userId}`;
}
