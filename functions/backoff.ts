// The one backoff of Pulse: every adapter that retries by itself (the DynamoDB store and alert
// state, the SES mailer, the HTTP and Stripe connectors) waits "full jitter" between attempts, so a
// throttled table or account is not hammered in lockstep (docs/reliability.md, "Retry budgets").
// The SDK clients under those adapters are configured not to retry (maxAttempts: 1), so there is
// one retry loop per call, not one inside another.

export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any single delay, in ms. */
  maxMs: number;
  random: () => number;
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): a uniformly random delay
 * in [0, min(maxMs, baseMs * 2^retry)). `retry` counts from 0 for the first retry.
 */
export function fullJitterDelay(retry: number, opts: BackoffOptions): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(opts.random() * cap);
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
