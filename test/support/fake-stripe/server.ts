// A loopback fake of the Stripe API (GET only) for the billing connector's tests and benchmark:
// the list, retrieve and line-item endpoints the connector reads, with Stripe's list envelope,
// cursors, default filters, 30-day event retention, authentication errors, rate limiting and
// injected faults. Objects come from a FakeStripeStore (store.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Stripe from 'stripe';
import { stripeId } from './builders';
import type {
  FakeStripeStore,
  ListFilters,
  PageRequest,
  PageResult,
  RangeFilter,
  StripeObjectKind,
  StripeObjects,
} from './list';

export interface FakeStripeFault {
  /** Path prefix, e.g. '/v1/invoices' (also matches /v1/invoices/in_1/lines). */
  path: string;
  status: 429 | 500 | 503;
  /** How many matching requests fail. */
  times: number;
  /** 429/503 only: a `Retry-After` header (seconds). */
  retryAfterSeconds?: number;
  /** Let this many matching requests through before failing (default 0). */
  afterRequests?: number;
}

export interface FakeStripeOptions {
  faults?: FakeStripeFault[];
  /** Answer 429 (rate_limit) when more requests than this arrive within any one second (per API key). */
  rateLimitPerSecond?: number;
  /** API keys: `valid` default ['sk_test_pulse']; `revoked` answer 401 api_key_expired. */
  keys?: { valid?: string[]; revoked?: string[] };
  /** "Now" in epoch seconds for event retention (30 days); default the store's `now`, else the wall clock. */
  now?: number | (() => number);
  /** Delay every response by this many milliseconds (a real Stripe list page takes a few hundred). */
  latencyMs?: number;
  /** Keep every request in `requests` (default true; a long benchmark tallies with onRequest instead). */
  recordRequests?: boolean;
  /** Called for every request answered. */
  onRequest?: (r: FakeStripeRequest) => void;
}

export interface FakeStripeRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  status: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface FakeStripe {
  url: string;
  host: string;
  port: number;
  protocol: 'http';
  /** Every request answered, in arrival order (clear with `requests.length = 0`). */
  requests: FakeStripeRequest[];
  close(): Promise<void>;
}

export const EVENT_RETENTION_SECONDS = 30 * 86_400;
export const EMBEDDED_LINES = 10;
const DEFAULT_KEYS = ['sk_test_pulse'];

const SUBSCRIPTION_STATUSES = [
  'active',
  'past_due',
  'unpaid',
  'canceled',
  'incomplete',
  'incomplete_expired',
  'trialing',
  'paused',
];
const SUBSCRIPTION_DEFAULT = SUBSCRIPTION_STATUSES.filter((s) => s !== 'canceled' && s !== 'incomplete_expired');
const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'];
const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const;

const PAGING = ['limit', 'starting_after', 'ending_before', 'expand'];
const ranges = (...names: string[]) => names.flatMap((n) => [n, ...RANGE_OPS.map((op) => `${n}[${op}]`)]);
const ALLOWED: Record<string, string[]> = {
  customers: [...PAGING, ...ranges('created'), 'email', 'test_clock'],
  prices: [
    ...PAGING,
    ...ranges('created'),
    'active',
    'currency',
    'lookup_keys',
    'product',
    'recurring[interval]',
    'recurring[meter]',
    'recurring[usage_type]',
    'type',
  ],
  subscriptions: [
    ...PAGING,
    ...ranges('created', 'current_period_end', 'current_period_start'),
    'automatic_tax[enabled]',
    'collection_method',
    'customer',
    'customer_account',
    'plan',
    'price',
    'status',
    'test_clock',
  ],
  invoices: [
    ...PAGING,
    ...ranges('created', 'due_date'),
    'collection_method',
    'customer',
    'customer_account',
    'status',
    'subscription',
  ],
  events: [...PAGING, ...ranges('created'), 'delivery_success', 'type', 'types'],
  lines: PAGING,
  retrieve: ['expand'],
};
const OBJECT_NAME: Record<StripeObjectKind, string> = {
  customers: 'customer',
  prices: 'price',
  subscriptions: 'subscription',
  invoices: 'invoice',
  events: 'event',
};
let requestSeq = 0;
const KIND_BY_PREFIX: Record<string, StripeObjectKind> = {
  cus: 'customers',
  price: 'prices',
  sub: 'subscriptions',
  in: 'invoices',
  evt: 'events',
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}
const invalid = (message: string, extra: Record<string, unknown> = {}) =>
  new ApiError(400, { type: 'invalid_request_error', message, ...extra });
const missing = (status: number, what: string, id: string, param: string) =>
  new ApiError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    message: `No such ${what}: '${id}'`,
    param,
  });

