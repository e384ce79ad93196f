// The download endpoint on loopback: the Lambda handler's code (createDownloadHandler) behind a
// node:http server, so links made locally work exactly as the deployed function URL's do.
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { FileLinkKeys } from '../../functions/adapters/secrets/link-keys';
import { ARCHIVE_LINK_DAYS, linkMaker } from '../../functions/domain/archive';
import type { UrlPresigner } from '../../functions/ports/archive';
import { createDownloadHandler } from '../../functions/handlers/download';
import { LOCAL_DATA_DIR } from './local';

export const DEFAULT_DOWNLOAD_PORT = 4510;
export const DEFAULT_LINK_DAYS = ARCHIVE_LINK_DAYS;
/** Where the local link signing key lives (created on first use). */
export const LOCAL_LINK_KEY_FILE = join(LOCAL_DATA_DIR, 'link-signing-key');

export function localLinkKeys(): FileLinkKeys {
  return new FileLinkKeys(resolve(LOCAL_LINK_KEY_FILE));
}

/** Signs links for the local download endpoint (`pulse archive serve`, `pulse demo --serve`). */
export async function localArchiveLink(days = DEFAULT_LINK_DAYS): Promise<(key: string) => string> {
  return linkMaker(`http://127.0.0.1:${DEFAULT_DOWNLOAD_PORT}`, await localLinkKeys().current(), days);
}

export interface DownloadServer {
  /** `http://127.0.0.1:<port>`: the base of the durable links. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDownloadServer(opts: {
  presigner: UrlPresigner;
  signingKeys: () => Promise<readonly (string | Uint8Array)[]>;
  /** 0 for any free port; when the port is taken, a free one is used unless `strictPort`. */
  port?: number;
  strictPort?: boolean;
}): Promise<DownloadServer> {
  const handle = createDownloadHandler({ presigner: opts.presigner, signingKeys: opts.signingKeys });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    handle({ rawPath: url.pathname, queryStringParameters: Object.fromEntries(url.searchParams), requestContext: { http: { method: req.method ?? 'GET' } } }).then(
      (out) => {
        res.writeHead(out.statusCode, out.headers);
        res.end(out.body);
      },
      (e: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${e.message}\n`);
      },
    );
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
