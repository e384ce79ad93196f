// Every Stripe request of the connector goes through here: paced under the configured request
// rate, retried page by page (the official client does not retry a plain 429: Stripe's rate-limit
// answer carries no Stripe-Should-Retry header), and its failures turned into one clear error.
// A list is read with `starting_after` page after page and never restarted from the top.
import Stripe from 'stripe';
import { fullJitterDelay, realSleep } from '../../../backoff';
import { SourceError } from '../../../ports/source-error';
import { parseRetryAfter } from '../http/client';

export interface RequestPolicy {
  /** At most this many requests start per second (Stripe allows 100 reads/s live, 25 in test mode). */
  requestsPerSecond: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** A page of a Stripe list, as the client returns it. */
export interface ListPage<T> {
  data: T[];
  has_more: boolean;
}

export class StripeRequester {
  private nextStart = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  /** Requests sent, retries included (for the run's counts and the benchmark). */
  requests = 0;
  retries = 0;

  constructor(
    private readonly policy: RequestPolicy,
    /** `Stripe at https://api.stripe.com`, for messages. */
    private readonly where: string,
    /** Where the key came from, for the message when Stripe refuses it. */
    private readonly keySource: string,
  ) {
    this.sleep = policy.sleep ?? realSleep;
    this.random = policy.random ?? Math.random;
    this.now = policy.now ?? Date.now;
  }

  /** One request, paced and retried. `what` names it in errors (`GET /v1/invoices`). */
  async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      await this.pace();
      this.requests++;
      try {
        return await request();
      } catch (err) {
        const verdict = this.classify(err, what);
        if (verdict.fatal) throw verdict.fatal;
        lastProblem = verdict.problem;
        if (attempt === this.policy.maxAttempts) break;
        this.retries++;
        const backoff = fullJitterDelay(attempt - 1, {
          baseMs: this.policy.baseDelayMs,
          maxMs: this.policy.maxDelayMs,
          random: this.random,
        });
        if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > this.policy.maxRetryAfterMs) {
          throw new SourceError(
            'RETRY_AFTER_TOO_LONG',
            `${this.where} ${what}: asked to wait ${Math.ceil(verdict.retryAfterMs / 1000)} s (Retry-After), longer than maxRetryAfterMs ${this.policy.maxRetryAfterMs} ms`,
            { cause: err },
          );
        }
        await this.sleep(Math.max(backoff, verdict.retryAfterMs ?? 0));
      }
    }
    throw new SourceError(
      'RETRIES_EXHAUSTED',
      `${this.where} ${what}: ${lastProblem} on all ${this.policy.maxAttempts} attempts`,
    );
  }

  /** Every item of a list, page by page (`limit=100`, `starting_after=<last id>` until `has_more` is false). */
  async *pages<T extends { id: string }>(
    what: string,
    page: (startingAfter: string | undefined) => Promise<ListPage<T>>,
    startingAfter?: string,
  ): AsyncGenerator<T[]> {
    let after = startingAfter;
    for (;;) {
      const res = await this.call(`${what}${after ? ` after ${after}` : ''}`, () => page(after));
      if (res.data.length) yield res.data;
      if (!res.has_more || res.data.length === 0) return;
      after = res.data[res.data.length - 1]!.id;
    }
  }

  /** The whole list in memory (small lists: prices, a customer's invoices). */
  async all<T extends { id: string }>(
    what: string,
    page: (startingAfter: string | undefined) => Promise<ListPage<T>>,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const data of this.pages(what, page)) out.push(...data);
    return out;
  }

  /** Waits until a gap of 1/rate has passed since the previous request actually started (a late timer never causes a burst). */
  private async pace(): Promise<void> {
    const gap = 1000 / this.policy.requestsPerSecond;
    const wait = this.nextStart - this.now();
    if (wait > 0) await this.sleep(wait);
    this.nextStart = this.now() + gap;
  }

  private classify(err: unknown, what: string): { fatal?: SourceError; problem: string; retryAfterMs?: number } {
    if (!(err instanceof Stripe.errors.StripeError)) throw err;
    const status = err.statusCode;
    const said = err.message ? `: ${err.message}` : '';
    if (err instanceof Stripe.errors.StripeConnectionError || status === undefined)
      return { problem: `no answer (${err.message})` };
    if (status === 401) {
      const expired = err.code === 'api_key_expired';
      return {
        problem: '',
        fatal: new SourceError(
          'AUTH_FAILED',
          `${this.where} refused the API key from ${this.keySource} (401, ${expired ? 'expired or revoked key' : 'invalid key'}${said}). Put a valid secret or restricted key there.`,
          { cause: err },
        ),
      };
    }
    if (status === 403) {
      return {
        problem: '',
        fatal: new SourceError(
          'PERMISSION_DENIED',
          `${this.where} ${what}: the key from ${this.keySource} may not read this (403${said}); a restricted key needs read access to customers, prices, subscriptions, invoices and events`,
          { cause: err },
        ),
      };
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(err.headers?.['retry-after'] ?? null, this.now());
      return { problem: `${status}${said}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return {
      problem: '',
      fatal: new SourceError('HTTP_ERROR', `${this.where} ${what}: ${status}${said}`, { cause: err }),
    };
  }
}
