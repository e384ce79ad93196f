// Deploying into a governed AWS organization: AWS Control Tower's proactive controls (the cfn-guard
// rules AWS publishes, run offline by @cdklabs/cdk-validator-cfnguard) and the cdk-nag packs of
// lib/checks.ts, over the whole stack in three shapes, synthesized once and checked with one guard
// run:
//   prod    every job and the download endpoint, synthesized for an account (as `cdk deploy` does)
//   edge    the same with every deploy option: a custom domain, a WAF rate-based rule (so in
//           us-east-1), the Cognito user pool for archive sign-in, Object Lock on the archive,
//           CloudTrail data events for the archive
//   agnostic  the same as prod without an account (as an offline `cdk synth` does)
// The Control Tower controls that fail must be exactly the documented exceptions (none hidden, none
// stale), and docs/deploy.md must list every exception and every acknowledged cdk-nag rule.
import { App, Validations, type Stack } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAG_PACKS, synthChecks } from '../../lib/checks';
import {
  CFN_GUARD_PLUGIN,
  CONTROL_TOWER_EXCEPTIONS,
  controlOf,
  controlTowerChecks,
  controlTowerControls,
  controlTowerExceptions,
} from '../../lib/control-tower';
import { JOB_NAMES, PulseStack, writeFunctionConfig, type PulseStackProps } from '../../lib/pulse-stack';
import { cdkJsonContext, exampleConfig, handlersDir, ingestEntry, projectRoot } from './fixture';

const SHAPES = ['prod', 'edge', 'agnostic'] as const;
type Shape = (typeof SHAPES)[number];

let outdir: string;
const stacks = {} as Record<Shape, PulseStack>;
/** Control Tower findings without any exception: shape -> control -> logical ids. */
const findings = {} as Record<Shape, Map<string, string[]>>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'pulse-infra-governance-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const config = exampleConfig();
  const props: PulseStackProps = {
    config,
    configFile: writeFunctionConfig(config, join(outdir, 'pulse-config')),
    jobs: [...JOB_NAMES],
    handlerEntry: () => ingestEntry,
    downloadEntry: join(handlersDir, 'download.ts'),
    stage: 'prod',
  };
  stacks.prod = new PulseStack(app, 'Pulse-prod', { ...props, env: { account: '123456789012', region: 'eu-west-1' } });
  stacks.edge = new PulseStack(app, 'Pulse-edge', {
    ...props,
    env: { account: '123456789012', region: 'us-east-1' },
    downloadDomain: {
      domainName: 'files.northwind.example',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f4e3c2a-1111-2222-3333-444455556666',
    },
    downloadWebAcl: { requestsPer5Minutes: 1000 },
    archiveUserPool: true,
    archiveObjectLock: 'governance',
    archiveCloudTrail: true,
  });
  stacks.agnostic = new PulseStack(app, 'Pulse-agnostic', props);
  const assembly = app.synth();
  const templates = SHAPES.map((shape) =>
    join(assembly.directory, assembly.getStackByName(stacks[shape].stackName).templateFile),
  );
  // One guard run over the three templates, every control on.
  const report = controlTowerChecks({ exceptions: [] }).validate({
    templatePaths: templates,
  } as never) as PolicyValidationPluginReport;
  for (const shape of SHAPES) findings[shape] = new Map();
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const shape = SHAPES[templates.indexOf(resource.templatePath ?? '')];
      if (!shape) throw new Error(`a finding outside the three templates: ${resource.templatePath}`);
      const control = controlOf(violation);
      findings[shape].set(control, [...(findings[shape].get(control) ?? []), resource.resourceLogicalId ?? '?'].sort());
    }
  }
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const failing = (shape: Shape) => [...findings[shape].keys()].sort();