/** Starts the fake on 127.0.0.1 (a free port). Point the client at it: new Stripe(key, { host, port, protocol: 'http' }). */
export async function startFakeStripe(store: FakeStripeStore, opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const requests: FakeStripeRequest[] = [];
  const valid = new Set(opts.keys?.valid ?? DEFAULT_KEYS);
  const revoked = new Set(opts.keys?.revoked ?? []);
  const faults = (opts.faults ?? []).map((f) => ({ ...f, seen: 0, left: f.times }));
  const windows = new Map<string, number[]>();
  const now = (): number => {
    const n = typeof opts.now === 'function' ? opts.now() : opts.now;
    return n ?? store.now ?? Math.floor(Date.now() / 1000);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    let query: Record<string, string | string[]> = {};
    let status = 500;
    let body: unknown;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Request-Id': stripeId('req', ++requestSeq, 11),
      'Stripe-Version': headerValue(req.headers['stripe-version']) ?? Stripe.API_VERSION,
      'Cache-Control': 'no-cache, no-store',
    };
    try {
      query = parseQuery(url.searchParams);
      injectFault(path, faults);
      const key = authenticate(req, valid, revoked);
      rateLimit(key, at, opts.rateLimitPerSecond, windows);
      body = route(req.method ?? 'GET', path, query, store, now());
      status = 200;
    } catch (e) {
      if (e instanceof ApiError) {
        status = e.status;
        body = { error: e.body };
        Object.assign(headers, e.headers);
      } else {
        status = 500;
        body = { error: { type: 'api_error', message: `fake-stripe: ${(e as Error).message}` } };
      }
    }
    const entry = { method: req.method ?? 'GET', path, query, status, at };
    if (opts.recordRequests !== false) requests.push(entry);
    opts.onRequest?.(entry);
    const text = JSON.stringify(body);
    const send = () => {
      res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (opts.latencyMs) setTimeout(send, opts.latencyMs);
    else send();
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    protocol: 'http',
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Request parsing

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Query parameters the way Stripe reads them: `expand[0]=a&expand[1]=b` or `expand[]=a` are arrays; `created[gte]` stays a key. */
export function parseQuery(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const arr = /^([^[\]]+)\[(\d*)\]$/.exec(k);
    if (arr) {
      const name = arr[1]!;
      const prev = out[name];
      out[name] = Array.isArray(prev) ? [...prev, v] : prev === undefined ? [v] : [prev, v];
    } else if (out[k] !== undefined) {
      const prev = out[k]!;
      out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    } else {
      out[k] = v;
    }
  }
  return out;
}

function injectFault(path: string, faults: (FakeStripeFault & { seen: number; left: number })[]): void {
  for (const f of faults) {
    if (!path.startsWith(f.path)) continue;
    if (f.seen < (f.afterRequests ?? 0)) {
      f.seen++;
      continue;
    }
    if (f.left <= 0) continue;
    f.left--;
    const headers: Record<string, string> =
      f.retryAfterSeconds !== undefined && f.status !== 500 ? { 'Retry-After': String(f.retryAfterSeconds) } : {};
    if (f.status === 429) throw new ApiError(429, rateLimitBody(), headers);
    throw new ApiError(
      f.status,
      {
        type: 'api_error',
        message:
          f.status === 503
            ? 'The service is temporarily unavailable. Please try again later.'
            : 'An unknown error occurred',
      },
      headers,
    );
  }
}

function rateLimitBody() {
  return {
    type: 'invalid_request_error',
    code: 'rate_limit',
    doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    message:
      'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
  };
}

function mask(key: string): string {
  const m = /^([a-z]+_(?:test|live)_)/.exec(key);
  const prefix = m ? m[1]! : '';
  return `${prefix}****${key.slice(-4)}`;
}

function authenticate(req: IncomingMessage, valid: Set<string>, revoked: Set<string>): string {
  const h = headerValue(req.headers.authorization) ?? '';
  let key = '';
  if (/^Bearer /i.test(h)) key = h.slice(7).trim();
  else if (/^Basic /i.test(h)) key = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8').split(':')[0] ?? '';
  if (!key) {
    throw new ApiError(401, {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  if (revoked.has(key)) {
    throw new ApiError(401, {
      type: 'invalid_request_error',
      code: 'api_key_expired',
      doc_url: 'https://stripe.com/docs/error-codes/api-key-expired',
      message: `Expired API Key provided: ${mask(key)}`,
    });
  }
  if (!valid.has(key))
    throw new ApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${mask(key)}` });
  return key;
}

function rateLimit(key: string, at: number, perSecond: number | undefined, windows: Map<string, number[]>): void {
  if (!perSecond) return;
  let w = windows.get(key);
  if (!w) windows.set(key, (w = []));
  while (w.length && w[0]! <= at - 1000) w.shift();
  if (w.length >= perSecond) throw new ApiError(429, rateLimitBody());
  w.push(at);
}

// ---------------------------------------------------------------------------------------------
// Routing

function route(
  method: string,
  path: string,
  q: Record<string, string | string[]>,
  store: FakeStripeStore,
  now: number,
): unknown {
  const seg = path.split('/').filter(Boolean);
  const unrecognized = () =>
    new ApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    });
  if (method !== 'GET' || seg[0] !== 'v1') throw unrecognized();
  const kindName = seg[1] ?? '';
  if (!isKind(kindName)) throw unrecognized();
  const kind = kindName;
  const retentionCut = now - EVENT_RETENTION_SECONDS;

  if (seg.length === 2) {
    checkParams(q, ALLOWED[kind]!);
    const page = pageParams(q);
    const result = store.list(kind, { ...page, filter: filterOf(kind, q, retentionCut) } as never) as PageResult<
      StripeObjects[typeof kind]
    >;
    if ('missingCursor' in result)
      throw missing(
        400,
        OBJECT_NAME[kind],
        result.missingCursor,
        page.startingAfter !== undefined ? 'starting_after' : 'ending_before',
      );
    const body = { object: 'list', data: result.data.map(present), has_more: result.hasMore, url: `/v1/${kind}` };
    return expand(body, arrayParam(q, 'expand'), store, true);
  }
  if (seg.length === 3) {
    checkParams(q, ALLOWED.retrieve!);
    const id = decodeURIComponent(seg[2]!);
    const o = store.retrieve(kind, id);
    if (!o || (kind === 'events' && (o as Stripe.Event).created <= retentionCut))
      throw missing(404, OBJECT_NAME[kind], id, 'id');
    return expand(present(o), arrayParam(q, 'expand'), store, false);
  }
  if (seg.length === 4 && kind === 'invoices' && seg[3] === 'lines') {
    checkParams(q, ALLOWED.lines!);
    const id = decodeURIComponent(seg[2]!);
    const page = pageParams(q);
    const result = store.invoiceLines(id, page);
    if (!result) throw missing(404, 'invoice', id, 'invoice');
    if ('missingCursor' in result)
      throw missing(
        400,
        'line item',
        result.missingCursor,
        page.startingAfter !== undefined ? 'starting_after' : 'ending_before',
      );
    return expand(
      { object: 'list', data: result.data, has_more: result.hasMore, url: `/v1/invoices/${id}/lines` },
      arrayParam(q, 'expand'),
      store,
      true,
    );
  }
  throw unrecognized();
}

function isKind(s: string): s is StripeObjectKind {
  return s === 'customers' || s === 'prices' || s === 'subscriptions' || s === 'invoices' || s === 'events';
}

/** An invoice as the API sends it (also inside an event): at most 10 embedded line items, `has_more` and the lines URL. */
function present<T>(o: T): T {
  const ev = o as unknown as Stripe.Event;
  if (ev.object === 'event') {
    const inner = ev.data.object as { object?: string };
    return inner.object === 'invoice' ? ({ ...ev, data: { ...ev.data, object: present(inner) } } as unknown as T) : o;
  }
  const inv = o as unknown as Stripe.Invoice;
  if (inv.object !== 'invoice' || !inv.lines) return o;
  const lines = inv.lines as Stripe.ApiList<Stripe.InvoiceLineItem> & { total_count?: number };
  const over = lines.data.length > EMBEDDED_LINES;
  return {
    ...inv,
    lines: {
      object: 'list',
      data: over ? lines.data.slice(0, EMBEDDED_LINES) : lines.data,
      has_more: over || lines.has_more,
      total_count: over || !lines.has_more ? lines.data.length : lines.total_count,
      url: `/v1/invoices/${inv.id}/lines`,
    },
  } as unknown as T;
}

function checkParams(q: Record<string, string | string[]>, allowed: string[]): void {
  for (const k of Object.keys(q)) {
    if (!allowed.includes(k))
      throw invalid(`Received unknown parameter: ${k}`, { code: 'parameter_unknown', param: k });
  }
}

function stringParam(q: Record<string, string | string[]>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw invalid(`Invalid ${name}: must be a string`, { param: name });
  return v;
}

function arrayParam(q: Record<string, string | string[]>, name: string): string[] | undefined {
  const v = q[name];
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function intParam(q: Record<string, string | string[]>, name: string): number | undefined {
  const v = stringParam(q, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`Invalid integer: ${v}`, { code: 'parameter_invalid_integer', param: name });
  return Number(v);
}

function pageParams(q: Record<string, string | string[]>): PageRequest {
  const limit = intParam(q, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalid('Invalid limit: must be between 1 and 100', { param: 'limit' });
  const startingAfter = stringParam(q, 'starting_after');
  const endingBefore = stringParam(q, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalid('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  return {
    limit,
    ...(startingAfter !== undefined ? { startingAfter } : {}),
    ...(endingBefore !== undefined ? { endingBefore } : {}),
  };
}

function rangeParam(q: Record<string, string | string[]>, name: string): RangeFilter | undefined {
  const exact = intParam(q, name);
  const r: RangeFilter = {};
  if (exact !== undefined) {
    r.gte = exact;
    r.lte = exact;
  }
  for (const op of RANGE_OPS) {
    const v = intParam(q, `${name}[${op}]`);
    if (v !== undefined) r[op] = v;
  }
  return Object.keys(r).length ? r : undefined;
}

function boolParam(q: Record<string, string | string[]>, name: string): boolean | undefined {
  const v = stringParam(q, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false')
    throw invalid(`Invalid boolean: ${v}`, { code: 'parameter_invalid_boolean', param: name });
  return v === 'true';
}

function enumParam(q: Record<string, string | string[]>, name: string, values: string[]): string | undefined {
  const v = stringParam(q, name);
  if (v !== undefined && !values.includes(v)) {
    throw invalid(
      `Invalid ${name}: must be one of ${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`,
      { param: name },
    );
  }
  return v;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function filterOf(
  kind: StripeObjectKind,
  q: Record<string, string | string[]>,
  retentionCut: number,
): ListFilters[StripeObjectKind] {
  switch (kind) {
    case 'customers':
      return defined<ListFilters['customers']>({ created: rangeParam(q, 'created'), email: stringParam(q, 'email') });
    case 'prices':
      return defined<ListFilters['prices']>({
        // Without `active`, Stripe lists only active prices.
        active: boolParam(q, 'active') ?? true,
        created: rangeParam(q, 'created'),
        currency: stringParam(q, 'currency'),
        product: stringParam(q, 'product'),
        type: enumParam(q, 'type', ['one_time', 'recurring']),
      });
    case 'subscriptions': {
      const status = enumParam(q, 'status', [
        'active',
        'all',
        'canceled',
        'ended',
        'incomplete',
        'incomplete_expired',
        'past_due',
        'paused',
        'trialing',
        'unpaid',
      ]);
      const statuses =
        status === undefined
          ? SUBSCRIPTION_DEFAULT
          : status === 'all'
            ? undefined
            : status === 'ended'
              ? ['canceled', 'incomplete_expired']
              : [status];
      return defined<ListFilters['subscriptions']>({
        statuses,
        customer: stringParam(q, 'customer'),
        price: stringParam(q, 'price') ?? stringParam(q, 'plan'),
        created: rangeParam(q, 'created'),
      });
    }
    case 'invoices':
      return defined<ListFilters['invoices']>({
        customer: stringParam(q, 'customer'),
        status: enumParam(q, 'status', INVOICE_STATUSES),
        subscription: stringParam(q, 'subscription'),
        created: rangeParam(q, 'created'),
      });
    case 'events': {
      const type = stringParam(q, 'type');
      const types = arrayParam(q, 'types');
      if (type !== undefined && types !== undefined)
        throw invalid('You may only specify one of these parameters: type, types.', { param: 'types' });
      if (types && types.length > 20) throw invalid('You may pass at most 20 types.', { param: 'types' });
      return defined<ListFilters['events']>({
        types: type !== undefined ? [type] : types,
        created: rangeParam(q, 'created'),
        createdAfter: retentionCut,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// expand[]: ids of customers, prices, subscriptions and invoices become the objects.

function expand<T>(body: T, paths: string[] | undefined, store: FakeStripeStore, isList: boolean): T {
  if (!paths?.length) return body;
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  for (const path of paths) {
    const segs = path.split('.');
    if (isList && segs[0] !== 'data') throw invalid(`This property cannot be expanded (${path}).`, { param: 'expand' });
    const ok = expandAt(copy, segs, store);
    if (!ok) throw invalid(`This property cannot be expanded (${path}).`, { param: 'expand' });
  }
  return copy as T;
}

/** Walks `segs` from `node` (through arrays) and replaces the id at the end by its object; false when the path is not expandable. */
function expandAt(node: unknown, segs: string[], store: FakeStripeStore): boolean {
  if (Array.isArray(node)) return node.every((n) => expandAt(n, segs, store));
  if (node === null || typeof node !== 'object') return false;
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = segs;
  if (head === undefined || !(head in obj)) return false;
  const v = obj[head];
  if (rest.length) return v === null || expandAt(v, rest, store);
  if (v === null || typeof v === 'object') return true;
  if (typeof v !== 'string') return false;
  const kind = KIND_BY_PREFIX[v.slice(0, v.indexOf('_'))];
  if (!kind) return false;
  const found = store.retrieve(kind, v);
  if (!found) return false;
  obj[head] = JSON.parse(JSON.stringify(present(found)));
  return true;
}
