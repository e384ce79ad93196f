// A loopback fake of the Slack Web API (https://docs.slack.dev/reference/methods), part of the
// embedded local stack: the demo (`pulse demo --slack-fake`) and the chat channel's tests post to
// it. The three methods Pulse calls, as the real API answers them.
//
//   - chat.postMessage: `{ ok, channel, ts, message }`; a channel name (#cs-renewal-risk) is
//     answered with its id, a direct-message id as is; an unknown id is `channel_not_found`;
//   - users.lookupByEmail: `{ ok, user }`, or `{ ok: false, error: "users_not_found" }`;
//   - conversations.open: `{ ok, channel: { id } }` for a member's direct messages;
//   - a token other than the workspace's: `{ ok: false, error: "invalid_auth" }` (HTTP 200, as Slack);
//   - injected faults: `ratelimited` (HTTP 429 with Retry-After), a platform error, or an answer
//     that never comes (the post is recorded first: a timeout after sending).
//
// Every call is recorded with the body the client sent (form-encoded or JSON; `blocks` parsed).
// GET / shows the posted messages as a small page, GET /messages.json as JSON (the demo prints both).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeSlackMember {
  id: string;
  email: string;
  name: string;
}

export interface FakeSlackCall {
  method: string;
  contentType: string;
  /** The body's fields; `blocks` (and any other JSON-encoded field) parsed. */
  body: Record<string, unknown>;
  /** The bearer token (or the `token` field). */
  token: string | undefined;
  status: number;
  /** The `error` Slack answered, when it answered ok: false. */
  error?: string;
  at: number;
}

export interface FakeSlackPost {
  /** The channel's id (a direct message's D... id for DMs). */
  channel: string;
  /** The channel as the client named it. */
  requested: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** The member a direct-message channel belongs to. */
  directMessageTo?: string;
}

export type FakeSlackFault =
  | { method: string; kind: 'ratelimited'; retryAfterSeconds: number; times: number }
  | { method: string; kind: 'error'; error: string; times: number }
  /** Records the call (a post is kept) and never answers: the client's timeout fires after sending. */
  | { method: string; kind: 'hang'; times: number };

export interface FakeSlackOptions {
  /** The workspace's bot token (default xoxb-pulse-test). */
  token?: string;
  members?: FakeSlackMember[];
  /** Channels by name (without #) and id; a name not listed is created on first post. */
  channels?: Record<string, string>;
  faults?: FakeSlackFault[];
  port?: number;
}

export interface FakeSlack {
  url: string;
  /** What the client is configured with: `${url}/api/`. */
  apiUrl: string;
  token: string;
  calls: FakeSlackCall[];
  posts: FakeSlackPost[];
  /** Adds a fault for the next matching calls. */
  inject(fault: FakeSlackFault): void;
  close(): Promise<void>;
}

