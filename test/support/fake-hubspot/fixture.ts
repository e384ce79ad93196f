// A small HubSpot portal to check by hand: three live companies (one named by pulse_account_id, one
// only by its domain, one whose owner has left), one archived; deals for every stage and deal-type
// rule, a new-business deal (neither renewal nor expansion), a deal with no company, an archived
// deal. HUBSPOT_FIXTURE_EXPECTED is what the connector must make of it (time zone Europe/Berlin).
import { FakeHubSpotPortal } from '../../../lib/local/fake-hubspot';

export const FIXTURE_TZ = 'Europe/Berlin';

export function hubspotFixture(clock?: () => number): FakeHubSpotPortal {
  const p = new FakeHubSpotPortal(clock ?? (() => Date.parse('2026-11-30T09:00:00Z')));
  p.owners = [
    { id: '101', email: 'ana@northwind.example' },
    { id: '102', email: 'ben@northwind.example' },
    { id: '103', email: 'cara@northwind.example', archived: true },
  ];
  p.add(
    'companies',
    {
      name: 'Acme Corp',
      domain: 'acme.example',
      pulse_account_id: 'acme',
      segment: 'Enterprise',
      country: 'US',
      hubspot_owner_id: '101',
      createdate: '2024-03-01T10:00:00Z',
    },
    '1',
  );
  p.add(
    'companies',
    {
      name: 'Globex',
      domain: 'globex.example',
      website: 'https://www.globex.example/',
      segment: 'SMB',
      hubspot_owner_id: '102',
      createdate: '2025-01-15T23:30:00Z',
    },
    '2',
  );
  p.add(
    'companies',
    {
      name: 'Initech',
      domain: 'initech.example',
      pulse_account_id: 'initech',
      segment: 'Mid-Market',
      country: 'DE',
      hubspot_owner_id: '103',
      createdate: '2023-06-30T22:30:00Z',
    },
    '3',
  );
  p.add('companies', { name: 'Umbrella', domain: 'umbrella.example' }, '4');
  p.archive('companies', '4');

  // Renewals: dealtype renewal, or the renewals pipeline.
  p.addDeal(
    {
      dealname: 'Acme renewal 2026',
      dealtype: 'renewal',
      pipeline: 'default',
      dealstage: 'closedwon',
      amount: '120000',
      closedate: '2026-03-31T22:00:00Z',
      createdate: '2026-01-05T09:00:00Z',
    },
    ['1'],
    '10',
  );
  p.addDeal(
    {
      dealname: 'Acme renewal 2027',
      dealtype: 'renewal',
      pipeline: 'default',
      dealstage: 'contractsent',
      amount: '130000.50',
      closedate: '2027-03-31T22:00:00Z',
      createdate: '2026-10-01T09:00:00Z',
    },
    ['1'],
    '11',
  );
  p.addDeal(
    {
      dealname: 'Initech renewal',
      dealtype: 'renewal',
      pipeline: 'default',
      dealstage: 'closedlost',
      amount: '48000',
      closedate: '2026-09-30T12:00:00Z',
      createdate: '2026-06-01T09:00:00Z',
    },
    ['3'],
    '12',
  );
  p.addDeal(
    {
      dealname: 'Globex renewal',
      pipeline: 'renewals-pipeline',
      dealstage: '98765',
      hs_is_closed_won: 'true',
      hs_is_closed: 'true',
      amount: '9600',
      closedate: '2026-06-30T12:00:00Z',
      createdate: '2026-05-01T09:00:00Z',
    },
    ['2'],
    '17',
  );
  // Expansions: existing business is an upsell, cross_sell a cross-sell.
  p.addDeal(
    {
      dealname: 'Acme seats',
      dealtype: 'existingbusiness',
      pipeline: 'default',
      dealstage: 'presentationscheduled',
      amount: '15000.50',
      closedate: '2026-12-15T12:00:00Z',
      createdate: '2026-11-02T09:00:00Z',
    },
    ['1'],
    '13',
  );
  p.addDeal(
    {
      dealname: 'Globex analytics',
      dealtype: 'cross_sell',
      pipeline: 'default',
      dealstage: 'closedwon',
      amount: '7200',
      closedate: '2026-10-20T12:00:00Z',
      createdate: '2026-09-01T09:00:00Z',
    },
    ['2', '1'],
    '14',
  );
  // Neither, no company, archived.
  p.addDeal(
    {
      dealname: 'Hooli new logo',
      dealtype: 'newbusiness',
      pipeline: 'default',
      dealstage: 'closedwon',
      amount: '50000',
      closedate: '2026-08-01T12:00:00Z',
    },
    [],
    '15',
  );
  p.addDeal(
    {
      dealname: 'Orphan renewal',
      dealtype: 'renewal',
      pipeline: 'default',
      dealstage: 'contractsent',
      amount: '1000',
      closedate: '2026-12-31T12:00:00Z',
    },
    [],
    '16',
  );
  p.addDeal(
    {
      dealname: 'Stale upsell',
      dealtype: 'existingbusiness',
      pipeline: 'default',
      dealstage: 'closedlost',
      amount: '3000',
      closedate: '2026-04-01T12:00:00Z',
    },
    ['1'],
    '18',
  );
  p.archive('deals', '18');
  return p;
}

