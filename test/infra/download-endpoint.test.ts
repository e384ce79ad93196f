// The archive's download endpoint in the stack: a public function URL whose own role may only read
// archive objects (and decrypt them) and read the link signing key; the weekly report may sign
// links; the signing key is retained; cdk-nag stays clean.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES, PulseStack, writeFunctionConfig } from '../../lib/pulse-stack';
import { actionsOfRole, asArray, cdkJsonContext, exampleConfig, flat, handlersDir, ingestEntry, logicalId, resources, statementsOfRole } from './fixture';

let outdir: string;
let stack: PulseStack;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-download-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const config = exampleConfig();
  stack = new PulseStack(app, 'Pulse-prod', {
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    stage: 'prod',
    archiveRetentionYears: 10,
  });
  template = Template.fromStack(stack);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const fnId = () => logicalId(template, 'AWS::Lambda::Function', 'DownloadEndpointFunction');
const roleId = () => logicalId(template, 'AWS::IAM::Role', 'DownloadEndpointRole');

describe('download endpoint', () => {
  it('is a function URL without IAM auth (the signed token is the authorisation) on its own function', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED', TargetFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] } });
    const props = resources(template)[fnId()]!.Properties!;
    expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 10 });
    const vars = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.PULSE_LINK_SECRET_ID).toEqual({ Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey') });
    expect(vars.PULSE_PRESIGN_SECONDS).toBe('300');
    expect(vars.PULSE_ARCHIVE_BUCKET).toEqual({ Ref: logicalId(template, 'AWS::S3::Bucket', 'StorageArchive') });
  });

  it('has a least-privilege role: read archive/ objects, decrypt with the archive key, read the signing key', () => {
    const actions = actionsOfRole(template, roleId()).filter((a) => !/^(logs|sqs):/.test(a));
    expect(actions).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket', 'secretsmanager:GetSecretValue']);
    const statements = statementsOfRole(template, roleId());
    const resourcesOf = (action: string) => statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource).map(flat));
    const archive = logicalId(template, 'AWS::S3::Bucket', 'StorageArchive');
    expect(resourcesOf('s3:GetObject')).toEqual([`<${archive}.Arn>/archive/*`]);
    expect(resourcesOf('s3:ListBucket')).toEqual([`<${archive}.Arn>`]);
    expect(resourcesOf('kms:Decrypt')).toEqual([`<${logicalId(template, 'AWS::KMS::Key', 'StorageArchiveKey')}.Arn>`]);
    expect(resourcesOf('secretsmanager:GetSecretValue')).toEqual([`<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`]);
  });

  it('keeps the generated signing key when the stack goes (deleting it would break every link)', () => {
    const secret = resources(template)[logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')]!;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties!.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
  });

  it('lets only the weekly report sign links, and tells it where the endpoint is', () => {
    const secret = `<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`;
    const signers = JOB_NAMES.map((j) => j.split('-').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')).filter((job) =>
      statementsOfRole(template, logicalId(template, 'AWS::IAM::Role', `${job}HandlerRole`)).some((s) => asArray(s.Resource).map(flat).includes(secret)),
    );
    expect(signers).toEqual(['WeeklyReport']);
    const vars = (resources(template)[logicalId(template, 'AWS::Lambda::Function', 'WeeklyReportHandlerFunction')]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(flat(vars.PULSE_DOWNLOAD_URL)).toContain('FunctionUrl');
    expect(vars.PULSE_LINK_SECRET_ID).toBeDefined();
    const ingestVars = (resources(template)[logicalId(template, 'AWS::Lambda::Function', 'IngestHandlerFunction')]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(ingestVars.PULSE_LINK_SECRET_ID).toBeUndefined();
  });

  it('outputs the endpoint URL and the secret for the CLI (pulse archive link --target aws)', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['DownloadUrl', 'LinkSecretArn']));
  });

  it('keeps archived packs for the configured retention, after IA at 90 days and Glacier at a year', () => {
    const archive = resources(template)[logicalId(template, 'AWS::S3::Bucket', 'StorageArchive')]!.Properties!;
    const rule = (archive.LifecycleConfiguration as { Rules: { Id: string; ExpirationInDays?: number; Transitions?: { TransitionInDays: number; StorageClass: string }[] }[] }).Rules.find((r) => r.Id === 'archive-tiering-and-retention')!;
    expect(rule.ExpirationInDays).toBe(3650);
    expect(rule.Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
    ]);
    expect(archive.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
