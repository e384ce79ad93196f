// A loopback fake of HubSpot's CRM API (v3 objects, search, batch read, v4 associations, owners,
// tasks), speaking the shapes of HubSpot's published API reference: list pages with
// `paging.next.after`, search with `total` and the 10,000-result cap of its paging, 401
// INVALID_AUTHENTICATION, 403 MISSING_SCOPES, 400 VALIDATION_ERROR for a task property value
// HubSpot does not take (a status, priority or type outside its options, a due time that is not a
// timestamp), and 429 RATE_LIMIT with policyName and the X-HubSpot-RateLimit-* headers (no
// Retry-After). Its clock can be the test's virtual one, so the request budget (190 per 10 s) is
// enforced on the same time the connector waits on. The connector's and the CRM tasks' tests use
// it, and so does the demo (`pulse demo --crm-fake hubspot`), which keeps the portal in a file
// between commands (`toJSON` / `FakeHubSpotPortal.fromJSON`, `onChange`).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ObjectType = 'companies' | 'deals' | 'tasks';

export interface FakeObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface FakeOwner {
  id: string;
  email: string;
  archived?: boolean;
}

/** The portal's records. Every change stamps hs_lastmodifieddate with the clock, one millisecond later each time. */
export class FakeHubSpotPortal {
  readonly objects: Record<ObjectType, Map<string, FakeObject>> = {
    companies: new Map(),
    deals: new Map(),
    tasks: new Map(),
  };
  /** deal id -> company ids (the first is the primary company). */
  readonly dealCompanies = new Map<string, string[]>();
  /** task id -> company ids. */
  readonly taskCompanies = new Map<string, string[]>();
  owners: FakeOwner[] = [];
  private nextId = 1000;
  private lastStamp = 0;

  constructor(public clock: () => number = Date.now) {}

  /** A modification time after every earlier one (HubSpot's clock never runs backwards for a record). */
  stamp(): string {
    this.lastStamp = Math.max(this.lastStamp + 1, this.clock());
    return new Date(this.lastStamp).toISOString();
  }

  add(type: ObjectType, properties: Record<string, string | null>, id = String(this.nextId++)): FakeObject {
    const at = this.stamp();
    const o: FakeObject = {
      id,
      properties: { createdate: at, ...properties, hs_object_id: id, hs_lastmodifieddate: at },
      createdAt: properties.createdate ?? at,
      updatedAt: at,
      archived: false,
    };
    this.objects[type].set(id, o);
    return o;
  }

  update(type: ObjectType, id: string, properties: Record<string, string | null>): FakeObject {
    const o = this.objects[type].get(id);
    if (!o) throw new Error(`fake HubSpot: no ${type} ${id}`);
    const at = this.stamp();
    Object.assign(o.properties, properties, { hs_lastmodifieddate: at });
    o.updatedAt = at;
    return o;
  }

  archive(type: ObjectType, id: string): void {
    const o = this.objects[type].get(id)!;
    o.archived = true;
    o.archivedAt = this.stamp();
    o.updatedAt = o.archivedAt;
  }

  addDeal(properties: Record<string, string | null>, companies: string[], id?: string): FakeObject {
    const d = this.add('deals', properties, id);
    this.dealCompanies.set(d.id, companies);
    return d;
  }

  /** The portal as plain JSON, tasks first (with their companies): what the demo keeps in .pulse/crm/. */
  toJSON(): FakeHubSpotPortalJson {
    const list = (type: ObjectType) => [...this.objects[type].values()].sort(byId);
    return {
      tasks: list('tasks').map((t) => ({ ...t, companies: this.taskCompanies.get(t.id) ?? [] })),
      companies: list('companies'),
      deals: list('deals').map((d) => ({ ...d, companies: this.dealCompanies.get(d.id) ?? [] })),
      owners: this.owners,
      nextId: this.nextId,
    };
  }

