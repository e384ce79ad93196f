// Sources in the stack: a source with its own daily time adds a schedule to the ingest job (the
// handler runs the sources due at each), and HTTP and Stripe sources' secrets are readable by ingest only.
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOfRole,
  asArray,
  buildStack,
  configWith,
  flat,
  logicalId,
  resources,
  statementsOfRole,
  type BuiltStack,
} from './fixture';

let built: BuiltStack;

beforeAll(() => {
  const config = configWith((d) => {
    d.sources = [
      ...(d.sources ?? []),
      {
        name: 'billing',
        connector: 'http-json',
        entities: ['subscriptions'],
        schedule: { time: '05:15' },
        http: {
          baseUrl: 'https://api.billing.example/v1',
          auth: { type: 'bearer', secretId: 'pulse/billing' },
          resources: { subscriptions: { path: '/subscriptions', pagination: { type: 'cursor' } } },
        },
      },
      { name: 'crm', connector: 's3-dropzone', entities: ['accounts'], schedule: 'manual' },
      { name: 'stripe', connector: 'stripe', stripe: { secretName: 'pulse/stripe' } },
      { name: 'ecb', connector: 'ecb-rates', schedule: 'manual' },
    ];
  });
  built = buildStack({ config, jobs: ['ingest'] });
});

afterAll(() => built?.dispose());

describe('sources in the stack', () => {
  it('schedules ingest at the default time and at each source time, in the company time zone', () => {
    const schedules = Object.values(resources(built.template)).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.map((s) => s.Properties!.ScheduleExpression).sort()).toEqual([
      'cron(0 6 * * ? *)',
      'cron(15 5 * * ? *)',
    ]);
    for (const s of schedules) expect(s.Properties!.ScheduleExpressionTimezone).toBe('America/New_York');
    // The default schedule keeps its construct id (and logical id).
    expect(logicalId(built.template, 'AWS::Scheduler::Schedule', 'IngestDailySchedule')).toBeTruthy();
  });

  it('lets ingest read exactly the configured secrets', () => {
    const role = logicalId(built.template, 'AWS::IAM::Role', 'IngestHandlerRole');
    expect(actionsOfRole(built.template, role)).toContain('secretsmanager:GetSecretValue');
    const stmt = statementsOfRole(built.template, role).find((s) =>
      asArray(s.Action).includes('secretsmanager:GetSecretValue'),
    )!;
    expect(asArray(stmt.Resource).map(flat)).toEqual([
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:pulse/billing-??????',
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:pulse/stripe-??????',
    ]);
  });

  it('lets ingest invoke itself (a Stripe backfill continuing), through a policy of its own', () => {
    const role = logicalId(built.template, 'AWS::IAM::Role', 'IngestHandlerRole');
    const fn = Object.entries(resources(built.template)).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('IngestHandler'),
    )![0];
    const policy = Object.values(resources(built.template)).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties).includes('lambda:InvokeFunction') &&
        JSON.stringify(r.Properties!.Roles).includes(role),
    )!;
    const stmt = asArray((policy.Properties!.PolicyDocument as { Statement: unknown }).Statement)[0] as {
      Action: unknown;
      Resource: unknown;
    };
    expect(stmt.Action).toBe('lambda:InvokeFunction');
    expect(JSON.stringify(stmt.Resource)).toContain(fn);
  });

  it('stays cdk-nag clean (AwsSolutions, Serverless)', () => {
    for (const Pack of [AwsSolutionsChecks, ServerlessChecks]) {
      const report = new Pack().validateScope(built.stack);
      expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    }
  });

  it('NIST 800-53: the sources add no IAM finding (the whole stack is checked in governance.test.ts)', () => {
    const report = new NIST80053R5Checks().validateScope(built.stack);
    expect(report.violations.filter((v) => v.ruleName.includes('IAM')).map((v) => v.ruleName)).toEqual([]);
  });
});
