// Builds the Pulse stack the way bin/app.ts does, with the App context of cdk.json (same feature
// flags), into a temporary cloud assembly that the caller removes.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, parseConfigText, type PulseConfig, type PulseConfigInput } from '../../functions/config';
import { PulseStack, writeFunctionConfig, type JobName } from '../../lib/pulse-stack';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const handlersDir = join(projectRoot, 'functions', 'handlers');
/** The only handler that exists today; later jobs reuse it as a stand-in entry in tests. */
export const ingestEntry = join(handlersDir, 'ingest.ts');

/** The `context` block of cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context;
}

export function exampleConfig(): PulseConfig {
  return parseConfigText(readFileSync(join(projectRoot, 'pulse.config.json'), 'utf8'), 'pulse.config.json');
}

/** The example config with some parts replaced (validated like any config). */
export function configWith(patch: (doc: PulseConfigInput) => void): PulseConfig {
  const doc = JSON.parse(readFileSync(join(projectRoot, 'pulse.config.json'), 'utf8')) as PulseConfigInput;
  patch(doc);
  return parseConfig(doc, 'test config');
}

export interface BuiltStack {
  app: App;
  stack: PulseStack;
  template: Template;
  config: PulseConfig;
  outdir: string;
  dispose(): void;
}

export function buildStack(
  opts: {
    jobs?: JobName[];
    config?: PulseConfig;
    stage?: string;
    archiveRetentionYears?: number;
    handlerEntry?: (job: JobName) => string;
  } = {},
): BuiltStack {
  const outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-'));
  const app = new App({
    outdir,
    // Same flags as `cdk synth`; skip esbuild (one test bundles for real through the CLI).
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const config = opts.config ?? exampleConfig();
  const stage = opts.stage ?? 'prod';
  const stack = new PulseStack(app, `Pulse-${stage}`, {
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: opts.jobs ?? ['ingest'],
    handlerEntry: opts.handlerEntry ?? (() => ingestEntry),
    stage,
    archiveRetentionYears: opts.archiveRetentionYears,
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, config, outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.entries(resources(template))
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of the inline policies attached to a role (by the role's logical id). */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  return Object.values(resources(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => ((r.Properties?.Roles as { Ref: string }[]) ?? []).some((ref) => ref.Ref === roleId))
    .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Actions of a role, sorted and de-duplicated. */
export function actionsOfRole(template: Template, roleId: string): string[] {
  return [...new Set(statementsOfRole(template, roleId).flatMap((s) => asArray(s.Action)))].sort();
}

/** A CloudFormation value flattened the way cdk-nag prints it, for readable assertions. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flat).join(delimiter);
  }
  if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if (node.Ref !== undefined) return `<${String(node.Ref)}>`;
  return JSON.stringify(node);
}
