// `pulse sources list|test|sync` and `pulse runs`: the configured sources, a dry run of one, a
// recorded sync of one, and the run ledger. Local (the embedded stack) by default, or --target aws.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { join } from 'node:path';
import type { DynamoDbRunLedger } from '../../functions/adapters/dynamodb/run-ledger';
import { DynamoDbSyncState } from '../../functions/adapters/dynamodb/sync-state';
import { S3RejectsReport } from '../../functions/adapters/s3/rejects-report';
import { connectSource, dropZonePrefix, type ConnectDeps } from '../../functions/adapters/sources/connect';
import { ConfiguredSourceConnector } from '../../functions/adapters/sources/connector';
import { ContractCsvFiles } from '../../functions/adapters/files/contract-csv-files';
import {
  EnvSecrets,
  FileSecrets,
  SecretChain,
  SecretsManagerSecrets,
  type SecretResolver,
} from '../../functions/adapters/sources/http/credentials';
import { exportSource } from '../../functions/app/export-source';
import { matchAccounts, type AccountMatch } from '../../functions/app/match-accounts';
import { StoredAccountDirectory, billingSourceNames } from '../../functions/adapters/sources/account-directory';
import {
  runIngestJob,
  sourceIngestOptions,
  type IngestJobDeps,
  type IngestJobResult,
} from '../../functions/app/ingest-job';
import { ingestSource, type IngestSourceResult } from '../../functions/app/ingest-source';
import type { PulseConfig } from '../../functions/config';
import { weekdayNumber } from '../../functions/domain/dates';
import { dailyTimeOf, type SourceDefinition } from '../../functions/domain/sources/registry';
import type { RunKind, RunRecord } from '../../functions/ports/run-ledger';
import { CliError, formatLoadCounts, loadConfig, printRejects, validatorFor } from './context';
import { LOCAL_DATA_DIR } from './local';
import { createProgress } from './progress';
import { openTarget, type TargetOptions, type TargetSession } from './target';

/** Where local secrets live for the embedded stack (never committed: .pulse/ is git-ignored). */
export const LOCAL_SECRETS_FILE = join(LOCAL_DATA_DIR, 'secrets.json');

export interface SourcesWiring {
  ledger: DynamoDbRunLedger;
  syncState: DynamoDbSyncState;
  rejects: S3RejectsReport;
  deps: ConnectDeps;
  close(): void;
}

/** Ledger, sync state, rejects report and connector dependencies for a CLI session. */
export function sourcesWiring(session: TargetSession, config?: PulseConfig): SourcesWiring {
  const dynamodb = new DynamoDBClient({});
  const tableName = session.resources.tableName;
  const secretsClient = session.target === 'aws' ? new SecretsManagerClient({}) : undefined;
  const secrets: SecretResolver = new SecretChain([
    new EnvSecrets(),
    ...(secretsClient ? [new SecretsManagerSecrets(secretsClient)] : [new FileSecrets(LOCAL_SECRETS_FILE)]),
  ]);
  const syncState = new DynamoDbSyncState({ client: dynamodb, tableName });
  return {
    ledger: session.runLedger,
    syncState,
    rejects: new S3RejectsReport({ client: session.s3, bucket: session.resources.rejectsBucket }),
    deps: {
      s3: session.s3,
      dropzoneBucket: session.resources.dropzoneBucket,
      secrets,
      syncState,
      ...(config ? { timeZone: config.company.timezone, reportingCurrency: config.company.currency } : {}),
      // Billing's e-mail domains, for the CRM and help-desk connectors' domain rule.
      ...(config
        ? {
            accountDirectory: new StoredAccountDirectory({
              syncState,
              billingSources: billingSourceNames(config.sources),
            }),
          }
        : {}),
    },
    close: () => {
      dynamodb.destroy();
      secretsClient?.destroy();
    },
  };
}

