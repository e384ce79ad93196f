// Customer-managed KMS keys: the rules every Pulse key follows (rotation on, grants only for AWS
// services), and the one key that encrypts the stack's CloudWatch log groups.
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

/**
 * Denies kms:CreateGrant to everyone unless the grant is for an AWS resource or made by an AWS
 * service (Control Tower CT.KMS.PR.3): nobody can hand the key's use on to another principal
 * outside its key policy. S3, Lambda and CloudWatch Logs do not need grants on Pulse's keys.
 */
export function denyGrantsExceptForAwsServices(key: Key): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'DenyGrantsExceptForAwsServices',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
}

/** Construct id of the stack's log key (a direct child of the stack). */
const LOGS_KEY_ID = 'LogsKey';

/**
 * The one customer-managed key of the stack's log groups, created on first use. Its policy lets
 * CloudWatch Logs of this account and region (and no other) use it, and only for log groups of
 * this account and region (the encryption context CloudWatch Logs passes).
 */
export function logsKey(scope: IConstruct): Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LOGS_KEY_ID);
  if (existing) return existing as Key;
  const key = new Key(stack, LOGS_KEY_ID, {
    description: `Pulse ${stack.stackName}: encrypts the stack's CloudWatch log groups`,
    enableKeyRotation: true,
    // Log groups are destroyed with the stack; their key is kept so exported or retained logs stay readable.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccountAndRegion',
      principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  denyGrantsExceptForAwsServices(key);
  return key;
}
