// How every source connector (HTTP JSON, Stripe, Salesforce, HubSpot, Zendesk) fails: a stable code
// and a message that names the source or endpoint and says what to fix. The CLI prints the message
// as one line (bin/commands/cli-error.ts); the ingest run records it as the run's failure.

export type SourceErrorCode =
  /** No credentials: the key variable is unset and the secret is missing, empty or unreadable. */
  | 'NO_CREDENTIALS'
  /** The API or its token endpoint refused the credentials (401, or a 403 that means a bad token). */
  | 'AUTH_FAILED'
  /** The credentials are valid but may not read this (a restricted key without read access). */
  | 'PERMISSION_DENIED'
  /** The account's API quota is used up (Salesforce REQUEST_LIMIT_EXCEEDED): not retried. */
  | 'QUOTA_EXHAUSTED'
  /** A query names a field or object the account (or its integration user) does not have. */
  | 'BAD_QUERY'
  /** Another refusal (a 4xx): the request is wrong (path, query, permissions); not retried. */
  | 'HTTP_ERROR'
  /** 429/5xx/timeouts/connection errors on every attempt. */
  | 'RETRIES_EXHAUSTED'
  /** The server asked to wait (Retry-After, a daily limit) longer than maxRetryAfterMs. */
  | 'RETRY_AFTER_TOO_LONG'
  /** The body is not JSON. */
  | 'BAD_JSON'
  /** JSON, but not the shape expected (no items array, no records array ...). */
  | 'BAD_RESPONSE'
  /** A next link points elsewhere (another origin, outside the API): credentials are never sent there. */
  | 'FOREIGN_NEXT_LINK'
  /** More pages than maxPages: a paginator that never ends. */
  | 'TOO_MANY_PAGES';

export interface SourceErrorDetails {
  cause?: unknown;
  /** The HTTP status, when the API answered. */
  status?: number;
  /** The answer's body (its start is kept), for connectors that read an API's own error from it. */
  body?: string;
  /** The API's own error code (Salesforce INVALID_SESSION_ID ...), when it gave one. */
  errorCode?: string;
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly status?: number;
  readonly body?: string;
  readonly errorCode?: string;

  constructor(
    readonly code: SourceErrorCode,
    message: string,
    details: SourceErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body.slice(0, 4_096);
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
  }
}
