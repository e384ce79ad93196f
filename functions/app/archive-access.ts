// The download endpoint's use case: who may open the finance archive. The Lambda handler and the
// loopback server (`pulse archive serve`) both call `handleArchiveRequest` and only translate HTTP.
//
//   GET|HEAD /d/<token>    check the link (signature, expiry, its record: known, not revoked), then
//                          the session: none -> sign-in (OpenID Connect redirect, or the one-time
//                          code page), a reader of the object -> 302 to a presigned URL valid for
//                          minutes, anyone else -> 403 naming what was tried and whom to ask
//   POST /auth/code        e-mail a one-time code to the link's recipient (rate-limited)
//   POST /auth/code/verify check the code (10 minutes, 5 tries, once) -> session cookie
//   GET  /auth/callback    OpenID Connect: state, PKCE, nonce, ID token, email_verified -> session
//   GET  /auth/signout     end the session
//
// Every attempt on a link is appended to the audit log. Tokens and codes never reach a log line:
// the log gets the outcome, the link id and the object key.
import { randomBytes } from 'node:crypto';
import {
  decideAccess,
  describeKey,
  maskAddress,
  mayRequestCode,
  normaliseAddress,
  isAddress,
  type AuditEntry,
  type AuditOutcome,
  type Identity,
  type LinkRecord,
  type Readers,
} from '../domain/archive/access';
import {
  codeEntryPage,
  codeEmail,
  codeRequestPage,
  deniedPage,
  revokedPage,
  signedInPage,
  signedOutPage,
  signInProblemPage,
  tooManyPage,
} from '../domain/archive/access-page';
import {
  COMMON_HEADERS,
  downloadResponse,
  page,
  tokenFromRequest,
  type HttpResponse,
} from '../domain/archive/download-page';
import {
  CODE_CHECKS_PER_CLIENT_PER_HOUR,
  CODE_MAX_TRIES,
  CODE_SECONDS,
  CODES_PER_CLIENT_PER_HOUR,
  CODES_PER_LINK_PER_HOUR,
  SESSION_COOKIE,
  SIGNIN_COOKIE,
  SIGNIN_SECONDS,
  SIGNINS_PER_CLIENT_PER_HOUR,
  clearCookie,
  codeDigest,
  codeMatches,
  newCode,
  openSession,
  openSignIn,
  parseCookies,
  sealSession,
  sealSignIn,
  setCookie,
  type Session,
} from '../domain/archive/session';
import { DownloadTokenError, isWellFormedToken, verifyDownloadToken, type TokenClaims } from '../domain/archive/token';
import type { UrlPresigner } from '../ports/archive';
import {
  OidcError,
  type AuditLog,
  type CodeStore,
  type LinkStore,
  type OidcRelyingParty,
  type RateLimiter,
} from '../ports/archive-access';
import type { Mailer } from '../ports/mailer';
import { DEFAULT_PRESIGN_SECONDS } from './download';
import { archiveReaders, type PulseConfig } from '../config';

/** `sign-in`: a link opens only for a signed-in reader (the default). `link`: the old bearer links. */
export type AccessMode = 'sign-in' | 'link';

export interface AccessPolicy {
  mode: AccessMode;
  readers: Readers;
  /** Named on the 403 page when no finance reader has an explicit address. */
  askWhom: readonly string[];
  sessionHours: number;
  companyName: string;
  /** The sender of one-time codes. */
  from: string;
}

/** The access policy a config describes. */
export function accessPolicyFrom(config: PulseConfig): AccessPolicy {
  return {
    mode: config.archive.access === 'link' ? 'link' : 'sign-in',
    readers: archiveReaders(config),
    askWhom: config.recipients.operator,
    sessionHours: config.archive.sessionHours,
    companyName: config.company.name,
    from: config.sender.from,
  };
}

