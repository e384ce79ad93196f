// The stack with the ingest job alone (the jobs test wires them all): fine-grained
// assertions on the stateful resources, the ingest job, IAM, alarms and cdk-nag.
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaEnvSchema } from '../../functions/config';
import { ATTR, pulseTableDefinition } from '../../functions/adapters/dynamodb/table';
import { RUN_KINDS } from '../../functions/ports/run-ledger';
import {
  actionsOfRole,
  asArray,
  buildStack,
  flat,
  logicalId,
  resources,
  statementsOfRole,
  type BuiltStack,
} from './fixture';

let built: BuiltStack;
beforeAll(() => {
  built = buildStack({ jobs: ['ingest'] });
});
afterAll(() => built.dispose());

const typed = (type: string) => Object.entries(resources(built.template)).filter(([, r]) => r.Type === type);

describe('DataStore', () => {
  it('is one on-demand TableV2 with the key schema and index of pulseTableDefinition', () => {
    const def = pulseTableDefinition('x');
    built.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    built.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: def.KeySchema,
      AttributeDefinitions: Match.arrayWith(def.AttributeDefinitions!.map((a) => Match.objectLike(a))),
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'GSI1',
          KeySchema: def.GlobalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
    });
    expect(ATTR.pk).toBe('PK');
  });

  it('has PITR, deletion protection, TTL on expiresAt, encryption, and is retained', () => {
    built.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          }),
        ],
      }),
    });
  });
});

describe('ReportArchive', () => {
  const bucket = (prefix: string) => logicalId(built.template, 'AWS::S3::Bucket', prefix);

  it('has four buckets, all private, encrypted, retained, and SSL-only', () => {
    const buckets = typed('AWS::S3::Bucket');
    expect(buckets).toHaveLength(4);
    for (const [id, r] of buckets) {
      expect(r.DeletionPolicy, id).toBe('Retain');
      expect(r.Properties?.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(r.Properties?.BucketEncryption, id).toBeDefined();
      built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('encrypts the archive with a rotating customer key that is retained', () => {
    const key = logicalId(built.template, 'AWS::KMS::Key', 'StorageArchiveKey');
    built.template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
    built.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] } },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('tiers the archive to IA at 90 days, Glacier at 365, expires after 7 years, noncurrent versions too', () => {
    const archive = resources(built.template)[bucket('StorageArchive')]!;
    const rules = (archive.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const rule = rules.find((r) => r.Id === 'archive-tiering-and-retention')!;
    expect(rule).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: 7 * 365,
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
      ],
      NoncurrentVersionTransitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
      ],
      NoncurrentVersionExpiration: { NoncurrentDays: 7 * 365 },
    });
    expect(rules.find((r) => r.Id === 'abort-incomplete-uploads')).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
  });

  it('logs every request to the archive, drop-zone and rejects buckets into the access-log bucket', () => {
    const logs = bucket('StorageAccessLogs');
    for (const [prefix, logPrefix] of [
      ['StorageArchive', 'archive/'],
      ['StorageDropZone', 'dropzone/'],
      ['StorageRejects', 'rejects/'],
    ] as const) {
      expect(resources(built.template)[bucket(prefix)]!.Properties?.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logs },
        LogFilePrefix: logPrefix,
      });
    }
    const accessLogs = resources(built.template)[logs]!.Properties!;
    expect(accessLogs.LoggingConfiguration).toBeUndefined();
    expect(accessLogs.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(accessLogs.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    // Delivery by bucket policy (flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy), not ACLs.
    built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Principal: { Service: 'logging.s3.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('versions every bucket and expires what moves and expiries leave behind (noncurrent versions, bare delete markers)', () => {
    for (const prefix of ['StorageArchive', 'StorageDropZone', 'StorageRejects', 'StorageAccessLogs']) {
      const props = resources(built.template)[bucket(prefix)]!.Properties!;
      expect(props.VersioningConfiguration, prefix).toEqual({ Status: 'Enabled' });
      const rules = (props.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      const noncurrent = rules.filter((r) => r.NoncurrentVersionExpiration !== undefined);
      expect(noncurrent.length, prefix).toBeGreaterThan(0);
      if (prefix === 'StorageArchive') continue; // noncurrent versions kept for the retention period (above)
      expect(rules, prefix).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Id: 'expire-noncurrent-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          }),
          expect.objectContaining({
            Id: 'remove-expired-delete-markers',
            Status: 'Enabled',
            ExpiredObjectDeleteMarker: true,
          }),
        ]),
      );
    }
  });

  it('expires processed and failed drop-zone files and old rejects reports', () => {
    const dropZone = resources(built.template)[bucket('StorageDropZone')]!.Properties!;
    expect((dropZone.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'processed/', ExpirationInDays: 90 }),
        expect.objectContaining({ Prefix: 'failed/', ExpirationInDays: 90 }),
      ]),
    );
    const rejects = resources(built.template)[bucket('StorageRejects')]!.Properties!;
    expect((rejects.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 90 })]),
    );
  });
});

