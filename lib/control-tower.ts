// AWS Control Tower proactive controls, checked at synth: the CfnGuardValidator plugin runs AWS's
// cfn-guard rules for the controls (shipped in @cdklabs/cdk-validator-cfnguard, with the guard
// binary: no network) over every synthesized template, and a finding fails the synth.
//
// CONTROL_TOWER_EXCEPTIONS is the one list of controls Pulse does not meet, each with why; they
// are disabled in the validator, listed in docs/deploy.md ("Deploying in an organization with
// Control Tower"), and the infra tests check that each still fails without the exception (no stale
// entry) and that nothing else does.
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The plugin's name: the namespace of its rule ids in Validations acknowledgements (`<plugin>::<guard rule name>`). */
export const CFN_GUARD_PLUGIN = 'cdk-validator-cfnguard';

/** Why Pulse does not meet a control; `metWith`: the deploy option that meets it (an exception only without it). */
export interface ControlTowerException {
  readonly reason: string;
  readonly metWith?: 'downloadDomain';
}

/** Control id (as AWS names it, e.g. `CT.S3.PR.9`) -> why Pulse does not meet it: one line each. */
export const CONTROL_TOWER_EXCEPTIONS = {
  'CT.LAMBDA.PR.3': {
    reason:
      'The functions call only public AWS endpoints (DynamoDB, S3, SES, Secrets Manager, Lambda, X-Ray) and the HTTP sources the operator configures; a VPC would add NAT gateways or one interface endpoint per service (a fixed monthly cost per AZ) and protect no data path, since Pulse has no private network resources.',
  },
  'CT.SQS.PR.1': {
    reason:
      "Every queue Pulse creates is itself a dead-letter queue (a function's on-failure destination or a schedule's dead-letter queue); giving it a dead-letter queue of its own would only move the same messages again.",
  },
  'CT.S3.PR.2': {
    reason:
      "Only the access-log bucket has no server access logging: it is the target of the other buckets' logs, and logging it into itself would log its own log deliveries forever.",
  },
  'CT.S3.PR.4': {
    reason:
      "The drop zone notifies the ingest function of new files through the notification configuration CDK sets by custom resource (not in the bucket's template properties); the archive, rejects and access-log buckets are written by Pulse itself and have no consumer to notify.",
  },
  'CT.S3.PR.9': {
    reason:
      'S3 Object Lock can only be turned on when a bucket is created and cannot be undone in compliance mode; drop-zone files must be moved and deleted by ingest, rejects reports and logs expire, and the archive is versioned with no delete permission for any Pulse role. The archive takes Object Lock for its retention period with -c archiveObjectLock=governance|compliance when it is created (the other buckets still fail this control).',
  },
  'CT.S3.PR.10': {
    reason:
      'The finance archive uses SSE-KMS with its customer-managed key; the access-log bucket must use SSE-S3 (S3 delivers server access logs to nothing else), and the drop zone and rejects buckets keep SSE-S3 so that uploaders and the CLI need no KMS permissions for short-lived copies of source data.',
  },
  'CT.CLOUDFRONT.PR.1': {
    reason:
      'The download distribution has no default root object: every path is answered by the endpoint function (/ included), and a root object would rewrite / to a file that does not exist.',
  },
  'CT.CLOUDFRONT.PR.4': {
    reason:
      "The download distribution has one origin, the endpoint's function URL in the stack's region; there is no second origin to fail over to.",
  },
  'CT.CLOUDFRONT.PR.5': {
    reason:
      "CloudFront standard logs need a bucket with ACLs enabled, which the stack's access-log bucket deliberately is not (BucketOwnerEnforced); the endpoint function logs every request it answers.",
  },
  'CT.CLOUDFRONT.PR.6': {
    reason:
      'Without -c downloadDomain and -c downloadCertificateArn the distribution uses its *.cloudfront.net name and certificate; with them it uses the given ACM certificate (SNI, TLSv1.2_2021).',
    metWith: 'downloadDomain',
  },
  'CT.CLOUDFRONT.PR.7': {
    reason:
      'Without a custom domain there is no custom certificate to serve by SNI (the *.cloudfront.net certificate); with -c downloadDomain the distribution uses SNI only.',
    metWith: 'downloadDomain',
  },
  'CT.CLOUDFRONT.PR.9': {
    reason:
      'Without a custom domain CloudFront fixes the TLS policy of the *.cloudfront.net certificate; with -c downloadDomain the distribution requires TLSv1.2_2021.',
    metWith: 'downloadDomain',
  },
} as const satisfies Record<string, ControlTowerException>;

export type ControlTowerExceptionId = keyof typeof CONTROL_TOWER_EXCEPTIONS;

/** The controls disabled for a deployment: every exception, but those its options meet. */
export function controlTowerExceptions(deployment: { downloadDomain?: boolean } = {}): ControlTowerExceptionId[] {
  return (Object.entries(CONTROL_TOWER_EXCEPTIONS) as [ControlTowerExceptionId, ControlTowerException][])
    .filter(([, e]) => !(e.metWith === 'downloadDomain' && deployment.downloadDomain))
    .map(([id]) => id);
}

/** Where the package keeps the Control Tower rules: `<dir>/<service>/ct-<service>-pr-<n>.guard`. */
export function controlTowerRulesDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json');
  return join(dirname(pkg), 'rules', 'control-tower', 'cfn-guard');
}

/** `CT.S3.PR.9` -> `ct-s3-pr-9`, the rule's file name (what `disabledRules` takes). */
export function ruleFileName(control: string): string {
  return control.toLowerCase().replace(/\./g, '-');
}

/** Every Control Tower control the package ships, by id (`CT.S3.PR.9`). */
export function controlTowerControls(): string[] {
  const dir = controlTowerRulesDir();
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.guard'))
    .map((f) =>
      f
        .replace(/^.*\//, '')
        .replace(/\.guard$/, '')
        .toUpperCase()
        .replace(/-PR-/, '.PR.')
        .replace(/^CT-/, 'CT.'),
    );
}

/**
 * The Control Tower checks as a policy-validation plugin: every bundled control but the
 * exceptions (or none, with `exceptions: []`, to see what the exceptions hide).
 */
export function controlTowerChecks(opts: { exceptions?: readonly string[] } = {}): CfnGuardValidator {
  const exceptions = opts.exceptions ?? controlTowerExceptions();
  const known = new Set(controlTowerControls());
  for (const control of exceptions) {
    if (!known.has(control))
      throw new Error(
        `Control Tower exception ${control}: no such control among the rules of @cdklabs/cdk-validator-cfnguard (${controlTowerRulesDir()})`,
      );
  }
  return new CfnGuardValidator({ disabledRules: exceptions.map(ruleFileName) });
}

/** The control a cfn-guard finding belongs to: its message starts with `[CT.S3.PR.9]:`. */
export function controlOf(violation: { description?: string; fix?: string }): string {
  const m = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(`${violation.description ?? ''} ${violation.fix ?? ''}`);
  return m ? m[1]! : 'unknown';
}