/** The source config the fixture is meant for. */
export const FIXTURE_SOURCE = {
  name: 'hubspot',
  connector: 'hubspot',
  hubspot: { renewals: { pipelines: ['renewals-pipeline'] } },
} as const;

/** What the fixture yields, by hand: dates are Berlin dates (2026-03-31T22:00Z is April 1st there). */
export const HUBSPOT_FIXTURE_EXPECTED = {
  accounts: [
    {
      account_id: 'acme',
      name: 'Acme Corp',
      segment: 'Enterprise',
      owner_email: 'ana@northwind.example',
      region: 'US',
      created_date: '2024-03-01',
    },
    {
      account_id: 'hubspot:2',
      name: 'Globex',
      segment: 'SMB',
      owner_email: 'ben@northwind.example',
      created_date: '2025-01-16',
    },
    {
      account_id: 'initech',
      name: 'Initech',
      segment: 'Mid-Market',
      owner_email: 'cara@northwind.example',
      region: 'DE',
      created_date: '2023-07-01',
    },
  ],
  renewals: [
    {
      renewal_id: 'hubspot:10',
      account_id: 'acme',
      due_date: '2026-04-01',
      arr_up: '120000',
      status: 'renewed',
      closed_date: '2026-04-01',
      renewed_arr: '120000',
    },
    { renewal_id: 'hubspot:11', account_id: 'acme', due_date: '2027-04-01', arr_up: '130000.50', status: 'open' },
    {
      renewal_id: 'hubspot:12',
      account_id: 'initech',
      due_date: '2026-09-30',
      arr_up: '48000',
      status: 'churned',
      closed_date: '2026-09-30',
    },
    {
      renewal_id: 'hubspot:17',
      account_id: 'hubspot:2',
      due_date: '2026-06-30',
      arr_up: '9600',
      status: 'renewed',
      closed_date: '2026-06-30',
      renewed_arr: '9600',
    },
  ],
  expansions: [
    {
      opportunity_id: 'hubspot:13',
      account_id: 'acme',
      type: 'upsell',
      arr: '15000.50',
      stage: 'open',
      created_date: '2026-11-02',
      close_date: '2026-12-15',
    },
    {
      opportunity_id: 'hubspot:14',
      account_id: 'hubspot:2',
      type: 'cross_sell',
      arr: '7200',
      stage: 'won',
      created_date: '2026-09-01',
      close_date: '2026-10-20',
    },
  ],
  /** The deal with no company is rejected, by name. */
  rejects: ['deal 16 is associated with no company'],
} as const;
