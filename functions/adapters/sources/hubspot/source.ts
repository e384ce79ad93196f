// HubSpot as a contract source (docs/sources-hubspot.md): companies -> accounts, deals -> renewals
// and expansions (functions/domain/sources/hubspot-map.ts).
//
// A full sync lists every company and deal (`after` paging) and the archived ones. A daily sync
// searches what changed since the newest hs_lastmodifieddate the last sync saw, minus an overlap:
// a high-water mark taken from the data, never from this machine's clock. Search is read by keyset
// (every query starts at offset 0: "modified at or after t", ascending; a full page of a single
// millisecond is read by hs_object_id), so the 10,000-result cap of search paging never applies and
// a record modified during the sync moves to the end of the scan instead of shifting a page. A full
// scan runs every `fullScanEveryDays` to catch what search cannot (index lag, merges, restores).
//
// Deletes: an archived deal deletes its renewal and expansion; a deal a daily sync finds in another
// class (its pipeline or type changed) deletes its other record; an archived company deletes its
// unmatched account (`<source>:<id>`), and so does a company that now matches an account. An
// account a company matched is never deleted here: billing owns it.
//
// State (sync state of the source): `hwm:companies`, `hwm:deals` (epoch ms of the newest change
// seen), `full-scan` (when the last full scan finished, to schedule the next), `unmatched` (the
// companies stored under `<source>:<id>`, written before their rows, so a later match can delete).
import { LocalDateOfInstant } from '../../../domain/dates';
import type { AccountDirectory } from '../../../domain/sources/account-identity';
import {
  companyAccount,
  companyRow,
  COMPANY_PROPERTIES,
  dealCompany,
  dealEntity,
  dealRecordId,
  DEAL_PROPERTIES,
  expansionRow,
  hubspotInstant,
  renewalRow,
  type CompanyContext,
  type DealEntity,
} from '../../../domain/sources/hubspot-map';
import type { HubSpotSourceDefinition } from '../../../domain/sources/registry';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../../ports/source';
import type { SyncStateStore } from '../../../ports/sync-state';
import { SourceError } from '../../../ports/source-error';
import { testHooks, type HttpTestHooks } from '../http/client';
import { hubSpotApiFor, type HubSpotApi, type HubSpotObject, type HubSpotPage } from './api';

export const HUBSPOT_STATE = {
  companies: 'hwm:companies',
  deals: 'hwm:deals',
  fullScan: 'full-scan',
  unmatched: 'unmatched',
} as const;

/** Search answers at most 200 records a page; the list endpoints 100. */
const SEARCH_PAGE = 200;
const LIST_PAGE = 100;
const NO_DIRECTORY: AccountDirectory = { byDomain: () => undefined };

export interface HubSpotSourceOptions extends HttpTestHooks {
  definition: HubSpotSourceDefinition;
  timeZone: string;
  /** The token and where it came from (for messages); undefined = none configured. */
  token: () => Promise<{ token: string; from: string } | undefined>;
  /** The billing customers' domains, for `{ "by": "domain" }` rules; without it no domain matches. */
  directory?: AccountDirectory;
  /** Where the sync remembers its high-water marks; without it every run is a full read that deletes nothing. */
  syncState?: SyncStateStore;
  /** Ignore the high-water marks: a full scan. */
  full?: boolean;
}

interface Plan {
  mode: 'full' | 'incremental';
  /** Incremental: epoch ms to search from (the stored mark minus the overlap), per object type. */
  since?: { companies: number; deals: number };
  note?: string;
}

interface Session {
  api: HubSpotApi;
  plan: Plan;
  owners: Map<string, string>;
  /** Company id -> its account id, as resolved in this run. */
  accounts: Map<string, string>;
  /** Companies changed in this run (incremental): their deals are read again, their account may have moved. */
  changedCompanies: Set<string>;
  /** Newest hs_lastmodifieddate seen (or, for a full scan, known when it began), per object type. */
  newest: { companies?: number; deals?: number };
  deals?: Promise<Record<DealEntity, SourceRow[]>>;
  outcomes: Map<string, FileOutcome>;
  /** Companies stored under their unmatched id (from sync state, plus this run's). */
  unmatched: Set<string>;
  /** Unmatched companies whose account this run deleted (matched at last, or archived). */
  gone: Set<string>;
  /** Companies of this run that named no account. */
  unmatchedSeen: number;
}

