// What every function URL endpoint (the archive's downloads, the alert actions) reads from its
// event before its use case decides: the method, the headers and the body.
import type { HttpResponse } from '../domain/archive/download-page';

/** The parts of a function URL event (payload format 2.0) the endpoints read. */
export interface FunctionUrlEvent {
  rawPath?: string;
  queryStringParameters?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; sourceIp?: string } };
}

export interface FunctionUrlRequest {
  method: string;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The body as sent (base64 decoded), never re-encoded: Slack signs it exactly. */
  body: string;
}

/** The answer to a body over the endpoint's limit. */
export const REQUEST_TOO_LARGE: HttpResponse = {
  statusCode: 413,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  body: 'Request too large.\n',
};

/** The event's method, headers and body; undefined when the body is over `maxBodyBytes` (refuse it unread). */
export function readFunctionUrlRequest(event: FunctionUrlEvent, maxBodyBytes: number): FunctionUrlRequest | undefined {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > maxBodyBytes) return undefined;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: event.requestContext?.http?.method ?? 'GET', headers, body };
}
