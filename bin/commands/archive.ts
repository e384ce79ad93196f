// `pulse archive list | get | serve | link`: browse and fetch the finance archive, locally or in AWS.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DynamoDbAuditLog, DynamoDbLinkStore } from '../../functions/adapters/dynamodb/archive-access';
import { S3Archive } from '../../functions/adapters/s3/archive-store';
import { OutboxMailer } from '../../functions/adapters/ses/outbox';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer';
import { LINK_MODE_WARNING, accessPolicyFrom } from '../../functions/app/archive-access';
import {
  LinkError,
  issueIndexLinks,
  issueLink,
  linkArchiveObject,
  listLinks,
  readAudit,
  revokeLinks,
  type ArchiveLinkIssuer,
} from '../../functions/app/archive-links';
import { SecretsManagerLinkKeys, type LinkKeySource } from '../../functions/adapters/secrets/link-keys';
import { fetchPack } from '../../functions/app/archive-get';
import { ArchiveError, listPacks } from '../../functions/app/archive-week';
import { archiveSentReport } from '../../functions/app/weekly-report-job';
import { createBoardPackRenderer } from '../../functions/adapters/render/board-pack-pdf';
import { BoardPackError, makeBoardPack } from '../../functions/app/board-pack';
import { kpiSettingsFrom } from '../../functions/domain/kpi';
import type { BoardPackRenderer } from '../../functions/ports/board-pack-renderer';
import type { PulseConfig } from '../../functions/config';
import type { Dataset } from '../../functions/domain/contract/validate';
import type { LocalStack } from '../../lib/local';
import {
  ARCHIVE_LINK_DAYS,
  INDEX_KEY,
  MANIFEST_NAME,
  describeKey,
  isAddress,
  parsePackLabel,
  type AuditEntry,
  type LinkRecord,
} from '../../functions/domain/archive';
import { CliError, loadConfig, table } from './context';
import {
  DEFAULT_DOWNLOAD_PORT,
  localAccessDeps,
  localLinkIssuer,
  localLinkKeys,
  localLinkStore,
  localRelyingParty,
  startDownloadServer,
} from './download-server';
import { OUTBOX_DIR } from './local-mail';
import { signInWithOutboxCode } from './archive-signin';

import { DEFAULT_STACK, openTarget, type TargetOptions, type TargetSession } from './target';

function archiveOf(session: TargetSession): S3Archive {
  return new S3Archive({ client: session.s3, bucket: session.resources.archiveBucket });
}

async function withArchive<T>(
  opts: TargetOptions,
  fn: (archive: S3Archive, session: TargetSession) => Promise<T>,
): Promise<T> {
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
      console.log(
        JSON.stringify(
          packs.map((p) => ({
            period: p.manifest.period,
            kind: p.manifest.kind,
            asOf: p.manifest.asOf,
            versions: p.versions,
            prefix: p.manifest.prefix,
            headline: p.manifest.headline,
          })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (packs.length === 0) {
      console.log(
        `No packs in s3://${archive.bucket}/archive/ yet (run \`pulse demo\`, or wait for the weekly report).`,
      );
      return 0;
    }
    const rows = packs.map((p) => {
      const m = p.manifest;
      return [
        m.period,
        m.kind,
        m.asOf,
        money(m.headline.closingArr, m.headline.currency),
        money(m.headline.netNewArr, m.headline.currency),
        String(m.headline.customers),
        p.versions.join(','),
        `s3://${archive.bucket}/${m.prefix}`,
      ];
    });
    console.log(
      table([['pack', 'kind', 'as of', 'closing ARR', 'net new', 'customers', 'versions', 'where'], ...rows]),
    );
    console.log(`\n${packs.length} pack(s) (${session.target}). Index: s3://${archive.bucket}/${INDEX_KEY}`);
    return 0;
  });
}

export async function archiveGetCommand(
  label: string,
  opts: TargetOptions & { out?: string; version?: number },
): Promise<number> {
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
    console.log(
      `${m.period} version ${m.version} of ${pack.versions.join(', ')} (run ${m.runId}, ${m.generatedAt})${m.regeneration ? `: regenerated because ${m.regeneration.reason}` : ''}`,
    );
    for (const f of m.files) {
      const state = pack.missing.includes(f.name)
        ? 'MISSING'
        : pack.mismatched.includes(f.name)
          ? 'CHECKSUM MISMATCH'
          : 'ok';
      console.log(
        `  ${state.padEnd(17)} ${f.name.padEnd(24)} ${String(f.bytes).padStart(9)} B  sha256 ${f.sha256.slice(0, 16)}…`,
      );
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
    const res = await new CloudFormationClient({})
      .send(new DescribeStacksCommand({ StackName: stack }))
      .catch((e: Error) => {
        throw new CliError(`Cannot read the outputs of stack ${stack}: ${e.message}`);
      });
    const out = (k: string) => res.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === k)?.OutputValue;
    baseUrl ??= out('DownloadUrl');
    secretId ??= out('LinkSecretArn');
  }
  if (!baseUrl || !secretId)
    throw new CliError(
      `Stack ${stack} has no download endpoint (outputs DownloadUrl, LinkSecretArn); set PULSE_DOWNLOAD_URL and PULSE_LINK_SECRET_ID.`,
    );
  return { baseUrl, keys: new SecretsManagerLinkKeys(new SecretsManagerClient({}), secretId) };
}

