// HubSpot's mapping rules one by one: which deals are renewals and which expansions, each stage
// rule (configured won/lost/open, then HubSpot's closed flags), renewal and expansion rows, the
// company's account identity and row, the primary company of a deal; and the config's defaults
// and errors.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config';
import { LocalDateOfInstant } from '../../functions/domain/dates';
import { hubspotSettingsSchema, type HubSpotSettings } from '../../functions/domain/sources/hubspot-definition';
import {
  companyAccount,
  companyRow,
  dealCompany,
  dealEntity,
  dealStage,
  expansionRow,
  renewalRow,
  type CompanyContext,
} from '../../functions/domain/sources/hubspot-map';
import type { HubSpotSourceDefinition } from '../../functions/domain/sources/registry';
import { configDoc } from '../support/config-doc';

const defaults: HubSpotSettings = hubspotSettingsSchema.parse({});
const dates = new LocalDateOfInstant('America/New_York');

describe('deal -> renewal, expansion or neither', () => {
  const s = hubspotSettingsSchema.parse({
    renewals: { pipelines: ['renew-pipe'] },
    expansions: { pipelines: ['grow-pipe'] },
  });
  it.each([
    ['deal type renewal', { dealtype: 'renewal' }, 'renewals'],
    ['deal type in any case', { dealtype: 'Renewal' }, 'renewals'],
    ['a renewal pipeline, whatever the type', { pipeline: 'renew-pipe', dealtype: 'newbusiness' }, 'renewals'],
    ['existing business is an expansion', { dealtype: 'existingbusiness' }, 'expansions'],
    ['upsell', { dealtype: 'upsell' }, 'expansions'],
    ['cross_sell', { dealtype: 'cross_sell' }, 'expansions'],
    ['an expansion pipeline', { pipeline: 'grow-pipe' }, 'expansions'],
    [
      'a renewal type in an expansion pipeline: the renewal rule wins',
      { pipeline: 'grow-pipe', dealtype: 'renewal' },
      'renewals',
    ],
    ['new business is neither', { dealtype: 'newbusiness', pipeline: 'default' }, undefined],
    ['no type, default pipeline: neither', { pipeline: 'default' }, undefined],
  ] as const)('%s', (_what, props, expected) => {
    expect(dealEntity(props, s)).toBe(expected);
  });
});

describe('deal stage -> won / lost / open', () => {
  const s = hubspotSettingsSchema.parse({
    stages: { won: ['closedwon', '111'], lost: ['closedlost', '222'], open: ['333'] },
  }).stages;
  it.each([
    ['closedwon (default)', { dealstage: 'closedwon' }, 'won'],
    ['closedlost (default)', { dealstage: 'closedlost' }, 'lost'],
    ['a configured won stage id', { dealstage: '111' }, 'won'],
    ['a configured lost stage id', { dealstage: '222' }, 'lost'],
    [
      'a configured open stage wins over the closed flags',
      { dealstage: '333', hs_is_closed: 'true', hs_is_closed_won: 'true' },
      'open',
    ],
    [
      'an unnamed stage HubSpot marks closed won',
      { dealstage: '444', hs_is_closed_won: 'true', hs_is_closed: 'true' },
      'won',
    ],
    [
      'an unnamed stage HubSpot marks closed (not won)',
      { dealstage: '444', hs_is_closed_won: 'false', hs_is_closed: 'true' },
      'lost',
    ],
    ['an unnamed stage, not closed', { dealstage: 'contractsent', hs_is_closed: 'false' }, 'open'],
    ['no stage at all', {}, 'open'],
  ] as const)('%s', (_what, props, expected) => {
    expect(dealStage(props, s)).toBe(expected);
  });
  it('defaults: HubSpot default pipeline ids', () => {
    expect(defaults.stages).toEqual({ won: ['closedwon'], lost: ['closedlost'], open: [] });
  });
});

describe('renewal rows', () => {
  const deal = (p: Record<string, string>) => ({
    id: '42',
    properties: { amount: '1200.50', closedate: '2026-07-01T02:00:00Z', ...p },
  });
  it('won: renewed at the amount, due and closed on the close date in the company time zone', () => {
    expect(renewalRow(deal({ dealstage: 'closedwon' }), 'acme', 'crm', defaults, dates)).toEqual({
      renewal_id: 'crm:42',
      account_id: 'acme',
      status: 'renewed',
      due_date: '2026-06-30',
      arr_up: '1200.50',
      closed_date: '2026-06-30',
      renewed_arr: '1200.50',
    });
  });
  it('lost: churned, no renewed ARR', () => {
    expect(renewalRow(deal({ dealstage: 'closedlost' }), 'acme', 'crm', defaults, dates)).toEqual({
      renewal_id: 'crm:42',
      account_id: 'acme',
      status: 'churned',
      due_date: '2026-06-30',
      arr_up: '1200.50',
      closed_date: '2026-06-30',
    });
  });
  it('open: no closed date; the ARR up from a configured property; the deal currency', () => {
    const s = hubspotSettingsSchema.parse({ renewals: { arrUpProperty: 'previous_arr' } });
    expect(
      renewalRow(
        deal({ dealstage: 'contractsent', previous_arr: '1000', deal_currency_code: 'EUR' }),
        'acme',
        'crm',
        s,
        dates,
      ),
    ).toEqual({
      renewal_id: 'crm:42',
      account_id: 'acme',
      status: 'open',
      due_date: '2026-06-30',
      arr_up: '1000',
      currency: 'EUR',
    });
  });
  it('no amount and no close date leave the columns out (the validator names them)', () => {
    expect(renewalRow({ id: '7', properties: { dealstage: 'closedwon' } }, 'a', 'crm', defaults, dates)).toEqual({
      renewal_id: 'crm:7',
      account_id: 'a',
      status: 'renewed',
    });
  });
});