describe('AWS Control Tower proactive controls', () => {
  it('evaluates every bundled control (and the exceptions name real ones)', () => {
    expect(controlTowerControls().length).toBeGreaterThanOrEqual(237);
    for (const id of Object.keys(CONTROL_TOWER_EXCEPTIONS)) expect(controlTowerControls(), id).toContain(id);
    expect(findings.prod.get('unknown')).toBeUndefined();
  });

  it('fails on the default template in exactly the documented exceptions: nothing else, none stale', () => {
    expect(failing('prod')).toEqual([...controlTowerExceptions()].sort());
  });

  it('with every option (domain, WAF, user pool, Object Lock, CloudTrail), also meets the certificate controls (CT.CLOUDFRONT.PR.6, 7, 9)', () => {
    expect(failing('edge')).toEqual([...controlTowerExceptions({ downloadDomain: true })].sort());
    expect(
      controlTowerExceptions()
        .filter((c) => !controlTowerExceptions({ downloadDomain: true }).includes(c))
        .sort(),
    ).toEqual(['CT.CLOUDFRONT.PR.6', 'CT.CLOUDFRONT.PR.7', 'CT.CLOUDFRONT.PR.9']);
  });

  it('meets the controls the issue names: no public function URL, versioned buckets, encrypted log groups', () => {
    for (const control of ['CT.LAMBDA.PR.2', 'CT.LAMBDA.PR.5', 'CT.S3.PR.11', 'CT.CLOUDWATCH.PR.3', 'CT.KMS.PR.3']) {
      expect(Object.keys(CONTROL_TOWER_EXCEPTIONS), control).not.toContain(control);
      for (const shape of ['prod', 'edge'] as const)
        expect(findings[shape].get(control), `${control} ${shape}`).toBeUndefined();
    }
  });

  it('without an account (offline synth) fails the same documented exceptions: CT.LAMBDA.PR.2 is met there too', () => {
    expect(failing('agnostic')).toEqual([...controlTowerExceptions()].sort());
    expect(findings.agnostic.get('CT.LAMBDA.PR.2')).toBeUndefined();
    const ackId = `${CFN_GUARD_PLUGIN}::lambda_function_public_access_prohibited_check`;
    for (const shape of ['prod', 'agnostic'] as const)
      expect(acknowledged(stacks[shape]).filter((a) => a.id === ackId)).toEqual([]);
  });

  it('every exception has a one-line reason', () => {
    for (const [id, { reason }] of Object.entries(CONTROL_TOWER_EXCEPTIONS)) {
      expect(reason, id).not.toContain('\n');
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });
});

describe('the checks of every synth (bin/app.ts)', () => {
  it('are the three cdk-nag packs and the Control Tower controls, with the exceptions of the deployment', () => {
    const plugins = synthChecks(new App(), {});
    expect(plugins.map((p) => p.name)).toEqual(['AwsSolutions', 'NIST.800.53.R5', 'Serverless', CFN_GUARD_PLUGIN]);
    expect(readFileSync(join(projectRoot, 'bin', 'app.ts'), 'utf8')).toMatch(
      /Validations\.of\(app\)\.addPlugins\(\.\.\.synthChecks\(app, /,
    );
  });
});

describe.each(NAG_PACKS.map((Pack) => [new Pack().name, Pack] as const))('cdk-nag %s', (_name, Pack) => {
  it.each(SHAPES)('reports no unacknowledged finding (errors or warnings) on %s', (shape) => {
    const report = new Pack().validateScope(stacks[shape]);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});

/** Every acknowledgement recorded on the stack's constructs: rule id, reason, construct path. */
function acknowledged(stack: Stack): { id: string; reason: string; path: string }[] {
  return stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason, path: c.node.path })),
        ),
    );
}

describe('docs/deploy.md, "Deploying in an organization with Control Tower"', () => {
  const docs = readFileSync(join(projectRoot, 'docs', 'deploy.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## Deploying in an organization with Control Tower'));
  const rows = section.split('\n').filter((l) => l.startsWith('|'));

  it('has the section', () => {
    expect(docs).toContain('## Deploying in an organization with Control Tower');
  });

  it('lists every Control Tower exception with the reason of lib/control-tower.ts, word for word', () => {
    for (const [id, { reason }] of Object.entries(CONTROL_TOWER_EXCEPTIONS)) {
      // The table is formatted (Biome pads cells): match the first cell whatever its padding.
      const row = rows.find((r) => r.split('|')[1]?.trim() === id);
      expect(row, id).toBeDefined();
      expect(row, id).toContain(reason.replace(/\|/g, '\\|'));
    }
  });

  it('lists every cdk-nag rule the stack acknowledges (each acknowledgement carries its reason in code)', () => {
    const rules = new Set(
      SHAPES.flatMap((shape) => acknowledged(stacks[shape])).map((a) => a.id.replace(/\[.*$/, '').replace(/^.*::/, '')),
    );
    const missing = [...rules].filter(
      (rule) => !rule.endsWith('_check') && !rows.some((r) => r.includes(`\`${rule}\``)),
    );
    expect(missing).toEqual([]);
  });
});
