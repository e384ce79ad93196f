// Download tokens: valid, expired, tampered, signed with another key, malformed; key rotation; and
// the endpoint's answers (302 to a fresh presigned URL, a 403 page that says why).
import { describe, expect, it } from 'vitest';
import { resolveDownload } from '../../../functions/app/download';
import {
  DownloadTokenError,
  downloadResponse,
  signDownloadToken,
  tokenFor,
  verifyDownloadToken,
  type TokenFailure,
} from '../../../functions/domain/archive';
import type { UrlPresigner } from '../../../functions/ports/archive';

const KEY = 'k'.repeat(32);
const OTHER = 'o'.repeat(32);
const now = new Date('2026-11-23T08:00:00Z');
const object = 'archive/weekly/2026/2026-W47/report.html';

function failure(fn: () => unknown): TokenFailure | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DownloadTokenError) return e.code;
    throw e;
  }
  return undefined;
}

describe('download tokens', () => {
  const token = tokenFor(KEY, object, 30, now);

  it('verifies a valid token and gives back its key and expiry', () => {
    expect(verifyDownloadToken(KEY, token, now)).toEqual({
      key: object,
      expiresAt: now.getTime() / 1000 + 30 * 86_400,
    });
  });

  it('refuses an expired token (at the expiry second and after)', () => {
    expect(failure(() => verifyDownloadToken(KEY, token, new Date(now.getTime() + 30 * 86_400_000)))).toBe('expired');
    expect(failure(() => verifyDownloadToken(KEY, token, new Date(now.getTime() + 29 * 86_400_000)))).toBeUndefined();
  });

  it('refuses a tampered payload (another key, a later expiry) and a tampered signature', () => {
    const [payload, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ k: 'archive/weekly/2026/2026-W46/accounts.csv', e: 4_000_000_000 }),
    ).toString('base64url');
    expect(failure(() => verifyDownloadToken(KEY, `${forged}.${sig}`, now))).toBe('bad-signature');
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    expect(failure(() => verifyDownloadToken(KEY, `${payload}.${flipped}`, now))).toBe('bad-signature');
    expect(failure(() => verifyDownloadToken(KEY, `${payload}x.${sig}`, now))).toBe('bad-signature');
  });

  it('refuses a token signed with another key, and accepts it while that key is listed as previous', () => {
    const other = tokenFor(OTHER, object, 1, now);
    expect(failure(() => verifyDownloadToken(KEY, other, now))).toBe('bad-signature');
    expect(verifyDownloadToken([KEY, OTHER], other, now).key).toBe(object);
  });

  it('refuses malformed tokens', () => {
    for (const t of ['', 'abc', 'a.b', `${token}.x`, token.replace('.', '')])
      expect(
        failure(() => verifyDownloadToken(KEY, t, now)),
        t,
      ).toBe('malformed');
  });

  it('only signs and only accepts keys inside archive/', () => {
    expect(() => tokenFor(KEY, 'other/secret.txt', 1, now)).toThrow(RangeError);
    expect(() => tokenFor(KEY, 'archive/../x', 1, now)).toThrow(RangeError);
    expect(() => tokenFor('short', object, 1, now)).toThrow(/at least 16 bytes/);
    expect(() => signDownloadToken(KEY, { key: object, expiresAt: 1.5 })).toThrow(RangeError);
  });
});

describe('the download endpoint', () => {
  const presigned: string[] = [];
  const presigner: UrlPresigner = {
    presignGet: async (key, seconds) => {
      if (!key.endsWith('.html')) return undefined;
      presigned.push(`${key}:${seconds}`);
      return `https://s3.example/${key}?X-Amz-Expires=${seconds}`;
    },
  };
  const deps = { presigner, signingKeys: async () => [KEY], now: () => now };
  const get = (path: string) => resolveDownload(deps, { method: 'GET', path });

  it('redirects a valid link to a presigned URL valid for 5 minutes', async () => {
    const out = await get(`/d/${tokenFor(KEY, object, 7, now)}`);
    expect(out).toEqual({ status: 302, key: object, location: `https://s3.example/${object}?X-Amz-Expires=300` });
    const res = downloadResponse(out);
    expect(res.statusCode).toBe(302);
    expect(res.headers).toMatchObject({
      Location: `https://s3.example/${object}?X-Amz-Expires=300`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
  });

  it('answers an expired link with a 403 page that says it expired and what to do', async () => {
    const res = downloadResponse(await get(`/d/${tokenFor(KEY, object, 1, new Date(now.getTime() - 2 * 86_400_000))}`));
    expect(res.statusCode).toBe(403);
    expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('This download link has expired');
    expect(res.body).toContain('The link expired on 2026-11-22.');
    expect(res.body).toContain('Ask the Pulse operator for a new link');
  });

  it('answers a tampered or foreign link with a 403 page, a missing token with 400, POST with 405, an absent file with 404', async () => {
    const bad = downloadResponse(await get(`/d/${tokenFor(OTHER, object, 1, now)}`));
    expect(bad.statusCode).toBe(403);
    expect(bad.body).toContain('This download link is not valid');
    expect(bad.body).not.toContain(object);
    expect((await get('/')).status).toBe(400);
    expect((await resolveDownload(deps, { method: 'POST', path: '/d/x' })).status).toBe(405);
    expect((await get(`/d/${tokenFor(KEY, 'archive/weekly/2026/2026-W47/accounts.csv', 1, now)}`)).status).toBe(404);
    expect(
      (await resolveDownload(deps, { method: 'GET', path: '/', query: { t: tokenFor(KEY, object, 1, now) } })).status,
    ).toBe(302);
  });
});
