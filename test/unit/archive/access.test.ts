// The pure rules of archive access: readers by role, a link's recipients, removed readers, link
// binding in the token, signed cookies and one-time codes.
import { describe, expect, it } from 'vitest';
import {
  codeDigest,
  codeMatches,
  decideAccess,
  describeKey,
  maskAddress,
  mayRequestCode,
  objectKind,
  openSession,
  openSignIn,
  recipientHash,
  sealSession,
  sealSignIn,
  signDownloadToken,
  verifyDownloadToken,
  type Identity,
  type Readers,
} from '../../../functions/domain/archive';
import { parseConfig } from '../../../functions/config';
import { configDoc } from '../../support/config-doc';

const KEY = 'k'.repeat(32);
const readers: Readers = {
  finance: ['finance@northwind.example', '@auditors.example', 'group:finance'],
  ceo: ['ceo@northwind.example'],
  cco: ['cco@northwind.example'],
};
const who = (email: string, groups: string[] = []): Identity => ({ email, groups, via: 'oidc' });
const REPORT = 'archive/weekly/2026/2026-W47/report.html';
const CSV = 'archive/weekly/2026/2026-W47/accounts.csv';

describe('readers by role', () => {
  it('finance opens everything; the CEO and CCO the report pages and the index only', () => {
    expect(objectKind('archive/index.html')).toBe('index');
    expect(objectKind('archive/weekly/2026/index.html')).toBe('index');
    expect(objectKind(REPORT)).toBe('report');
    expect(objectKind(CSV)).toBe('file');
    for (const key of ['archive/index.html', REPORT, CSV])
      expect(decideAccess(who('finance@northwind.example'), key, readers).allowed).toBe(true);
    expect(decideAccess(who('someone@auditors.example'), CSV, readers)).toEqual({
      allowed: true,
      because: 'role:finance',
    });
    expect(decideAccess(who('x@northwind.example', ['finance']), CSV, readers).allowed).toBe(true);
    expect(decideAccess(who('ceo@northwind.example'), REPORT, readers).allowed).toBe(true);
    expect(decideAccess(who('CEO@northwind.example'.toLowerCase()), 'archive/index.html', readers).allowed).toBe(true);
    expect(decideAccess(who('ceo@northwind.example'), CSV, readers)).toEqual({ allowed: false, because: 'role-scope' });
    expect(decideAccess(who('x@evil-auditors.example'), CSV, readers)).toEqual({
      allowed: false,
      because: 'not-a-reader',
    });
  });

  it("a link's recipient opens what it names; an e-mail's link dies when its recipient is no longer a reader", () => {
    const cli = { key: CSV, recipients: ['auditor@firm.example'], source: 'cli' as const };
    expect(decideAccess(who('auditor@firm.example'), CSV, readers, cli)).toEqual({
      allowed: true,
      because: 'recipient',
    });
    expect(decideAccess(who('auditor@firm.example'), REPORT, readers, cli).allowed).toBe(false);
    const email = { key: CSV, recipients: ['ceo@northwind.example'], source: 'email' as const };
    expect(decideAccess(who('ceo@northwind.example'), CSV, readers, email).allowed).toBe(true);
    const removed: Readers = { ...readers, ceo: [] };
    expect(decideAccess(who('ceo@northwind.example'), CSV, removed, email).allowed).toBe(false);
    // Index links never grant by recipient.
    expect(
      decideAccess(who('auditor@firm.example'), CSV, readers, {
        key: 'archive/',
        recipients: ['auditor@firm.example'],
        source: 'index',
      }).allowed,
    ).toBe(false);
  });

  it('a code goes only to addresses that may open the object (groups need an identity provider)', () => {
    expect(mayRequestCode('Finance@Northwind.example', CSV, readers, undefined)).toBe(true);
    expect(mayRequestCode('x@northwind.example', CSV, readers, undefined)).toBe(false);
  });

  it('names what was tried, masks addresses', () => {
    expect(describeKey(CSV)).toBe('accounts.csv of the 2026-W47 pack');
    expect(describeKey('archive/quarterly/FY2027-Q1/v2/report.html')).toBe('report.html of the FY2027-Q1 pack (v2)');
    expect(maskAddress('cfo@northwind.example')).toBe('c***@northwind.example');
  });
});

