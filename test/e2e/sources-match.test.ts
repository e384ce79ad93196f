// `pulse sources match` as a user runs it, on the embedded local stack: a Stripe sync first (it
// keeps billing's e-mail domains), then the match over Stripe, a CRM (an HTTP JSON API) and Zendesk,
// all loopback fakes. It lists exactly the 3 billing customers the CRM lacks and the 2 tickets of
// organizations nobody knows.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDoc } from '../support/config-doc';
import { runPulse } from '../support/pulse-cli';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import { startFakeZendesk, ZENDESK_EMAIL, ZENDESK_TOKEN, type FakeZendesk } from '../support/fake-zendesk/server';
import { MATCH_EXPECTED, MATCH_TZ, matchStripe, matchZendesk } from '../support/match-scenario';

const ENV = { STRIPE_API_KEY: 'sk_test_pulse', ZENDESK_EMAIL, ZENDESK_TOKEN };
const pulse = (args: string[], cwd: string) => runPulse(args, cwd, ENV, 170_000);

describe('pulse sources match', () => {
  let stripe: FakeStripe;
  let zendesk: FakeZendesk;
  let crm: Server;
  const work = mkdtempSync(join(tmpdir(), 'pulse-match-cli-'));
  const config = join(work, 'pulse.config.json');

  beforeAll(async () => {
    stripe = await startFakeStripe(matchStripe());
    zendesk = await startFakeZendesk(matchZendesk());
    // The CRM: an HTTP JSON API with the same three accounts as the fixture's accounts.csv.
    crm = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: [
            { account_id: 'ACME', name: 'Acme' },
            { account_id: 'GLOBEX', name: 'Globex' },
            { account_id: 'WAYNE', name: 'Wayne' },
          ],
        }),
      );
    });
    await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
    const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
    writeFileSync(
      config,
      JSON.stringify(
        configDoc({
          company: { name: 'T', timezone: MATCH_TZ, currency: 'USD' },
          sources: [
            { name: 'stripe', connector: 'stripe', stripe: { apiBase: stripe.url, requestsPerSecond: 100 } },
            {
              name: 'crm',
              connector: 'http-json',
              entities: ['accounts'],
              http: { baseUrl: crmUrl, resources: { accounts: { path: '/accounts' } } },
            },
            { name: 'zendesk', connector: 'zendesk', zendesk: { apiBase: zendesk.url, baseDelayMs: 1 } },
          ],
        }),
      ),
    );
  });
  afterAll(async () => {
    await stripe.close();
    await zendesk.close();
    await new Promise((r) => crm.close(r));
  });

  it('lists exactly the 3 billing customers missing from the CRM and the 2 tickets of unknown organizations', async () => {
    const sync = await pulse(['sources', 'sync', 'stripe', '-c', config], work);
    expect(sync.code, sync.stderr).toBe(0);
    const r = await pulse(['sources', 'match', '--json', '-c', config], work);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      billingNotInCrm: string[];
      crmNotInBilling: string[];
      sources: { source: string; unmatched: unknown[] }[];
    };
    expect(doc.billingNotInCrm).toEqual(MATCH_EXPECTED.billingNotInCrm);
    expect(doc.crmNotInBilling).toEqual(MATCH_EXPECTED.crmNotInBilling);
    expect(Object.fromEntries(doc.sources.map((s) => [s.source, s.unmatched]))).toEqual({
      stripe: [],
      crm: [],
      zendesk: MATCH_EXPECTED.unmatchedTickets,
    });
  }, 360_000);
});
