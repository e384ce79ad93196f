// The Salesforce connector into the real store: DynamoDB Local (the embedded stack) holds the
// records, the sync state and the run ledger. A first sync loads the org; changes made in
// Salesforce before the next daily sync (an edit, a delete, a reclassified deal, an Account that
// gets its Pulse id) leave exactly the expected records, and a third sync moves nothing.
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
import type { SalesforceSourceDefinition } from '../../functions/domain/sources/registry';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalStack, type LocalStack } from '../../lib/local';
import { configDoc } from '../support/config-doc';
import { DIRECTORY, salesforceOrg, SETTINGS, TZ } from '../support/fake-salesforce/fixture';
import { startFakeSalesforce, type FakeSalesforce } from '../../lib/local/fake-salesforce';

let stack: LocalStack;
let ddb: DynamoDBClient;
let fake: FakeSalesforce;
let clock = Date.parse('2026-12-01T12:00:00Z');

beforeAll(async () => {
  [stack, fake] = await Promise.all([
    startLocalStack({ persist: false }),
    startFakeSalesforce({ records: salesforceOrg(), batchSize: 3, now: () => clock }),
  ]);
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

describe('Salesforce into DynamoDB', () => {
  it('two daily syncs with changes between them leave exactly the expected records', async () => {
    const tableName = 'pulse-salesforce';
    await ddb.send(new CreateTableCommand(pulseTableDefinition(tableName)));
    const config = parseConfig(
      configDoc({
        company: { name: 'T', timezone: TZ },
        sources: [{ name: 'salesforce', connector: 'salesforce', salesforce: { instanceUrl: fake.url, ...SETTINGS } }],
      }),
    );
    const def = config.sources[0] as SalesforceSourceDefinition;
    const store = new DynamoDbStore({ client: ddb, tableName });
    const ledger = new DynamoDbRunLedger({ client: ddb, tableName });
    const syncState = new DynamoDbSyncState({ client: ddb, tableName });
    const sync = () =>
      ingestSource(
        connectSource(def, {
          s3: undefined as never,
          dropzoneBucket: '',
          secrets: new EnvSecrets({}),
          timeZone: TZ,
          env: { SALESFORCE_TOKEN: '00Dfake!token' },
          syncState,
          accountDirectory: DIRECTORY,
        }),
        { store, validator: new RowValidator({ currency: 'USD', weekStartsOn: 1 }), ledger },
        { sourceName: 'salesforce', entities: def.entities, timeZone: TZ, weekStartsOn: 1, trigger: 'test' },
      );
    const snapshot = async () => {
      const d = await store.loadDataset();
      return {
        accounts: d.accounts.map((a) => a.accountId).sort(),
        renewals: d.renewals.map((r) => `${r.renewalId} ${r.accountId} ${r.status} ${r.arrUp}`).sort(),
        expansions: d.expansions.map((e) => `${e.opportunityId} ${e.accountId} ${e.type} ${e.stage} ${e.arr}`).sort(),
      };
    };

    expect((await sync()).status).toBe('succeeded');
    expect(await snapshot()).toEqual({
      accounts: ['acme', 'globex', 'salesforce:001C'],
      renewals: [
        '006R1 acme open 12000000',
        '006R2 acme renewed 13000050',
        '006R3 globex churned 4800000',
        '006R4 salesforce:001C open 999999',
      ],
      expansions: [
        '006E1 acme upsell open 2500000',
        '006E2 globex cross_sell won 720025',
        '006E3 acme upsell won 500000',
      ],
    });

    // The next day in Salesforce.
    clock += 86_400_000;
    fake.update('Opportunity', '006E1', { Amount: 30000, StageName: 'Closed Won', IsClosed: true, IsWon: true });
    fake.remove('Opportunity', '006R3');
    fake.update('Account', '001C', { Pulse_Account_Id__c: 'initech' });
    // Recast as a renewal; its stage "Verbal Commit" maps to won, so it is renewed.
    fake.update('Opportunity', '006E3', { Type: 'Renewal' });
    fake.insert('Opportunity', {
      Id: '006R5',
      AccountId: '001B',
      Type: 'Renewal',
      StageName: 'Prospecting',
      IsClosed: false,
      IsWon: false,
      CloseDate: '2027-09-15',
      Amount: 50000,
      RecordTypeId: null,
    });

    const second = await sync();
    expect(second.status).toBe('succeeded');
    expect(second.summary.rejects).toEqual([]);
    const expected = {
      accounts: ['acme', 'globex', 'initech'],
      renewals: [
        '006E3 acme renewed 500000',
        '006R1 acme open 12000000',
        '006R2 acme renewed 13000050',
        '006R4 initech open 999999',
        '006R5 globex open 5000000',
      ],
      expansions: ['006E1 acme upsell won 3000000', '006E2 globex cross_sell won 720025'],
    };
    expect(await snapshot()).toEqual(expected);

    const third = await sync();
    expect(third.status).toBe('succeeded');
    expect(await snapshot()).toEqual(expected);
    const runs = await ledger.list({ kind: 'ingest' });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Newest first: Initech matched no account in the first run; once it has its Pulse id, none is left.
    expect(runs[2]!.counts.unmatched).toBe(1);
    expect(runs[1]!.counts.unmatched ?? 0).toBe(0);
  }, 180_000);
});