function findSource(config: PulseConfig, name: string): SourceDefinition {
  const def = config.sources.find((s) => s.name === name);
  if (!def) {
    const names = config.sources.map((s) => s.name);
    throw new CliError(
      `No source named "${name}" in the config${names.length ? ` (sources: ${names.join(', ')})` : ' (it has no "sources" yet; see docs/sources.md)'}.`,
    );
  }
  return def;
}

function scheduleText(def: SourceDefinition, config: PulseConfig): string {
  const t = dailyTimeOf(def, config.schedules.ingest.time);
  const onUpload = def.connector === 's3-dropzone' && def.onUpload;
  return [t ? `daily ${t}` : 'manual', onUpload ? '+ on upload' : ''].filter(Boolean).join(' ');
}

/** `pulse sources list` */
export function sourcesListCommand(opts: { config?: string }): number {
  const config = loadConfig(opts.config);
  if (config.sources.length === 0) {
    console.log('No sources configured. Add a "sources" list to the config (docs/sources.md).');
    return 0;
  }
  const rows = config.sources.map((s) => [
    s.name,
    s.connector,
    s.entities.join(','),
    scheduleText(s, config),
    s.connector === 's3-dropzone'
      ? `s3://<dropzone>/${dropZonePrefix(s.name)}`
      : s.connector === 'stripe'
        ? s.stripe.apiBase
        : s.connector === 'ecb-rates'
          ? (s.ecb.path ?? s.ecb.url)
          : s.connector === 'salesforce'
            ? s.salesforce.instanceUrl
            : s.connector === 'zendesk'
              ? s.zendesk.apiBase
              : s.connector === 'hubspot'
                ? s.hubspot.apiBase
                : s.http.baseUrl,
  ]);
  console.log(
    leftTable([['source', 'connector', 'entities', `schedule (${config.company.timezone})`, 'where'], ...rows]),
  );
  for (const s of config.sources) if (s.description) console.log(`\n${s.name}: ${s.description}`);
  return 0;
}

export interface SourceRunOptions extends TargetOptions {
  config?: string;
  /** test: pages per HTTP resource (default 1). */
  pages?: number;
  /** sync: ignore the HTTP high-water marks. */
  full?: boolean;
}

/** `pulse sources test <source>`: read, map and validate without writing, moving or recording anything. */
export async function sourcesTestCommand(name: string, opts: SourceRunOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const def = findSource(config, name);
  const session = await openTarget(opts, (m) => console.error(m));
  const wiring = sourcesWiring(session, config);
  try {
    const source = connectSource(def, wiring.deps, { pageLimit: opts.pages ?? 1 });
    const result = await ingestSource(
      source,
      { store: session.store, validator: validatorFor(config) },
      { ...sourceIngestOptions(def, config), dryRun: true },
    );
    console.log(`Dry run of source "${name}" (${source.description}): nothing written, moved or recorded.`);
    printResult(result);
    if (def.connector === 'http-json')
      console.log(`\n(HTTP: at most ${opts.pages ?? 1} page(s) per resource; --pages N for more)`);
    return result.status === 'succeeded' && result.summary.rejects.length === 0 ? 0 : 1;
  } finally {
    wiring.close();
    await session.close();
  }
}

export interface SourceExportOptions extends TargetOptions {
  config?: string;
  out: string;
}

/**
 * `pulse sources export <source> --out DIR`: read, map and validate every row of a source and write
 * the contract files it yields (`accounts.csv`, `subscriptions.csv` ...). Nothing is written to the
 * store, moved or remembered: how a user sees what Pulse makes of their data before trusting it.
 * Only a drop-zone needs the stack (its files are in S3); an API source is read directly.
 */