describe('the ingest job', () => {
  const fnId = () => logicalId(built.template, 'AWS::Lambda::Function', 'IngestHandlerFunction');

  it('is a Node.js 24 arm64 function, 512 MB, 15 minutes (large files fan out into parts), JSON logs into its own log group', () => {
    const fn = resources(built.template)[fnId()]!.Properties!;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 900,
      Handler: 'index.handler',
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: logicalId(built.template, 'AWS::Logs::LogGroup', 'IngestHandlerLogs') },
      },
    });
    built.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('gets every variable of the Lambda env schema, the stage and source maps', () => {
    const vars = (resources(built.template)[fnId()]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const required = Object.entries(lambdaEnvSchema.shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([key]) => key);
    expect(required.sort()).toEqual([
      'PULSE_ARCHIVE_BUCKET',
      'PULSE_DROPZONE_BUCKET',
      'PULSE_REJECTS_BUCKET',
      'PULSE_TABLE',
    ]);
    for (const key of required) expect(vars[key], key).toBeDefined();
    expect(vars.PULSE_TABLE).toEqual({
      Ref: logicalId(built.template, 'AWS::DynamoDB::GlobalTable', 'DataStoreTable'),
    });
    expect(vars.PULSE_DROPZONE_BUCKET).toEqual({
      Ref: logicalId(built.template, 'AWS::S3::Bucket', 'StorageDropZone'),
    });
    expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(vars.PULSE_STAGE).toBe('prod');
    // The handler reads the bundled ${LAMBDA_TASK_ROOT}/pulse.config.json unless told otherwise.
    expect(vars.PULSE_CONFIG_PATH).toBeUndefined();
  });

  it('runs daily at schedules.ingest.time in the company time zone, passing the scheduled time', () => {
    built.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    built.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [logicalId(built.template, 'AWS::SQS::Queue', 'IngestDailyDeadLetters'), 'Arn'] },
        },
      },
    });
  });

  it('retries failed async invocations twice, then parks them in an encrypted queue', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId() },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [logicalId(built.template, 'AWS::SQS::Queue', 'IngestHandlerFailedInvocations'), 'Arn'],
          },
        },
      },
    });
  });

  it('has encrypted, SSL-only dead-letter queues', () => {
    const queues = typed('AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [id, q] of queues) {
      expect(q.Properties?.SqsManagedSseEnabled, id).toBe(true);
      expect(q.Properties?.MessageRetentionPeriod, id).toBe(14 * 24 * 3600);
      built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('is invoked by S3 for every object created under incoming/ and parts/ of the drop-zone', () => {
    built.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(built.template, 'AWS::S3::Bucket', 'StorageDropZone') },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
          },
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'parts/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
          },
        ],
      },
    });
    built.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId(), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [logicalId(built.template, 'AWS::S3::Bucket', 'StorageDropZone'), 'Arn'] },
    });
  });
});

