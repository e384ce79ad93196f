// The source registry: the `sources` section of pulse.config.json. Each source names its connector,
// the entities it yields, how its fields map onto the data contract, and when it runs.
import { z } from 'zod';
import { ENTITY_NAMES, type EntityName } from '../contract/entities';
import { CONTRACT_COLUMNS } from '../contract/entities';
import { envName, retrySettingsShape } from './api-settings';
import { entityMappingSchema } from './mapping';
import { SALESFORCE_ENTITIES, SOQL_FIELD, salesforceSettingsSchema } from './salesforce-definition';
import { ZENDESK_ENTITIES, zendeskSettingsSchema } from './zendesk-definition';
import { CRM_ENTITIES, hubspotSettingsSchema } from './hubspot-definition';

const entityName = z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]], {
  error: (i) => `"${String(i.input)}" is not an entity of the data contract (${ENTITY_NAMES.join(', ')})`,
});

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a local time HH:MM (24-hour)' });

/**
 * When the source runs on its own: `daily` = with the daily ingest (`schedules.ingest.time`),
 * `{ "time": "HH:MM" }` = every day at that local time, `manual` = only from the CLI (and, for a
 * drop-zone, when a file arrives).
 */
export const sourceScheduleSchema = z.union(
  [z.literal('daily'), z.literal('manual'), z.object({ time: localTime }).strict()],
  {
    error: 'must be "daily", "manual" or { "time": "HH:MM" }',
  },
);
export type SourceSchedule = z.infer<typeof sourceScheduleSchema>;

const sourceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  error: 'must be lower-case letters, digits and dashes (it names the drop-zone folder incoming/<name>/)',
});

const common = {
  name: sourceName,
  /** A line for `pulse sources list`. */
  description: z.string().optional(),
  /** The entities this source yields. */
  entities: z.array(entityName).min(1, { error: 'must name at least one entity' }),
  /** Per entity: contract column -> source field or rule. */
  mapping: z.partialRecord(entityName, entityMappingSchema).default({}),
  schedule: sourceScheduleSchema.default('daily'),
};

/**
 * How a CRM or help-desk record names its Pulse account (functions/domain/sources/account-identity.ts),
 * tried in order: `{ "by": "field", "field": "<property>" }` or `{ "by": "domain" }`. Each connector
 * gives its own default (its usual property for the Pulse id, then the domain match).
 */
export const accountIdentitySchema = (defaultField: string) =>
  z
    .array(
      z.discriminatedUnion(
        'by',
        [
          z.object({ by: z.literal('field'), field: z.string().min(1) }).strict(),
          z.object({ by: z.literal('domain') }).strict(),
        ],
        {
          error: 'each rule is { "by": "field", "field": "<property>" } or { "by": "domain" }',
        },
      ),
    )
    .min(1, { error: 'must name at least one rule' })
    .default([{ by: 'field', field: defaultField }, { by: 'domain' }]);

const dropZoneSource = z
  .object({
    ...common,
    connector: z.literal('s3-dropzone'),
    /** Also run when a file arrives under incoming/<name>/ (S3 event). */
    onUpload: z.boolean().default(true),
    /**
     * Entity -> file name pattern (`*` matches any characters), for exports that are not named
     * `accounts.csv` ...; the extension still says the format (.csv, .ndjson, .jsonl, optionally .gz).
     */
    files: z.partialRecord(entityName, z.string().min(1)).default({}),
  })
  .strict();

const authSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('none') }).strict(),
    z
      .object({
        type: z.enum(['bearer', 'basic', 'header']),
        /** AWS Secrets Manager secret name or ARN. Locally: env PULSE_SECRET_<NAME> or .pulse/secrets.json. */
        secretId: z.string().min(1),
        /** When the secret is JSON: the key that holds the token (bearer/header) or `user:password` (basic). */
        secretKey: z.string().min(1).optional(),
        /** For `header`: the header name, e.g. X-Api-Key. */
        header: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => a.type !== 'header' || a.header !== undefined, {
        error: 'type "header" needs "header" (the header name)',
        path: ['header'],
      }),
  ],
  { error: 'auth.type must be one of: none, bearer, basic, header' },
);
export type HttpAuth = z.infer<typeof authSchema>;

const paginationSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('none') }).strict(),
    z
      .object({
        /** Billing-API style: `has_more` plus `starting_after=<id of the last item>`; or a cursor field of the response. */
        type: z.literal('cursor'),
        param: z.string().min(1).default('starting_after'),
        /** Item field whose last value is the next cursor (default `id`), unless `cursorPath` is given. */
        cursorFrom: z.string().min(1).default('id'),
        /** Response field holding the next cursor (`next_cursor`); empty/absent = last page. */
        cursorPath: z.string().min(1).optional(),
        /** Response field saying whether more pages follow (default `has_more`; unused with cursorPath). */
        hasMore: z.string().min(1).default('has_more'),
      })
      .strict(),
    z
      .object({
        /** `next` link: a response field with the next page URL, else a `Link: <...>; rel="next"` header. */
        type: z.literal('next-link'),
        next: z.string().min(1).default('next'),
      })
      .strict(),
    z
      .object({
        type: z.literal('offset'),
        param: z.string().min(1).default('offset'),
      })
      .strict(),
  ],
  { error: 'pagination.type must be one of: none, cursor, next-link, offset' },
);
export type Pagination = z.infer<typeof paginationSchema>;

