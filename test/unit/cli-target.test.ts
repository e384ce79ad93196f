import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsResources } from '../../bin/commands/target';

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
    cfn.on(DescribeStacksCommand, { StackName: 'Pulse-staging' }).resolves({ Stacks: [{ StackName: 'Pulse-staging', Outputs: outputs } as never] });
    expect(await awsResources('Pulse-staging', {}, new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({
      tableName: 'pulse-table',
      dropzoneBucket: 'dz',
      archiveBucket: 'arch',
      rejectsBucket: 'rej',
    });
  });

  it('prefers the PULSE_* variables when all are set, without calling AWS', async () => {
    const env = { PULSE_TABLE: 't', PULSE_DROPZONE_BUCKET: 'd', PULSE_ARCHIVE_BUCKET: 'a', PULSE_REJECTS_BUCKET: 'r' };
    expect(await awsResources('any', env, new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({ tableName: 't', dropzoneBucket: 'd', archiveBucket: 'a', rejectsBucket: 'r' });
    expect(cfn.calls()).toHaveLength(0);
  });

  it('says what is missing when the stack is not a Pulse stack or cannot be read', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ Outputs: outputs.slice(0, 2) } as never] });
    await expect(awsResources('X', {}, new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(/has no output ArchiveBucketName, RejectsBucketName/);
    cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id X does not exist'));
    await expect(awsResources('X', {}, new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(/Cannot read the outputs of stack X: Stack with id X does not exist.*PULSE_TABLE/);
  });
});
