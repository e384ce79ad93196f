// The archive's download endpoint (a Lambda function URL). Everything it decides is the use case
// `handleArchiveRequest` (functions/app/archive-access.ts): this file turns a function URL event
// into a request and the answer back into a response. The same `createDownloadHandler` runs
// locally behind a loopback HTTP server (`pulse archive serve`).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DynamoDbAuditLog,
  DynamoDbCodeStore,
  DynamoDbLinkStore,
  DynamoDbRateLimiter,
} from '../adapters/dynamodb/archive-access';
import { ACCESS_REFUSED_METRIC } from '../adapters/observability/metrics';
import {
  count,
  instrumented,
  logger,
  stageMetrics,
  tracer,
  type LambdaContextLike,
} from '../adapters/observability/powertools';
import { OpenIdClientRelyingParty } from '../adapters/oidc/openid-client';
import { S3Archive } from '../adapters/s3/archive-store';
import { SecretsManagerLinkKeys } from '../adapters/secrets/link-keys';
import { SES_CLIENT_CONFIG, SesMailer } from '../adapters/ses/ses-mailer';
import {
  LINK_MODE_WARNING,
  accessPolicyFrom,
  handleArchiveRequest,
  oidcSettingsFrom,
  type AccessResponse,
  type ArchiveAccessDeps,
} from '../app/archive-access';
import { parseConfigText } from '../config';
import { REQUEST_TOO_LARGE, readFunctionUrlRequest, type FunctionUrlEvent } from './function-url';

export type { FunctionUrlEvent };

/** A function URL response (payload format 2.0): `cookies` become Set-Cookie headers. */
export type FunctionUrlResponse = AccessResponse;

/** Form bodies are small; anything larger is refused before it is parsed. */
const MAX_BODY_BYTES = 8192;

/** One structured line about a request: never the request itself (its path or body may hold a token or a code). */
export type DownloadLog = (
  entry: { level: 'INFO' | 'WARN' | 'ERROR'; message: string; refused?: boolean } & Record<string, unknown>,
) => void;

export function createDownloadHandler(
  deps: ArchiveAccessDeps,
  log: DownloadLog = () => {},
): (event: FunctionUrlEvent) => Promise<FunctionUrlResponse> {
  const withLog: ArchiveAccessDeps = {
    ...deps,
    log: (e) => {
      deps.log?.(e);
      log({ level: e.refused ? 'WARN' : 'INFO', message: 'archive request', ...e });
    },
  };
  return async (event) => {
    try {
      const request = readFunctionUrlRequest(event, MAX_BODY_BYTES);
      if (!request) return REQUEST_TOO_LARGE;
      const { method, headers, body } = request;
      const res = await handleArchiveRequest(withLog, {
        method,
        path: event.rawPath ?? '/',
        query: event.queryStringParameters ?? {},
        headers,
        cookies: event.cookies ?? [],
        body,
        ip: clientIp(headers, event.requestContext?.http?.sourceIp),
        ...(publicOrigin(headers) ? { origin: publicOrigin(headers)! } : {}),
      });
      return method.toUpperCase() === 'HEAD' ? { ...res, body: '' } : res;
    } catch (e) {
      // Never the request itself: its path or body may hold a token or a code.
      log({
        level: 'ERROR',
        message: 'download failed',
        error: (e as Error).message,
        code: (e as { code?: string }).code,
      });
      return {
        statusCode: 503,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '60' },
        body: 'The archive is not reachable right now. Try again in a minute.\n',
      };
    }
  };
}

/**
 * The client's address: CloudFront's `CloudFront-Viewer-Address` (ip:port) when the endpoint is
 * behind CloudFront (only CloudFront can call it then), else the function URL's source address.
 */
export function clientIp(headers: Record<string, string | undefined>, sourceIp: string | undefined): string {
  const viewer = headers['cloudfront-viewer-address'];
  if (viewer) return viewer.replace(/:\d+$/, '');
  return sourceIp ?? '';
}

/**
 * Behind CloudFront the function URL only answers CloudFront (AWS_IAM, origin access control), and
 * a viewer-request function copies the viewer's Host into X-Forwarded-Host: the public origin.
 */
export function publicOrigin(headers: Record<string, string | undefined>): string | undefined {
  const host = headers['x-forwarded-host'];
  return host && /^[A-Za-z0-9.-]+(:\d+)?$/.test(host) ? `https://${host}` : undefined;
}

