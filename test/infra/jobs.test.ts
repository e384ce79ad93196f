// The stack once every job's handler exists (later jobs use the ingest handler as a stand-in entry),
// with a non-default config: schedules, time zone and IAM must follow the JOBS table and the config.
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_KINDS } from '../../functions/ports/run-ledger';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_NAMES, JOBS } from '../../lib/pulse-stack';
import {
  actionsOfRole,
  asArray,
  buildStack,
  configWith,
  flat,
  logicalId,
  projectRoot,
  resources,
  statementsOfRole,
  type BuiltStack,
} from './fixture';

let built: BuiltStack;
beforeAll(() => {
  const config = configWith((doc) => {
    doc.company.timezone = 'Europe/Berlin';
    doc.schedules = {
      weeklyReport: { day: 'monday', time: '08:15' },
      alertDigest: { days: ['monday', 'thursday'], time: '07:05' },
      ingest: { time: '05:40' },
    };
    doc.recipients.operator = ['ops@northwind.example', 'oncall@northwind.example'];
  });
  built = buildStack({ jobs: [...JOB_NAMES], config, stage: 'staging' });
});
afterAll(() => built.dispose());

const schedule = (prefix: string) =>
  resources(built.template)[logicalId(built.template, 'AWS::Scheduler::Schedule', prefix)]!.Properties!;
const roleOf = (job: string) => logicalId(built.template, 'AWS::IAM::Role', `${job}HandlerRole`);
// Logs (own log group), SQS (own failure queue) and X-Ray (active tracing) are every function's; see pulse-stack.test.ts and governance.test.ts.
const pulseActions = (job: string) =>
  actionsOfRole(built.template, roleOf(job)).filter((a) => !/^(logs|sqs|xray):/.test(a));

describe('schedules from the config', () => {
  it('wires one schedule per job, all in the company time zone, all passing the scheduled time', () => {
    built.template.resourceCountIs('AWS::Scheduler::Schedule', 4);
    for (const [, r] of Object.entries(resources(built.template)).filter(
      ([, r]) => r.Type === 'AWS::Scheduler::Schedule',
    )) {
      expect(r.Properties).toMatchObject({
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        },
      });
    }
  });

  it('runs ingest daily, compute-week an hour before the report, the report and the digests on their days', () => {
    expect(schedule('IngestDailySchedule').ScheduleExpression).toBe('cron(40 5 * * ? *)');
    expect(schedule('ComputeWeekWeeklySchedule').ScheduleExpression).toBe('cron(15 7 ? * MON *)');
    expect(schedule('WeeklyReportWeeklySchedule').ScheduleExpression).toBe('cron(15 8 ? * MON *)');
    expect(schedule('AlertDigestDigestSchedule').ScheduleExpression).toBe('cron(5 7 ? * MON,THU *)');
  });

  it('gives every schedule its own dead-letter queue', () => {
    const dlqs = new Set(
      Object.values(resources(built.template))
        .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
        .map((r) => JSON.stringify((r.Properties!.Target as { DeadLetterConfig: unknown }).DeadLetterConfig)),
    );
    expect(dlqs.size).toBe(4);
  });
});

describe('one role per job, only what it uses', () => {
  it('has four distinct function roles', () => {
    const roles = JOB_NAMES.map((j) =>
      j
        .split('-')
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join(''),
    ).map(roleOf);
    expect(new Set(roles).size).toBe(4);
  });

  it('compute-week: reads and upserts the table, nothing else', () => {
    expect(pulseActions('ComputeWeek')).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ]);
  });

  it('weekly-report: claims sends in the table, writes the archive with its key, sends through SES', () => {
    expect(pulseActions('WeeklyReport')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'ses:SendEmail',
      'ses:SendRawEmail',
    ]);
    const statements = statementsOfRole(built.template, roleOf('WeeklyReport'));
    const resourcesOf = (action: string) =>
      statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource).map(flat));
    const archive = logicalId(built.template, 'AWS::S3::Bucket', 'StorageArchive');
    expect(resourcesOf('s3:PutObject')).toEqual([`<${archive}.Arn>/*`]);
    expect(resourcesOf('kms:GenerateDataKey')).toEqual([
      `<${logicalId(built.template, 'AWS::KMS::Key', 'StorageArchiveKey')}.Arn>`,
    ]);
    const ses = resourcesOf('ses:SendEmail');
    expect(ses).toHaveLength(2);
    expect(ses.some((r) => r.includes(':identity/<MailerIdentity'))).toBe(true);
    expect(ses.some((r) => r.includes(':configuration-set/<MailerConfigurationSet'))).toBe(true);
  });

  it('alert-digest: table and SES only', () => {
    expect(pulseActions('AlertDigest')).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
    ]);
  });

  it('invokes only ingest from S3', () => {
    const configs = Object.values(resources(built.template))
      .filter((r) => r.Type === 'Custom::S3BucketNotifications')
      .flatMap(
        (r) =>
          (
            r.Properties!.NotificationConfiguration as {
              LambdaFunctionConfigurations: { LambdaFunctionArn: unknown }[];
            }
          ).LambdaFunctionConfigurations,
      );
    // two notifications, incoming/ and parts/ (the parts of a large file), both to ingest
    const ingest = `<${logicalId(built.template, 'AWS::Lambda::Function', 'IngestHandlerFunction')}.Arn>`;
    expect(configs.map((c) => flat(c.LambdaFunctionArn))).toEqual([ingest, ingest]);
  });
});