export class HubSpotSource implements ContractSource {
  readonly description: string;
  private readonly def: HubSpotSourceDefinition;
  private readonly dates: LocalDateOfInstant;
  private readonly now: () => number;
  private session?: Session;

  constructor(private readonly opts: HubSpotSourceOptions) {
    this.def = opts.definition;
    this.description = `hubspot ${this.def.name} ${this.def.hubspot.apiBase}`;
    this.dates = new LocalDateOfInstant(opts.timeZone);
    this.now = opts.now ?? Date.now;
  }

  /** Requests sent in this run (retries included) and 429 answers met. */
  get requests(): { sent: number; throttled: number } {
    return { sent: this.session?.api.requests ?? 0, throttled: this.session?.api.throttled ?? 0 };
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  /** For the run ledger: companies that named no account, requests sent and 429 answers met. */
  counts(): Record<string, number> {
    const { sent, throttled } = this.requests;
    return { unmatched: this.session?.unmatchedSeen ?? 0, requests: sent, throttled };
  }

  async *files(): AsyncGenerator<SourceFile> {
    const session = await this.open();
    const wanted = (['accounts', 'renewals', 'expansions'] as const).filter((e) => this.def.entities.includes(e));
    const scope = session.plan.mode === 'full' ? 'full scan' : 'changes since the last sync';
    const note = session.plan.note ? `; ${session.plan.note}` : '';
    const settle = (entity: string) => (o: FileOutcome) => this.settle(session, entity, o, wanted);
    for (const entity of wanted) {
      if (entity === 'accounts') {
        yield {
          entity,
          name: `HubSpot companies (${scope}${note})`,
          rows: () => this.accountRows(session),
          settle: settle(entity),
        };
      } else {
        const what = entity === 'renewals' ? 'renewal deals' : 'expansion deals';
        yield {
          entity,
          name: `HubSpot ${what} (${scope})`,
          rows: () => this.dealRows(session, entity),
          settle: settle(entity),
        };
      }
    }
  }

  // ---- the run ---------------------------------------------------------------------------

  private async open(): Promise<Session> {
    const cfg = this.def.hubspot;
    const token = await this.opts.token();
    if (!token) {
      throw new SourceError(
        'NO_CREDENTIALS',
        `source "${this.def.name}": no HubSpot token ` +
          `(locally: export ${cfg.tokenEnv}=<the private app's access token>; ` +
          'in AWS: set hubspot.secretName to a Secrets Manager secret)',
      );
    }
    const api = hubSpotApiFor(cfg, token, { ...testHooks(this.opts), now: this.now });
    const session: Session = {
      api,
      plan: { mode: 'full' },
      owners: this.def.entities.includes('accounts') ? await api.owners() : new Map(),
      accounts: new Map(),
      changedCompanies: new Set(),
      newest: {},
      outcomes: new Map(),
      unmatched: new Set(),
      gone: new Set(),
      unmatchedSeen: 0,
    };
    session.plan = await this.plan(session);
    const known = await this.opts.syncState?.get(this.def.name, HUBSPOT_STATE.unmatched);
    if (known) session.unmatched = new Set(JSON.parse(known) as string[]);
    if (session.plan.mode === 'full' && this.opts.syncState) {
      // What the next daily sync starts from: the newest change HubSpot knew when the scan began.
      session.newest = {
        companies: await this.newestChange(api, 'companies'),
        deals: await this.newestChange(api, 'deals'),
      };
    }
    this.session = session;
    return session;
  }

  private async plan(session: Session): Promise<Plan> {
    const state = this.opts.syncState;
    if (!state || this.opts.full) return { mode: 'full' };
    const name = this.def.name;
    const [companies, deals, fullScan] = await Promise.all([
      state.get(name, HUBSPOT_STATE.companies),
      state.get(name, HUBSPOT_STATE.deals),
      state.get(name, HUBSPOT_STATE.fullScan),
    ]);
    if (companies === undefined || deals === undefined || fullScan === undefined)
      return { mode: 'full', note: 'the first sync' };
    const everyMs = this.def.hubspot.fullScanEveryDays * 86_400_000;
    // The schedule of the full scan (not a high-water mark) may read the clock.
    if (this.now() - Date.parse(fullScan) >= everyMs)
      return { mode: 'full', note: `the last full scan was ${fullScan}` };
    const overlap = this.def.hubspot.overlapMinutes * 60_000;
    session.newest = { companies: Number(companies), deals: Number(deals) };
    return { mode: 'incremental', since: { companies: Number(companies) - overlap, deals: Number(deals) - overlap } };
  }

  private async newestChange(api: HubSpotApi, type: 'companies' | 'deals'): Promise<number> {
    const page = await api.request<HubSpotPage<HubSpotObject>>('POST', `/crm/v3/objects/${type}/search`, {
      filterGroups: [],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'DESCENDING' }],
      properties: ['hs_lastmodifieddate'],
      limit: 1,
    });
    return hubspotInstant(page.results?.[0]?.properties.hs_lastmodifieddate) ?? 0;
  }

  private companyProperties(): string[] {
    const fields = this.def.identity.flatMap((r) => (r.by === 'field' ? [r.field] : []));
    return [
      ...new Set([...COMPANY_PROPERTIES, this.def.hubspot.segmentProperty, this.def.hubspot.regionProperty, ...fields]),
    ];
  }

  private dealProperties(): string[] {
    return [...new Set([...DEAL_PROPERTIES, this.def.hubspot.renewals.arrUpProperty])];
  }

  private companyContext(session: Session): CompanyContext {
    return {
      source: this.def.name,
      identity: this.def.identity,
      directory: this.opts.directory ?? NO_DIRECTORY,
      settings: this.def.hubspot,
      owners: session.owners,
      dates: this.dates,
    };
  }

  /** Full: every company. Incremental: the companies changed since the mark. */
  private async *companyPages(session: Session): AsyncGenerator<HubSpotObject[]> {
    const properties = this.companyProperties();
    if (session.plan.mode === 'full') {
      yield* session.api.listPages('/crm/v3/objects/companies', {
        limit: String(LIST_PAGE),
        properties: properties.join(','),
      });
      return;
    }
    yield* this.changedSince(session, 'companies', session.plan.since!.companies, properties);
  }

  /**
   * Records modified at or after `since`, oldest change first, each once per version (a record
   * modified during the scan comes again with its new version). Tracks the newest change seen.
   */
  private async *changedSince(
    session: Session,
    type: 'companies' | 'deals',
    since: number,
    properties: string[],
  ): AsyncGenerator<HubSpotObject[]> {
    const seen = new Map<string, number>();
    const fresh = (results: HubSpotObject[]) => {
      const out: HubSpotObject[] = [];
      for (const r of results) {
        const t = hubspotInstant(r.properties.hs_lastmodifieddate) ?? 0;
        if ((seen.get(r.id) ?? -1) >= t) continue;
        seen.set(r.id, t);
        session.newest[type] = Math.max(session.newest[type] ?? 0, t);
        out.push(r);
      }
      return out;
    };
    const search = (filters: unknown[], sortBy: string) =>
      session.api.request<HubSpotPage<HubSpotObject>>('POST', `/crm/v3/objects/${type}/search`, {
        filterGroups: [{ filters }],
        sorts: [{ propertyName: sortBy, direction: 'ASCENDING' }],
        properties,
        limit: SEARCH_PAGE,
      });
    let from = since;
    for (;;) {
      const page = await search(
        [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(from) }],
        'hs_lastmodifieddate',
      );
      const results = page.results ?? [];
      yield fresh(results);
      if (results.length < SEARCH_PAGE) return;
      const last = hubspotInstant(results[results.length - 1]!.properties.hs_lastmodifieddate) ?? from;
      if (last > from) {
        from = last;
        continue;
      }
      // A full page of one millisecond (a bulk import): that millisecond by id, then the next one.
      let afterId = '0';
      for (;;) {
        const same = await search(
          [
            { propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(from) },
            { propertyName: 'hs_object_id', operator: 'GT', value: afterId },
          ],
          'hs_object_id',
        );
        const r = same.results ?? [];
        yield fresh(r);
        if (r.length < SEARCH_PAGE) break;
        afterId = r[r.length - 1]!.id;
      }
      from += 1;
    }
  }

  /** Archived records: all of them (full), or those archived since the mark. */
  private async *archived(session: Session, type: 'companies' | 'deals'): AsyncGenerator<HubSpotObject> {
    const since = session.plan.mode === 'incremental' ? session.plan.since![type] : undefined;
    for await (const page of session.api.listPages(`/crm/v3/objects/${type}`, {
      limit: String(LIST_PAGE),
      archived: 'true',
      properties: 'hs_lastmodifieddate',
    })) {
      for (const o of page) {
        const at = hubspotInstant(o.archivedAt) ?? hubspotInstant(o.updatedAt);
        if (since === undefined || at === undefined || at >= since) yield o;
      }
    }
  }

  private async *accountRows(session: Session): AsyncGenerator<SourceRow> {
    const ctx = this.companyContext(session);
    const state = this.opts.syncState;
    const unmatchedId = (id: string) => ({ account_id: `${this.def.name}:${id}` });
    let line = 0;
    for await (const page of this.companyPages(session)) {
      const rows: SourceRow[] = [];
      let added = false;
      for (const c of page) {
        const match = companyAccount(c, ctx);
        session.accounts.set(c.id, match.accountId);
        if (session.plan.mode === 'incremental') session.changedCompanies.add(c.id);
        rows.push(row(++line, companyRow(c, match.accountId, ctx)));
        if (!match.matched) {
          session.unmatchedSeen++;
          if (!session.unmatched.has(c.id)) {
            session.unmatched.add(c.id);
            added = true;
          }
          session.gone.delete(c.id);
        } else if (session.unmatched.has(c.id)) {
          rows.push(deletion(++line, unmatchedId(c.id)));
          session.gone.add(c.id);
        }
      }
      // Written ahead of the rows: every unmatched account ever stored is known, so a later match deletes it.
      if (added && state)
        await state.put(this.def.name, HUBSPOT_STATE.unmatched, JSON.stringify([...session.unmatched]));
      yield* rows;
    }
    if (!state) return;
    for await (const c of this.archived(session, 'companies')) {
      if (!session.unmatched.has(c.id)) continue;
      yield deletion(++line, unmatchedId(c.id));
      session.gone.add(c.id);
    }
  }

  private dealRows(session: Session, entity: DealEntity): AsyncIterable<SourceRow> {
    session.deals ??= this.readDeals(session);
    const deals = session.deals;
    return (async function* () {
      yield* (await deals)[entity];
    })();
  }

  /** Every deal of this run, mapped once and split into renewals and expansions. */
  private async readDeals(session: Session): Promise<Record<DealEntity, SourceRow[]>> {
    const out: Record<DealEntity, SourceRow[]> = { renewals: [], expansions: [] };
    const wanted = new Set(this.def.entities);
    const deletes = Boolean(this.opts.syncState);
    const s = this.def.hubspot;
    const properties = this.dealProperties();
    const emit = (entity: DealEntity, r: (line: number) => SourceRow) => {
      if (wanted.has(entity)) out[entity].push(r(out[entity].length + 1));
    };
    const map = async (deals: HubSpotObject[]) => {
      if (deals.length === 0) return;
      const companies = await session.api.associations(
        'deals',
        'companies',
        deals.map((d) => d.id),
      );
      const companyOf = new Map(deals.map((d) => [d.id, dealCompany(companies.get(d.id) ?? [])]));
      const accounts = await this.accountsOf(session, [
        ...new Set([...companyOf.values()].filter((c): c is string => c !== undefined)),
      ]);
      for (const d of deals) {
        const entity = dealEntity(d.properties, s);
        const id = dealRecordId(this.def.name, d.id);
        // A changed deal may have changed class (a full scan reads every deal and deletes none this way).
        for (const other of ['renewals', 'expansions'] as const) {
          if (other !== entity && deletes && session.plan.mode === 'incremental') {
            emit(other, (line) => deletion(line, other === 'renewals' ? { renewal_id: id } : { opportunity_id: id }));
          }
        }
        if (!entity) continue;
        const company = companyOf.get(d.id);
        const accountId = company === undefined ? undefined : accounts.get(company);
        if (accountId === undefined) {
          const reason =
            company === undefined
              ? `deal ${d.id} is associated with no company`
              : `deal ${d.id}: its company ${company} was not found`;
          emit(entity, (line) => ({
            ok: false,
            error: { line, field: 'account_id', reason, raw: JSON.stringify({ id: d.id, ...d.properties }) },
          }));
          continue;
        }
        emit(entity, (line) =>
          row(
            line,
            entity === 'renewals'
              ? renewalRow(d, accountId, this.def.name, s, this.dates)
              : expansionRow(d, accountId, this.def.name, s, this.dates),
          ),
        );
      }
    };
    if (session.plan.mode === 'full') {
      for await (const page of session.api.listPages('/crm/v3/objects/deals', {
        limit: String(LIST_PAGE),
        properties: properties.join(','),
      }))
        await map(page);
    } else {
      const seen = new Set<string>();
      for await (const page of this.changedSince(session, 'deals', session.plan.since!.deals, properties)) {
        for (const d of page) seen.add(d.id);
        await map(page);
      }
      // The deals of a changed company: its account may have moved (a company matched at last).
      if (session.changedCompanies.size > 0) {
        const byCompany = await session.api.associations('companies', 'deals', [...session.changedCompanies]);
        const ids = [...new Set([...byCompany.values()].flat().map((a) => a.id))].filter((id) => !seen.has(id));
        const deals = await session.api.batchRead('deals', ids, properties);
        for (let i = 0; i < deals.length; i += LIST_PAGE) await map(deals.slice(i, i + LIST_PAGE));
      }
    }
    if (deletes) {
      for await (const d of this.archived(session, 'deals')) {
        const id = dealRecordId(this.def.name, d.id);
        emit('renewals', (line) => deletion(line, { renewal_id: id }));
        emit('expansions', (line) => deletion(line, { opportunity_id: id }));
      }
    }
    return out;
  }

  /** Company id -> account id: from this run's companies, else read (batch) and resolved. */
  private async accountsOf(session: Session, companyIds: string[]): Promise<Map<string, string>> {
    const missing = companyIds.filter((id) => !session.accounts.has(id));
    if (missing.length > 0) {
      const ctx = this.companyContext(session);
      for (const c of await session.api.batchRead('companies', missing, this.companyProperties()))
        session.accounts.set(c.id, companyAccount(c, ctx).accountId);
    }
    return session.accounts;
  }

  /** Once every file of the run is stored: the high-water marks (and the full scan's date). */
  private async settle(
    session: Session,
    entity: string,
    outcome: FileOutcome,
    wanted: readonly string[],
  ): Promise<string | undefined> {
    session.outcomes.set(entity, outcome);
    const state = this.opts.syncState;
    if (!state || entity !== wanted[wanted.length - 1]) return undefined;
    if (wanted.some((e) => session.outcomes.get(e) !== 'processed'))
      return 'high-water marks kept (a file failed; the next run reads the same changes again)';
    const name = this.def.name;
    const { companies, deals } = session.newest;
    if (companies !== undefined) await state.put(name, HUBSPOT_STATE.companies, String(companies));
    if (deals !== undefined) await state.put(name, HUBSPOT_STATE.deals, String(deals));
    if (session.plan.mode === 'full') await state.put(name, HUBSPOT_STATE.fullScan, new Date(this.now()).toISOString());
    if (session.gone.size > 0) {
      for (const id of session.gone) session.unmatched.delete(id);
      await state.put(name, HUBSPOT_STATE.unmatched, JSON.stringify([...session.unmatched]));
    }
    const at = (ms?: number) => (ms === undefined ? 'none' : new Date(ms).toISOString());
    return `synced up to companies ${at(companies)}, deals ${at(deals)}`;
  }
}

function row(line: number, fields: Record<string, string>): SourceRow {
  return { ok: true, row: { line, fields, raw: JSON.stringify(fields) } };
}

function deletion(line: number, fields: Record<string, string>): SourceRow {
  return { ok: true, row: { line, fields, raw: JSON.stringify({ ...fields, deleted: true }), deleted: true } };
}
