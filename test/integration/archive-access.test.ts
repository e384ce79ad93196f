// Who may open the finance archive, end to end on loopback: the download endpoint (the loopback
// server around the Lambda handler) on the embedded stack (DynamoDB Local for links, codes, rate
// limits and the audit table; the S3 emulator for the pack; the SES emulator and an outbox for
// one-time codes), with a real OpenID provider (oidc-provider) as the company's identity provider
// and a cookie-keeping browser that follows redirects and submits forms.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDownloadServer, type DownloadServer } from '../../bin/commands/download-server';
import {
  DynamoDbAuditLog,
  DynamoDbCodeStore,
  DynamoDbLinkStore,
  DynamoDbRateLimiter,
} from '../../functions/adapters/dynamodb/archive-access';
import { OpenIdClientRelyingParty } from '../../functions/adapters/oidc/openid-client';
import { S3Archive } from '../../functions/adapters/s3/archive-store';
import { OutboxMailer } from '../../functions/adapters/ses/outbox';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer';
import type { AccessPolicy, ArchiveAccessDeps } from '../../functions/app/archive-access';
import { issueIndexLinks, issueLink, readAudit, revokeLinks } from '../../functions/app/archive-links';
import { archiveWeek } from '../../functions/app/archive-week';
import { configHash, sha256Hex, type AuditEntry, type PackManifest } from '../../functions/domain/archive';
import { prepareKpiContext } from '../../functions/domain/kpi';
import { startLocalStack, type LocalStack } from '../../lib/local';
import { Browser } from '../support/browser';
import { demoDataset, SETTINGS } from '../unit/archive/fixtures';

const SIGNING_KEY = 's'.repeat(48);
const CFO = 'cfo@northwind.example';
const STRANGER = 'stranger@elsewhere.example';
const CLIENT_ID = 'pulse-archive';
const CLIENT_SECRET = 'c'.repeat(40);

let stack: LocalStack;
let undoEnv: () => void;
let dynamodb: DynamoDBClient;
let s3: S3Client;
let ses: SESv2Client;
let archive: S3Archive;
let manifest: PackManifest;
let tmp: string;

const links = () => new DynamoDbLinkStore({ client: dynamodb, tableName: stack.resources.tableName });
const audit = () => new DynamoDbAuditLog({ client: dynamodb, tableName: stack.resources.auditTableName });

/** A clock the tests can move (sessions last hours: no sleeping). */
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

const policy: AccessPolicy = {
  mode: 'sign-in',
  readers: { finance: [CFO, 'group:finance'], ceo: ['ceo@northwind.example'], cco: ['cco@northwind.example'] },
  askWhom: ['ops@northwind.example'],
  sessionHours: 8,
  companyName: 'Northwind Cloud',
  from: 'pulse@northwind.example',
};

function deps(extra: Partial<ArchiveAccessDeps>): ArchiveAccessDeps {
  return {
    presigner: archive,
    signingKeys: async () => [SIGNING_KEY],
    policy,
    links: links(),
    audit: audit(),
    codes: new DynamoDbCodeStore({ client: dynamodb, tableName: stack.resources.tableName }),
    limiter: new DynamoDbRateLimiter({ client: dynamodb, tableName: stack.resources.tableName }),
    now: clock.now,
    ...extra,
  };
}

const fileOf = (name: string) => manifest.files.find((f) => f.name === name)!;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pulse-access-test-'));
  stack = await startLocalStack({ persist: false });
  undoEnv = stack.applyEnv();
  dynamodb = new DynamoDBClient({});
  s3 = new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  ses = new SESv2Client({});
  archive = new S3Archive({ client: s3, bucket: stack.resources.archiveBucket });
  const data = demoDataset('2026-11-23');
  const out = await archiveWeek(archive, {
    data,
    settings: SETTINGS,
    context: prepareKpiContext(data, SETTINGS),
    asOf: '2026-11-22',
    report: { html: '<html><body><h1>Pulse 2026-W47</h1></body></html>' },
    runId: 'test-access',
    generatedAt: '2026-11-23T08:00:00.000Z',
    configHash: configHash({ company: { name: 'Northwind' } }),
    companyName: 'Northwind Cloud',
  });
  manifest = out.weekly.manifest;
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  s3?.destroy();
  ses?.destroy();
  undoEnv?.();
  await stack?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- the identity provider ---------------------------------------------------------------------

interface Idp {
  issuer: string;
  server: Server;
  /** When set, the relying party's token responses carry this ID token instead of the real one. */
  swapIdToken: string | undefined;
  close(): Promise<void>;
}

