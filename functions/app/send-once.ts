// Send once: the one claim-send-mark loop of Pulse. Every message (the weekly report, the "report
// delayed" notice, critical alerts, digests; later a Slack or Teams post or a CRM task) goes out
// through sendOnce, which
//
//   1. claims each key in the send ledger (a conditional write): a key already sent, or claimed by
//      a run that has not finished, is reported and left out;
//   2. composes ONE message for the keys this run claimed (`compose` gets their positions) and
//      hands it to the channel;
//   3. marks every claimed key sent with the channel's message id. A failed mark is thrown: the
//      message went out, so the claim must never be given back (that would send it twice).
//
// When the channel fails, what happens to the claims is the caller's explicit policy for an
// unknown outcome (docs/reliability.md, "Send once"):
//
//   - a failure to compose the message, or one the channel declares `notSent` (a DeliveryError:
//     refused, throttled to the end, an invalid message), releases the claims: the next run sends;
//   - an unknown outcome (a timeout or 5xx after the service may have accepted it, or any error
//     that is not a DeliveryError) follows `unknownOutcome`:
//       `hold`   (at most once: the weekly report): the claims stay; no run sends it again by
//                itself; an operator resolves it (`pulse report --resend` forces a new claim);
//       `resend` (at least once: risk alerts): the claims are released, so the next run sends
//                again; a rare duplicate is preferred to a silently dropped alert. A run that stopped
//                between claim and mark leaves its claims; they are taken over after `staleAfterMs`.
import {
  DeliveryError,
  type ClaimResult,
  type DeliveryChannel,
  type SendKey,
  type SendLedger,
} from '../ports/send-ledger';

export type UnknownOutcomePolicy = { unknownOutcome: 'hold' } | { unknownOutcome: 'resend'; staleAfterMs: number };

/** How long a claim left by a run that stopped holds before the next run sends again (alerts). */
export const STALE_CLAIM_MS = 30 * 60_000;

/** The alerts' policy on every channel: at least once, a stopped run's claim taken over after `staleClaimMs`. */
export function atLeastOnce(staleClaimMs: number = STALE_CLAIM_MS): UnknownOutcomePolicy {
  return { unknownOutcome: 'resend', staleAfterMs: staleClaimMs };
}

export type KeyOutcome =
  | { key: SendKey; status: 'sent'; messageId: string }
  | { key: SendKey; status: 'already-sent'; messageId: string; sentAt: string }
  /** Claimed by another run that has not marked it sent. */
  | { key: SendKey; status: 'in-flight'; claimedAt: string }
  /** Not delivered by this run. `released`: the next run sends it; otherwise it stays claimed (outcome unknown, held). */
  | { key: SendKey; status: 'failed'; error: string; released: boolean };

export interface SendOnceResult<M> {
  /** One per key, in the order of the keys. */
  outcomes: KeyOutcome[];
  /** The message that went out, when one did. */
  delivered?: { message: M; messageId: string };
}

export interface SendOnceOptions {
  /** A deliberate second copy: claim even what was already sent. */
  force?: boolean;
}

/**
 * Delivers one message for the keys this run can claim (all to the same recipient(s) on one
 * channel), at most once per key unless `force`; see the top of this file for failures.
 */
export async function sendOnce<M>(
  deps: { ledger: SendLedger; channel: DeliveryChannel<M> },
  keys: readonly SendKey[],
  compose: (claimed: readonly number[]) => M | Promise<M>,
  policy: UnknownOutcomePolicy,
  opts: SendOnceOptions = {},
): Promise<SendOnceResult<M>> {
  const outcomes: (KeyOutcome | undefined)[] = keys.map(() => undefined);
  const claimed: number[] = [];
  const claimOptions = {
    ...(opts.force ? { force: true } : {}),
    ...(policy.unknownOutcome === 'resend' ? { staleAfterMs: policy.staleAfterMs } : {}),
  };
  for (const [i, key] of keys.entries()) {
    const claim: ClaimResult = await deps.ledger.claim(key, claimOptions);
    if (claim.status === 'claimed') claimed.push(i);
    else if (claim.status === 'sent')
      outcomes[i] = { key, status: 'already-sent', messageId: claim.messageId, sentAt: claim.sentAt };
    else outcomes[i] = { key, status: 'in-flight', claimedAt: claim.claimedAt };
  }
  if (claimed.length === 0) return { outcomes: outcomes as KeyOutcome[] };

  let message: M;
  let messageId: string;
  let composed = false;
  try {
    message = await compose(claimed);
    composed = true;
    messageId = (await deps.channel.send(message)).messageId;
  } catch (err) {
    const error = describe(err);
    // Surely not sent: the channel says so, or the message could not even be composed.
    const surelyNotSent = !composed || (err instanceof DeliveryError && err.notSent);
    const release = surelyNotSent || policy.unknownOutcome === 'resend';
    const released = release ? await releaseAll(deps.ledger, keys, claimed, error) : new Set<number>();
    for (const i of claimed) outcomes[i] = { key: keys[i]!, status: 'failed', error, released: released.has(i) };
    return { outcomes: outcomes as KeyOutcome[] };
  }
  for (const i of claimed) {
    await deps.ledger.markSent(keys[i]!, messageId);
    outcomes[i] = { key: keys[i]!, status: 'sent', messageId };
  }
  return { outcomes: outcomes as KeyOutcome[], delivered: { message, messageId } };
}

/** Releases the claims; returns the positions released (a release that fails leaves the claim, taken over later or resolved by hand). */
async function releaseAll(
  ledger: SendLedger,
  keys: readonly SendKey[],
  positions: readonly number[],
  reason: string,
): Promise<Set<number>> {
  const released = new Set<number>();
  for (const i of positions) {
    try {
      await ledger.release(keys[i]!, reason);
      released.add(i);
    } catch {
      // best effort: the claim stays
    }
  }
  return released;
}

const describe = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
