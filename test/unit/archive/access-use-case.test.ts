// The access use case on in-memory ports: the bearer-link opt-out still refuses revoked links and
// audits every open; links from before recipient binding no longer open under sign-in; only
// GET/HEAD reach a file; sign-in needs a known origin.
import { describe, expect, it } from 'vitest';
import {
  MemoryAuditLog,
  MemoryCodeStore,
  MemoryLinkStore,
  MemoryRateLimiter,
} from '../../../functions/adapters/memory/archive-access';
import { handleArchiveRequest, type AccessPolicy, type ArchiveAccessDeps } from '../../../functions/app/archive-access';
import { issueLink, revokeLinks } from '../../../functions/app/archive-links';
import { tokenFor } from '../../../functions/domain/archive';

const KEY = 'k'.repeat(32);
const OBJECT = 'archive/weekly/2026/2026-W47/accounts.csv';
const policy = (mode: AccessPolicy['mode']): AccessPolicy => ({
  mode,
  readers: { finance: ['cfo@x.example'], ceo: [], cco: [] },
  askWhom: ['ops@x.example'],
  sessionHours: 8,
  companyName: 'X',
  from: 'p@x.example',
});

function setup(mode: AccessPolicy['mode']) {
  const links = new MemoryLinkStore();
  const audit = new MemoryAuditLog();
  const deps: ArchiveAccessDeps = {
    presigner: { presignGet: async (key) => `http://127.0.0.1:9/${key}?X-Amz-Expires=300` },
    signingKeys: async () => [KEY],
    policy: policy(mode),
    links,
    audit,
    codes: new MemoryCodeStore(),
    limiter: new MemoryRateLimiter(),
  };
  const get = (url: string, method = 'GET', headers: Record<string, string> = { host: '127.0.0.1:4510' }) =>
    handleArchiveRequest(deps, { method, path: new URL(url).pathname, headers, ip: '10.0.0.1' });
  const link = (recipients: string[] = ['cfo@x.example']) =>
    issueLink(
      { links, signingKey: KEY, baseUrl: 'http://127.0.0.1:4510' },
      { key: OBJECT, recipients, source: 'cli', days: 30 },
    );
  return { deps, links, audit, get, link };
}

describe('the access use case', () => {
  it('"link" (the opt-out): a link opens without sign-in, is audited with no identity, and still dies when revoked', async () => {
    const { links, audit, get, link } = setup('link');
    const { url, link: rec } = await link();
    const res = await get(url);
    expect(res.statusCode).toBe(302);
    expect(res.headers.Location).toContain(OBJECT);
    await revokeLinks(links, { linkId: rec.linkId, by: 'test' });
    expect((await get(url)).statusCode).toBe(403);
    expect(audit.entries.map((e) => [e.outcome, e.identity, e.ip])).toEqual([
      ['allowed', null, '10.0.0.1'],
      ['revoked', null, '10.0.0.1'],
    ]);
  });

  it('"sign-in": no file before sign-in, and a link without a record (made before binding) is refused', async () => {
    const { audit, get, link } = setup('sign-in');
    const { url } = await link();
    const page = await get(url);
    expect(page.statusCode).toBe(200);
    expect(page.headers.Location).toBeUndefined();
    expect(page.body).toContain('action="/auth/code"');
    const legacy = await get(`http://127.0.0.1:4510/d/${tokenFor(KEY, OBJECT, 30)}`);
    expect(legacy.statusCode).toBe(403);
    expect(audit.entries.map((e) => e.outcome)).toEqual(['sign-in', 'invalid']);
  });

  it('a link whose token names another recipient than its record is refused', async () => {
    const { links, get } = setup('sign-in');
    const { url, link: rec } = await issueLink(
      { links, signingKey: KEY, baseUrl: 'http://127.0.0.1:4510' },
      { key: OBJECT, recipients: ['cfo@x.example'], source: 'cli', days: 30 },
    );
    // The record is changed to another recipient behind the token's back.
    links.items.get(rec.linkId)!.recipientHash = 'AAAAAAAAAAAAAAAAAAAAAA';
    expect((await get(url)).statusCode).toBe(403);
  });

  it('only GET and HEAD on a link; HEAD has no body; sign-in needs a known origin', async () => {
    const { get, link } = setup('link');
    const { url } = await link();
    for (const m of ['POST', 'PUT', 'DELETE']) expect((await get(url, m)).statusCode).toBe(405);
    expect((await get(url, 'HEAD')).statusCode).toBe(302);
    const signIn = setup('sign-in');
    const { url: u2 } = await signIn.link();
    await expect(
      handleArchiveRequest(
        {
          ...signIn.deps,
          oidc: {
            start: async () => ({ url: 'x', state: 's', nonce: 'n', codeVerifier: 'v' }),
            finish: async () => ({ email: 'a@b.c', emailVerified: true, groups: [] }),
          },
        },
        { method: 'GET', path: new URL(u2).pathname, headers: { host: 'evil.example' } },
      ),
    ).rejects.toMatchObject({ code: 'ORIGIN_UNKNOWN' });
  });
});