  static fromJSON(json: FakeHubSpotPortalJson, clock?: () => number): FakeHubSpotPortal {
    const p = new FakeHubSpotPortal(clock);
    for (const { companies, ...t } of json.tasks) {
      p.objects.tasks.set(t.id, t);
      p.taskCompanies.set(t.id, companies);
    }
    for (const c of json.companies) p.objects.companies.set(c.id, c);
    for (const { companies, ...d } of json.deals) {
      p.objects.deals.set(d.id, d);
      p.dealCompanies.set(d.id, companies);
    }
    p.owners = json.owners;
    p.nextId = json.nextId;
    return p;
  }
}

export interface FakeHubSpotPortalJson {
  tasks: (FakeObject & { companies: string[] })[];
  companies: FakeObject[];
  deals: (FakeObject & { companies: string[] })[];
  owners: FakeOwner[];
  nextId: number;
}

export interface FakeHubSpotFault {
  /** Matched against `METHOD /path` (no query). */
  match: RegExp;
  status: 429 | 500 | 502;
  /** How many matching requests get it (then they pass). */
  times: number;
  /** 429: HubSpot's policy (default TEN_SECONDLY_ROLLING). */
  policyName?: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';
}

export interface FakeHubSpotOptions {
  tokens?: string[];
  /** Scopes the token lacks: requests that need them answer 403 MISSING_SCOPES. */
  missingScopes?: string[];
  faults?: FakeHubSpotFault[];
  /** Enforce the private app's budget: at most this many requests per 10 s of the portal's clock (answers 429). */
  budgetPer10Seconds?: number;
  /** Called before each request is answered (after auth), with its number: how a test changes the portal mid-sync. */
  onRequest?: (n: number, method: string, path: string) => void;
  /** Called after a request created or changed a record (the demo saves the portal then). */
  onChange?: (portal: FakeHubSpotPortal) => void;
  /** Listen on this port (default: one the system picks). */
  port?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  status: number;
  at: number;
}

