// The alert action endpoint in the stack: a function URL (auth NONE, every request authenticated by
// the function: see lib/constructs/alert-action-endpoint.ts) whose role may only touch the alert
// states, the send ledger and the used ids of the Pulse table and read the link signing key and
// Slack's signing secret; the alert job learns the URL and may sign links; cdk-nag and the Control
// Tower checks have no unacknowledged finding.
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAG_PACKS } from '../../lib/checks';
import { CFN_GUARD_PLUGIN, controlOf, controlTowerChecks, controlTowerExceptions } from '../../lib/control-tower';
import { JOB_NAMES, PulseStack, writeFunctionConfig } from '../../lib/pulse-stack';
import {
  actionsOfRole,
  asArray,
  cdkJsonContext,
  configWith,
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
let guard: PolicyValidationPluginReport;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-actions-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const config = configWith((doc) => {
    doc.notifications = { slack: { channel: '#cs-renewal-risk' } };
    doc.alerts = { ...(doc.alerts as object), actionEndpoint: true };
  });
  stack = new PulseStack(app, 'Pulse-prod', {
    env: { account: '123456789012', region: 'eu-west-1' },
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    alertActionEntry: join(handlersDir, 'alert-action.ts'),
    stage: 'prod',
  });
  template = Template.fromStack(stack);
  const assembly = app.synth();
  guard = controlTowerChecks({ exceptions: [] }).validate({
    templatePaths: [join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile)],
  } as never) as PolicyValidationPluginReport;
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const fnId = () => logicalId(template, 'AWS::Lambda::Function', 'AlertActionsEndpointFunction');
const roleId = () => logicalId(template, 'AWS::IAM::Role', 'AlertActionsEndpointRole');

describe('alert action endpoint', () => {
  it('is a function URL with auth NONE on its own function, which knows the link key and the Slack secret', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
    });
    const vars = (resources(template)[fnId()]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(vars.PULSE_LINK_SECRET_ID).toEqual({
      Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey'),
    });
    expect(vars.PULSE_SLACK_SIGNING_SECRET_ID).toEqual({
      Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'AlertActionsSlackSigningSecret'),
    });
    expect(
      resources(template)[logicalId(template, 'AWS::SecretsManager::Secret', 'AlertActionsSlackSigningSecret')]!
        .DeletionPolicy,
    ).toBe('Retain');
  });

  it('has a least-privilege role: its partitions of the Pulse table, the two secrets', () => {
    const actions = actionsOfRole(template, roleId()).filter((a) => !/^(logs|sqs|xray):/.test(a));
    expect(actions).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ]);
    const statements = statementsOfRole(template, roleId());
    const dynamo = statements.find((s) => asArray(s.Action).includes('dynamodb:PutItem'))!;
    expect(dynamo.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERTS', 'SEND#*', 'USED#*'] },
    });
    const secrets = statements
      .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(flat));
    expect(secrets.sort()).toEqual(
      [
        `<${logicalId(template, 'AWS::SecretsManager::Secret', 'AlertActionsSlackSigningSecret')}>`,
        `<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`,
      ].sort(),
    );
  });

  it('the alert job gets the endpoint URL and may read the link signing key', () => {
    const jobFn = logicalId(template, 'AWS::Lambda::Function', 'AlertDigestHandlerFunction');
    const vars = (resources(template)[jobFn]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(flat(vars.PULSE_ALERT_ACTIONS_URL)).toContain('AlertActionsEndpointFunctionFunctionUrl');
    const jobRole = logicalId(template, 'AWS::IAM::Role', 'AlertDigestHandlerRole');
    const secrets = statementsOfRole(template, jobRole)
      .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(flat));
    expect(secrets).toContain(`<${logicalId(template, 'AWS::SecretsManager::Secret', 'DownloadLinkSigningKey')}>`);
  });

  it.each(NAG_PACKS.map((Pack) => [new Pack().name, Pack] as const))(
    'cdk-nag %s: no unacknowledged finding',
    (_name, Pack) => {
      const report = new Pack().validateScope(stack);
      expect(
        report.violations.map(
          (v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    },
  );

  it('is not in the stack unless alerts.actionEndpoint is on (the default stack has no public function URL)', () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'pulse-infra-noactions-')),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    });
    const config = configWith((doc) => {
      doc.notifications = { slack: { channel: '#cs-renewal-risk' } };
    });
    const plain = new PulseStack(app, 'Pulse-plain', {
      env: { account: '123456789012', region: 'eu-west-1' },
      config,
      configFile: writeFunctionConfig(config, join(app.outdir, 'pulse-config')),
      jobs: [...JOB_NAMES],
      handlerEntry: () => ingestEntry,
      downloadEntry: join(handlersDir, 'download.ts'),
      alertActionEntry: join(handlersDir, 'alert-action.ts'),
      stage: 'prod',
    });
    const urls = Template.fromStack(plain).findResources('AWS::Lambda::Url');
    expect(Object.values(urls).map((u) => (u.Properties as { AuthType: string }).AuthType)).toEqual(['AWS_IAM']);
    expect(plain.alertActions).toBeUndefined();
  });

  it('Control Tower: the public URL is the only new finding (CT.LAMBDA.PR.2, CT.LAMBDA.PR.5), each acknowledged with its reason', () => {
    const found = new Map<string, string[]>();
    for (const v of guard.violations)
      for (const r of v.violatingResources)
        found.set(controlOf(v), [...(found.get(controlOf(v)) ?? []), r.resourceLogicalId ?? '?']);
    const documented: readonly string[] = controlTowerExceptions();
    const extra = [...found.keys()].filter((c) => !documented.includes(c)).sort();
    expect(extra).toEqual(['CT.LAMBDA.PR.2', 'CT.LAMBDA.PR.5']);
    for (const c of extra)
      expect(
        found.get(c)!.every((id) => id.startsWith('AlertActionsEndpointFunction')),
        c,
      ).toBe(true);
    const acks = stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.keys(m.data as object)),
      );
    for (const rule of ['lambda_function_public_access_prohibited_check', 'lambda_function_url_auth_check'])
      expect(acks).toContain(`${CFN_GUARD_PLUGIN}::${rule}`);
  });
});
