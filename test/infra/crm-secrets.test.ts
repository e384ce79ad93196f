// CRM tasks in the stack (notifications.crmTasks), and the Slack bot token for the action endpoint: the alert job (opens, moves and completes the
// tasks) and the alert action endpoint (a snooze link moves the task) may read the secrets of the
// CRM source the tasks go through, and only those; without CRM tasks neither reads a CRM secret,
// even when the CRM is a configured source (only ingest does then). The stack stays cdk-nag clean.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PulseConfigInput } from '../../functions/config';
import { NAG_PACKS } from '../../lib/checks';
import { JOB_NAMES, PulseStack, writeFunctionConfig } from '../../lib/pulse-stack';
import {
  asArray,
  cdkJsonContext,
  configWith,
  flat,
  handlersDir,
  ingestEntry,
  logicalId,
  statementsOfRole,
} from './fixture';

const HUBSPOT_SECRET = 'pulse/hubspot-crm';
const SALESFORCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulse/salesforce-AbCdEf';
const OTHER_SECRET = 'pulse/zendesk';
const SLACK_SECRET = 'pulse/slack-bot';

const hubspotArn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${HUBSPOT_SECRET}-??????`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The whole stack (every job, the action endpoint) with these sources and CRM tasks. */
function build(patch: (doc: PulseConfigInput) => void): { stack: PulseStack; template: Template } {
  const outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-crm-'));
  dirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const config = configWith((doc) => {
    doc.alerts = { ...(doc.alerts as object), actionEndpoint: true };
    doc.sources = [
      ...(doc.sources ?? []),
      { name: 'hubspot', connector: 'hubspot', hubspot: { secretName: HUBSPOT_SECRET } },
      {
        name: 'salesforce',
        connector: 'salesforce',
        salesforce: {
          instanceUrl: 'https://northwind.my.salesforce.com',
          auth: { flow: 'client-credentials', secretName: SALESFORCE_SECRET },
        },
      },
      {
        name: 'zendesk',
        connector: 'zendesk',
        zendesk: { apiBase: 'https://northwind.zendesk.com', secretName: OTHER_SECRET },
      },
    ] as PulseConfigInput['sources'];
    patch(doc);
  });
  const stack = new PulseStack(app, 'Pulse-prod', {
    env: { account: '123456789012', region: 'eu-west-1' },
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    alertActionEntry: join(handlersDir, 'alert-action.ts'),
    stage: 'prod',
  });
  return { stack, template: Template.fromStack(stack) };
}

/** Every secret a role may read, flattened. */
const secretReads = (template: Template, rolePrefix: string) =>
  statementsOfRole(template, logicalId(template, 'AWS::IAM::Role', rolePrefix))
    .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
    .flatMap((s) => asArray(s.Resource).map(flat));

const crmReads = (reads: string[]) =>
  reads.filter((r) => r.includes('hubspot') || r.includes('salesforce') || r.includes('zendesk'));

let hubspot: { stack: PulseStack; template: Template };
let salesforce: { stack: PulseStack; template: Template };
let none: { stack: PulseStack; template: Template };

beforeAll(() => {
  hubspot = build((doc) => {
    doc.notifications = {
      crmTasks: { system: 'hubspot', source: 'hubspot' },
      slack: { channel: '#cs-renewal-risk', secretName: SLACK_SECRET },
    };
  });
  salesforce = build((doc) => {
    doc.notifications = { crmTasks: { system: 'salesforce', source: 'salesforce' } };
  });
  none = build(() => {});
}, 300_000);

describe('CRM task secrets in the stack', () => {
  it("the action endpoint may read the Slack bot token when one is named (a click updates the alert's other messages)", () => {
    const slackArn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SLACK_SECRET}-??????`;
    expect(secretReads(hubspot.template, 'AlertActionsEndpointRole')).toContain(slackArn);
    expect(secretReads(none.template, 'AlertActionsEndpointRole').some((r) => r.includes('slack-bot'))).toBe(false);
  });

  it('HubSpot tasks: the alert job and the action endpoint read the HubSpot source secret, no other CRM secret', () => {
    expect(crmReads(secretReads(hubspot.template, 'AlertDigestHandlerRole'))).toEqual([hubspotArn]);
    expect(crmReads(secretReads(hubspot.template, 'AlertActionsEndpointRole'))).toEqual([hubspotArn]);
  });

  it('Salesforce tasks: the same for the Salesforce source secret (an ARN kept as given)', () => {
    expect(crmReads(secretReads(salesforce.template, 'AlertDigestHandlerRole'))).toEqual([SALESFORCE_SECRET]);
    expect(crmReads(secretReads(salesforce.template, 'AlertActionsEndpointRole'))).toEqual([SALESFORCE_SECRET]);
  });

  it('no CRM tasks: neither reads a CRM secret; ingest still reads every source secret', () => {
    expect(crmReads(secretReads(none.template, 'AlertDigestHandlerRole'))).toEqual([]);
    expect(crmReads(secretReads(none.template, 'AlertActionsEndpointRole'))).toEqual([]);
    expect(crmReads(secretReads(none.template, 'IngestHandlerRole')).sort()).toEqual(
      [
        hubspotArn,
        SALESFORCE_SECRET,
        `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${OTHER_SECRET}-??????`,
      ].sort(),
    );
  });

  it('stays cdk-nag clean (AwsSolutions, Serverless, NIST 800-53 R5)', () => {
    for (const { stack } of [hubspot, salesforce]) {
      for (const Pack of NAG_PACKS) {
        const report = new Pack().validateScope(stack);
        expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
      }
    }
  });
});
