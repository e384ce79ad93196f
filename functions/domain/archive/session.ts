// Signed cookies of the download endpoint, and one-time codes.
//
//   pulse_session  who signed in (address, groups, how), until when: hours, not days
//   pulse_signin   an OpenID Connect sign-in under way: state, nonce, PKCE verifier, where to return
//
// Both are `base64url(JSON) "." base64url(HMAC-SHA256(k, purpose + payload))` where k is derived
// from the link signing key (so a key rotation ends every session too), HttpOnly, SameSite=Lax,
// Secure unless the endpoint is on loopback. A one-time code is six digits; only its HMAC is stored.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Identity } from './access';

export const SESSION_COOKIE = 'pulse_session';
export const SIGNIN_COOKIE = 'pulse_signin';
/** Default and longest session: a working day, never days. */
export const DEFAULT_SESSION_HOURS = 8;
export const MAX_SESSION_HOURS = 24;
/** An OpenID Connect sign-in must come back within this many seconds. */
export const SIGNIN_SECONDS = 600;

/** A one-time code lives 10 minutes and allows 5 tries. */
export const CODE_SECONDS = 600;
export const CODE_MAX_TRIES = 5;
/** Codes sent per link per hour, and per client address per hour. */
export const CODES_PER_LINK_PER_HOUR = 5;
export const CODES_PER_CLIENT_PER_HOUR = 20;
/** Code checks per client address per hour (on top of the tries of each code). */
export const CODE_CHECKS_PER_CLIENT_PER_HOUR = 30;
/** Sign-ins started per client address per hour (OpenID Connect). */
export const SIGNINS_PER_CLIENT_PER_HOUR = 60;

type Secret = string | Uint8Array;

function derive(secret: Secret, purpose: string): Buffer {
  return createHmac('sha256', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret))
    .update(`pulse-cookie-key.v1.${purpose}`)
    .digest();
}

function seal(secret: Secret, purpose: string, doc: object): string {
  const payload = Buffer.from(JSON.stringify(doc), 'utf8').toString('base64url');
  const mac = createHmac('sha256', derive(secret, purpose)).update(payload).digest().toString('base64url');
  return `${payload}.${mac}`;
}

function open(
  secrets: readonly Secret[],
  purpose: string,
  value: string | undefined,
): Record<string, unknown> | undefined {
  if (!value) return undefined;
  const m = /^([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return undefined;
  const [, payload, macPart] = m as unknown as [string, string, string];
  const sig = Buffer.from(macPart, 'base64url');
  const ok = secrets.some((s) => {
    const expected = createHmac('sha256', derive(s, purpose)).update(payload).digest();
    return expected.byteLength === sig.byteLength && timingSafeEqual(expected, sig);
  });
  if (!ok) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const nowSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

export interface Session extends Identity {
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

export function sealSession(secret: Secret, who: Identity, hours: number, now: Date): string {
  const h = Math.min(Math.max(hours, 1 / 60), MAX_SESSION_HOURS);
  return seal(secret, 'session', {
    e: who.email,
    g: who.groups,
    v: who.via,
    x: nowSeconds(now) + Math.round(h * 3600),
  });
}

/** The session in the cookie value; undefined when absent, altered, or expired. */
export function openSession(secrets: readonly Secret[], value: string | undefined, now: Date): Session | undefined {
  const doc = open(secrets, 'session', value);
  if (!doc) return undefined;
  const { e, g, v, x } = doc;
  if (
    typeof e !== 'string' ||
    !Array.isArray(g) ||
    !g.every((s) => typeof s === 'string') ||
    (v !== 'oidc' && v !== 'code') ||
    typeof x !== 'number'
  )
    return undefined;
  if (nowSeconds(now) >= x) return undefined;
  return { email: e, groups: g as string[], via: v, expiresAt: x };
}

/** An OpenID Connect sign-in under way. */
export interface SignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The path to go back to after sign-in: always `/d/<token>`. */
  returnTo: string;
}

export function sealSignIn(secret: Secret, s: SignIn, now: Date): string {
  return seal(secret, 'signin', {
    s: s.state,
    n: s.nonce,
    v: s.codeVerifier,
    r: s.returnTo,
    x: nowSeconds(now) + SIGNIN_SECONDS,
  });
}

export function openSignIn(secrets: readonly Secret[], value: string | undefined, now: Date): SignIn | undefined {
  const doc = open(secrets, 'signin', value);
  if (!doc) return undefined;
  const { s, n, v, r, x } = doc;
  if (
    typeof s !== 'string' ||
    typeof n !== 'string' ||
    typeof v !== 'string' ||
    typeof r !== 'string' ||
    typeof x !== 'number'
  )
    return undefined;
  if (!/^\/d\/[A-Za-z0-9_.-]+$/.test(r) || nowSeconds(now) >= x) return undefined;
  return { state: s, nonce: n, codeVerifier: v, returnTo: r };
}

// ---- cookies -------------------------------------------------------------------------------

export interface CookieOptions {
  /** False only on loopback (http://127.0.0.1): browsers drop Secure cookies over plain HTTP. */
  secure: boolean;
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function setCookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; Path=${o.path}; Max-Age=${Math.max(0, Math.floor(o.maxAge))}; HttpOnly; SameSite=Lax${o.secure ? '; Secure' : ''}`;
}

export function clearCookie(name: string, o: Pick<CookieOptions, 'secure' | 'path'>): string {
  return setCookie(name, '', { ...o, maxAge: 0 });
}

/** The cookies of a request (`Cookie` header, or the function URL's `cookies` array). */
export function parseCookies(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    for (const part of h.split(';')) {
      const i = part.indexOf('=');
      if (i <= 0) continue;
      const name = part.slice(0, i).trim();
      if (!(name in out)) out[name] = part.slice(i + 1).trim();
    }
  }
  return out;
}

// ---- one-time codes ------------------------------------------------------------------------

/** Six random digits. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** What is stored of a code: its HMAC, bound to the challenge it was sent for. */
export function codeDigest(secret: Secret, challengeId: string, code: string): string {
  return createHmac('sha256', derive(secret, 'code')).update(`${challengeId}.${code.trim()}`).digest('base64url');
}

export function codeMatches(secrets: readonly Secret[], challengeId: string, code: string, digest: string): boolean {
  if (!/^\d{6}$/.test(code.trim())) return false;
  const want = Buffer.from(digest, 'base64url');
  return secrets.some((s) => {
    const got = Buffer.from(codeDigest(s, challengeId, code), 'base64url');
    return got.byteLength === want.byteLength && timingSafeEqual(got, want);
  });
}
