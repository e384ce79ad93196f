// The Stripe connector into the real store: DynamoDB Local (the embedded stack) holds the lines,
// the sync state and the run ledger. A first sync loads every line; a change of history (a voided
// invoice replaced, a late proration) is picked up by the daily sync from Stripe's events, and the
// lines it no longer produces are deleted from the table.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore, pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { DynamoDbSyncState } from '../../functions/adapters/dynamodb/sync-state';
import { StoredAccountDirectory } from '../../functions/adapters/sources/account-directory';
import { connectSource } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { ingestSource } from '../../functions/app/ingest-source';
import { parseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { StripeSourceDefinition } from '../../functions/domain/sources/registry';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { invoice, line } from '../support/fake-stripe/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import { MemoryStripeStore } from '../support/fake-stripe/store';
import { configDoc } from '../support/config-doc';
import { at, changeEvent, revenueRulesScenario, TZ } from '../support/stripe-scenarios';

let stack: LocalStack;
let ddb: DynamoDBClient;
let fake: FakeStripe;
const scenario = revenueRulesScenario();
const stripe = new MemoryStripeStore(scenario.data);

beforeAll(async () => {
  [stack, fake] = await Promise.all([startLocalStack({ persist: false }), startFakeStripe(stripe)]);
  ddb = new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 120_000);

afterAll(async () => {
  ddb?.destroy();
  await fake?.close();
  await stack?.stop();
});

describe('Stripe into DynamoDB', () => {
  it('a daily sync deletes the lines a change of history no longer gives, and nothing else moves', async () => {
    const tableName = 'pulse-stripe';
    await ddb.send(new CreateTableCommand(pulseTableDefinition(tableName)));
    const config = parseConfig(
      configDoc({
        company: { name: 'T', timezone: TZ },
        sources: [{ name: 'stripe', connector: 'stripe', stripe: { apiBase: fake.url, requestsPerSecond: 100 } }],
      }),
    );
    const def = config.sources[0] as StripeSourceDefinition;
    const store = new DynamoDbStore({ client: ddb, tableName });
    const ledger = new DynamoDbRunLedger({ client: ddb, tableName });
    const syncState = new DynamoDbSyncState({ client: ddb, tableName });
    let now = Date.parse('2026-12-01T12:00:00Z');
    const sync = () =>
      ingestSource(
        connectSource(def, {
          s3: undefined as never,
          dropzoneBucket: '',
          secrets: new EnvSecrets({}),
          timeZone: TZ,
          env: { STRIPE_API_KEY: 'sk_test_pulse' },
          syncState,
          stripe: { now: () => now },
        }),
        { store, validator: new RowValidator({ currency: 'USD', weekStartsOn: 1 }), ledger },
        { sourceName: 'stripe', entities: def.entities, timeZone: TZ, weekStartsOn: 1, trigger: 'test' },
      );

    const first = await sync();
    expect(first.status).toBe('succeeded');
    const lineIds = async () => (await store.loadDataset()).subscriptions.map((l) => l.lineId).sort();
    const expected = Object.values(scenario.expected)
      .flat()
      .map((l) => l.line_id)
      .sort();
    expect(await lineIds()).toEqual(expected);

    // The next day: N's voided August invoice is paid after all (the two N lines become one), and
    // R's late proration is credited back (R's July line returns to the plan price).
    now += 86_400_000;
    const t = Math.floor(now / 1000) - 7_200;
    const nPrice = stripe.data.prices.find((p) => p.id === 'price_n')!;
    const paidAugust = invoice({
      id: 'in_n_aug_paid',
      customer: 'cus_n',
      created: at('2026-08-01'),
      lines: [
        line({
          price: nPrice,
          subscription_item: 'si_n',
          subscription: 'sub_n',
          start: at('2026-08-01'),
          end: at('2026-09-01'),
        }),
      ],
    });
    stripe.data.invoices.push(paidAugust);
    const rAugust = stripe.data.invoices.find((i) => i.id === 'in_r_2026-08-01')!;
    rAugust.lines.data = rAugust.lines.data.filter((l) => !l.parent?.invoice_item_details?.proration);
    stripe.data.events.push(changeEvent('invoice.paid', paidAugust, t), changeEvent('invoice.updated', rAugust, t));

    const second = await sync();
    expect(second.status).toBe('succeeded');
    const now2 = await lineIds();
    expect(now2).not.toContain('si_n@2026-09-01');
    expect(now2).not.toContain('si_r@2026-07-16');
    expect(now2.filter((id) => !id.startsWith('si_n@') && !id.startsWith('si_r@'))).toEqual(
      expected.filter((id) => !id.startsWith('si_n@') && !id.startsWith('si_r@')),
    );
    const r = (await store.loadDataset()).subscriptions
      .filter((l) => l.accountId === 'cus_r')
      .sort((a, b) => a.startDate.localeCompare(b.startDate));
    expect(r.map((l) => [l.lineId, l.startDate, l.endDate ?? ''])).toEqual([
      ['si_r@2026-05-01', '2026-05-01', '2026-08-01'],
      ['si_r@2026-08-01', '2026-08-01', ''],
    ]);
    const runs = await ledger.list({ kind: 'ingest' });
    expect(runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]!.counts.deleted).toBe(2);

    // Billing's e-mail domains, listed back from DynamoDB: one side record per customer.
    const directory = new StoredAccountDirectory({ syncState, billingSources: ['stripe'] });
    await directory.load();
    expect(directory.accounts()).toEqual(
      [...new Set((await store.loadDataset()).accounts.map((a) => a.accountId))].sort(),
    );
    // Every customer of the scenario bills to an address at example.com: shared, so ambiguous.
    expect(directory.byDomain('example.com')).toBeUndefined();
  }, 120_000);
});