describe('IAM', () => {
  it('has no wildcard action anywhere', () => {
    for (const [id, r] of typed('AWS::IAM::Policy')) {
      const statements = (r.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
      for (const s of statements) for (const action of asArray(s.Action)) expect(action, id).not.toContain('*');
    }
  });

  it('gives the ingest function its own role with exactly the actions it uses', () => {
    const role = logicalId(built.template, 'AWS::IAM::Role', 'IngestHandlerRole');
    expect(
      resources(built.template)[logicalId(built.template, 'AWS::Lambda::Function', 'IngestHandlerFunction')]!
        .Properties!.Role,
    ).toEqual({
      'Fn::GetAtt': [role, 'Arn'],
    });
    expect(resources(built.template)[role]!.Properties!.ManagedPolicyArns).toBeUndefined();
    expect(actionsOfRole(built.template, role)).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('scopes every ingest resource: table + named index, drop-zone prefixes, rejects bucket, own log group', () => {
    const role = logicalId(built.template, 'AWS::IAM::Role', 'IngestHandlerRole');
    const table = logicalId(built.template, 'AWS::DynamoDB::GlobalTable', 'DataStoreTable');
    const dropZone = logicalId(built.template, 'AWS::S3::Bucket', 'StorageDropZone');
    const rejects = logicalId(built.template, 'AWS::S3::Bucket', 'StorageRejects');
    const byAction = new Map<string, string[]>();
    for (const s of statementsOfRole(built.template, role)) {
      for (const a of asArray(s.Action))
        byAction.set(a, [...(byAction.get(a) ?? []), ...asArray(s.Resource).map(flat)].sort());
    }
    expect(byAction.get('dynamodb:BatchWriteItem')).toEqual([`<${table}.Arn>`, `<${table}.Arn>/index/GSI1`]);
    expect(byAction.get('s3:GetObject')).toEqual([
      `<${dropZone}.Arn>/failed/*`,
      `<${dropZone}.Arn>/incoming/*`,
      `<${dropZone}.Arn>/parts/*`,
      `<${dropZone}.Arn>/processed/*`,
    ]);
    expect(byAction.get('s3:DeleteObject')).toEqual(byAction.get('s3:GetObject'));
    expect(byAction.get('s3:PutObject')).toEqual([...byAction.get('s3:GetObject')!, `<${rejects}.Arn>/*`].sort());
    expect(byAction.get('s3:ListBucket')).toEqual([`<${dropZone}.Arn>`]);
    const list = statementsOfRole(built.template, role).find((s) => asArray(s.Action).includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({
      StringLike: { 's3:prefix': ['incoming/*', 'processed/*', 'failed/*', 'parts/*'] },
    });
    expect(byAction.get('logs:PutLogEvents')).toEqual([
      `<${logicalId(built.template, 'AWS::Logs::LogGroup', 'IngestHandlerLogs')}.Arn>`,
    ]);
    // Nothing on the archive, its key, or SES.
    for (const resource of [...byAction.values()].flat()) expect(resource).not.toMatch(/Archive|Mailer/);
  });

  it('lets the Scheduler role invoke only the unqualified function and write only its dead-letter queue', () => {
    const role = logicalId(built.template, 'AWS::IAM::Role', 'IngestSchedulerRole');
    built.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ],
      },
    });
    const statements = statementsOfRole(built.template, role).map((s) => [
      asArray(s.Action),
      asArray(s.Resource).map(flat),
    ]);
    expect(statements).toEqual([
      [
        ['lambda:InvokeFunction'],
        [`<${logicalId(built.template, 'AWS::Lambda::Function', 'IngestHandlerFunction')}.Arn>`],
      ],
      [['sqs:SendMessage'], [`<${logicalId(built.template, 'AWS::SQS::Queue', 'IngestDailyDeadLetters')}.Arn>`]],
    ]);
  });
});

describe('Mailer', () => {
  it('verifies the sender domain with 2048-bit Easy DKIM and sends through the configuration set', () => {
    built.template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'northwind.example',
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      ConfigurationSetAttributes: {
        ConfigurationSetName: {
          Ref: logicalId(built.template, 'AWS::SES::ConfigurationSet', 'MailerConfigurationSet'),
        },
      },
    });
    built.template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });

  it('publishes bounces and complaints to an SSL-only SNS topic', () => {
    const topic = logicalId(built.template, 'AWS::SNS::Topic', 'MailerFeedbackTopic');
    built.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: topic } },
      },
    });
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('outputs the three DKIM CNAME records', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const dkim = Object.keys(outputs).filter((k) => k.startsWith('MailerDkimRecord'));
    expect(dkim).toHaveLength(3);
  });
});

