// One HTTP request with a timeout, and retries with full-jitter backoff on 429, 5xx, timeouts and
// connection errors; a Retry-After header (seconds or an HTTP date) is honoured. Every connector
// built on plain HTTP (the http-json source, ECB, the CRM and help-desk APIs) goes through here.
import { fullJitterDelay, realSleep } from '../../../backoff';
import { SourceError } from '../../../ports/source-error';

export interface HttpClientOptions {
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** What a test injects into a connector's HTTP client: a fake fetch, and time that does not pass. */
export type HttpTestHooks = Pick<HttpClientOptions, 'fetch' | 'sleep' | 'random' | 'now'>;

/** Only the hooks that are set (an absent hook stays absent, not undefined). */
export function testHooks(o: HttpTestHooks): HttpTestHooks {
  const { fetch, sleep, random, now } = o;
  return {
    ...(fetch ? { fetch } : {}),
    ...(sleep ? { sleep } : {}),
    ...(random ? { random } : {}),
    ...(now ? { now } : {}),
  };
}

/** The retry settings every HTTP source's config carries, as client options. */
export type HttpRetrySettings = Pick<
  HttpClientOptions,
  'timeoutMs' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'
>;

/** Only the retry settings of a source's settings block (which carries much else). */
export function retrySettings(s: HttpRetrySettings): HttpRetrySettings {
  const { timeoutMs, maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterMs } = s;
  return { timeoutMs, maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterMs };
}

export interface JsonResponse {
  url: string;
  status: number;
  headers: Headers;
  body: unknown;
  /** Attempts it took (1 = no retry). */
  attempts: number;
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const RETRYABLE_STATUS = (s: number) => s === 429 || s === 408 || s >= 500;

export interface TextResponse {
  url: string;
  status: number;
  headers: Headers;
  text: string;
  attempts: number;
}

/** A GET whose body is JSON. */
export async function getJson(
  url: string,
  headers: Record<string, string>,
  opts: HttpClientOptions,
  what = url,
): Promise<JsonResponse> {
  return requestJson(url, { headers }, opts, what);
}

export interface RequestInit {
  /** GET unless given. */
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  headers: Record<string, string>;
  /** Sent as JSON (content-type set here); a string is sent as it is (a form body sets its own content-type). */
  body?: unknown;
}

/** A request whose answer is JSON (an empty 204 body reads as null). */
export async function requestJson(
  url: string,
  init: RequestInit,
  opts: HttpClientOptions,
  what = url,
): Promise<JsonResponse> {
  const res = await requestText(url, { ...init, headers: { accept: 'application/json', ...init.headers } }, opts, what);
  if (res.text.trim() === '')
    return { url, status: res.status, headers: res.headers, body: null, attempts: res.attempts };
  try {
    return { url, status: res.status, headers: res.headers, body: JSON.parse(res.text), attempts: res.attempts };
  } catch (e) {
    throw new SourceError(
      'BAD_JSON',
      `${what} answered ${res.status} with a body that is not JSON (${(e as Error).message}): ${snippet(res.text)}`,
      {
        cause: e,
        status: res.status,
      },
    );
  }
}

/** A GET, its body as text (a file: rates, an export). */
export async function getText(
  url: string,
  headers: Record<string, string>,
  opts: HttpClientOptions,
  what = url,
): Promise<TextResponse> {
  return requestText(url, { headers }, opts, what);
}

/** Any request, its answer as text. Errors carry the status and the start of the answer's body. */
export async function requestText(
  url: string,
  init: RequestInit,
  opts: HttpClientOptions,
  what = url,
): Promise<TextResponse> {
  const method = init.method ?? 'GET';
  const json = init.body !== undefined && typeof init.body !== 'string';
  const headers = json ? { 'content-type': 'application/json', ...init.headers } : init.headers;
  const body = init.body === undefined ? undefined : json ? JSON.stringify(init.body) : (init.body as string);
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  let last = '';
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    let wait: number | undefined;
    try {
      const res = await doFetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
        redirect: 'error',
      });
      const text = await res.text();
      if (res.ok) return { url, status: res.status, headers: res.headers, text, attempts: attempt };
      if (res.status === 401 || res.status === 403) {
        throw new SourceError(
          'AUTH_FAILED',
          `${what} refused the credentials (HTTP ${res.status}${detail(text)}): check the source's auth settings and its secret`,
          { status: res.status, body: text },
        );
      }
      if (!RETRYABLE_STATUS(res.status)) {
        throw new SourceError('HTTP_ERROR', `${what} answered HTTP ${res.status}${detail(text)}`, {
          status: res.status,
          body: text,
        });
      }
      last = `HTTP ${res.status}${detail(text)}`;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
      if (retryAfter !== undefined) {
        if (retryAfter > opts.maxRetryAfterMs) {
          throw new SourceError(
            'RETRY_AFTER_TOO_LONG',
            `${what} answered HTTP ${res.status} and asked to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After), more than maxRetryAfterMs ${opts.maxRetryAfterMs} ms; the next run will try again`,
            { status: res.status, body: text },
          );
        }
        wait = retryAfter;
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      const e = err as Error & { cause?: { code?: string } };
      last =
        e.name === 'TimeoutError'
          ? `no answer within ${opts.timeoutMs} ms`
          : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
    }
    if (attempt < opts.maxAttempts) {
      // Retry-After wins, but never below the jittered backoff floor of 0.
      await sleep(wait ?? fullJitterDelay(attempt - 1, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs, random }));
    }
  }
  throw new SourceError('RETRIES_EXHAUSTED', `${what} failed ${opts.maxAttempts} time(s); last: ${last}`);
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 120 ? `${t.slice(0, 120)}...` : t || '(empty)';
}

function detail(text: string): string {
  const t = text.trim();
  return t ? `: ${snippet(t)}` : '';
}
