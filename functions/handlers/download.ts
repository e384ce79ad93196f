// The archive's download endpoint (a Lambda function URL): GET /d/<token> checks the signed token
// and answers 302 to a presigned S3 URL valid for minutes, or a plain 403/404 page. The same
// `createDownloadHandler` runs locally behind a loopback HTTP server (`pulse archive serve`).
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { S3Archive } from '../adapters/s3/archive-store';
import { SecretsManagerLinkKeys } from '../adapters/secrets/link-keys';
import { resolveDownload, type DownloadDeps } from '../app/download';
import { downloadResponse, type HttpResponse } from '../domain/archive/download-page';

/** The parts of a function URL event (payload format 2.0) the endpoint reads. */
export interface FunctionUrlEvent {
  rawPath?: string;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export function createDownloadHandler(deps: DownloadDeps, log: (line: string) => void = () => {}): (event: FunctionUrlEvent) => Promise<HttpResponse> {
  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    try {
      const outcome = await resolveDownload(deps, { method, path: event.rawPath ?? '/', query: event.queryStringParameters ?? {} });
      // One log line per request, without the token (it is a credential until it expires).
      log(JSON.stringify({ level: outcome.status === 302 ? 'INFO' : 'WARN', message: 'download', status: outcome.status, ...('key' in outcome ? { key: outcome.key } : {}), ...('reason' in outcome ? { reason: outcome.reason } : {}) }));
      const res = downloadResponse(outcome);
      return method.toUpperCase() === 'HEAD' ? { ...res, body: '' } : res;
    } catch (e) {
      log(JSON.stringify({ level: 'ERROR', message: 'download failed', error: (e as Error).message }));
      return { statusCode: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '60' }, body: 'The archive is not reachable right now. Try again in a minute.\n' };
    }
  };
}

const envSchema = z.object({
  PULSE_ARCHIVE_BUCKET: z.string().min(1),
  /** ARN or name of the link signing key secret. */
  PULSE_LINK_SECRET_ID: z.string().min(1),
  /** Lifetime of the presigned URLs, seconds (default 300). */
  PULSE_PRESIGN_SECONDS: z.coerce.number().int().min(60).max(3600).optional(),
});

let lambdaHandler: ((event: FunctionUrlEvent) => Promise<HttpResponse>) | undefined;

/** The Lambda entry point; clients are created once per container. */
export async function handler(event: FunctionUrlEvent): Promise<HttpResponse> {
  if (!lambdaHandler) {
    const env = envSchema.parse(process.env);
    const s3 = new S3Client({});
    const archive = new S3Archive({ client: s3, bucket: env.PULSE_ARCHIVE_BUCKET });
    const keys = new SecretsManagerLinkKeys(new SecretsManagerClient({}), env.PULSE_LINK_SECRET_ID);
    lambdaHandler = createDownloadHandler(
      { presigner: archive, signingKeys: () => keys.keys(), ...(env.PULSE_PRESIGN_SECONDS ? { presignSeconds: env.PULSE_PRESIGN_SECONDS } : {}) },
      (line) => console.log(line),
    );
  }
  return lambdaHandler(event);
}
