// The mail port: one message out (SES in AWS and locally), and the send ledger that makes every
// send happen exactly once per (kind, period, recipient).

/** SES takes at most 50 recipients (To + Cc + Bcc) in one message. */
export const MAX_RECIPIENTS_PER_MESSAGE = 50;

export interface InlineImage {
  /** Content-ID referenced from the HTML as `cid:<cid>`. */
  cid: string;
  filename: string;
  contentType: 'image/png';
  content: Buffer;
  /** Alternative text, also used in the HTML. */
  alt: string;
}

export interface OutgoingMessage {
  from: string;
  to: string[];
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  images?: InlineImage[];
  /** Extra headers, e.g. `X-Pulse-Send-Key`. Values must not contain CR or LF. */
  headers?: Record<string, string>;
}

export interface SentMessage {
  messageId: string;
  /** The raw RFC 5322 message as sent (for the outbox and the archive). */
  raw: Buffer;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<SentMessage>;
}

/** What is being sent, for whom, for which period: the idempotency key of one send. */
export interface SendKey {
  /** e.g. `weekly-report`, `alert-digest:cco`, `alert-critical`. */
  kind: string;
  /** e.g. `2026-W47`, `2026-11-23`, or an alert id with its transition. */
  period: string;
  /** The recipient address (lower-cased). */
  recipient: string;
}

export type ClaimResult =
  /** This caller owns the send now and must call markSent or release. */
  | { status: 'claimed' }
  /** Already sent: do nothing. */
  | { status: 'sent'; messageId: string; sentAt: string }
  /** Another run claimed it and has not finished (or crashed between claim and send). */
  | { status: 'in-flight'; claimedAt: string };

export interface SendLedger {
  /** Claims the send with a conditional write; a stale in-flight claim older than `staleAfterMs` may be taken over. */
  claim(key: SendKey, opts?: { staleAfterMs?: number; force?: boolean }): Promise<ClaimResult>;
  markSent(key: SendKey, messageId: string): Promise<void>;
  /** Gives a claim back after a failed send, so a retry can send. */
  release(key: SendKey, reason: string): Promise<void>;
}
