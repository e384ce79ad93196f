// The Pulse CDK app: reads and validates the Pulse config, wires only the jobs whose handler exists,
// creates the stack and applies the cdk-nag AwsSolutions checks (any unacknowledged finding fails synth).
//
//   npx cdk synth                      pulse.config.json, stage "prod"
//   npx cdk deploy -c stage=staging -c config=staging.config.json
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText, type PulseConfig } from '../functions/config';
import { JOB_NAMES, PulseStack, writeFunctionConfig, type JobName } from '../lib/pulse-stack';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const handlersDir = join(projectRoot, 'functions', 'handlers');
const handlerEntry = (job: JobName) => join(handlersDir, `${job}.ts`);

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'prod');
if (!/^[A-Za-z][A-Za-z0-9-]{0,30}$/.test(stage)) fail(`context "stage" must be letters, digits and dashes (got "${stage}")`);
const configPath = resolve(projectRoot, String(app.node.tryGetContext('config') ?? 'pulse.config.json'));

let config: PulseConfig;
try {
  if (!existsSync(configPath)) fail(`no Pulse config at ${configPath} (pass another with -c config=<file>)`);
  config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  throw e;
}

// The validated config (defaults applied) travels with the code: every bundle gets a copy.
const configFile = writeFunctionConfig(config, join(app.outdir, 'pulse-config', stage));

// A job is wired once its handler exists; until then its JOBS entry is dormant.
const jobs = JOB_NAMES.filter((job) => existsSync(handlerEntry(job)));
// The archive's download endpoint (function URL), once its handler exists.
const downloadEntry = join(handlersDir, 'download.ts');
// Years the finance archive is kept (-c archiveRetentionYears=10); default 7.
const retention = app.node.tryGetContext('archiveRetentionYears');
const archiveRetentionYears = retention === undefined ? undefined : Number(retention);
if (archiveRetentionYears !== undefined && !(Number.isInteger(archiveRetentionYears) && archiveRetentionYears >= 2)) {
  fail(`context "archiveRetentionYears" must be a whole number of years >= 2 (got "${retention}")`);
}

new PulseStack(app, `Pulse-${stage}`, {
  description: `Pulse (${stage}): customer-success and revenue reporting for ${config.company.name}`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  config,
  configFile,
  jobs,
  handlerEntry,
  stage,
  ...(existsSync(downloadEntry) ? { downloadEntry } : {}),
  ...(archiveRetentionYears !== undefined ? { archiveRetentionYears } : {}),
  tags: { project: 'pulse', stage },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function fail(message: string): never {
  console.error(`Pulse: ${message}`);
  process.exit(1);
}