/** The provider listens first (its issuer URL is the relying party's config); its clients come once the endpoint's port is known. */
async function listenIdp(): Promise<Idp & { register(redirectUri: string): void }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const idp = {
    issuer,
    server,
    swapIdToken: undefined as string | undefined,
    register: (redirectUri: string) => server.on('request', provider(issuer, redirectUri).callback()),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return idp;
}

function provider(issuer: string, redirectUri: string): Provider {
  return new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      // Another application of the same company at the same provider.
      {
        client_id: 'other-app',
        client_secret: 'o'.repeat(40),
        redirect_uris: ['http://127.0.0.1:9/other-callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // The login is the e-mail address; "unverified." in front: the provider has not verified it.
    async findAccount(_ctx: unknown, id: string) {
      const email = id.replace(/^unverified\./, '');
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email,
          email_verified: !id.startsWith('unverified.'),
          groups: id.startsWith('controller@') ? ['finance'] : [],
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'groups'] },
    cookies: { keys: ['k'.repeat(32)] },
    features: { devInteractions: { enabled: true } },
  });
}

/** Signs in at the provider's login and consent pages, as the person `login`. */
async function signInAtIdp(browser: Browser, start: URL | string, login: string, stopBefore?: (u: URL) => boolean) {
  const loginPage = await browser.get(start);
  expect(loginPage.text).toContain('name="login"');
  const consent = await browser.submit(loginPage, { login, password: 'any' });
  if (!consent.text.includes('name="prompt" value="consent"')) return consent;
  return browser.submit(consent, {}, stopBefore ? { stopBefore } : {});
}

/** An ID token the provider issued to another application for `login`. */
async function idTokenForOtherApp(idp: Idp, login: string): Promise<string> {
  const browser = new Browser();
  const verifier = 'v'.repeat(64);
  const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString(
    'base64url',
  );
  const auth = new URL(`${idp.issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: 'other-app',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: 'http://127.0.0.1:9/other-callback',
    state: 'x'.repeat(16),
    nonce: 'n'.repeat(16),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  await signInAtIdp(browser, auth, login, (u) => u.port === '9');
  const code = browser.stoppedAt!.searchParams.get('code')!;
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`other-app:${'o'.repeat(40)}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:9/other-callback',
      code_verifier: verifier,
    }).toString(),
  });
  const json = (await res.json()) as { id_token?: string };
  expect(json.id_token).toBeTruthy();
  return json.id_token!;
}

const entriesSince = async (since: string) => readAudit(audit(), since);

