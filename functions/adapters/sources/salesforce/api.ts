// Salesforce's REST API on Pulse's own HTTP client (not jsforce: bundled, jsforce alone is 1.35 MB
// of the 1.5 MB a Lambda may weigh). Signs in with an access token (locally) or the OAuth client
// credentials / JWT bearer flows (in AWS), runs SOQL with `nextRecordsUrl` paging, creates and
// updates records, and reads the org's daily API quota from every answer's Sforce-Limit-Info
// header. Salesforce answers errors as [{ message, errorCode }]: a spent daily quota
// (403 REQUEST_LIMIT_EXCEEDED) and a refused token (401 INVALID_SESSION_ID) end the work with a
// message that says what happened and what to do, without retries.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SalesforceAuth, SalesforceSettings } from '../../../domain/sources/salesforce-definition';
import {
  requestJson,
  retrySettings,
  type HttpClientOptions,
  type HttpTestHooks,
  type JsonResponse,
  type RequestInit,
} from '../http/client';
import { secretEnvName, type SecretResolver } from '../http/credentials';
import { SourceError } from '../../../ports/source-error';

/** The org's API requests in the last 24 hours and its limit, as the last answer said. */
export interface ApiUsage {
  used: number;
  max: number;
}

/** `api-usage=18/15000` (the header may carry other entries, comma-separated, e.g. `per-app-api-usage=...`). */
export function parseLimitInfo(header: string | null): ApiUsage | undefined {
  const m = header ? /(?:^|[\s,])api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), max: Number(m[2]) } : undefined;
}

export const formatUsage = (u: ApiUsage | undefined): string =>
  u ? `API usage ${u.used}/${u.max} in the last 24 h` : 'API usage not reported';

export interface QueryResult<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

/** A record as a query answers it: `attributes` plus the selected fields (relationships as nested records). */
export type SalesforceRecord = { attributes?: { type: string; url?: string } } & Record<string, unknown>;

export interface SalesforceApiOptions {
  instanceUrl: string;
  apiVersion: string;
  /** Where the token comes from: a token from the environment, or an OAuth flow. */
  credentials: SalesforceCredentials;
  http: Omit<HttpClientOptions, 'fetch'> & { fetch?: typeof fetch };
  maxPages: number;
  /** Names the source in messages (`source "crm"`). */
  label: string;
}

export type SalesforceCredentials =
  | { kind: 'token'; token: string; from: string }
  | { kind: 'oauth'; auth: SalesforceAuth; secrets: SecretResolver; instanceUrl: string }
  | { kind: 'none'; hint: string };

interface Token {
  value: string;
  from: string;
  /** True when a new one can be asked for (an OAuth flow). */
  renewable: boolean;
}

export class SalesforceApi {
  private readonly origin: string;
  private token?: Token;
  /** Requests answered (retries included) and the quota as last reported. */
  requests = 0;
  usage?: ApiUsage;

  constructor(private readonly opts: SalesforceApiOptions) {
    this.origin = new URL(opts.instanceUrl).origin;
  }

  get where(): string {
    return `Salesforce at ${this.origin}`;
  }

  /** `/services/data/v62.0` + path. */
  dataPath(path: string): string {
    return `/services/data/${this.opts.apiVersion}${path}`;
  }

  /** Every page of a SOQL query (`all` = queryAll: deleted and merged records too). */
  async *query<T extends SalesforceRecord = SalesforceRecord>(
    soql: string,
    opts: { all?: boolean } = {},
  ): AsyncGenerator<T[]> {
    let path: string | undefined = this.dataPath(`/${opts.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`);
    for (let page = 1; path !== undefined; page++) {
      if (page > this.opts.maxPages) {
        throw new SourceError(
          'TOO_MANY_PAGES',
          `${this.where}: the query ran past maxPages ${this.opts.maxPages} pages: ${soql}`,
        );
      }
      const res = await this.request('GET', path, undefined, soql);
      const body = res.body as Partial<QueryResult<T>> | null;
      if (!body || !Array.isArray(body.records)) {
        throw new SourceError('BAD_RESPONSE', `${this.where} answered a query without a records array: ${soql}`);
      }
      yield body.records;
      path = body.done === false && typeof body.nextRecordsUrl === 'string' ? body.nextRecordsUrl : undefined;
      if (path !== undefined && !path.startsWith('/services/data/')) {
        throw new SourceError(
          'FOREIGN_NEXT_LINK',
          `${this.where} gave a nextRecordsUrl outside the REST API (${path}); the token is not sent there`,
        );
      }
    }
  }

  /** The first record a query answers, if any. */
  async first<T extends SalesforceRecord = SalesforceRecord>(soql: string): Promise<T | undefined> {
    for await (const page of this.query<T>(soql)) return page[0];
    return undefined;
  }

