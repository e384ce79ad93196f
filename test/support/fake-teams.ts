// A loopback fake of a Teams Workflows webhook ("Post to a channel when a webhook request is
// received"): POST of a message with Adaptive Card attachments, answered 202 Accepted with the
// flow run's id in x-ms-workflow-run-id; a body that is not such a message is 400 as the flow's
// trigger answers it. Injected faults: 429 with Retry-After, 5xx.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeTeamsFault {
  status: 429 | 500 | 502;
  times: number;
  retryAfterSeconds?: number;
}

export interface FakeTeams {
  /** The webhook URL (what TEAMS_WEBHOOK_URL holds). */
  url: string;
  /** Every request's JSON body, in order (also those answered with a fault). */
  requests: { status: number; body: unknown }[];
  /** The cards of the messages accepted. */
  cards: Record<string, unknown>[];
  inject(fault: FakeTeamsFault): void;
  close(): Promise<void>;
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const faults: FakeTeamsFault[] = [];
  const requests: FakeTeams['requests'] = [];
  const cards: Record<string, unknown>[] = [];
  const sockets = new Set<Socket>();
  let run = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const entry = { status: 0, body };
    requests.push(entry);
    const fault = faults.find((f) => f.times > 0);
    if (fault) {
      fault.times--;
      entry.status = fault.status;
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(
        JSON.stringify({ error: { code: fault.status === 429 ? 'WorkflowRequestsThrottled' : 'InternalServerError' } }),
      );
      return;
    }
    const msg = body as
      | { type?: string; attachments?: { contentType?: string; content?: Record<string, unknown> }[] }
      | undefined;
    const attached =
      msg?.type === 'message' && Array.isArray(msg.attachments)
        ? msg.attachments.filter(
            (a) => a.contentType === 'application/vnd.microsoft.card.adaptive' && a.content?.type === 'AdaptiveCard',
          )
        : [];
    if (req.method !== 'POST' || attached.length === 0) {
      entry.status = 400;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'InvalidRequestContent', message: 'expected a message with an Adaptive Card attachment' },
        }),
      );
      return;
    }
    for (const a of attached) cards.push(a.content!);
    entry.status = 202;
    res.writeHead(202, { 'x-ms-workflow-run-id': `0858${String(++run).padStart(8, '0')}` });
    res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/workflows/pulse/triggers/manual/paths/invoke?sig=test`,
    requests,
    cards,
    inject: (f) => faults.push(f),
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}
