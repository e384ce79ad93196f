// A loopback fake of the Zendesk Support API (GET only) for the help-desk connector's tests, in the
// shapes of Zendesk's API reference: the cursor-based incremental ticket export (`start_time`, then
// `cursor`; `after_cursor`, `after_url`, `end_of_stream`; the `metric_sets` sideload; deleted
// tickets with status `deleted`), organizations and satisfaction ratings with cursor pagination
// (`page[size]`, `page[after]`, `meta.has_more`, `meta.after_cursor`, `links.next`), tickets
// `show_many`, API-token basic auth (401 `Couldn't authenticate you`) and 429 with Retry-After.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeTicket {
  id: number;
  subject?: string;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed' | 'deleted';
  priority: 'urgent' | 'high' | 'normal' | 'low' | null;
  organization_id: number | null;
  created_at: string;
  updated_at: string;
  satisfaction_rating?: { id?: number; score: string } | null;
  /** For the metric set: when it was solved. */
  solved_at?: string | null;
}

export interface FakeOrganization {
  id: number;
  name: string;
  external_id: string | null;
  domain_names: string[];
  organization_fields?: Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
}

export interface FakeRating {
  id: number;
  ticket_id: number;
  score: 'good' | 'bad' | 'offered' | 'unoffered';
  created_at: string;
  updated_at: string;
}

/** What the fake serves; tests change it between syncs (bump `updated_at`, as Zendesk does). */
export class FakeZendeskData {
  tickets = new Map<number, FakeTicket>();
  organizations = new Map<number, FakeOrganization>();
  ratings = new Map<number, FakeRating>();

  ticket(t: FakeTicket): this {
    this.tickets.set(t.id, t);
    return this;
  }
  organization(o: FakeOrganization): this {
    this.organizations.set(o.id, o);
    return this;
  }
  rating(r: FakeRating): this {
    this.ratings.set(r.id, r);
    return this;
  }
}

export interface FakeZendeskFault {
  /** Path prefix, e.g. '/api/v2/incremental'. */
  path: string;
  status: 429 | 500 | 503;
  times: number;
  retryAfterSeconds?: number;
  /** Let this many matching requests through first. */
  afterRequests?: number;
}

export interface FakeZendeskOptions {
  /** Valid `email/token:token` pairs (default agent@example.com / zd-token). */
  credentials?: { email: string; token: string }[];
  faults?: FakeZendeskFault[];
  /** Tickets per export page at most (Zendesk: per_page up to 1000). */
  maxExportPage?: number;
}

