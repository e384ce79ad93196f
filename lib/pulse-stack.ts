// The Pulse stack: wires the constructs and passes them props; it owns no resources of its own.
// Jobs come from the JOBS table below: one entry per job, wired only when bin/app.ts found the
// job's handler (functions/handlers/<name>.ts) at synth time, so the stack grows as handlers land.
import { Annotations, ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Policy, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PulseConfig } from '../functions/config';
import { WEEKDAYS, type WeekdayName } from '../functions/domain/dates';
import { PARTS_PREFIX } from '../functions/domain/sources/parts';
import { ingestTimes } from '../functions/domain/sources/schedule';
import { DataStore, type TableAction } from './constructs/data-store';
import { ArchiveAccess } from './constructs/archive-access';
import { ArchiveDataEvents } from './constructs/archive-data-events';
import { DownloadEndpoint, type DownloadDomain, type DownloadWebAcl } from './constructs/download-endpoint';
import { AlertActionEndpoint } from './constructs/alert-action-endpoint';
import { Mailer } from './constructs/mailer';
import { Monitoring } from './constructs/monitoring';
import { acknowledge, acknowledgeWildcardResources } from './constructs/nag';
import { BUNDLED_CONFIG_NAME, type BundleAsset, type PulseFunctionEnvironment } from './constructs/pulse-function';
import { DROP_ZONE_PREFIXES, ReportArchive, type ArchiveObjectLock } from './constructs/report-archive';
import { ScheduledJob, localCron, type JobScheduleProps } from './constructs/scheduled-job';

// ---- the jobs ----------------------------------------------------------------------------------

/** What a job's role may touch; each capability maps to explicit actions on explicit resources. */
export type Capability =
  | 'table:read' //        GetItem, Query, Scan on the table and its named indexes
  | 'table:upsert' //      PutItem, BatchWriteItem (idempotent upserts of records and snapshots)
  | 'table:claim' //       PutItem, UpdateItem (conditional claims: run ledger, one send per recipient)
  | 'dropzone:consume' //  list, read, delete and put under incoming/, processed/, failed/ and parts/ (large files split)
  | 'rejects:write' //     put rejects reports
  | 'archive:write' //     put and read archive objects (SSE-KMS with the archive key)
  | 'mail:send' //         SES SendEmail from the sender identity through the configuration set
  | 'links:sign' //      GetSecretValue on the download link signing key (nothing without the download endpoint)
  | 'sources:secrets' //  GetSecretValue on the secrets named by the HTTP and Stripe sources (nothing when there are none)
  | 'chat:secrets' //     GetSecretValue on the Slack token and Teams webhook secrets (notifications.*.secretName; nothing when none)
  | 'crm:secrets'; //      GetSecretValue on the secrets of the source notifications.crmTasks names (nothing without CRM tasks)

export interface JobDefinition {
  /** The handler module, relative to the project root. The synth fails when it does not exist. */
  readonly handler: string;
  readonly description: string;
  /** The job's schedules, from the config (local times in `company.timezone`). */
  readonly schedules: (config: PulseConfig) => JobScheduleProps[];
  readonly access: readonly Capability[];
  /** Also invoke the job for each object created under the drop-zone's `incoming/` and `parts/` (the parts of a large file). */
  readonly onDropZoneUpload?: boolean;
  /** @default 5 minutes */
  readonly timeoutMinutes?: number;
  /** @default 512 MB */
  readonly memoryMb?: number;
  /** Non-JavaScript files the handler reads at run time, copied beside its bundle. */
  readonly bundleAssets?: readonly BundleAsset[];
}

/** What the weekly report reads beside its bundle: the prepared templates, resvg's wasm and the chart font (docs/charts.md). */
export const REPORT_BUNDLE_ASSETS: readonly BundleAsset[] = [
  { source: 'templates', target: 'templates', prepare: 'email-templates' },
  // Brotli-compressed (2.4 -> 0.66 MB and 0.33 -> 0.12 MB); charts.ts decompresses them once per process.
  { source: 'node_modules/@resvg/resvg-wasm/index_bg.wasm', target: 'resvg.wasm.br', prepare: 'brotli' },
  {
    source: 'node_modules/@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf',
    target: 'chart-font.ttf.br',
    prepare: 'brotli',
  },
];

/** What the alert digests read beside their bundle: the email templates, prepared (CSS inlined). */
export const ALERT_BUNDLE_ASSETS: readonly BundleAsset[] = [
  { source: 'templates', target: 'templates', prepare: 'email-templates' },
];