const envSchema = z.object({
  PULSE_ARCHIVE_BUCKET: z.string().min(1),
  /** ARN or name of the link signing key secret. */
  PULSE_LINK_SECRET_ID: z.string().min(1),
  /** The Pulse table (link records, one-time codes, rate limits). */
  PULSE_TABLE: z.string().min(1),
  /** The audit table (append-only). */
  PULSE_AUDIT_TABLE: z.string().min(1),
  /** The endpoint's public base URL (a custom domain); else the origin CloudFront forwards (X-Forwarded-Host). */
  PULSE_DOWNLOAD_URL: z.string().url().optional(),
  /** Lifetime of the presigned URLs, seconds (default 300). */
  PULSE_PRESIGN_SECONDS: z.coerce.number().int().min(60).max(3600).optional(),
  /** The stack's Cognito user pool, when it is the identity provider. */
  PULSE_OIDC_ISSUER: z.string().url().optional(),
  PULSE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Secrets Manager secret holding the OpenID Connect client secret. */
  PULSE_OIDC_SECRET_ID: z.string().min(1).optional(),
  PULSE_SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** Years the audit trail is kept (the archive's retention). */
  PULSE_AUDIT_RETENTION_YEARS: z.coerce.number().int().min(1).optional(),
  PULSE_CONFIG_PATH: z.string().min(1).optional(),
});

let lambdaHandler: Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResponse>> | undefined;
const metrics = stageMetrics(process.env.PULSE_STAGE ?? 'unknown');

async function build(): Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResponse>> {
  const env = envSchema.parse(process.env);
  const configPath = env.PULSE_CONFIG_PATH ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'pulse.config.json');
  const config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
  const policy = accessPolicyFrom(config);
  if (policy.mode === 'link') logger.warn(LINK_MODE_WARNING);
  const s3 = tracer.captureAWSv3Client(new S3Client({}));
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const archive = new S3Archive({ client: s3, bucket: env.PULSE_ARCHIVE_BUCKET });
  const keys = new SecretsManagerLinkKeys(secrets, env.PULSE_LINK_SECRET_ID);
  let relyingParty: OpenIdClientRelyingParty | undefined;
  if (policy.mode === 'sign-in') {
    // The client: Secrets Manager in AWS (PULSE_OIDC_SECRET_ID: the secret itself for the config's
    // issuer, or {issuer, clientId, clientSecret} for the stack's Cognito user pool), else
    // PULSE_OIDC_CLIENT_SECRET.
    let stored: { issuer?: string; clientId?: string; clientSecret?: string } = {};
    if (env.PULSE_OIDC_SECRET_ID) {
      const value =
        (await secrets.send(new GetSecretValueCommand({ SecretId: env.PULSE_OIDC_SECRET_ID }))).SecretString ?? '';
      stored = value.trim().startsWith('{') ? (JSON.parse(value) as typeof stored) : { clientSecret: value };
    }
    const oidc = oidcSettingsFrom(config, {
      PULSE_OIDC_ISSUER: stored.issuer ?? env.PULSE_OIDC_ISSUER,
      PULSE_OIDC_CLIENT_ID: stored.clientId ?? env.PULSE_OIDC_CLIENT_ID,
    });
    const clientSecret = stored.clientSecret ?? process.env.PULSE_OIDC_CLIENT_SECRET ?? '';
    if (oidc) relyingParty = new OpenIdClientRelyingParty({ ...oidc, clientSecret });
  }
  return createDownloadHandler(
    {
      presigner: archive,
      signingKeys: () => keys.keys(),
      policy,
      links: new DynamoDbLinkStore({ client: dynamodb, tableName: env.PULSE_TABLE }),
      codes: new DynamoDbCodeStore({ client: dynamodb, tableName: env.PULSE_TABLE }),
      limiter: new DynamoDbRateLimiter({ client: dynamodb, tableName: env.PULSE_TABLE }),
      audit: new DynamoDbAuditLog({
        client: dynamodb,
        tableName: env.PULSE_AUDIT_TABLE,
        ...(env.PULSE_AUDIT_RETENTION_YEARS ? { retentionYears: env.PULSE_AUDIT_RETENTION_YEARS } : {}),
      }),
      ...(relyingParty
        ? { oidc: relyingParty }
        : {
            mailer: new SesMailer({
              client: new SESv2Client({ ...SES_CLIENT_CONFIG }),
              ...(env.PULSE_SES_CONFIGURATION_SET ? { configurationSetName: env.PULSE_SES_CONFIGURATION_SET } : {}),
            }),
          }),
      ...(env.PULSE_DOWNLOAD_URL ? { origin: new URL(env.PULSE_DOWNLOAD_URL).origin } : {}),
      ...(env.PULSE_PRESIGN_SECONDS ? { presignSeconds: env.PULSE_PRESIGN_SECONDS } : {}),
    },
    ({ level, message, ...fields }) => {
      if (level === 'ERROR') logger.error(message, fields);
      else if (level === 'WARN') logger.warn(message, fields);
      else logger.info(message, fields);
      // The refusals alarm (lib/constructs/archive-access.ts) watches this metric.
      if (fields.refused === true) count(metrics, ACCESS_REFUSED_METRIC);
    },
  );
}

/** The Lambda entry point; clients are created once per container. */
export async function handler(event: FunctionUrlEvent, context?: LambdaContextLike): Promise<FunctionUrlResponse> {
  return instrumented('download', context, async () => {
    lambdaHandler ??= build().catch((e: unknown) => {
      lambdaHandler = undefined;
      throw e;
    });
    return (await lambdaHandler)(event);
  });
}
