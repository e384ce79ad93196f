// The alert e-mails' snooze and acknowledge tokens: good, expired, tampered, another key, the
// wrong purpose (a download token, and an action token offered to the download verifier).
import { describe, expect, it } from 'vitest';
import {
  actionTokenFor,
  actionTokenFromPath,
  actionUrl,
  ACTION_LINK_DAYS,
  verifyActionToken,
} from '../../../functions/domain/alerts/action-token';
import {
  DownloadTokenError,
  tokenFor,
  verifyDownloadToken,
  type TokenFailure,
} from '../../../functions/domain/archive/token';

const KEY = 'k'.repeat(32);
const OTHER = 'o'.repeat(32);
const now = new Date('2026-11-23T08:00:00Z');
const claims = {
  alertId: 'red-health-renewal:ACC-1:REN-1',
  episode: 2,
  action: 'snooze' as const,
  days: 7,
  recipient: 'Owner@Northwind.example',
  nonce: 'n'.repeat(22),
};

function failure(fn: () => unknown): TokenFailure | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DownloadTokenError) return e.code;
    throw e;
  }
  return undefined;
}

describe('alert action tokens', () => {
  const token = actionTokenFor(KEY, claims, now);

  it('verifies a good token and gives back what it is for, the recipient lower-cased', () => {
    expect(verifyActionToken(KEY, token, now)).toEqual({
      ...claims,
      recipient: 'owner@northwind.example',
      expiresAt: now.getTime() / 1000 + ACTION_LINK_DAYS * 86_400,
    });
  });

  it('refuses it at and after its expiry', () => {
    const at = new Date(now.getTime() + ACTION_LINK_DAYS * 86_400_000);
    expect(failure(() => verifyActionToken(KEY, token, at))).toBe('expired');
    expect(failure(() => verifyActionToken(KEY, token, new Date(at.getTime() - 1000)))).toBeUndefined();
  });

  it('refuses a tampered payload or signature, and a token signed with another key', () => {
    const [payload, sig] = token.split('.') as [string, string];
    const doc = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...doc, d: 30 })).toString('base64url');
    expect(failure(() => verifyActionToken(KEY, `${forged}.${sig}`, now))).toBe('bad-signature');
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    expect(failure(() => verifyActionToken(KEY, `${payload}.${flipped}`, now))).toBe('bad-signature');
    expect(failure(() => verifyActionToken(OTHER, token, now))).toBe('bad-signature');
    expect(failure(() => verifyActionToken(KEY, 'not a token', now))).toBe('malformed');
  });

  it('accepts a previous key during a rotation', () => {
    expect(verifyActionToken([OTHER, KEY], token, now).alertId).toBe(claims.alertId);
  });

  it('has a single purpose: a download token is not an action token, and the other way round', () => {
    const download = tokenFor(KEY, 'archive/weekly/2026/2026-W47/report.html', 30, now);
    expect(failure(() => verifyActionToken(KEY, download, now))).toBe('bad-signature');
    expect(failure(() => verifyDownloadToken(KEY, token, now))).toBe('bad-signature');
  });

  it('puts the token in the path /a/<token> and reads it back', () => {
    const url = actionUrl('https://alerts.example/', token);
    expect(url).toBe(`https://alerts.example/a/${token}`);
    expect(actionTokenFromPath(new URL(url).pathname)).toBe(token);
    expect(actionTokenFromPath('/d/abc')).toBeUndefined();
  });

  it('refuses to sign a nonce, recipient or duration out of shape', () => {
    expect(() => actionTokenFor(KEY, { ...claims, nonce: 'short' }, now)).toThrow(/nonce/);
    expect(() => actionTokenFor(KEY, { ...claims, recipient: 'nobody' }, now)).toThrow(/e-mail/);
    expect(() => actionTokenFor(KEY, { ...claims, days: 0 }, now)).toThrow(/days/);
  });
});
