// The mail port: one message out (SES in AWS and locally) and the error a mailer throws. Sending
// each message once (claim, send, mark) is the send ledger's job (ports/send-ledger.ts) through
// functions/app/send-once.ts.
import { DeliveryError, type DeliveryChannel } from './send-ledger';

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

export type MailErrorCode =
  /** The service kept throttling after every retry: nothing was sent. */
  | 'THROTTLED'
  /** The service refused the message (bad address, unverified identity, suppressed ...): nothing was sent. */
  | 'REJECTED'
  /** The outcome is unknown (network error, 5xx): the message may or may not have gone out. */
  | 'UNKNOWN_OUTCOME'
  /** The message itself is invalid (too many recipients, a missing image ...): nothing was sent. */
  | 'INVALID_MESSAGE';

/** What a Mailer throws when a message did not surely go out; `notSent` is false only for UNKNOWN_OUTCOME. */
export class MailError extends DeliveryError {
  override readonly name = 'MailError';
  readonly attempts: number;
  constructor(
    readonly code: MailErrorCode,
    message: string,
    opts: { cause?: unknown; attempts?: number } = {},
  ) {
    super(message, code !== 'UNKNOWN_OUTCOME', opts.cause === undefined ? undefined : { cause: opts.cause });
    this.attempts = opts.attempts ?? 1;
  }
}

/** Sends one email; throws MailError when it did not surely go out. */
export interface Mailer extends DeliveryChannel<OutgoingMessage> {
  send(message: OutgoingMessage): Promise<SentMessage>;
}
