// `pulse sources export stripe --out DIR` then `pulse kpis --data DIR`, as a user runs them, against
// a loopback fake of Stripe holding one customer per revenue rule; and a refused key as a user sees it.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import { MemoryStripeStore } from '../support/fake-stripe/store';
import { configDoc } from '../support/config-doc';
import { runPulse as pulse } from '../support/pulse-cli';
import { revenueRulesScenario, SCENARIO_KPIS, TZ } from '../support/stripe-scenarios';

describe('pulse sources export stripe', () => {
  let fake: FakeStripe;
  const work = mkdtempSync(join(tmpdir(), 'pulse-stripe-cli-'));
  const config = join(work, 'pulse.config.json');

  beforeAll(async () => {
    fake = await startFakeStripe(new MemoryStripeStore(revenueRulesScenario().data));
    const doc = configDoc({
      company: { name: 'T', timezone: TZ, currency: 'USD' },
      sources: [{ name: 'stripe', connector: 'stripe', stripe: { apiBase: fake.url, requestsPerSecond: 100 } }],
    });
    writeFileSync(config, JSON.stringify(doc));
  });
  afterAll(() => fake.close());

  it('writes the contract files the source yields, and pulse kpis reads the bridge and retention the rules imply', async () => {
    const out = join(work, 'export');
    const r = await pulse(['sources', 'export', 'stripe', '--out', out, '-c', config], work, {
      STRIPE_API_KEY: 'sk_test_pulse',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing written to the store/);
    expect(readdirSync(out).sort()).toEqual(['accounts.csv', 'subscriptions.csv']);

    const k = await pulse(['kpis', '--data', out, '--as-of', SCENARIO_KPIS.asOf, '--json', '-c', config], work);
    expect(k.code).toBe(0);
    const doc = JSON.parse(k.stdout) as { arrBridge: Record<string, number>; retention: Record<string, number> };
    expect(doc.arrBridge).toMatchObject(SCENARIO_KPIS.arrBridge);
    expect(doc.retention.nrr).toBeCloseTo(SCENARIO_KPIS.retention.nrr, 4);
    expect(doc.retention.grr).toBeCloseTo(SCENARIO_KPIS.retention.grr, 4);
  }, 180_000);

  it('a refused key is one clear line and exit 1, with no file left behind', async () => {
    const out = join(work, 'refused');
    const r = await pulse(['sources', 'export', 'stripe', '--out', out, '-c', config], work, {
      STRIPE_API_KEY: 'sk_test_nope',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^pulse: Stripe at http:\/\/127\.0\.0\.1:\d+ refused the API key from the environment variable STRIPE_API_KEY \(401, invalid key/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    let files: string[] = [];
    try {
      files = readdirSync(out);
    } catch {
      files = [];
    }
    expect(files.filter((f) => f.endsWith('.csv'))).toEqual([]);
  }, 180_000);
});