/** The audit table of a target: the local stack's, or the deployed stack's (output or PULSE_AUDIT_TABLE). */
async function auditTableOf(session: TargetSession, stack: string): Promise<string> {
  if (session.local) return session.local.resources.auditTableName;
  if (process.env.PULSE_AUDIT_TABLE) return process.env.PULSE_AUDIT_TABLE;
  const res = await new CloudFormationClient({})
    .send(new DescribeStacksCommand({ StackName: stack }))
    .catch((e: Error) => {
      throw new CliError(`Cannot read the outputs of stack ${stack}: ${e.message}`);
    });
  const name = res.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ArchiveAuditTableName')?.OutputValue;
  if (!name)
    throw new CliError(`Stack ${stack} has no audit table (output ArchiveAuditTableName); set PULSE_AUDIT_TABLE.`);
  return name;
}

function linkStoreOf(session: TargetSession): { links: DynamoDbLinkStore; close(): void } {
  const client = new DynamoDBClient({});
  return {
    links: new DynamoDbLinkStore({ client, tableName: session.resources.tableName }),
    close: () => client.destroy(),
  };
}

function linkErrors<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((e: unknown) => {
    if (e instanceof LinkError) throw new CliError(e.message);
    throw e;
  });
}

/**
 * `pulse archive link <what> [--for ADDR]`: a recorded link. With --for it is bound to that
 * recipient (who may open it after signing in, until it is revoked or expires); without, it opens
 * only for the readers whose role covers the object.
 */
export async function archiveLinkCommand(
  what: string,
  opts: TargetOptions & { days: number; port?: number; for?: string[] },
): Promise<number> {
  return withArchive(opts, async (archive, session) => {
    const recipients = opts.for ?? [];
    for (const r of recipients) if (!isAddress(r)) throw new CliError(`--for "${r}" is not an e-mail address`);
    const { baseUrl, keys } =
      opts.target === 'aws'
        ? await awsLinkSettings(opts.stack ?? DEFAULT_STACK)
        : { baseUrl: `http://127.0.0.1:${opts.port ?? DEFAULT_DOWNLOAD_PORT}`, keys: localLinkKeys() };
    const store = linkStoreOf(session);
    try {
      const signingKey = await keys.current();
      const { link, url } = await linkErrors(() =>
        linkArchiveObject({ archive, links: store.links, signingKey, baseUrl }, { what, recipients, days: opts.days }),
      );
      console.log(url);
      console.error(
        `link ${link.linkId}: ${describeKey(link.key)}, ${recipients.length ? `for ${recipients.join(', ')}` : 'for the readers whose role covers it'}, until ${link.expiresAt.slice(0, 10)} (revoke: pulse archive revoke ${link.linkId})`,
      );
      if (opts.target !== 'aws')
        console.error(
          `(works while \`pulse archive serve\` or \`pulse demo --serve\` runs on port ${opts.port ?? DEFAULT_DOWNLOAD_PORT})`,
        );
    } finally {
      store.close();
    }
    return 0;
  });
}

function linkRow(l: LinkRecord): string[] {
  const state = l.revokedAt
    ? `revoked ${l.revokedAt.slice(0, 16).replace('T', ' ')}`
    : Date.parse(l.expiresAt) <= Date.now()
      ? 'expired'
      : 'active';
  return [
    l.linkId,
    l.source,
    l.recipients.join(', ') || '(readers)',
    l.source === 'index' ? 'the files on the index pages' : describeKey(l.key),
    l.createdAt.slice(0, 10),
    l.expiresAt.slice(0, 10),
    state,
  ];
}

