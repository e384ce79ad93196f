// The alert action endpoint (functions/handlers/alert-action.ts over the use case): e-mail links
// (GET confirms and changes nothing, POST applies once; tampered, expired, wrong-purpose and
// replayed links refused), Slack button clicks (v0 signature good, stale, tampered, replayed),
// a snooze from a link then from a button, the reply to a loopback response_url, and the CRM task
// rescheduled.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InMemoryAlertStateStore,
  InMemorySendLedger,
  InMemorySingleUseIds,
} from '../../../functions/adapters/memory/alerts';
import { FetchSlackResponder } from '../../../functions/adapters/slack/response-url';
import type { AlertActionDeps } from '../../../functions/app/alert-action-endpoint';
import { syncCrmTasks } from '../../../functions/app/crm-tasks';
import { actionTokenFor } from '../../../functions/domain/alerts/action-token';
import { slackSignature } from '../../../functions/domain/alerts/slack-request';
import { tokenFor } from '../../../functions/domain/archive/token';
import { makeFormatter, step, type AlertState } from '../../../functions/domain/alerts';
import { createAlertActionHandler } from '../../../functions/handlers/alert-action';
import type { FunctionUrlEvent } from '../../../functions/handlers/download';
import { MemoryTaskTracker } from '../../support/memory-task-tracker';
import { obs } from './helpers';

const KEY = 'k'.repeat(32);
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-11-23T15:00:00Z'); // 10:00 in New York
const TODAY = '2026-11-23';

let slackHook: Server;
let hookUrl: string;
const hookPosts: unknown[] = [];

beforeAll(async () => {
  slackHook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hookPosts.push(JSON.parse(body));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => slackHook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(slackHook.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => slackHook.close(() => r())));

function openAlert(): AlertState {
  const o = obs('breach', 'critical', { accountName: 'Acme', ownerEmail: 'jo@northwind.example' });
  return step(undefined, { rule: 'red-health-renewal', accountId: 'A-1', renewalId: 'R-1' }, o, {
    on: TODAY,
    at: `${TODAY}T07:00:00.000Z`,
    by: 'test',
    minBreachDays: 0,
    cooldownDays: 7,
  }).state!;
}

async function setup() {
  const alerts = new InMemoryAlertStateStore();
  const alert = await alerts.putAlert(openAlert());
  const used = new InMemorySingleUseIds();
  const ledger = new InMemorySendLedger();
  const tracker = new MemoryTaskTracker('salesforce');
  const tasks = {
    ledger,
    tracker,
    settings: { dueInDays: { critical: 2, warning: 7 } },
    formatter: makeFormatter('en-US', 'USD'),
  };
  await syncCrmTasks(tasks, [alert], TODAY);
  const logs: string[] = [];
  const deps: AlertActionDeps = {
    alerts,
    limits: { defaultDays: 7, maxDays: 90 },
    timeZone: 'America/New_York',
    signingKeys: async () => [KEY],
    used,
    slack: {
      signingSecret: async () => SLACK_SECRET,
      responder: new FetchSlackResponder({ allowedOrigins: [hookUrl] }),
      ledger,
    },
    tasks,
    now: () => NOW,
  };
  const handle = createAlertActionHandler(deps, (l) => logs.push(l));
  const stored = async () => (await alerts.getAlert(alert.id))!;
  return { alert, alerts, used, tracker, handle, logs, stored };
}

const link = (
  alert: AlertState,
  over: { action?: 'snooze' | 'acknowledge'; now?: Date; key?: string; nonce?: string } = {},
) =>
  actionTokenFor(
    over.key ?? KEY,
    {
      alertId: alert.id,
      episode: alert.episode,
      action: over.action ?? 'snooze',
      days: 7,
      recipient: 'jo@northwind.example',
      nonce: over.nonce ?? 'a'.repeat(22),
    },
    over.now ?? NOW,
  );

const get = (token: string): FunctionUrlEvent => ({
  rawPath: `/a/${token}`,
  requestContext: { http: { method: 'GET' } },
});
const post = (token: string): FunctionUrlEvent => ({
  rawPath: `/a/${token}`,
  body: '',
  requestContext: { http: { method: 'POST' } },
});

function slackEvent(
  alert: AlertState,
  o: { ts?: number; secret?: string; tamper?: boolean; actionId?: string } = {},
): FunctionUrlEvent {
  const payload = {
    type: 'block_actions',
    user: { id: 'U0CCO', username: 'cco' },
    actions: [{ action_id: o.actionId ?? 'alert_snooze', value: alert.id, type: 'button' }],
    response_url: `${hookUrl}/actions/T1/123/abc`,
    message: {
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*Acme* red health' } },
        { type: 'actions', elements: [] },
      ],
    },
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = String(o.ts ?? Math.floor(NOW.getTime() / 1000));
  const signature = slackSignature(o.secret ?? SLACK_SECRET, ts, body);
  return {
    rawPath: '/slack/actions',
    body: o.tamper ? body.replace('alert_snooze', 'alert_ack') : body,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Signature': signature,
      'X-Slack-Request-Timestamp': ts,
    },
    requestContext: { http: { method: 'POST' } },
  };
}