export async function sourcesExportCommand(name: string, opts: SourceExportOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const def = findSource(config, name);
  // The stack holds a drop-zone's files, and billing's e-mail domains for a CRM or help-desk source's domain rule.
  const needsDirectory =
    ['hubspot', 'salesforce', 'zendesk'].includes(def.connector) && billingSourceNames(config.sources).length > 0;
  const session =
    def.connector === 's3-dropzone' || opts.target === 'aws' || needsDirectory
      ? await openTarget(opts, (m) => console.error(m))
      : undefined;
  const wiring = session ? sourcesWiring(session, config) : undefined;
  const deps: ConnectDeps = wiring?.deps ?? {
    s3: new S3Client({}),
    dropzoneBucket: '',
    secrets: new SecretChain([new EnvSecrets(), new FileSecrets(LOCAL_SECRETS_FILE)]),
    timeZone: config.company.timezone,
    reportingCurrency: config.company.currency,
  };
  const files = new ContractCsvFiles(opts.out, def.entities);
  try {
    const source = connectSource(def, deps, { full: true, readOnly: true });
    const result = await exportSource(
      source,
      { validator: validatorFor(config), files },
      sourceIngestOptions(def, config),
    );
    console.log(
      `Export of source "${name}" (${source.description}): nothing written to the store, moved or remembered.`,
    );
    printResult(result);
    console.log('');
    for (const f of result.exported) console.log(`  ${f.file}  ${f.rows} row(s)`);
    console.log(`\nCheck the figures: npx pulse kpis --data ${opts.out}`);
    return result.status === 'succeeded' && result.summary.rejects.length === 0 ? 0 : 1;
  } catch (err) {
    await files.discard();
    throw err;
  } finally {
    wiring?.close();
    await session?.close();
  }
}

export interface SourcesMatchOptions extends TargetOptions {
  config?: string;
  /** Only these sources' unmatched records (comma-separated); every billing and CRM source is still read. */
  source?: string;
  json?: boolean;
}

/**
 * `pulse sources match`: every source read as an export reads it (the CRM and help-desk ones
 * against billing's e-mail domains from the store), then compared: the records that name no
 * account, per source; the billing accounts not in the CRM and the CRM accounts not in billing.
 */
export async function sourcesMatchCommand(opts: SourcesMatchOptions): Promise<number> {
  const config = loadConfig(opts.config);
  const only = opts.source
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of only ?? []) findSource(config, name);
  const session = await openTarget(opts, (m) => console.error(m));
  const wiring = sourcesWiring(session, config);
  try {
    const result = await matchAccounts(
      config.sources,
      {
        connect: (def) => connectSource(def, wiring.deps, { full: true, readOnly: true }),
        validator: validatorFor(config),
      },
      { timeZone: config.company.timezone, weekStartsOn: weekdayNumber(config.company.weekStartsOn) },
    );
    const shown = only ? { ...result, sources: result.sources.filter((s) => only.includes(s.source)) } : result;
    if (opts.json) console.log(JSON.stringify(shown, null, 2));
    else console.log(formatMatch(shown));
    const problems =
      shown.sources.some((s) => s.unmatched.length || s.error) ||
      result.billingNotInCrm.length ||
      result.crmNotInBilling.length;
    return problems ? 1 : 0;
  } finally {
    wiring.close();
    await session.close();
  }
}

