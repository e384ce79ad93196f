// The chat channels from the config's `notifications` section, with their credentials: the Slack
// bot token and the Teams webhook URL come from an environment variable (locally) or from AWS
// Secrets Manager (in AWS, `secretName`), never from the config file. A channel configured
// without its credential still takes part: each of its posts fails with a DeliveryError that says
// what to set, so the run ledger shows it and the e-mails go out as usual.
import type { PulseConfig } from '../config';
import type { ChatChannels, SlackChat, TeamsChat } from '../ports/chat';
import { DeliveryError } from '../ports/send-ledger';
import type { SecretResolver } from './sources/http/credentials';
import { SlackWebApiChat } from './slack/web-api-chat';
import { TeamsWorkflowWebhook } from './teams/workflow-webhook';

export interface ChatChannelDeps {
  env?: Record<string, string | undefined>;
  /** Secrets Manager in AWS; absent locally. */
  secrets?: SecretResolver;
}

/** The configured chat channels (none when the config names none). */
export async function chatChannelsFrom(
  notifications: PulseConfig['notifications'],
  deps: ChatChannelDeps = {},
): Promise<ChatChannels> {
  const env = deps.env ?? process.env;
  const out: ChatChannels = {};
  const { slack, teams } = notifications;
  if (slack) {
    const token = await credential(env[slack.tokenEnv], slack.secretName, 'token', deps.secrets);
    const chat: SlackChat = token
      ? new SlackWebApiChat({ token, apiUrl: slack.apiUrl })
      : missing(
          `no Slack bot token: set the environment variable ${slack.tokenEnv}${slack.secretName ? ` or the secret "${slack.secretName}"` : ' (in AWS: notifications.slack.secretName)'}`,
        );
    out.slack = {
      chat,
      channel: slack.channel,
      directMessageOwners: slack.directMessageOwners,
      ...(slack.weeklyReportChannel ? { weeklyReportChannel: slack.weeklyReportChannel } : {}),
    };
  }
  if (teams) {
    const url = await credential(env[teams.webhookUrlEnv], teams.secretName, 'url', deps.secrets);
    const chat: TeamsChat = url
      ? new TeamsWorkflowWebhook({ url })
      : missing(
          `no Teams webhook URL: set the environment variable ${teams.webhookUrlEnv}${teams.secretName ? ` or the secret "${teams.secretName}"` : ' (in AWS: notifications.teams.secretName)'}`,
        );
    out.teams = {
      chat,
      criticalAlerts: teams.criticalAlerts,
      digest: teams.digest,
      weeklyHeadline: teams.weeklyHeadline,
    };
  }
  return out;
}

/** The environment variable first, else the secret (the plain value, or JSON with `field`). */
async function credential(
  fromEnv: string | undefined,
  secretName: string | undefined,
  field: string,
  secrets: SecretResolver | undefined,
): Promise<string | undefined> {
  if (fromEnv?.trim()) return fromEnv.trim();
  if (!secretName || !secrets) return undefined;
  const value = (await secrets.get(secretName))?.trim();
  if (!value) return undefined;
  if (!value.startsWith('{')) return value;
  const doc = JSON.parse(value) as Record<string, unknown>;
  return typeof doc[field] === 'string' ? (doc[field] as string) : undefined;
}

/** A channel without its credential: every call fails as not sent, saying what to set. */
function missing(reason: string): SlackChat & TeamsChat {
  const fail = async (): Promise<never> => {
    throw new DeliveryError(reason, true);
  };
  return { send: fail, findMember: fail, update: fail };
}
