// An HTTP JSON API as a contract source: one "file" per configured resource (entity), its items
// paged through (cursor, next link or offset) and delivered as rows. Incremental resources send the
// stored high-water mark and remember the largest change time seen, but only when the run settles
// the resource as processed (its rows are stored): a crash or a failed load refetches.
import type { EntityName } from '../../../domain/contract/entities';
import { readPath } from '../../../domain/sources/mapping';
import type { HttpResource, HttpSourceDefinition } from '../../../domain/sources/registry';
import type { ContractSource, SourceFile, SourceRow } from '../../../ports/source';
import type { SyncStateStore } from '../../../ports/sync-state';
import { getJson, retrySettings, testHooks, type HttpClientOptions, type HttpTestHooks } from './client';
import { authHeaders, type SecretResolver } from './credentials';
import { SourceError } from '../../../ports/source-error';

export interface HttpJsonSourceOptions extends HttpTestHooks {
  definition: HttpSourceDefinition;
  secrets: SecretResolver;
  /** Where high-water marks live; without it every run is a full sync. */
  syncState?: SyncStateStore;
  /** Ignore the stored high-water marks (they are still updated after a successful load). */
  full?: boolean;
  /** Stop after this many pages per resource (`pulse sources test`). */
  pageLimit?: number;
  /** Called after each page (for progress and tests). */
  onPage?: (info: { entity: EntityName; url: string; items: number; attempts: number }) => void;
}

/** The sync-state key of a resource's high-water mark. */
export const hwmKey = (entity: EntityName) => `hwm:${entity}`;

const RAW_LIMIT = 2000;

export class HttpJsonSource implements ContractSource {
  readonly description: string;
  private readonly def: HttpSourceDefinition;
  private readonly client: HttpClientOptions;

  constructor(private readonly opts: HttpJsonSourceOptions) {
    this.def = opts.definition;
    this.description = `http ${this.def.name} ${this.def.http.baseUrl}`;
    this.client = {
      ...retrySettings(this.def.http),
      ...testHooks(opts),
    };
  }

  async *files(): AsyncGenerator<SourceFile> {
    for (const entity of this.def.entities) {
      const resource = this.def.http.resources[entity];
      if (!resource) continue;
      const since =
        resource.incremental && !this.opts.full
          ? await this.opts.syncState?.get(this.def.name, hwmKey(entity))
          : undefined;
      const state = { maxSeen: undefined as string | undefined };
      yield {
        entity,
        name: `GET ${resource.path}${since !== undefined ? ` (${resource.incremental!.param}=${since})` : ''}`,
        rows: () => this.rows(entity, resource, since, state),
        settle: async (outcome) => {
          if (outcome !== 'processed' || !resource.incremental || state.maxSeen === undefined || !this.opts.syncState)
            return undefined;
          if (this.opts.pageLimit !== undefined) return undefined;
          await this.opts.syncState.put(this.def.name, hwmKey(entity), state.maxSeen);
          return `${hwmKey(entity)} = ${state.maxSeen}`;
        },
      };
    }
  }

  async ignored(): Promise<string[]> {
    return [];
  }

