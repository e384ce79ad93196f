// The Salesforce source's config (defaults, every problem with its path) and its mapping rules
// one by one (record type before Type, stage mapping before IsWon/IsClosed), the quota header and
// Salesforce's timestamp and literal forms. Pure: no network.
import { describe, expect, it } from 'vitest';
import {
  formatUsage,
  parseLimitInfo,
  parseSalesforceDateTime,
  salesforceErrors,
  soqlDateTime,
  soqlString,
} from '../../functions/adapters/sources/salesforce/api';
import { classifyOpportunity, fieldOf, outcomeOf } from '../../functions/adapters/sources/salesforce/map';
import { ConfigError, parseConfig } from '../../functions/config';
import type { SalesforceSourceDefinition } from '../../functions/domain/sources/registry';
import { MINIMAL_CONFIG } from '../support/config-doc';

function problems(sources: unknown): string[] {
  try {
    parseConfig({ ...MINIMAL_CONFIG, sources }, 'test');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const source = (
  salesforce: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): SalesforceSourceDefinition =>
  parseConfig(
    {
      ...MINIMAL_CONFIG,
      sources: [
        {
          name: 'crm',
          connector: 'salesforce',
          salesforce: { instanceUrl: 'https://acme.my.salesforce.com', ...salesforce },
          ...extra,
        },
      ],
    },
    'test',
  ).sources[0] as SalesforceSourceDefinition;

describe('salesforce source config', () => {
  it('defaults: all three entities, v62.0, SALESFORCE_TOKEN, Renewal and upgrade types, the Pulse id field then the website', () => {
    const def = source();
    expect(def.entities).toEqual(['accounts', 'renewals', 'expansions']);
    expect(def.identity).toEqual([{ by: 'field', field: 'Pulse_Account_Id__c' }, { by: 'domain' }]);
    expect(def.salesforce).toMatchObject({
      apiVersion: 'v62.0',
      tokenEnv: 'SALESFORCE_TOKEN',
      renewalTypes: ['Renewal'],
      renewalRecordTypes: [],
      expansionTypes: { 'Existing Customer - Upgrade': 'upsell' },
      expansionRecordTypes: {},
      stages: {},
      expansionArrField: 'Amount',
      renewalArrUpField: 'Amount',
      renewedArrField: 'Amount',
      renewalDueDateField: 'CloseDate',
      overlapMinutes: 10,
      maxAttempts: 5,
    });
    expect(def.salesforce.auth).toBeUndefined();
    expect(
      source({ auth: { flow: 'jwt-bearer', clientId: 'k', username: 'u@x.example', secretName: 's' } }).salesforce.auth,
    ).toEqual({
      flow: 'jwt-bearer',
      clientId: 'k',
      username: 'u@x.example',
      secretName: 's',
      audience: 'https://login.salesforce.com',
    });
  });

  it('lists every problem with its path', () => {
    expect(
      problems([
        {
          name: 'crm',
          connector: 'salesforce',
          entities: ['tickets'],
          identity: [{ by: 'field', field: 'Pulse Id' }],
          salesforce: {
            instanceUrl: 'acme.my.salesforce.com',
            apiVersion: '62',
            segmentField: 'Segment__c FROM User --',
            expansionTypes: { Renewal: 'upsell', Upgrade: 'more' },
            stages: { 'Verbal Commit': 'maybe' },
            auth: { flow: 'password', secretName: 's' },
            token: 'x',
          },
        },
        { name: 'crm2', connector: 'salesforce' },
      ]),
    ).toEqual([
      'sources.0.entities.0: "tickets" is not an entity Salesforce yields (accounts, renewals, expansions)',
      'sources.0.salesforce.instanceUrl: must be an http(s) URL',
      'sources.0.salesforce.apiVersion: must be a REST API version such as v62.0',
      'sources.0.salesforce.auth.flow: auth.flow must be one of: client-credentials, jwt-bearer',
      "sources.0.salesforce.segmentField: must be a field's API name (letters, digits and _, e.g. Segment__c)",
      'sources.0.salesforce.expansionTypes.Upgrade: must be "upsell" or "cross_sell"',
      'sources.0.salesforce.stages.Verbal Commit: must be "won", "lost" or "open"',
      'sources.0.salesforce: unknown key "token"',
      "sources.0.identity: a field rule names an Account field's API name (letters, digits and _, e.g. Pulse_Account_Id__c)",
      'sources.1.salesforce: is required',
    ]);
    expect(
      problems([
        {
          name: 'crm',
          connector: 'salesforce',
          salesforce: { instanceUrl: 'https://a.example', expansionTypes: { Renewal: 'upsell' } },
        },
      ]),
    ).toEqual(['sources.0.salesforce.expansionTypes.Renewal: "Renewal" is also in renewalTypes']);
  });
});

describe('opportunity rules', () => {
  const s = source({
    renewalRecordTypes: ['Renewal_Contract'],
    expansionRecordTypes: { Cross_Sell_Deal: 'cross_sell' },
    expansionTypes: { 'Existing Customer - Upgrade': 'upsell', 'Cross-Sell': 'cross_sell' },
    stages: { 'Verbal Commit': 'won', 'Closed - Duplicate': 'open' },
  }).salesforce;
  const rt = (name: string | null) =>
    name ? { RecordType: { attributes: { type: 'RecordType' }, DeveloperName: name } } : { RecordType: null };

  it('renewal or expansion: record type first, then Type; renewals before expansions; new business is neither', () => {
    expect(classifyOpportunity({ Type: 'Renewal', ...rt(null) }, s)).toEqual({ entity: 'renewals' });
    expect(classifyOpportunity({ Type: 'New Customer', ...rt('Renewal_Contract') }, s)).toEqual({ entity: 'renewals' });
    expect(classifyOpportunity({ Type: 'Renewal', ...rt('Cross_Sell_Deal') }, s)).toEqual({
      entity: 'expansions',
      type: 'cross_sell',
    });
    expect(classifyOpportunity({ Type: 'Existing Customer - Upgrade', ...rt('Other') }, s)).toEqual({
      entity: 'expansions',
      type: 'upsell',
    });
    expect(classifyOpportunity({ Type: 'Cross-Sell' }, s)).toEqual({ entity: 'expansions', type: 'cross_sell' });
    expect(classifyOpportunity({ Type: 'New Customer', ...rt(null) }, s)).toEqual({ entity: undefined });
    expect(classifyOpportunity({ Type: null }, s)).toEqual({ entity: undefined });
  });

  it('outcome: the stage mapping, else IsWon = won, closed and not won = lost, else open', () => {
    expect(outcomeOf({ StageName: 'Closed Won', IsClosed: true, IsWon: true }, s)).toBe('won');
    expect(outcomeOf({ StageName: 'Closed Lost', IsClosed: true, IsWon: false }, s)).toBe('lost');
    expect(outcomeOf({ StageName: 'Negotiation', IsClosed: false, IsWon: false }, s)).toBe('open');
    expect(outcomeOf({ StageName: 'Verbal Commit', IsClosed: false, IsWon: false }, s)).toBe('won');
    expect(outcomeOf({ StageName: 'Closed - Duplicate', IsClosed: true, IsWon: false }, s)).toBe('open');
  });

  it('reads relationship paths and treats null as absent', () => {
    expect(fieldOf({ Owner: { Email: 'a@x.example' } }, 'Owner.Email')).toBe('a@x.example');
    expect(fieldOf({ Owner: null }, 'Owner.Email')).toBeUndefined();
    expect(fieldOf({ Amount: null }, 'Amount')).toBeUndefined();
  });
});

describe('Salesforce API details', () => {
  it('reads the quota header, timestamps with +0000, error lists; writes literals', () => {
    expect(parseLimitInfo('api-usage=18/15000')).toEqual({ used: 18, max: 15000 });
    expect(parseLimitInfo('per-app-api-usage=2/250(appName=Pulse), api-usage=19/15000')).toEqual({
      used: 19,
      max: 15000,
    });
    expect(parseLimitInfo(null)).toBeUndefined();
    expect(formatUsage(undefined)).toBe('API usage not reported');
    expect(parseSalesforceDateTime('2026-12-01T12:00:00.000+0000')).toBe(Date.parse('2026-12-01T12:00:00Z'));
    expect(parseSalesforceDateTime(null)).toBeNaN();
    expect(soqlDateTime(Date.parse('2026-12-01T11:50:00.750Z'))).toBe('2026-12-01T11:50:00Z');
    expect(soqlString("O'Brien \\ Co")).toBe("'O\\'Brien \\\\ Co'");
    expect(salesforceErrors('[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]')).toEqual([
      { errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
    ]);
    expect(salesforceErrors('<html>')).toEqual([]);
  });
});
