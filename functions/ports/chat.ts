// The chat channels: Slack (functions/adapters/slack/) and a Microsoft Teams Workflows webhook
// (functions/adapters/teams/). Each is a DeliveryChannel, so every post goes out through send-once
// on its own ledger channel (`slack`, `teams`) and throws a DeliveryError that says whether it
// surely did not go out.
import type { SlackPost, TeamsPost } from '../domain/chat';
import type { DeliveryChannel } from './send-ledger';

export interface SlackMessage extends SlackPost {
  /** A channel name (`#cs-renewal-risk`), a channel id, or a direct message's conversation id. */
  channel: string;
  /** Post as a reply in this message's thread (the `ts` of its parent in the same channel). */
  threadTs?: string;
}

/** A posted message replaced in place (chat.update): its channel id and ts, and the new text and blocks. */
export interface SlackMessageUpdate extends SlackPost {
  channel: string;
  ts: string;
}

/** A workspace member found by e-mail, with the direct-message conversation Pulse posts to. */
export interface SlackMember {
  userId: string;
  directMessageChannel: string;
}

export interface SlackChat extends DeliveryChannel<SlackMessage> {
  /**
   * The member with this e-mail and their direct-message conversation, or undefined when no
   * member has it (Slack's `users_not_found`). Other failures throw a DeliveryError.
   */
  findMember(email: string): Promise<SlackMember | undefined>;
  /** Replaces a posted message (chat.update); answers the message id like `send`, throws a DeliveryError. */
  update(message: SlackMessageUpdate): Promise<{ messageId: string }>;
}

export type TeamsChat = DeliveryChannel<TeamsPost>;

/** Where the alert and report jobs post besides e-mail: each channel is there only when configured. */
export interface ChatChannels {
  slack?: {
    chat: SlackChat;
    /** The CCO's channel: critical alerts and the digest. */
    channel: string;
    directMessageOwners: boolean;
    /** The Monday headline's channel, when it has one. */
    weeklyReportChannel?: string;
  };
  teams?: {
    chat: TeamsChat;
    criticalAlerts: boolean;
    digest: boolean;
    weeklyHeadline: boolean;
  };
}
