// Options shared by several commands, declared in bin/pulse.ts before any command module is loaded:
// commander only, so that `pulse --help` loads nothing else.
import { Option } from 'commander';

export const targetOption = () =>
  new Option(
    '--target <where>',
    'local: the embedded stack under .pulse/; aws: the deployed stack (AWS credentials from the usual chain)',
  )
    .choices(['local', 'aws'])
    .default('local');
/** The stack `cdk deploy` creates without `-c stage=...`. */
export const DEFAULT_STACK = 'Pulse-prod';

export const stackOption = () =>
  new Option('--stack <name>', 'the deployed CloudFormation stack, with --target aws').default(DEFAULT_STACK);
