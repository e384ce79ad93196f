// The Pulse config (`pulse.config.json`): one typed document, validated with zod. Every problem is
// reported at once, each with its path, so an operator fixes the file in one pass.
import { z } from 'zod';
import { WEEKDAYS, isTimeZone, weekdayNumber, type IsoWeekday } from './domain/dates';
import { sourcesSchema } from './domain/sources/registry';
import { isReaderEntry, type Readers } from './domain/archive/access';
import { ALL_RULES, DEFAULT_ALERT_RULES, type AlertRuleId } from './domain/alerts/rules';
import type { AlertRuleConfig } from './domain/alerts/types';

const emailAddress = z
  .string()
  .refine((s) => /^[^\s@<>(),;:"\r\n]+@[^\s@<>(),;:"\r\n]+\.[^\s@<>(),;:"\r\n]+$/.test(s), {
    error: (i) => `"${String(i.input)}" is not an email address`,
  });

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a local time HH:MM (24-hour)' });
const weekday = z.enum(WEEKDAYS, { error: `must be a weekday name: ${WEEKDAYS.join(', ')}` });
const fraction = z.number().min(0).max(1);
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });

const healthWeights = z
  .object({
    utilization: fraction.default(0.3),
    usageTrend: fraction.default(0.3),
    support: fraction.default(0.2),
    nps: fraction.default(0.2),
  })
  .strict()
  .refine((w) => Math.abs(w.utilization + w.usageTrend + w.support + w.nps - 1) < 1e-9, {
    error: 'the four weights must add up to 1',
  });

const severity = z.enum(['warning', 'critical']);

/** Overrides for one alert rule; anything left out keeps the rule's default. */
function alertRuleOverride(id: AlertRuleId) {
  const names = Object.keys(DEFAULT_ALERT_RULES[id].params);
  // Only the rule's own parameters: a typo ("renewalWithinDay") is an unknown key, not a silent no-op.
  const params = z
    .object(Object.fromEntries(names.map((n) => [n, z.number()])))
    .strict()
    .partial();
  return z
    .object({
      enabled: z.boolean().optional(),
      severity: severity.optional(),
      params: params.optional(),
      /** Exit thresholds (hysteresis): an open alert resolves only when the rule clears with these. */
      exit: params.optional(),
      /** The rule must breach at every evaluation for this many days before the alert opens. */
      minBreachDays: z.number().int().min(0).max(365).optional(),
      play: z.string().min(1, { error: 'must not be empty' }).optional(),
    })
    .strict();
}

type AlertRuleOverride = z.infer<ReturnType<typeof alertRuleOverride>>;

const alertRuleOverrides = z
  .object(
    Object.fromEntries(ALL_RULES.map((id) => [id, alertRuleOverride(id).optional()])) as Record<
      AlertRuleId,
      z.ZodOptional<ReturnType<typeof alertRuleOverride>>
    >,
  )
  .strict();

function mergeAlertRules(
  overrides: Partial<Record<AlertRuleId, AlertRuleOverride | undefined>>,
): Record<AlertRuleId, AlertRuleConfig> {
  const out = {} as Record<AlertRuleId, AlertRuleConfig>;
  for (const id of ALL_RULES) {
    const d = DEFAULT_ALERT_RULES[id];
    const o = overrides[id] ?? {};
    const params = { ...(d.params as Record<string, number>), ...(o.params as Record<string, number> | undefined) };
    out[id] = {
      enabled: o.enabled ?? true,
      severity: o.severity ?? d.severity,
      params,
      // Exit thresholds default to the enter thresholds where the rule names none.
      exit: { ...params, ...(d.exit as Record<string, number>), ...(o.exit as Record<string, number> | undefined) },
      minBreachDays: o.minBreachDays ?? d.minBreachDays,
      play: o.play ?? d.play,
    };
  }
  return out;
}

const readerEntry = z.string().refine((s) => isReaderEntry(s), {
  error: (i) => `"${String(i.input)}" is not a reader: an e-mail address, @domain or group:<name>`,
});

