// HubSpot records -> contract rows (docs/sources-hubspot.md): a company is an account, named by
// the source's identity rules; a deal is a renewal or an expansion by its pipeline or deal type,
// won / lost / open by its stage. Money stays the text HubSpot gave (exact; the contract's
// validator checks its decimals); timestamps become calendar dates in the company's time zone.
import type { LocalDateOfInstant } from '../dates';
import {
  resolveAccountId,
  type AccountDirectory,
  type AccountIdentityRule,
  type IdentityMatch,
} from './account-identity';
import type { HubSpotSettings } from './hubspot-definition';

export type Properties = Readonly<Record<string, string | null | undefined>>;

/** The company properties the connector reads (plus the identity fields and the configured ones). */
export const COMPANY_PROPERTIES = [
  'name',
  'domain',
  'website',
  'hubspot_owner_id',
  'createdate',
  'hs_lastmodifieddate',
] as const;
export const DEAL_PROPERTIES = [
  'dealname',
  'amount',
  'closedate',
  'createdate',
  'pipeline',
  'dealstage',
  'dealtype',
  'deal_currency_code',
  'hs_is_closed',
  'hs_is_closed_won',
  'hs_lastmodifieddate',
] as const;

export type DealEntity = 'renewals' | 'expansions';
export type DealStage = 'won' | 'lost' | 'open';

const text = (v: string | null | undefined): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};
const lower = (values: readonly string[]) => new Set(values.map((v) => v.toLowerCase()));

