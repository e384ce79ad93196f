// The Pulse CDK app: reads and validates the Pulse config, wires every job of the job table (the synth
// fails when a handler it names is missing),
// creates the stack and checks it on every synth: the cdk-nag AwsSolutions, NIST 800-53 R5 and
// Serverless packs and AWS Control Tower's proactive controls (cfn-guard, offline). Any
// unacknowledged finding fails the synth (docs/deploy.md, "Deploying in an organization with
// Control Tower").
//
//   npx cdk synth                      pulse.config.json, stage "prod"
//   npx cdk deploy -c stage=staging -c config=staging.config.json
//   npx cdk deploy -c downloadDomain=files.northwind.example -c downloadCertificateArn=arn:aws:acm:us-east-1:...
import { App, Validations } from 'aws-cdk-lib';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText, type PulseConfig } from '../functions/config';
import type { DownloadDomain, DownloadWebAcl } from '../lib/constructs/download-endpoint';
import { synthChecks } from '../lib/checks';
import { JOB_NAMES, JOBS, PulseStack, writeFunctionConfig, type JobName } from '../lib/pulse-stack';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const handlerEntry = (job: JobName) => join(projectRoot, JOBS[job].handler);

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'prod');
if (!/^[A-Za-z][A-Za-z0-9-]{0,30}$/.test(stage))
  fail(`context "stage" must be letters, digits and dashes (got "${stage}")`);
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

// Every job of the table is wired; a handler it names that does not exist fails the synth here,
// never silently leaves a job out.
const missing = JOB_NAMES.filter((job) => !existsSync(handlerEntry(job)));
if (missing.length)
  fail(
    `the job table (lib/pulse-stack.ts JOBS) names handlers that do not exist: ${missing.map((job) => `${job} -> ${JOBS[job].handler}`).join(', ')}`,
  );
const jobs = JOB_NAMES;
// The archive's download endpoint (function URL).
const downloadEntry = join(projectRoot, 'functions', 'handlers', 'download.ts');
if (!existsSync(downloadEntry)) fail(`the download endpoint's handler does not exist: ${downloadEntry}`);
// The alert action endpoint (function URL): snooze and acknowledge from the e-mails and Slack.
const alertActionEntry = join(projectRoot, 'functions', 'handlers', 'alert-action.ts');
if (!existsSync(alertActionEntry)) fail(`the alert action endpoint's handler does not exist: ${alertActionEntry}`);
// Years the finance archive is kept (-c archiveRetentionYears=10); default 7.
const retention = app.node.tryGetContext('archiveRetentionYears');
const archiveRetentionYears = retention === undefined ? undefined : Number(retention);
if (archiveRetentionYears !== undefined && !(Number.isInteger(archiveRetentionYears) && archiveRetentionYears >= 2)) {
  fail(`context "archiveRetentionYears" must be a whole number of years >= 2 (got "${retention}")`);
}

// The download endpoint's CloudFront distribution: a custom domain (with its ACM certificate in
// us-east-1) and AWS WAF (a rate-based rule made here, in us-east-1 only, or an existing web ACL).
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};
const domainName = context('downloadDomain');
const certificateArn = context('downloadCertificateArn');
if (Boolean(domainName) !== Boolean(certificateArn))
  fail(
    'context "downloadDomain" and "downloadCertificateArn" go together (an ACM certificate in us-east-1 for the domain)',
  );
if (certificateArn && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn))
  fail(
    `context "downloadCertificateArn" must be an ACM certificate ARN in us-east-1, where CloudFront reads certificates (got "${certificateArn}")`,
  );
const downloadDomain: DownloadDomain | undefined =
  domainName && certificateArn ? { domainName, certificateArn } : undefined;
const wafRateLimit = context('downloadWafRateLimit');
const webAclArn = context('downloadWebAclArn');
if (wafRateLimit && webAclArn) fail('context "downloadWafRateLimit" and "downloadWebAclArn" exclude each other');
if (wafRateLimit !== undefined && !(Number.isInteger(Number(wafRateLimit)) && Number(wafRateLimit) >= 10))
  fail(`context "downloadWafRateLimit" must be a whole number of requests per 5 minutes >= 10 (got "${wafRateLimit}")`);
const downloadWebAcl: DownloadWebAcl | undefined = webAclArn
  ? { webAclArn }
  : wafRateLimit
    ? { requestsPer5Minutes: Number(wafRateLimit) }
    : undefined;

new PulseStack(app, `Pulse-${stage}`, {
  description: `Pulse (${stage}): customer-success and revenue reporting for ${config.company.name}`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  config,
  configFile,
  jobs,
  handlerEntry,
  stage,
  downloadEntry,
  alertActionEntry,
  ...(downloadDomain ? { downloadDomain } : {}),
  ...(downloadWebAcl ? { downloadWebAcl } : {}),
  ...(archiveRetentionYears !== undefined ? { archiveRetentionYears } : {}),
  tags: { project: 'pulse', stage },
});

Validations.of(app).addPlugins(...synthChecks(app, { downloadDomain: downloadDomain !== undefined }));

function fail(message: string): never {
  console.error(`Pulse: ${message}`);
  process.exit(1);
}
