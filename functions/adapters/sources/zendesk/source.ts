// Zendesk Support as a contract source, on Pulse's own HTTP client (./../http/client.ts): the
// official `node-zendesk` client returns instead of throwing on a 429, so a list could end early
// without saying so; here every page is retried on 429 with its Retry-After, and any other failure
// ends the run with the status and Zendesk's answer.
//
// One run: every organization (cursor pages) resolved to its Pulse account by the source's
// identity rules; the satisfaction ratings since the newest one seen (minus an overlap); then the
// incremental ticket export (`start_time` on the first sync, the stored `after_cursor` after it,
// page after page until `end_of_stream`), with the `metric_sets` sideload for `solved_at`. Tickets
// rated in the window but not in the export are read with `show_many`. Deleted tickets (status
// `deleted`) are deletes.
//
// State (sync state of the source), written once the rows are stored: `tickets:cursor` = the
// export's `after_cursor` of its last page, `ratings:hwm` = the newest rating's `updated_at` (Unix
// seconds). Both come from Zendesk's answers, never from this machine's clock.
import { LocalDateOfInstant } from '../../../domain/dates';
import {
  EMPTY_DIRECTORY,
  resolveAccountId,
  unmatchedAccountId,
  type AccountDirectory,
} from '../../../domain/sources/account-identity';
import type { ZendeskSourceDefinition } from '../../../domain/sources/registry';
import type { ContractSource, FileOutcome, SourceFile, SourceRow } from '../../../ports/source';
import type { SyncStateStore } from '../../../ports/sync-state';
import { requestJson, retrySettings, testHooks, type HttpClientOptions, type HttpTestHooks } from '../http/client';
import { SourceError } from '../../../ports/source-error';
import {
  ticketRow,
  type ZendeskMetricSet,
  type ZendeskOrganization,
  type ZendeskRating,
  type ZendeskTicket,
} from './map';

export const ZENDESK_STATE = { cursor: 'tickets:cursor', ratings: 'ratings:hwm' } as const;
const LIST_PAGE = 100;
const SHOW_MANY = 100;

export interface ZendeskCredentials {
  email: string;
  token: string;
  /** Where they came from, for messages. */
  from: string;
}

export interface ZendeskSourceOptions extends HttpTestHooks {
  definition: ZendeskSourceDefinition;
  timeZone: string;
  credentials: () => Promise<ZendeskCredentials | undefined>;
  /** Billing accounts by e-mail domain, for the `{ "by": "domain" }` rule (none: only field rules match). */
  accountDirectory?: AccountDirectory;
  /** Without it every run reads all history and remembers nothing (an export). */
  syncState?: SyncStateStore;
  /** Ignore the stored cursor: read every ticket again. */
  full?: boolean;
}

interface Session {
  headers: Record<string, string>;
  /** Organization id -> Pulse account id (`<source>:<id>` when unmatched). */
  accounts: Map<number, { accountId: string; matched: boolean }>;
  /** Ticket id -> its newest listed rating. */
  ratings: Map<number, ZendeskRating>;
  ratingsHwm?: number;
  /** The cursor the export ended on (stored once the rows are). */
  cursor?: string;
  startedFrom: string;
}

export class ZendeskSource implements ContractSource {
  readonly description: string;
  private readonly def: ZendeskSourceDefinition;
  private readonly dates: LocalDateOfInstant;
  private readonly http: HttpClientOptions;
  private readonly directory: AccountDirectory;
  private unmatchedTickets = 0;
  /** Requests sent in this run (retries not included). */
  requests = 0;

  constructor(private readonly opts: ZendeskSourceOptions) {
    this.def = opts.definition;
    this.description = `zendesk ${this.def.name} ${this.def.zendesk.apiBase}`;
    this.dates = new LocalDateOfInstant(opts.timeZone);
    this.directory = opts.accountDirectory ?? EMPTY_DIRECTORY;
    this.http = {
      ...retrySettings(this.def.zendesk),
      ...testHooks(opts),
    };
  }