  /**
   * One REST call below the instance (a path starting /services/...). A refused token is renewed
   * once (OAuth). `once`: no retry after a timeout or 5xx (a create that may have happened).
   */
  async request(
    method: RequestInit['method'],
    path: string,
    body?: unknown,
    what?: string,
    opts: { once?: boolean } = {},
  ): Promise<JsonResponse> {
    const token = await this.currentToken();
    try {
      return await this.send(method, path, body, token, what, opts.once);
    } catch (err) {
      if (err instanceof SourceError && err.errorCode === 'INVALID_SESSION_ID' && token.renewable) {
        // An OAuth token expired mid-run (session timeout): one new token, then the same call.
        this.token = undefined;
        return this.send(method, path, body, await this.currentToken(), what, opts.once);
      }
      throw err;
    }
  }

  private async send(
    method: RequestInit['method'],
    path: string,
    body: unknown,
    token: Token,
    what?: string,
    once?: boolean,
  ): Promise<JsonResponse> {
    const url = `${this.origin}${path}`;
    const label = `${this.where} (${method ?? 'GET'} ${path.split('?')[0]})`;
    const http = once ? { ...this.http(), maxAttempts: 1 } : this.http();
    try {
      const res = await requestJson(
        url,
        { method, headers: { authorization: `Bearer ${token.value}` }, ...(body === undefined ? {} : { body }) },
        http,
        label,
      );
      this.requests += res.attempts;
      this.noteUsage(res.headers);
      return res;
    } catch (err) {
      this.requests++;
      throw this.explain(err, token, what);
    }
  }

  private http(): HttpClientOptions {
    return this.opts.http;
  }

  private noteUsage(headers: Headers): void {
    const u = parseLimitInfo(headers.get('sforce-limit-info'));
    if (u) this.usage = u;
  }

  /** A Salesforce error answer as a message that says what to do. */
  private explain(err: unknown, token: Token, what?: string): unknown {
    // No answer to explain (retries spent, not JSON ...): the client's error says it already.
    if (!(err instanceof SourceError) || err.status === undefined) return err;
    const { status } = err;
    const first = salesforceErrors(err.body)[0];
    const code = first?.errorCode;
    const said = first ? `${status} ${first.errorCode}: ${first.message}` : `HTTP ${status}`;
    if (code === 'REQUEST_LIMIT_EXCEEDED') {
      return new SourceError(
        'QUOTA_EXHAUSTED',
        `${this.where}: the org's API request limit is used up (${said}; last ${formatUsage(this.usage)}). ` +
          'Pulse stops here and does not retry: the daily limit is a rolling 24 hours, so the next run continues ' +
          'from the last stored sync point once other integrations leave room',
        { status, errorCode: code, cause: err },
      );
    }
    if (code === 'INVALID_SESSION_ID' || status === 401) {
      return new SourceError(
        'AUTH_FAILED',
        `${this.where} refused the access token from ${token.from} (${said}): ` +
          (token.renewable
            ? 'check the connected app and its integration user'
            : 'get a new access token (it expires with the session)'),
        { status, errorCode: code ?? 'INVALID_SESSION_ID', cause: err },
      );
    }
    if (code === 'INVALID_FIELD' || code === 'INVALID_TYPE' || code === 'MALFORMED_QUERY') {
      return new SourceError(
        'BAD_QUERY',
        `${this.where} refused a query (${said}): the field or object is not in the org ` +
          'or not visible to the integration user; ' +
          `check the source's salesforce settings and identity rules${what ? ` (query: ${what})` : ''}`,
        { status, errorCode: code, cause: err },
      );
    }
    return new SourceError('HTTP_ERROR', `${this.where} answered ${said}${what ? ` to ${what}` : ''}`, {
      status,
      ...(code ? { errorCode: code } : {}),
      cause: err,
    });
  }

  private async currentToken(): Promise<Token> {
    this.token ??= await this.signIn();
    return this.token;
  }

