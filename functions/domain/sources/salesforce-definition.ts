// The `salesforce` section of a Salesforce source (pulse.config.json `sources[]`, connector
// "salesforce"): where the org is, how Pulse signs in, and how Accounts and Opportunities become
// accounts, renewals and expansions. The source object itself (name, entities, identity ...) is
// assembled in registry.ts.
import { z } from 'zod';
import type { EntityName } from '../contract/entities';
import { envName, retrySettingsShape } from './api-settings';

/** The entities the Salesforce connector yields. */
export const SALESFORCE_ENTITIES = ['accounts', 'renewals', 'expansions'] as const satisfies readonly EntityName[];

/** A field's API name as SOQL takes it (`Amount`, `Segment__c`): nothing else reaches a query. */
export const SOQL_FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;

const apiName = z
  .string()
  .regex(SOQL_FIELD, { error: "must be a field's API name (letters, digits and _, e.g. Segment__c)" });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const picklistValues = z.array(z.string().min(1)).default([]);

const authSchema = z.discriminatedUnion(
  'flow',
  [
    z
      .object({
        /** OAuth 2.0 client credentials: the connected app runs as its configured "Run As" user. */
        flow: z.literal('client-credentials'),
        /** Default: `<instanceUrl>/services/oauth2/token` (the flow needs the org's My Domain URL). */
        tokenUrl: httpUrl.optional(),
        /** Secrets Manager secret (locally: env PULSE_SECRET_<NAME>): JSON { "clientId", "clientSecret" }. */
        secretName: z.string().min(1),
      })
      .strict(),
    z
      .object({
        /** OAuth 2.0 JWT bearer: a JWT signed with the connected app's certificate's private key. */
        flow: z.literal('jwt-bearer'),
        /** The connected app's consumer key (the JWT's `iss`). */
        clientId: z.string().min(1),
        /** The user the integration runs as (the JWT's `sub`), pre-authorised for the connected app. */
        username: z.string().min(1),
        /** The JWT's `aud`: https://login.salesforce.com, https://test.salesforce.com for a sandbox. */
        audience: httpUrl.default('https://login.salesforce.com'),
        /** Default: `<instanceUrl>/services/oauth2/token`. */
        tokenUrl: httpUrl.optional(),
        /** Secrets Manager secret (locally: env PULSE_SECRET_<NAME>): the PEM private key, or JSON { "privateKey" }. */
        secretName: z.string().min(1),
      })
      .strict(),
  ],
  { error: 'auth.flow must be one of: client-credentials, jwt-bearer' },
);
export type SalesforceAuth = z.infer<typeof authSchema>;

const outcome = z.enum(['won', 'lost', 'open'], { error: 'must be "won", "lost" or "open"' });
const expansionType = z.enum(['upsell', 'cross_sell'], { error: 'must be "upsell" or "cross_sell"' });

export const salesforceSettingsSchema = z
  .object({
    /** The org's My Domain URL (https://acme.my.salesforce.com); a test or a proxy points it elsewhere. */
    instanceUrl: httpUrl,
    /** REST API version, e.g. v62.0. */
    apiVersion: z
      .string()
      .regex(/^v\d{2,3}\.0$/, { error: 'must be a REST API version such as v62.0' })
      .default('v62.0'),
    /** Environment variable holding an access token: how a token arrives locally (wins over `auth`). */
    tokenEnv: envName.default('SALESFORCE_TOKEN'),
    /** How Pulse gets a token in AWS (or locally without `tokenEnv`). */
    auth: authSchema.optional(),
    /** Account field -> accounts.segment (e.g. Segment__c); absent = no segment. */
    segmentField: apiName.optional(),
    /** Account field -> accounts.region (e.g. BillingCountry); absent = no region. */
    regionField: apiName.optional(),
    /** Opportunity Type values that are renewals. */
    renewalTypes: z.array(z.string().min(1)).default(['Renewal']),
    /** Opportunity record types (DeveloperName) that are renewals. */
    renewalRecordTypes: picklistValues,
    /** Opportunity Type value -> expansion type. */
    expansionTypes: z.record(z.string().min(1), expansionType).default({ 'Existing Customer - Upgrade': 'upsell' }),
    /** Opportunity record type (DeveloperName) -> expansion type. */
    expansionRecordTypes: z.record(z.string().min(1), expansionType).default({}),
    /** StageName -> outcome, where IsWon/IsClosed do not say it (default: IsWon = won, closed and not won = lost). */
    stages: z.record(z.string().min(1), outcome).default({}),
    /** Opportunity field holding an expansion's ARR. */
    expansionArrField: apiName.default('Amount'),
    /** Opportunity field holding the ARR up for renewal. */
    renewalArrUpField: apiName.default('Amount'),
    /** Opportunity field holding the renewed ARR of a won renewal. */
    renewedArrField: apiName.default('Amount'),
    /** Opportunity date field holding a renewal's due date. */
    renewalDueDateField: apiName.default('CloseDate'),
    /** Multi-currency orgs: the field naming a record's currency (CurrencyIsoCode); absent = the reporting currency. */
    currencyField: apiName.optional(),
    /** A daily sync re-reads records modified this many minutes before the newest one it saw last time. */
    overlapMinutes: z.number().int().min(0).max(1_440).default(10),
    /** A spent quota is never retried (functions/adapters/sources/salesforce/api.ts). */
    ...retrySettingsShape({ maxAttempts: 5, timeoutMs: 60_000 }),
    /** Safety stop for a query whose pages never end. */
    maxPages: z.number().int().min(1).default(100_000),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const t of s.renewalTypes) {
      if (t in s.expansionTypes)
        ctx.addIssue({ code: 'custom', path: ['expansionTypes', t], message: `"${t}" is also in renewalTypes` });
    }
    for (const t of s.renewalRecordTypes) {
      if (t in s.expansionRecordTypes)
        ctx.addIssue({
          code: 'custom',
          path: ['expansionRecordTypes', t],
          message: `"${t}" is also in renewalRecordTypes`,
        });
    }
  });
export type SalesforceSettings = z.infer<typeof salesforceSettingsSchema>;
