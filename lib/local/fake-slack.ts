// A loopback fake of the Slack Web API (https://docs.slack.dev/reference/methods), part of the
// embedded local stack: the demo (`pulse demo --slack-fake`) and the chat channel's tests post to
// it. The methods Pulse calls, as the real API answers them.
//
//   - chat.postMessage: `{ ok, channel, ts, message }`; a channel name (#cs-renewal-risk) is
//     answered with its id, a direct-message id as is; an unknown id is `channel_not_found`;
//     `thread_ts` makes it a reply in that message's thread (`message.thread_ts`);
//   - chat.update: `{ ok, channel, ts, text, message }`, the message replaced in place; a ts the
//     channel does not have is `message_not_found`, a channel name (not an id) `channel_not_found`;
//   - a button click's response_url (POST `/actions/<channel>/<ts>`, JSON `{ replace_original, text,
//     blocks }`): the clicked message replaced (or an ephemeral note kept), answered `{"ok":true}`;
//   - users.lookupByEmail: `{ ok, user }`, or `{ ok: false, error: "users_not_found" }`;
//   - conversations.open: `{ ok, channel: { id } }` for a member's direct messages;
//   - a token other than the workspace's: `{ ok: false, error: "invalid_auth" }` (HTTP 200, as Slack);
//   - injected faults: `ratelimited` (HTTP 429 with Retry-After), a platform error, or an answer
//     that never comes (the post is recorded first: a timeout after sending).
//
// Every call is recorded with the body the client sent (form-encoded or JSON; `blocks` parsed).
// GET / shows the posted messages as a small page, GET /messages.json as JSON (the demo prints both).
// A workspace can be started with the messages of an earlier session (`messages`), so a message
// posted by one run can be updated by the next, as in Slack.
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
  /** The parent's ts, for a reply in a thread. */
  threadTs?: string;
  /** How often it was replaced (chat.update or its response_url), and when last. */
  edits?: number;
  editedTs?: string;
}

/** A chat.update or a response_url answer, as received. */
export interface FakeSlackEdit {
  via: 'chat.update' | 'response_url';
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** A response_url answer that was not replace_original: an ephemeral note, the message unchanged. */
  ephemeral?: boolean;
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
  /** The messages of an earlier session: the workspace starts with them (their channels and direct messages too). */
  messages?: FakeSlackPost[];
}