  private async signIn(): Promise<Token> {
    const c = this.opts.credentials;
    if (c.kind === 'token') return { value: c.token, from: c.from, renewable: false };
    if (c.kind === 'none')
      throw new SourceError('NO_CREDENTIALS', `${this.opts.label}: no Salesforce credentials (${c.hint})`);
    const { auth, secrets } = c;
    const secret = (await secrets.get(auth.secretName))?.trim();
    if (!secret) {
      throw new SourceError(
        'NO_CREDENTIALS',
        `${this.opts.label}: the secret "${auth.secretName}" for the Salesforce ${auth.flow} flow ` +
          'is missing or empty ' +
          `(in AWS: Secrets Manager; locally: env ${secretEnvName(auth.secretName)})`,
      );
    }
    const tokenUrl = auth.tokenUrl ?? `${c.instanceUrl.replace(/\/+$/, '')}/services/oauth2/token`;
    const form = new URLSearchParams();
    if (auth.flow === 'client-credentials') {
      const doc = parseJsonSecret(secret);
      if (typeof doc?.clientId !== 'string' || typeof doc.clientSecret !== 'string') {
        throw new SourceError(
          'NO_CREDENTIALS',
          `${this.opts.label}: the secret "${auth.secretName}" must be JSON ` +
            '{ "clientId": "...", "clientSecret": "..." }',
        );
      }
      form.set('grant_type', 'client_credentials');
      form.set('client_id', doc.clientId);
      form.set('client_secret', doc.clientSecret);
    } else {
      const doc = secret.startsWith('{') ? parseJsonSecret(secret) : { privateKey: secret };
      if (typeof doc?.privateKey !== 'string') {
        throw new SourceError(
          'NO_CREDENTIALS',
          `${this.opts.label}: the secret "${auth.secretName}" must be a PEM private key ` +
            'or JSON { "privateKey": "-----BEGIN ..." }',
        );
      }
      let key: KeyObject;
      try {
        key = createPrivateKey(doc.privateKey);
      } catch (e) {
        throw new SourceError(
          'NO_CREDENTIALS',
          `${this.opts.label}: the secret "${auth.secretName}" holds no readable private key (${(e as Error).message})`,
        );
      }
      // Salesforce accepts an assertion that expires within 3 minutes.
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(auth.clientId)
        .setSubject(auth.username)
        .setAudience(auth.audience)
        .setExpirationTime(Math.floor((this.opts.http.now ?? Date.now)() / 1000) + 180)
        .sign(key);
      form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      form.set('assertion', assertion);
    }
    let res: JsonResponse;
    try {
      res = await requestJson(
        tokenUrl,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
        this.http(),
        `Salesforce's token endpoint ${tokenUrl}`,
      );
      this.requests += res.attempts;
    } catch (err) {
      this.requests++;
      if (err instanceof SourceError && err.status !== undefined && err.status < 500) {
        const o = parseJsonSecret(err.body ?? '') as { error?: unknown; error_description?: unknown } | undefined;
        const said = o?.error
          ? `${String(o.error)}${o.error_description ? `: ${String(o.error_description)}` : ''}`
          : `HTTP ${err.status}`;
        throw new SourceError(
          'AUTH_FAILED',
          `Salesforce's token endpoint ${tokenUrl} refused the ${auth.flow} sign-in ` +
            `with the secret "${auth.secretName}" (${said}): ` +
            'check the connected app (flow enabled, integration user, pre-authorised for JWT) and the secret',
          { status: err.status, cause: err },
        );
      }
      throw err instanceof SourceError ? err : new SourceError('HTTP_ERROR', (err as Error).message, { cause: err });
    }
    const token = (res.body as { access_token?: unknown } | null)?.access_token;
    if (typeof token !== 'string' || token === '')
      throw new SourceError('AUTH_FAILED', `Salesforce's token endpoint ${tokenUrl} answered without an access_token`);
    return { value: token, from: `the ${auth.flow} flow (secret "${auth.secretName}")`, renewable: true };
  }
}

/** Salesforce's error answer: [{ message, errorCode, fields? }]. */
export function salesforceErrors(body: string | undefined): { message: string; errorCode: string }[] {
  if (!body) return [];
  try {
    const doc = JSON.parse(body) as unknown;
    const list = Array.isArray(doc) ? doc : [doc];
    return list
      .filter((e): e is { message?: unknown; errorCode?: unknown } => typeof e === 'object' && e !== null)
      .filter((e) => typeof e.errorCode === 'string')
      .map((e) => ({ errorCode: String(e.errorCode), message: String(e.message ?? '') }));
  } catch {
    return [];
  }
}

function parseJsonSecret(text: string): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A SOQL string literal: backslash and quote escaped. */
export const soqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A SOQL dateTime literal (whole seconds, UTC). */
export const soqlDateTime = (epochMs: number): string =>
  new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** `2026-12-01T12:00:00.000+0000` (Salesforce's form) -> epoch ms; NaN when unreadable. */
export function parseSalesforceDateTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  return Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

/** Test hooks of the HTTP client. */
export type SalesforceHttpHooks = HttpTestHooks;

/** The API of a configured source: a token from `tokenEnv` first (local), else its OAuth flow (AWS). */
export function salesforceApiFor(
  def: { name: string; salesforce: SalesforceSettings },
  deps: { env: Readonly<Record<string, string | undefined>>; secrets: SecretResolver; hooks?: SalesforceHttpHooks },
): SalesforceApi {
  const s = def.salesforce;
  const token = deps.env[s.tokenEnv]?.trim();
  const credentials: SalesforceCredentials = token
    ? { kind: 'token', token, from: `the environment variable ${s.tokenEnv}` }
    : s.auth
      ? { kind: 'oauth', auth: s.auth, secrets: deps.secrets, instanceUrl: s.instanceUrl }
      : {
          kind: 'none',
          hint:
            `locally: export ${s.tokenEnv}=<access token>; ` +
            'in AWS: set salesforce.auth to the client-credentials or jwt-bearer flow',
        };
  return new SalesforceApi({
    instanceUrl: s.instanceUrl,
    apiVersion: s.apiVersion,
    credentials,
    http: { ...retrySettings(s), ...deps.hooks },
    maxPages: s.maxPages,
    label: `source "${def.name}"`,
  });
}
