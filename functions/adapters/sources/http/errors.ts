// Typed errors of the HTTP JSON connector: a stable code and a message that says what to fix.

export type HttpSourceErrorCode =
  /** 401/403: the API refused the credentials. */
  | 'AUTH_FAILED'
  /** No credentials found for the source's secret. */
  | 'NO_CREDENTIALS'
  /** Another 4xx: the request is wrong (path, query, permissions); not retried. */
  | 'HTTP_ERROR'
  /** 429/5xx/timeouts/connection errors on every attempt. */
  | 'RETRIES_EXHAUSTED'
  /** The server asked to wait (Retry-After) longer than maxRetryAfterMs. */
  | 'RETRY_AFTER_TOO_LONG'
  /** The body is not JSON. */
  | 'BAD_JSON'
  /** JSON, but not the shape the source config describes (no items array ...). */
  | 'BAD_RESPONSE'
  /** A next link points to another origin (credentials are never sent elsewhere). */
  | 'FOREIGN_NEXT_LINK'
  /** More pages than maxPages: a paginator that never ends. */
  | 'TOO_MANY_PAGES';

export class HttpSourceError extends Error {
  override readonly name = 'HttpSourceError';
  constructor(
    readonly code: HttpSourceErrorCode,
    message: string,
    opts: { cause?: unknown; status?: number; body?: string } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.body !== undefined) this.body = opts.body.slice(0, 4_096);
  }
  readonly status?: number;
  /** The start of the answer's body, for connectors that read an API's own error code from it. */
  readonly body?: string;
}
