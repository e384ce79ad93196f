// Salesforce as a contract source: Accounts -> accounts, Opportunities -> renewals and expansions
// (map.ts), read with SOQL through the REST API (api.ts).
//
// A first sync (or `--full`, or an export) reads every record. A daily sync reads the records whose
// SystemModstamp is at or after the newest one the last sync saw, minus `overlapMinutes` (the mark
// comes from the data, never from this machine's clock, and the overlap covers transactions that
// commit late), and the records deleted since through queryAll (`IsDeleted = true`). Re-reading a
// record is harmless (its row replaces itself). An Account that changed also has its
// Opportunities re-read, since they belong to the Account's Pulse id, which may have changed.
//
// State (sync state of the source): `hwm:Account`, `hwm:Opportunity` = the newest SystemModstamp
// seen (ISO), written once the rows it covers are stored.
import { LocalDateOfInstant } from '../../../domain/dates';
import type { AccountDirectory } from '../../../domain/sources/account-identity';
import type { SalesforceSourceDefinition } from '../../../domain/sources/registry';
import type { EntityName } from '../../../domain/contract/entities';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../../ports/source';
import type { SyncStateStore } from '../../../ports/sync-state';
import { SourceError } from '../../../ports/source-error';
import {
  formatUsage,
  parseSalesforceDateTime,
  soqlDateTime,
  soqlString,
  type SalesforceApi,
  type SalesforceRecord,
} from './api';
import {
  accountMatch,
  accountRow,
  classifyOpportunity,
  expansionRow,
  opportunityAccountId,
  renewalRow,
  type MapContext,
} from './map';

export const SALESFORCE_STATE = { hwm: (object: SObject) => `hwm:${object}` } as const;

type SObject = 'Account' | 'Opportunity';
type OpportunityEntity = 'renewals' | 'expansions';

/** Every query reads in modification order: a mark taken from the data is where the next sync starts. */
const BY_MODSTAMP = 'ORDER BY SystemModstamp, Id';

/** How many Account ids one `AccountId IN (...)` query carries. */
const ACCOUNT_CHUNK = 100;

const NO_DOMAINS: AccountDirectory = { byDomain: () => undefined };

export interface SalesforceSourceOptions {
  definition: SalesforceSourceDefinition;
  timeZone: string;
  api: SalesforceApi;
  /** Where the sync remembers its marks; without it every run reads everything and deletes nothing (an export). */
  syncState?: SyncStateStore;
  /** Ignore the high-water marks: read every record (and every delete still in the recycle bin). */
  full?: boolean;
  /** The billing accounts by e-mail domain, for the `domain` identity rule; absent = no domain matches. */
  directory?: AccountDirectory;
  /** Milliseconds this invocation has left (Lambda): a first sync stops between pages before it runs out. */
  remainingMs?: () => number;
  /** Stop when fewer ms than this are left (default 60 s). */
  stopWithMsLeft?: number;
}

interface Plan {
  /** Per object: the SystemModstamp to read from (epoch ms), undefined = everything. */
  since: Partial<Record<SObject, number>>;
  /** Something was synced before: deletes are read and rows that moved are deleted. */
  hasHistory: boolean;
}

interface Session {
  plan: Plan;
  newest: Partial<Record<SObject, number>>;
  /** Accounts changed in this (incremental) run, whose Opportunities are re-read. */
  changedAccounts: Set<string>;
  /** Rows of the other opportunity entity, kept while the first one streams (one read serves both). */
  stash: Map<OpportunityEntity, SourceRow[]>;
  opportunitiesRead: boolean;
  outcomes: Map<EntityName, FileOutcome>;
  /** A Salesforce error that ends the run (a spent quota, a refused token ...). */
  fatal?: SourceError;
  /** Accounts read that matched no Pulse account (they keep `<source>:<Id>`). */
  unmatched: number;
  /** A first sync stopped to stay inside the invocation's time; the next run continues from the marks. */
  stoppedEarly: boolean;
}

export class SalesforceSource implements ContractSource {
  readonly description: string;
  private readonly def: SalesforceSourceDefinition;
  private readonly ctx: MapContext;
  private session?: Session;

  constructor(private readonly opts: SalesforceSourceOptions) {
    this.def = opts.definition;
    this.description = `salesforce ${this.def.name} ${this.def.salesforce.instanceUrl}`;
    this.ctx = {
      source: this.def.name,
      settings: this.def.salesforce,
      identity: this.def.identity,
      directory: opts.directory ?? NO_DOMAINS,
      dates: new LocalDateOfInstant(opts.timeZone),
    };
  }

