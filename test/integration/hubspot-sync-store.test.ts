// The HubSpot connector into the real store: DynamoDB Local (the embedded stack) holds the
// accounts, renewals and expansions, the sync state and the run ledger. A first sync (a full scan)
// loads the fixture; two daily syncs with changes between them leave exactly the expected records.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore, pulseTableDefinition } from '../../functions/adapters/dynamodb';
import { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { DynamoDbSyncState } from '../../functions/adapters/dynamodb/sync-state';
import { connectSource } from '../../functions/adapters/sources/connect';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { ingestSource } from '../../functions/app/ingest-source';
import { parseConfig } from '../../functions/config';
import { RowValidator } from '../../functions/domain/contract/validate';
import type { HubSpotSourceDefinition } from '../../functions/domain/sources/registry';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { configDoc } from '../support/config-doc';
import { FIXTURE_SOURCE, FIXTURE_TZ, hubspotFixture } from '../support/fake-hubspot/fixture';
import { startFakeHubSpot, type FakeHubSpot } from '../../lib/local/fake-hubspot';

let stack: LocalStack;
let ddb: DynamoDBClient;
let fake: FakeHubSpot;
let t = Date.parse('2026-11-30T09:00:00Z');
const clock = () => t;
const portal = hubspotFixture(clock);

beforeAll(async () => {
  [stack, fake] = await Promise.all([startLocalStack({ persist: false }), startFakeHubSpot(portal)]);
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

describe('HubSpot into DynamoDB', () => {
  it('two daily syncs with changes between them leave exactly the expected records', async () => {
    const tableName = 'pulse-hubspot';
    await ddb.send(new CreateTableCommand(pulseTableDefinition(tableName)));
    const config = parseConfig(
      configDoc({
        company: { name: 'T', timezone: FIXTURE_TZ },
        sources: [{ ...FIXTURE_SOURCE, hubspot: { ...FIXTURE_SOURCE.hubspot, apiBase: fake.url } }],
      }),
    );
    const def = config.sources[0] as HubSpotSourceDefinition;
    const store = new DynamoDbStore({ client: ddb, tableName });
    const ledger = new DynamoDbRunLedger({ client: ddb, tableName });
    const syncState = new DynamoDbSyncState({ client: ddb, tableName });
    const sync = () =>
      ingestSource(
        connectSource(def, {
          s3: undefined as never,
          dropzoneBucket: '',
          secrets: new EnvSecrets({}),
          timeZone: FIXTURE_TZ,
          env: { HUBSPOT_TOKEN: 'pat-na1-pulse' },
          syncState,
          hubspot: { now: clock, sleep: async (ms) => void (t += ms) },
        }),
        { store, validator: new RowValidator({ currency: 'USD', weekStartsOn: 1 }), ledger },
        { sourceName: 'hubspot', entities: def.entities, timeZone: FIXTURE_TZ, weekStartsOn: 1, trigger: 'test' },
      );
    const snapshot = async () => {
      const d = await store.loadDataset();
      return {
        accounts: d.accounts.map((a) => `${a.accountId} ${a.segment ?? '-'}`).sort(),
        renewals: d.renewals.map((r) => `${r.renewalId} ${r.accountId} ${r.status} ${r.arrUp}`).sort(),
        expansions: d.expansions.map((e) => `${e.opportunityId} ${e.accountId} ${e.stage} ${e.arr}`).sort(),
      };
    };

    expect((await sync()).status).toBe('succeeded');
    expect(await snapshot()).toEqual({
      accounts: ['acme Enterprise', 'hubspot:2 SMB', 'initech Mid-Market'],
      renewals: [
        'hubspot:10 acme renewed 12000000',
        'hubspot:11 acme open 13000050',
        'hubspot:12 initech churned 4800000',
        'hubspot:17 hubspot:2 renewed 960000',
      ],
      expansions: ['hubspot:13 acme open 1500050', 'hubspot:14 hubspot:2 won 720000'],
    });

    // Day 2: Globex gets its Pulse id (its account and deals move), the Acme upsell is won.
    t += 86_400_000;
    portal.update('companies', '2', { pulse_account_id: 'globex' });
    portal.update('deals', '13', { dealstage: 'closedwon' });
    expect((await sync()).status).toBe('succeeded');
    // Day 3: deal 11 is archived, deal 12 becomes an upsell, a new company with a renewal.
    t += 86_400_000;
    portal.archive('deals', '11');
    portal.update('deals', '12', { dealtype: 'existingbusiness' });
    portal.add('companies', { name: 'Hooli', pulse_account_id: 'hooli', segment: 'SMB' }, '5');
    portal.addDeal(
      { dealtype: 'renewal', dealstage: 'contractsent', amount: '2500', closedate: '2027-02-01T12:00:00Z' },
      ['5'],
      '20',
    );
    expect((await sync()).status).toBe('succeeded');

    expect(await snapshot()).toEqual({
      accounts: ['acme Enterprise', 'globex SMB', 'hooli SMB', 'initech Mid-Market'],
      renewals: [
        'hubspot:10 acme renewed 12000000',
        'hubspot:17 globex renewed 960000',
        'hubspot:20 hooli open 250000',
      ],
      expansions: ['hubspot:12 initech lost 4800000', 'hubspot:13 acme won 1500050', 'hubspot:14 globex won 720000'],
    });
    const runs = await ledger.list({ kind: 'ingest' });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await syncState.get('hubspot', 'unmatched')).toBe('[]');
  }, 180_000);
});
