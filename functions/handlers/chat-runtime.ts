// Module-scope wiring of the chat channels (Slack, Teams) for the alert and report handlers: the
// bot token and the webhook URL from Secrets Manager (`secretName`, cached 5 minutes by the
// resolver) or the function's environment. Built per invocation, so a secret put after a failed
// run is picked up by the next one.
import { chatChannelsFrom } from '../adapters/chat-channels';
import { SecretsManagerSecrets } from '../adapters/sources/http/credentials';
import type { PulseConfig } from '../config';
import type { ChatChannels } from '../ports/chat';
import { secretsManagerClient } from './runtime';

let secrets: SecretsManagerSecrets | undefined;

/** The configured chat channels, or undefined when the config names none. */
export async function getChatChannels(config: PulseConfig): Promise<ChatChannels | undefined> {
  const { slack, teams } = config.notifications;
  if (!slack && !teams) return undefined;
  if (slack?.secretName || teams?.secretName) secrets ??= new SecretsManagerSecrets(secretsManagerClient());
  return chatChannelsFrom(config.notifications, secrets ? { secrets } : {});
}