  /** Requests sent in this run, and the org's API quota as Salesforce last reported it. */
  get requests(): number {
    return this.opts.api.requests;
  }

  get apiUsage(): string {
    return formatUsage(this.opts.api.usage);
  }

  /** For the run ledger: Accounts that matched no Pulse account, requests sent, and the org's quota. */
  counts(): Record<string, number> {
    const usage = this.opts.api.usage;
    return {
      unmatched: this.session?.unmatched ?? 0,
      apiRequests: this.opts.api.requests,
      ...(usage ? { apiUsage: usage.used, apiLimit: usage.max } : {}),
    };
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  continues(): boolean {
    return this.session?.stoppedEarly ?? false;
  }

  async *files(): AsyncGenerator<SourceFile> {
    const session: Session = {
      plan: await this.plan(),
      newest: {},
      changedAccounts: new Set(),
      stash: new Map(),
      opportunitiesRead: false,
      outcomes: new Map(),
      unmatched: 0,
      stoppedEarly: false,
    };
    this.session = session;
    const wanted = (e: EntityName) => (this.def.entities as readonly string[]).includes(e);
    const scope = (o: SObject) => {
      const since = session.plan.since[o];
      return since === undefined ? 'all records' : `modified since ${new Date(since).toISOString()}`;
    };
    const oppFiles = (['renewals', 'expansions'] as const).filter(wanted);
    if (wanted('accounts')) {
      yield {
        entity: 'accounts',
        name: `Salesforce Accounts (${scope('Account')})`,
        rows: () => this.guard(session, this.accountRows(session)),
        settle: (o) => this.settleAccounts(session, o, oppFiles),
      };
      this.endIfFatal(session);
      if (session.stoppedEarly) return;
    }
    for (const entity of oppFiles) {
      yield {
        entity,
        name: `Salesforce Opportunities -> ${entity} (${scope('Opportunity')}; ${this.apiUsage})`,
        rows: () => this.guard(session, this.opportunityFile(session, entity, oppFiles)),
        settle: (o) => this.settleOpportunities(session, entity, o, oppFiles),
      };
      this.endIfFatal(session);
    }
  }

  // ---- the run ---------------------------------------------------------------------------

  private async plan(): Promise<Plan> {
    const state = this.opts.syncState;
    if (!state) return { since: {}, hasHistory: false };
    const marks = await Promise.all(
      (['Account', 'Opportunity'] as const).map((o) => state.get(this.def.name, SALESFORCE_STATE.hwm(o))),
    );
    const hasHistory = marks.some((m) => m !== undefined);
    if (this.opts.full) return { since: {}, hasHistory };
    const overlap = this.def.salesforce.overlapMinutes * 60_000;
    const since: Plan['since'] = {};
    (['Account', 'Opportunity'] as const).forEach((o, i) => {
      const ms = marks[i] === undefined ? Number.NaN : Date.parse(marks[i]!);
      if (!Number.isNaN(ms)) since[o] = ms - overlap;
    });
    return { since, hasHistory };
  }

  /** A Salesforce error ends the run: the file fails with it, and no further file starts. */
  private async *guard(session: Session, rows: AsyncGenerator<SourceRow>): AsyncGenerator<SourceRow> {
    try {
      yield* rows;
    } catch (err) {
      if (err instanceof SourceError) session.fatal = err;
      throw err;
    }
  }

  private endIfFatal(session: Session): void {
    if (session.fatal) throw session.fatal;
  }

  /**
   * Only a first sync (nothing synced before) stops early: its records come in SystemModstamp order,
   * so the marks it stores are where the next run continues, as a daily sync.
   */
  private outOfTime(session: Session): boolean {
    const left = this.opts.remainingMs;
    if (!left || session.plan.hasHistory || left() >= (this.opts.stopWithMsLeft ?? 60_000)) return false;
    session.stoppedEarly = true;
    return true;
  }

  private seen(session: Session, object: SObject, record: SalesforceRecord): void {
    const ms = parseSalesforceDateTime(record.SystemModstamp);
    if (!Number.isNaN(ms) && ms > (session.newest[object] ?? Number.NEGATIVE_INFINITY)) session.newest[object] = ms;
  }

  private where(session: Session, object: SObject, ...more: string[]): string {
    const since = session.plan.since[object];
    const conditions = [...(since === undefined ? [] : [`SystemModstamp >= ${soqlDateTime(since)}`]), ...more];
    return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  }

  private accountFields(): string[] {
    const s = this.def.salesforce;
    const identity = this.def.identity.flatMap((r) => (r.by === 'field' ? [r.field] : []));
    return unique([
      'Id',
      'Name',
      'Website',
      'OwnerId',
      'Owner.Email',
      'CreatedDate',
      'SystemModstamp',
      ...identity,
      ...(s.segmentField ? [s.segmentField] : []),
      ...(s.regionField ? [s.regionField] : []),
    ]);
  }

  private async *accountRows(session: Session): AsyncGenerator<SourceRow> {
    const api = this.opts.api;
    const incremental = session.plan.since.Account !== undefined;
    let line = 0;
    const fields = this.accountFields().join(', ');
    const soql = `SELECT ${fields} FROM Account${this.where(session, 'Account')} ${BY_MODSTAMP}`;
    for await (const page of api.query(soql)) {
      for (const a of page) {
        this.seen(session, 'Account', a);
        const row = accountRow(a, this.ctx);
        const unmatched = row.account_id === `${this.def.name}:${String(a.Id)}`;
        if (unmatched) session.unmatched++;
        yield ok(++line, row);
        if (incremental) session.changedAccounts.add(String(a.Id));
        // Matched now: a row it had while unmatched (`<source>:<Id>`) goes.
        if (session.plan.hasHistory && !unmatched)
          yield del(++line, { account_id: `${this.def.name}:${String(a.Id)}` });
      }
      if (this.outOfTime(session)) return;
    }
    if (!session.plan.hasHistory) return;
    // A deleted Account's own row goes; an Account matched to a billing account leaves that account to billing.
    const identity = this.def.identity.flatMap((r) => (r.by === 'field' ? [r.field] : []));
    const goneFields = unique(['Id', 'Website', 'SystemModstamp', ...identity]).join(', ');
    const gone = this.where(session, 'Account', 'IsDeleted = true');
    const deleted = `SELECT ${goneFields} FROM Account${gone} ${BY_MODSTAMP}`;
    for await (const page of api.query(deleted, { all: true })) {
      for (const a of page) {
        this.seen(session, 'Account', a);
        const match = accountMatch(a, String(a.Id), this.ctx);
        if (!match.matched) yield del(++line, { account_id: match.accountId });
      }
    }
  }

  private opportunityFields(): string[] {
    const s = this.def.salesforce;
    const identity = this.def.identity.flatMap((r) => (r.by === 'field' ? [`Account.${r.field}`] : []));
    const recordTypes = s.renewalRecordTypes.length > 0 || Object.keys(s.expansionRecordTypes).length > 0;
    return unique([
      'Id',
      'AccountId',
      'Account.Website',
      ...identity,
      'Type',
      ...(recordTypes ? ['RecordType.DeveloperName'] : []),
      'StageName',
      'IsClosed',
      'IsWon',
      'CloseDate',
      'CreatedDate',
      'SystemModstamp',
      s.expansionArrField,
      s.renewalArrUpField,
      s.renewedArrField,
      s.renewalDueDateField,
      ...(s.currencyField ? [s.currencyField] : []),
    ]);
  }

  /** The rows of one opportunity entity; the first such file reads Salesforce and keeps the other's rows. */
  private async *opportunityFile(
    session: Session,
    entity: OpportunityEntity,
    files: readonly OpportunityEntity[],
  ): AsyncGenerator<SourceRow> {
    if (session.opportunitiesRead) {
      yield* session.stash.get(entity) ?? [];
      session.stash.delete(entity);
      return;
    }
    session.opportunitiesRead = true;
    const lines = new Map<OpportunityEntity, number>([
      ['renewals', 0],
      ['expansions', 0],
    ]);
    for await (const [target, make] of this.opportunityRows(session)) {
      if (!files.includes(target)) continue;
      const line = lines.get(target)! + 1;
      lines.set(target, line);
      const row = make(line);
      if (target === entity) yield row;
      else session.stash.set(target, [...(session.stash.get(target) ?? []), row]);
    }
  }

  /** Every changed Opportunity as (entity, row), and deletes: of deleted ones, and of the entity one no longer is. */
  private async *opportunityRows(session: Session): AsyncGenerator<[OpportunityEntity, (line: number) => SourceRow]> {
    const api = this.opts.api;
    const fields = this.opportunityFields().join(', ');
    const done = new Set<string>();
    const history = session.plan.hasHistory;
    const self = this;
    async function* mapped(
      records: SalesforceRecord[],
    ): AsyncGenerator<[OpportunityEntity, (line: number) => SourceRow]> {
      for (const o of records) {
        const id = String(o.Id);
        if (done.has(id)) continue;
        done.add(id);
        const kind = classifyOpportunity(o, self.def.salesforce);
        if (history) {
          // Reclassified (its Type changed): the row it had in the other entity goes.
          for (const e of ['renewals', 'expansions'] as const)
            if (e !== kind.entity) yield [e, (line) => del(line, idRow(e, id))];
        }
        if (kind.entity === undefined) continue;
        const accountId = opportunityAccountId(o, self.ctx);
        if (accountId === undefined) {
          const raw = JSON.stringify(o);
          yield [
            kind.entity,
            (line) => ({
              ok: false,
              error: { line, field: 'account_id', reason: `Opportunity ${id} has no Account`, raw },
            }),
          ];
          continue;
        }
        const row =
          kind.entity === 'renewals'
            ? renewalRow(o, accountId, self.ctx)
            : expansionRow(o, kind.type, accountId, self.ctx);
        yield [kind.entity, (line) => ok(line, row)];
      }
    }
    const soql = `SELECT ${fields} FROM Opportunity${this.where(session, 'Opportunity')} ${BY_MODSTAMP}`;
    for await (const page of api.query(soql)) {
      for (const o of page) this.seen(session, 'Opportunity', o);
      yield* mapped(page);
      if (this.outOfTime(session)) return;
    }
    // The Opportunities of changed Accounts: their account id follows the Account's identity.
    const accounts = [...session.changedAccounts];
    for (let i = 0; i < accounts.length; i += ACCOUNT_CHUNK) {
      const ids = accounts
        .slice(i, i + ACCOUNT_CHUNK)
        .map(soqlString)
        .join(', ');
      for await (const page of api.query(
        `SELECT ${fields} FROM Opportunity WHERE AccountId IN (${ids}) ${BY_MODSTAMP}`,
      ))
        yield* mapped(page);
    }
    if (!history) return;
    const gone = this.where(session, 'Opportunity', 'IsDeleted = true');
    const deleted = `SELECT Id, SystemModstamp FROM Opportunity${gone} ${BY_MODSTAMP}`;
    for await (const page of api.query(deleted, { all: true })) {
      for (const o of page) {
        this.seen(session, 'Opportunity', o);
        const id = String(o.Id);
        for (const e of ['renewals', 'expansions'] as const) yield [e, (line) => del(line, idRow(e, id))];
      }
    }
  }

  // ---- after the rows are stored -----------------------------------------------------------

  /**
   * The Account mark waits for the Opportunities: an Account changed in this run has its
   * Opportunities re-read, and if they were not stored, the next run must see that Account again.
   */
  private async settleAccounts(
    session: Session,
    outcome: FileOutcome,
    oppFiles: readonly OpportunityEntity[],
  ): Promise<string | undefined> {
    session.outcomes.set('accounts', outcome);
    if (outcome !== 'processed' || (oppFiles.length > 0 && !session.stoppedEarly)) return undefined;
    return this.storeMarks(session, ['Account']);
  }

  private async settleOpportunities(
    session: Session,
    entity: OpportunityEntity,
    outcome: FileOutcome,
    files: readonly OpportunityEntity[],
  ): Promise<string | undefined> {
    session.outcomes.set(entity, outcome);
    if (entity !== files[files.length - 1]) return undefined;
    // The mark covers both entities: stored only when every one of them was stored.
    if (!files.every((e) => session.outcomes.get(e) === 'processed')) return undefined;
    const accounts = this.def.entities.includes('accounts') && session.outcomes.get('accounts') === 'processed';
    return this.storeMarks(session, accounts ? ['Account', 'Opportunity'] : ['Opportunity']);
  }

  private async storeMarks(session: Session, objects: SObject[]): Promise<string> {
    const state = this.opts.syncState;
    const notes: string[] = [];
    for (const object of objects) {
      const newest = session.newest[object];
      if (!state || newest === undefined) {
        notes.push(`${object}: nothing new`);
        continue;
      }
      const mark = new Date(newest).toISOString();
      await state.put(this.def.name, SALESFORCE_STATE.hwm(object), mark);
      notes.push(`${object} synced up to SystemModstamp ${mark}`);
    }
    return `${notes.join(', ')}; ${this.apiUsage}`;
  }
}

function unique(fields: string[]): string[] {
  return [...new Set(fields)];
}

function ok(line: number, fields: Record<string, string>): SourceRow {
  return { ok: true, row: { line, fields, raw: JSON.stringify(fields) } };
}

function del(line: number, fields: Record<string, string>): SourceRow {
  return { ok: true, row: { line, fields, raw: JSON.stringify({ ...fields, deleted: true }), deleted: true } };
}

function idRow(entity: OpportunityEntity, id: string): Record<string, string> {
  return entity === 'renewals' ? { renewal_id: id } : { opportunity_id: id };
}