const tz = (c: PulseConfig) => c.company.timezone;
const daily = (id: string, time: string, c: PulseConfig): JobScheduleProps => ({
  id,
  expression: localCron({ time, timeZone: tz(c) }),
  description: `Pulse: every day at ${time} ${tz(c)}`,
});
const weekly = (id: string, days: readonly WeekdayName[], time: string, c: PulseConfig): JobScheduleProps => ({
  id,
  expression: localCron({ days, time, timeZone: tz(c) }),
  description: `Pulse: ${days.join(', ')} at ${time} ${tz(c)}`,
});

/**
 * The jobs that load the dataset into memory (compute-week, the report, the alerts). Measured with
 * `npm run bench` at 100k accounts: the 13-week computation completes with a 1.5 GB heap cap (peak
 * RSS 1.8 GB) and the report's data peaks at 2 GB, so they get 3 GB (and with it ~2 vCPUs) and
 * Lambda's longest timeout. At 512 MB they would run out of memory at ~20k accounts.
 */
const DATASET_JOB = { memoryMb: 3008, timeoutMinutes: 15 } as const;

/**
 * Every job Pulse deploys, each naming its handler. Adding a job = one entry here + its handler
 * file; bin/app.ts wires every entry, and the synth fails when a named handler does not exist.
 */
