// `pulse archive list | get | serve | link`: browse and fetch the finance archive, locally or in AWS.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { S3Archive } from '../../functions/adapters/s3/archive-store';
import { SecretsManagerLinkKeys, type LinkKeySource } from '../../functions/adapters/secrets/link-keys';
import { fetchPack } from '../../functions/app/archive-get';
import { ArchiveError, archiveWeek, listPacks } from '../../functions/app/archive-week';
import type { PulseConfig } from '../../functions/config';
import type { Dataset } from '../../functions/domain/contract/validate';
import { kpiSettingsFrom } from '../../functions/domain/kpi';
import { INDEX_KEY, MANIFEST_NAME, configHash, embedInlineImages, isLinkableKey, linkMaker, parsePackLabel, sha256Hex, versionPrefix } from '../../functions/domain/archive';
import { CliError, table } from './context';
import { DEFAULT_DOWNLOAD_PORT, DEFAULT_LINK_DAYS, localLinkKeys, startDownloadServer } from './download-server';

export { DEFAULT_LINK_DAYS, LOCAL_LINK_KEY_FILE, localLinkKeys } from './download-server';
import { DEFAULT_STACK, openTarget, type TargetOptions, type TargetSession } from './target';


function archiveOf(session: TargetSession): S3Archive {
  return new S3Archive({ client: session.s3, bucket: session.resources.archiveBucket });
}

async function withArchive<T>(opts: TargetOptions, fn: (archive: S3Archive, session: TargetSession) => Promise<T>): Promise<T> {
  const session = await openTarget(opts);
  try {
    return await fn(archiveOf(session), session);
  } catch (e) {
    if (e instanceof ArchiveError) throw new CliError(e.message);
    throw e;
  } finally {
    await session.close();
  }
}

const money = (v: number, currency: string) => {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(v);
  } catch {
    return `${v.toFixed(0)} ${currency}`;
  }
};

export async function archiveListCommand(opts: TargetOptions & { json?: boolean }): Promise<number> {
  return withArchive(opts, async (archive, session) => {
    const packs = await listPacks(archive);
    if (opts.json) {
      console.log(JSON.stringify(packs.map((p) => ({ period: p.manifest.period, kind: p.manifest.kind, asOf: p.manifest.asOf, versions: p.versions, prefix: p.manifest.prefix, headline: p.manifest.headline })), null, 2));
      return 0;
    }
    if (packs.length === 0) {
      console.log(`No packs in s3://${archive.bucket}/archive/ yet (run \`pulse demo\`, or wait for the weekly report).`);
      return 0;
    }
    const rows = packs.map((p) => {
      const m = p.manifest;
      return [m.period, m.kind, m.asOf, money(m.headline.closingArr, m.headline.currency), money(m.headline.netNewArr, m.headline.currency), String(m.headline.customers), p.versions.join(','), `s3://${archive.bucket}/${m.prefix}`];
    });
    console.log(table([['pack', 'kind', 'as of', 'closing ARR', 'net new', 'customers', 'versions', 'where'], ...rows]));
    console.log(`\n${packs.length} pack(s) (${session.target}). Index: s3://${archive.bucket}/${INDEX_KEY}`);
    return 0;
  });
}