describe('alert action endpoint: e-mail links', () => {
  it('GET shows a confirmation page with a POST button and changes nothing', async () => {
    const { alert, handle, stored } = await setup();
    const res = await handle(get(link(alert)));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post">');
    expect(res.body).toContain('Snooze for 7 days');
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(await stored()).toEqual(alert);
  });

  it('POST snoozes it as the recipient until today + 7, reschedules the CRM task; the same link again is refused', async () => {
    const { alert, handle, stored, tracker, logs } = await setup();
    const token = link(alert);
    const res = await handle(post(token));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Snoozed until 2026-11-30');
    const after = await stored();
    expect(after.snooze).toMatchObject({
      kind: 'snooze',
      until: '2026-11-30',
      by: 'jo@northwind.example',
      reason: 'snoozed from the alert e-mail',
    });
    expect(tracker.commands.map((c) => c.action)).toEqual(['open', 'reschedule']);
    expect(tracker.tasks.get('task-1')?.dueDate).toBe('2026-11-30');

    const again = await handle(post(token));
    expect(again.statusCode).toBe(403);
    expect(again.body).toContain('already used');
    expect(await stored()).toEqual(after);
    expect(logs.join('\n')).not.toContain(token);
  });

  it('acknowledges from the acknowledge link', async () => {
    const { alert, handle, stored } = await setup();
    expect((await handle(post(link(alert, { action: 'acknowledge' })))).statusCode).toBe(200);
    expect((await stored()).snooze).toMatchObject({ kind: 'acknowledge', by: 'jo@northwind.example' });
  });

  it('refuses a tampered, expired, foreign-key or wrong-purpose token with 403 and changes nothing', async () => {
    const { alert, handle, stored } = await setup();
    const token = link(alert);
    const [payload, sig] = token.split('.') as [string, string];
    const doc = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tampered = `${Buffer.from(JSON.stringify({ ...doc, d: 90, r: 'mallory@evil.example' })).toString('base64url')}.${sig}`;
    const expired = link(alert, { now: new Date(NOW.getTime() - 15 * 86_400_000) });
    const foreign = link(alert, { key: 'x'.repeat(32) });
    const download = tokenFor(KEY, 'archive/weekly/2026/2026-W47/report.html', 30, NOW);
    for (const t of [tampered, expired, foreign, download, 'garbage']) {
      expect((await handle(post(t))).statusCode, t).toBe(403);
      expect((await handle(get(t))).statusCode, t).toBe(403);
    }
    expect((await handle(post(expired))).body).toContain('expired');
    expect(await stored()).toEqual(alert);
  });

  it('refuses a link of an earlier episode, and of a resolved alert (409), changing nothing', async () => {
    const { alert, alerts, handle, stored } = await setup();
    const old = actionTokenFor(
      KEY,
      {
        alertId: alert.id,
        episode: alert.episode - 1,
        action: 'snooze',
        days: 7,
        recipient: 'jo@northwind.example',
        nonce: 'b'.repeat(22),
      },
      NOW,
    );
    expect((await handle(post(old))).statusCode).toBe(409);
    const resolved = step(
      await stored(),
      { rule: 'red-health-renewal', accountId: 'A-1', renewalId: 'R-1' },
      obs('clear'),
      { on: TODAY, at: `${TODAY}T08:00:00.000Z`, by: 'test', minBreachDays: 0, cooldownDays: 7 },
    ).state!;
    await alerts.putAlert(resolved);
    const before = await stored();
    expect((await handle(post(link(alert)))).statusCode).toBe(409);
    expect(await stored()).toEqual(before);
  });
});

