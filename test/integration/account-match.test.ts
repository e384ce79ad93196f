// One account identity across sources: the Stripe sync keeps billing's e-mail domains, the Zendesk
// connector matches organizations by external id and by domain against them, and the match use
// case (`pulse sources match`) lists exactly the billing customers the CRM lacks, the CRM account
// billing lacks, and the tickets of organizations nobody knows.
import { InMemorySyncState } from '../../functions/adapters/memory/sync-state';
import { afterEach, describe, expect, it } from 'vitest';
import { StoredAccountDirectory, billingSourceNames } from '../../functions/adapters/sources/account-directory';
import { connectSource, type ConnectDeps } from '../../functions/adapters/sources/connect';
import { FolderSource } from '../../functions/adapters/sources/file-reader';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { ingestSource } from '../../functions/app/ingest-source';
import { matchAccounts } from '../../functions/app/match-accounts';
import { formatMatch } from '../../bin/commands/sources';
import { parseConfig } from '../../functions/config';
import type { EntityName } from '../../functions/domain/contract/entities';
import { RowValidator } from '../../functions/domain/contract/validate';
import { configDoc } from '../support/config-doc';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import { startFakeZendesk, ZENDESK_EMAIL, ZENDESK_TOKEN, type FakeZendesk } from '../support/fake-zendesk/server';
import { MATCH_EXPECTED, MATCH_TZ, matchCrmFolder, matchStripe, matchZendesk } from '../support/match-scenario';

const validator = new RowValidator({ currency: 'USD', weekStartsOn: 1 });

let stripe: FakeStripe | undefined;
let zendesk: FakeZendesk | undefined;
afterEach(async () => {
  await stripe?.close();
  await zendesk?.close();
  stripe = zendesk = undefined;
});

async function setUp() {
  stripe = await startFakeStripe(matchStripe());
  zendesk = await startFakeZendesk(matchZendesk());
  const config = parseConfig(
    configDoc({
      company: { name: 'T', timezone: MATCH_TZ, currency: 'USD' },
      sources: [
        { name: 'stripe', connector: 'stripe', stripe: { apiBase: stripe.url, requestsPerSecond: 100 } },
        { name: 'crm', connector: 's3-dropzone', entities: ['accounts'] },
        { name: 'zendesk', connector: 'zendesk', zendesk: { apiBase: zendesk.url, baseDelayMs: 1 } },
      ],
    }),
  );
  const state = new InMemorySyncState();
  const directory = new StoredAccountDirectory({
    syncState: state,
    billingSources: billingSourceNames(config.sources),
  });
  const deps: ConnectDeps = {
    s3: undefined as never,
    dropzoneBucket: '',
    secrets: new EnvSecrets({}),
    timeZone: MATCH_TZ,
    env: { STRIPE_API_KEY: 'sk_test_pulse', ZENDESK_EMAIL, ZENDESK_TOKEN },
    syncState: state,
    accountDirectory: directory,
    stripe: { sleep: async () => {} },
  };
  const crm = matchCrmFolder();
  const connect = (name: string, opts: { readOnly?: boolean } = {}) => {
    const def = config.sources.find((s) => s.name === name)!;
    return def.connector === 's3-dropzone'
      ? new FolderSource(crm)
      : connectSource(def, deps, { ...(opts.readOnly ? { full: true, readOnly: true } : {}) });
  };
  return { config, state, directory, connect };
}

const options = (name: string, entities: EntityName[]) => ({
  sourceName: name,
  entities,
  timeZone: MATCH_TZ,
  weekStartsOn: 1 as const,
});
const discard = { putRecords: async () => {}, deleteRecords: async () => {} };

describe('one account identity', () => {
  it('the Stripe sync keeps each customer’s account and e-mail domain beside its sync state', async () => {
    const { state, directory, connect } = await setUp();
    await ingestSource(
      connect('stripe'),
      { store: discard, validator },
      options('stripe', ['accounts', 'subscriptions']),
    );
    expect(JSON.parse(state.values.get('stripe|domains:cus_globex')!)).toEqual({
      accountId: 'GLOBEX',
      domains: ['globex.example'],
    });
    expect(JSON.parse(state.values.get('stripe|domains:cus_stark')!)).toEqual({
      accountId: 'cus_stark',
      domains: ['stark.example'],
    });
    await directory.load();
    expect(directory.accounts()).toEqual(['ACME', 'cus_stark', 'GLOBEX', 'HOOLI', 'UMBRELLA'].sort());
    expect(directory.byDomain('https://www.Globex.example/')).toBe('GLOBEX');
    expect(directory.byDomain('initech.example')).toBeUndefined();
  });

  it('a help-desk sync matches organizations against billing read from the store; the rest keep their Zendesk id', async () => {
    const { connect } = await setUp();
    await ingestSource(
      connect('stripe'),
      { store: discard, validator },
      options('stripe', ['accounts', 'subscriptions']),
    );
    const accounts = new Map<string, string>();
    const result = await ingestSource(
      connect('zendesk'),
      {
        store: {
          putRecords: async (_e, records) => {
            for (const t of records as readonly unknown[] as readonly { ticketId: string; accountId: string }[])
              accounts.set(t.ticketId, t.accountId);
          },
        },
        validator,
      },
      options('zendesk', ['tickets']),
    );
    expect(Object.fromEntries(accounts)).toEqual({
      '11': 'ACME',
      '12': 'ACME',
      '21': 'GLOBEX',
      '31': 'zendesk:3',
      '41': 'zendesk:4',
    });
    expect(result.sourceCounts).toEqual({ unmatched: 2 });
  });

  it('pulse sources match lists exactly the 3 billing customers missing from the CRM and the 2 tickets of unknown organizations', async () => {
    const { config, connect } = await setUp();
    // The billing sync the directory comes from.
    await ingestSource(
      connect('stripe'),
      { store: discard, validator },
      options('stripe', ['accounts', 'subscriptions']),
    );
    const match = await matchAccounts(
      config.sources,
      { connect: (def) => connect(def.name, { readOnly: true }), validator },
      { timeZone: MATCH_TZ, weekStartsOn: 1 },
    );

    expect(match.billingSources).toEqual(['stripe']);
    expect(match.crmSources).toEqual(['crm']);
    expect(match.billingNotInCrm).toEqual(MATCH_EXPECTED.billingNotInCrm);
    expect(match.crmNotInBilling).toEqual(MATCH_EXPECTED.crmNotInBilling);
    expect(match.billingAccounts).toBe(5);
    expect(match.crmAccounts).toBe(3);
    const bySource = Object.fromEntries(match.sources.map((s) => [s.source, s]));
    expect(bySource.zendesk!.unmatched).toEqual(MATCH_EXPECTED.unmatchedTickets);
    expect(bySource.zendesk!.records).toBe(5);
    expect(bySource.stripe!.unmatched).toEqual([]);
    expect(bySource.crm!.unmatched).toEqual([]);

    // What the command prints: exactly those.
    const text = formatMatch(match);
    expect(text).toContain(
      'zendesk (zendesk, other): 5 record(s)\n  2 record(s) name no account:\n    tickets 31 -> zendesk:3\n    tickets 41 -> zendesk:4\n',
    );
    expect(text).toContain(
      'In billing (stripe), not in the CRM (crm): 3 of 5\n    cus_stark\n    HOOLI\n    UMBRELLA\nIn the CRM, not in billing: 1 of 3\n    WAYNE',
    );
  });
});