export async function archiveGetCommand(label: string, opts: TargetOptions & { out?: string; version?: number }): Promise<number> {
  try {
    parsePackLabel(label);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return withArchive(opts, async (archive) => {
    const pack = await fetchPack(archive, label, opts.version !== undefined ? { version: opts.version } : {});
    const m = pack.manifest;
    const dir = resolve(opts.out ?? '.', m.version === 1 ? m.period : `${m.period}-v${m.version}`);
    await mkdir(dir, { recursive: true });
    for (const f of pack.files) await writeFile(join(dir, f.name), f.body);
    await writeFile(join(dir, MANIFEST_NAME), pack.manifestBody);
    console.log(`${m.period} version ${m.version} of ${pack.versions.join(', ')} (run ${m.runId}, ${m.generatedAt})${m.regeneration ? `: regenerated because ${m.regeneration.reason}` : ''}`);
    for (const f of m.files) {
      const state = pack.missing.includes(f.name) ? 'MISSING' : pack.mismatched.includes(f.name) ? 'CHECKSUM MISMATCH' : 'ok';
      console.log(`  ${state.padEnd(17)} ${f.name.padEnd(24)} ${String(f.bytes).padStart(9)} B  sha256 ${f.sha256.slice(0, 16)}…`);
    }
    const bad = pack.missing.length + pack.mismatched.length;
    if (bad) {
      console.error(`pulse: ${bad} file(s) do not match the manifest; the files that do are in ${dir}`);
      return 1;
    }
    console.log(`All ${m.files.length} files match the manifest (SHA-256 and size). Saved to ${dir}`);
    return 0;
  });
}

/** The link signing key and the endpoint's base URL of a deployed stack (outputs, or PULSE_* variables). */
async function awsLinkSettings(stack: string): Promise<{ baseUrl: string; keys: LinkKeySource }> {
  let baseUrl = process.env.PULSE_DOWNLOAD_URL;
  let secretId = process.env.PULSE_LINK_SECRET_ID;
  if (!baseUrl || !secretId) {
    const res = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stack })).catch((e: Error) => {
      throw new CliError(`Cannot read the outputs of stack ${stack}: ${e.message}`);
    });
    const out = (k: string) => res.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === k)?.OutputValue;
    baseUrl ??= out('DownloadUrl');
    secretId ??= out('LinkSecretArn');
  }
  if (!baseUrl || !secretId) throw new CliError(`Stack ${stack} has no download endpoint (outputs DownloadUrl, LinkSecretArn); set PULSE_DOWNLOAD_URL and PULSE_LINK_SECRET_ID.`);
  return { baseUrl, keys: new SecretsManagerLinkKeys(new SecretsManagerClient({}), secretId) };
}

/** `2026-W47` -> its latest report.html; `2026-W47/accounts.csv`; a full key; `index`. */
async function resolveLinkTarget(archive: S3Archive, what: string): Promise<string> {
  if (what === 'index') return INDEX_KEY;
  if (what.startsWith('archive/')) return what;
  const [label, file = 'report.html'] = what.split('/', 2) as [string, string?];
  const pack = await fetchPack(archive, label);
  return `${versionPrefix(parsePackLabel(label), pack.manifest.version)}${file}`;
}

export async function archiveLinkCommand(what: string, opts: TargetOptions & { days: number; port?: number }): Promise<number> {
  return withArchive(opts, async (archive) => {
    const key = await resolveLinkTarget(archive, what);
    if (!isLinkableKey(key)) throw new CliError(`"${key}" is not an archive key`);
    const { baseUrl, keys } = opts.target === 'aws' ? await awsLinkSettings(opts.stack ?? DEFAULT_STACK) : { baseUrl: `http://127.0.0.1:${opts.port ?? DEFAULT_DOWNLOAD_PORT}`, keys: localLinkKeys() };
    console.log(linkMaker(baseUrl, await keys.current(), opts.days)(key));
    if (opts.target !== 'aws') console.error(`(works while \`pulse archive serve\` or \`pulse demo --serve\` runs on port ${opts.port ?? DEFAULT_DOWNLOAD_PORT})`);
    return 0;
  });
}

export async function archiveServeCommand(opts: { port: number; days: number }): Promise<number> {
  const session = await openTarget({ target: 'local' });
  try {
    const archive = archiveOf(session);
    const keys = localLinkKeys();
    const server = await startDownloadServer({ presigner: archive, signingKeys: () => keys.keys(), port: opts.port, strictPort: true });
    console.log(`Download endpoint on ${server.url} (the same handler as the deployed function URL).`);
    console.log(`Archive index: ${linkMaker(server.url, await keys.current(), opts.days)(INDEX_KEY)}`);
    console.log('Press Ctrl-C to stop.');
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await server.close();
    return 0;
  } finally {
    await session.close();
  }
}