/** Epoch ms of a HubSpot datetime (ISO 8601, or epoch ms as text); undefined when absent or unreadable. */
export function hubspotInstant(v: string | null | undefined): number | undefined {
  const t = text(v);
  if (t === undefined) return undefined;
  const ms = /^\d+$/.test(t) ? Number(t) : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

function localDate(v: string | null | undefined, dates: LocalDateOfInstant): string | undefined {
  const ms = hubspotInstant(v);
  return ms === undefined ? undefined : dates.date(Math.floor(ms / 1000));
}

export interface CompanyContext {
  /** The source's name in config: the prefix of an unmatched company's account id. */
  source: string;
  identity: readonly AccountIdentityRule[];
  directory: AccountDirectory;
  settings: Pick<HubSpotSettings, 'segmentProperty' | 'regionProperty'>;
  /** Owner id -> e-mail (the owners API). */
  owners: ReadonlyMap<string, string>;
  dates: LocalDateOfInstant;
}

/** The Pulse account a company names (or `<source>:<id>` when it names none). */
export function companyAccount(
  company: { id: string; properties: Properties },
  ctx: Pick<CompanyContext, 'source' | 'identity' | 'directory'>,
): IdentityMatch {
  const p = company.properties;
  const domains = [p.domain, p.website].map(text).filter((d): d is string => d !== undefined);
  return resolveAccountId(
    { source: ctx.source, sourceId: company.id, fields: p, domains },
    ctx.identity,
    ctx.directory,
  );
}

/** A company as an accounts row. A company without a name is named by its domain, else its id, so it stays visible. */
export function companyRow(
  company: { id: string; properties: Properties },
  accountId: string,
  ctx: CompanyContext,
): Record<string, string> {
  const p = company.properties;
  const row: Record<string, string> = {
    account_id: accountId,
    name: text(p.name) ?? text(p.domain) ?? `HubSpot company ${company.id}`,
  };
  const segment = text(p[ctx.settings.segmentProperty]);
  if (segment) row.segment = segment;
  const owner = text(p.hubspot_owner_id);
  const email = owner === undefined ? undefined : ctx.owners.get(owner);
  if (email) row.owner_email = email;
  const region = text(p[ctx.settings.regionProperty]);
  if (region) row.region = region;
  const created = localDate(p.createdate, ctx.dates);
  if (created) row.created_date = created;
  return row;
}

/** Renewal, expansion, or neither (a new-business deal): a renewal pipeline or type wins over an expansion one. */
export function dealEntity(p: Properties, s: Pick<HubSpotSettings, 'renewals' | 'expansions'>): DealEntity | undefined {
  const pipeline = text(p.pipeline) ?? '';
  const type = (text(p.dealtype) ?? '').toLowerCase();
  if (s.renewals.pipelines.includes(pipeline) || lower(s.renewals.dealTypes).has(type)) return 'renewals';
  if (s.expansions.pipelines.includes(pipeline) || lower(s.expansions.dealTypes).has(type)) return 'expansions';
  return undefined;
}

/** A stage named in config wins; else HubSpot's own closed-won / closed flags of the deal's stage. */
export function dealStage(p: Properties, stages: HubSpotSettings['stages']): DealStage {
  const stage = text(p.dealstage) ?? '';
  if (stages.won.includes(stage)) return 'won';
  if (stages.lost.includes(stage)) return 'lost';
  if (stages.open.includes(stage)) return 'open';
  if (text(p.hs_is_closed_won) === 'true') return 'won';
  if (text(p.hs_is_closed) === 'true') return 'lost';
  return 'open';
}

const RENEWAL_STATUS: Record<DealStage, string> = { won: 'renewed', lost: 'churned', open: 'open' };

/** `<source>:<deal id>`: a deal's renewal or opportunity id. */
export const dealRecordId = (source: string, dealId: string): string => `${source}:${dealId}`;

/**
 * A deal as a renewals row: due on its close date, ARR up from the configured property (default
 * the amount); won = renewed at the amount, lost = churned, both closed on the close date.
 */
export function renewalRow(
  deal: { id: string; properties: Properties },
  accountId: string,
  source: string,
  s: HubSpotSettings,
  dates: LocalDateOfInstant,
): Record<string, string> {
  const p = deal.properties;
  const stage = dealStage(p, s.stages);
  const row: Record<string, string> = {
    renewal_id: dealRecordId(source, deal.id),
    account_id: accountId,
    status: RENEWAL_STATUS[stage],
  };
  const close = localDate(p.closedate, dates);
  if (close) row.due_date = close;
  const arrUp = text(p[s.renewals.arrUpProperty]);
  if (arrUp) row.arr_up = arrUp;
  if (stage !== 'open' && close) row.closed_date = close;
  const amount = text(p.amount);
  if (stage === 'won' && amount) row.renewed_arr = amount;
  const currency = text(p.deal_currency_code);
  if (currency) row.currency = currency;
  return row;
}

/** A deal as an expansions row: cross-sell by deal type, else upsell; its amount as ARR. */
export function expansionRow(
  deal: { id: string; properties: Properties },
  accountId: string,
  source: string,
  s: HubSpotSettings,
  dates: LocalDateOfInstant,
): Record<string, string> {
  const p = deal.properties;
  const crossSell = lower(s.expansions.crossSellDealTypes).has((text(p.dealtype) ?? '').toLowerCase());
  const row: Record<string, string> = {
    opportunity_id: dealRecordId(source, deal.id),
    account_id: accountId,
    type: crossSell ? 'cross_sell' : 'upsell',
    stage: dealStage(p, s.stages),
  };
  const amount = text(p.amount);
  if (amount) row.arr = amount;
  const created = localDate(p.createdate, dates);
  if (created) row.created_date = created;
  const close = localDate(p.closedate, dates);
  if (close) row.close_date = close;
  const currency = text(p.deal_currency_code);
  if (currency) row.currency = currency;
  return row;
}

/** HubSpot's association type of a deal's primary company (deal_to_company, primary). */
export const PRIMARY_DEAL_TO_COMPANY = 5;

/** The company a deal belongs to: its primary company, else the first associated. */
export function dealCompany(associated: readonly { id: string; typeIds: readonly number[] }[]): string | undefined {
  return (associated.find((a) => a.typeIds.includes(PRIMARY_DEAL_TO_COMPANY)) ?? associated[0])?.id;
}
