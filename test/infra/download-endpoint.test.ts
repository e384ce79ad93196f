// The archive's download endpoint in the stack: CloudFront (HTTPS only, nothing cached, the
// endpoint's headers, optional domain and WAF) in front of a function URL with AWS_IAM auth that
// only this distribution may invoke (Origin Access Control); the function's own role may only read
// archive objects (and decrypt them) and read the link signing key; the weekly report may sign
// links; the signing key is retained; cdk-nag stays clean.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMON_HEADERS } from '../../functions/domain/archive/download-page';
import { DownloadEndpoint, PUBLIC_HOST_HEADER } from '../../lib/constructs/download-endpoint';
import { ReportArchive } from '../../lib/constructs/report-archive';
import { JOB_NAMES, PulseStack, writeFunctionConfig, type PulseStackProps } from '../../lib/pulse-stack';
import {
  actionsOfRole,
  asArray,
  cdkJsonContext,
  exampleConfig,
  flat,
  handlersDir,
  ingestEntry,
  logicalId,
  resources,
  statementsOfRole,
} from './fixture';

let outdir: string;
let stack: PulseStack;
let template: Template;
/** The same stack with a custom domain and a WAF rate-based rule, in us-east-1. */
let edge: Template;

const DOMAIN = {
  domainName: 'files.northwind.example',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f4e3c2a-1111-2222-3333-444455556666',
};
/** CloudFront's managed policies (ids fixed by AWS). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-download-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const config = exampleConfig();
  const props: PulseStackProps = {
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    stage: 'prod',
    archiveRetentionYears: 10,
  };
  stack = new PulseStack(app, 'Pulse-prod', props);
  const edgeStack = new PulseStack(app, 'Pulse-edge', {
    ...props,
    env: { account: '123456789012', region: 'us-east-1' },
    downloadDomain: DOMAIN,
    downloadWebAcl: { requestsPer5Minutes: 500 },
  });
  template = Template.fromStack(stack);
  edge = Template.fromStack(edgeStack);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const distribution = (t: Template) =>
  resources(t)[logicalId(t, 'AWS::CloudFront::Distribution', 'DownloadDistribution')]!.Properties!
    .DistributionConfig as Record<string, any>;

const fnId = () => logicalId(template, 'AWS::Lambda::Function', 'DownloadEndpointFunction');
const roleId = () => logicalId(template, 'AWS::IAM::Role', 'DownloadEndpointRole');

describe('download endpoint', () => {
  it('is a function URL with AWS_IAM auth (no public URL) on its own traced function', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
    });
    expect(resources(template)[fnId()]!.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
    const props = resources(template)[fnId()]!.Properties!;
    expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 10 });
    const vars = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.PULSE_LINK_SECRET_ID).toEqual({
      Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey'),
    });
    expect(vars.PULSE_PRESIGN_SECONDS).toBe('300');
    expect(vars.PULSE_ARCHIVE_BUCKET).toEqual({ Ref: logicalId(template, 'AWS::S3::Bucket', 'StorageArchive') });
  });

  it('has a least-privilege role: read archive/ objects, decrypt with the archive key, read the signing key', () => {
    const actions = actionsOfRole(template, roleId()).filter((a) => !/^(logs|sqs|xray):/.test(a));
    // Sign-in adds its own partitions of the Pulse table, the audit table and SES (test/infra/archive-access.test.ts).
    expect(actions).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      's3:GetObject',
      's3:ListBucket',
      'secretsmanager:GetSecretValue',
      'ses:SendEmail',
      'ses:SendRawEmail',
    ]);
    const statements = statementsOfRole(template, roleId());
    const resourcesOf = (action: string) =>
      statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource).map(flat));
    const archive = logicalId(template, 'AWS::S3::Bucket', 'StorageArchive');
    expect(resourcesOf('s3:GetObject')).toEqual([`<${archive}.Arn>/archive/*`]);
    expect(resourcesOf('s3:ListBucket')).toEqual([`<${archive}.Arn>`]);
    expect(resourcesOf('kms:Decrypt')).toEqual([`<${logicalId(template, 'AWS::KMS::Key', 'StorageArchiveKey')}.Arn>`]);
    expect(resourcesOf('secretsmanager:GetSecretValue')).toEqual([
      `<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`,
    ]);
  });

  it('keeps the generated signing key when the stack goes (deleting it would break every link)', () => {
    const secret = resources(template)[logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')]!;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties!.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
  });

  it('lets only the weekly report sign links, and tells it where the endpoint is', () => {
    const secret = `<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`;
    const signers = JOB_NAMES.map((j) =>
      j
        .split('-')
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join(''),
    ).filter((job) =>
      statementsOfRole(template, logicalId(template, 'AWS::IAM::Role', `${job}HandlerRole`)).some((s) =>
        asArray(s.Resource).map(flat).includes(secret),
      ),
    );
    expect(signers).toEqual(['WeeklyReport']);
    const vars = (
      resources(template)[logicalId(template, 'AWS::Lambda::Function', 'WeeklyReportHandlerFunction')]!.Properties!
        .Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(flat(vars.PULSE_DOWNLOAD_URL)).toBe(
      `https://<${logicalId(template, 'AWS::CloudFront::Distribution', 'DownloadDistribution')}.DomainName>/`,
    );
    expect(vars.PULSE_LINK_SECRET_ID).toBeDefined();
    const ingestVars = (
      resources(template)[logicalId(template, 'AWS::Lambda::Function', 'IngestHandlerFunction')]!.Properties!
        .Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(ingestVars.PULSE_LINK_SECRET_ID).toBeUndefined();
  });

  it('outputs the endpoint URL and the secret for the CLI (pulse archive link --target aws)', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['DownloadUrl', 'LinkSecretArn']));
  });

  it('keeps archived packs for the configured retention, after IA at 90 days and Glacier at a year', () => {
    const archive = resources(template)[logicalId(template, 'AWS::S3::Bucket', 'StorageArchive')]!.Properties!;
    const rule = (
      archive.LifecycleConfiguration as {
        Rules: {
          Id: string;
          ExpirationInDays?: number;
          Transitions?: { TransitionInDays: number; StorageClass: string }[];
        }[];
      }
    ).Rules.find((r) => r.Id === 'archive-tiering-and-retention')!;
    expect(rule.ExpirationInDays).toBe(3650);
    expect(rule.Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
    ]);
    expect(archive.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});

describe('CloudFront in front of the endpoint', () => {
  const oacId = (t: Template) =>
    logicalId(t, 'AWS::CloudFront::OriginAccessControl', 'DownloadDistributionOrigin1FunctionUrlOriginAccessControl');
  const distributionId = (t: Template) => logicalId(t, 'AWS::CloudFront::Distribution', 'DownloadDistribution');
  const urlId = (t: Template) => logicalId(t, 'AWS::Lambda::Url', 'DownloadEndpointFunctionFunctionUrl');

  it('has one distribution whose only origin is the function URL, over HTTPS/TLSv1.2, signed by an Origin Access Control', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const config = distribution(template);
    expect(config.Origins).toHaveLength(1);
    const origin = config.Origins[0];
    // The function URL's host: https://<id>.lambda-url.<region>.on.aws/ split on '/'.
    expect(origin.DomainName).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId(template), 'FunctionUrl'] }] }],
    });
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId(template), 'Id'] });
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('signs every request to Lambda with SigV4 (the Origin Access Control)', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
  });

  it('lets only this distribution invoke the function URL: lambda:InvokeFunctionUrl for cloudfront.amazonaws.com, this distribution, this account', () => {
    const permissions = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Lambda::Permission');
    const onEndpoint = permissions.filter(
      (p) =>
        flat(p.Properties!.FunctionName).includes(urlId(template)) || flat(p.Properties!.FunctionName).includes(fnId()),
    );
    const invokeUrl = permissions.filter((p) => p.Properties!.Action === 'lambda:InvokeFunctionUrl');
    expect(invokeUrl).toHaveLength(1);
    expect(invokeUrl[0]!.Properties).toMatchObject({
      Principal: 'cloudfront.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(invokeUrl[0]!.Properties!.FunctionUrlAuthType).toBeUndefined();
    // The endpoint's permissions: that one and the matching lambda:InvokeFunction (only via the function URL), both for the distribution.
    expect(onEndpoint.map((p) => [p.Properties!.Action, p.Properties!.InvokedViaFunctionUrl ?? false]).sort()).toEqual([
      ['lambda:InvokeFunction', true],
      ['lambda:InvokeFunctionUrl', false],
    ]);
    // SourceArn references the SSM parameter that holds the distribution's ARN (a reference Control Tower can follow).
    const [paramId, param] = Object.entries(resources(template)).find(([, r]) => r.Type === 'AWS::SSM::Parameter')!;
    expect(flat(param.Properties!.Value)).toBe(
      `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${distributionId(template)}>`,
    );
    for (const p of onEndpoint) {
      expect(p.Properties!.Principal).toBe('cloudfront.amazonaws.com');
      expect(p.Properties!.SourceArn).toEqual({ 'Fn::GetAtt': [paramId, 'Value'] });
    }
    // Nothing else anywhere may call a function URL: no public permission, no role with lambda:InvokeFunctionUrl.
    expect(permissions.filter((p) => p.Properties!.Principal === '*')).toEqual([]);
    const roles = Object.entries(resources(template))
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id]) => id);
    expect(
      roles.filter((role) =>
        actionsOfRole(template, role).some((a) => a === 'lambda:InvokeFunctionUrl' || a === 'lambda:*'),
      ),
    ).toEqual([]);
  });

  it('serves HTTPS only, caches nothing, and forwards every method, cookie, query string and viewer header but Host', () => {
    const behavior = distribution(template).DefaultCacheBehavior;
    expect(behavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      Compress: true,
    });
    expect([...behavior.AllowedMethods].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(distribution(template).CacheBehaviors).toBeUndefined();
  });

  it('adds the headers the endpoint sets to every response, no-store included, plus HSTS', () => {
    template.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 1);
    const policy = Object.values(resources(template)).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!
      .Properties!.ResponseHeadersPolicyConfig as Record<string, any>;
    expect(distribution(template).DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({
      Ref: logicalId(template, 'AWS::CloudFront::ResponseHeadersPolicy', 'DownloadHeaders'),
    });
    const sec = policy.SecurityHeadersConfig;
    const sent: Record<string, string> = {
      'Content-Security-Policy': sec.ContentSecurityPolicy.ContentSecurityPolicy,
      'X-Content-Type-Options': sec.ContentTypeOptions ? 'nosniff' : '',
      'X-Frame-Options': sec.FrameOptions.FrameOption,
      'Referrer-Policy': sec.ReferrerPolicy.ReferrerPolicy,
      ...Object.fromEntries(
        (policy.CustomHeadersConfig.Items as { Header: string; Value: string }[]).map((h) => [h.Header, h.Value]),
      ),
    };
    expect(sent).toEqual({ ...COMMON_HEADERS });
    expect(sent['Cache-Control']).toBe('no-store');
    // The endpoint's own CSP (per page) wins; CloudFront's HSTS covers every answer.
    expect(sec.ContentSecurityPolicy.Override).toBe(false);
    expect(sec.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 63072000, Override: true });
  });

  it(`copies the viewer's Host into ${PUBLIC_HOST_HEADER} on every viewer request (the function's public origin)`, () => {
    const fnLogicalId = logicalId(template, 'AWS::CloudFront::Function', 'DownloadPublicHost');
    const code = resources(template)[fnLogicalId]!.Properties!.FunctionCode as string;
    expect(code).toContain(`request.headers['${PUBLIC_HOST_HEADER}'] = { value: request.headers.host.value }`);
    expect(distribution(template).DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnLogicalId, 'FunctionARN'] } },
    ]);
  });

  it('has no custom domain and no WAF unless asked for', () => {
    const config = distribution(template);
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.WebACLId).toBeUndefined();
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const vars = (resources(template)[fnId()]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(vars.PULSE_DOWNLOAD_URL).toBeUndefined();
  });

  it('takes a custom domain with its us-east-1 certificate: SNI, TLSv1.2_2021, and the links use the domain', () => {
    const config = distribution(edge);
    expect(config.Aliases).toEqual([DOMAIN.domainName]);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: DOMAIN.certificateArn,
      SslSupportMethod: 'sni-only',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });
    const varsOf = (prefix: string) =>
      (
        resources(edge)[logicalId(edge, 'AWS::Lambda::Function', prefix)]!.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
    expect(varsOf('WeeklyReportHandlerFunction').PULSE_DOWNLOAD_URL).toBe(`https://${DOMAIN.domainName}/`);
    expect(varsOf('DownloadEndpointFunction').PULSE_DOWNLOAD_URL).toBe(`https://${DOMAIN.domainName}/`);
  });

  it('takes an AWS WAF rate-based rule per client address (CloudFront scope), made in us-east-1', () => {
    edge.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const aclId = logicalId(edge, 'AWS::WAFv2::WebACL', 'DownloadWebAcl');
    const acl = resources(edge)[aclId]!.Properties!;
    expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    expect(acl.Rules).toEqual([
      expect.objectContaining({
        Name: 'RatePerClientAddress',
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 500, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
      }),
    ]);
    expect(distribution(edge).WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    // Its logs (in an encrypted log group WAF accepts by name) never hold a link token, a code or a session.
    edge.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      RedactedFields: [{ UriPath: {} }, { QueryString: {} }, { SingleHeader: { Name: 'cookie' } }],
    });
    const logGroup = Object.values(resources(edge)).find(
      (r) => r.Type === 'AWS::Logs::LogGroup' && String(r.Properties!.LogGroupName).startsWith('aws-waf-logs-'),
    );
    expect(logGroup?.Properties).toMatchObject({
      LogGroupName: 'aws-waf-logs-Pulse-edge-download',
      KmsKeyId: { 'Fn::GetAtt': [logicalId(edge, 'AWS::KMS::Key', 'LogsKey'), 'Arn'] },
    });
  });

  it('refuses to make a CloudFront web ACL outside us-east-1, and takes an existing one by ARN anywhere', () => {
    const make = (region: string, webAcl: ConstructorParameters<typeof DownloadEndpoint>[2]['webAcl']) => {
      const own = new App({
        outdir: mkdtempSync(join(outdir, 'waf-')),
        context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      });
      const s = new Stack(own, 'Waf', { env: { account: '123456789012', region } });
      const archive = new ReportArchive(s, 'Storage');
      return () =>
        new DownloadEndpoint(s, 'Download', {
          entry: join(handlersDir, 'download.ts'),
          configFile: join(outdir, 'pulse-config', 'pulse.config.json'),
          environment: {
            PULSE_TABLE: 't',
            PULSE_DROPZONE_BUCKET: 'd',
            PULSE_ARCHIVE_BUCKET: 'a',
            PULSE_REJECTS_BUCKET: 'r',
            PULSE_STAGE: 'test',
          },
          archiveBucket: archive.archiveBucket,
          archiveKey: archive.archiveKey,
          webAcl,
        });
    };
    expect(make('eu-west-1', { requestsPer5Minutes: 500 })).toThrow(/only be created in us-east-1.*webAclArn/);
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/pulse/1234abcd-12ab-34cd-56ef-1234567890ab';
    const endpoint = make('eu-west-1', { webAclArn: arn })();
    expect(Template.fromStack(Stack.of(endpoint)).toJSON().Resources).toSatisfy(
      (r: Record<string, { Type: string; Properties: any }>) =>
        Object.values(r).some(
          (x) => x.Type === 'AWS::CloudFront::Distribution' && x.Properties.DistributionConfig.WebACLId === arn,
        ),
    );
  });
});