/** `pulse archive links [--for ADDR] [--json]`. */
export async function archiveLinksCommand(opts: TargetOptions & { for?: string; json?: boolean }): Promise<number> {
  return withArchive(opts, async (_archive, session) => {
    const store = linkStoreOf(session);
    try {
      const links = await listLinks(store.links, opts.for ? { recipient: opts.for } : {});
      if (opts.json) {
        console.log(JSON.stringify(links, null, 2));
        return 0;
      }
      if (links.length === 0) {
        console.log(opts.for ? `No links for ${opts.for}.` : 'No links yet.');
        return 0;
      }
      console.log(table([['link', 'source', 'recipient', 'what', 'made', 'expires', 'state'], ...links.map(linkRow)]));
      return 0;
    } finally {
      store.close();
    }
  });
}

/** `pulse archive revoke <link-id>` / `--for ADDR`: refused from the next click on. */
export async function archiveRevokeCommand(
  linkId: string | undefined,
  opts: TargetOptions & { for?: string },
): Promise<number> {
  if (!linkId && !opts.for) throw new CliError('Name a link id (pulse archive links lists them) or --for ADDR.');
  if (linkId && opts.for) throw new CliError('Name either a link id or --for ADDR, not both.');
  return withArchive(opts, async (_archive, session) => {
    const store = linkStoreOf(session);
    try {
      const by = process.env.USER ? `cli:${process.env.USER}` : 'cli';
      const revoked = await linkErrors(() =>
        revokeLinks(store.links, { ...(linkId ? { linkId } : {}), ...(opts.for ? { recipient: opts.for } : {}), by }),
      );
      if (revoked.length === 0)
        console.log(linkId ? `Link ${linkId} was already revoked.` : `No active links for ${opts.for}.`);
      for (const l of revoked)
        console.log(`revoked ${l.linkId}  ${describeKey(l.key)}  (${l.recipients.join(', ') || 'readers'})`);
      return 0;
    } finally {
      store.close();
    }
  });
}

/** `pulse archive audit [--since DATE] [--json]`: every attempt on an archive link, oldest first. */
export async function archiveAuditCommand(opts: TargetOptions & { since?: string; json?: boolean }): Promise<number> {
  return withArchive(opts, async (_archive, session) => {
    const client = new DynamoDBClient({});
    try {
      const since = opts.since ?? new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
      const audit = new DynamoDbAuditLog({
        client,
        tableName: await auditTableOf(session, opts.stack ?? DEFAULT_STACK),
      });
      const entries = await linkErrors(() => readAudit(audit, since));
      if (opts.json) {
        const fields = (e: AuditEntry) => ({
          at: e.at,
          linkId: e.linkId,
          recipient: e.recipient,
          identity: e.identity,
          key: e.key,
          outcome: e.outcome,
          ip: e.ip,
        });
        console.log(JSON.stringify(entries.map(fields), null, 2));
        return 0;
      }
      if (entries.length === 0) {
        console.log(`No attempts since ${since}.`);
        return 0;
      }
      const dash = (v: string | null) => v ?? '-';
      console.log(
        table([
          ['at', 'outcome', 'identity', 'link', 'recipient', 'what', 'ip'],
          ...entries.map((e) => [
            e.at.slice(0, 19).replace('T', ' '),
            e.outcome,
            dash(e.identity),
            dash(e.linkId),
            dash(e.recipient),
            e.key ? describeKey(e.key) : '-',
            dash(e.ip),
          ]),
        ]),
      );
      const refused = entries.filter((e) => e.outcome !== 'allowed' && e.outcome !== 'sign-in').length;
      console.log(`\n${entries.length} attempt(s) since ${since}, ${refused} refused.`);
      return 0;
    } finally {
      client.destroy();
    }
  });
}

/** The local endpoint's wiring: the config's access policy, one-time codes through the local SES and the outbox, or the configured identity provider. */
function localEndpoint(session: TargetSession, config: PulseConfig, archive: S3Archive) {
  if (!session.local) throw new CliError('the download endpoint runs locally only');
  const keys = localLinkKeys();
  const policy = accessPolicyFrom(config);
  const oidc = localRelyingParty(config);
  const ses = new SESv2Client({});
  const mailer = new OutboxMailer(new SesMailer({ client: ses }), OUTBOX_DIR);
  const access = localAccessDeps({
    presigner: archive,
    signingKeys: () => keys.keys(),
    policy,
    tableName: session.resources.tableName,
    auditTableName: session.local.resources.auditTableName,
    ...(oidc ? { oidc } : { mailer }),
  });
  return { keys, policy, oidc, mailer, deps: access.deps, close: () => (access.close(), ses.destroy()) };
}

