// The send ledger: every message Pulse delivers (an email today; a Slack or Teams post, a CRM task
// tomorrow) is claimed here before it goes out and marked sent after, so a rerun, a duplicated
// event or a concurrent run delivers it once. functions/app/send-once.ts is the only caller that
// claims, sends and marks; the DynamoDB adapter is functions/adapters/dynamodb/send-ledger.ts.
//
// And the delivery contract every channel keeps: a channel that fails throws a DeliveryError that
// says whether the message surely did not go out, or may have (an unknown outcome).

/** The idempotency key of one delivery: which message, for which transition, on which channel, to whom. */
export interface SendKey {
  /** The message: `weekly-report`, `weekly-report-delayed`, `alert-digest:cco`, `alert-critical` ... */
  kind: string;
  /** The transition or period it is for: `2026-W47`, `2026-11-23`, an alert notice id. */
  period: string;
  /** The address on the channel (an email address, a Slack channel id ...); compared lower-cased. */
  recipient: string;
  /** Default `email`. Another channel (`slack`, `teams`, `crm-task`) keeps its own claims. */
  channel?: string;
}

export const DEFAULT_CHANNEL = 'email';

export type ClaimResult =
  /** This caller owns the delivery now and must mark it sent or release it. */
  | { status: 'claimed' }
  /** Already delivered: do nothing. */
  | { status: 'sent'; messageId: string; sentAt: string }
  /** Another run claimed it and has not finished (or stopped between claim and mark). */
  | { status: 'in-flight'; claimedAt: string };

export interface ClaimOptions {
  /** Also take over a claim older than this (the at-least-once policy: a run that stopped is retried). */
  staleAfterMs?: number;
  /** Claim again even what was sent (a deliberate second copy); not a claim made within `staleAfterMs` (default 0). */
  force?: boolean;
}

export interface SendLedger {
  /** Claims the delivery with a conditional write. */
  claim(key: SendKey, opts?: ClaimOptions): Promise<ClaimResult>;
  markSent(key: SendKey, messageId: string): Promise<void>;
  /** Gives a claim back after a delivery that surely did not go out, so a retry can send. */
  release(key: SendKey, reason: string): Promise<void>;
  /**
   * The delivery recorded for a key, when it was marked sent (a consistent read): how a later
   * transition finds what an earlier one made, e.g. the CRM task an alert opened.
   */
  delivered(key: SendKey): Promise<{ messageId: string; sentAt: string } | undefined>;
}

/**
 * What a channel throws when a delivery failed. `notSent`: the channel is sure nothing went out
 * (refused, throttled to the end, an invalid message), so a retry cannot duplicate it. Otherwise
 * the outcome is unknown (a timeout or a 5xx after the service may have accepted it).
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly notSent: boolean,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'DeliveryError';
  }
}

/** A channel delivers one message and answers with the service's message id, or throws a DeliveryError. */
export interface DeliveryChannel<M> {
  send(message: M): Promise<{ messageId: string }>;
}