export interface FakeSlack {
  url: string;
  /** What the client is configured with: `${url}/api/`. */
  apiUrl: string;
  token: string;
  calls: FakeSlackCall[];
  /** Every message in the workspace, the `messages` it started with first; edits applied. */
  posts: FakeSlackPost[];
  /** Every chat.update and response_url answer received. */
  edits: FakeSlackEdit[];
  /** The response_url Slack would send with a click on this message. */
  responseUrl(post: Pick<FakeSlackPost, 'channel' | 'ts'>): string;
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
  const posts: FakeSlackPost[] = (opts.messages ?? []).map((p) => ({ ...p }));
  const edits: FakeSlackEdit[] = [];
  for (const p of posts) {
    if (p.directMessageTo) dms.set(p.directMessageTo, p.channel);
    else if (p.requested.startsWith('#')) channels.set(p.requested.slice(1), p.channel);
  }
  const sockets = new Set<Socket>();
  let seq = posts.length;

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
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const body = parseBody(raw, contentType);
    if (url.pathname.startsWith('/actions/')) return responseUrlPost(url.pathname, body, contentType, res);
    const method = url.pathname.replace(/^\/api\//, '');
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
        const threadTs = typeof body.thread_ts === 'string' && body.thread_ts ? body.thread_ts : undefined;
        const post: FakeSlackPost = {
          channel: id,
          requested,
          ts,
          text: String(body.text ?? ''),
          blocks: Array.isArray(body.blocks) ? body.blocks : [],
          ...(dmOf ? { directMessageTo: dmOf } : {}),
          ...(threadTs ? { threadTs } : {}),
        };
        posts.push(post);
        // The post is kept; the answer never comes (the client times out not knowing).
        if (fault?.kind === 'hang') return;
        return answer(200, {
          ok: true,
          channel: id,
          ts,
          message: {
            type: 'message',
            text: post.text,
            blocks: post.blocks,
            ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        });
      }
      case 'chat.update': {
        const channel = String(body.channel ?? '');
        if (![...channels.values(), ...dms.values()].includes(channel))
          return answer(200, { ok: false, error: 'channel_not_found' });
        const target = posts.find((p) => p.channel === channel && p.ts === String(body.ts ?? ''));
        if (!target) return answer(200, { ok: false, error: 'message_not_found' });
        if (typeof body.text !== 'string' && !Array.isArray(body.blocks))
          return answer(200, { ok: false, error: 'no_text' });
        const edit = edited(target, 'chat.update', body);
        if (fault?.kind === 'hang') return;
        return answer(200, {
          ok: true,
          channel,
          ts: target.ts,
          text: edit.text,
          message: { type: 'message', text: edit.text, blocks: edit.blocks, edited: { ts: target.editedTs } },
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

  /** Replaces a message (Slack keeps its ts and marks it edited). */
  const edited = (target: FakeSlackPost, via: FakeSlackEdit['via'], body: Record<string, unknown>): FakeSlackEdit => {
    const edit: FakeSlackEdit = {
      via,
      channel: target.channel,
      ts: target.ts,
      text: typeof body.text === 'string' ? body.text : target.text,
      // Without blocks Slack keeps the message's blocks.
      blocks: Array.isArray(body.blocks) ? body.blocks : target.blocks,
    };
    edits.push(edit);
    target.text = edit.text;
    target.blocks = edit.blocks;
    target.edits = (target.edits ?? 0) + 1;
    target.editedTs = `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
    return edit;
  };

  /** A click's response_url: JSON only (as hooks.slack.com); the message it was made for is the one replaced. */
  const responseUrlPost = (
    path: string,
    body: Record<string, unknown>,
    contentType: string,
    res: ServerResponse,
  ): void => {
    const [, , channel, ts] = path.split('/');
    const target = posts.find((p) => p.channel === channel && p.ts === ts);
    const reply = (status: number, doc: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(doc));
    };
    if (!contentType.includes('application/json')) return reply(400, { ok: false, error: 'invalid_payload' });
    if (!target) return reply(404, { ok: false, error: 'expired_url' });
    if (body.replace_original === true) edited(target, 'response_url', body);
    else
      edits.push({
        via: 'response_url',
        channel: target.channel,
        ts: target.ts,
        text: String(body.text ?? ''),
        blocks: Array.isArray(body.blocks) ? body.blocks : [],
        ephemeral: true,
      });
    return reply(200, { ok: true });
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
        const thread = p.threadTs ? ` <small>in the thread of ${esc(p.threadTs)}</small>` : '';
        const edits_ = p.edits ? ` <small>(edited ${p.edits}x)</small>` : '';
        return `<article><h2>${esc(where)} <small>${esc(p.ts)}</small>${thread}${edits_}</h2><p><b>${esc(p.text)}</b></p><pre>${esc(blocksText(p.blocks))}</pre></article>`;
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
    edits,
    responseUrl: (p) => `${url}/actions/${p.channel}/${p.ts}`,
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

/**
 * The interactivity request Slack sends when a member clicks a button of a message (a
 * `block_actions` payload, https://docs.slack.dev/reference/interaction-payloads/block_actions-payload),
 * with this fake's response_url for the message.
 */
export function blockActionsPayload(
  fake: Pick<FakeSlack, 'responseUrl'>,
  post: FakeSlackPost,
  click: { userId: string; userName: string; actionId: string },
): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON as posted, read loosely
  const button = (post.blocks as Record<string, any>[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e: Record<string, unknown>) => ({ ...e, block_id: b.block_id })))
    .find((e) => e.action_id === click.actionId);
  if (!button) throw new Error(`the message ${post.ts} has no ${click.actionId} button`);
  return {
    type: 'block_actions',
    user: { id: click.userId, username: click.userName, name: click.userName, team_id: 'T0PULSE01' },
    api_app_id: 'A0PULSE01',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: post.ts, channel_id: post.channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    team: { id: 'T0PULSE01', domain: 'pulse-demo' },
    channel: { id: post.channel, name: post.requested.replace(/^#/, '') },
    message: { type: 'message', ts: post.ts, text: post.text, blocks: post.blocks },
    response_url: fake.responseUrl(post),
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: button.block_id,
        text: button.text,
        value: button.value,
        action_ts: `${Math.floor(Date.now() / 1000)}.000001`,
      },
    ],
  };
}

/** What a session posted, by kind: for the demo's summary line. */
export interface FakeSlackTally {
  /** Channel posts in a thread (the first run's critical alerts under its summary). */
  threadReplies: number;
  /** Critical alerts at the channel's top level. */
  channelCriticals: number;
  directMessages: number;
  /** Digests and the first run's summary. */
  digests: number;
  /** Posts to the weekly-report channel. */
  headlines: number;
  /** Messages replaced (chat.update or a response_url), ephemeral notes left out. */
  updates: number;
}

export function tallySlack(
  posts: readonly FakeSlackPost[],
  edits: readonly FakeSlackEdit[],
  headlineChannel?: string,
): FakeSlackTally {
  const t: FakeSlackTally = {
    threadReplies: 0,
    channelCriticals: 0,
    directMessages: 0,
    digests: 0,
    headlines: 0,
    updates: 0,
  };
  for (const p of posts) {
    if (p.directMessageTo) t.directMessages++;
    else if (p.threadTs) t.threadReplies++;
    else if (headlineChannel && p.requested === headlineChannel) t.headlines++;
    else if (p.text.startsWith('CRITICAL:')) t.channelCriticals++;
    else t.digests++;
  }
  t.updates = edits.filter((e) => !e.ephemeral).length;
  return t;
}