export async function archiveServeCommand(opts: { port: number; days: number; config?: string }): Promise<number> {
  const config = loadConfig(opts.config);
  const session = await openTarget({ target: 'local' });
  try {
    const archive = archiveOf(session);
    const endpoint = localEndpoint(session, config, archive);
    if (endpoint.policy.mode === 'link') console.warn(LINK_MODE_WARNING);
    const server = await startDownloadServer({ deps: endpoint.deps, port: opts.port, strictPort: true });
    const signIn =
      endpoint.policy.mode === 'link'
        ? 'none (bearer links)'
        : endpoint.oidc
          ? `OpenID Connect (${typeof config.archive.access === 'object' ? config.archive.access.oidc.issuer : ''}); register the callback ${server.url}/auth/callback`
          : `one-time code e-mailed to the link's recipient (local outbox: ${OUTBOX_DIR})`;
    console.log(
      `Download endpoint on ${server.url} (the same handler as the deployed function URL). Sign-in: ${signIn}.`,
    );
    const issuer = await localLinkIssuer(localLinkStore(session.resources.tableName), {
      port: server.port,
      days: opts.days,
    });
    const index = await issueIndexLinks(issuer, { days: issuer.days });
    console.log(`Archive index (for its readers): ${index.url(INDEX_KEY)}`);
    console.log('Press Ctrl-C to stop.');
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await server.close();
    endpoint.close();
    return 0;
  } finally {
    await session.close();
  }
}

/** Where `pulse archive board-pack` writes the PDF unless told (--out). */
export const BOARD_PACK_DIR = join('.pulse', 'board-packs');

/** `pulse archive board-pack --quarter FY2027-Q3 [--out DIR]`: the quarter's board pack PDF from the stored data. */
export async function archiveBoardPackCommand(
  opts: TargetOptions & { quarter: string; out?: string; config?: string },
): Promise<number> {
  const config = loadConfig(opts.config);
  const session = await openTarget(opts);
  try {
    const settings = {
      kpi: kpiSettingsFrom(config),
      companyName: config.company.name,
      locale: config.company.locale,
      timeZone: config.company.timezone,
    };
    const pack = await makeBoardPack(
      { loadDataset: (o) => session.store.loadDataset(o), renderer: await createBoardPackRenderer() },
      settings,
      opts.quarter,
    ).catch((e: unknown) => {
      if (e instanceof BoardPackError) throw new CliError(e.message);
      throw e;
    });
    const dir = resolve(opts.out ?? BOARD_PACK_DIR);
    await mkdir(dir, { recursive: true });
    const file = join(dir, pack.fileName);
    await writeFile(file, pack.pdf);
    const h = pack.document.headline;
    console.error(
      `${pack.quarter.label} (${pack.quarter.start} .. ${pack.quarter.end}, ${session.target}): closing ARR ${h.closingArr}, NRR ${h.nrr}, GRR ${h.grr}; ${pack.document.pages.length} pages, ${pack.pdf.byteLength} bytes`,
    );
    console.log(file);
    return 0;
  } finally {
    await session.close();
  }
}

/** A board pack renderer made on first use (only a quarter-end week draws one). */
function lazyBoardPack(): BoardPackRenderer {
  let made: Promise<BoardPackRenderer> | undefined;
  return { renderBoardPack: async (doc) => (await (made ??= createBoardPackRenderer())).renderBoardPack(doc) };
}

// ---- the demo's archive step -----------------------------------------------------------------

export interface DemoArchiveOptions {
  asOf: string;
  dataset: Dataset;
  /** The report run's result: its rendered email is the report as sent. */
  report: {
    result: {
      status: string;
      email?: { html: string; images: { cid: string; contentType: string; content: Uint8Array }[] };
    };
    files: { eml: string }[];
  };
  log: (line: string) => void;
}

/** What the demo's link check needs of the archive step: the week's pack, the endpoint and the links' issuer. */
export interface DemoArchiveLinkCheck {
  reportFile: { key: string; sha256: string };
  period: string;
  indexLink: (key: string) => string;
  issuer: ArchiveLinkIssuer;
  endpoint: ReturnType<typeof localEndpoint>;
  serverUrl: string;
}

/**
 * Archives the week on the local stack after the report was sent (the index pages link through a
 * recorded link set), with the loopback download endpoint started first, and prints where the packs are.
 * Returns the endpoint, to close when the demo ends, and what proveDemoArchiveLink checks.
 * @demoStep the Monday job's archive, run by the demo in place of the scheduler
 */