export const JOBS = {
  // One schedule per distinct daily time (sources may have their own); the handler runs the sources due at each.
  ingest: {
    handler: 'functions/handlers/ingest.ts',
    description: 'Ingest drop-zone files and HTTP sources into the table',
    schedules: (c) => ingestTimes(c).map((t, i) => daily(i === 0 ? 'Daily' : `Daily${t.replace(':', '')}`, t, c)),
    access: ['table:read', 'table:upsert', 'dropzone:consume', 'rejects:write', 'sources:secrets'],
    onDropZoneUpload: true,
    timeoutMinutes: 15,
  },
  'compute-week': {
    handler: 'functions/handlers/compute-week.ts',
    description: 'Compute the weekly KPI snapshot',
    schedules: (c) => [weekly('Weekly', [computeWeekAt(c).day], computeWeekAt(c).time, c)],
    access: ['table:read', 'table:upsert'],
    ...DATASET_JOB,
  },
  'weekly-report': {
    handler: 'functions/handlers/weekly-report.ts',
    description: 'Send and archive the weekly executive report',
    schedules: (c) => [weekly('Weekly', [c.schedules.weeklyReport.day], c.schedules.weeklyReport.time, c)],
    access: ['table:read', 'table:claim', 'archive:write', 'mail:send', 'links:sign', 'chat:secrets'],
    bundleAssets: REPORT_BUNDLE_ASSETS,
    ...DATASET_JOB,
  },
  'alert-digest': {
    handler: 'functions/handlers/alert-digest.ts',
    description: 'Evaluate renewal-risk rules and send the alert digests',
    schedules: (c) => [weekly('Digest', c.schedules.alertDigest.days, c.schedules.alertDigest.time, c)],
    access: ['table:read', 'table:upsert', 'table:claim', 'mail:send', 'chat:secrets', 'crm:secrets'],
    bundleAssets: ALERT_BUNDLE_ASSETS,
    ...DATASET_JOB,
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** compute-week runs on the report day, this long before the report. */
export const COMPUTE_LEAD_MINUTES = 60;

/** When compute-week runs: the weekly report's local day and time minus COMPUTE_LEAD_MINUTES. */
export function computeWeekAt(config: PulseConfig): { day: WeekdayName; time: string } {
  return shiftLocal(config.schedules.weeklyReport.day, config.schedules.weeklyReport.time, -COMPUTE_LEAD_MINUTES);
}

function shiftLocal(day: WeekdayName, time: string, deltaMinutes: number): { day: WeekdayName; time: string } {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const total = h * 60 + m + deltaMinutes;
  const dayShift = Math.floor(total / 1440);
  const minutes = ((total % 1440) + 1440) % 1440;
  const newDay = WEEKDAYS[(((WEEKDAYS.indexOf(day) + dayShift) % 7) + 7) % 7]!;
  return {
    day: newDay,
    time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
  };
}

/**
 * Writes the validated config where the bundling step copies it from (into every function asset as
 * pulse.config.json); returns its absolute path.
 */
export function writeFunctionConfig(config: PulseConfig, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = resolve(join(dir, BUNDLED_CONFIG_NAME));
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

// ---- the stack ---------------------------------------------------------------------------------

export interface PulseStackProps extends StackProps {
  /** The validated config (parseConfigText). Schedules, recipients and the sender come from it. */
  readonly config: PulseConfig;
  /** The same config as a file (writeFunctionConfig), copied into every function bundle. */
  readonly configFile: string;
  /** Jobs to wire: the app wires every job of JOBS; tests pick some. */
  readonly jobs: readonly JobName[];
  /** Absolute path of a job's handler module (the app: the project root + JOBS[job].handler). */
  readonly handlerEntry: (job: JobName) => string;
  /** Deployment stage (e.g. `prod`): the Stage dimension of the Pulse metrics. */
  readonly stage: string;
  /** @default 7 */
  readonly archiveRetentionYears?: number;
  /** Absolute path of functions/handlers/download.ts: the archive's download endpoint is wired when given. */
  readonly downloadEntry?: string;
  /** A custom domain for the download endpoint's CloudFront distribution. */
  readonly downloadDomain?: DownloadDomain;
  /** Absolute path of functions/handlers/alert-action.ts: the alert action endpoint (with the download endpoint's key) when given. */
  readonly alertActionEntry?: string;
  /** AWS WAF in front of the download endpoint. */
  readonly downloadWebAcl?: DownloadWebAcl;
  /**
   * A Cognito user pool as the archive's identity provider (docs/archive-access.md).
   * @default context "archiveUserPool" = "true", else false
   */
  readonly archiveUserPool?: boolean;
  /**
   * S3 Object Lock on the archive bucket for the retention period; only when the bucket is created.
   * @default context "archiveObjectLock" (governance | compliance), else none
   */
  readonly archiveObjectLock?: ArchiveObjectLock;
  /**
   * CloudTrail S3 data events for the archive (every direct read and write under archive/).
   * @default context "archiveCloudTrail" = "true", else false
   */
  readonly archiveCloudTrail?: boolean;
}

export class PulseStack extends Stack {
  readonly dataStore: DataStore;
  readonly archive: ReportArchive;
  readonly mailer: Mailer;
  readonly monitoring: Monitoring;
  readonly jobs: Partial<Record<JobName, ScheduledJob>> = {};
  /** The archive's download endpoint (function URL), when the props name its handler (the app always does). */
  readonly download?: DownloadEndpoint;
  /** Sign-in, link records, audit and the identity provider of the download endpoint. */
  readonly archiveAccess?: ArchiveAccess;
  /** Snooze and acknowledge from the alert e-mails and Slack (function URL), when the props name its handler. */
  readonly alertActions?: AlertActionEndpoint;
  private readonly pulseConfig: PulseConfig;

  constructor(scope: Construct, id: string, props: PulseStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.pulseConfig = config;

    this.dataStore = new DataStore(this, 'DataStore');
    const objectLock = props.archiveObjectLock ?? objectLockFromContext(this.node.tryGetContext('archiveObjectLock'));
    this.archive = new ReportArchive(this, 'Storage', {
      retentionYears: props.archiveRetentionYears,
      ...(objectLock ? { objectLock } : {}),
    });
    if (props.archiveCloudTrail ?? String(this.node.tryGetContext('archiveCloudTrail') ?? '') === 'true') {
      new ArchiveDataEvents(this, 'ArchiveDataEvents', {
        archiveBucket: this.archive.archiveBucket,
        accessLogsBucket: this.archive.accessLogsBucket,
        retentionYears: props.archiveRetentionYears ?? 7,
      });
    }
    this.mailer = new Mailer(this, 'Mailer', { senderAddress: config.sender.from });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      operatorEmails: config.recipients.operator,
      stage: props.stage,
      timeZone: config.company.timezone,
      // Until a weekly-report function exists nothing can publish the metric: keep the alarm quiet.
      deadMansSwitchActionsEnabled: props.jobs.includes('weekly-report'),
    });

    const environment: PulseFunctionEnvironment = {
      PULSE_TABLE: this.dataStore.table.tableName,
      PULSE_DROPZONE_BUCKET: this.archive.dropZoneBucket.bucketName,
      PULSE_ARCHIVE_BUCKET: this.archive.archiveBucket.bucketName,
      PULSE_REJECTS_BUCKET: this.archive.rejectsBucket.bucketName,
      PULSE_STAGE: props.stage,
    };
    if (props.downloadEntry) {
      this.download = new DownloadEndpoint(this, 'Download', {
        entry: props.downloadEntry,
        configFile: props.configFile,
        environment,
        archiveBucket: this.archive.archiveBucket,
        archiveKey: this.archive.archiveKey,
        ...(props.downloadDomain ? { domain: props.downloadDomain } : {}),
        ...(props.downloadWebAcl ? { webAcl: props.downloadWebAcl } : {}),
      });
      this.archiveAccess = new ArchiveAccess(this, 'ArchiveAccess', {
        config,
        endpoint: this.download,
        table: this.dataStore.table,
        mailer: this.mailer,
        alarmTopic: this.monitoring.topic,
        stage: props.stage,
        retentionYears: props.archiveRetentionYears ?? 7,
        userPool: props.archiveUserPool ?? String(this.node.tryGetContext('archiveUserPool') ?? '') === 'true',
      });
    }
    /**
     * Jobs that sign archive links also learn where the endpoint is and which secret signs; jobs
     * that send mail learn the configuration set (their grant allows sending only through it).
     */
    const envFor = (def: JobDefinition): PulseFunctionEnvironment => ({
      ...environment,
      ...(this.download && def.access.includes('links:sign')
        ? { PULSE_DOWNLOAD_URL: this.download.url, PULSE_LINK_SECRET_ID: this.download.signingKey.secretArn }
        : {}),
      ...(def.access.includes('mail:send')
        ? { PULSE_SES_CONFIGURATION_SET: this.mailer.configurationSet.configurationSetName }
        : {}),
    });

    for (const name of JOB_NAMES) {
      if (!props.jobs.includes(name)) continue;
      const def: JobDefinition = JOBS[name];
      const id = constructId(name);
      const job = new ScheduledJob(this, id, {
        entry: props.handlerEntry(name),
        configFile: props.configFile,
        environment: envFor(def),
        description: `Pulse ${name}: ${def.description}`,
        timeout: Duration.minutes(def.timeoutMinutes ?? 5),
        memorySize: def.memoryMb ?? 512,
        schedules: def.schedules(config),
        ...(def.bundleAssets ? { bundleAssets: def.bundleAssets } : {}),
      });
      for (const capability of def.access) this.grant(job.role, capability, name);
      if (def.onDropZoneUpload) {
        // incoming/: uploads; parts/: the parts a large file was split into, one invocation each.
        for (const prefix of [DROP_ZONE_PREFIXES.incoming, PARTS_PREFIX]) {
          this.archive.dropZoneBucket.addEventNotification(
            EventType.OBJECT_CREATED,
            new LambdaDestination(job.function),
            { prefix },
          );
        }
      }
      this.monitoring.watchJob(id, job);
      this.jobs[name] = job;
      // `pulse ... --target aws` reruns a job by invoking its function (bin/commands/target.ts).
      new CfnOutput(this, `${id}FunctionName`, {
        value: job.pulseFunction.function.functionName,
        description: `The ${name} function (pulse --target aws invokes it)`,
      });
    }
    this.acknowledgeNotificationsHandler();

    // Critical alerts go out right after the ingest that revealed them: ingest invokes the alert
    // function asynchronously (Lambda queues and retries the event).
    const ingestJob = this.jobs.ingest;
    const alertJob = this.jobs['alert-digest'];
    // Opt-in: the endpoint is a public function URL (see config alerts.actionEndpoint).
    if (config.alerts.actionEndpoint && props.alertActionEntry && this.download) {
      this.alertActions = new AlertActionEndpoint(this, 'AlertActions', {
        entry: props.alertActionEntry,
        configFile: props.configFile,
        environment,
        table: this.dataStore.table,
        linkSigningKey: this.download.signingKey,
        slack: Boolean(config.notifications.slack),
        // A snooze moves the alert's CRM task (the endpoint signs in to the CRM as the alert job does) and
        // updates the alert's Slack messages with the bot token.
        readSecretArns: this.secretArns([
          ...crmSecretIds(config),
          ...(config.notifications.slack?.secretName ? [config.notifications.slack.secretName] : []),
        ]),
      });
      // The alert e-mails carry signed snooze and acknowledge links to it.
      if (alertJob) this.alertActions.grantSignLinks(alertJob.pulseFunction, this.download.signingKey);
    }
    if (ingestJob && alertJob) {
      ingestJob.pulseFunction.function.addEnvironment(
        'PULSE_ALERTS_FUNCTION',
        alertJob.pulseFunction.function.functionName,
      );
      ingestJob.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [alertJob.pulseFunction.function.functionArn],
        }),
      );
    }

    // A Stripe backfill or a first Salesforce sync longer than one invocation continues in the next:
    // ingest invokes itself asynchronously with `{ source }`. A policy of its own, so the function
    // does not depend on a policy that names the function (a dependency cycle).
    if (ingestJob && config.sources.some((s) => s.connector === 'stripe' || s.connector === 'salesforce')) {
      const selfInvoke = new Policy(this, 'IngestContinues', {
        roles: [ingestJob.role],
        statements: [
          new PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: [ingestJob.pulseFunction.function.functionArn],
          }),
        ],
      });
      acknowledge(
        selfInvoke,
        'NIST.800.53.R5-IAMNoInlinePolicy',
        'Allows lambda:InvokeFunction on the ingest function alone (a Stripe backfill continuing in a new invocation) and is attached to the ingest role alone; a customer-managed policy would hold the same statement and be reused by no other role.',
      );
    }

    if (props.jobs.includes('compute-week') && props.jobs.includes('ingest')) {
      const at = computeWeekAt(config);
      if (at.day === config.schedules.weeklyReport.day && at.time < config.schedules.ingest.time) {
        Annotations.of(this).addWarningV2(
          'pulse:compute-before-ingest',
          `compute-week runs at ${at.time}, before the daily ingest at ${config.schedules.ingest.time}: the Monday KPIs will not include that morning's files.`,
        );
      }
    }

    new CfnOutput(this, 'DropZoneBucketName', {
      value: this.archive.dropZoneBucket.bucketName,
      description: `Upload source files under s3://<this>/${DROP_ZONE_PREFIXES.incoming}`,
    });
    new CfnOutput(this, 'ArchiveBucketName', {
      value: this.archive.archiveBucket.bucketName,
      description: 'Finance archive',
    });
    new CfnOutput(this, 'RejectsBucketName', {
      value: this.archive.rejectsBucket.bucketName,
      description: 'Rejects reports of ingest',
    });
    new CfnOutput(this, 'TableName', {
      value: this.dataStore.table.tableName,
      description: 'Pulse table (single-table design)',
    });
    new CfnOutput(this, 'OperatorTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'Alarm notifications',
    });
    new CfnOutput(this, 'SesFeedbackTopicArn', {
      value: this.mailer.feedbackTopic.topicArn,
      description: 'SES bounces and complaints',
    });
  }

  /**
   * GetSecretValue on these secrets (names or ARNs), nothing when there are none. A secret name
   * matches its ARN with Secrets Manager's random 6-character suffix.
   */
  private grantReadSecrets(add: (actions: string[], resources: string[]) => void, ids: readonly string[]): void {
    if (ids.length === 0) return;
    add(['secretsmanager:GetSecretValue'], this.secretArns(ids));
  }

  /** The ARNs of secrets given by name or ARN, each once. */
  private secretArns(ids: readonly string[]): string[] {
    return [...new Set(ids)].map((id) =>
      id.startsWith('arn:')
        ? id
        : this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${id}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
    );
  }

  /** Grants one capability to a job's role: explicit actions, explicit resources. */
  private grant(role: Role, capability: Capability, job: JobName): void {
    const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources, conditions }));
    const table = (actions: TableAction[]) => this.dataStore.grantActions(role, actions);
    const { dropZoneBucket, rejectsBucket, archiveBucket, archiveKey } = this.archive;

    switch (capability) {
      case 'table:read':
        return table(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']);
      case 'table:upsert':
        return table(['dynamodb:PutItem', 'dynamodb:BatchWriteItem']);
      case 'table:claim':
        return table(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
      case 'dropzone:consume': {
        const prefixes = [...Object.values(DROP_ZONE_PREFIXES), PARTS_PREFIX];
        add(['s3:ListBucket'], [dropZoneBucket.bucketArn], {
          StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) },
        });
        const objects = prefixes.map((p) => `${dropZoneBucket.bucketArn}/${p}*`);
        add(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], objects);
        return acknowledgeWildcardResources(
          role,
          objects,
          `The ${job} function reads source files that arrive under any key below incoming/ and moves each to processed/ or failed/ (copy + delete); it splits files too large for one invocation into parts under parts/, each read and deleted by a later invocation; object names are not known in advance, so the grant is scoped to these four prefixes of the drop-zone bucket.`,
        );
      }
      case 'rejects:write': {
        const objects = [`${rejectsBucket.bucketArn}/*`];
        add(['s3:PutObject'], objects);
        return acknowledgeWildcardResources(
          role,
          objects,
          `The ${job} function writes one rejects report per run under a run-specific key; the bucket holds nothing else, and the grant is put-only.`,
        );
      }
      case 'archive:write': {
        const objects = [`${archiveBucket.bucketArn}/*`];
        add(['s3:ListBucket'], [archiveBucket.bucketArn]);
        add(['s3:PutObject', 's3:GetObject'], objects);
        add(['kms:GenerateDataKey', 'kms:Decrypt'], [archiveKey.keyArn]);
        return acknowledgeWildcardResources(
          role,
          objects,
          `The ${job} function writes each week's report, extracts and manifest under a per-week key of the archive bucket and reads them back to checksum them; no delete permission, and the bucket is versioned.`,
        );
      }
      case 'sources:secrets':
        return this.grantReadSecrets(add, this.pulseConfig.sources.flatMap(sourceSecretIds));
      case 'chat:secrets': {
        const { slack, teams } = this.pulseConfig.notifications;
        return this.grantReadSecrets(
          add,
          [slack?.secretName, teams?.secretName].filter((id): id is string => id !== undefined),
        );
      }
      case 'crm:secrets':
        return this.grantReadSecrets(add, crmSecretIds(this.pulseConfig));
      case 'links:sign':
        return this.download?.grantSignLinks(role);
      case 'mail:send':
        return this.mailer.grantSend(role);
    }
  }

  /**
   * S3 event notifications are configured by a CDK-provided singleton function
   * (BucketNotificationsHandler) that runs only during deployments; CDK always gives its role the
   * managed AWSLambdaBasicExecutionRole.
   */
  private acknowledgeNotificationsHandler(): void {
    const handler = this.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (!handler) return;
    const notifications = this.archive.dropZoneBucket.node.tryFindChild('Notifications');
    if (notifications) {
      acknowledge(
        notifications,
        'NIST.800.53.R5-IAMNoInlinePolicy',
        'CDK-internal: the policy aws-cdk-lib gives the BucketNotificationsHandler role (s3:PutBucketNotification on the drop-zone bucket, used during deployments only) and attaches to that role alone.',
      );
    }
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-internal custom resource (BucketNotificationsHandler) that sets the drop-zone bucket notification during deployments only; aws-cdk-lib attaches the managed AWSLambdaBasicExecutionRole (logs only) to its role even when a role is passed in, and its other permission is s3:PutBucketNotification on the drop-zone bucket alone.',
    );
  }
}