const resourceSchema = z
  .object({
    /** Path below baseUrl (`/v1/subscriptions`). */
    path: z.string().regex(/^\//, { error: 'must start with /' }),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /** Response field holding the array of items (dotted path); `.` = the body itself is the array. */
    items: z.string().min(1).default('data'),
    pagination: paginationSchema.prefault({ type: 'none' }),
    /** Page size and the query parameter that sets it. */
    pageSize: z.number().int().min(1).max(10_000).default(100),
    pageSizeParam: z.string().min(1).default('limit'),
    /**
     * Incremental sync: send the stored high-water mark as `param` and remember the largest
     * `field` value seen once the resource has loaded.
     */
    incremental: z
      .object({
        param: z.string().min(1),
        field: z.string().min(1),
        format: z.enum(['epoch', 'epoch-ms', 'iso']).default('iso'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type HttpResource = z.infer<typeof resourceSchema>;

const httpSource = z
  .object({
    ...common,
    connector: z.literal('http-json'),
    http: z
      .object({
        baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        auth: authSchema.prefault({ type: 'none' }),
        headers: z.record(z.string(), z.string()).default({}),
        ...retrySettingsShape({ maxAttempts: 5, maxTimeoutMs: 900_000 }),
        /** Safety stop for a paginator that never ends. */
        maxPages: z.number().int().min(1).default(10_000),
        /** Entity -> the resource that yields it. */
        resources: z.partialRecord(entityName, resourceSchema),
      })
      .strict(),
  })
  .strict();

/** A vendor connector's `entities`: some of those it yields, all of them by default. */
function vendorEntities<const T extends readonly [EntityName, ...EntityName[]]>(vendor: string, yields: T) {
  return z
    .array(
      z.enum(yields, {
        error: (i) => `"${String(i.input)}" is not an entity ${vendor} yields (${yields.join(', ')})`,
      }),
    )
    .min(1, { error: 'must name at least one entity' })
    .default([...yields]);
}

/** The entities a billing connector yields (customers -> accounts, invoices -> subscription lines). */
const BILLING_ENTITIES = ['accounts', 'subscriptions'] as const satisfies readonly EntityName[];

const stripeSource = z
  .object({
    ...common,
    connector: z.literal('stripe'),
    entities: vendorEntities('Stripe', BILLING_ENTITIES),
    stripe: z
      .object({
        /** Stripe's API origin; a test or a proxy points it elsewhere (the client takes its host, port and protocol). */
        apiBase: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://api.stripe.com'),
        /** Environment variable holding the secret (or restricted, read-only) key: how the key arrives locally. */
        secretKeyEnv: envName.default('STRIPE_API_KEY'),
        /** AWS Secrets Manager secret name or ARN holding the key (in AWS; the plain key or JSON with "apiKey"). */
        secretName: z.string().min(1).optional(),
        /** Customer metadata key holding Pulse's account id (else the Stripe customer id is the account id). */
        accountIdMetadata: z.string().min(1).default('pulse_account_id'),
        segmentMetadata: z.string().min(1).default('segment'),
        ownerEmailMetadata: z.string().min(1).default('owner_email'),
        /** Request rate the connector stays under (Stripe allows 100 reads/s live, 25 in test mode). */
        requestsPerSecond: z
          .number()
          .positive({ error: 'must be above 0' })
          .max(100, { error: "must be at most 100 (Stripe's live read limit)" })
          .default(20),
        ...retrySettingsShape({ maxAttempts: 6 }),
        /** A daily sync re-reads changes from this long before the last sync (clock skew, late events). */
        overlapSeconds: z
          .number()
          .int()
          .min(0)
          .max(86_400 * 7)
          .default(3_600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const salesforceSource = z
  .object({
    ...common,
    connector: z.literal('salesforce'),
    entities: vendorEntities('Salesforce', SALESFORCE_ENTITIES),
    salesforce: salesforceSettingsSchema,
    /** How an Account names its Pulse account: the Pulse_Account_Id__c field, then its Website against billing. */
    identity: accountIdentitySchema('Pulse_Account_Id__c').refine(
      (rules) => rules.every((r) => r.by !== 'field' || SOQL_FIELD.test(r.field)),
      {
        error: "a field rule names an Account field's API name (letters, digits and _, e.g. Pulse_Account_Id__c)",
      },
    ),
  })
  .strict();

const zendeskSource = z
  .object({
    ...common,
    connector: z.literal('zendesk'),
    entities: vendorEntities('Zendesk', ZENDESK_ENTITIES),
    zendesk: zendeskSettingsSchema,
    /** How an organization names its Pulse account: its external_id, then its domain_names against billing. */
    identity: accountIdentitySchema('external_id'),
  })
  .strict();

const hubspotSource = z
  .object({
    ...common,
    connector: z.literal('hubspot'),
    entities: vendorEntities('HubSpot', CRM_ENTITIES),
    hubspot: hubspotSettingsSchema.prefault({}),
    /** How a company names its Pulse account: its pulse_account_id property, then its domain/website against billing. */
    identity: accountIdentitySchema('pulse_account_id'),
  })
  .strict();

/** The ECB's reference rates: the 90-day file by default; `eurofxref-hist.xml` for all history since 1999. */
export const ECB_DEFAULT_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-90d.xml';

const ecbRatesSource = z
  .object({
    ...common,
    connector: z.literal('ecb-rates'),
    entities: z
      .array(z.literal('fx_rates', { error: 'an ECB rates source yields fx_rates only' }))
      .min(1)
      .default(['fx_rates']),
    ecb: z
      .object({
        /** Where the file is published (CSV or XML, as the ECB writes them). */
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(ECB_DEFAULT_URL),
        /** A copy on disk instead (a dropped file); wins over `url`. */
        path: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
        maxAttempts: z.number().int().min(1).max(20).default(4),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion(
  'connector',
  [dropZoneSource, httpSource, stripeSource, ecbRatesSource, salesforceSource, zendeskSource, hubspotSource],
  {
    error: 'connector must be one of: s3-dropzone, http-json, stripe, ecb-rates, salesforce, zendesk, hubspot',
  },
);

export const sourcesSchema = z
  .array(sourceSchema)
  .default([])
  .superRefine((sources, ctx) => {
    const seen = new Map<string, number>();
    sources.forEach((s, i) => {
      const first = seen.get(s.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `"${s.name}" is already the name of sources.${first}`,
        });
      else seen.set(s.name, i);
      const entities = new Set(s.entities);
      if (entities.size !== s.entities.length)
        ctx.addIssue({ code: 'custom', path: [i, 'entities'], message: 'names an entity twice' });
      for (const [entity, m] of Object.entries(s.mapping) as [EntityName, { fields: Record<string, unknown> }][]) {
        if (!entities.has(entity)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'mapping', entity],
            message: `maps ${entity}, which is not in this source's entities`,
          });
          continue;
        }
        for (const target of Object.keys(m.fields)) {
          if (!CONTRACT_COLUMNS[entity].includes(target)) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'mapping', entity, 'fields', target],
              message: `"${target}" is not a ${entity} column (${CONTRACT_COLUMNS[entity].join(', ')})`,
            });
          }
        }
      }
      if (s.connector === 'http-json') {
        for (const e of s.entities) {
          if (!s.http.resources[e])
            ctx.addIssue({
              code: 'custom',
              path: [i, 'http', 'resources', e],
              message: `is required: ${e} is in entities`,
            });
        }
        for (const e of Object.keys(s.http.resources) as EntityName[]) {
          if (!entities.has(e))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'http', 'resources', e],
              message: `${e} is not in this source's entities`,
            });
        }
      } else if (s.connector === 's3-dropzone') {
        for (const e of Object.keys(s.files) as EntityName[]) {
          if (!entities.has(e))
            ctx.addIssue({ code: 'custom', path: [i, 'files', e], message: `${e} is not in this source's entities` });
        }
      }
    });
  });

export type SourceDefinition = z.infer<typeof sourceSchema>;
export type DropZoneSourceDefinition = Extract<SourceDefinition, { connector: 's3-dropzone' }>;
export type HttpSourceDefinition = Extract<SourceDefinition, { connector: 'http-json' }>;
export type StripeSourceDefinition = Extract<SourceDefinition, { connector: 'stripe' }>;
export type EcbRatesSourceDefinition = Extract<SourceDefinition, { connector: 'ecb-rates' }>;
export type ZendeskSourceDefinition = Extract<SourceDefinition, { connector: 'zendesk' }>;
export type SalesforceSourceDefinition = Extract<SourceDefinition, { connector: 'salesforce' }>;
export type HubSpotSourceDefinition = Extract<SourceDefinition, { connector: 'hubspot' }>;

/** The local time a source runs every day, or undefined when it only runs on demand. */
export function dailyTimeOf(source: SourceDefinition, ingestTime: string): string | undefined {
  if (source.schedule === 'manual') return undefined;
  if (source.schedule === 'daily') return ingestTime;
  return source.schedule.time;
}
