// The `hubspot` section of a HubSpot source (pulse.config.json `sources`): where the API is, where
// the private app's token comes from, which properties name the account's segment and region, and
// which deals are renewals and which are expansions (docs/sources-hubspot.md).
import { z } from 'zod';
import { envName, retrySettingsShape } from './api-settings';

const names = z.array(z.string().min(1));

/** The entities a CRM connector yields. */
export const CRM_ENTITIES = ['accounts', 'renewals', 'expansions'] as const;

/** HubSpot's own ids of its default sales pipeline's closed stages. */
export const HUBSPOT_DEFAULT_STAGES = { won: ['closedwon'], lost: ['closedlost'] } as const;

export const hubspotSettingsSchema = z
  .object({
    /** HubSpot's API origin; a test or a proxy points it elsewhere. */
    apiBase: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://api.hubapi.com'),
    /** Environment variable holding the private app's access token: how the token arrives locally. */
    tokenEnv: envName.default('HUBSPOT_TOKEN'),
    /** AWS Secrets Manager secret name or ARN holding the token (the plain token or JSON with "token"). */
    secretName: z.string().min(1).optional(),
    /** Company property holding the account's segment (a custom property; absent = no segment). */
    segmentProperty: z.string().min(1).default('segment'),
    /** Company property holding the account's region. */
    regionProperty: z.string().min(1).default('country'),
    /** Which deals are renewals: a deal in one of these pipelines, or of one of these deal types. */
    renewals: z
      .object({
        pipelines: names.default([]),
        dealTypes: names.default(['renewal']),
        /** Deal property holding the ARR up for renewal (default: the deal's amount). */
        arrUpProperty: z.string().min(1).default('amount'),
      })
      .strict()
      .prefault({}),
    /** Which deals are expansions (a renewal rule wins over these); cross-sell when of a cross-sell type. */
    expansions: z
      .object({
        pipelines: names.default([]),
        dealTypes: names.default(['existingbusiness', 'upsell', 'cross_sell']),
        crossSellDealTypes: names.default(['cross_sell']),
      })
      .strict()
      .prefault({}),
    /**
     * Deal stage ids -> won / lost / open. A stage named nowhere follows HubSpot's own
     * hs_is_closed_won / hs_is_closed (the stage's "closed won" / "closed lost" setting).
     */
    stages: z
      .object({
        won: names.default([...HUBSPOT_DEFAULT_STAGES.won]),
        lost: names.default([...HUBSPOT_DEFAULT_STAGES.lost]),
        open: names.default([]),
      })
      .strict()
      .prefault({}),
    /** A full list scan (catches what search cannot: merges, restored records, index lag) this often. */
    fullScanEveryDays: z.number().int().min(1).max(365).default(7),
    /** A daily sync re-reads changes from this many minutes before the newest change it saw last time. */
    overlapMinutes: z.number().int().min(0).max(10_080).default(15),
    /** The private app's budget: 190 requests per 10 s on Professional and Enterprise, 100 on Free and Starter. */
    requestsPer10Seconds: z
      .number()
      .int()
      .min(1)
      .max(190, { error: "must be at most 190 (HubSpot's largest private-app budget)" })
      .default(190),
    /** CRM search requests per second (HubSpot allows 5 per account). */
    searchRequestsPerSecond: z
      .number()
      .positive({ error: 'must be above 0' })
      .max(5, { error: "must be at most 5 (HubSpot's search limit)" })
      .default(4),
    ...retrySettingsShape({ maxAttempts: 6 }),
  })
  .strict()
  .superRefine((h, ctx) => {
    const both = (a: string[], b: string[]) => a.filter((x) => b.includes(x));
    for (const p of both(h.renewals.pipelines, h.expansions.pipelines)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expansions', 'pipelines'],
        message: `pipeline "${p}" is also a renewal pipeline`,
      });
    }
    for (const t of both(h.renewals.dealTypes, h.expansions.dealTypes)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expansions', 'dealTypes'],
        message: `deal type "${t}" is also a renewal deal type`,
      });
    }
    const stages = [
      ...h.stages.won.map((s) => ['won', s]),
      ...h.stages.lost.map((s) => ['lost', s]),
      ...h.stages.open.map((s) => ['open', s]),
    ];
    const seen = new Map<string, string>();
    for (const [kind, stage] of stages) {
      const first = seen.get(stage!);
      if (first !== undefined && first !== kind)
        ctx.addIssue({ code: 'custom', path: ['stages', kind!], message: `stage "${stage}" is also ${first}` });
      else seen.set(stage!, kind!);
    }
  });

export type HubSpotSettings = z.infer<typeof hubspotSettingsSchema>;