/** The identity provider to use: the config's, else one the deployment names (the stack's Cognito user pool), else none. */
export function oidcSettingsFrom(
  config: PulseConfig,
  env: { PULSE_OIDC_ISSUER?: string | undefined; PULSE_OIDC_CLIENT_ID?: string | undefined } = {},
): { issuer: string; clientId: string; groupsClaim?: string } | undefined {
  const a = config.archive.access;
  if (typeof a === 'object')
    return {
      issuer: a.oidc.issuer,
      clientId: a.oidc.clientId,
      ...(a.oidc.groupsClaim ? { groupsClaim: a.oidc.groupsClaim } : {}),
    };
  if (a === 'sign-in' && env.PULSE_OIDC_ISSUER && env.PULSE_OIDC_CLIENT_ID)
    return { issuer: env.PULSE_OIDC_ISSUER, clientId: env.PULSE_OIDC_CLIENT_ID, groupsClaim: 'cognito:groups' };
  return undefined;
}

/** The startup warning when links are bearer links again (`"access": "link"`). */
export const LINK_MODE_WARNING =
  'WARNING: archive.access is "link": anyone holding an archive link opens the file without signing in (a forwarded e-mail, a pasted link). Links can still be revoked and every open is audited. See docs/archive-access.md.';

export interface ArchiveAccessDeps {
  presigner: UrlPresigner;
  /** The link signing keys, current first (also the root of the cookie and code keys). */
  signingKeys: () => Promise<readonly (string | Uint8Array)[]>;
  policy: AccessPolicy;
  links: LinkStore;
  audit: AuditLog;
  codes: CodeStore;
  limiter: RateLimiter;
  /** Sends one-time codes (sign-in without an identity provider). */
  mailer?: Mailer;
  /** The identity provider; without one, sign-in is by one-time code. */
  oidc?: OidcRelyingParty;
  /** The endpoint's public origin (`https://archive.example.com`); locally taken from a loopback Host header. */
  origin?: string;
  now?: () => Date;
  presignSeconds?: number;
  /** One structured line per request; never given a token or a code. */
  log?: (event: Record<string, unknown>) => void;
}

export interface AccessRequest {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  /** Lower-case header names. */
  headers?: Record<string, string | undefined>;
  /** Cookie headers (function URLs pass them as an array). */
  cookies?: readonly string[];
  /** An application/x-www-form-urlencoded body. */
  body?: string;
  /** The client's address. */
  ip?: string;
  /** The public origin this request came through, when a trusted front (CloudFront) told the handler. */
  origin?: string;
}

export interface AccessResponse extends HttpResponse {
  /** Set-Cookie values. */
  cookies?: string[];
}

