// Who may open what in the finance archive: the pure rules behind the download endpoint's sign-in.
//
// - Readers by role: finance may open everything under archive/ (packs, extracts, manifests,
//   index pages); the CEO and the CCO the report pages (report.html, report.eml) and the index
//   pages. Each role's readers are its configured recipients plus `archive.readers.<role>`:
//   addresses, `@domain`s and `group:<name>` (a group claim from the identity provider).
// - A link's own recipients may open what the link names: a link made for someone with
//   `pulse archive link --for` until it is revoked or expires; a link in a report e-mail only while
//   its recipient is still a reader of some role (a removed reader's links die with the removal).
// - Everyone else gets a 403 that says what they tried to open and whom to ask.
import { INDEX_KEY } from './layout';

export const READER_ROLES = ['finance', 'ceo', 'cco'] as const;
export type ReaderRole = (typeof READER_ROLES)[number];

/** One entry of a role: `cfo@northwind.example`, `@northwind.example`, or `group:finance`. */
export type ReaderEntry = string;
export type Readers = Record<ReaderRole, readonly ReaderEntry[]>;

/** What an attempt came to, as the audit table records it. */
export const AUDIT_OUTCOMES = ['allowed', 'sign-in', 'denied', 'revoked', 'expired', 'invalid'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One attempt to open an archive object (or to sign in for one). Field names are an interface: `pulse archive audit --json`. */
export interface AuditEntry {
  /** ISO 8601 time of the attempt. */
  at: string;
  linkId: string | null;
  /** The link's recipient address(es), comma-separated; null for a link meant for readers by role. */
  recipient: string | null;
  /** The signed-in e-mail address, null before sign-in. */
  identity: string | null;
  /** The archive object the link names. */
  key: string | null;
  outcome: AuditOutcome;
  /** The client's address as the endpoint saw it. */
  ip: string | null;
}

/** Where a link came from: a report e-mail, the CLI (`--for`), or the archive index pages (readers only). */
export type LinkSource = 'email' | 'cli' | 'index';

/** A link as recorded when it was made (DynamoDB). The recipient addresses live only here, never in the token. */
export interface LinkRecord {
  linkId: string;
  /** The object the link names, or for an index link set the prefix its links are under. */
  key: string;
  recipients: string[];
  /** recipientHash() of the recipients, as carried by the token; null for links meant for readers. */
  recipientHash: string | null;
  source: LinkSource;
  /** ISO times. */
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** The person behind a session, as the identity provider (or the one-time code) established them. */
export interface Identity {
  /** Lower-cased, verified e-mail address. */
  email: string;
  /** Group names from the identity provider's groups claim (empty without one). */
  groups: string[];
  /** How they signed in. */
  via: 'oidc' | 'code';
}

export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

const ADDRESS = /^[^\s@<>(),;:"\r\n]+@[^\s@<>(),;:"\r\n]+\.[^\s@<>(),;:"\r\n]+$/;
const DOMAIN_ENTRY = /^@[^\s@<>(),;:"\r\n]+\.[^\s@<>(),;:"\r\n]+$/;
const GROUP_ENTRY = /^group:[^\s]+$/;

/** True when the text is a valid reader entry (an address, `@domain` or `group:<name>`). */
export function isReaderEntry(entry: string): boolean {
  return ADDRESS.test(entry) || DOMAIN_ENTRY.test(entry) || GROUP_ENTRY.test(entry);
}

export function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/** Does the entry match the person? Addresses and domains compare case-insensitively, groups exactly. */
export function entryMatches(entry: ReaderEntry, who: Identity): boolean {
  if (entry.startsWith('group:')) return who.groups.includes(entry.slice('group:'.length));
  const e = normaliseAddress(entry);
  if (e.startsWith('@')) return who.email.endsWith(e);
  return who.email === e;
}

/** The roles the person holds. */
export function rolesOf(who: Identity, readers: Readers): ReaderRole[] {
  return READER_ROLES.filter((role) => readers[role].some((entry) => entryMatches(entry, who)));
}

/** Kinds of archive object, for the roles. */
export type ObjectKind = 'index' | 'report' | 'file';

export function objectKind(key: string): ObjectKind {
  if (key === INDEX_KEY || /^archive\/(weekly|quarterly)\/(\d{4}\/)?index\.html$/.test(key)) return 'index';
  if (/\/report\.(html|eml)$/.test(key)) return 'report';
  return 'file';
}

const ROLE_SCOPE: Record<ReaderRole, readonly ObjectKind[]> = {
  finance: ['index', 'report', 'file'],
  ceo: ['index', 'report'],
  cco: ['index', 'report'],
};

export type AccessDecision =
  | { allowed: true; because: `role:${ReaderRole}` | 'recipient' }
  | { allowed: false; because: 'not-a-reader' | 'role-scope' };

/**
 * May this person open this object through this link? `link` is the link's record (undefined for
 * links made before records existed: then only the roles count).
 */
export function decideAccess(
  who: Identity,
  key: string,
  readers: Readers,
  link?: Pick<LinkRecord, 'key' | 'recipients' | 'source'>,
): AccessDecision {
  const roles = rolesOf(who, readers);
  const kind = objectKind(key);
  const role = roles.find((r) => ROLE_SCOPE[r].includes(kind));
  if (role) return { allowed: true, because: `role:${role}` };
  if (
    link &&
    link.source !== 'index' &&
    link.key === key &&
    link.recipients.map(normaliseAddress).includes(who.email)
  ) {
    // A report e-mail's link holds while its recipient is a reader; a link made --for someone holds by itself.
    if (link.source === 'cli' || roles.length > 0) return { allowed: true, because: 'recipient' };
  }
  return { allowed: false, because: roles.length > 0 ? 'role-scope' : 'not-a-reader' };
}

/** May the address receive a one-time code for this link? Its recipients, and readers allowed to open the object. */
export function mayRequestCode(
  address: string,
  key: string,
  readers: Readers,
  link: Pick<LinkRecord, 'key' | 'recipients' | 'source'> | undefined,
): boolean {
  // Groups come only from an identity provider: a code proves the address, nothing more.
  return decideAccess({ email: normaliseAddress(address), groups: [], via: 'code' }, key, readers, link).allowed;
}

/** The explicit addresses of the finance readers (whom to ask for access), else the fallback. */
export function whomToAsk(readers: Readers, fallback: readonly string[]): string[] {
  const finance = readers.finance.filter(isAddress);
  return finance.length ? [...finance] : [...fallback];
}

/** `c***@northwind.example`: enough for the reader to recognise their address, not enough to harvest it. */
export function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** A readable name for what a key is, for pages and e-mails. */
export function describeKey(key: string): string {
  if (key === INDEX_KEY) return 'the archive index';
  const m = /^archive\/(weekly\/\d{4}\/|quarterly\/)([^/]+)\/(?:(v\d+)\/)?(.+)$/.exec(key);
  if (m) return `${m[4]} of the ${m[2]} pack${m[3] ? ` (${m[3]})` : ''}`;
  return key.replace(/^archive\//, '');
}
