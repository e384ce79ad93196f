// Making, listing and revoking archive links, and reading the audit trail. Every link is recorded
// before it is handed out (so a link that exists can always be found and revoked) and carries its
// id and a hash of its recipients; the addresses themselves stay in the record.
import { randomBytes } from 'node:crypto';
import { ARCHIVE_ROOT, INDEX_KEY, parsePackLabel, versionPrefix } from '../domain/archive/layout';
import { normaliseAddress, type AuditEntry, type LinkRecord, type LinkSource } from '../domain/archive/access';
import { downloadUrl } from '../domain/archive/download-page';
import { isLinkableKey, linkExpiry, recipientHash, signDownloadToken } from '../domain/archive/token';
import type { ArchiveStore } from '../ports/archive';
import type { AuditLog, LinkStore } from '../ports/archive-access';
import { fetchPack } from './archive-get';

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: 'NOT_AN_ARCHIVE_KEY' | 'NO_SUCH_LINK' | 'NOTHING_TO_REVOKE' | 'BAD_DATE',
    message: string,
  ) {
    super(message);
  }
}

export interface LinkIssuer {
  links: LinkStore;
  /** The key new links are signed with. */
  signingKey: string | Uint8Array;
  /** The download endpoint's base URL. */
  baseUrl: string;
  now?: () => Date;
}

/** A link issuer with the days its links stay valid: what a report run needs to record its own links. */
export interface ArchiveLinkIssuer extends LinkIssuer {
  days: number;
}

export function newLinkId(): string {
  return randomBytes(12).toString('base64url');
}

/** A recorded link to one object for its recipients (a report e-mail's, or one made with `--for`). */
export async function issueLink(
  deps: LinkIssuer,
  o: { key: string; recipients: readonly string[]; source: Exclude<LinkSource, 'index'>; days: number },
): Promise<{ link: LinkRecord; url: string }> {
  if (!isLinkableKey(o.key)) throw new LinkError('NOT_AN_ARCHIVE_KEY', `"${o.key}" is not an archive object key`);
  const now = deps.now?.() ?? new Date();
  const recipients = [...new Set(o.recipients.map(normaliseAddress))];
  const expiresAt = linkExpiry(o.days, now);
  const link: LinkRecord = {
    linkId: newLinkId(),
    key: o.key,
    recipients,
    recipientHash: recipients.length ? recipientHash(deps.signingKey, recipients) : null,
    source: o.source,
    createdAt: now.toISOString(),
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
  await deps.links.put(link);
  const token = signDownloadToken(deps.signingKey, {
    key: o.key,
    expiresAt,
    linkId: link.linkId,
    ...(link.recipientHash ? { recipientHash: link.recipientHash } : {}),
  });
  return { link, url: downloadUrl(deps.baseUrl, token) };
}

/**
 * `pulse archive link <what>`: a recorded link to what the operator names: `index`, a full archive key,
 * a pack (`2026-W47`: its latest version's report.html) or one of its files (`2026-W47/accounts.csv`).
 */
export async function linkArchiveObject(
  deps: LinkIssuer & { archive: ArchiveStore },
  o: { what: string; recipients: readonly string[]; days: number },
): Promise<{ link: LinkRecord; url: string }> {
  const key = await linkTarget(deps.archive, o.what);
  if (!isLinkableKey(key)) throw new LinkError('NOT_AN_ARCHIVE_KEY', `"${key}" is not an archive key`);
  return issueLink(deps, { key, recipients: o.recipients, source: 'cli', days: o.days });
}

async function linkTarget(archive: ArchiveStore, what: string): Promise<string> {
  if (what === 'index') return INDEX_KEY;
  if (what.startsWith('archive/')) return what;
  const [label, file = 'report.html'] = what.split('/', 2) as [string, string?];
  const pack = await fetchPack(archive, label);
  return `${versionPrefix(parsePackLabel(label), pack.manifest.version)}${file}`;
}

/**
 * One recorded link set for the archive index pages: every file link on one index build shares
 * its id, and opens only for readers whose role covers the file (no recipients).
 */
export async function issueIndexLinks(
  deps: LinkIssuer,
  o: { days: number },
): Promise<{ link: LinkRecord; url: (key: string) => string }> {
  const now = deps.now?.() ?? new Date();
  const expiresAt = linkExpiry(o.days, now);
  const link: LinkRecord = {
    linkId: newLinkId(),
    key: ARCHIVE_ROOT,
    recipients: [],
    recipientHash: null,
    source: 'index',
    createdAt: now.toISOString(),
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
  await deps.links.put(link);
  return {
    link,
    url: (key) =>
      downloadUrl(deps.baseUrl, signDownloadToken(deps.signingKey, { key, expiresAt, linkId: link.linkId })),
  };
}

/**
 * The links of one weekly report run: the e-mail's archive link (the index) recorded for the
 * message's recipients, and one link set for the index pages (readers by role).
 */
export async function reportArchiveLinks(
  deps: LinkIssuer,
  o: { recipients: readonly string[]; days: number },
): Promise<(key: string) => string> {
  const email = await issueLink(deps, { key: INDEX_KEY, recipients: o.recipients, source: 'email', days: o.days });
  const index = await issueIndexLinks(deps, { days: o.days });
  return (key) => (key === INDEX_KEY ? email.url : index.url(key));
}

/**
 * The e-mail's archive link alone (the index), recorded for the message's recipients: only they (while
 * they are readers) and the archive's readers by role open it, after signing in.
 */
export async function emailIndexLink(
  deps: ArchiveLinkIssuer,
  recipients: readonly string[],
): Promise<(key: string) => string> {
  const { url } = await issueLink(deps, { key: INDEX_KEY, recipients, source: 'email', days: deps.days });
  return (key) => {
    if (key !== INDEX_KEY) throw new Error(`the report links only the archive index, not ${key}`);
    return url;
  };
}

export async function listLinks(links: LinkStore, o: { recipient?: string } = {}): Promise<LinkRecord[]> {
  return links.list(o.recipient ? { recipient: normaliseAddress(o.recipient) } : {});
}

/** Revokes one link, or every link of a recipient; returns the links revoked now (already revoked ones are left as they were). */
export async function revokeLinks(
  links: LinkStore,
  o: { linkId?: string; recipient?: string; by: string; now?: Date },
): Promise<LinkRecord[]> {
  const at = (o.now ?? new Date()).toISOString();
  if (o.linkId) {
    const before = await links.get(o.linkId);
    if (!before) throw new LinkError('NO_SUCH_LINK', `No link with id ${o.linkId}`);
    if (before.revokedAt) return [];
    const after = await links.revoke(o.linkId, at, o.by);
    return after ? [after] : [];
  }
  if (!o.recipient) throw new LinkError('NOTHING_TO_REVOKE', 'Name a link id or a recipient (--for)');
  const mine = (await links.list({ recipient: normaliseAddress(o.recipient) })).filter((l) => !l.revokedAt);
  const out: LinkRecord[] = [];
  for (const l of mine) {
    const after = await links.revoke(l.linkId, at, o.by);
    if (after) out.push(after);
  }
  return out;
}

/** The audit trail since a date (YYYY-MM-DD, or an ISO time), oldest first. */
export async function readAudit(audit: AuditLog, since: string): Promise<AuditEntry[]> {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00.000Z` : since;
  if (Number.isNaN(Date.parse(t))) throw new LinkError('BAD_DATE', `"${since}" is not a date (YYYY-MM-DD)`);
  return audit.list(new Date(t).toISOString());
}