/** `weekly-report` -> `WeeklyReport` (construct ids, and so logical ids, stay stable). */
function constructId(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The Secrets Manager secrets a source reads its credentials from (in AWS). */
function sourceSecretIds(src: PulseConfig['sources'][number]): string[] {
  if (src.connector === 'http-json') return src.http.auth.type !== 'none' ? [src.http.auth.secretId] : [];
  if (src.connector === 'stripe') return src.stripe.secretName ? [src.stripe.secretName] : [];
  if (src.connector === 'hubspot') return src.hubspot.secretName ? [src.hubspot.secretName] : [];
  if (src.connector === 'salesforce') return src.salesforce.auth ? [src.salesforce.auth.secretName] : [];
  if (src.connector === 'zendesk') return src.zendesk.secretName ? [src.zendesk.secretName] : [];
  return [];
}

/** The secrets the CRM tasks sign in with: those of the source notifications.crmTasks names (none without it). */
function crmSecretIds(config: PulseConfig): string[] {
  const tasks = config.notifications.crmTasks;
  const source = tasks && config.sources.find((s) => s.name === tasks.source);
  return source ? sourceSecretIds(source) : [];
}

/** `-c archiveObjectLock=governance|compliance`; anything else is a mistake worth stopping for. */
function objectLockFromContext(value: unknown): ArchiveObjectLock | undefined {
  if (value === undefined || value === '' || value === 'none') return undefined;
  if (value === 'governance' || value === 'compliance') return value;
  throw new Error(`context "archiveObjectLock" must be governance or compliance (got "${String(value)}")`);
}
