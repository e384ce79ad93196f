// The download endpoint on loopback: the Lambda handler's code (createDownloadHandler) behind a
// node:http server, so links made locally work exactly as the deployed endpoint's do: sign-in
// (one-time code through the local outbox, or an OpenID Connect provider from the config), links
// bound to their recipient and revocable, every attempt in the local audit table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import {
  DynamoDbAuditLog,
  DynamoDbCodeStore,
  DynamoDbLinkStore,
  DynamoDbRateLimiter,
} from '../../functions/adapters/dynamodb/archive-access';
import { OpenIdClientRelyingParty, type OpenIdClientOptions } from '../../functions/adapters/oidc/openid-client';
import { FileLinkKeys } from '../../functions/adapters/secrets/link-keys';
import {
  accessPolicyFrom,
  oidcSettingsFrom,
  type AccessPolicy,
  type ArchiveAccessDeps,
} from '../../functions/app/archive-access';
import type { ArchiveLinkIssuer } from '../../functions/app/archive-links';
import type { PulseConfig } from '../../functions/config';
import { ARCHIVE_LINK_DAYS } from '../../functions/domain/archive';
import type { UrlPresigner } from '../../functions/ports/archive';
import type { LinkStore } from '../../functions/ports/archive-access';
import type { Mailer } from '../../functions/ports/mailer';
import {
  createDownloadHandler,
  type DownloadLog,
  type FunctionUrlEvent,
  type FunctionUrlResponse,
} from '../../functions/handlers/download';
import { CliError } from './context';
import { LOCAL_DATA_DIR } from './local';

export const DEFAULT_DOWNLOAD_PORT = 4510;
/** Where the local link signing key lives (created on first use). */
export const LOCAL_LINK_KEY_FILE = join(LOCAL_DATA_DIR, 'link-signing-key');

export function localLinkKeys(): FileLinkKeys {
  return new FileLinkKeys(resolve(LOCAL_LINK_KEY_FILE));
}

/** The link store of the local stack (the Pulse table in DynamoDB Local). */
export function localLinkStore(tableName: string, client: DynamoDBClient = new DynamoDBClient({})): DynamoDbLinkStore {
  return new DynamoDbLinkStore({ client, tableName });
}

/**
 * What signs and records links for the local download endpoint (`pulse archive serve`, `pulse demo`,
 * `pulse report`): the local link store, the local signing key, the loopback base URL and the days a link lasts.
 */
export async function localLinkIssuer(
  links: LinkStore,
  o: { port?: number; days?: number } = {},
): Promise<ArchiveLinkIssuer> {
  return {
    links,
    signingKey: await localLinkKeys().current(),
    baseUrl: `http://127.0.0.1:${o.port ?? DEFAULT_DOWNLOAD_PORT}`,
    days: o.days ?? ARCHIVE_LINK_DAYS,
  };
}

/** The OpenID Connect relying party the config asks for, with the client secret from PULSE_OIDC_CLIENT_SECRET. */
export function localRelyingParty(
  config: PulseConfig,
  extra: Pick<OpenIdClientOptions, 'fetch'> = {},
): OpenIdClientRelyingParty | undefined {
  const oidc = oidcSettingsFrom(config);
  if (!oidc || config.archive.access === 'link') return undefined;
  const clientSecret = process.env.PULSE_OIDC_CLIENT_SECRET;
  if (!clientSecret)
    throw new CliError(
      'archive.access.oidc is configured: set the client secret in the environment variable PULSE_OIDC_CLIENT_SECRET.',
    );
  return new OpenIdClientRelyingParty({ ...oidc, clientSecret, ...extra });
}

export interface LocalAccessOptions {
  presigner: UrlPresigner;
  signingKeys: () => Promise<readonly (string | Uint8Array)[]>;
  policy: AccessPolicy;
  tableName: string;
  auditTableName: string;
  /** Sends one-time codes (the local SES emulator and the outbox). */
  mailer?: Mailer;
  oidc?: ArchiveAccessDeps['oidc'];
  now?: () => Date;
}

/** The endpoint's dependencies on the local stack. */
export function localAccessDeps(o: LocalAccessOptions): { deps: ArchiveAccessDeps; close(): void } {
  const dynamodb = new DynamoDBClient({});
  const deps: ArchiveAccessDeps = {
    presigner: o.presigner,
    signingKeys: o.signingKeys,
    policy: o.policy,
    links: new DynamoDbLinkStore({ client: dynamodb, tableName: o.tableName }),
    codes: new DynamoDbCodeStore({ client: dynamodb, tableName: o.tableName }),
    limiter: new DynamoDbRateLimiter({ client: dynamodb, tableName: o.tableName }),
    audit: new DynamoDbAuditLog({ client: dynamodb, tableName: o.auditTableName }),
    ...(o.mailer ? { mailer: o.mailer } : {}),
    ...(o.oidc ? { oidc: o.oidc } : {}),
    ...(o.now ? { now: o.now } : {}),
  };
  return { deps, close: () => dynamodb.destroy() };
}

export { accessPolicyFrom };

export interface DownloadServer {
  /** `http://127.0.0.1:<port>`: the base of the durable links. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8192;

export async function startDownloadServer(opts: {
  deps: ArchiveAccessDeps;
  /** 0 for any free port; when the port is taken, a free one is used unless `strictPort`. */
  port?: number;
  strictPort?: boolean;
  log?: DownloadLog;
}): Promise<DownloadServer> {
  return startFunctionUrlServer(createDownloadHandler(opts.deps, opts.log), opts);
}

/**
 * A function URL handler (payload format 2.0) behind a node:http server on 127.0.0.1: the
 * download endpoint here, the alert action endpoint (`pulse alerts serve`) too.
 */
export async function startFunctionUrlServer(
  handle: (event: FunctionUrlEvent) => Promise<FunctionUrlResponse>,
  opts: { port?: number; strictPort?: boolean },
): Promise<DownloadServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Headers only a trusted front (CloudFront) may set: a local client does not get to name the origin.
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => k !== 'x-forwarded-host' && k !== 'cloudfront-viewer-address')
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
      );
      handle({
        rawPath: url.pathname,
        queryStringParameters: Object.fromEntries(url.searchParams),
        headers,
        body: size > MAX_BODY_BYTES ? 'x'.repeat(MAX_BODY_BYTES + 1) : Buffer.concat(chunks).toString('utf8'),
        requestContext: { http: { method: req.method ?? 'GET', sourceIp: req.socket.remoteAddress ?? '' } },
      }).then(
        (out) => {
          const h: Record<string, string | string[]> = { ...out.headers };
          if (out.cookies?.length) h['Set-Cookie'] = out.cookies;
          res.writeHead(out.statusCode, h);
          res.end(out.body);
        },
        (e: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`${e.message}\n`);
        },
      );
    });
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve((server.address() as { port: number }).port);
      });
    });
  let port: number;
  try {
    port = await listen(opts.port ?? 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.strictPort) throw e;
    port = await listen(0);
  }
  server.unref();
  return { url: `http://127.0.0.1:${port}`, port, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
