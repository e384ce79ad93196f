// The alert action endpoint (a Lambda function URL): the snooze and acknowledge links of the alert
// e-mails and Slack's interactivity requests. Everything it decides is the use case
// `handleAlertActionRequest` (functions/app/alert-action-endpoint.ts): this file turns a function
// URL event into a request and the answer back into a response. The same `createAlertActionHandler`
// runs locally behind a loopback HTTP server (`pulse alerts serve`).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { DynamoDbAlertStateStore } from '../adapters/dynamodb/alert-state';
import { SELF_RETRYING_CLIENT_CONFIG } from '../adapters/dynamodb/document-client';
import { DynamoDbSingleUseIds } from '../adapters/dynamodb/single-use';
import { SecretsManagerLinkKeys } from '../adapters/secrets/link-keys';
import { FetchSlackResponder } from '../adapters/slack/response-url';
import { handleAlertActionRequest, type AlertActionDeps } from '../app/alert-action-endpoint';
import { snoozeLimitsFrom } from '../app/alert-actions';
import type { FunctionUrlResponse } from './download';
import { REQUEST_TOO_LARGE, readFunctionUrlRequest, type FunctionUrlEvent } from './function-url';
import { makeFormatter } from '../domain/alerts';
import { getCrmTasks } from './alert-action-runtime';
import { getChatChannels } from './chat-runtime';
import { getMailRuntime } from './mail-runtime';
import { getRuntime, secretsManagerClient } from './runtime';
import { tracer } from '../adapters/observability/powertools';

/** Form bodies and Slack payloads are small; anything larger is refused before it is read. */
const MAX_BODY_BYTES = 64 * 1024;

export function createAlertActionHandler(
  deps: AlertActionDeps,
  log: (line: string) => void = () => {},
): (event: FunctionUrlEvent) => Promise<FunctionUrlResponse> {
  const withLog: AlertActionDeps = {
    ...deps,
    log: (e) => {
      deps.log?.(e);
      log(JSON.stringify({ level: e.outcome === 'refused' || e.outcome === 'failed' ? 'WARN' : 'INFO', ...e }));
    },
  };
  return async (event) => {
    try {
      const request = readFunctionUrlRequest(event, MAX_BODY_BYTES);
      if (!request) return REQUEST_TOO_LARGE;
      const res = await handleAlertActionRequest(withLog, { ...request, path: event.rawPath ?? '/' });
      return request.method.toUpperCase() === 'HEAD' ? { ...res, body: '' } : res;
    } catch (e) {
      // Never the request itself: its path holds a token.
      log(
        JSON.stringify({
          level: 'ERROR',
          message: 'alert action failed',
          error: (e as Error).message,
          code: (e as { code?: string }).code,
        }),
      );
      return {
        statusCode: 503,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '60' },
        body: 'Pulse cannot act on the alert right now. Try again in a minute.\n',
      };
    }
  };
}

const envSchema = z.object({
  /** ARN or name of the link signing key secret (the archive links' key). */
  PULSE_LINK_SECRET_ID: z.string().min(1),
  /** ARN or name of the secret holding Slack's signing secret; locally SLACK_SIGNING_SECRET. */
  PULSE_SLACK_SIGNING_SECRET_ID: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
});

let lambdaHandler: Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResponse>> | undefined;

async function build(): Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResponse>> {
  const env = envSchema.parse(process.env);
  const { config, env: common } = getRuntime();
  // The send ledger of every channel (the Slack replies, the CRM tasks); this function sends no e-mail.
  const { sendLedger: ledger } = getMailRuntime();
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const secrets = secretsManagerClient();
  const keys = new SecretsManagerLinkKeys(secrets, env.PULSE_LINK_SECRET_ID);
  let slackSecret: Promise<string> | undefined;
  const signingSecret = (): Promise<string> =>
    (slackSecret ??= env.PULSE_SLACK_SIGNING_SECRET_ID
      ? secrets.send(new GetSecretValueCommand({ SecretId: env.PULSE_SLACK_SIGNING_SECRET_ID })).then((out) => {
          const value = out.SecretString?.trim() ?? '';
          const secret = value.startsWith('{')
            ? String((JSON.parse(value) as { signingSecret?: unknown }).signingSecret ?? '')
            : value;
          if (!secret) throw new Error(`the secret ${env.PULSE_SLACK_SIGNING_SECRET_ID} holds no Slack signing secret`);
          return secret;
        })
      : Promise.resolve(env.SLACK_SIGNING_SECRET ?? '')).catch((e: unknown) => {
      slackSecret = undefined;
      throw e;
    });
  const crm = getCrmTasks(config);
  // The Slack bot token, to update every message posted for an alert; without it (no Slack, or the
  // token unreadable) the clicked message is still answered and the next alert run updates the rest.
  const chat = await getChatChannels(config).catch((e: unknown) => {
    console.log(JSON.stringify({ level: 'WARN', message: 'Slack updates off', error: (e as Error).message }));
    return undefined;
  });
  const formatter = makeFormatter(config.company.locale, config.company.currency);
  const slackConfigured = Boolean(env.PULSE_SLACK_SIGNING_SECRET_ID ?? env.SLACK_SIGNING_SECRET);
  return createAlertActionHandler(
    {
      // The alert state store retries by itself (bounded, full jitter): its client does not.
      alerts: new DynamoDbAlertStateStore({
        client: new DynamoDBClient({ ...SELF_RETRYING_CLIENT_CONFIG }),
        tableName: common.PULSE_TABLE,
      }),
      limits: snoozeLimitsFrom(config),
      timeZone: config.company.timezone,
      signingKeys: () => keys.keys(),
      used: new DynamoDbSingleUseIds({ client: dynamodb, tableName: common.PULSE_TABLE }),
      ...(slackConfigured ? { slack: { signingSecret, responder: new FetchSlackResponder(), ledger } } : {}),
      ...(crm ? { tasks: { ...crm, ledger, formatter } } : {}),
      ...(chat?.slack
        ? { messages: { ledger, slack: { ...chat.slack, companyName: config.company.name, formatter } } }
        : {}),
    },
    (line) => console.log(line),
  );
}

/** The Lambda entry point; clients are created once per container. */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResponse> {
  lambdaHandler ??= build().catch((e: unknown) => {
    lambdaHandler = undefined;
    throw e;
  });
  return (await lambdaHandler)(event);
}