export interface FakeZendeskRequest {
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface FakeZendesk {
  url: string;
  requests: FakeZendeskRequest[];
  close(): Promise<void>;
}

export const ZENDESK_EMAIL = 'agent@example.com';
export const ZENDESK_TOKEN = 'zd-token';

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url').toString();

/** Export order: by updated_at, then id (Zendesk's cursor is a position in that order). */
function exportOrder(a: FakeTicket, b: FakeTicket): number {
  return epoch(a.updated_at) - epoch(b.updated_at) || a.id - b.id;
}

export async function startFakeZendesk(data: FakeZendeskData, opts: FakeZendeskOptions = {}): Promise<FakeZendesk> {
  const creds = opts.credentials ?? [{ email: ZENDESK_EMAIL, token: ZENDESK_TOKEN }];
  const valid = new Set(creds.map((c) => `Basic ${Buffer.from(`${c.email}/token:${c.token}`).toString('base64')}`));
  const faults = (opts.faults ?? []).map((f) => ({ ...f, seen: 0, failed: 0 }));
  const requests: FakeZendeskRequest[] = [];
  const sockets = new Set<Socket>();
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const metricSet = (t: FakeTicket) => ({
    id: t.id * 10,
    ticket_id: t.id,
    created_at: t.created_at,
    updated_at: t.updated_at,
    solved_at: t.solved_at ?? null,
    reopens: 0,
    replies: 1,
  });
  const ticketJson = (t: FakeTicket) => {
    const { solved_at: _solved, ...rest } = t;
    return { url: `${base}/api/v2/tickets/${t.id}.json`, requester_id: 1000 + t.id, type: null, tags: [], ...rest };
  };

  /** Cursor pages over a sorted list (`page[size]` up to 100, `page[after]`). */
  const cursorList = <T extends { id: number }>(
    res: ServerResponse,
    path: string,
    key: string,
    items: T[],
    q: Record<string, string>,
  ) => {
    const size = Math.min(100, Number(q['page[size]'] ?? 100));
    const after = q['page[after]'] ? Number(unb64(q['page[after]'])) : 0;
    const rest = items.filter((i) => i.id > after).sort((a, b) => a.id - b.id);
    const page = rest.slice(0, size);
    const hasMore = rest.length > size;
    const afterCursor = page.length ? b64(String(page[page.length - 1]!.id)) : null;
    send(res, 200, {
      [key]: page,
      meta: {
        has_more: hasMore,
        after_cursor: afterCursor,
        before_cursor: page.length ? b64(String(page[0]!.id)) : null,
      },
      links: { next: hasMore ? `${base}${path}?page[size]=${size}&page[after]=${afterCursor}` : null, prev: null },
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', base);
    const q = Object.fromEntries(u.searchParams.entries());
    const log = (status: number) => requests.push({ path: u.pathname, query: q, status });
    if (!valid.has(req.headers.authorization ?? '')) {
      log(401);
      return send(res, 401, { error: "Couldn't authenticate you" });
    }
    for (const f of faults) {
      if (!u.pathname.startsWith(f.path)) continue;
      f.seen++;
      if (f.seen > (f.afterRequests ?? 0) && f.failed < f.times) {
        f.failed++;
        log(f.status);
        const headers: Record<string, string> =
          f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {};
        return send(
          res,
          f.status,
          f.status === 429
            ? { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' }
            : { error: 'Server error' },
          headers,
        );
      }
    }
    log(200);
    if (u.pathname === '/api/v2/incremental/tickets/cursor.json') {
      const perPage = Math.min(opts.maxExportPage ?? 1000, Number(q.per_page ?? 1000));
      const sorted = [...data.tickets.values()].sort(exportOrder);
      let rest: FakeTicket[];
      if (q.cursor) {
        const [at, id] = unb64(q.cursor).split(':').map(Number) as [number, number];
        rest = sorted.filter((t) => epoch(t.updated_at) > at || (epoch(t.updated_at) === at && t.id > id));
      } else if (q.start_time !== undefined) {
        rest = sorted.filter((t) => epoch(t.updated_at) >= Number(q.start_time));
      } else {
        return send(res, 400, { error: 'InvalidValue', description: 'start_time or cursor is required' });
      }
      const page = rest.slice(0, perPage);
      const last = page[page.length - 1];
      // The after cursor of an empty page stays where the caller was (the stream's end, for now).
      const afterCursor = last
        ? b64(`${epoch(last.updated_at)}:${last.id}`)
        : (q.cursor ?? b64(`${Number(q.start_time) - 1}:0`));
      const include = (q.include ?? '').split(',');
      send(res, 200, {
        tickets: page.map(ticketJson),
        ...(include.includes('metric_sets') ? { metric_sets: page.map(metricSet) } : {}),
        after_url: `${base}/api/v2/incremental/tickets/cursor.json?cursor=${afterCursor}`,
        after_cursor: afterCursor,
        before_url: null,
        before_cursor: null,
        end_of_stream: rest.length <= perPage,
      });
      return;
    }
    if (u.pathname === '/api/v2/organizations' || u.pathname === '/api/v2/organizations.json') {
      return cursorList(res, '/api/v2/organizations', 'organizations', [...data.organizations.values()], q);
    }
    if (u.pathname === '/api/v2/satisfaction_ratings' || u.pathname === '/api/v2/satisfaction_ratings.json') {
      const since = q.start_time !== undefined ? Number(q.start_time) : undefined;
      const list = [...data.ratings.values()].filter(
        (r) => (r.score === 'good' || r.score === 'bad') && (since === undefined || epoch(r.updated_at) >= since),
      );
      return cursorList(res, '/api/v2/satisfaction_ratings', 'satisfaction_ratings', list, q);
    }
    if (u.pathname === '/api/v2/tickets/show_many.json') {
      const ids = (q.ids ?? '').split(',').filter(Boolean).map(Number);
      const found = ids
        .map((id) => data.tickets.get(id))
        .filter((t): t is FakeTicket => t !== undefined && t.status !== 'deleted');
      const include = (q.include ?? '').split(',');
      return send(res, 200, {
        tickets: found.map(ticketJson),
        ...(include.includes('metric_sets') ? { metric_sets: found.map(metricSet) } : {}),
        next_page: null,
        previous_page: null,
        count: found.length,
      });
    }
    requests[requests.length - 1]!.status = 404;
    send(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
