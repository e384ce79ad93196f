// Small helpers for the adapter: exponential backoff with full jitter, and a bounded worker pool.

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

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. After a worker throws, no new
 * item is started; the items already in flight finish. Returns every error and the indexes that
 * were never started.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<{ errors: unknown[]; notStarted: number[] }> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async (): Promise<void> => {
    while (errors.length === 0 && next < items.length) {
      const i = next++;
      try {
        await worker(items[i] as T, i);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  const notStarted: number[] = [];
  for (let i = next; i < items.length; i++) notStarted.push(i);
  return { errors, notStarted };
}
