// The ports of acting on an alert from its message (the e-mail's signed links, Slack's buttons):
// single-use ids, so a link or a Slack request works once, and the answer to Slack (an updated
// copy of the message, posted to the click's response_url).
import type { DeliveryChannel } from './send-ledger';

export interface SingleUseIds {
  /**
   * Records an id as used; false when it was used before (a replay). `expiresAt` (seconds since
   * the epoch) is when the id's link or request stops being valid anyway: the record may go then.
   */
  use(id: string, expiresAt: number): Promise<boolean>;
  /** Forgets a use whose action did not happen (the alert was busy), so the link works again. */
  release(id: string): Promise<void>;
}

/** A message for a Slack interaction's response_url. */
export interface SlackReply {
  responseUrl: string;
  /** Replace the clicked message (the buttons go); false: an ephemeral note to the clicker only. */
  replaceOriginal: boolean;
  text: string;
  blocks?: unknown[];
}

/** Posts a reply to a response_url; throws a DeliveryError like every channel. */
export type SlackResponder = DeliveryChannel<SlackReply>;
