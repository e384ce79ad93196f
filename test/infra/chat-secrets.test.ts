// The chat channels in the stack: the Slack token and Teams webhook secrets named in the config are
// readable by the alert and report functions only, and the stack stays cdk-nag clean.
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../lib/pulse-stack';
import {
  actionsOfRole,
  asArray,
  buildStack,
  configWith,
  flat,
  logicalId,
  statementsOfRole,
  type BuiltStack,
} from './fixture';

let built: BuiltStack;
let plain: BuiltStack;
beforeAll(() => {
  const config = configWith((d) => {
    d.notifications = {
      slack: { channel: '#cs-renewal-risk', secretName: 'pulse/slack-bot', weeklyReportChannel: '#exec' },
      teams: { secretName: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:pulse/teams-AbCdEf' },
    };
  });
  built = buildStack({ config, jobs: [...JOB_NAMES] });
  plain = buildStack({ config: configWith(() => {}), jobs: ['alert-digest'] });
});
afterAll(() => {
  built?.dispose();
  plain?.dispose();
});

const secretReads = (b: BuiltStack, job: string) =>
  statementsOfRole(b.template, logicalId(b.template, 'AWS::IAM::Role', `${job}HandlerRole`))
    .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
    .flatMap((s) => asArray(s.Resource).map(flat));

describe('chat secrets in the stack', () => {
  it('lets the alert and report functions read exactly the Slack and Teams secrets', () => {
    const expected = [
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:pulse/slack-bot-??????',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:pulse/teams-AbCdEf',
    ];
    expect(secretReads(built, 'AlertDigest').sort()).toEqual(expected.sort());
    expect(
      secretReads(built, 'WeeklyReport')
        .filter((r) => !r.includes('DownloadLinkSigningKey') && !r.startsWith('<'))
        .sort(),
    ).toEqual(expected.sort());
    // Ingest reads no chat secret.
    expect(secretReads(built, 'Ingest').some((r) => r.includes('slack') || r.includes('teams'))).toBe(false);
  });

  it('grants nothing when no secret is named', () => {
    expect(
      actionsOfRole(plain.template, logicalId(plain.template, 'AWS::IAM::Role', 'AlertDigestHandlerRole')),
    ).not.toContain('secretsmanager:GetSecretValue');
  });

  it('stays cdk-nag clean (AwsSolutions, Serverless)', () => {
    for (const Pack of [AwsSolutionsChecks, ServerlessChecks]) {
      const report = new Pack().validateScope(built.stack);
      expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    }
  });
});