/** The match as text: one block per source, then the accounts each side lacks. */
export function formatMatch(m: AccountMatch): string {
  const out: string[] = [];
  const list = (ids: string[]) => (ids.length ? ids.map((id) => `    ${id}`) : ['    (none)']);
  for (const s of m.sources) {
    const head = `${s.source} (${s.connector}, ${s.role}): ${s.records} record(s)${s.rejected ? `, ${s.rejected} rejected (pulse sources test ${s.source})` : ''}`;
    out.push(head);
    if (s.error) out.push(`  could not be read: ${s.error}`);
    else if (s.unmatched.length) {
      out.push(`  ${s.unmatched.length} record(s) name no account:`);
      for (const r of s.unmatched) out.push(`    ${r.entity} ${r.id} -> ${r.accountId}`);
    } else if (s.role !== 'billing') out.push('  every record names an account');
  }
  out.push('');
  if (m.billingSources.length === 0)
    out.push('No billing source (Stripe, or one that yields subscriptions): nothing to compare the CRM with.');
  else if (m.crmSources.length === 0)
    out.push(
      `No CRM source (one that yields accounts besides billing): ${m.billingAccounts} billing account(s), nothing to compare them with.`,
    );
  else {
    out.push(
      `In billing (${m.billingSources.join(', ')}), not in the CRM (${m.crmSources.join(', ')}): ${m.billingNotInCrm.length} of ${m.billingAccounts}`,
    );
    out.push(...list(m.billingNotInCrm));
    out.push(`In the CRM, not in billing: ${m.crmNotInBilling.length} of ${m.crmAccounts}`);
    out.push(...list(m.crmNotInBilling));
  }
  return out.join('\n');
}

/**
 * `pulse sources sync <source>`: the source ingested now by the ingest job, as the scheduled job
 * does it (large drop-zone files split into parts first; on the local stack the parts are ingested
 * here, one run each, since the embedded S3 sends no events).
 */
export async function sourcesSyncCommand(name: string, opts: SourceRunOptions): Promise<number> {
  const config = loadConfig(opts.config);
  findSource(config, name);
  const session = await openTarget(opts, (m) => console.error(m));
  try {
    const result = await syncSource(session, config, name, { full: Boolean(opts.full) });
    return result.runs.every((r) => r.status !== 'failed') ? 0 : 1;
  } finally {
    await session.close();
  }
}

/** The sync on an open session (what the command runs; tests call it on their own stack). */
export async function syncSource(
  session: TargetSession,
  config: PulseConfig,
  name: string,
  opts: { full: boolean },
): Promise<IngestJobResult> {
  const wiring = sourcesWiring(session, config);
  const progress = createProgress('ingest');
  try {
    const result = await runIngestJob(ingestJobDeps(session, config, wiring), config, {
      source: name,
      full: opts.full,
      trigger: 'cli',
      parts: session.target === 'local' ? 'inline' : 'announced',
      onProgress: (n) => progress.update(n),
    });
    progress.stop();
    printJobResult(result);
    return result;
  } finally {
    progress.stop();
    wiring.close();
  }
}

/** The ingest job's adapters for a CLI session. */
export function ingestJobDeps(session: TargetSession, config: PulseConfig, wiring: SourcesWiring): IngestJobDeps {
  return {
    store: session.store,
    validator: validatorFor(config),
    ledger: wiring.ledger,
    rejects: wiring.rejects,
    connector: new ConfiguredSourceConnector(wiring.deps),
  };
}

