// A small org for the Salesforce connector's tests, one record per mapping rule, and the contract
// rows a hand check of it expects (company time zone America/New_York).
import type { AccountDirectory } from '../../../functions/domain/sources/account-identity';
import type { FakeRecord } from '../../../lib/local/fake-salesforce';

export const TZ = 'America/New_York';

/** Billing knows globex.example as the account `globex`. */
export const DIRECTORY: AccountDirectory = { byDomain: (d) => (d === 'globex.example' ? 'globex' : undefined) };

/** The `salesforce` settings the tests configure beside instanceUrl. */
export const SETTINGS = {
  segmentField: 'Segment__c',
  regionField: 'BillingCountry',
  renewalRecordTypes: ['Renewal_Contract'],
  expansionTypes: { 'Existing Customer - Upgrade': 'upsell', 'Cross-Sell': 'cross_sell' },
  stages: { 'Verbal Commit': 'won' },
};

const mod = (iso: string) => iso.replace('Z', '.000+0000');

const account = (id: string, name: string, extra: Record<string, unknown>): FakeRecord => ({
  Id: id,
  Name: name,
  Website: null,
  OwnerId: '005A',
  Pulse_Account_Id__c: null,
  Segment__c: null,
  BillingCountry: null,
  CreatedDate: mod('2024-03-01T15:00:00Z'),
  SystemModstamp: mod('2026-11-01T10:00:00Z'),
  ...extra,
});

const opp = (id: string, accountId: string | null, extra: Record<string, unknown>): FakeRecord => ({
  Id: id,
  AccountId: accountId,
  Name: `Opportunity ${id}`,
  Type: null,
  RecordTypeId: null,
  StageName: 'Prospecting',
  IsClosed: false,
  IsWon: false,
  CloseDate: '2027-01-31',
  Amount: 1000,
  CreatedDate: mod('2026-02-01T12:00:00Z'),
  SystemModstamp: mod('2026-11-02T10:00:00Z'),
  ...extra,
});

export function salesforceOrg(): Record<string, FakeRecord[]> {
  return {
    User: [
      { Id: '005A', Email: 'alice@northwind.example', IsActive: true },
      { Id: '005B', Email: 'bob@northwind.example', IsActive: true },
    ],
    RecordType: [{ Id: '012R', DeveloperName: 'Renewal_Contract', SobjectType: 'Opportunity' }],
    Account: [
      account('001A', 'Acme', {
        Pulse_Account_Id__c: 'acme',
        Website: 'https://www.acme.example',
        Segment__c: 'Enterprise',
        BillingCountry: 'US',
      }),
      account('001B', 'Globex', {
        Website: 'globex.example',
        OwnerId: '005B',
        Segment__c: 'Mid-Market',
        SystemModstamp: mod('2026-11-01T11:00:00Z'),
      }),
      // Created 03:00 UTC on New Year's Day: still New Year's Eve in New York.
      account('001C', 'Initech', {
        Website: 'initech.example',
        CreatedDate: mod('2025-01-01T03:00:00Z'),
        SystemModstamp: mod('2026-11-01T12:00:00Z'),
      }),
      account('001Z', 'Gone Ltd', { IsDeleted: true, SystemModstamp: mod('2026-10-01T00:00:00Z') }),
    ],
    Opportunity: [
      opp('006R1', '001A', { Type: 'Renewal', Amount: 120000 }),
      opp('006R2', '001A', {
        Type: 'Renewal',
        StageName: 'Closed Won',
        IsClosed: true,
        IsWon: true,
        CloseDate: '2026-06-30',
        Amount: 130000.5,
      }),
      opp('006R3', '001B', {
        Type: 'Renewal',
        StageName: 'Closed Lost',
        IsClosed: true,
        CloseDate: '2026-09-15',
        Amount: 48000,
      }),
      opp('006R4', '001C', {
        Type: 'New Customer',
        RecordTypeId: '012R',
        StageName: 'Negotiation',
        CloseDate: '2027-03-01',
        Amount: 9999.99,
      }),
      opp('006E1', '001A', { Type: 'Existing Customer - Upgrade', Amount: 25000, CloseDate: '2026-12-15' }),
      opp('006E2', '001B', {
        Type: 'Cross-Sell',
        StageName: 'Closed Won',
        IsClosed: true,
        IsWon: true,
        CloseDate: '2026-10-01',
        Amount: 7200.25,
        CreatedDate: mod('2026-08-01T02:30:00Z'),
      }),
      opp('006E3', '001A', {
        Type: 'Existing Customer - Upgrade',
        StageName: 'Verbal Commit',
        CloseDate: '2026-11-30',
        Amount: 5000,
      }),
      opp('006N1', '001A', { Type: 'New Customer', Amount: 80000 }),
      opp('006Z', '001A', { Type: 'Renewal', IsDeleted: true, SystemModstamp: mod('2026-10-01T00:00:00Z') }),
    ],
  };
}

/** What a hand check of the org expects, as the contract files hold it. */
export const EXPECTED = {
  accounts: [
    {
      account_id: 'acme',
      name: 'Acme',
      segment: 'Enterprise',
      owner_email: 'alice@northwind.example',
      region: 'US',
      created_date: '2024-03-01',
    },
    {
      account_id: 'globex',
      name: 'Globex',
      segment: 'Mid-Market',
      owner_email: 'bob@northwind.example',
      region: '',
      created_date: '2024-03-01',
    },
    {
      account_id: 'salesforce:001C',
      name: 'Initech',
      segment: '',
      owner_email: 'alice@northwind.example',
      region: '',
      created_date: '2024-12-31',
    },
  ],
  renewals: [
    {
      renewal_id: '006R1',
      account_id: 'acme',
      due_date: '2027-01-31',
      arr_up: '120000',
      status: 'open',
      closed_date: '',
      renewed_arr: '',
    },
    {
      renewal_id: '006R2',
      account_id: 'acme',
      due_date: '2026-06-30',
      arr_up: '130000.5',
      status: 'renewed',
      closed_date: '2026-06-30',
      renewed_arr: '130000.5',
    },
    {
      renewal_id: '006R3',
      account_id: 'globex',
      due_date: '2026-09-15',
      arr_up: '48000',
      status: 'churned',
      closed_date: '2026-09-15',
      renewed_arr: '',
    },
    {
      renewal_id: '006R4',
      account_id: 'salesforce:001C',
      due_date: '2027-03-01',
      arr_up: '9999.99',
      status: 'open',
      closed_date: '',
      renewed_arr: '',
    },
  ],
  expansions: [
    {
      opportunity_id: '006E1',
      account_id: 'acme',
      type: 'upsell',
      arr: '25000',
      stage: 'open',
      created_date: '2026-02-01',
      close_date: '2026-12-15',
    },
    // Created 02:30 UTC on 1 August: 31 July in New York.
    {
      opportunity_id: '006E2',
      account_id: 'globex',
      type: 'cross_sell',
      arr: '7200.25',
      stage: 'won',
      created_date: '2026-07-31',
      close_date: '2026-10-01',
    },
    {
      opportunity_id: '006E3',
      account_id: 'acme',
      type: 'upsell',
      arr: '5000',
      stage: 'won',
      created_date: '2026-02-01',
      close_date: '2026-11-30',
    },
  ],
};