export async function archiveDemoWeek(
  session: { s3: TargetSession['s3']; runLedger: TargetSession['runLedger']; stack: LocalStack },
  config: PulseConfig,
  opts: DemoArchiveOptions,
): Promise<{ close(): Promise<void>; linkCheck?: DemoArchiveLinkCheck }> {
  const email = opts.report.result.email;
  if (!email) {
    opts.log(
      `not archived: the report was not sent (${opts.report.result.status}), and a pack holds the email as sent`,
    );
    return { close: async () => {} };
  }
  const archive = new S3Archive({ client: session.s3, bucket: session.stack.resources.archiveBucket });
  const target = {
    target: 'local',
    resources: session.stack.resources,
    local: session.stack,
  } as unknown as TargetSession;
  const endpoint = localEndpoint(target, config, archive);
  const server = await startDownloadServer({ deps: endpoint.deps, port: DEFAULT_DOWNLOAD_PORT });
  const issuer = await localLinkIssuer(localLinkStore(session.stack.resources.tableName), { port: server.port });
  const emlPath = opts.report.files.at(-1)?.eml;
  const eml = emlPath ? await readFile(emlPath).catch(() => undefined) : undefined;
  const started = Date.now();
  const out = await archiveSentReport(archive, config, {
    asOf: opts.asOf,
    data: opts.dataset,
    email,
    ...(eml ? { eml } : {}),
    runId: `demo-${new Date().toISOString()}`,
    links: issuer,
    runLedger: session.runLedger,
    trigger: 'demo',
    boardPack: lazyBoardPack(),
  });
  const bucket = session.stack.resources.archiveBucket;
  for (const p of [out.weekly, ...(out.quarterly ? [out.quarterly] : [])]) {
    const what =
      p.status === 'written'
        ? `written (version ${p.version}, ${p.manifest.files.length} files + manifest)`
        : `already archived (version ${p.version}; a pack is written once)`;
    opts.log(`${p.ref.period}: s3://${bucket}/${p.prefix}  ${what}`);
  }
  opts.log(
    `index: s3://${bucket}/${INDEX_KEY} (${out.index.length} page(s)) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    close: async () => {
      await server.close();
      endpoint.close();
    },
    linkCheck: {
      reportFile: out.weekly.manifest.files.find((f) => f.name === 'report.html')!,
      period: out.weekly.ref.period,
      indexLink: out.link!,
      issuer,
      endpoint,
      serverUrl: server.url,
    },
  };
}

/**
 * Proves a link to the archived report works end to end, as its recipient would use it (sign-in with
 * the one-time code from the local outbox, then 302, then the bytes match the manifest), and prints
 * where to look.
 * @demoStep a recorded link for a reader, as `pulse archive link --for` makes one
 */
export async function proveDemoArchiveLink(
  config: PulseConfig,
  check: DemoArchiveLinkCheck,
  log: (line: string) => void,
): Promise<void> {
  const { reportFile, endpoint } = check;
  const reader = config.recipients.finance[0] ?? config.recipients.ceo[0]!;
  const { url: link } = await issueLink(check.issuer, {
    key: reportFile.key,
    recipients: [reader],
    source: 'email',
    days: check.issuer.days,
  });
  if (endpoint.policy.mode === 'link') {
    log(LINK_MODE_WARNING);
  } else if (endpoint.oidc) {
    log(
      `sign-in is through ${typeof config.archive.access === 'object' ? config.archive.access.oidc.issuer : 'the identity provider'}: open the link in a browser to check it`,
    );
  } else {
    const signedIn = await signInWithOutboxCode(link, { outbox: endpoint.mailer, expectSha256: reportFile.sha256 });
    log(
      signedIn.ok
        ? `report link for ${reader} (checked: no bytes before sign-in; signed in with the one-time code from its own outbox, ${relative(process.cwd(), signedIn.codeFile)}; 302 to a 5-minute presigned URL; SHA-256 matches the manifest):`
        : `report link for ${reader} (NOT working: ${signedIn.problem}):`,
    );
  }
  log(`  ${link}`);
  log(`archive index link (for its readers): ${check.indexLink(INDEX_KEY)}`);
  log(
    `links work while \`npx pulse archive serve\` (or \`pulse demo --serve\`) runs on ${check.serverUrl}; they ask the reader to sign in (a code e-mailed to the link's recipient) and expire in ${ARCHIVE_LINK_DAYS} days`,
  );
  log(
    `links and revocation  npx pulse archive links · npx pulse archive revoke --for ${reader} · npx pulse archive audit`,
  );
  log(`fetch and verify      npx pulse archive get ${check.period} --out ./finance`);
}
