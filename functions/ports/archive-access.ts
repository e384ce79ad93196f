// The ports of archive sign-in: link records, the audit trail, one-time code challenges, rate
// limits (DynamoDB in AWS and locally), and the OpenID Connect relying party.
import type { AuditEntry, LinkRecord } from '../domain/archive/access';

export interface LinkStore {
  /** Records a link when it is made. */
  put(link: LinkRecord): Promise<void>;
  get(linkId: string): Promise<LinkRecord | undefined>;
  /** Every link, or the links of one recipient (lower-cased address), newest first. */
  list(opts?: { recipient?: string }): Promise<LinkRecord[]>;
  /** Marks the link revoked (idempotent: an earlier revocation is kept); undefined when there is no such link. */
  revoke(linkId: string, at: string, by: string): Promise<LinkRecord | undefined>;
}

export interface AuditLog {
  /** Appends one attempt; never updates or deletes. */
  append(entry: AuditEntry): Promise<void>;
  /** Every attempt at or after `since` (ISO time), oldest first. */
  list(since: string): Promise<AuditEntry[]>;
}

/** A one-time code sent to an address for one link. */
export interface CodeChallenge {
  challengeId: string;
  linkId: string;
  email: string;
  /** codeDigest() of the code; the code itself is never stored. */
  digest: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface CodeStore {
  put(challenge: CodeChallenge): Promise<void>;
  get(challengeId: string): Promise<(CodeChallenge & { tries: number }) | undefined>;
  /** Counts one try atomically; returns the tries so far, including this one. */
  countTry(challengeId: string): Promise<number>;
  /** Consumes the challenge: true for the one caller that deleted it (a code works once). */
  consume(challengeId: string): Promise<boolean>;
}

export interface RateLimiter {
  /** Counts one hit in the current window of `bucket`; false when the limit is already reached. */
  hit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<boolean>;
}

/** What the identity provider said about the person, after the ID token was checked. */
export interface OidcIdentity {
  email: string;
  emailVerified: boolean;
  groups: string[];
}

export type OidcErrorCode =
  /** The callback's state does not match the sign-in under way. */
  | 'STATE_MISMATCH'
  /** The provider answered with an error, or refused the code (replayed, expired, wrong verifier). */
  | 'CODE_REJECTED'
  /** The ID token failed a check: signature, issuer, audience, nonce, expiry. */
  | 'ID_TOKEN_REJECTED'
  /** The ID token has no email claim. */
  | 'NO_EMAIL'
  /** Discovery or the token endpoint could not be reached. */
  | 'PROVIDER_UNAVAILABLE';

export class OidcError extends Error {
  override readonly name = 'OidcError';
  constructor(
    readonly code: OidcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OidcRelyingParty {
  /** A new sign-in: where to send the browser, and the secrets to keep until the callback. */
  start(redirectUri: string): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }>;
  /** Redeems the callback (code + PKCE verifier), checks state, nonce and the ID token; throws OidcError. */
  finish(callbackUrl: URL, expected: { state: string; nonce: string; codeVerifier: string }): Promise<OidcIdentity>;
}
