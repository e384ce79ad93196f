// What the settings block of every API connector (http-json, Stripe, Salesforce, Zendesk, HubSpot)
// holds alike: where a key arrives locally (an environment variable), and the per-request timeout
// and retries the HTTP client follows (adapters/sources/http/client.ts retrySettings()). Each
// vendor keeps its own defaults.
import { z } from 'zod';

/** The name of an environment variable holding a key, a token or an e-mail address (locally). */
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });

export interface RetryDefaults {
  maxAttempts: number;
  /** Default 30 s. */
  timeoutMs?: number;
  /** The longest timeout allowed: default 5 minutes. */
  maxTimeoutMs?: number;
  /** Default 500 ms. */
  baseDelayMs?: number;
  /** Default 30 s. */
  maxDelayMs?: number;
}

/** The timeout and retry fields, spread into a connector's settings object. */
export function retrySettingsShape(d: RetryDefaults) {
  return {
    /** Per request. */
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(d.maxTimeoutMs ?? 300_000)
      .default(d.timeoutMs ?? 30_000),
    /** Attempts per request, the first included: 429, 5xx, timeouts and connection errors are retried. */
    maxAttempts: z.number().int().min(1).max(20).default(d.maxAttempts),
    /** Full-jitter backoff: min(maxDelayMs, baseDelayMs * 2^retry). */
    baseDelayMs: z
      .number()
      .int()
      .min(0)
      .default(d.baseDelayMs ?? 500),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .default(d.maxDelayMs ?? 30_000),
    /** A Retry-After (or a daily limit's wait) longer than this fails the run instead of sleeping through it. */
    maxRetryAfterMs: z.number().int().min(0).default(120_000),
  };
}
