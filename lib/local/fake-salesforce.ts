// A loopback fake of Salesforce's REST API for the Salesforce connector and the CRM task adapter,
// in the documented shapes: query and queryAll ({ totalSize, done, nextRecordsUrl, records with
// attributes }), query locators that page a result fixed when the query ran (values read as each
// page is served), the OAuth token endpoint (client credentials, JWT bearer), sObject create and
// update (Task), errors as [{ message, errorCode }] (INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED,
// INVALID_FIELD, MALFORMED_QUERY, NOT_FOUND) and the Sforce-Limit-Info header on every answer.
// The connector's and the CRM tasks' tests use it, and so does the demo (`pulse demo --crm-fake
// salesforce`), which keeps the records in a file between commands (`onChange`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { parseSoql, type SoqlError, type Condition, type Literal, type SoqlQuery } from './fake-salesforce-soql';

export type FakeRecord = Record<string, unknown> & { Id: string };

export interface FakeSalesforceOptions {
  /** Records per object type (Account, Opportunity, User, RecordType ...); Id required. */
  records?: Record<string, FakeRecord[]>;
  /** Valid access tokens (default ['00Dfake!token']). */
  tokens?: string[];
  /** Client credentials flow: clientId -> clientSecret. */
  clients?: Record<string, string>;
  /** JWT bearer flow: the connected app's certificate's public key (SPKI PEM), consumer key and allowed users. */
  jwt?: { publicKeyPem: string; clientId: string; usernames: string[]; audience: string };
  /** Records per query page (Salesforce: up to 2000). */
  batchSize?: number;
  /** The org's daily API request limit and how much of it is used. */
  apiLimit?: { max: number; used?: number };
  /** "Now" for SystemModstamp of changes (epoch ms); default the wall clock. */
  now?: () => number;
  /** Fail the next matching requests (path prefix below /services/data/vXX.X, e.g. '/sobjects/Task'). */
  faults?: { method?: string; path: string; status: number; times: number; body?: unknown }[];
  /** Called after a request created or changed a record (the demo keeps the records in a file). */
  onChange?: (records: Record<string, FakeRecord[]>) => void;
}

export interface FakeSalesforceRequest {
  method: string;
  path: string;
  status: number;
  /** The SOQL of a query request. */
  soql?: string;
  body?: unknown;
  authorization?: string;
}

export interface FakeSalesforce {
  url: string;
  requests: FakeSalesforceRequest[];
  records: Record<string, FakeRecord[]>;
  apiLimit: { max: number; used: number };
  /** Tokens the token endpoint issued. */
  issued: string[];
  /** Called after each query page is served (a test changes data mid-sync here). */
  onPage?: (locator: string, page: number) => void;
  insert(object: string, record: FakeRecord): void;
  update(object: string, id: string, patch: Record<string, unknown>): void;
  remove(object: string, id: string): void;
  revokeTokens(): void;
  close(): Promise<void>;
}

const DEFAULT_TOKENS = ['00Dfake!token'];
const API = /^\/services\/data\/(v\d+\.\d)(\/.*)$/;
const SYSTEM_FIELDS = ['Id', 'IsDeleted', 'SystemModstamp', 'CreatedDate'];
/** relationship name -> [id field, object]. */
const RELATIONSHIPS: Record<string, [string, string]> = {
  Owner: ['OwnerId', 'User'],
  Account: ['AccountId', 'Account'],
  RecordType: ['RecordTypeId', 'RecordType'],
  What: ['WhatId', 'Account'],
};

/** Salesforce's timestamp form: 2026-12-01T12:00:00.000+0000. */
export const sfDateTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

let idSeq = 0;