describe('function sizes', () => {
  const fn = (job: string) =>
    resources(built.template)[logicalId(built.template, 'AWS::Lambda::Function', `${job}HandlerFunction`)]!.Properties!;

  it('gives the jobs that load the dataset 3 GB and 15 minutes (sized by the 100k-account benchmark), ingest 512 MB', () => {
    for (const job of ['ComputeWeek', 'WeeklyReport', 'AlertDigest'])
      expect(fn(job)).toMatchObject({ MemorySize: 3008, Timeout: 900 });
    expect(fn('Ingest')).toMatchObject({ MemorySize: 512, Timeout: 900 });
  });
});

describe('stack outputs', () => {
  it('names every job function, so `pulse --target aws` can rerun it', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, unknown>;
    for (const job of ['Ingest', 'ComputeWeek', 'WeeklyReport', 'AlertDigest'])
      expect(outputs, job).toHaveProperty(`${job}FunctionName`);
  });
});

describe('function environments', () => {
  const envOf = (job: string) => {
    const fn = Object.entries(resources(built.template)).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`${job}Handler`),
    );
    return (fn![1].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
  };

  it('lets ingest invoke the alert function (critical alerts right after an ingest), and nothing else', () => {
    expect(envOf('Ingest')).toHaveProperty('PULSE_ALERTS_FUNCTION');
    const invokes = statementsOfRole(built.template, roleOf('Ingest')).filter((st) =>
      asArray(st.Action).includes('lambda:InvokeFunction'),
    );
    expect(invokes).toHaveLength(1);
    expect(asArray(invokes[0]!.Resource)).toHaveLength(1);
    expect(JSON.stringify(invokes[0]!.Resource)).toContain('AlertDigestHandlerFunction');
    for (const job of ['ComputeWeek', 'WeeklyReport', 'AlertDigest'])
      expect(pulseActions(job), job).not.toContain('lambda:InvokeFunction');
  });

  it('tells every job that sends mail which configuration set its grant allows, and only those', () => {
    for (const job of ['WeeklyReport', 'AlertDigest'])
      expect(envOf(job), job).toHaveProperty('PULSE_SES_CONFIGURATION_SET');
    for (const job of ['Ingest', 'ComputeWeek'])
      expect(envOf(job), job).not.toHaveProperty('PULSE_SES_CONFIGURATION_SET');
  });
});

describe('monitoring with every job', () => {
  it('alarms on each job (errors, throttles, failed invocations, schedule DLQ) plus SES, failed runs of each kind and the dead-man switch', () => {
    built.template.resourceCountIs('AWS::CloudWatch::Alarm', 4 * 4 + 3 + RUN_KINDS.length);
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RunsFailed',
      Dimensions: Match.arrayWith([{ Name: 'Stage', Value: 'staging' }]),
    });
  });

  it('arms the dead-man switch now that weekly-report exists, in the company time zone and stage', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WeeklyReportSent',
      Dimensions: [
        { Name: 'Stage', Value: 'staging' },
        { Name: 'service', Value: 'pulse' },
      ],
      EvaluationWindow: { WallClockWindow: { Timezone: 'Europe/Berlin' } },
      ActionsEnabled: true,
    });
  });

  it('subscribes every operator address', () => {
    built.template.resourceCountIs('AWS::SNS::Subscription', 2);
  });
});

describe('cdk-nag AwsSolutions with every job', () => {
  it('reports no violations', () => {
    const report = new AwsSolutionsChecks().validateScope(built.stack);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});

describe('the job table', () => {
  it('names the handler of every job, and every one exists', () => {
    for (const job of JOB_NAMES) {
      expect(JOBS[job].handler, job).toBe(`functions/handlers/${job}.ts`);
      expect(existsSync(join(projectRoot, JOBS[job].handler)), job).toBe(true);
    }
  });

  it("fails the synth when a job's handler is missing, instead of leaving the job out", () => {
    expect(() =>
      buildStack({ jobs: ['ingest'], handlerEntry: () => join(projectRoot, 'functions/handlers/no-such-job.ts') }),
    ).toThrow(/no handler at .*no-such-job\.ts/);
  });
});