  /** Named counts for the run ledger: tickets kept under their source id because no account matched. */
  counts(): Record<string, number> {
    return { unmatched: this.unmatchedTickets };
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  async *files(): AsyncGenerator<SourceFile> {
    if (!this.def.entities.includes('tickets')) return;
    const session = await this.open();
    yield {
      entity: 'tickets',
      name: `Zendesk tickets (${session.startedFrom})`,
      rows: () => this.ticketRows(session),
      settle: (outcome: FileOutcome) => this.settle(session, outcome),
    };
  }

  // ---- the run ---------------------------------------------------------------------------

  private async open(): Promise<Session> {
    const creds = await this.opts.credentials();
    const z = this.def.zendesk;
    if (!creds) {
      throw new SourceError(
        'NO_CREDENTIALS',
        `source "${this.def.name}": no Zendesk API token (locally: export ${z.emailEnv}=agent@example.com ${z.tokenEnv}=...; in AWS: set zendesk.secretName to a Secrets Manager secret {"email","token"})`,
      );
    }
    const headers = { authorization: `Basic ${Buffer.from(`${creds.email}/token:${creds.token}`).toString('base64')}` };
    const state = this.opts.full ? undefined : this.opts.syncState;
    const [cursor, ratingsText] = state
      ? await Promise.all([
          state.get(this.def.name, ZENDESK_STATE.cursor),
          state.get(this.def.name, ZENDESK_STATE.ratings),
        ])
      : [undefined, undefined];
    const session: Session = {
      headers,
      accounts: new Map(),
      ratings: new Map(),
      ...(cursor ? { cursor } : {}),
      startedFrom: cursor ? 'changes since the last sync' : `full export since ${z.startDate}`,
    };
    await this.readOrganizations(session);
    const ratingsSince = ratingsText === undefined ? undefined : Math.max(0, Number(ratingsText) - z.overlapSeconds);
    await this.readRatings(session, ratingsSince);
    return session;
  }

  private url(path: string, query: Record<string, string | number | undefined>): string {
    const u = new URL(path, this.def.zendesk.apiBase);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Cursor pages of a list endpoint (`page[size]`, `meta.has_more`, `meta.after_cursor`). */
  private async *cursorPages<T>(
    session: Session,
    path: string,
    key: string,
    query: Record<string, string | number | undefined> = {},
  ): AsyncGenerator<T[]> {
    let after: string | undefined;
    for (let page = 0; page < this.def.zendesk.maxPages; page++) {
      const url = this.url(path, { ...query, 'page[size]': LIST_PAGE, 'page[after]': after });
      const body = await this.fetchJson<Record<string, unknown>>(session, url, `Zendesk ${path}`);
      const items = body[key];
      if (!Array.isArray(items))
        throw new SourceError('BAD_RESPONSE', `Zendesk ${path} answered without a "${key}" list`);
      yield items as T[];
      const meta = body.meta as { has_more?: boolean; after_cursor?: string | null } | undefined;
      if (!meta?.has_more || !meta.after_cursor) return;
      after = meta.after_cursor;
    }
    throw new SourceError('TOO_MANY_PAGES', `Zendesk ${path}: more than maxPages ${this.def.zendesk.maxPages} pages`);
  }

  private async fetchJson<T>(session: Session, url: string, what: string): Promise<T> {
    this.requests++;
    const res = await requestJson(
      url,
      { headers: session.headers },
      this.http,
      `${what} (${this.def.zendesk.apiBase})`,
    );
    if (typeof res.body !== 'object' || res.body === null)
      throw new SourceError('BAD_RESPONSE', `${what} answered ${res.status} without a JSON object`);
    return res.body as T;
  }

  private async readOrganizations(session: Session): Promise<void> {
    for await (const page of this.cursorPages<ZendeskOrganization>(session, '/api/v2/organizations', 'organizations')) {
      for (const org of page) {
        const match = resolveAccountId(
          {
            source: this.def.name,
            sourceId: String(org.id),
            fields: { ...(org.organization_fields ?? {}), ...org },
            domains: org.domain_names ?? [],
          },
          this.def.identity,
          this.directory,
        );
        session.accounts.set(org.id, { accountId: match.accountId, matched: match.matched });
      }
    }
  }

  private async readRatings(session: Session, since: number | undefined): Promise<void> {
    for await (const page of this.cursorPages<ZendeskRating>(
      session,
      '/api/v2/satisfaction_ratings',
      'satisfaction_ratings',
      { start_time: since },
    )) {
      for (const r of page) {
        const seen = session.ratings.get(r.ticket_id);
        if (!seen || r.updated_at >= seen.updated_at) session.ratings.set(r.ticket_id, r);
        const at = Math.floor(Date.parse(r.updated_at) / 1000);
        if (Number.isFinite(at) && (session.ratingsHwm === undefined || at > session.ratingsHwm))
          session.ratingsHwm = at;
      }
    }
  }

  private accountOf(session: Session, t: ZendeskTicket): { accountId: string; matched: boolean } {
    if (t.organization_id === null || t.organization_id === undefined) {
      // No organization: nothing names an account; the ticket stays visible under its own id.
      return { accountId: unmatchedAccountId(this.def.name, `ticket-${t.id}`), matched: false };
    }
    return (
      session.accounts.get(t.organization_id) ?? {
        accountId: unmatchedAccountId(this.def.name, String(t.organization_id)),
        matched: false,
      }
    );
  }

  private row(session: Session, line: number, t: ZendeskTicket, metrics: ZendeskMetricSet | undefined): SourceRow {
    if (t.status === 'deleted') {
      const fields = { ticket_id: String(t.id) };
      return { ok: true, row: { line, fields, raw: JSON.stringify({ ...fields, deleted: true }), deleted: true } };
    }
    const account = this.accountOf(session, t);
    if (!account.matched) this.unmatchedTickets++;
    const fields = ticketRow(t, account.accountId, metrics, session.ratings.get(t.id)?.score, this.dates);
    return { ok: true, row: { line, fields, raw: JSON.stringify(t) } };
  }

  private async *ticketRows(session: Session): AsyncGenerator<SourceRow> {
    const z = this.def.zendesk;
    const seen = new Set<number>();
    let line = 0;
    let cursor = session.cursor;
    const startTime = Math.floor(Date.parse(`${z.startDate}T00:00:00Z`) / 1000);
    for (let page = 0; ; page++) {
      if (page >= z.maxPages)
        throw new SourceError('TOO_MANY_PAGES', `Zendesk ticket export: more than maxPages ${z.maxPages} pages`);
      const url = this.url('/api/v2/incremental/tickets/cursor.json', {
        ...(cursor ? { cursor } : { start_time: startTime }),
        per_page: z.pageSize,
        include: 'metric_sets',
      });
      const body = await this.fetchJson<{
        tickets?: ZendeskTicket[];
        metric_sets?: ZendeskMetricSet[];
        after_cursor?: string | null;
        end_of_stream?: boolean;
      }>(session, url, 'Zendesk ticket export');
      if (!Array.isArray(body.tickets))
        throw new SourceError('BAD_RESPONSE', 'Zendesk ticket export answered without a "tickets" list');
      const metrics = new Map((body.metric_sets ?? []).map((m) => [m.ticket_id, m]));
      for (const t of body.tickets) {
        seen.add(t.id);
        yield this.row(session, ++line, t, metrics.get(t.id));
      }
      if (body.after_cursor) cursor = body.after_cursor;
      // end_of_stream: everything up to now; the after cursor is where the next sync starts.
      if (body.end_of_stream !== false || !body.after_cursor) break;
    }
    session.cursor = cursor;
    // Ratings of tickets the export did not bring (Zendesk normally updates a ticket when it is rated).
    const missing = [...session.ratings.keys()].filter((id) => !seen.has(id)).sort((a, b) => a - b);
    for (let i = 0; i < missing.length; i += SHOW_MANY) {
      const ids = missing.slice(i, i + SHOW_MANY).join(',');
      const body = await this.fetchJson<{ tickets?: ZendeskTicket[]; metric_sets?: ZendeskMetricSet[] }>(
        session,
        this.url('/api/v2/tickets/show_many.json', { ids, include: 'metric_sets' }),
        'Zendesk tickets show_many',
      );
      const metrics = new Map((body.metric_sets ?? []).map((m) => [m.ticket_id, m]));
      for (const t of body.tickets ?? []) yield this.row(session, ++line, t, metrics.get(t.id));
    }
  }

  private async settle(session: Session, outcome: FileOutcome): Promise<string | undefined> {
    const state = this.opts.syncState;
    if (!state || outcome !== 'processed') return undefined;
    if (session.cursor) await state.put(this.def.name, ZENDESK_STATE.cursor, session.cursor);
    if (session.ratingsHwm !== undefined)
      await state.put(this.def.name, ZENDESK_STATE.ratings, String(session.ratingsHwm));
    return `export cursor stored${session.ratingsHwm !== undefined ? `; ratings up to ${new Date(session.ratingsHwm * 1000).toISOString()}` : ''}`;
  }
}
