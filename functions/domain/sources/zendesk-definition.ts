// The config of a Zendesk Support source (`"connector": "zendesk"`): tickets with their priority,
// solve date and satisfaction rating, named by their organization's Pulse account (the source's
// `identity` rules, functions/domain/sources/account-identity.ts). The registry adds the source to
// its union.
import { z } from 'zod';
import { envName, retrySettingsShape } from './api-settings';

/** The entities a help-desk connector yields. */
export const ZENDESK_ENTITIES = ['tickets'] as const;

/** `zendesk: { ... }`: where the account is, how Pulse signs in, how it paces and retries. */
export const zendeskSettingsSchema = z
  .object({
    /** The account's origin, `https://<subdomain>.zendesk.com` (a test or a proxy points it elsewhere). */
    apiBase: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://<subdomain>.zendesk.com' }),
    /** Environment variable holding the agent's e-mail address (locally). */
    emailEnv: envName.default('ZENDESK_EMAIL'),
    /** Environment variable holding the API token (locally). */
    tokenEnv: envName.default('ZENDESK_TOKEN'),
    /** AWS Secrets Manager secret name or ARN (in AWS): JSON `{ "email": "...", "token": "..." }`. */
    secretName: z.string().min(1).optional(),
    /** The first sync reads tickets changed since this date (YYYY-MM-DD, UTC); later syncs continue from the cursor. */
    startDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' })
      .default('2015-01-01'),
    /** Tickets per page of the incremental export (Zendesk allows up to 1000). */
    pageSize: z.number().int().min(1).max(1000).default(1000),
    /** Longer backoff than the others: the incremental export allows 10 requests a minute. */
    ...retrySettingsShape({ maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 }),
    /** Satisfaction ratings are re-read from this long before the newest one seen (late or edited ratings). */
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400 * 7)
      .default(3_600),
    /** Safety stop for an export that never ends. */
    maxPages: z.number().int().min(1).default(100_000),
  })
  .strict();
