// Salesforce records -> contract rows. An Account is an account (its Pulse id from the identity
// rules); an Opportunity is a renewal or an expansion by its record type, then its Type, as config
// says, and its outcome is the configured StageName mapping, else IsWon/IsClosed. Money is the
// field's value as Salesforce wrote it (a decimal, validated exactly by the contract); CloseDate is
// a calendar date; CreatedDate is a UTC timestamp, read as a local date in the company's time zone.
import type { ContractRow } from '../../../domain/billing/types';
import type { LocalDateOfInstant } from '../../../domain/dates';
import {
  resolveAccountId,
  type AccountDirectory,
  type AccountIdentityRule,
  type IdentityMatch,
} from '../../../domain/sources/account-identity';
import type { SalesforceSettings } from '../../../domain/sources/salesforce-definition';
import { parseSalesforceDateTime, type SalesforceRecord } from './api';

export type Outcome = 'won' | 'lost' | 'open';

export type OpportunityKind =
  | { entity: 'renewals' }
  | { entity: 'expansions'; type: 'upsell' | 'cross_sell' }
  | { entity: undefined };

/** A record's field, following relationships (`Account.Website`); undefined when absent or null. */
export function fieldOf(record: Readonly<Record<string, unknown>> | null | undefined, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v === null ? undefined : v;
}

const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v.trim() : String(v);

/** A number as Salesforce sent it, as a decimal string (an exponent form is left for the contract to refuse). */
const amountText = (v: unknown): string => (typeof v === 'number' ? String(v) : text(v));

/** Renewal or expansion (and which), or neither: record type first, then Type; renewals before expansions. */
export function classifyOpportunity(o: SalesforceRecord, s: SalesforceSettings): OpportunityKind {
  const recordType = text(fieldOf(o, 'RecordType.DeveloperName'));
  if (recordType) {
    if (s.renewalRecordTypes.includes(recordType)) return { entity: 'renewals' };
    const t = s.expansionRecordTypes[recordType];
    if (t) return { entity: 'expansions', type: t };
  }
  const type = text(o.Type);
  if (type) {
    if (s.renewalTypes.includes(type)) return { entity: 'renewals' };
    const t = s.expansionTypes[type];
    if (t) return { entity: 'expansions', type: t };
  }
  return { entity: undefined };
}

/** The configured StageName mapping, else Salesforce's own flags: won, closed and not won = lost, open. */
export function outcomeOf(o: SalesforceRecord, s: SalesforceSettings): Outcome {
  const mapped = s.stages[text(o.StageName)];
  if (mapped) return mapped;
  if (o.IsClosed === true) return o.IsWon === true ? 'won' : 'lost';
  return 'open';
}

export interface MapContext {
  source: string;
  settings: SalesforceSettings;
  identity: readonly AccountIdentityRule[];
  directory: AccountDirectory;
  dates: LocalDateOfInstant;
}

/** The Pulse account of an Account record (or of an Opportunity's `Account` relationship). */
export function accountMatch(account: Readonly<Record<string, unknown>>, id: string, ctx: MapContext): IdentityMatch {
  const website = text(account.Website);
  return resolveAccountId(
    { source: ctx.source, sourceId: id, fields: account, domains: website ? [website] : [] },
    ctx.identity,
    ctx.directory,
  );
}

function localDate(timestamp: unknown, dates: LocalDateOfInstant): string {
  const ms = parseSalesforceDateTime(timestamp);
  return Number.isNaN(ms) ? text(timestamp) : dates.date(Math.floor(ms / 1000));
}

export function accountRow(a: SalesforceRecord, ctx: MapContext): ContractRow {
  const s = ctx.settings;
  const row: ContractRow = {
    account_id: accountMatch(a, text(a.Id), ctx).accountId,
    name: text(a.Name),
    owner_email: text(fieldOf(a, 'Owner.Email')),
    created_date: localDate(a.CreatedDate, ctx.dates),
  };
  if (s.segmentField) row.segment = text(a[s.segmentField]);
  if (s.regionField) row.region = text(a[s.regionField]);
  return row;
}

/** The opportunity's account: its Account's Pulse id; an opportunity without an Account names none. */
export function opportunityAccountId(o: SalesforceRecord, ctx: MapContext): string | undefined {
  const id = text(o.AccountId);
  if (!id) return undefined;
  const account = (fieldOf(o, 'Account') ?? {}) as Record<string, unknown>;
  return accountMatch(account, id, ctx).accountId;
}

export function renewalRow(o: SalesforceRecord, accountId: string, ctx: MapContext): ContractRow {
  const s = ctx.settings;
  const outcome = outcomeOf(o, s);
  const row: ContractRow = {
    renewal_id: text(o.Id),
    account_id: accountId,
    due_date: text(o[s.renewalDueDateField]),
    arr_up: amountText(o[s.renewalArrUpField]),
    status: outcome === 'won' ? 'renewed' : outcome === 'lost' ? 'churned' : 'open',
  };
  if (outcome !== 'open') row.closed_date = text(o.CloseDate);
  if (outcome === 'won') row.renewed_arr = amountText(o[s.renewedArrField]);
  if (s.currencyField) row.currency = text(o[s.currencyField]);
  return row;
}

export function expansionRow(
  o: SalesforceRecord,
  type: 'upsell' | 'cross_sell',
  accountId: string,
  ctx: MapContext,
): ContractRow {
  const s = ctx.settings;
  const row: ContractRow = {
    opportunity_id: text(o.Id),
    account_id: accountId,
    type,
    arr: amountText(o[s.expansionArrField]),
    stage: outcomeOf(o, s),
    created_date: localDate(o.CreatedDate, ctx.dates),
    close_date: text(o.CloseDate),
  };
  if (s.currencyField) row.currency = text(o[s.currencyField]);
  return row;
}
