// Archive sign-in in the stack: the append-only audit table kept like the archive, the endpoint's
// grants (its own partitions of the Pulse table only, PutItem on the audit table, SES), the
// identity provider (a Cognito user pool with outputs for the admin; or the config issuer's client
// secret in Secrets Manager, never in the config), the refusals alarm, and S3 Object Lock.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES, PulseStack, writeFunctionConfig, type PulseStackProps } from '../../lib/pulse-stack';
import {
  asArray,
  cdkJsonContext,
  configWith,
  exampleConfig,
  flat,
  handlersDir,
  ingestEntry,
  logicalId,
  resources,
  statementsOfRole,
} from './fixture';

let outdir: string;
let cognito: Template;
let issuer: Template;
let plain: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-access-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const props = (config = exampleConfig()): PulseStackProps => ({
    config,
    configFile: writeFunctionConfig(config, join(outdir, `pulse-config-${Math.random().toString(36).slice(2)}`)),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    stage: 'prod',
    archiveRetentionYears: 10,
  });
  const withIssuer = configWith((d) => {
    d.archive = { access: { oidc: { issuer: 'https://login.northwind.example', clientId: 'pulse-archive' } } };
  });
  const stacks = [
    new PulseStack(app, 'Pulse-cognito', {
      ...props(),
      archiveUserPool: true,
      archiveObjectLock: 'compliance',
      archiveCloudTrail: true,
    }),
    new PulseStack(app, 'Pulse-issuer', props(withIssuer)),
    new PulseStack(app, 'Pulse-plain', props()),
  ];
  [cognito, issuer, plain] = stacks.map((s) => Template.fromStack(s)) as [Template, Template, Template];
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const roleId = (t: Template) => logicalId(t, 'AWS::IAM::Role', 'DownloadEndpointRole');
const envOf = (t: Template) =>
  (
    resources(t)[logicalId(t, 'AWS::Lambda::Function', 'DownloadEndpointFunction')]!.Properties!.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
const outputs = (t: Template) => t.toJSON().Outputs as Record<string, { Value: unknown }>;

describe('archive sign-in in the stack', () => {
  it('keeps an audit table like the archive: retained, deletion-protected, point-in-time recovery, TTL', () => {
    const id = logicalId(plain, 'AWS::DynamoDB::GlobalTable', 'ArchiveAccessAuditTable');
    const table = resources(plain)[id]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        {
          Region: { Ref: 'AWS::Region' },
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        },
      ],
    });
    expect(flat(envOf(plain).PULSE_AUDIT_TABLE)).toBe(`<${id}>`);
    expect(envOf(plain).PULSE_AUDIT_RETENTION_YEARS).toBe('10');
    expect(outputs(plain).ArchiveAuditTableName).toBeDefined();
  });

  it('lets the endpoint only append to the audit table, and touch only the link, code and rate partitions of the Pulse table', () => {
    const statements = statementsOfRole(plain, roleId(plain));
    const audit = `<${logicalId(plain, 'AWS::DynamoDB::GlobalTable', 'ArchiveAccessAuditTable')}.Arn>`;
    const onAudit = statements.filter((s) => asArray(s.Resource).map(flat).includes(audit));
    expect(onAudit.flatMap((s) => asArray(s.Action))).toEqual(['dynamodb:PutItem']);
    const pulseTable = `<${logicalId(plain, 'AWS::DynamoDB::GlobalTable', 'DataStoreTable')}.Arn>`;
    const onTable = statements.filter((s) => asArray(s.Resource).map(flat).includes(pulseTable));
    expect(onTable).toHaveLength(1);
    expect(onTable[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LINK#*', 'CODE#*', 'RATE#*', 'LINKS'] },
    });
    expect(statements.some((s) => asArray(s.Action).includes('ses:SendEmail'))).toBe(true);
    expect(envOf(plain).PULSE_SES_CONFIGURATION_SET).toBeDefined();
    // Without an identity provider there is no client secret to read: sign-in is by one-time code.
    expect(envOf(plain).PULSE_OIDC_SECRET_ID).toBeUndefined();
    plain.resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('creates a Cognito user pool for federation, with outputs telling the admin what to register', () => {
    cognito.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14 }) },
    });
    const client =
      resources(cognito)[logicalId(cognito, 'AWS::Cognito::UserPoolClient', 'ArchiveAccessUserPoolArchiveClient')]!
        .Properties!;
    expect(client).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      AllowedOAuthFlowsUserPoolClient: true,
    });
    const distribution = logicalId(cognito, 'AWS::CloudFront::Distribution', 'DownloadDistribution');
    expect((client.CallbackURLs as unknown[]).map(flat)).toEqual([
      `https://<${distribution}.DomainName>/auth/callback`,
    ]);
    const out = outputs(cognito);
    for (const key of [
      'ArchiveUserPoolId',
      'ArchiveIdpRedirectUri',
      'ArchiveSamlEntityId',
      'ArchiveSignInCallbackUrl',
      'ArchiveOidcSecretCommand',
    ])
      expect(out[key], key).toBeDefined();
    expect(flat(out.ArchiveIdpRedirectUri!.Value)).toMatch(
      /\.auth\.<AWS::Region>\.amazoncognito\.com\/oauth2\/idpresponse$/,
    );
    // The client (issuer, clientId; the secret added once) in Secrets Manager under a fixed name the function reads.
    const secret =
      resources(cognito)[logicalId(cognito, 'AWS::SecretsManager::Secret', 'ArchiveAccessOidcClient')]!.Properties!;
    expect(secret.Name).toBe('Pulse-cognito/archive-oidc-client');
    expect(envOf(cognito).PULSE_OIDC_SECRET_ID).toBe('Pulse-cognito/archive-oidc-client');
    const reads = statementsOfRole(cognito, roleId(cognito))
      .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(flat));
    expect(reads).toContain(
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:Pulse-cognito/archive-oidc-client-*',
    );
  });

  it("keeps the config issuer's client secret in Secrets Manager, never in the config or the environment", () => {
    issuer.resourceCountIs('AWS::Cognito::UserPool', 0);
    const secret =
      resources(issuer)[logicalId(issuer, 'AWS::SecretsManager::Secret', 'ArchiveAccessOidcClientSecret')]!;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties!.Name).toBe('Pulse-issuer/archive-oidc-client');
    const env = envOf(issuer);
    expect(env.PULSE_OIDC_SECRET_ID).toBe('Pulse-issuer/archive-oidc-client');
    expect(Object.keys(env).filter((k) => /SECRET$/.test(k))).toEqual([]);
    expect(outputs(issuer).ArchiveOidcClientSecretName).toBeDefined();
  });

  it('alarms on a burst of refusals, to the operator', () => {
    plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Pulse',
      MetricName: 'ArchiveAccessRefused',
      Dimensions: [
        { Name: 'Stage', Value: 'prod' },
        { Name: 'service', Value: 'pulse' },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 20,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(plain, 'AWS::SNS::Topic', 'MonitoringOperatorTopic') }],
    });
  });

  it('puts S3 Object Lock on the archive for the retention period when asked, and not otherwise', () => {
    const bucket = (t: Template) => resources(t)[logicalId(t, 'AWS::S3::Bucket', 'StorageArchive')]!.Properties!;
    expect(bucket(cognito)).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
    });
    expect(bucket(plain).ObjectLockEnabled).toBeUndefined();
  });

  it('records CloudTrail S3 data events for the archive when asked (encrypted, validated, kept like the archive), and not otherwise', () => {
    const archive = logicalId(cognito, 'AWS::S3::Bucket', 'StorageArchive');
    const trail =
      resources(cognito)[logicalId(cognito, 'AWS::CloudTrail::Trail', 'ArchiveDataEventsTrail')]!.Properties!;
    expect(trail).toMatchObject({
      EnableLogFileValidation: true,
      IsMultiRegionTrail: false,
      IncludeGlobalServiceEvents: false,
      IsLogging: true,
    });
    expect(flat(trail.KMSKeyId)).toBe(`<${logicalId(cognito, 'AWS::KMS::Key', 'ArchiveDataEventsTrailKey')}.Arn>`);
    const selectors = trail.EventSelectors as {
      DataResources: { Type: string; Values: unknown[] }[];
      IncludeManagementEvents: boolean;
      ReadWriteType: string;
    }[];
    expect(selectors).toHaveLength(1);
    expect(selectors[0]).toMatchObject({ IncludeManagementEvents: false, ReadWriteType: 'All' });
    expect(selectors[0]!.DataResources.map((d) => [d.Type, d.Values.map(flat)])).toEqual([
      ['AWS::S3::Object', [`<${archive}.Arn>/archive/`]],
    ]);
    const bucket = resources(cognito)[logicalId(cognito, 'AWS::S3::Bucket', 'ArchiveDataEventsBucket')]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties!.LifecycleConfiguration).toMatchObject({
      Rules: [expect.objectContaining({ ExpirationInDays: 3650 })],
    });
    plain.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });
});