describe('sign-in through an OpenID Connect provider', () => {
  let idp: Idp;
  let server: DownloadServer;
  let link: string;
  let linkId: string;
  const logs: Record<string, unknown>[] = [];
  const started = new Date().toISOString();

  beforeAll(async () => {
    const listening = await listenIdp();
    idp = listening;
    const rp = new OpenIdClientRelyingParty({
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      groupsClaim: 'groups',
      // Only the ID token of a token response is ever replaced (by the "another audience" test).
      fetch: async (url, init) => {
        const res = await fetch(url, init as RequestInit);
        if (!idp.swapIdToken || !url.endsWith('/token')) return res;
        const body = (await res.json()) as Record<string, unknown>;
        return new Response(JSON.stringify({ ...body, id_token: idp.swapIdToken }), {
          status: res.status,
          headers: { 'Content-Type': 'application/json' },
        });
      },
    });
    server = await startDownloadServer({ deps: deps({ oidc: rp, log: (e) => logs.push(e) }), port: 0 });
    listening.register(`${server.url}/auth/callback`);
    const issued = await issueLink(
      { links: links(), signingKey: SIGNING_KEY, baseUrl: server.url, now: clock.now },
      { key: fileOf('accounts.csv').key, recipients: [CFO], source: 'cli', days: 30 },
    );
    link = issued.url;
    linkId = issued.link.linkId;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await idp?.close();
  });

  it('a forwarded link opened anonymously: a redirect to the sign-in, and not a byte of the file', async () => {
    const browser = new Browser();
    const first = await browser.get(link, { stopBefore: (u) => u.origin === idp.issuer });
    expect(first.history).toHaveLength(1);
    expect(first.history[0]!.status).toBe(302);
    const auth = browser.stoppedAt!;
    expect(auth.origin).toBe(idp.issuer);
    expect(auth.searchParams.get('scope')).toBe('openid email');
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${server.url}/auth/callback`);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    // The pending sign-in is a signed, HttpOnly cookie for /auth only.
    expect(browser.cookie('pulse_signin')).toBeTruthy();
    expect(browser.cookie('pulse_session')).toBeUndefined();
  });

  it('a stranger who signs in gets a 403 that names the file and whom to ask', async () => {
    const browser = new Browser();
    const page = await signInAtIdp(browser, link, STRANGER);
    expect(page.status).toBe(403);
    expect(page.text).toContain(STRANGER);
    expect(page.text).toContain('accounts.csv of the 2026-W47 pack');
    expect(page.text).toContain(CFO);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.history.some((h) => h.url.includes('X-Amz-'))).toBe(false);
  });

  it('the recipient signs in and gets the file, with the checksum of the manifest; the session spares a second sign-in', async () => {
    const browser = new Browser();
    const file = await signInAtIdp(browser, link, CFO);
    expect(file.status).toBe(200);
    expect(sha256Hex(file.body)).toBe(fileOf('accounts.csv').sha256);
    const setCookie = file.history.find((h) => h.url.includes('/auth/callback'));
    expect(setCookie?.status).toBe(303);
    // Again: straight to the file, no provider in between.
    const again = await browser.get(link);
    expect(again.history.map((h) => new URL(h.url).origin)).not.toContain(idp.issuer);
    expect(sha256Hex(again.body)).toBe(fileOf('accounts.csv').sha256);
  });

  it('a finance reader by IdP group opens it too; an address the IdP has not verified does not', async () => {
    const member = await signInAtIdp(new Browser(), link, 'controller@northwind.example');
    expect(sha256Hex(member.body)).toBe(fileOf('accounts.csv').sha256);
    const unverified = await signInAtIdp(new Browser(), link, `unverified.${CFO}`);
    expect(unverified.status).toBe(403);
    expect(unverified.text).toContain('not verified');
  });

  it('an expired session asks for sign-in again', async () => {
    const browser = new Browser();
    await signInAtIdp(browser, link, CFO);
    expect(browser.cookie('pulse_session')).toBeTruthy();
    clock.offsetMs = 9 * 3600_000;
    try {
      const later = await browser.get(link, { stopBefore: (u) => u.origin === idp.issuer });
      expect(later.history[0]!.status).toBe(302);
      expect(browser.stoppedAt?.origin).toBe(idp.issuer);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('a tampered state is refused, and nobody is signed in', async () => {
    const browser = new Browser();
    await signInAtIdp(browser, link, CFO, (u) => u.pathname === '/auth/callback');
    const callback = browser.stoppedAt!;
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const res = await browser.get(callback);
    expect(res.status).toBe(400);
    expect(res.text).toContain('did not complete');
    expect(browser.cookie('pulse_session')).toBeUndefined();
    expect(logs.some((l) => l.code === 'STATE_MISMATCH')).toBe(true);
  });

  it('a replayed authorization code is refused by the provider, and signs nobody in', async () => {
    const victim = new Browser();
    await signInAtIdp(victim, link, CFO, (u) => u.pathname === '/auth/callback');
    const callback = victim.stoppedAt!;
    const pending = victim.cookie('pulse_signin')!;
    expect((await victim.get(callback)).status).toBe(200);
    // The attacker replays the same callback with the same pending sign-in.
    const attacker = new Browser();
    attacker.setCookie('127.0.0.1', 'pulse_signin', pending, '/auth');
    const replay = await attacker.get(callback);
    expect(replay.status).toBe(400);
    expect(attacker.cookie('pulse_session')).toBeUndefined();
    expect(logs.some((l) => l.code === 'CODE_REJECTED')).toBe(true);
  });

  it('an ID token the provider issued to another application is refused', async () => {
    idp.swapIdToken = await idTokenForOtherApp(idp, CFO);
    try {
      const browser = new Browser();
      const res = await signInAtIdp(browser, link, CFO);
      expect(res.status).toBe(400);
      expect(browser.cookie('pulse_session')).toBeUndefined();
      expect(res.body.includes(Buffer.from('account_id'))).toBe(false);
      expect(logs.some((l) => l.code === 'ID_TOKEN_REJECTED')).toBe(true);
    } finally {
      idp.swapIdToken = undefined;
    }
  });

  it('after revoke --for the recipient, the link is refused for everyone, signed in or not', async () => {
    const cfo = new Browser();
    await signInAtIdp(cfo, link, CFO);
    const revoked = await revokeLinks(links(), { recipient: CFO, by: 'test' });
    expect(revoked.map((l) => l.linkId)).toContain(linkId);
    for (const b of [cfo, new Browser()]) {
      const res = await b.get(link);
      expect(res.status).toBe(403);
      expect(res.text).toContain('revoked');
    }
  });

  it('the audit trail holds every attempt with its outcome and identity, exactly the documented fields', async () => {
    const entries = (await entriesSince(started)).filter((e) => e.linkId === linkId);
    for (const e of entries)
      expect(Object.keys(e).sort()).toEqual(['at', 'identity', 'ip', 'key', 'linkId', 'outcome', 'recipient']);
    const seen = (outcome: AuditEntry['outcome'], identity: string | null) =>
      entries.some((e) => e.outcome === outcome && e.identity === identity);
    expect(seen('sign-in', null)).toBe(true);
    expect(seen('denied', STRANGER)).toBe(true);
    expect(seen('allowed', CFO)).toBe(true);
    expect(seen('allowed', 'controller@northwind.example')).toBe(true);
    expect(seen('denied', CFO)).toBe(true); // the unverified address
    expect(seen('revoked', CFO)).toBe(true);
    expect(seen('revoked', null)).toBe(true);
    expect(entries.filter((e) => e.outcome === 'invalid').length).toBeGreaterThanOrEqual(3); // tampered state, replayed code, foreign ID token
    for (const e of entries) {
      expect(e.recipient).toBe(CFO);
      expect(e.key).toBe(fileOf('accounts.csv').key);
      expect(e.ip).toBe('127.0.0.1');
    }
  });
});

describe('sign-in by one-time code (no identity provider: the local demo)', () => {
  let server: DownloadServer;
  let outbox: OutboxMailer;
  let link: string;

  beforeAll(async () => {
    outbox = new OutboxMailer(new SesMailer({ client: ses }), join(tmp, 'outbox'));
    server = await startDownloadServer({ deps: deps({ mailer: outbox }), port: 0 });
    link = (
      await issueLink(
        { links: links(), signingKey: SIGNING_KEY, baseUrl: server.url, now: clock.now },
        { key: fileOf('renewals.csv').key, recipients: [CFO], source: 'email', days: 30 },
      )
    ).url;
  }, 60_000);
  afterAll(() => server?.close());

  const lastCode = async (before: number) => {
    expect(outbox.written.length).toBe(before + 1);
    const mail = outbox.written.at(-1)!;
    expect(await readFile(mail.eml, 'utf8')).toContain(`To: CFO <${CFO}>`); // with the display name derived from the address
    return /\b(\d{6})\b/.exec(await readFile(mail.text, 'utf8'))![1]!;
  };

  it('the link alone shows a sign-in page, not the file', async () => {
    const page = await new Browser().get(link);
    expect(page.status).toBe(200);
    expect(page.history).toHaveLength(1);
    expect(page.text).toContain('c***@northwind.example');
    expect(page.text).not.toContain(CFO);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it("a forwarded link's new reader cannot sign in: the code goes to the recipient, and guessing ends after 5 tries", async () => {
    const reader = new Browser();
    const before = outbox.written.length;
    const entry = await reader.submit(await reader.get(link));
    expect(entry.text).toContain('name="code"');
    const real = await lastCode(before);
    let page = entry;
    for (let i = 0; i < 5; i++) page = await reader.submit(page, { code: real === '000000' ? '111111' : '000000' });
    expect(page.status).toBe(429);
    // Even the right code no longer works for that challenge.
    const late = await reader.submit(entry, { code: real });
    expect(late.status).not.toBe(200);
    expect(reader.cookie('pulse_session')).toBeUndefined();
  });

  it('the recipient signs in with the code from the outbox and gets the file, checksum as in the manifest', async () => {
    const browser = new Browser();
    const before = outbox.written.length;
    const entry = await browser.submit(await browser.get(link));
    const file = await browser.submit(entry, { code: await lastCode(before) });
    expect(file.status).toBe(200);
    expect(sha256Hex(file.body)).toBe(fileOf('renewals.csv').sha256);
    expect(browser.cookie('pulse_session')).toBeTruthy();
  });

  it('codes are rate-limited per link', async () => {
    const limited = (
      await issueLink(
        { links: links(), signingKey: SIGNING_KEY, baseUrl: server.url, now: clock.now },
        { key: fileOf('report.html').key, recipients: [CFO], source: 'email', days: 30 },
      )
    ).url;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const b = new Browser();
      statuses.push((await b.submit(await b.get(limited))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('an index link asks for the address and sends a code only to a reader, answering the same either way', async () => {
    const index = await issueIndexLinks(
      { links: links(), signingKey: SIGNING_KEY, baseUrl: server.url, now: clock.now },
      { days: 30 },
    );
    const url = index.url(fileOf('expansion.csv').key);
    const b = new Browser();
    const ask = await b.get(url);
    expect(ask.text).toContain('name="email"');
    const before = outbox.written.length;
    const stranger = await b.submit(ask, { email: STRANGER });
    expect(stranger.status).toBe(200);
    expect(outbox.written.length).toBe(before);
    const reader = await new Browser().submit(await new Browser().get(url), { email: CFO.toUpperCase() });
    expect(reader.text).toContain('name="code"');
    expect(outbox.written.length).toBe(before + 1);
  });

  it('POST and other methods never serve a file', async () => {
    const res = await fetch(link, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(405);
    expect(res.headers.get('location')).toBeNull();
  });
});