describe('alert action endpoint: Slack buttons', () => {
  it('a signed click snoozes as the Slack user and updates the message through response_url with its status', async () => {
    const { alert, handle, stored, tracker } = await setup();
    hookPosts.length = 0;
    const res = await handle(slackEvent(alert));
    expect(res.statusCode).toBe(200);
    expect((await stored()).snooze).toMatchObject({
      kind: 'snooze',
      until: '2026-11-30',
      by: 'slack:@cco (U0CCO)',
      reason: 'snoozed from Slack',
    });
    expect(tracker.commands.map((c) => c.action)).toEqual(['open', 'reschedule']);
    expect(hookPosts).toHaveLength(1);
    const reply = hookPosts[0] as {
      replace_original: boolean;
      blocks: { type: string; elements?: { text: string }[] }[];
    };
    expect(reply.replace_original).toBe(true);
    // The status line goes in; a snoozed alert keeps its buttons (acknowledge it later), a resolved one loses them.
    expect(reply.blocks.map((b) => b.type)).toEqual(['section', 'actions', 'context']);
    expect(reply.blocks[2]!.elements![0]!.text).toBe(':zzz: *Snoozed* by <@U0CCO> until 2026-11-30');
  });

  it('refuses a tampered body or a wrong secret (401) and a stale timestamp (403); nothing changes', async () => {
    const { alert, handle, stored } = await setup();
    expect((await handle(slackEvent(alert, { tamper: true }))).statusCode).toBe(401);
    expect((await handle(slackEvent(alert, { secret: 'not-the-signing-secret-0000000000' }))).statusCode).toBe(401);
    expect(
      (await handle({ ...slackEvent(alert), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }))
        .statusCode,
    ).toBe(401);
    const stale = Math.floor(NOW.getTime() / 1000) - 301;
    expect((await handle(slackEvent(alert, { ts: stale }))).statusCode).toBe(403);
    expect((await handle(slackEvent(alert, { ts: stale + 2 }))).statusCode).toBe(200);
    const again = await setup();
    expect(await again.stored()).toEqual(again.alert);
    expect(await stored()).not.toEqual(alert); // the fresh one (ts within 5 minutes) applied
  });

  it('refuses the same signed request a second time (403), changing nothing', async () => {
    const { alert, handle, stored } = await setup();
    const event = slackEvent(alert);
    expect((await handle(event)).statusCode).toBe(200);
    const after = await stored();
    expect((await handle(event)).statusCode).toBe(403);
    expect(await stored()).toEqual(after);
  });

  it('a snooze from the e-mail link, then from the Slack button: both recorded, the latest wins', async () => {
    const { alert, handle, stored, tracker } = await setup();
    expect((await handle(post(link(alert)))).statusCode).toBe(200);
    expect((await handle(slackEvent(alert, { actionId: 'alert_ack' }))).statusCode).toBe(200);
    const s = await stored();
    expect(
      s.history.filter((t) => t.event === 'snoozed' || t.event === 'acknowledged').map((t) => [t.event, t.by]),
    ).toEqual([
      ['snoozed', 'jo@northwind.example'],
      ['acknowledged', 'slack:@cco (U0CCO)'],
    ]);
    expect(s.snooze).toMatchObject({ kind: 'acknowledge', by: 'slack:@cco (U0CCO)' });
    // An acknowledgement does not move the task; the e-mail's snooze did.
    expect(tracker.commands.map((c) => c.action)).toEqual(['open', 'reschedule']);
  });

  it('answers 200 and changes nothing for an interaction that is not an alert button', async () => {
    const { alert, handle, stored } = await setup();
    expect((await handle(slackEvent(alert, { actionId: 'something_else' }))).statusCode).toBe(200);
    expect(await stored()).toEqual(alert);
  });
});
