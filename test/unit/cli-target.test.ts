import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsResources, invokeDeployedJob } from '../../bin/commands/target';

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const outputs = [
  { OutputKey: 'TableName', OutputValue: 'pulse-table' },
  { OutputKey: 'DropZoneBucketName', OutputValue: 'dz' },
  { OutputKey: 'ArchiveBucketName', OutputValue: 'arch' },
  { OutputKey: 'RejectsBucketName', OutputValue: 'rej' },
];

describe('--target aws resources', () => {
  it('reads the names from the stack outputs', async () => {
    cfn
      .on(DescribeStacksCommand, { StackName: 'Pulse-staging' })
      .resolves({ Stacks: [{ StackName: 'Pulse-staging', Outputs: outputs } as never] });
    expect(await awsResources('Pulse-staging', {}, new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({
      tableName: 'pulse-table',
      dropzoneBucket: 'dz',
      archiveBucket: 'arch',
      rejectsBucket: 'rej',
    });
  });

  it('prefers the PULSE_* variables when all are set, without calling AWS', async () => {
    const env = { PULSE_TABLE: 't', PULSE_DROPZONE_BUCKET: 'd', PULSE_ARCHIVE_BUCKET: 'a', PULSE_REJECTS_BUCKET: 'r' };
    expect(await awsResources('any', env, new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({
      tableName: 't',
      dropzoneBucket: 'd',
      archiveBucket: 'a',
      rejectsBucket: 'r',
    });
    expect(cfn.calls()).toHaveLength(0);
  });

  it('says what is missing when the stack is not a Pulse stack or cannot be read', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ Outputs: outputs.slice(0, 2) } as never] });
    await expect(awsResources('X', {}, new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(
      /has no output ArchiveBucketName, RejectsBucketName/,
    );
    cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id X does not exist'));
    await expect(awsResources('X', {}, new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(
      /Cannot read the outputs of stack X: Stack with id X does not exist.*PULSE_TABLE/,
    );
  });
});

describe('rerunning a deployed job (--target aws)', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());
  const clients = () => ({
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
  });
  const withFunction = () =>
    cfn.on(DescribeStacksCommand, { StackName: 'Pulse-prod' }).resolves({
      Stacks: [
        {
          Outputs: [...outputs, { OutputKey: 'WeeklyReportFunctionName', OutputValue: 'Pulse-prod-WeeklyReport-abc' }],
        } as never,
      ],
    });

  it('invokes the function named by the stack output, synchronously, with the payload, and returns its result', async () => {
    withFunction();
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode(JSON.stringify({ status: 'sent', sent: 1 })) as never,
    });
    expect(
      await invokeDeployedJob('Pulse-prod', 'weekly-report', { week: '2026-W47', resend: false }, clients()),
    ).toEqual({ status: 'sent', sent: 1 });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe('Pulse-prod-WeeklyReport-abc');
    expect(input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({
      week: '2026-W47',
      resend: false,
    });
  });

  it("reports the function's own error, and a job that is not deployed", async () => {
    withFunction();
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode(
        JSON.stringify({ errorType: 'ReportSendError', errorMessage: 'no recipients' }),
      ) as never,
    });
    await expect(invokeDeployedJob('Pulse-prod', 'weekly-report', {}, clients())).rejects.toThrow(
      /weekly-report failed in AWS \(Pulse-prod-WeeklyReport-abc\): ReportSendError: no recipients/,
    );
    await expect(invokeDeployedJob('Pulse-prod', 'alert-digest', {}, clients())).rejects.toThrow(
      /has no alert-digest function \(output AlertDigestFunctionName\)/,
    );
  });

  it('refuses local-only options before calling AWS', async () => {
    const { reportCommand } = await import('../../bin/commands/report');
    await expect(
      reportCommand({
        target: 'aws',
        dryRun: true,
        week: '2026-W47',
        config: join(import.meta.dirname, '../../pulse.config.json'),
      }),
    ).rejects.toThrow(/--dry-run work on the local stack only/);
    expect(lambda.calls()).toHaveLength(0);
  });
});