/** An issuer URL: https, or http on loopback (a test or a local identity provider). */
const issuerUrl = z
  .string()
  .refine(
    (s) =>
      /^https:\/\/[^\s"<>]+$/.test(s) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/[^\s"<>]*)?$/.test(s),
    {
      error: 'must be an https:// URL (http:// only on loopback)',
    },
  );

const archiveSchema = z
  .object({
    /**
     * "sign-in" (default): a link opens only for a signed-in reader, by one-time code e-mailed to
     * the link's recipient; { "oidc": { "issuer", "clientId" } }: sign-in through an OpenID Connect
     * provider (the client secret in PULSE_OIDC_CLIENT_SECRET, never here); "link": the old bearer links.
     */
    access: z
      .union([
        z.enum(['sign-in', 'link']),
        z
          .object({
            oidc: z
              .object({
                issuer: issuerUrl,
                clientId: z.string().min(1),
                /** The ID token claim that lists the person's groups (e.g. "cognito:groups", "groups"). */
                groupsClaim: z.string().min(1).optional(),
              })
              .strict(),
          })
          .strict(),
      ])
      .default('sign-in'),
    /** How long a sign-in lasts on one browser, hours (1-24). */
    sessionHours: z.number().int().min(1).max(24).default(8),
    /** Readers besides the configured recipients, per role: addresses, @domains and group:<name>. */
    readers: z
      .object({
        finance: z.array(readerEntry).default([]),
        ceo: z.array(readerEntry).default([]),
        cco: z.array(readerEntry).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** Placeholders the report subject template may use (filled in by the report's view model). */
export const REPORT_SUBJECT_PLACEHOLDERS: readonly string[] = [
  'company',
  'week',
  'range',
  'asOf',
  'closingArr',
  'netChange',
];

export const configSchema = z
  .object({
    company: z
      .object({
        name: z.string().min(1, { error: 'must not be empty' }),
        timezone: z
          .string()
          .refine(isTimeZone, { error: (i) => `"${String(i.input)}" is not an IANA time zone (e.g. Europe/Berlin)` }),
        weekStartsOn: weekday.default('monday'),
        fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as USD' })
          .default('USD'),
        locale: z.string().default('en-US'),
      })
      .strict(),
    metrics: z
      .object({
        grossMargin: fraction.default(0.8),
        ltvMaxYears: z.number().positive().default(5),
      })
      .strict()
      .prefault({}),
    health: z
      .object({
        weights: healthWeights.prefault({}),
      })
      .strict()
      .prefault({}),
    recipients: z
      .object({
        ceo: z.array(emailAddress).min(1),
        cco: z.array(emailAddress).min(1),
        finance: z.array(emailAddress).default([]),
        operator: z.array(emailAddress).default([]),
        /** Send each account owner (owner_email in the account data) a digest of their own accounts. */
        ownersFromAccountData: z.boolean().default(true),
      })
      .strict(),
    sender: z
      .object({
        from: emailAddress,
        replyTo: emailAddress.optional(),
      })
      .strict(),
    schedules: z
      .object({
        weeklyReport: z
          .object({ day: weekday.default('monday'), time: localTime.default('08:00') })
          .strict()
          .prefault({}),
        alertDigest: z
          .object({
            days: z.array(weekday).min(1).default(['monday', 'tuesday', 'wednesday', 'thursday', 'friday']),
            time: localTime.default('07:30'),
          })
          .strict()
          .prefault({}),
        /** Daily ingest of every source, local time. */
        ingest: z
          .object({ time: localTime.default('06:00') })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** How the ingest function works through large drop-zone files (docs/sources.md, "Large files"). */
    ingest: z
      .object({
        /**
         * A drop-zone file with more data rows than this is split into parts of this many rows, each
         * ingested by its own invocation, so no invocation comes near Lambda's 15 minutes.
         */
        partRows: z.number().int().min(1).default(500_000),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        rules: alertRuleOverrides.prefault({}).transform(mergeAlertRules),
        /** Re-notify an alert still open (and not snoozed) after this many days. */
        cooldownDays: z.number().int().min(1).default(7),
        /** A warning alert whose account has an open renewal due within this many days (or overdue) escalates to critical. */
        escalateWithinDays: z.number().int().min(0).default(30),
        /** ... and only when the account breaches at least this many risk rules at once (renewal-overdue is a process rule and does not count). */
        escalateMinRiskRules: z.number().int().min(1).default(2),
        /** How many accounts the CCO digest lists under "ARR at risk". */
        topAtRisk: z.number().int().min(1).max(100).default(10),
        /**
         * In AWS, deploy the alert action endpoint (a public function URL: docs/deploy.md, "Alert
         * actions") so that the e-mails carry snooze and acknowledge links and Slack's buttons work.
         * Off by default: without it the stack has no public function URL and meets Control Tower's
         * CT.LAMBDA.PR.2 and CT.LAMBDA.PR.5. The local stack always serves the links.
         */
        actionEndpoint: z.boolean().default(false),
        snooze: z
          .object({
            /** Expiry of `pulse alerts snooze` without --until. */
            defaultDays: z.number().int().min(1).default(7),
            /** Longest snooze or acknowledgement allowed. */
            maxDays: z.number().int().min(1).default(90),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Where alerts and the Monday headline go besides e-mail (docs/alerts.md, "Channels"): Slack,
     * Microsoft Teams, CRM tasks. Each is off until configured; each fails on its own.
     */
    notifications: z
      .object({
        slack: z
          .object({
            /** Slack's Web API base (a test or the demo points it at a loopback fake). */
            apiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://slack.com/api/'),
            /** Environment variable holding the bot token (xoxb-...): how the token arrives locally. */
            tokenEnv: envVarName.default('SLACK_BOT_TOKEN'),
            /** AWS Secrets Manager secret name or ARN holding the bot token (in AWS; the plain token or JSON with "token"). */
            secretName: z.string().min(1).optional(),
            /** The CCO's channel: critical alerts and the daily digest (a name like #cs-renewal-risk or a channel id). */
            channel: z.string().min(1),
            /** Also send each critical alert to the account owner as a direct message (found by e-mail). */
            directMessageOwners: z.boolean().default(true),
            /** Where the Monday headline goes (none when left out). */
            weeklyReportChannel: z.string().min(1).optional(),
          })
          .strict()
          .optional(),
        teams: z
          .object({
            /** Environment variable holding the Workflows webhook URL: how it arrives locally. */
            webhookUrlEnv: envVarName.default('TEAMS_WEBHOOK_URL'),
            /** AWS Secrets Manager secret name or ARN holding the webhook URL (in AWS; the plain URL or JSON with "url"). */
            secretName: z.string().min(1).optional(),
            /** Post the critical alerts (default true). */
            criticalAlerts: z.boolean().default(true),
            /** Post the CCO's daily digest (default true). */
            digest: z.boolean().default(true),
            /** Post the Monday headline (default true). */
            weeklyHeadline: z.boolean().default(true),
          })
          .strict()
          .optional(),
        /** One CRM task per alert for its owner, updated on snooze and completed on resolve (docs/alerts.md, "CRM tasks"). */
        crmTasks: z
          .object({
            system: z.enum(['hubspot', 'salesforce']),
            /** The configured source (same connector) whose API base and credentials the tasks use. */
            source: z.string().min(1),
            /** Days from the alert's opening to the task's due date (never after the renewal's due date). */
            dueInDays: z
              .object({
                critical: z.number().int().min(0).max(90).default(2),
                warning: z.number().int().min(0).max(90).default(7),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** The Monday executive report (docs/report.md). */
    report: z
      .object({
        /** Subject line; placeholders: {{company}}, {{week}}, {{range}}, {{asOf}}, {{closingArr}}, {{netChange}}. */
        subject: z
          .string()
          .min(1, { error: 'must not be empty' })
          .refine(
            (s) =>
              [...s.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].every((m) =>
                REPORT_SUBJECT_PLACEHOLDERS.includes(m[1] as string),
              ),
            {
              error:
                'may only use the placeholders {{company}}, {{week}}, {{range}}, {{asOf}}, {{closingArr}}, {{netChange}}',
            },
          )
          .default('{{company}} weekly: ARR {{closingArr}} ({{netChange}}) · {{range}}'),
        /** Fail closed unless the data is fresh. */
        freshness: z
          .object({
            /** Sources (names in `sources`) that must have a successful ingest for the week. Default: every source not scheduled `manual`. */
            requiredSources: z.array(z.string().min(1)).optional(),
            /** An ingest older than this many days is stale. */
            maxAgeDays: z.number().int().min(1).default(3),
          })
          .strict()
          .prefault({}),
        /** Renewal risks: red/yellow customers whose renewal is due within this many days (or overdue). */
        riskWindowDays: z.number().int().min(1).max(365).default(90),
        /** Base URL of the archive's download endpoint (until it exists, the email names the S3 location). */
        archiveBaseUrl: z
          .string()
          .regex(/^https:\/\/[^\s"<>]+$/, { error: 'must be an https:// URL' })
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Where the data comes from: drop-zone folders and HTTP APIs (docs/sources.md). */
    sources: sourcesSchema,
    /** Who may open the finance archive (docs/archive-access.md). */
    archive: archiveSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    const tasks = c.notifications.crmTasks;
    if (!tasks) return;
    const source = c.sources.find((s) => s.name === tasks.source);
    if (!source)
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'crmTasks', 'source'],
        message: `names no configured source ("${tasks.source}")`,
      });
    else if (source.connector !== tasks.system) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'crmTasks', 'source'],
        message: `"${tasks.source}" is a ${source.connector} source, not ${tasks.system}`,
      });
    }
  });

export type PulseConfig = z.infer<typeof configSchema>;
export type PulseConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Validates a parsed config document; throws one ConfigError listing every problem with its path. */
export function parseConfig(doc: unknown, source = 'config'): PulseConfig {
  const result = configSchema.safeParse(doc);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(root)';
    if (i.code === 'unrecognized_keys')
      return `${path}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    if (i.code === 'invalid_type' && i.input === undefined) return `${path}: is required`;
    return `${path}: ${i.message}`;
  });
  throw new ConfigError(source, problems);
}

/** Parses the JSON text of a config file; a syntax error is a ConfigError too. */
export function parseConfigText(text: string, source: string): PulseConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(source, [`(root): not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(doc, source);
}

export function weekStartsOnNumber(config: PulseConfig): IsoWeekday {
  return weekdayNumber(config.company.weekStartsOn);
}

// ---- the Lambda environment ---------------------------------------------------------------

export const lambdaEnvSchema = z.object({
  PULSE_TABLE: z.string().min(1),
  PULSE_DROPZONE_BUCKET: z.string().min(1),
  PULSE_ARCHIVE_BUCKET: z.string().min(1),
  PULSE_REJECTS_BUCKET: z.string().min(1),
  /** The download endpoint (function URL) that turns signed archive links into presigned URLs. */
  PULSE_DOWNLOAD_URL: z.string().url().optional(),
  /** The Secrets Manager secret holding the link signing key(s). */
  PULSE_LINK_SECRET_ID: z.string().min(1).optional(),
  /** The alert function, invoked for immediate critical alerts after an ingest that wrote data. */
  PULSE_ALERTS_FUNCTION: z.string().min(1).optional(),
  /** The SES configuration set every send goes through (bounce and complaint handling). */
  PULSE_SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** The deployment's stage, the dimension of the operational metrics (e.g. `prod`). */
  PULSE_STAGE: z.string().min(1).optional(),
  /** Where the validated config travels with the code (copied into every bundle at synth). */
  PULSE_CONFIG_PATH: z.string().min(1).optional(),
});

export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

/** Parses the function environment once; a missing variable is a deploy bug, so say which. */
export function parseLambdaEnv(env: Record<string, string | undefined>): LambdaEnv {
  const result = lambdaEnvSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      'the function environment',
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.input === undefined ? 'is not set' : i.message}`),
    );
  }
  return result.data;
}

/** The archive's readers per role: the configured recipients plus `archive.readers`. */
export function archiveReaders(config: PulseConfig): Readers {
  const r = config.archive.readers;
  return {
    finance: [...config.recipients.finance, ...r.finance],
    ceo: [...config.recipients.ceo, ...r.ceo],
    cco: [...config.recipients.cco, ...r.cco],
  };
}