describe('expansion rows', () => {
  it('upsell by default, cross-sell by type; the amount exact as given', () => {
    const base = {
      amount: '15000.05',
      createdate: '2026-01-10T15:00:00Z',
      closedate: '2026-02-01T04:59:00Z',
      dealstage: 'closedwon',
    };
    expect(
      expansionRow({ id: '1', properties: { ...base, dealtype: 'existingbusiness' } }, 'a', 'hubspot', defaults, dates),
    ).toEqual({
      opportunity_id: 'hubspot:1',
      account_id: 'a',
      type: 'upsell',
      stage: 'won',
      arr: '15000.05',
      created_date: '2026-01-10',
      close_date: '2026-01-31',
    });
    expect(
      expansionRow(
        { id: '2', properties: { ...base, dealtype: 'cross_sell', dealstage: 'x' } },
        'a',
        'hubspot',
        defaults,
        dates,
      ),
    ).toMatchObject({ type: 'cross_sell', stage: 'open' });
  });
});

describe('companies', () => {
  const ctx: CompanyContext = {
    source: 'hubspot',
    identity: [{ by: 'field', field: 'pulse_account_id' }, { by: 'domain' }],
    directory: { byDomain: (d) => ({ 'acme.example': 'cus_acme' })[d] },
    settings: defaults,
    owners: new Map([['7', 'owner@x.example']]),
    dates,
  };
  it('the identity field first, then the domain or website against billing, else hubspot:<id>', () => {
    expect(companyAccount({ id: '1', properties: { pulse_account_id: 'acc-1', domain: 'acme.example' } }, ctx)).toEqual(
      { matched: true, accountId: 'acc-1', by: 'field' },
    );
    expect(companyAccount({ id: '1', properties: { website: 'https://www.ACME.example/about' } }, ctx)).toEqual({
      matched: true,
      accountId: 'cus_acme',
      by: 'domain',
    });
    expect(companyAccount({ id: '9', properties: { domain: 'gmail.com' } }, ctx)).toEqual({
      matched: false,
      accountId: 'hubspot:9',
    });
  });
  it('the row: owner e-mail through the owners, segment and region from their properties, local created date', () => {
    const c = {
      id: '1',
      properties: {
        name: ' Acme ',
        hubspot_owner_id: '7',
        segment: 'Enterprise',
        country: 'US',
        createdate: '2026-03-01T03:00:00Z',
      },
    };
    expect(companyRow(c, 'acme', ctx)).toEqual({
      account_id: 'acme',
      name: 'Acme',
      owner_email: 'owner@x.example',
      segment: 'Enterprise',
      region: 'US',
      created_date: '2026-02-28',
    });
    expect(companyRow({ id: '2', properties: { hubspot_owner_id: '8' } }, 'hubspot:2', ctx)).toEqual({
      account_id: 'hubspot:2',
      name: 'HubSpot company 2',
    });
  });
  it("a deal's company: the primary association, else the first", () => {
    expect(
      dealCompany([
        { id: '5', typeIds: [341] },
        { id: '6', typeIds: [5, 341] },
      ]),
    ).toBe('6');
    expect(dealCompany([{ id: '5', typeIds: [341] }])).toBe('5');
    expect(dealCompany([])).toBeUndefined();
  });
});

describe('config', () => {
  const parse = (source: Record<string, unknown>) =>
    parseConfig(configDoc({ sources: [{ name: 'crm', connector: 'hubspot', ...source }] }));
  it('defaults: HubSpot API, HUBSPOT_TOKEN, all three entities, pulse_account_id then domain', () => {
    const def = parse({}).sources[0] as HubSpotSourceDefinition;
    expect(def.entities).toEqual(['accounts', 'renewals', 'expansions']);
    expect(def.identity).toEqual([{ by: 'field', field: 'pulse_account_id' }, { by: 'domain' }]);
    expect(def.hubspot).toMatchObject({
      apiBase: 'https://api.hubapi.com',
      tokenEnv: 'HUBSPOT_TOKEN',
      requestsPer10Seconds: 190,
      searchRequestsPerSecond: 4,
      fullScanEveryDays: 7,
      overlapMinutes: 15,
    });
  });
  it('every problem with its path', () => {
    let message = '';
    try {
      parse({
        entities: ['tickets'],
        hubspot: {
          requestsPer10Seconds: 500,
          renewals: { dealTypes: ['renewal'] },
          expansions: { dealTypes: ['renewal'] },
          stages: { won: ['s1'], lost: ['s1'] },
          tokenEnv: 'not a name',
        },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/sources\.0\.entities\.0: "tickets" is not an entity HubSpot yields/);
    expect(message).toMatch(/sources\.0\.hubspot\.requestsPer10Seconds: must be at most 190/);
    expect(message).toMatch(/sources\.0\.hubspot\.tokenEnv: must be an environment variable name/);
  });
  it('a deal type or stage in two rules is refused', () => {
    const r = hubspotSettingsSchema.safeParse({
      expansions: { dealTypes: ['renewal'] },
      stages: { won: ['s1'], lost: ['s1'] },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'expansions.dealTypes: deal type "renewal" is also a renewal deal type',
      'stages.lost: stage "s1" is also won',
    ]);
  });
});