/** Every run of an ingest job: splits, whole files, parts, and errors. */
export function printJobResult(result: IngestJobResult, indent = ''): void {
  let ingested = 0;
  for (const run of result.runs) {
    if (run.split)
      console.log(
        `${indent}Run ${run.runId}: ${run.status}: ${run.split.files} large file(s) split into ${run.split.parts} part(s)`,
      );
    else if (run.status === 'skipped' || !run.runId)
      console.log(`${indent}${run.source}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
    else {
      const r = result.ingested[ingested++];
      console.log(`${indent}Run ${run.runId}: ${run.status}`);
      if (r?.runId === run.runId) printResult(r, indent);
    }
  }
  for (const key of result.redispatched) console.log(`${indent}part announced again: ${key}`);
  for (const err of result.failures) console.log(`${indent}FAILED: ${(err as Error).message ?? String(err)}`);
}

export function printResult(result: IngestSourceResult, indent = ''): void {
  const out = (s: string) => console.log(s.replace(/^/gm, indent));
  const moved = Object.fromEntries(
    Object.entries(result.written).map(([e, n]) => [e, n + result.deleted[e as keyof typeof result.deleted]]),
  );
  if (result.files.length === 0) out('No files waiting (nothing under the source folder).');
  else out(formatLoadCounts(result.summary, { header: 'written', values: moved }));
  const deleted = Object.values(result.deleted).reduce((a, b) => a + b, 0);
  if (deleted) out(`${deleted} record(s) deleted as the source said`);
  const own = Object.entries(result.sourceCounts ?? {});
  if (own.length) out(`source: ${own.map(([name, n]) => `${name} ${n}`).join(', ')}`);
  for (const f of result.files) {
    if (f.outcome === 'processed' && !f.error) {
      if (f.settledTo) out(`  ${f.name} -> ${f.settledTo}`);
      continue;
    }
    out(`  ${f.name}: ${f.outcome}${f.error ? ` (${f.error})` : ''}${f.settledTo ? ` -> ${f.settledTo}` : ''}`);
  }
  if (result.summary.rejects.length) {
    out(
      `\n${result.summary.rejects.length} rejected row problem(s) (file:line  field  reason)${result.rejectsLocation ? `, all in ${result.rejectsLocation}` : ''}:`,
    );
    printRejects(result.summary.rejects, out, 20);
  }
}

/** `pulse runs [--last N] [--kind K]`: the run ledger, newest first. */
export async function runsCommand(
  opts: TargetOptions & { last?: number; kind?: RunKind; json?: boolean },
): Promise<number> {
  const session = await openTarget(opts, (m) => console.error(m));
  const wiring = sourcesWiring(session);
  try {
    const runs = await wiring.ledger.list({ limit: opts.last ?? 10, ...(opts.kind ? { kind: opts.kind } : {}) });
    if (opts.json) {
      console.log(JSON.stringify(runs, null, 2));
      return 0;
    }
    if (runs.length === 0) {
      console.log('No runs recorded yet (try `npx pulse demo`).');
      return 0;
    }
    console.log(formatRuns(runs));
    return 0;
  } finally {
    wiring.close();
    await session.close();
  }
}

const COUNT_ORDER = ['files', 'rows', 'valid', 'rejected', 'written', 'deleted', 'filesFailed', 'filesIgnored'];

export function formatRuns(runs: RunRecord[]): string {
  const rows = runs.map((r) => {
    const seconds = r.finishedAt ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '';
    const counts = Object.entries(r.counts)
      .filter(([k]) => !k.includes('.'))
      .sort(([a], [b]) => (COUNT_ORDER.indexOf(a) + 1 || 99) - (COUNT_ORDER.indexOf(b) + 1 || 99))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return [
      r.runId,
      r.kind,
      r.subject,
      r.status,
      r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      seconds,
      r.trigger ?? '',
      counts,
    ];
  });
  const lines = [
    leftTable(
      [['run', 'kind', 'subject', 'status', 'started (UTC)', 'secs', 'trigger', 'counts'], ...rows].map((r) =>
        r.map(String),
      ),
    ).replace(/\s+$/gm, ''),
  ];
  for (const r of runs) {
    const notes: string[] = [];
    if (r.rejects) {
      const top = Object.entries(r.rejects.byField)
        .slice(0, 3)
        .map(([f, n]) => `${f} ${n}`)
        .join(', ');
      notes.push(
        `rejects: ${r.rejects.rows} row(s), ${r.rejects.problems} problem(s)${top ? ` (${top})` : ''}${r.rejects.location ? ` -> ${r.rejects.location}` : ''}`,
      );
    }
    for (const e of r.errors.slice(0, 3)) notes.push(`error: ${e}`);
    if (r.errors.length > 3) notes.push(`... ${r.errors.length - 3} more error line(s): pulse runs --json`);
    if (notes.length) lines.push(`\n${r.runId}\n${notes.map((n) => `  ${n}`).join('\n')}`);
  }
  return lines.join('\n');
}

/** Columns padded to the widest cell, left-aligned (text columns). */
function leftTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
