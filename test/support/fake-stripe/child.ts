// Runs the fake Stripe API over a SyntheticStripeStore in its own process, so a benchmark measures
// the connector apart from the fake (the fake's CPU and memory are not the connector's).
//
//   node --import tsx test/support/fake-stripe/child.ts --customers 20000 --lines 1000000 [--seed 1]
//        [--now <epoch s>] [--rate-limit <req/s>] [--latency-ms <ms>] [--key sk_test_x]... [--faults '<json>']
//
// Prints one JSON line on stdout once it listens: { url, host, port, protocol, pid, buildMs,
// expected } (expected = SyntheticStripeStore.expected()). Stops on SIGTERM/SIGINT or when the
// parent's IPC channel closes. With an IPC channel (spawn.ts), answers { type: 'stats' } with the
// fake's own request tally, CPU time and memory.
import { startFakeStripe, type FakeStripeFault, type FakeStripeOptions } from './server';
import { SyntheticStripeStore } from './synthetic';

export interface FakeStripeChildStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests per first two path segments after /v1 (e.g. "/v1/invoices", "/v1/invoices/:id/lines"). */
  byRoute: Record<string, number>;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  maxRssBytes: number;
  heapUsedBytes: number;
}

export interface FakeStripeChildReady {
  url: string;
  host: string;
  port: number;
  protocol: 'http';
  pid: number;
  buildMs: number;
  expected: ReturnType<SyntheticStripeStore['expected']>;
}

function parseArgs(argv: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`fake-stripe child: unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const [name, value] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[++i]];
    if (value === undefined) throw new Error(`fake-stripe child: --${name} needs a value`);
    (out[name] ??= []).push(value);
  }
  return out;
}

function routeOf(path: string): string {
  const seg = path.split('/').filter(Boolean);
  if (seg.length <= 2) return `/${seg.join('/')}`;
  return `/${seg[0]}/${seg[1]}/:id${seg.length > 3 ? `/${seg.slice(3).join('/')}` : ''}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const num = (name: string, dflt?: number): number | undefined => {
    const v = args[name]?.at(-1);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`fake-stripe child: --${name} is not a number: ${v}`);
    return n;
  };
  const t0 = performance.now();
  const store = new SyntheticStripeStore({
    customers: num('customers', 20_000)!,
    invoiceLinesTotal: num('lines', 1_000_000)!,
    seed: num('seed', 1)!,
    ...(num('now') !== undefined ? { now: num('now')! } : {}),
  });
  const buildMs = Math.round(performance.now() - t0);

  const stats = { requests: 0, byStatus: {} as Record<string, number>, byRoute: {} as Record<string, number> };
  const opts: FakeStripeOptions = {
    recordRequests: false,
    onRequest: (r) => {
      stats.requests++;
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
      const route = routeOf(r.path);
      stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    },
  };
  if (num('rate-limit') !== undefined) opts.rateLimitPerSecond = num('rate-limit');
  if (num('latency-ms') !== undefined) opts.latencyMs = num('latency-ms');
  if (args.key) opts.keys = { valid: args.key };
  if (args.faults) opts.faults = JSON.parse(args.faults.at(-1)!) as FakeStripeFault[];

  const fake = await startFakeStripe(store, opts);
  const stop = () => {
    void fake.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.send) {
    process.on('disconnect', stop);
    process.on('message', (m: { type?: string; id?: number }) => {
      if (m?.type !== 'stats') return;
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const out: FakeStripeChildStats = {
        ...structuredClone(stats),
        cpuUserMs: Math.round(cpu.user / 1000),
        cpuSystemMs: Math.round(cpu.system / 1000),
        rssBytes: mem.rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        heapUsedBytes: mem.heapUsed,
      };
      process.send!({ type: 'stats', id: m.id, stats: out });
    });
  }
  const ready: FakeStripeChildReady = {
    url: fake.url,
    host: fake.host,
    port: fake.port,
    protocol: fake.protocol,
    pid: process.pid,
    buildMs,
    expected: store.expected(),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-stripe child: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
