// Download tokens: a durable link in an email or on the index carries a token that names one
// archive object and an expiry, signed with HMAC-SHA256. The download endpoint checks it and
// redirects to a fresh presigned URL valid for minutes; the token itself never grants S3 access.
//
//   token = base64url(payload JSON) "." base64url(HMAC-SHA256(key, "pulse-download.v1." + payload part))
//   payload = { "k": "<object key>", "e": <expiry, seconds since the epoch>,
//               "i": "<link id>", "r": "<recipient hash>" }
//
// `i` names the link's record (revocable, listed by `pulse archive links`) and `r` binds the token
// to its recipient(s): an HMAC of the addresses under the signing key, never the address in clear.
// Both are optional so links issued before they existed still verify (they then name no record).
//
// The same signer makes the tokens of other purposes (the alert e-mails' snooze and acknowledge
// links, functions/domain/alerts/action-token.ts): `signToken`/`verifyToken` with a TokenPurpose.
// The purpose is part of the signed text ("pulse-<purpose>.v1."), so a token made for one purpose
// never verifies for another, with the same key.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ARCHIVE_ROOT } from './layout';

/** What a token is for; each purpose signs under its own domain string. */
export type TokenPurpose = 'download' | 'alert-action';
const SECONDS_PER_DAY = 86_400;
/** Keys shorter than this are refused: an HMAC key should carry at least 128 bits. */
export const MIN_KEY_BYTES = 16;

export type TokenFailure = 'malformed' | 'bad-signature' | 'expired' | 'forbidden-key';

