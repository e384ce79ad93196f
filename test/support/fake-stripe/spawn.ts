// Starts child.ts (the fake Stripe API over a SyntheticStripeStore) in a child process and waits
// until it listens: what a benchmark uses to keep the fake's CPU and memory out of its figures.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { FakeStripeChildReady, FakeStripeChildStats } from './child';
import type { FakeStripeFault } from './server';

export type { FakeStripeChildReady, FakeStripeChildStats };

export interface SpawnFakeStripeOptions {
  customers: number;
  invoiceLinesTotal: number;
  seed?: number;
  /** History end and event-retention "now" (epoch seconds). */
  now?: number;
  rateLimitPerSecond?: number;
  latencyMs?: number;
  /** Valid API keys (default ['sk_test_pulse']). */
  keys?: string[];
  faults?: FakeStripeFault[];
  /** How long the child may take to build its store and listen (default 120 s). */
  startTimeoutMs?: number;
}

export interface FakeStripeChild extends FakeStripeChildReady {
  /** The fake's own tally (requests by status and route), CPU time and memory, read over IPC. */
  stats(): Promise<FakeStripeChildStats>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../../..');
const CHILD = resolve(import.meta.dirname, 'child.ts');

export async function spawnFakeStripe(o: SpawnFakeStripeOptions): Promise<FakeStripeChild> {
  const args = ['--import', 'tsx', CHILD, '--customers', String(o.customers), '--lines', String(o.invoiceLinesTotal)];
  if (o.seed !== undefined) args.push('--seed', String(o.seed));
  if (o.now !== undefined) args.push('--now', String(o.now));
  if (o.rateLimitPerSecond !== undefined) args.push('--rate-limit', String(o.rateLimitPerSecond));
  if (o.latencyMs !== undefined) args.push('--latency-ms', String(o.latencyMs));
  for (const k of o.keys ?? []) args.push('--key', k);
  if (o.faults) args.push('--faults', JSON.stringify(o.faults));
  // cwd = the project, where `--import tsx` resolves.
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));

  const ready = await new Promise<FakeStripeChildReady>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      rej(new Error(`fake-stripe child did not start within ${o.startTimeoutMs ?? 120_000} ms`));
    }, o.startTimeoutMs ?? 120_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => {
      clearTimeout(timer);
      try {
        res(JSON.parse(l) as FakeStripeChildReady);
      } catch (e) {
        rej(new Error(`fake-stripe child printed ${l}: ${(e as Error).message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`fake-stripe child exited with ${code} before listening`));
    });
  });

  let nextId = 0;
  return {
    ...ready,
    stats: () =>
      new Promise<FakeStripeChildStats>((res, rej) => {
        const id = ++nextId;
        const onMessage = (m: { type?: string; id?: number; stats?: FakeStripeChildStats }) => {
          if (m?.type === 'stats' && m.id === id) {
            child.off('message', onMessage);
            res(m.stats!);
          }
        };
        child.on('message', onMessage);
        child.send({ type: 'stats', id }, (err) => err && rej(err));
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