  private async *rows(
    entity: EntityName,
    resource: HttpResource,
    since: string | undefined,
    state: { maxSeen?: string },
  ): AsyncGenerator<SourceRow> {
    const headers = {
      ...this.def.http.headers,
      ...(await authHeaders(this.def.http.auth, this.opts.secrets, this.def.name)),
    };
    const base = new URL(this.def.http.baseUrl);
    const first = new URL(joinPath(base, resource.path));
    for (const [k, v] of Object.entries(resource.query)) first.searchParams.set(k, String(v));
    if (resource.pagination.type !== 'none') first.searchParams.set(resource.pageSizeParam, String(resource.pageSize));
    if (since !== undefined && resource.incremental) first.searchParams.set(resource.incremental.param, since);

    let url: URL | undefined = first;
    let line = 0;
    let pages = 0;
    const p = resource.pagination;
    while (url) {
      if (++pages > this.def.http.maxPages) {
        throw new SourceError(
          'TOO_MANY_PAGES',
          `source "${this.def.name}" ${resource.path}: more than maxPages ${this.def.http.maxPages} pages`,
        );
      }
      const what = `source "${this.def.name}" GET ${url.pathname}${url.search}`;
      const res = await getJson(url.href, headers, this.client, what);
      const items = resource.items === '.' ? res.body : readPath(asObject(res.body), resource.items);
      if (!Array.isArray(items)) {
        throw new SourceError(
          'BAD_RESPONSE',
          `${what}: the response has no array at "${resource.items}" (set the resource's "items" to the field that holds the records)`,
        );
      }
      this.opts.onPage?.({ entity, url: url.href, items: items.length, attempts: res.attempts });
      for (const item of items) {
        line++;
        const raw = safeJson(item);
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          yield { ok: false, error: { line, reason: 'the item is not a JSON object', raw } };
          continue;
        }
        const fields: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(item as Record<string, unknown>)) fields[k.trim().toLowerCase()] = v;
        if (resource.incremental)
          state.maxSeen = laterMark(
            state.maxSeen,
            readPath(fields, resource.incremental.field),
            resource.incremental.format,
          );
        yield { ok: true, row: { line, fields, raw } };
      }
      if (this.opts.pageLimit !== undefined && pages >= this.opts.pageLimit) break;
      url = nextUrl(p, res, items, url, base, resource, what);
    }
  }
}

function nextUrl(
  p: HttpResource['pagination'],
  res: { body: unknown; headers: Headers },
  items: unknown[],
  current: URL,
  base: URL,
  resource: HttpResource,
  what: string,
): URL | undefined {
  const body = asObject(res.body);
  switch (p.type) {
    case 'none':
      return undefined;
    case 'cursor': {
      let cursor: unknown;
      if (p.cursorPath) {
        cursor = readPath(body, p.cursorPath);
      } else {
        if (readPath(body, p.hasMore) !== true || items.length === 0) return undefined;
        cursor = readPath(asObject(items[items.length - 1]), p.cursorFrom);
        if (cursor === undefined || cursor === null || cursor === '') {
          throw new SourceError(
            'BAD_RESPONSE',
            `${what}: ${p.hasMore} is true but the last item has no "${p.cursorFrom}" to continue from`,
          );
        }
      }
      if (cursor === undefined || cursor === null || cursor === '') return undefined;
      const next = new URL(current.href);
      next.searchParams.set(p.param, String(cursor));
      return next;
    }
    case 'next-link': {
      const link = readPath(body, p.next) ?? linkHeaderNext(res.headers.get('link'));
      if (typeof link !== 'string' || link === '') return undefined;
      const next = new URL(link, current);
      if (next.origin !== base.origin) {
        throw new SourceError(
          'FOREIGN_NEXT_LINK',
          `${what}: the next link ${next.origin} is not on ${base.origin}; the credentials are not sent there`,
        );
      }
      return next;
    }
    case 'offset': {
      if (items.length < resource.pageSize) return undefined;
      const next = new URL(current.href);
      const offset = Number(current.searchParams.get(p.param) ?? '0') + items.length;
      next.searchParams.set(p.param, String(offset));
      return next;
    }
  }
}

/** `<https://api/x?page=2>; rel="next", <...>; rel="last"` -> the next URL. */
export function linkHeaderNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

function joinPath(base: URL, path: string): string {
  return `${base.origin}${base.pathname.replace(/\/$/, '')}${path}`;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function safeJson(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > RAW_LIMIT ? `${s.slice(0, RAW_LIMIT)}...` : s;
}

/** The later of two high-water marks (epoch numbers compare as numbers, ISO times as instants). */
export function laterMark(
  current: string | undefined,
  value: unknown,
  format: 'epoch' | 'epoch-ms' | 'iso',
): string | undefined {
  if (value === undefined || value === null || value === '') return current;
  const s = String(value);
  const num = (x: string) => (format === 'iso' ? Date.parse(x) : Number(x));
  const n = num(s);
  if (!Number.isFinite(n)) return current;
  if (current === undefined) return s;
  return n > num(current) ? s : current;
}
