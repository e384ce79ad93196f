// The billing side of one account identity: each billing sync (Stripe) keeps, per customer, a
// side record in its sync state, `domains:<customer>` = `{ "accountId", "domains" }` (the
// customer's e-mail domain), and the CRM and help-desk connectors match their records' domains
// against all of them. Side records keep the contract's `accounts` columns as they are.
import {
  billingDirectory,
  EMPTY_DIRECTORY,
  type BillingAccountDomains,
  type BillingDirectory,
} from '../../domain/sources/account-identity';
import type { SourceDefinition } from '../../domain/sources/registry';
import type { SyncStateStore } from '../../ports/sync-state';

/** Sync-state key prefix of a billing customer's side record. */
export const ACCOUNT_DOMAINS_PREFIX = 'domains:';
export const accountDomainsKey = (customer: string): string => `${ACCOUNT_DOMAINS_PREFIX}${customer}`;

/** The configured sources whose customers are the billing accounts. */
export const billingSourceNames = (sources: readonly SourceDefinition[]): string[] =>
  sources.filter((s) => s.connector === 'stripe').map((s) => s.name);

/** A BillingDirectory read from the billing sources' side records by `load()` (connectSource calls it before a run). */
export class StoredAccountDirectory implements BillingDirectory {
  private directory?: BillingDirectory;
  private loading?: Promise<void>;

  constructor(private readonly opts: { syncState: SyncStateStore; billingSources: readonly string[] }) {}

  /** Reads the side records again (each source run sees the billing sync before it); calls during a read share it. */
  load(): Promise<void> {
    this.loading ??= this.read()
      .then((d) => {
        this.directory = d;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** How many billing accounts were read (0 before `load()`). */
  get size(): number {
    return this.directory?.accounts().length ?? 0;
  }

  byDomain(domain: string): string | undefined {
    return this.loaded().byDomain(domain);
  }

  accounts(): string[] {
    return this.loaded().accounts();
  }

  private loaded(): BillingDirectory {
    if (!this.directory)
      throw new Error('the account directory is read first (load()) before a connector matches records');
    return this.directory;
  }

  private async read(): Promise<BillingDirectory> {
    const { syncState, billingSources } = this.opts;
    if (!syncState.list || billingSources.length === 0) return EMPTY_DIRECTORY;
    const entries: BillingAccountDomains[] = [];
    for (const source of billingSources) {
      for (const { key, value } of await syncState.list(source, ACCOUNT_DOMAINS_PREFIX)) {
        try {
          const doc = JSON.parse(value) as { accountId?: unknown; domains?: unknown };
          if (typeof doc.accountId !== 'string') continue;
          const domains = Array.isArray(doc.domains)
            ? doc.domains.filter((d): d is string => typeof d === 'string')
            : [];
          entries.push({ accountId: doc.accountId, domains });
        } catch {
          // A side record that is not JSON (written by hand?) names no account; the next sync rewrites it.
          console.warn(`account directory: ${source} ${key} is not JSON; ignored`);
        }
      }
    }
    return billingDirectory(entries);
  }
}