export async function startFakeSalesforce(opts: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const records: Record<string, FakeRecord[]> = {};
  for (const [object, list] of Object.entries(opts.records ?? {}))
    records[object] = list.map((r) => ({ IsDeleted: false, ...r }));
  const tokens = new Set(opts.tokens ?? DEFAULT_TOKENS);
  const now = opts.now ?? Date.now;
  const batchSize = opts.batchSize ?? 2000;
  const apiLimit = { max: opts.apiLimit?.max ?? 15_000, used: opts.apiLimit?.used ?? 0 };
  const faults = (opts.faults ?? []).map((f) => ({ ...f }));
  const locators = new Map<string, { object: string; fields: string[]; ids: string[]; page: number }>();
  const requests: FakeSalesforceRequest[] = [];
  const issued: string[] = [];
  const sockets = new Set<Socket>();
  const jwtKey: Awaited<ReturnType<typeof importSPKI>> | undefined = opts.jwt
    ? await importSPKI(opts.jwt.publicKeyPem, 'RS256')
    : undefined;
  let fake: FakeSalesforce;

  const find = (object: string, id: string) => records[object]?.find((r) => r.Id === id);

  const fieldValue = (_object: string, record: FakeRecord, path: string): unknown => {
    const dot = path.indexOf('.');
    if (dot < 0) return record[path];
    const rel = RELATIONSHIPS[path.slice(0, dot)];
    if (!rel) return undefined;
    const target = typeof record[rel[0]] === 'string' ? find(rel[1], record[rel[0]] as string) : undefined;
    return target ? fieldValue(rel[1], target, path.slice(dot + 1)) : null;
  };

  const knownField = (object: string, path: string): boolean => {
    const dot = path.indexOf('.');
    if (dot >= 0) {
      const rel = RELATIONSHIPS[path.slice(0, dot)];
      return rel !== undefined && knownField(rel[1], path.slice(dot + 1));
    }
    return SYSTEM_FIELDS.includes(path) || (records[object] ?? []).some((r) => path in r);
  };

  const compare = (a: unknown, b: Literal): number => {
    if (b !== null && typeof b === 'object') {
      const ms = typeof a === 'string' ? Date.parse(a.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : Number.NaN;
      return ms - b.dateTime;
    }
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a ?? '').localeCompare(String(b ?? ''));
  };

  const matches = (object: string, r: FakeRecord, c: Condition): boolean => {
    const v = fieldValue(object, r, c.field) ?? null;
    switch (c.op) {
      case '=':
        return (
          v === c.value ||
          (c.value !== null && typeof c.value !== 'object' && String(v) === String(c.value) && v !== null)
        );
      case '!=':
        return v !== c.value;
      case 'IN':
        return (c.value as Literal[]).some((x) => x === v);
      case 'LIKE': {
        const re = new RegExp(
          `^${String(c.value)
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace(/%/g, '.*')
            .replace(/_/g, '.')}$`,
          'i',
        );
        return typeof v === 'string' && re.test(v);
      }
      default: {
        if (v === null) return false;
        const d = compare(v, c.value as Literal);
        return c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : d >= 0;
      }
    }
  };

  const render = (object: string, r: FakeRecord, fields: string[], version: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${r.Id}` },
    };
    for (const f of fields) {
      const parts = f.split('.');
      if (parts.length === 1) {
        out[f] = r[f] ?? null;
        continue;
      }
      // Owner.Email -> "Owner": { attributes, Email } (null when the reference is empty).
      const rel = RELATIONSHIPS[parts[0]!]!;
      const target = typeof r[rel[0]] === 'string' ? find(rel[1], r[rel[0]] as string) : undefined;
      if (!target) {
        out[parts[0]!] = null;
        continue;
      }
      const nested = (out[parts[0]!] as Record<string, unknown> | undefined) ?? {
        attributes: { type: rel[1], url: `/services/data/${version}/sobjects/${rel[1]}/${target.Id}` },
      };
      nested[parts.slice(1).join('.')] = target[parts.slice(1).join('.')] ?? null;
      out[parts[0]!] = nested;
    }
    return out;
  };

  const page = (locatorId: string, version: string) => {
    const loc = locators.get(locatorId)!;
    const start = loc.page * batchSize;
    const ids = loc.ids.slice(start, start + batchSize);
    loc.page++;
    const done = start + batchSize >= loc.ids.length;
    const body = {
      totalSize: loc.ids.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${locatorId}-${start + batchSize}` }),
      records: ids
        .map((id) => find(loc.object, id))
        .filter((r): r is FakeRecord => r !== undefined)
        .map((r) => render(loc.object, r, loc.fields, version)),
    };
    if (done) locators.delete(locatorId);
    return { body, page: loc.page };
  };

  const runQuery = (q: SoqlQuery, all: boolean): string[] => {
    let list = (records[q.object] ?? []).filter((r) => all || r.IsDeleted !== true);
    for (const c of q.where) list = list.filter((r) => matches(q.object, r, c));
    if (q.orderBy.length) {
      list = [...list].sort((a, b) => {
        for (const f of q.orderBy) {
          const d = compareValues(fieldValue(q.object, a, f), fieldValue(q.object, b, f));
          if (d !== 0) return d;
        }
        return 0;
      });
    }
    return list.slice(0, q.limit ?? list.length).map((r) => r.Id);
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const record: FakeSalesforceRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      status: 0,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    if (url.pathname === '/services/oauth2/token' && req.method === 'POST') {
      const form = new URLSearchParams(raw);
      const grant = form.get('grant_type');
      let ok = false;
      if (grant === 'client_credentials') {
        const id = form.get('client_id') ?? '';
        if (opts.clients?.[id] === undefined)
          return send(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
        ok = opts.clients[id] === form.get('client_secret');
        if (!ok) return send(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
      } else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && opts.jwt && jwtKey) {
        try {
          const { payload } = await jwtVerify(form.get('assertion') ?? '', jwtKey, {
            issuer: opts.jwt.clientId,
            audience: opts.jwt.audience,
            requiredClaims: ['exp', 'sub'],
          });
          // Salesforce takes an assertion that expires within 3 minutes.
          if (payload.exp! * 1000 - Date.now() > 180_000)
            return send(400, { error: 'invalid_grant', error_description: 'expiration time too far in the future' });
          ok = opts.jwt.usernames.includes(String(payload.sub));
          if (!ok)
            return send(400, { error: 'invalid_grant', error_description: "user hasn't approved this consumer" });
        } catch (e) {
          return send(400, { error: 'invalid_grant', error_description: `invalid assertion: ${(e as Error).message}` });
        }
      } else {
        return send(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      }
      const token = `00Dfake!issued${++idSeq}`;
      tokens.add(token);
      issued.push(token);
      const base = fake.url;
      return send(200, {
        access_token: token,
        instance_url: base,
        id: `${base}/id/00Dfake/005fake`,
        token_type: 'Bearer',
        issued_at: String(now()),
        signature: 'fake',
      });
    }

    const m = API.exec(url.pathname);
    if (!m) return send(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const [, version, rest] = m as unknown as [string, string, string];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer))
      return send(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    if (apiLimit.used >= apiLimit.max) {
      return send(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], {
        'sforce-limit-info': `api-usage=${apiLimit.used}/${apiLimit.max}`,
      });
    }
    apiLimit.used++;
    const limitHeader = { 'sforce-limit-info': `api-usage=${apiLimit.used}/${apiLimit.max}` };
    const fault = faults.find((f) => f.times > 0 && rest.startsWith(f.path) && (!f.method || f.method === req.method));
    if (fault) {
      fault.times--;
      return send(
        fault.status,
        fault.body ?? [{ message: 'fault injected', errorCode: 'UNKNOWN_EXCEPTION' }],
        limitHeader,
      );
    }

    const query = /^\/(query|queryAll)\/?$/.exec(rest);
    if (query && req.method === 'GET') {
      const soql = url.searchParams.get('q') ?? '';
      record.soql = soql;
      let q: SoqlQuery;
      try {
        q = parseSoql(soql);
      } catch (e) {
        return send(400, [{ message: (e as SoqlError).message, errorCode: 'MALFORMED_QUERY' }], limitHeader);
      }
      for (const f of [...q.fields, ...q.where.map((c) => c.field)]) {
        if (!knownField(q.object, f)) {
          return send(
            400,
            [{ message: `No such column '${f}' on entity '${q.object}'.`, errorCode: 'INVALID_FIELD' }],
            limitHeader,
          );
        }
      }
      const locatorId = `01gFAKE${++idSeq}`;
      locators.set(locatorId, {
        object: q.object,
        fields: q.fields,
        ids: runQuery(q, query[1] === 'queryAll'),
        page: 0,
      });
      const { body, page: n } = page(locatorId, version);
      send(200, body, limitHeader);
      fake.onPage?.(locatorId, n);
      return;
    }
    const more = /^\/(?:query|queryAll)\/(01gFAKE\d+)-(\d+)$/.exec(rest);
    if (more && req.method === 'GET') {
      if (!locators.has(more[1]!))
        return send(400, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }], limitHeader);
      const { body, page: n } = page(more[1]!, version);
      send(200, body, limitHeader);
      fake.onPage?.(more[1]!, n);
      return;
    }
    const sobject = /^\/sobjects\/([A-Za-z_]+)(?:\/([A-Za-z0-9]+))?$/.exec(rest);
    if (sobject) {
      const [, object, id] = sobject as unknown as [string, string, string | undefined];
      let body: Record<string, unknown>;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return send(400, [{ message: 'Unexpected character', errorCode: 'JSON_PARSER_ERROR' }], limitHeader);
      }
      record.body = body;
      if (req.method === 'POST' && !id) {
        if (object === 'Task' && !body.Subject)
          return send(
            400,
            [
              {
                message: 'Required fields are missing: [Subject]',
                errorCode: 'REQUIRED_FIELD_MISSING',
                fields: ['Subject'],
              },
            ],
            limitHeader,
          );
        let newId: string;
        do newId = `00T${String(++idSeq).padStart(15, '0')}`;
        while (find(object, newId)); // records loaded from an earlier session keep their ids
        fake.insert(object, { Id: newId, ...body });
        opts.onChange?.(records);
        return send(201, { id: newId, success: true, errors: [] }, limitHeader);
      }
      if (req.method === 'PATCH' && id) {
        if (!find(object, id))
          return send(
            404,
            [
              {
                message: 'Provided external ID field does not exist or is not accessible: ' + id,
                errorCode: 'NOT_FOUND',
              },
            ],
            limitHeader,
          );
        fake.update(object, id, body);
        opts.onChange?.(records);
        return send(204, undefined, limitHeader);
      }
      if (req.method === 'GET' && id) {
        const r = find(object, id);
        return r
          ? send(200, render(object, r, Object.keys(r), version), limitHeader)
          : send(404, [{ message: 'not found', errorCode: 'NOT_FOUND' }], limitHeader);
      }
    }
    return send(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], limitHeader);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  fake = {
    url: `http://127.0.0.1:${port}`,
    requests,
    records,
    apiLimit,
    issued,
    insert(object, record) {
      const t = now();
      (records[object] ??= []).push({
        IsDeleted: false,
        CreatedDate: sfDateTime(t),
        SystemModstamp: sfDateTime(t),
        ...record,
      });
    },
    update(object, id, patch) {
      const r = find(object, id);
      if (!r) throw new Error(`fake salesforce: no ${object} ${id}`);
      Object.assign(r, patch, { SystemModstamp: sfDateTime(now()) });
    },
    remove(object, id) {
      const r = find(object, id);
      if (!r) throw new Error(`fake salesforce: no ${object} ${id}`);
      Object.assign(r, { IsDeleted: true, SystemModstamp: sfDateTime(now()) });
    },
    revokeTokens() {
      tokens.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return fake;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