describe('links bound to their id and recipient', () => {
  it('carries the id and a recipient hash, never the address', () => {
    const r = recipientHash(KEY, ['CFO@northwind.example ']);
    expect(r).toBe(recipientHash(KEY, ['cfo@northwind.example']));
    expect(r).not.toBe(recipientHash(KEY, ['ceo@northwind.example']));
    const token = signDownloadToken(KEY, {
      key: CSV,
      expiresAt: 2_000_000_000,
      linkId: 'abcdefgh12345678',
      recipientHash: r,
    });
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain('cfo');
    expect(verifyDownloadToken(KEY, token, new Date('2026-12-01'))).toEqual({
      key: CSV,
      expiresAt: 2_000_000_000,
      linkId: 'abcdefgh12345678',
      recipientHash: r,
    });
  });
});

describe('signed cookies and codes', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  it('a session lasts its hours, and an altered one is no session', () => {
    const cookie = sealSession(KEY, who('cfo@northwind.example', ['finance']), 8, now);
    expect(openSession([KEY], cookie, new Date(now.getTime() + 7 * 3600_000))?.email).toBe('cfo@northwind.example');
    expect(openSession([KEY], cookie, new Date(now.getTime() + 8 * 3600_000))).toBeUndefined();
    const [p, m] = cookie.split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('cfo@', 'ceo@')).toString('base64url');
    expect(openSession([KEY], `${forged}.${m}`, now)).toBeUndefined();
    expect(openSession(['o'.repeat(32)], cookie, now)).toBeUndefined();
    // A sign-in cookie is not a session, and the reverse.
    const signin = sealSignIn(KEY, { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/d/abc.def' }, now);
    expect(openSession([KEY], signin, now)).toBeUndefined();
    expect(openSignIn([KEY], cookie, now)).toBeUndefined();
    expect(openSignIn([KEY], signin, new Date(now.getTime() + 11 * 60_000))).toBeUndefined();
  });

  it('a code matches only its own challenge', () => {
    const d = codeDigest(KEY, 'challenge-a', '123456');
    expect(codeMatches([KEY], 'challenge-a', '123456', d)).toBe(true);
    expect(codeMatches([KEY], 'challenge-b', '123456', d)).toBe(false);
    expect(codeMatches([KEY], 'challenge-a', '123457', d)).toBe(false);
  });
});

describe('config', () => {
  it('defaults to sign-in; takes an OIDC issuer, readers per role; refuses a secret-looking key and bad readers', () => {
    expect(parseConfig(configDoc()).archive).toEqual({
      access: 'sign-in',
      sessionHours: 8,
      readers: { finance: [], ceo: [], cco: [] },
    });
    const c = parseConfig(
      configDoc({
        archive: {
          access: { oidc: { issuer: 'https://idp.example', clientId: 'abc' } },
          readers: { finance: ['@northwind.example', 'group:finance'] },
        },
      }),
    );
    expect(c.archive.access).toEqual({ oidc: { issuer: 'https://idp.example', clientId: 'abc' } });
    expect(() =>
      parseConfig(
        configDoc({
          archive: { access: { oidc: { issuer: 'https://idp.example', clientId: 'abc', clientSecret: 'x' } } },
        }),
      ),
    ).toThrow(/clientSecret/);
    expect(() =>
      parseConfig(configDoc({ archive: { access: { oidc: { issuer: 'http://idp.example', clientId: 'abc' } } } })),
    ).toThrow(/https/);
    expect(() => parseConfig(configDoc({ archive: { readers: { finance: ['finance'] } } }))).toThrow(/not a reader/);
  });
});

describe('the sign-in pages', () => {
  it('run no script but the one the CSP names by hash (it adds x-amz-content-sha256 for CloudFront OAC), and style likewise', async () => {
    const { codeRequestPage, codeEntryPage } = await import('../../../functions/domain/archive');
    const { createHash } = await import('node:crypto');
    const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    for (const res of [
      codeRequestPage({ what: 'x', token: 't', askAddress: true }),
      codeEntryPage({ what: 'x', token: 't', challengeId: 'c', sentTo: 'a@b.example' }),
    ]) {
      const csp = res.headers['Content-Security-Policy']!;
      const scripts = [...res.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      const styles = [...res.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      expect(scripts).toHaveLength(1);
      expect(csp).toContain(`script-src ${sha(scripts[0]!)};`);
      expect(csp).toContain(`style-src ${sha(styles[0]!)};`);
      expect(scripts[0]).toContain('x-amz-content-sha256');
      expect(csp).toMatch(/^default-src 'none';/);
      expect(csp).not.toContain('unsafe');
    }
  });
});
