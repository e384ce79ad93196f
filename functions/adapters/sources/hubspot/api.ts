// HubSpot's CRM API on Pulse's own HTTP client (functions/adapters/sources/http/client.ts): the
// private app's token, the request budget (a sliding window of N requests per 10 s for every call,
// and a second one of a few per second for CRM search), HubSpot's 429 answers (policyName plus its
// X-HubSpot-RateLimit-* headers, which carry no Retry-After) turned into waits, and refusals turned
// into messages that say which token or which scope. The official @hubspot/api-client is not used:
// bundled by esbuild it is 5.1 MB minified, over the 1.5 MB Lambda bundle budget.
import type { HubSpotSourceDefinition } from '../../../domain/sources/registry';
import { realSleep } from '../../../backoff';
import {
  requestJson,
  retrySettings,
  type HttpClientOptions,
  type HttpRetrySettings,
  type HttpTestHooks,
} from '../http/client';
import { SourceError } from '../../../ports/source-error';

/** A CRM object as the list, search and batch endpoints return it. */
export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null | undefined>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  archivedAt?: string;
}

export interface HubSpotPage<T> {
  results: T[];
  paging?: { next?: { after?: string } };
  /** Search only: how many records match the query. */
  total?: number;
}

export interface HubSpotOwner {
  id: string;
  email?: string | null;
  archived?: boolean;
}

export interface HubSpotApiOptions extends HttpTestHooks {
  apiBase: string;
  token: string;
  /** Where the token came from, for the message when HubSpot refuses it. */
  tokenFrom: string;
  requestsPer10Seconds: number;
  searchRequestsPerSecond: number;
  http: HttpRetrySettings;
}

/** The API client a HubSpot source's settings describe (the connector and the CRM tasks build it alike). */
export function hubSpotApiFor(
  cfg: HubSpotSourceDefinition['hubspot'],
  token: { token: string; from: string },
  hooks: HttpTestHooks = {},
): HubSpotApi {
  return new HubSpotApi({
    apiBase: cfg.apiBase,
    token: token.token,
    tokenFrom: token.from,
    requestsPer10Seconds: cfg.requestsPer10Seconds,
    searchRequestsPerSecond: cfg.searchRequestsPerSecond,
    http: retrySettings(cfg),
    ...hooks,
  });
}

/** At most `limit` starts in any `windowMs`: the oldest start of the last `limit` says when the next may go. */
export class SlidingWindow {
  private readonly starts: number[] = [];
  private pausedUntil = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.starts.length > 0 && t - this.starts[0]! >= this.windowMs) this.starts.shift();
      const wait = Math.max(
        this.pausedUntil - t,
        this.starts.length >= this.limit ? this.starts[0]! + this.windowMs - t : 0,
      );
      if (wait <= 0) {
        this.starts.push(t);
        return;
      }
      await this.sleep(wait);
    }
  }

  /** HubSpot said the budget is spent: no request starts before `until`. */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }
}

const DAILY_WAIT_MS = 86_400_000;

export class HubSpotApi {
  readonly origin: string;
  /** Requests sent, retries included. */
  requests = 0;
  /** 429 answers met. */
  throttled = 0;
  /** The last answer's status, or undefined when the last request got no answer (a write's outcome is then unknown). */
  lastStatus?: number;
  /** The last request's connection error code (ECONNREFUSED: surely never reached HubSpot). */
  lastErrorCode?: string;
  private readonly budget: SlidingWindow;
  private readonly search: SlidingWindow;
  private readonly now: () => number;
  private readonly http: HttpClientOptions;

  constructor(private readonly opts: HubSpotApiOptions) {
    this.origin = new URL(opts.apiBase).origin;
    this.now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? realSleep;
    this.budget = new SlidingWindow(opts.requestsPer10Seconds, 10_000, this.now, sleep);
    // N per second as one request every 1/N s: a burst of 5 in the same millisecond is refused by HubSpot.
    this.search = new SlidingWindow(1, Math.ceil(1000 / opts.searchRequestsPerSecond), this.now, sleep);
    this.http = {
      ...opts.http,
      sleep,
      now: this.now,
      ...(opts.random ? { random: opts.random } : {}),
      fetch: (url, init) => this.send(url as string, init ?? {}, false),
    };
  }