export interface FakeHubSpot {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const SEARCH_CAP = 10_000;
const SCOPE_OF: Record<string, string> = {
  companies: 'crm.objects.companies.read',
  deals: 'crm.objects.deals.read',
  owners: 'crm.objects.owners.read',
  tasks: 'crm.objects.contacts.write',
};

export async function startFakeHubSpot(portal: FakeHubSpotPortal, opts: FakeHubSpotOptions = {}): Promise<FakeHubSpot> {
  const tokens = new Set(opts.tokens ?? ['pat-na1-pulse']);
  const faults = (opts.faults ?? []).map((f) => ({ ...f }));
  const requests: RecordedRequest[] = [];
  const starts: number[] = [];
  let n = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? '/', 'http://fake');
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
        status: 0,
        at: portal.clock(),
      };
      requests.push(record);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
        res.end(JSON.stringify(payload));
      };
      try {
        handle(req, url, body, send);
      } catch (e) {
        send(500, {
          status: 'error',
          message: (e as Error).message,
          correlationId: randomUUID(),
          category: 'INTERNAL_ERROR',
        });
      }
    });
  });

  const handle = (
    req: IncomingMessage,
    url: URL,
    body: unknown,
    send: (s: number, p: unknown, h?: Record<string, string>) => void,
  ) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) {
      send(401, {
        status: 'error',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find ' +
          'more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        correlationId: randomUUID(),
        category: 'INVALID_AUTHENTICATION',
      });
      return;
    }
    const now = portal.clock();
    while (starts.length > 0 && now - starts[0]! >= 10_000) starts.shift();
    const limitHeaders = (remaining: number) => ({
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': String(opts.budgetPer10Seconds ?? 190),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, remaining)),
    });
    const rateLimited = (policyName: string) =>
      send(
        429,
        {
          status: 'error',
          message: `You have reached your ${policyName.toLowerCase()} limit.`,
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName,
          requestId: randomUUID(),
        },
        limitHeaders(0),
      );
    if (opts.budgetPer10Seconds !== undefined && starts.length >= opts.budgetPer10Seconds) {
      rateLimited('TEN_SECONDLY_ROLLING');
      return;
    }
    starts.push(now);
    const fault = faults.find((f) => f.times > 0 && f.match.test(`${method} ${path}`));
    if (fault) {
      fault.times--;
      if (fault.status === 429) rateLimited(fault.policyName ?? 'TEN_SECONDLY_ROLLING');
      else send(fault.status, { status: 'error', message: 'internal error', correlationId: randomUUID() });
      return;
    }
    const remaining = (opts.budgetPer10Seconds ?? 190) - starts.length;
    const ok = (payload: unknown, status = 200) => send(status, payload, limitHeaders(remaining));
    const objectType =
      /^\/crm\/v[34]\/(?:objects|associations)\/([a-z]+)/.exec(path)?.[1] ??
      (path.startsWith('/crm/v3/owners') ? 'owners' : '');
    const scope = SCOPE_OF[objectType];
    if (scope && opts.missingScopes?.includes(scope)) {
      send(403, {
        status: 'error',
        message:
          "This app hasn't been granted all required scopes to make this call. " +
          'Read more about required scopes here: https://developers.hubspot.com/scopes.',
        correlationId: randomUUID(),
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: [scope] },
          },
        ],
        links: { scopes: 'https://developers.hubspot.com/scopes' },
        category: 'MISSING_SCOPES',
      });
      return;
    }
    opts.onRequest?.(++n, method, path);

    if (method === 'GET' && path === '/crm/v3/owners') return ok(listOwners(portal, url.searchParams));
    let m = /^\/crm\/v3\/objects\/(companies|deals|tasks)$/.exec(path);
    if (m && method === 'GET') return ok(listObjects(portal, m[1] as ObjectType, url.searchParams));
    if (m && method === 'POST' && m[1] === 'tasks') {
      const invalid = invalidTaskProperties((body as TaskInput | undefined)?.properties, true);
      if (invalid) return send(400, invalid);
      const created = createTask(portal, body as TaskInput);
      opts.onChange?.(portal);
      return ok(created, 201);
    }
    m = /^\/crm\/v3\/objects\/(companies|deals|tasks)\/search$/.exec(path);
    if (m && method === 'POST') {
      const r = search(portal, m[1] as ObjectType, body as SearchBody);
      return 'error' in r ? send(400, r.error) : ok(r.page);
    }
    m = /^\/crm\/v3\/objects\/(companies|deals|tasks)\/batch\/read$/.exec(path);
    if (m && method === 'POST')
      return ok(batchRead(portal, m[1] as ObjectType, body as { properties?: string[]; inputs: { id: string }[] }));
    m = /^\/crm\/v4\/associations\/(companies|deals)\/(companies|deals)\/batch\/read$/.exec(path);
    if (m && method === 'POST') return ok(associations(portal, m[1]!, (body as { inputs: { id: string }[] }).inputs));
    m = /^\/crm\/v3\/objects\/tasks\/(\d+)$/.exec(path);
    if (m) {
      const task = portal.objects.tasks.get(m[1]!);
      if (!task || task.archived)
        return send(404, {
          status: 'error',
          message: 'resource not found',
          correlationId: randomUUID(),
          category: 'OBJECT_NOT_FOUND',
        });
      if (method === 'GET') return ok(view(task, url.searchParams.get('properties')?.split(',')));
      if (method === 'PATCH') {
        const properties = (body as { properties?: Record<string, string> } | undefined)?.properties;
        const invalid = invalidTaskProperties(properties, false);
        if (invalid) return send(400, invalid);
        const updated = view(portal.update('tasks', task.id, properties!));
        opts.onChange?.(portal);
        return ok(updated);
      }
    }
    send(404, {
      status: 'error',
      message: `no route ${method} ${path}`,
      correlationId: randomUUID(),
      category: 'OBJECT_NOT_FOUND',
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function view(o: FakeObject, properties?: string[]) {
  const props = properties ? Object.fromEntries(properties.map((p) => [p, o.properties[p] ?? null])) : o.properties;
  // HubSpot always answers these three with the requested ones.
  const always = {
    createdate: o.properties.createdate ?? null,
    hs_lastmodifieddate: o.properties.hs_lastmodifieddate ?? null,
    hs_object_id: o.id,
  };
  return {
    id: o.id,
    properties: { ...props, ...always },
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: o.archived,
    ...(o.archivedAt ? { archivedAt: o.archivedAt } : {}),
  };
}

const byId = (a: FakeObject, b: FakeObject) => Number(a.id) - Number(b.id);

function listOwners(portal: FakeHubSpotPortal, q: URLSearchParams) {
  const archived = q.get('archived') === 'true';
  const email = q.get('email')?.toLowerCase();
  const limit = Number(q.get('limit') ?? 100);
  const after = Number(q.get('after') ?? 0);
  const all = portal.owners.filter(
    (o) => Boolean(o.archived) === archived && (!email || o.email.toLowerCase() === email),
  );
  const page = all.slice(after, after + limit);
  return {
    results: page.map((o) => ({
      id: o.id,
      email: o.email,
      type: 'PERSON',
      firstName: o.email.split('@')[0],
      lastName: '',
      userId: Number(o.id) + 9000,
      createdAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-01T00:00:00Z',
      archived: Boolean(o.archived),
    })),
    ...(after + limit < all.length ? { paging: { next: { after: String(after + limit), link: '' } } } : {}),
  };
}

function listObjects(portal: FakeHubSpotPortal, type: ObjectType, q: URLSearchParams) {
  const limit = Math.min(Number(q.get('limit') ?? 10), 100);
  const archived = q.get('archived') === 'true';
  const after = Number(q.get('after') ?? 0);
  const properties = q.get('properties')?.split(',').filter(Boolean);
  const all = [...portal.objects[type].values()]
    .filter((o) => o.archived === archived && Number(o.id) >= after)
    .sort(byId);
  const page = all.slice(0, limit);
  const next = all[limit];
  return {
    results: page.map((o) => view(o, properties)),
    ...(next ? { paging: { next: { after: next.id, link: `?after=${next.id}` } } } : {}),
  };
}

interface Filter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'LT' | 'LTE' | 'HAS_PROPERTY';
  value?: string;
}
interface SearchBody {
  filterGroups?: { filters: Filter[] }[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties?: string[];
  limit?: number;
  after?: string | number;
}

/** A property's value as search compares it: datetimes and numbers as numbers, the rest as text. */
function comparable(o: FakeObject, name: string): number | string | undefined {
  const v = name === 'hs_object_id' ? o.id : o.properties[name];
  if (v === null || v === undefined || v === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return /^\d{4}-\d\d-\d\d/.test(v) && Number.isFinite(t) ? t : v;
}

function matches(o: FakeObject, f: Filter): boolean {
  const a = comparable(o, f.propertyName);
  if (f.operator === 'HAS_PROPERTY') return a !== undefined;
  if (a === undefined) return f.operator === 'NEQ';
  const b = typeof a === 'number' ? Number(f.value) : (f.value ?? '');
  switch (f.operator) {
    case 'EQ':
      return a === b;
    case 'NEQ':
      return a !== b;
    case 'GT':
      return a > b;
    case 'GTE':
      return a >= b;
    case 'LT':
      return a < b;
    case 'LTE':
      return a <= b;
  }
}

function search(portal: FakeHubSpotPortal, type: ObjectType, body: SearchBody): { page: unknown } | { error: unknown } {
  const limit = body.limit ?? 10;
  const after = Number(body.after ?? 0);
  if (limit > 200)
    return {
      error: {
        status: 'error',
        message: 'limit must be at most 200',
        correlationId: randomUUID(),
        category: 'VALIDATION_ERROR',
      },
    };
  if (after + limit > SEARCH_CAP) {
    return {
      error: {
        status: 'error',
        message: `paging beyond ${SEARCH_CAP} results is not supported`,
        correlationId: randomUUID(),
        category: 'VALIDATION_ERROR',
      },
    };
  }
  const groups = body.filterGroups ?? [];
  let hits = [...portal.objects[type].values()].filter(
    (o) => !o.archived && (groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(o, f)))),
  );
  const sort = body.sorts?.[0];
  hits = hits.sort((x, y) => {
    if (!sort) return byId(x, y);
    const a = comparable(x, sort.propertyName) ?? -Infinity;
    const b = comparable(y, sort.propertyName) ?? -Infinity;
    const c = a < b ? -1 : a > b ? 1 : 0;
    return (sort.direction === 'DESCENDING' ? -c : c) || byId(x, y);
  });
  const page = hits.slice(after, after + limit);
  const more = after + limit < hits.length;
  return {
    page: {
      total: hits.length,
      results: page.map((o) => view(o, body.properties)),
      ...(more ? { paging: { next: { after: String(after + limit) } } } : {}),
    },
  };
}

function batchRead(
  portal: FakeHubSpotPortal,
  type: ObjectType,
  body: { properties?: string[]; inputs: { id: string }[] },
) {
  const results = body.inputs
    .map((i) => portal.objects[type].get(String(i.id)))
    .filter((o): o is FakeObject => o !== undefined && !o.archived);
  const at = new Date(portal.clock()).toISOString();
  return { status: 'COMPLETE', results: results.map((o) => view(o, body.properties)), startedAt: at, completedAt: at };
}

function associations(portal: FakeHubSpotPortal, from: string, inputs: { id: string }[]) {
  const results = [];
  for (const { id } of inputs) {
    let to: { toObjectId: number; associationTypes: { category: string; typeId: number; label: string | null }[] }[];
    if (from === 'deals') {
      const companies = (portal.dealCompanies.get(String(id)) ?? []).filter(
        (c) => portal.objects.companies.get(c)?.archived === false,
      );
      to = companies.map((c, i) => ({
        toObjectId: Number(c),
        associationTypes: [
          ...(i === 0 ? [{ category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' }] : []),
          { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
        ],
      }));
    } else {
      to = [...portal.dealCompanies.entries()]
        .filter(([deal, cs]) => cs.includes(String(id)) && portal.objects.deals.get(deal)?.archived === false)
        .map(([deal]) => ({
          toObjectId: Number(deal),
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 342, label: null }],
        }));
    }
    if (to.length > 0) results.push({ from: { id: String(id) }, to });
  }
  const at = new Date(portal.clock()).toISOString();
  return { status: 'COMPLETE', results, startedAt: at, completedAt: at };
}

/** The options HubSpot's task properties take (its property definitions for the task object). */
const TASK_OPTIONS: Record<string, readonly string[]> = {
  hs_task_status: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'],
  hs_task_priority: ['NONE', 'LOW', 'MEDIUM', 'HIGH'],
  hs_task_type: ['TODO', 'CALL', 'EMAIL', 'LINKED_IN_CONNECT', 'LINKED_IN_MESSAGE'],
};

/** HubSpot's 400 for task properties it does not take; a create needs hs_timestamp (the due time). */
function invalidTaskProperties(properties: Record<string, string> | undefined, create: boolean): unknown {
  const problems: { name: string; error: string; message: string }[] = [];
  if (!properties || typeof properties !== 'object')
    problems.push({ name: 'properties', error: 'REQUIRED', message: 'properties is required' });
  else {
    if (create && !properties.hs_timestamp)
      problems.push({ name: 'hs_timestamp', error: 'REQUIRED', message: 'hs_timestamp is required' });
    const due = properties.hs_timestamp;
    // An ISO 8601 instant or epoch milliseconds, as HubSpot takes a datetime property.
    if (due !== undefined && !/^\d+$/.test(due) && !Number.isFinite(Date.parse(due)))
      problems.push({
        name: 'hs_timestamp',
        error: 'INVALID_DATETIME',
        message: `${properties.hs_timestamp} is not a valid datetime`,
      });
    for (const [name, options] of Object.entries(TASK_OPTIONS)) {
      const value = properties[name];
      if (value !== undefined && !options.includes(value))
        problems.push({
          name,
          error: 'INVALID_OPTION',
          message: `${value} was not one of the allowed options: [${options.join(', ')}]`,
        });
    }
  }
  if (problems.length === 0) return undefined;
  return {
    status: 'error',
    message: `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, ...p })))}`,
    correlationId: randomUUID(),
    category: 'VALIDATION_ERROR',
  };
}

interface TaskInput {
  properties: Record<string, string>;
  associations?: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
}

function createTask(portal: FakeHubSpotPortal, input: TaskInput) {
  const task = portal.add('tasks', input.properties);
  portal.taskCompanies.set(
    task.id,
    (input.associations ?? [])
      .filter((a) => a.types.some((t) => t.associationTypeId === 192))
      .map((a) => String(a.to.id)),
  );
  return view(task);
}