// ---- the demo's archive step -----------------------------------------------------------------

export interface DemoArchiveOptions {
  asOf: string;
  dataset: Dataset;
  /** The report run's result: its rendered email is the report as sent. */
  report: { result: { status: string; email?: { html: string; images: { cid: string; contentType: string; content: Uint8Array }[] } }; files: { eml: string }[] };
  log: (line: string) => void;
}

/**
 * Archives the week on the local stack after the report was sent, starts the loopback download
 * endpoint, proves a link works (302, then the bytes match the manifest) and prints where to look.
 * Returns the endpoint, to close when the demo ends.
 */
export async function archiveDemoWeek(
  session: { s3: TargetSession['s3']; runLedger: TargetSession['runLedger']; stack: { resources: { archiveBucket: string } } },
  config: PulseConfig,
  opts: DemoArchiveOptions,
): Promise<{ close(): Promise<void> }> {
  const email = opts.report.result.email;
  if (!email) {
    opts.log(`not archived: the report was not sent (${opts.report.result.status}), and a pack holds the email as sent`);
    return { close: async () => {} };
  }
  const archive = new S3Archive({ client: session.s3, bucket: session.stack.resources.archiveBucket });
  const keys = localLinkKeys();
  const server = await startDownloadServer({ presigner: archive, signingKeys: () => keys.keys(), port: DEFAULT_DOWNLOAD_PORT });
  const link = linkMaker(server.url, await keys.current(), DEFAULT_LINK_DAYS);
  const emlPath = opts.report.files.at(-1)?.eml;
  const eml = emlPath ? await readFile(emlPath).catch(() => undefined) : undefined;
  const started = Date.now();
  const out = await archiveWeek(archive, {
    data: opts.dataset,
    settings: kpiSettingsFrom(config),
    asOf: opts.asOf,
    report: { html: embedInlineImages(email.html, email.images), ...(eml ? { eml } : {}) },
    runId: `demo-${new Date().toISOString()}`,
    generatedAt: new Date().toISOString(),
    configHash: configHash(config),
    companyName: config.company.name,
    locale: config.company.locale,
    link: (key) => link(key),
    runLedger: session.runLedger,
    trigger: 'demo',
  });
  const bucket = session.stack.resources.archiveBucket;
  for (const p of [out.weekly, ...(out.quarterly ? [out.quarterly] : [])]) {
    const what = p.status === 'written' ? `written (version ${p.version}, ${p.manifest.files.length} files + manifest)` : `already archived (version ${p.version}; a pack is written once)`;
    opts.log(`${p.ref.period}: s3://${bucket}/${p.prefix}  ${what}`);
  }
  opts.log(`index: s3://${bucket}/${INDEX_KEY} (${out.index.length} page(s)) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Prove the durable link end to end: endpoint -> 302 -> presigned URL -> the manifest's bytes.
  const reportFile = out.weekly.manifest.files.find((f) => f.name === 'report.html')!;
  const res = await fetch(link(reportFile.key), { redirect: 'manual' });
  const location = res.headers.get('location');
  const body = location ? new Uint8Array(await (await fetch(location)).arrayBuffer()) : undefined;
  const works = res.status === 302 && body !== undefined && sha256Hex(body) === reportFile.sha256;
  opts.log(`report link ${works ? '(checked: 302 to a 5-minute presigned URL, SHA-256 matches the manifest)' : `(NOT working: HTTP ${res.status})`}:`);
  opts.log(`  ${link(reportFile.key)}`);
  opts.log(`archive index link: ${link(INDEX_KEY)}`);
  opts.log(`links work while \`npx pulse archive serve\` (or \`pulse demo --serve\`) runs on ${server.url}; expire in ${DEFAULT_LINK_DAYS} days`);
  opts.log(`fetch and verify      npx pulse archive get ${out.weekly.ref.period} --out ./finance`);
  return server;
}
