// `pulse sources match`: how well the sources agree on who the customers are. Every source is read
// as an export reads it (the same connectors, mapping and validation; nothing written, moved or
// remembered), then compared:
//
// - billing accounts: the accounts (and subscription owners) of the billing sources (Stripe, or any
//   source that yields subscriptions);
// - CRM accounts: the accounts of the other sources that yield accounts (HubSpot, Salesforce ...);
// - per source, the records (renewals, expansions, tickets, usage, NPS ...) whose account is in
//   neither, or is a source id (`zendesk:123`, `hubspot:45`: what a connector names a record no
//   account matched): listed, never dropped or guessed.
import { ENTITY_NAMES, type EntityName } from '../domain/contract/entities';
import type { RowValidator } from '../domain/contract/validate';
import type { IsoWeekday } from '../domain/dates';
import type { SourceDefinition } from '../domain/sources/registry';
import type { ContractSource } from '../ports/source';
import { ingestSource } from './ingest-source';

export type SourceRole = 'billing' | 'crm' | 'other';

/** A record that names an account no source knows. */
export interface UnmatchedRecord {
  entity: EntityName;
  /** The record's id (`ticket_id`, `renewal_id` ...; `account_id/week` for usage). */
  id: string;
  accountId: string;
}

export interface SourceMatch {
  source: string;
  connector: string;
  role: SourceRole;
  /** Valid records read, all entities. */
  records: number;
  /** Rows the source could not map or validate (see `pulse sources test`). */
  rejected: number;
  unmatched: UnmatchedRecord[];
  /** Why the source could not be read (the others are still compared). */
  error?: string;
}

export interface AccountMatch {
  sources: SourceMatch[];
  billingAccounts: number;
  crmAccounts: number;
  /** In billing, not in any CRM source (empty when no CRM source is configured: see `crmSources`). */
  billingNotInCrm: string[];
  /** In a CRM source, not in billing (empty when no billing source is configured). */
  crmNotInBilling: string[];
  billingSources: string[];
  crmSources: string[];
}

export interface MatchAccountsDeps {
  /** The source, read-only (nothing remembered): as `pulse sources export` connects it. */
  connect(def: SourceDefinition): ContractSource;
  validator: RowValidator;
}

export interface MatchAccountsOptions {
  timeZone: string;
  weekStartsOn: IsoWeekday;
}

const ID_COLUMN: Partial<Record<EntityName, string>> = {
  subscriptions: 'line_id',
  renewals: 'renewal_id',
  expansions: 'opportunity_id',
  tickets: 'ticket_id',
  nps: 'response_id',
};

/** Sources that name customers: everything but exchange rates and spend. */
const namesAccounts = (def: SourceDefinition) => def.entities.some((e) => e !== 'fx_rates' && e !== 'spend');

export function roleOf(def: SourceDefinition): SourceRole {
  const entities: readonly EntityName[] = def.entities;
  if (def.connector === 'stripe' || entities.includes('subscriptions')) return 'billing';
  if (entities.includes('accounts')) return 'crm';
  return 'other';
}

const text = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '');

export async function matchAccounts(
  sources: readonly SourceDefinition[],
  deps: MatchAccountsDeps,
  opts: MatchAccountsOptions,
): Promise<AccountMatch> {
  const billing = new Set<string>();
  const crm = new Set<string>();
  const references: { match: SourceMatch; records: UnmatchedRecord[] }[] = [];
  const results: SourceMatch[] = [];

  for (const def of sources.filter(namesAccounts)) {
    const role = roleOf(def);
    const match: SourceMatch = {
      source: def.name,
      connector: def.connector,
      role,
      records: 0,
      rejected: 0,
      unmatched: [],
    };
    results.push(match);
    const referenced: UnmatchedRecord[] = [];
    try {
      const result = await ingestSource(
        deps.connect(def),
        {
          store: {
            putRecords: () => Promise.reject(new Error('matching writes nothing')),
            deleteRecords: () => Promise.reject(new Error('matching writes nothing')),
          },
          validator: deps.validator,
        },
        {
          sourceName: def.name,
          entities: def.entities,
          mapping: def.mapping,
          timeZone: opts.timeZone,
          weekStartsOn: opts.weekStartsOn,
          dryRun: true,
          onValidRow: (entity, fields) => {
            match.records++;
            const accountId = text(fields.account_id);
            if (accountId === '') return;
            if (entity === 'accounts' || (entity === 'subscriptions' && role === 'billing')) {
              (role === 'billing' ? billing : role === 'crm' ? crm : undefined)?.add(accountId);
              return;
            }
            const idColumn = ID_COLUMN[entity];
            const id = idColumn ? text(fields[idColumn]) : `${accountId}/${text(fields.week)}`;
            referenced.push({ entity, id, accountId });
          },
        },
      );
      match.rejected = ENTITY_NAMES.reduce((n, e) => n + result.summary.counts[e].rejected, 0);
    } catch (err) {
      match.error = (err as Error).message;
    }
    references.push({ match, records: referenced });
  }

  // Known: an account some source yields, unless it is itself a record kept under its source id.
  const known = new Set([...billing, ...crm]);
  const prefixes = sources.map((s) => `${s.name}:`);
  const matches = (id: string) => known.has(id) && !prefixes.some((p) => id.startsWith(p));
  for (const { match, records } of references) {
    match.unmatched = records
      .filter((r) => !matches(r.accountId))
      .sort((a, b) => a.entity.localeCompare(b.entity) || a.id.localeCompare(b.id, 'en', { numeric: true }));
  }
  const billingSources = results.filter((s) => s.role === 'billing').map((s) => s.source);
  const crmSources = results.filter((s) => s.role === 'crm').map((s) => s.source);
  const sorted = (ids: Iterable<string>) => [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return {
    sources: results,
    billingAccounts: billing.size,
    crmAccounts: crm.size,
    billingNotInCrm: crmSources.length ? sorted([...billing].filter((id) => !crm.has(id))) : [],
    crmNotInBilling: billingSources.length ? sorted([...crm].filter((id) => !billing.has(id))) : [],
    billingSources,
    crmSources,
  };
}
