// The download endpoint's use case: a durable link's token in, a redirect to a fresh presigned URL
// out (valid for minutes), or the reason the link does not work.
import { tokenFromRequest, type DownloadOutcome } from '../domain/archive/download-page';
import { DownloadTokenError, isWellFormedToken, verifyDownloadToken } from '../domain/archive/token';
import type { UrlPresigner } from '../ports/archive';

export interface DownloadDeps {
  presigner: UrlPresigner;
  /** The signing keys: the current one first, then any still accepted during a rotation. */
  signingKeys: () => Promise<readonly (string | Uint8Array)[]>;
  now?: () => Date;
  /** Lifetime of the presigned URL; default 300 s. */
  presignSeconds?: number;
}

export const DEFAULT_PRESIGN_SECONDS = 300;

export interface DownloadRequest {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
}

export async function resolveDownload(deps: DownloadDeps, req: DownloadRequest): Promise<DownloadOutcome> {
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return { status: 405 };
  const token = tokenFromRequest(req.path, req.query);
  if (!token) return { status: 400, message: 'The address has no download token.' };
  // Junk is refused before the signing keys are fetched (no Secrets Manager call per stray request).
  if (!isWellFormedToken(token))
    return { status: 403, reason: 'malformed', message: 'The link is incomplete or damaged.' };
  let key: string;
  try {
    key = verifyDownloadToken(await deps.signingKeys(), token, deps.now?.() ?? new Date()).key;
  } catch (e) {
    if (e instanceof DownloadTokenError) return { status: 403, reason: e.code, message: e.message };
    throw e;
  }
  const location = await deps.presigner.presignGet(key, deps.presignSeconds ?? DEFAULT_PRESIGN_SECONDS);
  return location ? { status: 302, location, key } : { status: 404, key };
}
