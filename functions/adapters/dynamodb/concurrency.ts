// A bounded worker pool for the adapter's parallel batches (the backoff is functions/backoff.ts).

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