export const FAKE_SLACK_TOKEN = 'xoxb-pulse-test';

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = opts.token ?? FAKE_SLACK_TOKEN;
  const members = opts.members ?? [];
  const channels = new Map(Object.entries(opts.channels ?? {}));
  const faults = [...(opts.faults ?? [])];
  const dms = new Map<string, string>();
  const calls: FakeSlackCall[] = [];
  const posts: FakeSlackPost[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const channelId = (requested: string): string | undefined => {
    if ([...dms.values()].includes(requested) || [...channels.values()].includes(requested)) return requested;
    const name = requested.replace(/^#/, '');
    if (!requested.startsWith('#') && /^[CDG][A-Z0-9]{6,}$/.test(requested)) return undefined;
    if (!channels.has(name)) channels.set(name, `C${String(channels.size + 1).padStart(8, '0')}`);
    return channels.get(name);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') return page(url.pathname, res);
    const method = url.pathname.replace(/^\/api\//, '');
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const body = parseBody(raw, contentType);
    const auth = String(req.headers.authorization ?? '');
    const callToken = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof body.token === 'string'
        ? body.token
        : undefined;
    const call: FakeSlackCall = { method, contentType, body, token: callToken, status: 200, at: Date.now() };
    calls.push(call);
    const answer = (status: number, doc: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.status = status;
      if (doc.ok === false) call.error = String(doc.error);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(doc));
    };

    const fault = faults.find((f) => f.method === method && f.times > 0);
    if (fault) {
      fault.times--;
      if (fault.kind === 'ratelimited')
        return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
      if (fault.kind === 'error') return answer(200, { ok: false, error: fault.error });
    }
    if (callToken !== token) return answer(200, { ok: false, error: callToken ? 'invalid_auth' : 'not_authed' });

    switch (method) {
      case 'chat.postMessage': {
        const requested = String(body.channel ?? '');
        const id = channelId(requested);
        if (!id) return answer(200, { ok: false, error: 'channel_not_found' });
        if (typeof body.text !== 'string' && !Array.isArray(body.blocks))
          return answer(200, { ok: false, error: 'no_text' });
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
        const dmOf = [...dms.entries()].find(([, d]) => d === id)?.[0];
        const post: FakeSlackPost = {
          channel: id,
          requested,
          ts,
          text: String(body.text ?? ''),
          blocks: Array.isArray(body.blocks) ? body.blocks : [],
          ...(dmOf ? { directMessageTo: dmOf } : {}),
        };
        posts.push(post);
        // The post is kept; the answer never comes (the client times out not knowing).
        if (fault?.kind === 'hang') return;
        return answer(200, {
          ok: true,
          channel: id,
          ts,
          message: { type: 'message', text: post.text, blocks: post.blocks, ts },
        });
      }
      case 'users.lookupByEmail': {
        if (fault?.kind === 'hang') return;
        const email = String(body.email ?? '').toLowerCase();
        const m = members.find((x) => x.email.toLowerCase() === email);
        if (!m) return answer(200, { ok: false, error: 'users_not_found' });
        return answer(200, { ok: true, user: { id: m.id, name: m.name, profile: { email: m.email } } });
      }
      case 'conversations.open': {
        if (fault?.kind === 'hang') return;
        const user = String(body.users ?? '');
        if (!members.some((m) => m.id === user)) return answer(200, { ok: false, error: 'user_not_found' });
        if (!dms.has(user)) dms.set(user, `D${String(dms.size + 1).padStart(8, '0')}`);
        return answer(200, { ok: true, channel: { id: dms.get(user) } });
      }
      default:
        return answer(200, { ok: false, error: 'unknown_method' });
    }
  };

  const page = (path: string, res: ServerResponse): void => {
    if (path === '/messages.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(posts, null, 2));
      return;
    }
    const name = (id: string) => [...channels.entries()].find(([, c]) => c === id)?.[0];
    const items = posts
      .map((p) => {
        const where = p.directMessageTo
          ? `direct message to ${members.find((m) => m.id === p.directMessageTo)?.email ?? p.directMessageTo}`
          : `#${name(p.channel) ?? p.channel}`;
        return `<article><h2>${esc(where)} <small>${esc(p.ts)}</small></h2><p><b>${esc(p.text)}</b></p><pre>${esc(blocksText(p.blocks))}</pre></article>`;
      })
      .reverse()
      .join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><meta charset="utf-8"><title>Fake Slack: ${posts.length} messages</title>` +
        `<style>body{font:14px system-ui;max-width:60em;margin:2em auto}article{border:1px solid #ddd;border-radius:6px;padding:0 1em;margin:1em 0}pre{white-space:pre-wrap}</style>` +
        `<h1>Messages Pulse posted (${posts.length}, newest first)</h1>${items || '<p>None yet.</p>'}`,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(opts.port ?? 0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    token,
    calls,
    posts,
    inject: (f) => faults.push(f),
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** The readable text of a message's blocks (headers, sections, fields, context, buttons). */
export function blocksText(blocks: readonly unknown[]): string {
  const lines: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON as the client sent it, read loosely
  for (const b of blocks as Record<string, any>[]) {
    if (b.text?.text) lines.push(b.text.text);
    for (const f of b.fields ?? []) lines.push(f.text);
    for (const e of b.elements ?? [])
      lines.push(e.type === 'button' ? `[${e.text?.text}] (${e.action_id}: ${e.value})` : e.text);
    if (b.type === 'divider') lines.push('---');
  }
  return lines.join('\n');
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The client sends objects and arrays as JSON strings inside the form.
    out[k] = v.startsWith('[') || v.startsWith('{') ? safeJson(v) : v;
  }
  return out;
}

const safeJson = (v: string): unknown => {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
