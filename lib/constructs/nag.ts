// Helpers for cdk-nag v3 acknowledgements. A v3 acknowledgement is an exact finding id such as
// `AwsSolutions-IAM5[Resource::<DropZone1234.Arn>/incoming/*]`, so we derive the id from the very
// expression we put into the policy: the acknowledgement cannot drift from the statement it covers,
// and a new wildcard anywhere else still fails synth.
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The flat form cdk-nag gives a CloudFormation reference: `<Logical.Attr>`, `<Ref>`, joins inlined. */
export function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (node['Fn::Sub'] !== undefined) return flattenReference(node['Fn::Sub']);
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (node['Fn::ImportValue'] !== undefined) return flattenReference(node['Fn::ImportValue']);
  if (node.Ref !== undefined) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(node);
}

/** The IAM5 finding id cdk-nag reports for one wildcard resource of a policy statement. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  const flat = Token.isUnresolved(resource) ? flattenReference(Stack.of(scope).resolve(resource)) : resource;
  return `AwsSolutions-IAM5[Resource::${flat}]`;
}

/**
 * Acknowledges the IAM5 finding of each wildcard resource on `scope` (the role or policy that holds
 * the statement), with the reason that makes that particular wildcard acceptable.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const resource of resources) {
    if (!resource.includes('*')) continue;
    Validations.of(scope).acknowledge({ id: wildcardResourceFinding(scope, resource), reason });
  }
}

/** Acknowledges one rule on one construct (and its children) with a reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A queue that is itself a dead-letter queue (an on-failure destination or a Scheduler DLQ): the
 * packs that ask every queue for a dead-letter queue of its own (AwsSolutions-SQS3,
 * Serverless-SQSRedrivePolicy) are acknowledged with why this one is the end of the line.
 */
export function acknowledgeDeadLetterQueue(queue: IConstruct, reason: string): void {
  for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) acknowledge(queue, id, reason);
}