export class ArchiveAccessError extends Error {
  override readonly name = 'ArchiveAccessError';
  constructor(
    readonly code: 'ORIGIN_UNKNOWN' | 'NO_MAILER',
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

type Keys = readonly (string | Uint8Array)[];

interface Ctx {
  deps: ArchiveAccessDeps;
  req: AccessRequest;
  now: Date;
  keys: Keys;
  cookies: Record<string, string>;
  ip: string | null;
}

export async function handleArchiveRequest(deps: ArchiveAccessDeps, req: AccessRequest): Promise<AccessResponse> {
  const method = req.method.toUpperCase();
  const ctx: Ctx = {
    deps,
    req,
    now: deps.now?.() ?? new Date(),
    keys: [],
    cookies: parseCookies([...(req.cookies ?? []), ...(req.headers?.cookie ? [req.headers.cookie] : [])]),
    ip: req.ip ?? null,
  };
  const path = req.path;
  if (path === '/auth/code' || path === '/auth/code/verify') {
    if (method !== 'POST') return methodNotAllowed('POST');
    ctx.keys = await deps.signingKeys();
    return path === '/auth/code' ? sendCode(ctx) : verifyCode(ctx);
  }
  if (path === '/auth/callback') {
    if (method !== 'GET') return methodNotAllowed('GET');
    ctx.keys = await deps.signingKeys();
    return callback(ctx);
  }
  if (path === '/auth/signout') {
    return { ...signedOutPage(), cookies: [clearCookie(SESSION_COOKIE, { secure: secureCookies(ctx), path: '/' })] };
  }
  if (method !== 'GET' && method !== 'HEAD') return { ...downloadResponse({ status: 405 }) };
  const token = tokenFromRequest(path, req.query);
  if (!token) return downloadResponse({ status: 400, message: 'The address has no download token.' });
  return download(ctx, token);
}

function methodNotAllowed(allow: string): AccessResponse {
  const res = page(405, 'Method not allowed', ['This address does not take that kind of request.']);
  return { ...res, headers: { ...res.headers, Allow: allow } };
}

// ---- checking a link -----------------------------------------------------------------------

type LinkCheck =
  | { ok: true; claims: TokenClaims; link: LinkRecord | undefined }
  | { ok: false; outcome: AuditOutcome; response: AccessResponse; claims?: TokenClaims; link?: LinkRecord };

async function checkLink(ctx: Ctx, token: string): Promise<LinkCheck> {
  const { deps } = ctx;
  if (!isWellFormedToken(token))
    return {
      ok: false,
      outcome: 'invalid',
      response: downloadResponse({ status: 403, reason: 'malformed', message: 'The link is incomplete or damaged.' }),
    };
  if (ctx.keys.length === 0) ctx.keys = await deps.signingKeys();
  let claims: TokenClaims;
  try {
    claims = verifyDownloadToken(ctx.keys, token, ctx.now);
  } catch (e) {
    if (!(e instanceof DownloadTokenError)) throw e;
    return {
      ok: false,
      outcome: e.code === 'expired' ? 'expired' : 'invalid',
      response: downloadResponse({ status: 403, reason: e.code, message: e.message }),
    };
  }
  if (!claims.linkId) {
    // Links made before links had records: bearer links only while access is "link".
    if (deps.policy.mode === 'link') return { ok: true, claims, link: undefined };
    return {
      ok: false,
      outcome: 'invalid',
      claims,
      response: downloadResponse({
        status: 403,
        reason: 'malformed',
        message: 'This link was made before sign-in was turned on for the archive, and no longer opens.',
      }),
    };
  }
  const link = await deps.links.get(claims.linkId);
  const bound =
    link &&
    (link.recipientHash ?? undefined) === claims.recipientHash &&
    (link.source === 'index' ? claims.key.startsWith(link.key) : claims.key === link.key);
  if (!link || !bound) {
    return {
      ok: false,
      outcome: 'invalid',
      claims,
      response: downloadResponse({
        status: 403,
        reason: 'bad-signature',
        message: 'This link is not known to the archive.',
      }),
    };
  }
  if (link.revokedAt)
    return { ok: false, outcome: 'revoked', claims, link, response: revokedPage(describeKey(claims.key)) };
  return { ok: true, claims, link };
}

async function record(
  ctx: Ctx,
  outcome: AuditOutcome,
  o: { claims?: TokenClaims | undefined; link?: LinkRecord | undefined; identity?: string | null },
): Promise<void> {
  const entry: AuditEntry = {
    at: ctx.now.toISOString(),
    linkId: o.claims?.linkId ?? o.link?.linkId ?? null,
    recipient: o.link?.recipients.length ? o.link.recipients.join(', ') : null,
    identity: o.identity ?? null,
    key: o.claims?.key ?? null,
    outcome,
    ip: ctx.ip,
  };
  await ctx.deps.audit.append(entry);
  ctx.deps.log?.({
    message: 'archive access',
    outcome,
    linkId: entry.linkId,
    key: entry.key,
    identity: entry.identity,
    refused: outcome !== 'allowed' && outcome !== 'sign-in',
  });
}

// ---- GET /d/<token> ------------------------------------------------------------------------

async function download(ctx: Ctx, token: string): Promise<AccessResponse> {
  const { deps } = ctx;
  const check = await checkLink(ctx, token);
  if (!check.ok) {
    await record(ctx, check.outcome, {
      claims: check.claims,
      link: check.link,
      identity: openSession(ctx.keys, ctx.cookies[SESSION_COOKIE], ctx.now)?.email ?? null,
    });
    return check.response;
  }
  const { claims, link } = check;
  if (deps.policy.mode === 'link') return open(ctx, claims, link, null);
  const session = openSession(ctx.keys, ctx.cookies[SESSION_COOKIE], ctx.now);
  if (!session) {
    await record(ctx, 'sign-in', { claims, link });
    return startSignIn(ctx, token, claims, link!);
  }
  const decision = decideAccess(session, claims.key, deps.policy.readers, link);
  if (!decision.allowed) {
    await record(ctx, 'denied', { claims, link, identity: session.email });
    return deniedPage({ who: session.email, what: describeKey(claims.key), askWhom: askWhom(deps.policy) });
  }
  return open(ctx, claims, link, session);
}

async function open(
  ctx: Ctx,
  claims: TokenClaims,
  link: LinkRecord | undefined,
  session: Session | null,
): Promise<AccessResponse> {
  const location = await ctx.deps.presigner.presignGet(claims.key, ctx.deps.presignSeconds ?? DEFAULT_PRESIGN_SECONDS);
  await record(ctx, 'allowed', { claims, link, identity: session?.email ?? null });
  return downloadResponse(location ? { status: 302, location, key: claims.key } : { status: 404, key: claims.key });
}

function askWhom(policy: AccessPolicy): string[] {
  const finance = policy.readers.finance.filter(isAddress);
  return finance.length ? finance : [...policy.askWhom];
}

function origin(ctx: Ctx): string {
  if (ctx.deps.origin) return ctx.deps.origin.replace(/\/+$/, '');
  if (ctx.req.origin) return ctx.req.origin.replace(/\/+$/, '');
  const host = ctx.req.headers?.host;
  if (host && LOOPBACK_HOST.test(host)) return `http://${host}`;
  throw new ArchiveAccessError(
    'ORIGIN_UNKNOWN',
    'The download endpoint does not know its public origin (set PULSE_DOWNLOAD_URL); sign-in needs it for the callback address.',
  );
}

function secureCookies(ctx: Ctx): boolean {
  try {
    return !origin(ctx).startsWith('http://');
  } catch {
    return true;
  }
}

async function startSignIn(ctx: Ctx, token: string, claims: TokenClaims, link: LinkRecord): Promise<AccessResponse> {
  const { deps } = ctx;
  const what = describeKey(claims.key);
  if (deps.oidc) {
    if (!(await deps.limiter.hit(`signin-ip#${ctx.ip ?? 'unknown'}`, SIGNINS_PER_CLIENT_PER_HOUR, 3600, ctx.now)))
      return tooManyPage('Too many sign-ins were started from your network in the last hour.');
    const redirectUri = `${origin(ctx)}/auth/callback`;
    const started = await deps.oidc.start(redirectUri);
    const cookie = sealSignIn(
      ctx.keys[0]!,
      { state: started.state, nonce: started.nonce, codeVerifier: started.codeVerifier, returnTo: `/d/${token}` },
      ctx.now,
    );
    return {
      statusCode: 302,
      headers: { ...COMMON_HEADERS, Location: started.url, 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'Sign in first.\n',
      cookies: [
        setCookie(SIGNIN_COOKIE, cookie, { secure: secureCookies(ctx), path: '/auth', maxAge: SIGNIN_SECONDS }),
      ],
    };
  }
  return codeRequestPage({
    what,
    token,
    askAddress: link.recipients.length !== 1,
    ...(link.recipients.length === 1 ? { maskedRecipient: maskAddress(link.recipients[0]!) } : {}),
  });
}

// ---- one-time codes ------------------------------------------------------------------------

function form(ctx: Ctx): URLSearchParams {
  return new URLSearchParams(ctx.req.body ?? '');
}

async function sendCode(ctx: Ctx): Promise<AccessResponse> {
  const { deps } = ctx;
  if (deps.oidc || deps.policy.mode === 'link')
    return signInProblemPage(
      400,
      'Sign-in is not by code here',
      'This archive signs you in through your company account.',
    );
  if (!deps.mailer) throw new ArchiveAccessError('NO_MAILER', 'Sign-in by one-time code needs a mailer.');
  const f = form(ctx);
  const token = f.get('t') ?? '';
  const check = await checkLink(ctx, token);
  if (!check.ok) {
    await record(ctx, check.outcome, { claims: check.claims, link: check.link });
    return check.response;
  }
  const { claims } = check;
  const link = check.link!;
  const what = describeKey(claims.key);
  const single = link.recipients.length === 1 ? link.recipients[0]! : undefined;
  const typed = f.get('email')?.trim();
  const address = single ?? (typed && isAddress(typed) ? normaliseAddress(typed) : undefined);
  if (!address) return codeRequestPage({ what, token, askAddress: true, notice: 'Enter a valid e-mail address.' });
  const perLink = await deps.limiter.hit(`code-link#${link.linkId}`, CODES_PER_LINK_PER_HOUR, 3600, ctx.now);
  const perClient =
    perLink && (await deps.limiter.hit(`code-ip#${ctx.ip ?? 'unknown'}`, CODES_PER_CLIENT_PER_HOUR, 3600, ctx.now));
  if (!perLink || !perClient) {
    deps.log?.({ message: 'archive access', outcome: 'rate-limited', linkId: link.linkId, refused: true });
    return tooManyPage(
      perLink
        ? 'Too many codes were requested from your network in the last hour.'
        : 'Too many codes were requested for this link in the last hour.',
    );
  }
  const challengeId = randomBytes(16).toString('base64url');
  // The same page whether or not the address may open the file: no way to probe who the readers are.
  if (mayRequestCode(address, claims.key, deps.policy.readers, link)) {
    const code = newCode();
    await deps.codes.put({
      challengeId,
      linkId: link.linkId,
      email: address,
      digest: codeDigest(ctx.keys[0]!, challengeId, code),
      expiresAt: Math.floor(ctx.now.getTime() / 1000) + CODE_SECONDS,
    });
    const mail = codeEmail({ code, what, companyName: deps.policy.companyName, ip: ctx.ip });
    await deps.mailer.send({
      from: deps.policy.from,
      to: [address],
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: { 'X-Pulse-Kind': 'archive-sign-in-code' },
    });
  }
  await record(ctx, 'sign-in', { claims, link });
  return codeEntryPage({ what, token, challengeId, sentTo: single ? maskAddress(single) : address });
}

async function verifyCode(ctx: Ctx): Promise<AccessResponse> {
  const { deps } = ctx;
  if (deps.oidc || deps.policy.mode === 'link')
    return signInProblemPage(
      400,
      'Sign-in is not by code here',
      'This archive signs you in through your company account.',
    );
  const f = form(ctx);
  const token = f.get('t') ?? '';
  const challengeId = f.get('c') ?? '';
  const code = f.get('code') ?? '';
  const check = await checkLink(ctx, token);
  if (!check.ok) {
    await record(ctx, check.outcome, { claims: check.claims, link: check.link });
    return check.response;
  }
  const { claims } = check;
  const link = check.link!;
  const what = describeKey(claims.key);
  if (
    !(await deps.limiter.hit(`code-check-ip#${ctx.ip ?? 'unknown'}`, CODE_CHECKS_PER_CLIENT_PER_HOUR, 3600, ctx.now))
  ) {
    deps.log?.({ message: 'archive access', outcome: 'rate-limited', linkId: link.linkId, refused: true });
    return tooManyPage('Too many codes were tried from your network in the last hour.');
  }
  const challenge = /^[A-Za-z0-9_-]{22}$/.test(challengeId) ? await deps.codes.get(challengeId) : undefined;
  const nowS = Math.floor(ctx.now.getTime() / 1000);
  if (!challenge || challenge.linkId !== link.linkId || nowS >= challenge.expiresAt) {
    await record(ctx, challenge && nowS >= challenge.expiresAt ? 'expired' : 'invalid', { claims, link });
    return signInProblemPage(
      400,
      'This code no longer works',
      'The code has expired, was already used, or was not sent for this link. Ask for a new one.',
    );
  }
  const tries = await deps.codes.countTry(challengeId);
  if (tries > CODE_MAX_TRIES) {
    await deps.codes.consume(challengeId);
    await record(ctx, 'invalid', { claims, link, identity: null });
    return tooManyPage(`The code was tried ${CODE_MAX_TRIES} times; it no longer works.`);
  }
  if (!codeMatches(ctx.keys, challengeId, code, challenge.digest)) {
    await record(ctx, 'invalid', { claims, link });
    const left = CODE_MAX_TRIES - tries;
    if (left <= 0) {
      await deps.codes.consume(challengeId);
      return tooManyPage(`The code was tried ${CODE_MAX_TRIES} times; it no longer works.`);
    }
    return codeEntryPage({
      what,
      token,
      challengeId,
      sentTo: link.recipients.length === 1 ? maskAddress(challenge.email) : challenge.email,
      notice: `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left.`,
    });
  }
  if (!(await deps.codes.consume(challengeId))) {
    await record(ctx, 'invalid', { claims, link });
    return signInProblemPage(400, 'This code no longer works', 'The code was already used. Ask for a new one.');
  }
  const who: Identity = { email: challenge.email, groups: [], via: 'code' };
  await record(ctx, 'sign-in', { claims, link, identity: who.email });
  return {
    ...signedInPage({ who: who.email, returnTo: `/d/${token}`, what }),
    cookies: [
      setCookie(SESSION_COOKIE, sealSession(ctx.keys[0]!, who, deps.policy.sessionHours, ctx.now), {
        secure: secureCookies(ctx),
        path: '/',
        maxAge: deps.policy.sessionHours * 3600,
      }),
    ],
  };
}

// ---- OpenID Connect callback ---------------------------------------------------------------

async function callback(ctx: Ctx): Promise<AccessResponse> {
  const { deps } = ctx;
  if (!deps.oidc) return page(404, 'Not found', ['This archive does not sign in through an identity provider.']);
  const secure = secureCookies(ctx);
  const clearSignIn = clearCookie(SIGNIN_COOKIE, { secure, path: '/auth' });
  const pending = openSignIn(ctx.keys, ctx.cookies[SIGNIN_COOKIE], ctx.now);
  if (!pending) {
    await record(ctx, 'invalid', {});
    return {
      ...signInProblemPage(
        400,
        'The sign-in has expired',
        'The sign-in took longer than 10 minutes, or was started in another browser.',
      ),
      cookies: [clearSignIn],
    };
  }
  const token = pending.returnTo.slice('/d/'.length);
  const check = await checkLink(ctx, token);
  if (!check.ok) {
    await record(ctx, check.outcome, { claims: check.claims, link: check.link });
    return { ...check.response, cookies: [clearSignIn] };
  }
  const { claims, link } = check;
  const query = new URLSearchParams(
    Object.entries(ctx.req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const callbackUrl = new URL(`${origin(ctx)}/auth/callback?${query.toString()}`);
  let identity: Awaited<ReturnType<typeof deps.oidc.finish>>;
  try {
    identity = await deps.oidc.finish(callbackUrl, pending);
  } catch (e) {
    if (!(e instanceof OidcError)) throw e;
    deps.log?.({
      message: 'archive sign-in failed',
      code: e.code,
      reason: e.message,
      linkId: claims.linkId ?? null,
      refused: true,
    });
    await record(ctx, 'invalid', { claims, link });
    if (e.code === 'PROVIDER_UNAVAILABLE')
      return {
        ...signInProblemPage(503, 'The sign-in service is not reachable', 'Try again in a minute.'),
        cookies: [clearSignIn],
      };
    return {
      ...signInProblemPage(
        400,
        'The sign-in did not complete',
        'The answer from the sign-in service did not check out, so nobody was signed in.',
      ),
      cookies: [clearSignIn],
    };
  }
  const email = normaliseAddress(identity.email);
  if (!identity.emailVerified) {
    await record(ctx, 'denied', { claims, link, identity: email });
    return {
      ...signInProblemPage(
        403,
        'Your e-mail address is not verified',
        `Your identity provider has not verified ${email}, so it cannot open the archive.`,
      ),
      cookies: [clearSignIn],
    };
  }
  const who: Identity = { email, groups: identity.groups, via: 'oidc' };
  await record(ctx, 'sign-in', { claims, link, identity: email });
  return {
    statusCode: 303,
    headers: { ...COMMON_HEADERS, Location: pending.returnTo, 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Signed in.\n',
    cookies: [
      clearSignIn,
      setCookie(SESSION_COOKIE, sealSession(ctx.keys[0]!, who, deps.policy.sessionHours, ctx.now), {
        secure,
        path: '/',
        maxAge: deps.policy.sessionHours * 3600,
      }),
    ],
  };
}
