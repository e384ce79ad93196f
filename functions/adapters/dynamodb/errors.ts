// Typed errors of the DynamoDB Store adapter: a stable `code`, a message that says what happened
// in the operator's terms, and the SDK error as `cause`.

export type DynamoDbStoreErrorCode =
  /** Some items of a putRecords call were not written (throttling or unprocessed items persisted). */
  | 'WRITE_INCOMPLETE'
  /** A read (scan, query, get) failed. */
  | 'READ_FAILED'
  /** A single-item write (a snapshot) failed. */
  | 'PUT_FAILED'
  /** The caller passed something the table cannot hold (a bad week label, an oversized snapshot). */
  | 'INVALID_ARGUMENT';

export class DynamoDbStoreError extends Error {
  override readonly name = 'DynamoDbStoreError';
  readonly code: DynamoDbStoreErrorCode;
  /** For WRITE_INCOMPLETE: how many records were not written, of how many. */
  readonly notWritten?: number;
  readonly total?: number;

  constructor(
    code: DynamoDbStoreErrorCode,
    message: string,
    opts: { cause?: unknown; notWritten?: number; total?: number } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    if (opts.notWritten !== undefined) this.notWritten = opts.notWritten;
    if (opts.total !== undefined) this.total = opts.total;
  }
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Throttling and transient server errors: worth another attempt after a backoff. */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT' || e.code === 'EPIPE';
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