describe('Monitoring', () => {
  const topic = () => logicalId(built.template, 'AWS::SNS::Topic', 'MonitoringOperatorTopic');
  const alarms = () => typed('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);

  it('emails the operator recipients of the config', () => {
    built.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@northwind.example',
      TopicArn: { Ref: topic() },
    });
  });

  it('alarms on the ingest function errors and throttles', () => {
    const fn = logicalId(built.template, 'AWS::Lambda::Function', 'IngestHandlerFunction');
    for (const metric of ['Errors', 'Throttles']) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: topic() }],
      });
    }
  });

  it('alarms on every dead-letter queue as soon as one message is visible', () => {
    for (const [id] of typed('AWS::SQS::Queue')) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it('alarms on the SES bounce and complaint rates', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('has a dead-man switch on Pulse/WeeklyReportSent over whole local days, silent until weekly-report exists', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Pulse',
      MetricName: 'WeeklyReportSent',
      Dimensions: [
        { Name: 'Stage', Value: 'prod' },
        { Name: 'service', Value: 'pulse' },
      ],
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 7,
      DatapointsToAlarm: 7,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      EvaluationWindow: { WallClockWindow: { Timezone: 'America/New_York' } },
      ActionsEnabled: false,
    });
  });

  it('alarms on every kind of failed run (Pulse/RunsFailed, Stage and Kind), at the first one, with a description that says what to do', () => {
    for (const kind of RUN_KINDS) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Pulse',
        MetricName: 'RunsFailed',
        Dimensions: Match.arrayWith([{ Name: 'Kind', Value: kind }]),
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(
          `A Pulse ${kind} run ended failed .*npx pulse runs --target aws --kind ${kind}`,
        ),
        AlarmActions: [{ Ref: topic() }],
      });
    }
    const runAlarms = alarms().filter((a) => a.MetricName === 'RunsFailed');
    expect(runAlarms).toHaveLength(RUN_KINDS.length);
    // Exactly the two dimensions the EMF line carries (functions/adapters/cloudwatch/emf-run-metrics.ts).
    expect(
      runAlarms.map((a) =>
        (a.Dimensions as { Name: string; Value: string }[]).map((d) => `${d.Name}=${d.Value}`).sort(),
      ),
    ).toEqual(expect.arrayContaining(RUN_KINDS.map((kind) => [`Kind=${kind}`, 'Stage=prod', 'service=pulse'])));
    // CloudWatch's limit on alarm descriptions.
    for (const a of runAlarms) expect((a.AlarmDescription as string).length).toBeLessThanOrEqual(1024);
  });

  it('notifies the operator topic from every alarm, on ALARM and on OK', () => {
    const all = alarms();
    // ingest: errors, throttles, 2 queues; SES: 2; failed runs: 5 kinds; dead-man's switch: 1
    expect(all).toHaveLength(7 + RUN_KINDS.length);
    for (const a of all) {
      expect(a.AlarmActions).toEqual([{ Ref: topic() }]);
      expect(a.OKActions).toEqual([{ Ref: topic() }]);
      expect(typeof a.AlarmDescription).toBe('string');
    }
  });
});

describe('logs key, key policies and tracing', () => {
  type KeyPolicy = {
    Statement: {
      Sid?: string;
      Effect: string;
      Principal: unknown;
      Action: string | string[];
      Condition?: Record<string, Record<string, unknown>>;
    }[];
  };
  const keys = () => typed('AWS::KMS::Key');

  it('encrypts every log group with the one logs key', () => {
    const logsKey = logicalId(built.template, 'AWS::KMS::Key', 'LogsKey');
    const groups = typed('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const [id, group] of groups)
      expect(group.Properties?.KmsKeyId, id).toEqual({ 'Fn::GetAtt': [logsKey, 'Arn'] });
    expect(resources(built.template)[logsKey]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
  });

  it("lets CloudWatch Logs of this region use the logs key, for this account's log groups in this region only", () => {
    const policy = resources(built.template)[logicalId(built.template, 'AWS::KMS::Key', 'LogsKey')]!.Properties!
      .KeyPolicy as KeyPolicy;
    const logs = policy.Statement.filter((st) =>
      flat((st.Principal as { Service?: unknown }).Service ?? '').startsWith('logs.'),
    );
    expect(logs).toHaveLength(1);
    expect(flat((logs[0]!.Principal as { Service: unknown }).Service)).toBe('logs.<AWS::Region>.amazonaws.com');
    expect(logs[0]!.Effect).toBe('Allow');
    expect(flat(logs[0]!.Condition!.ArnLike!['kms:EncryptionContext:aws:logs:arn'])).toBe(
      'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*',
    );
    // Only the account's own principals besides (the default key policy), no other service.
    const principals = policy.Statement.filter((st) => st.Effect === 'Allow').map((st) =>
      flat(
        (st.Principal as { AWS?: unknown; Service?: unknown }).AWS ?? (st.Principal as { Service: unknown }).Service,
      ),
    );
    expect(principals.sort()).toEqual([
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:root',
      'logs.<AWS::Region>.amazonaws.com',
    ]);
  });

  it('lets nobody but AWS services create grants on any key (CT.KMS.PR.3)', () => {
    expect(keys()).toHaveLength(2);
    for (const [id, key] of keys()) {
      const deny = (key.Properties!.KeyPolicy as KeyPolicy).Statement.find((st) => st.Effect === 'Deny');
      expect(deny, id).toMatchObject({
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      });
    }
  });

  it('traces every function with X-Ray', () => {
    for (const [id, fn] of typed('AWS::Lambda::Function')) {
      if (id.startsWith('BucketNotificationsHandler')) continue; // CDK-internal, runs during deployments only
      expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: 'Active' });
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no violations, errors or warnings', () => {
    const report = new AwsSolutionsChecks().validateScope(built.stack);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});
