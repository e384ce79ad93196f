// The constructs and helpers on their own: props that the stack does not exercise with its defaults.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { StorageClass } from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../functions/config';
import { Mailer, senderDomain } from '../../lib/constructs/mailer';
import { flattenReference } from '../../lib/constructs/nag';
import { ReportArchive } from '../../lib/constructs/report-archive';
import { ScheduledJob, localCron } from '../../lib/constructs/scheduled-job';
import { PulseStack, computeWeekAt, writeFunctionConfig } from '../../lib/pulse-stack';
import { cdkJsonContext, configWith, exampleConfig, ingestEntry } from './fixture';

const tmp = mkdtempSync(join(tmpdir(), 'pulse-constructs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bareStack(): Stack {
  const app = new App({
    outdir: mkdtempSync(join(tmp, 'out-')),
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  return new Stack(app, 'Test');
}

describe('localCron', () => {
  const render = (e: ReturnType<typeof localCron>) => [e.expressionString, e.timeZone?.timezoneName];

  it('renders daily, weekly and multi-day local times with the time zone', () => {
    expect(render(localCron({ time: '06:00', timeZone: 'America/New_York' }))).toEqual([
      'cron(0 6 * * ? *)',
      'America/New_York',
    ]);
    expect(render(localCron({ time: '08:05', timeZone: 'Europe/Berlin', days: ['monday'] }))).toEqual([
      'cron(5 8 ? * MON *)',
      'Europe/Berlin',
    ]);
    expect(render(localCron({ time: '23:59', timeZone: 'Asia/Tokyo', days: ['friday', 'monday', 'friday'] }))[0]).toBe(
      'cron(59 23 ? * FRI,MON *)',
    );
  });

  it('treats all seven days as every day', () => {
    const all = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
    expect(localCron({ time: '07:30', timeZone: 'UTC', days: all }).expressionString).toBe('cron(30 7 * * ? *)');
  });

  it('rejects a malformed time and an empty day list', () => {
    expect(() => localCron({ time: '8:00', timeZone: 'UTC' })).toThrow(/HH:MM/);
    expect(() => localCron({ time: '24:00', timeZone: 'UTC' })).toThrow(/HH:MM/);
    expect(() => localCron({ time: '08:00', timeZone: 'UTC', days: [] })).toThrow(/days/);
  });
});

describe('computeWeekAt', () => {
  it('is one hour before the weekly report, wrapping to the previous day', () => {
    expect(computeWeekAt(exampleConfig())).toEqual({ day: 'monday', time: '07:00' });
    const early = configWith((d) => {
      d.schedules = { weeklyReport: { day: 'monday', time: '00:30' } };
    });
    expect(computeWeekAt(early)).toEqual({ day: 'sunday', time: '23:30' });
  });

  it('warns at synth when compute-week would run before the daily ingest', () => {
    const config = configWith((d) => {
      d.schedules = { weeklyReport: { day: 'monday', time: '06:30' }, ingest: { time: '06:00' } };
    });
    const app = new App({
      outdir: mkdtempSync(join(tmp, 'out-')),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new PulseStack(app, 'Warn', {
      config,
      configFile: writeFunctionConfig(config, join(tmp, 'warn')),
      jobs: ['ingest', 'compute-week'],
      handlerEntry: () => ingestEntry,
      stage: 'test',
    });
    Annotations.fromStack(stack).hasWarning(
      '/Warn',
      Match.stringLikeRegexp('compute-week runs at 05:30, before the daily ingest at 06:00'),
    );
  });
});

describe('writeFunctionConfig', () => {
  it('writes the validated config so that it parses back to the same value', () => {
    const config = exampleConfig();
    const file = writeFunctionConfig(config, join(tmp, 'cfg'));
    expect(file.endsWith('/pulse.config.json')).toBe(true);
    expect(parseConfigText(readFileSync(file, 'utf8'), file)).toEqual(config);
  });
});

describe('nag helpers', () => {
  it('flatten references exactly as cdk-nag does, so acknowledgements match its finding ids', () => {
    const samples = [
      'arn:aws:s3:::bucket/*',
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket1234', 'Arn'] }, '/incoming/*']] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a template literal
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::x/*' },
      { Ref: 'Thing' },
      { 'Fn::ImportValue': 'Exported' },
    ];
    for (const s of samples) expect(flattenReference(s)).toBe(flattenCfnReference(s));
  });
});

describe('Mailer', () => {
  it('derives the identity from the sender address', () => {
    expect(senderDomain('Pulse@Reports.Northwind.Example')).toBe('reports.northwind.example');
    expect(() => senderDomain('nobody')).toThrow(/domain/);
  });

  it('sets a custom MAIL FROM domain when asked', () => {
    const stack = bareStack();
    new Mailer(stack, 'Mailer', { senderAddress: 'pulse@northwind.example', mailFromSubdomain: 'mail' });
    Template.fromStack(stack).hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'northwind.example',
      MailFromAttributes: { MailFromDomain: 'mail.northwind.example' },
    });
  });
});

describe('ReportArchive', () => {
  it('expires after the configured number of years and can use another cold storage class', () => {
    const stack = bareStack();
    new ReportArchive(stack, 'Storage', { retentionYears: 10, coldStorageClass: StorageClass.GLACIER });
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))
      .flatMap((b) => (b.Properties.LifecycleConfiguration?.Rules ?? []) as Record<string, unknown>[])
      .filter((r) => r.Id === 'archive-tiering-and-retention');
    expect(rules).toEqual([
      expect.objectContaining({
        ExpirationInDays: 3650,
        NoncurrentVersionExpiration: { NoncurrentDays: 3650 },
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
          { StorageClass: 'GLACIER', TransitionInDays: 365 },
        ],
      }),
    ]);
  });

  it('rejects a retention that is not a whole number of years or shorter than the tiering', () => {
    expect(() => new ReportArchive(bareStack(), 'A', { retentionYears: 0 })).toThrow(/retentionYears/);
    expect(() => new ReportArchive(bareStack(), 'B', { retentionYears: 1.5 })).toThrow(/retentionYears/);
    expect(() => new ReportArchive(bareStack(), 'C', { retentionYears: 1, coldAfterDays: 400 })).toThrow(
      /coldAfterDays/,
    );
  });
});

describe('ScheduledJob', () => {
  it('takes extra schedules for the same function, each with its own dead-letter queue, one scheduler role', () => {
    const stack = bareStack();
    const job = new ScheduledJob(stack, 'Job', {
      entry: ingestEntry,
      configFile: writeFunctionConfig(exampleConfig(), join(tmp, 'job')),
      environment: {
        PULSE_TABLE: 't',
        PULSE_DROPZONE_BUCKET: 'd',
        PULSE_ARCHIVE_BUCKET: 'a',
        PULSE_REJECTS_BUCKET: 'r',
        PULSE_STAGE: 'test',
      },
      description: 'test job',
      schedules: [{ id: 'Morning', expression: localCron({ time: '06:00', timeZone: 'Europe/Paris' }) }],
      retry: { maxRetryAttempts: 0 },
    });
    job.addSchedule({
      id: 'Evening',
      expression: localCron({ time: '18:00', timeZone: 'Europe/Paris', days: ['friday'] }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.resourceCountIs('AWS::SQS::Queue', 3); // two schedule DLQs + the function's failed invocations
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules.map((s) => s.Properties.ScheduleExpression)).toEqual([
      'cron(0 6 * * ? *)',
      'cron(0 18 ? * FRI *)',
    ]);
    expect(new Set(schedules.map((s) => JSON.stringify(s.Properties.Target.RoleArn))).size).toBe(1);
    expect(new Set(schedules.map((s) => JSON.stringify(s.Properties.Target.DeadLetterConfig))).size).toBe(2);
    expect(schedules.map((s) => s.Properties.Target.RetryPolicy.MaximumRetryAttempts)).toEqual([0, 0]);
  });

  it('refuses a job without a schedule or without a handler file', () => {
    const base = {
      configFile: join(tmp, 'job', 'pulse.config.json'),
      environment: {
        PULSE_TABLE: 't',
        PULSE_DROPZONE_BUCKET: 'd',
        PULSE_ARCHIVE_BUCKET: 'a',
        PULSE_REJECTS_BUCKET: 'r',
        PULSE_STAGE: 'test',
      },
      description: 'x',
    };
    expect(() => new ScheduledJob(bareStack(), 'None', { ...base, entry: ingestEntry, schedules: [] })).toThrow(
      /at least one schedule/,
    );
    expect(
      () =>
        new ScheduledJob(bareStack(), 'Missing', {
          ...base,
          entry: join(tmp, 'nope.ts'),
          schedules: [{ id: 'S', expression: localCron({ time: '06:00', timeZone: 'UTC' }) }],
        }),
    ).toThrow(/no handler/);
  });
});
