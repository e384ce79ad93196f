// What checks a Pulse stack on every synth (bin/app.ts) and in the infra tests: the cdk-nag packs
// and AWS Control Tower's proactive controls. A finding that is neither fixed nor acknowledged (a
// cdk-nag acknowledgement in lib/constructs, or a Control Tower exception in lib/control-tower.ts)
// fails the synth.
import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { controlTowerChecks, controlTowerExceptions } from './control-tower';

/** The cdk-nag packs Pulse meets (every finding fixed or acknowledged with a reason). */
export const NAG_PACKS = [AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks] as const;

/** Every check, as policy-validation plugins for `Validations.of(app).addPlugins(...)`. */
export function synthChecks(app: IConstruct, deployment: { downloadDomain?: boolean } = {}): IPolicyValidationPlugin[] {
  return [
    ...NAG_PACKS.map((Pack) => new Pack(app)),
    controlTowerChecks({ exceptions: controlTowerExceptions(deployment) }),
  ];
}
