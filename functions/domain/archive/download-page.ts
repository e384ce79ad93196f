// What the download endpoint answers: a redirect to a fresh presigned URL, or a short page that
// says plainly why the link does not work and what to do (never a stack trace, never the key).
import { createHash } from 'node:crypto';
import { tokenFor, type TokenFailure } from './token';
import { escapeHtml } from './index-page';

export type DownloadOutcome =
  | { status: 302; location: string; key: string }
  | { status: 403; reason: TokenFailure; message: string }
  | { status: 404; key: string }
  | { status: 400; message: string }
  | { status: 405 };

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The pages' one stylesheet, allowed by its hash (no 'unsafe-inline'). */
export const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.4rem}p{margin:.6rem 0}small{color:#6b7280}input,button{font:inherit;padding:.4rem .6rem}button{cursor:pointer}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

/**
 * The sign-in forms' one script, allowed by its hash. Behind CloudFront with Origin Access Control
 * a POST must carry the SHA-256 of its body (x-amz-content-sha256), which a plain HTML form does
 * not send: the script posts the form with it and shows the answer. Without script the form posts
 * as usual (enough on loopback and without CloudFront).
 */
export const FORM_SCRIPT =
  "document.addEventListener('submit',async function(e){var f=e.target;if(!(f instanceof HTMLFormElement)||f.method.toLowerCase()!=='post'||!window.crypto||!crypto.subtle)return;e.preventDefault();var b=new URLSearchParams(new FormData(f)).toString();var d=await crypto.subtle.digest('SHA-256',new TextEncoder().encode(b));var h=Array.from(new Uint8Array(d)).map(function(x){return x.toString(16).padStart(2,'0')}).join('');var r=await fetch(f.action,{method:'POST',body:b,credentials:'same-origin',headers:{'Content-Type':'application/x-www-form-urlencoded','x-amz-content-sha256':h}});var t=await r.text();document.open();document.write(t);document.close();});";
const SCRIPT_HASH = `'sha256-${createHash('sha256').update(FORM_SCRIPT).digest('base64')}'`;

/**
 * Nothing is cached, no referrer leaves with the token, nothing on the page runs, forms post only
 * to the endpoint itself, and no other site may frame it.
 */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': `default-src 'none'; style-src ${STYLE_HASH}; script-src ${SCRIPT_HASH}; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
};

/**
 * A small HTML page: the lines are text (escaped); `html` is trusted markup built by the caller
 * from escaped parts (a form); `head` goes into <head> (a meta refresh).
 */
export function page(
  status: number,
  title: string,
  lines: string[],
  extra: { html?: string; head?: string; formScript?: boolean; footer?: string } = {},
): HttpResponse {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>${extra.head ?? ''}
<style>${PAGE_STYLE}</style>${extra.formScript ? `\n<script>${FORM_SCRIPT}</script>` : ''}
</head><body><h1>${escapeHtml(title)}</h1>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
${extra.html ?? ''}
<p><small>${escapeHtml(extra.footer ?? 'Pulse finance archive')} · HTTP ${status}</small></p>
</body></html>
`;
  return { statusCode: status, headers: { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8' }, body };
}

const ASK = 'Ask the Pulse operator for a new link, or open the file from the archive index.';

export function downloadResponse(outcome: DownloadOutcome): HttpResponse {
  switch (outcome.status) {
    case 302:
      return {
        statusCode: 302,
        headers: { ...COMMON_HEADERS, Location: outcome.location, 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Redirecting to the file.\n',
      };
    case 403: {
      const title = outcome.reason === 'expired' ? 'This download link has expired' : 'This download link is not valid';
      return page(403, title, [outcome.message, ASK]);
    }
    case 404:
      return page(404, 'This file is not in the archive', [
        'The link is genuine, but the archive has no such file (yet). A pack is written right after the report is sent; try again in a few minutes.',
        ASK,
      ]);
    case 400:
      return page(400, 'This is not a download link', [outcome.message, ASK]);
    case 405:
      return {
        ...page(405, 'Method not allowed', ['Download links are opened with GET.']),
        headers: { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', Allow: 'GET, HEAD' },
      };
  }
}

/** `<base>/d/<token>`: the durable link of an archive object. */
export function downloadUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/d/${token}`;
}

/** The token of a request path `/d/<token>` (or `?t=<token>`); undefined when there is none. */
export function tokenFromRequest(path: string, query: Record<string, string | undefined> = {}): string | undefined {
  const m = /^\/d\/([^/]+)\/?$/.exec(path);
  if (m) return decodeURIComponent(m[1]!);
  return query.t || undefined;
}

/** How long an archive link in an email (or printed by the CLI) stays valid. */
export const ARCHIVE_LINK_DAYS = 30;

/** A function that turns an archive key into a durable link valid for `days` days. */
export function linkMaker(
  baseUrl: string,
  secret: string | Uint8Array,
  days: number,
  now: Date = new Date(),
): (key: string) => string {
  return (key) => downloadUrl(baseUrl, tokenFor(secret, key, days, now));
}