export class DownloadTokenError extends Error {
  override readonly name = 'DownloadTokenError';
  constructor(
    readonly code: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenClaims {
  /** The archive object the token opens. */
  key: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /** The id of the link's record (links made before recipient binding have none). */
  linkId?: string;
  /** recipientHash() of the link's recipients; absent for links meant for readers by role. */
  recipientHash?: string;
}

const LINK_ID_SHAPE = /^[A-Za-z0-9_-]{8,64}$/;
const HASH_SHAPE = /^[A-Za-z0-9_-]{22}$/;

/** The recipient binding of a link: HMAC-SHA256 of the lower-cased, sorted addresses, 128 bits, base64url. */
export function recipientHash(secret: string | Uint8Array, addresses: readonly string[]): string {
  const canonical = [...new Set(addresses.map((a) => a.trim().toLowerCase()))].sort().join('\n');
  return createHmac('sha256', keyBytes(secret))
    .update(`pulse-recipient.v1.${canonical}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function keyBytes(secret: string | Uint8Array): Buffer {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (b.byteLength < MIN_KEY_BYTES)
    throw new RangeError(`the link signing key must be at least ${MIN_KEY_BYTES} bytes`);
  return b;
}

function mac(secret: string | Uint8Array, purpose: TokenPurpose, payloadPart: string): Buffer {
  return createHmac('sha256', keyBytes(secret)).update(`pulse-${purpose}.v1.${payloadPart}`).digest();
}

const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{43})$/;

/** True when the text has a token's shape (checked before any key is fetched). */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Only archive objects can be linked. */
export function isLinkableKey(key: string): boolean {
  return (
    key.startsWith(ARCHIVE_ROOT) &&
    !key.split('/').some((part) => part === '..' || part === '.') &&
    !/[\u0000-\u001f]/.test(key)
  );
}

export function signDownloadToken(secret: string | Uint8Array, claims: TokenClaims): string {
  if (!isLinkableKey(claims.key)) throw new RangeError(`"${claims.key}" is not an archive object key`);
  if (!Number.isInteger(claims.expiresAt)) throw new RangeError('expiresAt must be whole seconds since the epoch');
  if (claims.linkId !== undefined && !LINK_ID_SHAPE.test(claims.linkId))
    throw new RangeError(`"${claims.linkId}" is not a link id`);
  if (claims.recipientHash !== undefined && !HASH_SHAPE.test(claims.recipientHash))
    throw new RangeError('recipientHash must come from recipientHash()');
  const doc = {
    k: claims.key,
    e: claims.expiresAt,
    ...(claims.linkId ? { i: claims.linkId } : {}),
    ...(claims.recipientHash ? { r: claims.recipientHash } : {}),
  };
  return signToken(secret, 'download', doc);
}

/** Signs a claims document (it must carry `e`, the expiry in whole seconds since the epoch) for one purpose. */
export function signToken(
  secret: string | Uint8Array,
  purpose: TokenPurpose,
  doc: { e: number } & Record<string, unknown>,
): string {
  if (!Number.isInteger(doc.e)) throw new RangeError('the expiry must be whole seconds since the epoch');
  const payload = Buffer.from(JSON.stringify(doc), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, purpose, payload).toString('base64url')}`;
}

/**
 * Checks a token's shape and signature for one purpose (with any of the keys: the current one
 * and, during a rotation, the previous ones) and returns its claims with their integer expiry `e`,
 * not yet compared with the clock (see checkExpiry). Throws DownloadTokenError (malformed,
 * bad-signature).
 */
export function verifyToken(
  secrets: string | Uint8Array | readonly (string | Uint8Array)[],
  purpose: TokenPurpose,
  token: string,
): { e: number } & Record<string, unknown> {
  const keys = Array.isArray(secrets) ? (secrets as (string | Uint8Array)[]) : [secrets as string | Uint8Array];
  const m = TOKEN_SHAPE.exec(token);
  if (!m) throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  const [, payloadPart, sigPart] = m as unknown as [string, string, string];
  const sig = Buffer.from(sigPart, 'base64url');
  const valid = keys.some((k) => {
    const expected = mac(k, purpose, payloadPart);
    return expected.byteLength === sig.byteLength && timingSafeEqual(expected, sig);
  });
  if (!valid)
    throw new DownloadTokenError(
      'bad-signature',
      'The link has been altered or was not issued by this Pulse installation.',
    );
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  }
  const e = (claims as { e?: unknown } | null)?.e;
  if (
    typeof claims !== 'object' ||
    claims === null ||
    Array.isArray(claims) ||
    typeof e !== 'number' ||
    !Number.isInteger(e)
  ) {
    throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  }
  return claims as { e: number } & Record<string, unknown>;
}

/** Throws DownloadTokenError('expired') when `now` is at or after the expiry `e` (seconds since the epoch). */
export function checkExpiry(e: number, now: Date): void {
  if (Math.floor(now.getTime() / 1000) >= e)
    throw new DownloadTokenError('expired', `The link expired on ${new Date(e * 1000).toISOString().slice(0, 10)}.`);
}

/** Expiry (seconds since the epoch) of a link made at `now` for `days` days. */
export function linkExpiry(days: number, now: Date = new Date()): number {
  if (!(days > 0)) throw new RangeError(`link expiry must be a positive number of days (got ${days})`);
  return Math.floor(now.getTime() / 1000) + Math.round(days * SECONDS_PER_DAY);
}

/** A token for `key` that expires `days` days after `now` (optionally naming its link record and recipients). */
export function tokenFor(
  secret: string | Uint8Array,
  key: string,
  days: number,
  now: Date = new Date(),
  link: { linkId?: string; recipientHash?: string } = {},
): string {
  return signDownloadToken(secret, { key, expiresAt: linkExpiry(days, now), ...link });
}

/**
 * Checks the signature first (with any of the keys: the current one and, during a rotation, the
 * previous ones), then the expiry. Throws a DownloadTokenError saying which check failed.
 */
export function verifyDownloadToken(
  secrets: string | Uint8Array | readonly (string | Uint8Array)[],
  token: string,
  now: Date = new Date(),
): TokenClaims {
  const claims = verifyToken(secrets, 'download', token) as { k?: unknown; e: number; i?: unknown; r?: unknown };
  if (typeof claims.k !== 'string') throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  if (
    (claims.i !== undefined && (typeof claims.i !== 'string' || !LINK_ID_SHAPE.test(claims.i))) ||
    (claims.r !== undefined && (typeof claims.r !== 'string' || !HASH_SHAPE.test(claims.r)))
  ) {
    throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  }
  if (!isLinkableKey(claims.k))
    throw new DownloadTokenError('forbidden-key', 'The link does not point into the archive.');
  checkExpiry(claims.e, now);
  return {
    key: claims.k,
    expiresAt: claims.e,
    ...(claims.i ? { linkId: claims.i as string } : {}),
    ...(claims.r ? { recipientHash: claims.r as string } : {}),
  };
}