  get where(): string {
    return `HubSpot at ${this.origin}`;
  }

  /**
   * One call; `path` below the API base (`/crm/v3/objects/companies?limit=100`). `once`: a write
   * that must not be repeated after an unknown outcome, sent a single time (the caller retries a 429).
   */
  async request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, once = false): Promise<T> {
    const isSearch = method === 'POST' && /\/search$/.test(path.split('?')[0]!);
    const what = `${this.where}: ${method} ${path.split('?')[0]}`;
    let opts: HttpClientOptions = isSearch
      ? { ...this.http, fetch: (url, init) => this.send(url as string, init ?? {}, true) }
      : this.http;
    if (once) opts = { ...opts, maxAttempts: 1 };
    try {
      const res = await requestJson(
        `${this.origin}${path}`,
        { method, headers: { authorization: `Bearer ${this.opts.token}` }, ...(body !== undefined ? { body } : {}) },
        opts,
        what,
      );
      return res.body as T;
    } catch (err) {
      throw this.explain(err, what);
    }
  }

  /** Every page of a list endpoint, by `after`. */
  async *listPages(path: string, query: Record<string, string>): AsyncGenerator<HubSpotObject[]> {
    let after: string | undefined;
    do {
      const q = new URLSearchParams({ ...query, ...(after ? { after } : {}) });
      const page = await this.request<HubSpotPage<HubSpotObject>>('GET', `${path}?${q}`);
      yield page.results ?? [];
      after = page.paging?.next?.after;
    } while (after);
  }

  /** Every owner, archived ones too (deals and companies keep a former owner's id). */
  async owners(): Promise<Map<string, string>> {
    const emails = new Map<string, string>();
    for (const archived of ['false', 'true']) {
      let after: string | undefined;
      do {
        const q = new URLSearchParams({ limit: '500', archived, ...(after ? { after } : {}) });
        const page = await this.request<HubSpotPage<HubSpotOwner>>('GET', `/crm/v3/owners?${q}`);
        for (const o of page.results ?? []) if (o.email) emails.set(String(o.id), o.email);
        after = page.paging?.next?.after;
      } while (after);
    }
    return emails;
  }

  /** Owner id of a user by e-mail, or undefined. */
  async ownerIdByEmail(email: string): Promise<string | undefined> {
    const q = new URLSearchParams({ email, limit: '1' });
    const page = await this.request<HubSpotPage<HubSpotOwner>>('GET', `/crm/v3/owners?${q}`);
    const hit = (page.results ?? []).find((o) => o.email?.toLowerCase() === email.toLowerCase());
    return hit ? String(hit.id) : undefined;
  }

  /** Objects by id, 100 per request; ids HubSpot does not know are left out. */
  async batchRead(objectType: string, ids: readonly string[], properties: readonly string[]): Promise<HubSpotObject[]> {
    const out: HubSpotObject[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const inputs = ids.slice(i, i + 100).map((id) => ({ id }));
      const page = await this.request<HubSpotPage<HubSpotObject>>('POST', `/crm/v3/objects/${objectType}/batch/read`, {
        properties,
        inputs,
      });
      out.push(...(page.results ?? []));
    }
    return out;
  }

  /** from id -> associated ids (in HubSpot's order, the primary association's type first), 1,000 per request. */
  async associations(from: string, to: string, ids: readonly string[]): Promise<Map<string, AssociatedId[]>> {
    const out = new Map<string, AssociatedId[]>();
    let pending: { id: string; after?: string }[] = ids.map((id) => ({ id }));
    while (pending.length > 0) {
      const next: { id: string; after?: string }[] = [];
      for (let i = 0; i < pending.length; i += 1000) {
        const inputs = pending.slice(i, i + 1000);
        const page = await this.request<{ results?: AssociationResult[] }>(
          'POST',
          `/crm/v4/associations/${from}/${to}/batch/read`,
          { inputs },
        );
        for (const r of page.results ?? []) {
          const fromId = String(r.from.id);
          const list = out.get(fromId) ?? [];
          for (const t of r.to ?? [])
            list.push({ id: String(t.toObjectId), typeIds: (t.associationTypes ?? []).map((a) => a.typeId) });
          out.set(fromId, list);
          const after = r.paging?.next?.after;
          if (after) next.push({ id: fromId, after });
        }
      }
      pending = next;
    }
    return out;
  }

  /** The fetch under requestJson: the budget first, then HubSpot's throttling answers read. */
  private async send(url: string, init: RequestInit, search: boolean): Promise<Response> {
    await this.budget.take();
    if (search) await this.search.take();
    this.requests++;
    this.lastStatus = undefined;
    this.lastErrorCode = undefined;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, init);
    } catch (e) {
      this.lastErrorCode = (e as { cause?: { code?: string } }).cause?.code;
      throw e;
    }
    this.lastStatus = res.status;
    const interval = Number(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')) || 10_000;
    if (res.status !== 429) {
      if (res.headers.get('x-hubspot-ratelimit-remaining') === '0') this.budget.pauseUntil(this.now() + interval);
      return res;
    }
    this.throttled++;
    const text = await res.text();
    let policy = '';
    try {
      policy = String((JSON.parse(text) as { policyName?: unknown }).policyName ?? '');
    } catch {
      policy = '';
    }
    if (res.headers.get('retry-after')) return new Response(text, { status: 429, headers: res.headers });
    // HubSpot's 429 says which limit (policyName) instead of Retry-After: wait out its interval.
    const waitMs = policy === 'DAILY' ? DAILY_WAIT_MS : policy === 'SECONDLY' || search ? 1_000 : interval;
    (search ? this.search : this.budget).pauseUntil(this.now() + waitMs);
    const headers = new Headers(res.headers);
    headers.set('retry-after', String(waitMs / 1000));
    return new Response(text, { status: 429, headers });
  }

  private explain(err: unknown, what: string): unknown {
    if (!(err instanceof SourceError)) return err;
    const body = parseBody(err.body);
    const said = body?.message ? `: ${body.message}` : '';
    if (err.status === 401) {
      return new SourceError(
        'AUTH_FAILED',
        `${this.where} refused the token from ${this.opts.tokenFrom} ` +
          `(401 ${body?.category ?? 'INVALID_AUTHENTICATION'}${said}); create or rotate the private app's access token`,
        {
          status: 401,
          body: err.body ?? '',
        },
      );
    }
    if (err.status === 403) {
      const scopes =
        body?.errors?.flatMap((e) => e.context?.requiredGranularScopes ?? e.context?.requiredScopes ?? []) ?? [];
      const need = scopes.length ? `; the private app needs the scope ${scopes.join(' or ')}` : '';
      return new SourceError(
        'AUTH_FAILED',
        `${what} was refused (403 ${body?.category ?? 'FORBIDDEN'}${said})${need}`,
        { status: 403, body: err.body ?? '' },
      );
    }
    if (err.code === 'RETRY_AFTER_TOO_LONG' && parseBody(err.body)?.policyName === 'DAILY') {
      return new SourceError(
        'RETRY_AFTER_TOO_LONG',
        `${this.where}: the portal's daily API limit is reached (429 DAILY); the next run will try again`,
        { status: 429 },
      );
    }
    return err;
  }
}

export interface AssociatedId {
  id: string;
  typeIds: number[];
}

interface AssociationResult {
  from: { id: string | number };
  to?: {
    toObjectId: string | number;
    associationTypes?: { category?: string; typeId: number; label?: string | null }[];
  }[];
  paging?: { next?: { after?: string } };
}

interface HubSpotErrorBody {
  message?: string;
  category?: string;
  policyName?: string;
  errors?: { message?: string; context?: { requiredGranularScopes?: string[]; requiredScopes?: string[] } }[];
}

function parseBody(text: string | undefined): HubSpotErrorBody | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as HubSpotErrorBody;
  } catch {
    return undefined;
  }
}
