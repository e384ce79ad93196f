// The snooze and acknowledge links of the alert e-mails: a token signed with the archive links' key
// and signer (functions/domain/archive/token.ts) under its own purpose, `alert-action`, so a
// download token never works here and an action token never opens the archive.
//
//   payload = { "a": "<alert id>", "p": <episode>, "x": "snooze" | "acknowledge",
//               "d": <days>, "r": "<recipient address>", "n": "<nonce>", "e": <expiry> }
//
// `r` is who the action is recorded as (the link is in that person's e-mail only); `n` makes each
// link single use (the endpoint records it when the action is applied and refuses it afterwards);
// `p` ties the link to the alert's episode, so a link from an alert that resolved and opened again
// does not snooze the new episode.
import { checkExpiry, DownloadTokenError, linkExpiry, signToken, verifyToken } from '../archive/token';

export type AlertActionKind = 'snooze' | 'acknowledge';

/** How long an action link works: an e-mail read after a holiday still does. */
export const ACTION_LINK_DAYS = 14;

export interface ActionClaims {
  alertId: string;
  episode: number;
  action: AlertActionKind;
  /** Snooze (or acknowledge) for this many days. */
  days: number;
  /** The e-mail's recipient: who acted. */
  recipient: string;
  /** Random, 16 bytes base64url: the link's single-use id. */
  nonce: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const NONCE_SHAPE = /^[A-Za-z0-9_-]{22}$/;
const ADDRESS_SHAPE = /^[^\s@]+@[^\s@]+$/;

export function signActionToken(secret: string | Uint8Array, claims: ActionClaims): string {
  if (!NONCE_SHAPE.test(claims.nonce)) throw new RangeError('the nonce must be 16 random bytes, base64url');
  if (!ADDRESS_SHAPE.test(claims.recipient)) throw new RangeError(`"${claims.recipient}" is not an e-mail address`);
  if (!Number.isInteger(claims.days) || claims.days < 1)
    throw new RangeError(`days must be a whole number from 1 (got ${claims.days})`);
  return signToken(secret, 'alert-action', {
    a: claims.alertId,
    p: claims.episode,
    x: claims.action,
    d: claims.days,
    r: claims.recipient.trim().toLowerCase(),
    n: claims.nonce,
    e: claims.expiresAt,
  });
}

/** A token for one action on one alert, valid `ACTION_LINK_DAYS` from `now`. */
export function actionTokenFor(
  secret: string | Uint8Array,
  o: Omit<ActionClaims, 'expiresAt'>,
  now: Date = new Date(),
): string {
  return signActionToken(secret, { ...o, expiresAt: linkExpiry(ACTION_LINK_DAYS, now) });
}

/** Signature (any key of a rotation), purpose, shape, then expiry; throws DownloadTokenError saying which failed. */
export function verifyActionToken(
  secrets: string | Uint8Array | readonly (string | Uint8Array)[],
  token: string,
  now: Date = new Date(),
): ActionClaims {
  const c = verifyToken(secrets, 'alert-action', token);
  const wellFormed =
    typeof c.a === 'string' &&
    c.a.length > 0 &&
    Number.isInteger(c.p) &&
    (c.x === 'snooze' || c.x === 'acknowledge') &&
    Number.isInteger(c.d) &&
    (c.d as number) >= 1 &&
    typeof c.r === 'string' &&
    ADDRESS_SHAPE.test(c.r) &&
    typeof c.n === 'string' &&
    NONCE_SHAPE.test(c.n);
  if (!wellFormed) throw new DownloadTokenError('malformed', 'The link is incomplete or damaged.');
  checkExpiry(c.e, now);
  return {
    alertId: c.a as string,
    episode: c.p as number,
    action: c.x as AlertActionKind,
    days: c.d as number,
    recipient: c.r as string,
    nonce: c.n as string,
    expiresAt: c.e,
  };
}

/** The path of an action link under the endpoint's base URL. */
export function actionUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/a/${token}`;
}

/** The token of a request path `/a/<token>`, if it is one. */
export function actionTokenFromPath(path: string): string | undefined {
  const m = /^\/a\/([A-Za-z0-9_.-]+)\/?$/.exec(path);
  return m?.[1];
}
