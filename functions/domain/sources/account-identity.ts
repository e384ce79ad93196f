// One account identity across sources. Every system names a customer its own way (a Stripe
// customer, a HubSpot company, a Salesforce Account, a Zendesk organization); config says, per
// source, how its record names the Pulse account. A record that maps to no account is never
// guessed and never dropped: it keeps its source id (`hubspot:123`) so it stays visible in
// `pulse sources match` and the data-quality footer, and it adds no ARR.

/** How a source's record names its Pulse account, tried in order. */
export type AccountIdentityRule =
  /** A property of the record holds the Pulse account id (a company property, a custom field, an external id). */
  | { by: 'field'; field: string }
  /** The record's domains (website, domain, e-mail) against the billing customers' e-mail domains. */
  | { by: 'domain' };

/** What a connector knows of one record, for matching. */
export interface IdentityCandidate {
  /** The source's name in config (`hubspot`, `crm` ...). */
  source: string;
  /** The record's id in its system. */
  sourceId: string;
  /** The record's properties, as the API gave them. */
  fields: Readonly<Record<string, unknown>>;
  /** Raw website URLs, domains or e-mail addresses; normalised here. */
  domains: readonly string[];
}

/** The accounts billing knows, to match against. */
export interface AccountDirectory {
  /** The account whose billing e-mail domain (normalised) this is; undefined when none or ambiguous. */
  byDomain(domain: string): string | undefined;
}

export type IdentityMatch =
  | { matched: true; accountId: string; by: AccountIdentityRule['by'] }
  /** `accountId` is the record's source id, `<source>:<id>`. */
  | { matched: false; accountId: string };

/** `<source>:<id>`: the account id of a record that matched no account. */
export const unmatchedAccountId = (source: string, sourceId: string): string => `${source}:${sourceId}`;

// Mail providers' domains say nothing about whose customer it is.
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
]);

/**
 * `https://www.Example.com/about`, `EXAMPLE.com.`, `ops@example.com` -> `example.com`; undefined
 * for what is not a domain or is a free mail provider's.
 */
export function normalizeDomain(raw: string): string | undefined {
  let s = raw.trim().toLowerCase();
  if (s === '') return undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  s = s.split(/[/?#:]/)[0] ?? '';
  s = s.replace(/\.+$/, '').replace(/^www\./, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s)) return undefined;
  return FREE_MAIL.has(s) ? undefined : s;
}

function fieldValue(fields: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const v = fields[field];
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return s === '' ? undefined : s;
}

/** The Pulse account of a record: the first rule that names one, else its source id. */
export function resolveAccountId(
  candidate: IdentityCandidate,
  rules: readonly AccountIdentityRule[],
  directory: AccountDirectory,
): IdentityMatch {
  for (const rule of rules) {
    if (rule.by === 'field') {
      const id = fieldValue(candidate.fields, rule.field);
      if (id !== undefined) return { matched: true, accountId: id, by: 'field' };
    } else {
      for (const raw of candidate.domains) {
        const domain = normalizeDomain(raw);
        const id = domain === undefined ? undefined : directory.byDomain(domain);
        if (id !== undefined) return { matched: true, accountId: id, by: 'domain' };
      }
    }
  }
  return { matched: false, accountId: unmatchedAccountId(candidate.source, candidate.sourceId) };
}

/** One billing account and the e-mail domains its customers gave (raw or normalised). */
export interface BillingAccountDomains {
  accountId: string;
  domains: readonly string[];
}

/** A directory that also lists the billing accounts it was built from (for `pulse sources match`). */
export interface BillingDirectory extends AccountDirectory {
  /** Every billing account id, sorted. */
  accounts(): string[];
}

/**
 * The directory of billing accounts by normalised e-mail domain. A domain two accounts share names
 * neither (ambiguous: a guess either way), so a record with only that domain stays unmatched.
 */
export function billingDirectory(entries: Iterable<BillingAccountDomains>): BillingDirectory {
  const owners = new Map<string, Set<string>>();
  const accounts = new Set<string>();
  for (const e of entries) {
    accounts.add(e.accountId);
    for (const raw of e.domains) {
      const domain = normalizeDomain(raw);
      if (domain === undefined) continue;
      const set = owners.get(domain) ?? new Set<string>();
      set.add(e.accountId);
      owners.set(domain, set);
    }
  }
  return {
    byDomain(domain) {
      const set = owners.get(normalizeDomain(domain) ?? '');
      return set?.size === 1 ? [...set][0] : undefined;
    },
    accounts: () => [...accounts].sort(),
  };
}

/** No billing domains known: only field rules can match. */
export const EMPTY_DIRECTORY: BillingDirectory = billingDirectory([]);
