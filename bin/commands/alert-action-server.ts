// The alert action endpoint on loopback: the Lambda handler's code (createAlertActionHandler)
// behind the same node:http server as the download endpoint, so the snooze and acknowledge links
// in the local e-mails work (`pulse alerts serve`, `pulse demo --serve`). Links are signed with
// the local link signing key (.pulse/link-signing-key); used ids live in DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSingleUseIds } from '../../functions/adapters/dynamodb/single-use';
import { taskTrackerFor } from '../../functions/adapters/crm/task-trackers';
import { FetchSlackResponder } from '../../functions/adapters/slack/response-url';
import { EnvSecrets, FileSecrets, SecretChain } from '../../functions/adapters/sources/http/credentials';
import type { AlertActionDeps } from '../../functions/app/alert-action-endpoint';
import { actionLinkMaker } from '../../functions/app/alert-action-links';
import { snoozeLimitsFrom } from '../../functions/app/alert-actions';
import type { CrmTaskDeps } from '../../functions/app/crm-tasks';
import type { AlertMessageDeps } from '../../functions/app/chat-notify';
import { chatChannelsFrom } from '../../functions/adapters/chat-channels';
import type { PulseConfig } from '../../functions/config';
import { makeFormatter } from '../../functions/domain/alerts';
import { createAlertActionHandler } from '../../functions/handlers/alert-action';
import type { SendLedger } from '../../functions/ports/send-ledger';
import { localLinkKeys, startFunctionUrlServer, type DownloadServer } from './download-server';
import type { LocalMailAdapters } from './local-mail';
import { LOCAL_SECRETS_FILE } from './sources';

export const DEFAULT_ACTION_PORT = 4511;

export const localActionBaseUrl = (port = DEFAULT_ACTION_PORT): string => `http://127.0.0.1:${port}`;

/** The links the local alert e-mails carry (they work while `pulse alerts serve` runs). */
export async function localActionLinks(config: PulseConfig, port = DEFAULT_ACTION_PORT) {
  const snoozeDays = config.alerts.snooze.defaultDays;
  return {
    maker: actionLinkMaker({
      baseUrl: localActionBaseUrl(port),
      signingKey: await localLinkKeys().current(),
      snoozeDays,
    }),
    snoozeDays,
  };
}

/** The CRM tasks of notifications.crmTasks on this machine (credentials from the environment or .pulse/secrets.json). */
export function localCrmTasks(
  config: PulseConfig,
): { tracker: NonNullable<ReturnType<typeof taskTrackerFor>>; settings: CrmTaskDeps['settings'] } | undefined {
  const tracker = taskTrackerFor(config, {
    env: process.env,
    secrets: new SecretChain([new EnvSecrets(), new FileSecrets(LOCAL_SECRETS_FILE)]),
  });
  return tracker && config.notifications.crmTasks
    ? { tracker, settings: { dueInDays: config.notifications.crmTasks.dueInDays } }
    : undefined;
}

export function localCrmTaskDeps(config: PulseConfig, ledger: SendLedger): CrmTaskDeps | undefined {
  const tasks = localCrmTasks(config);
  return tasks && { ...tasks, ledger, formatter: makeFormatter(config.company.locale, config.company.currency) };
}

/** Slack with the bot token from the environment, to update the messages posted for an alert (none without Slack). */
export async function localAlertMessages(
  config: PulseConfig,
  ledger: SendLedger,
): Promise<AlertMessageDeps | undefined> {
  if (!config.notifications.slack) return undefined;
  const { slack } = await chatChannelsFrom({ slack: config.notifications.slack });
  const formatter = makeFormatter(config.company.locale, config.company.currency);
  return slack && { ledger, slack: { ...slack, companyName: config.company.name, formatter } };
}

/**
 * Serves the action endpoint on 127.0.0.1 over the local stack's alert states. Slack clicks are
 * accepted when SLACK_SIGNING_SECRET is set (a Slack fake, or a tunnel to a real Slack app).
 */
export async function startLocalActionServer(
  config: PulseConfig,
  adapters: Pick<LocalMailAdapters, 'alerts' | 'ledger'>,
  tableName: string,
  opts: { port?: number; strictPort?: boolean; log?: (line: string) => void; slackResponseOrigins?: string[] } = {},
): Promise<DownloadServer & { close(): Promise<void> }> {
  const dynamodb = new DynamoDBClient({});
  const keys = localLinkKeys();
  const slackSecret = process.env.SLACK_SIGNING_SECRET;
  const tasks = localCrmTaskDeps(config, adapters.ledger);
  const messages = await localAlertMessages(config, adapters.ledger);
  const deps: AlertActionDeps = {
    alerts: adapters.alerts,
    limits: snoozeLimitsFrom(config),
    timeZone: config.company.timezone,
    signingKeys: () => keys.keys(),
    used: new DynamoDbSingleUseIds({ client: dynamodb, tableName }),
    ...(slackSecret
      ? {
          slack: {
            signingSecret: async () => slackSecret,
            responder: new FetchSlackResponder({
              allowedOrigins: opts.slackResponseOrigins ?? slackFakeOrigins(config),
            }),
            ledger: adapters.ledger,
          },
        }
      : {}),
    ...(tasks ? { tasks } : {}),
    ...(messages ? { messages } : {}),
  };
  const server = await startFunctionUrlServer(createAlertActionHandler(deps, opts.log), {
    port: opts.port ?? DEFAULT_ACTION_PORT,
    ...(opts.strictPort ? { strictPort: true } : {}),
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      dynamodb.destroy();
    },
  };
}

/** A Slack API pointed at loopback (a fake) answers on its own origin: its response_urls are trusted too. */
function slackFakeOrigins(config: PulseConfig): string[] {
  const api = config.notifications.slack?.apiUrl;
  if (!api) return [];
  const url = new URL(api);
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' ? [url.origin] : [];
}
