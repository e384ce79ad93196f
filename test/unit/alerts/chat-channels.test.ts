// The chat channels of the alerts use case against loopback fakes of the Slack Web API and of a
// Teams Workflows webhook, with the real @slack/web-api client: what the client sends (the form
// body, the blocks, the buttons), owner direct messages and the fallback to the channel, each post
// once under reruns and concurrent runs, ratelimited answers waited out, and Slack failing on its
// own (the e-mails go out, the run ledger says what each channel delivered).
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore, InMemorySendLedger } from '../../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../../functions/adapters/render/risk-alerts';
import { SlackWebApiChat } from '../../../functions/adapters/slack/web-api-chat';
import { TeamsWorkflowWebhook } from '../../../functions/adapters/teams/workflow-webhook';
import { evaluateAlerts } from '../../../functions/app/evaluate-alerts';
import type { Account, NpsResponse } from '../../../functions/domain/contract/entities';
import type { ChatChannels } from '../../../functions/ports/chat';
import {
  blockActionsPayload,
  startFakeSlack,
  tallySlack,
  type FakeSlack,
  type FakeSlackMember,
} from '../../../lib/local/fake-slack';
import { InMemorySingleUseIds } from '../../../functions/adapters/memory/alerts';
import { FetchSlackResponder } from '../../../functions/adapters/slack/response-url';
import { snoozeAlertAndTask } from '../../../functions/app/alert-actions';
import { makeFormatter } from '../../../functions/domain/alerts';
import { actionTokenFor } from '../../../functions/domain/alerts/action-token';
import { slackSignature } from '../../../functions/domain/alerts/slack-request';
import { createAlertActionHandler } from '../../../functions/handlers/alert-action';
import { startFakeTeams, type FakeTeams } from '../../support/fake-teams';
import { dataset, line, renewal } from '../kpi/builders';
import { MemoryRunLedger } from '../report/fakes';
import { afterAnEarlierRun, overdueRunOptions, RecordingMailer } from './helpers';

const TODAY = '2026-11-23';
const acct = (accountId: string, name: string, ownerEmail?: string): Account => ({
  accountId,
  name,
  ...(ownerEmail ? { ownerEmail } : {}),
});
const detractor = (accountId: string, id: string): NpsResponse => ({
  responseId: id,
  accountId,
  date: '2026-11-20',
  score: 2,
});

// A (owner ann): renewal 12 days overdue -> critical (renewal-overdue configured critical). B (owner bob): a detractor -> warning.
const data = dataset({
  accounts: [acct('A', 'Acme <Corp> & Sons', 'Ann@Northwind.example'), acct('B', 'Bravo Ltd', 'bob@northwind.example')],
  subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01')],
  renewals: [
    renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
    renewal('B', '2027-06-11', 12_000, 'open', undefined, undefined, 'RB'),
  ],
  nps: [detractor('B', 'N1')],
});
const ANN: FakeSlackMember = { id: 'U0ANN00001', email: 'ann@northwind.example', name: 'ann' };
const ALERT_ID = 'renewal-overdue:A:RA';
const CLICKED_AT = new Date(`${TODAY}T15:00:00Z`);

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function slackFake(members: FakeSlackMember[] = [ANN]): Promise<FakeSlack> {
  const fake = await startFakeSlack({ members, channels: { 'cs-renewal-risk': 'C0RISK0001' } });
  open.push(fake);
  return fake;
}

function slackChannels(apiUrl: string, token = 'xoxb-pulse-test', extra: Partial<ChatChannels> = {}): ChatChannels {
  return {
    slack: {
      chat: new SlackWebApiChat({ token, apiUrl, timeoutMs: 2_000 }),
      channel: '#cs-renewal-risk',
      directMessageOwners: true,
    },
    ...extra,
  };
}

async function setup(chat: ChatChannels, shared?: { alerts: InMemoryAlertStateStore; ledger: InMemorySendLedger }) {
  const alerts = shared?.alerts ?? new InMemoryAlertStateStore();
  if (!shared) await afterAnEarlierRun(alerts);
  const deps = {
    store: { loadDataset: async () => data },
    alerts,
    ledger: shared?.ledger ?? new InMemorySendLedger(),
    mailer: new RecordingMailer(),
    renderer: await createRiskAlertRenderer(),
    runLedger: new MemoryRunLedger(),
    chat,
  };
  const opts = overdueRunOptions(TODAY);
  return { deps, opts };
}

const postsOf = (fake: FakeSlack) =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && !c.error);

describe('alerts on Slack', () => {
  it('posts the critical alert to the channel and to the owner, with the buttons, and the digest to the channel: the JSON the client sends', async () => {
    const fake = await slackFake();
    const { deps, opts } = await setup(slackChannels(fake.apiUrl));
    const r = await evaluateAlerts(deps, opts);

    expect(r.chat?.map((c) => `${c.key.kind} ${c.key.recipient} ${c.status}`)).toEqual([
      `alert-critical #cs-renewal-risk sent`,
      `alert-critical ann@northwind.example sent`,
      `alert-digest:cco #cs-renewal-risk sent`,
    ]);
    // The client's form body, token in the header; blocks as JSON in the form.
    const [channelPost, dm, digest] = postsOf(fake);
    expect(channelPost!.contentType).toBe('application/x-www-form-urlencoded');
    expect(channelPost!.token).toBe('xoxb-pulse-test');
    expect(channelPost!.body.channel).toBe('#cs-renewal-risk');
    expect(channelPost!.body.text).toBe(
      'CRITICAL: Acme <Corp> & Sons - Renewal overdue (renewal of $84,000 overdue by 12 days)',
    );
    const blocks = channelPost!.body.blocks as Record<string, any>[];
    const actions = blocks.find((b) => b.type === 'actions')!;
    expect(actions.elements.map((e: any) => [e.action_id, e.value])).toEqual([
      ['alert_ack', ALERT_ID],
      ['alert_snooze', ALERT_ID],
    ]);
    const text = JSON.stringify(blocks);
    // Why, the owner (mentioned), the play, the ARR and the renewal; mrkdwn escaped.
    expect(text).toContain('days overdue');
    expect(text).toContain('<@U0ANN00001>');
    expect(text).toContain('Escalate to the CCO');
    expect(text).toContain('$84,000');
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔴 Critical: Acme <Corp> & Sons', emoji: true },
    });
    // The owner's direct message: looked up by e-mail, conversation opened, posted there.
    expect(fake.calls.filter((c) => c.method === 'users.lookupByEmail').map((c) => c.body.email)).toEqual([
      'ann@northwind.example',
    ]);
    expect(fake.calls.find((c) => c.method === 'conversations.open')!.body.users).toBe('U0ANN00001');
    expect(dm!.body.channel).toMatch(/^D/);
    expect(fake.posts[1]!.directMessageTo).toBe('U0ANN00001');
    // The digest names both accounts.
    expect(digest!.body.text).toMatch(/^Renewal risk 2026-11-23/);
    expect(JSON.stringify(digest!.body.blocks)).toContain('Bravo Ltd');
    expect(JSON.stringify(digest!.body.blocks)).toContain('*Acme &lt;Corp&gt; &amp; Sons*'); // mrkdwn escaped
    // The run ledger counts the channel's posts beside the e-mails.
    const run = deps.runLedger.runs[0]!;
    expect(run.status).toBe('succeeded');
    expect(run.counts['slack.sent']).toBe(3);
    expect(run.counts.sent).toBe(deps.mailer.sent.length);
  });

  it('posts nothing twice: a rerun, and two concurrent runs on the same ledger', async () => {
    const fake = await slackFake();
    const first = await setup(slackChannels(fake.apiUrl));
    await evaluateAlerts(first.deps, first.opts);
    expect(postsOf(fake)).toHaveLength(3);
    const again = await evaluateAlerts(first.deps, first.opts);
    expect(again.chat?.map((c) => c.status)).toEqual(['already-sent', 'already-sent', 'already-sent']);
    expect(postsOf(fake)).toHaveLength(3);

    const fake2 = await slackFake();
    const shared = { alerts: new InMemoryAlertStateStore(), ledger: new InMemorySendLedger() };
    await afterAnEarlierRun(shared.alerts);
    const a = await setup(slackChannels(fake2.apiUrl), shared);
    const b = await setup(slackChannels(fake2.apiUrl), shared);
    await Promise.all([evaluateAlerts(a.deps, a.opts), evaluateAlerts(b.deps, b.opts)]);
    const channels = postsOf(fake2).map((c) => `${c.body.channel} ${String(c.body.text).slice(0, 20)}`);
    expect(channels).toHaveLength(3);
    expect(new Set(channels).size).toBe(3);
  });

  it('an owner not in Slack: no direct message, and the channel copy says so', async () => {
    const fake = await slackFake([]);
    const { deps, opts } = await setup(slackChannels(fake.apiUrl));
    const r = await evaluateAlerts(deps, opts);
    expect(r.chat?.map((c) => `${c.key.kind} ${c.key.recipient} ${c.status}`)).toEqual([
      `alert-critical #cs-renewal-risk sent`,
      `alert-digest:cco #cs-renewal-risk sent`,
    ]);
    expect(fake.calls.find((c) => c.method === 'users.lookupByEmail')!.error).toBe('users_not_found');
    expect(fake.calls.some((c) => c.method === 'conversations.open')).toBe(false);
    expect(JSON.stringify(postsOf(fake)[0]!.body.blocks)).toContain(
      'ann@northwind.example is not a member of this Slack workspace, so no direct message was sent',
    );
  });

  it('waits out a ratelimited answer (429, Retry-After) and then posts', async () => {
    const fake = await slackFake();
    fake.inject({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSeconds: 1, times: 1 });
    const { deps, opts } = await setup(slackChannels(fake.apiUrl));
    const started = Date.now();
    const r = await evaluateAlerts(deps, opts);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const postCalls = fake.calls.filter((c) => c.method === 'chat.postMessage');
    expect(postCalls.map((c) => c.status)).toEqual([429, 200, 200, 200]);
    expect(postCalls[1]!.at - postCalls[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(r.chat?.every((c) => c.status === 'sent')).toBe(true);
    expect(postsOf(fake)).toHaveLength(3);
  });

  it('Slack down: the e-mails still go out, the run ledger says Slack failed, and the next run posts', async () => {
    const fake = await slackFake();
    const gone = await startFakeSlack();
    await gone.close();
    const down = gone.apiUrl; // nothing listens there any more: connection refused
    const { deps, opts } = await setup(slackChannels(down));
    const r = await evaluateAlerts(deps, opts);
    expect(deps.mailer.sent.length).toBeGreaterThanOrEqual(4); // critical x2, CCO digest, owner digests
    expect(r.sends.every((s) => s.status === 'sent')).toBe(true);
    expect(r.chat?.map((c) => `${c.key.kind} ${c.key.recipient} ${c.status}`)).toEqual([
      'alert-critical #cs-renewal-risk failed',
      'alert-critical ann@northwind.example failed', // the owner's lookup
      'alert-digest:cco #cs-renewal-risk failed',
    ]);
    const run = deps.runLedger.runs[0]!;
    expect(run.status).toBe('failed');
    expect(run.counts['slack.failed']).toBe(3);
    expect(run.counts.sent).toBe(deps.mailer.sent.length);
    expect(run.errors.join('\n')).toContain(
      'slack: alert-critical to #cs-renewal-risk: DeliveryError: Slack chat.postMessage: could not connect (ECONNREFUSED)',
    );

    // Slack back: the next run posts what was not delivered (the claims were released), and no e-mail twice.
    const mailed = deps.mailer.sent.length;
    const next = await evaluateAlerts({ ...deps, chat: slackChannels(fake.apiUrl) }, opts);
    expect(next.chat?.filter((c) => c.status === 'sent').map((c) => c.key.recipient)).toEqual([
      '#cs-renewal-risk',
      'ann@northwind.example',
      '#cs-renewal-risk',
    ]);
    expect(deps.mailer.sent.length).toBe(mailed);
  });

  it('invalid_auth is a failure that surely posted nothing (released, posted by the next run with a good token)', async () => {
    const fake = await slackFake();
    const { deps, opts } = await setup(slackChannels(fake.apiUrl, 'xoxb-revoked'));
    const r = await evaluateAlerts(deps, opts);
    expect(fake.calls[0]!.error).toBe('invalid_auth');
    expect(r.chat?.[0]).toMatchObject({
      status: 'failed',
      error: 'DeliveryError: Slack chat.postMessage: invalid_auth',
    });
    expect(fake.posts).toHaveLength(0);
    const next = await evaluateAlerts({ ...deps, chat: slackChannels(fake.apiUrl) }, opts);
    expect(next.chat?.filter((c) => c.status === 'sent')).toHaveLength(3);
  });

  it('a timeout after sending is an unknown outcome: alerts are posted again by the next run (at least once)', async () => {
    const fake = await slackFake();
    fake.inject({ method: 'chat.postMessage', kind: 'hang', times: 1 });
    const chat: ChatChannels = {
      slack: {
        chat: new SlackWebApiChat({ token: fake.token, apiUrl: fake.apiUrl, timeoutMs: 300 }),
        channel: '#cs-renewal-risk',
        directMessageOwners: false,
      },
    };
    const { deps, opts } = await setup(chat);
    const r = await evaluateAlerts(deps, opts);
    expect(r.chat?.[0]).toMatchObject({ status: 'failed' });
    expect(r.chat?.[0]!.error).toMatch(/no answer/);
    expect(fake.posts).toHaveLength(2); // the hung one was posted, and the digest
    await evaluateAlerts(deps, opts);
    expect(fake.posts.filter((p) => p.text.startsWith('CRITICAL'))).toHaveLength(2); // the documented duplicate
  });
});

describe('the first run on Slack: the summary, its critical alerts in its thread', () => {
  const fresh = () => ({ alerts: new InMemoryAlertStateStore(), ledger: new InMemorySendLedger() });
  const at = (opts: ReturnType<typeof overdueRunOptions>, time: string) => ({
    ...opts,
    now: `${TODAY}T${time}:00.000Z`,
  });

  it('posts the summary at the top level, each held critical alert as a reply in its thread (buttons on), the owner a DM; a second run nothing', async () => {
    const fake = await slackFake();
    const { deps, opts } = await setup(slackChannels(fake.apiUrl), fresh());
    const r = await evaluateAlerts(deps, opts);
    expect(r.notices.some((n) => n.heldForSummary)).toBe(true);
    expect(r.chat?.map((c) => `${c.key.kind} ${c.key.recipient} ${c.status}`)).toEqual([
      'alert-critical ann@northwind.example sent', // the owner's own account: a DM as usual
      'alert-digest:cco #cs-renewal-risk sent', // the summary
      'alert-critical #cs-renewal-risk sent', // in the summary's thread
    ]);
    const [dm, summary, reply] = postsOf(fake);
    expect(dm!.body.channel).toMatch(/^D/);
    expect(summary!.body.thread_ts).toBeUndefined();
    expect(String(summary!.body.text)).toMatch(/^Renewal risk/);
    // The reply names the summary's channel id and ts, as chat.postMessage answered them.
    const summaryPost = fake.posts.find((p) => p.text === summary!.body.text)!;
    expect(reply!.body).toMatchObject({ channel: 'C0RISK0001', thread_ts: summaryPost.ts });
    expect(String(reply!.body.text)).toMatch(/^CRITICAL: Acme/);
    const actions = (reply!.body.blocks as Record<string, any>[]).find((b) => b.type === 'actions')!;
    expect(actions.elements.map((e: any) => e.action_id)).toEqual(['alert_ack', 'alert_snooze']);
    expect(fake.posts.filter((p) => p.threadTs === summaryPost.ts)).toHaveLength(1);
    // The ledger keeps where each went: `<channel id>/<ts>`.
    expect(r.chat?.[2]!.messageId).toBe(`C0RISK0001/${fake.posts[2]!.ts}`);

    // A second run (later the same day) posts nothing new: every key is found sent.
    const posted = fake.posts.length;
    const again = await evaluateAlerts(deps, at(opts, '14:00'));
    expect(again.chat?.map((c) => c.status)).toEqual(['already-sent', 'already-sent', 'already-sent']);
    expect(fake.posts).toHaveLength(posted);
    expect(fake.calls.filter((c) => c.method === 'chat.update')).toHaveLength(0);
  });

  it("the demo's way: a second session of the fake starts with the first's messages, posts nothing new, and updates an earlier message", async () => {
    const stores = fresh();
    const first = await slackFake();
    const run1 = await setup(slackChannels(first.apiUrl), stores);
    await evaluateAlerts(run1.deps, run1.opts);
    expect(tallySlack(first.posts, first.edits)).toEqual({
      threadReplies: 1,
      channelCriticals: 0,
      directMessages: 1,
      digests: 1,
      headlines: 0,
      updates: 0,
    });
    const saved = JSON.parse(JSON.stringify(first.posts));
    await first.close();

    const second = await startFakeSlack({ members: [ANN], messages: saved });
    open.push(second);
    const chat = slackChannels(second.apiUrl);
    const run2 = await setup(chat, stores);
    await evaluateAlerts(run2.deps, at(run2.opts, '14:00'));
    expect(second.posts).toHaveLength(saved.length); // nothing new
    const done = await snoozeAlertAndTask(
      stores.alerts,
      { defaultDays: 7, maxDays: 90 },
      { id: ALERT_ID, kind: 'snooze', reason: 'exec call booked', by: 'cco@northwind.example', today: TODAY },
      undefined,
      {
        messages: {
          ledger: stores.ledger,
          slack: { ...chat.slack!, companyName: 'Northwind', formatter: makeFormatter('en-US', 'USD') },
        },
      },
    );
    // The thread reply (channel copy) and the DM of the first session, found by the ledger's `<channel>/<ts>`.
    expect(done.chat?.map((c) => c.status)).toEqual(['sent', 'sent']);
    const reply = second.posts.find((p) => p.threadTs)!;
    expect(second.edits.map((e) => `${e.via} ${e.channel}/${e.ts}`)).toContain(
      `chat.update ${reply.channel}/${reply.ts}`,
    );
    expect(reply.edits).toBe(1);
    expect(tallySlack([], second.edits).updates).toBe(2);
  });

  it('the summary failed: no burst in that run; a later run posts the critical alerts at the top level, so none is lost', async () => {
    const fake = await slackFake();
    // msg_too_long: a failure of the summary itself, that surely posted nothing (released), twice.
    fake.inject({ method: 'chat.postMessage', kind: 'error', error: 'msg_too_long', times: 2 });
    const chat = slackChannels(fake.apiUrl);
    chat.slack!.directMessageOwners = false;
    const { deps, opts } = await setup(chat, fresh());
    const first = await evaluateAlerts(deps, opts);
    expect(first.chat?.map((c) => `${c.key.kind} ${c.status}`)).toEqual(['alert-digest:cco failed']);
    expect(fake.posts).toHaveLength(0);
    expect(deps.runLedger.runs[0]!.status).toBe('failed'); // so Lambda's retry (or the next run) comes back

    // The next run: the summary fails again, and the held critical alert goes to the channel's top level.
    const second = await evaluateAlerts(deps, at(opts, '13:30'));
    expect(second.chat?.map((c) => `${c.key.kind} ${c.status}`)).toEqual([
      'alert-digest:cco failed',
      'alert-critical sent',
    ]);
    expect(fake.posts.map((p) => [p.text.slice(0, 14), p.threadTs])).toEqual([['CRITICAL: Acme', undefined]]);

    // Slack takes the summary on the third run; the critical alert is not posted again.
    const third = await evaluateAlerts(deps, at(opts, '14:30'));
    expect(third.chat?.map((c) => `${c.key.kind} ${c.status}`)).toEqual([
      'alert-digest:cco sent',
      'alert-critical already-sent',
    ]);
    expect(fake.posts.filter((p) => p.text.startsWith('CRITICAL'))).toHaveLength(1);
  });

  it('the summary failed once: the next run posts it and threads the critical alerts under it', async () => {
    const fake = await slackFake();
    fake.inject({ method: 'chat.postMessage', kind: 'error', error: 'internal_error', times: 1 });
    const chat = slackChannels(fake.apiUrl);
    chat.slack!.directMessageOwners = false;
    const { deps, opts } = await setup(chat, fresh());
    await evaluateAlerts(deps, opts);
    expect(fake.posts).toHaveLength(0);
    const next = await evaluateAlerts(deps, at(opts, '13:30'));
    expect(next.chat?.map((c) => `${c.key.kind} ${c.status}`)).toEqual([
      'alert-digest:cco sent',
      'alert-critical sent',
    ]);
    expect(fake.posts[1]!.threadTs).toBe(fake.posts[0]!.ts);
  });

  it('another run is posting the summary (in flight): this run posts none of its critical alerts', async () => {
    const fake = await slackFake();
    const chat = slackChannels(fake.apiUrl);
    chat.slack!.directMessageOwners = false;
    const stores = fresh();
    const { deps, opts } = await setup(chat, stores);
    await stores.ledger.claim({
      kind: 'alert-digest:cco',
      period: TODAY,
      recipient: '#cs-renewal-risk',
      channel: 'slack',
    });
    const r = await evaluateAlerts(deps, opts);
    expect(r.chat?.map((c) => `${c.key.kind} ${c.status}`)).toEqual(['alert-digest:cco in-flight']);
    expect(fake.posts).toHaveLength(0);
  });
});

describe("the alert's status on its Slack messages (chat.update)", () => {
  const limits = { defaultDays: 7, maxDays: 90 };
  const messagesOf = (chat: ChatChannels, ledger: InMemorySendLedger) => ({
    ledger,
    slack: { ...chat.slack!, companyName: 'Northwind', formatter: makeFormatter('en-US', 'USD') },
  });
  const updates = (fake: FakeSlack) => fake.calls.filter((c) => c.method === 'chat.update' && !c.error);
  const statusLine = (blocks: unknown) =>
    (blocks as Record<string, any>[]).find((b) => b.block_id === 'alert-status')?.elements[0].text as string;

  it('snoozed, acknowledged, resolved: each updates the channel copy and the DM once, with the real client', async () => {
    const fake = await slackFake();
    const chat = slackChannels(fake.apiUrl);
    const { deps, opts } = await setup(chat);
    await evaluateAlerts(deps, opts);
    const [channelPost, dm] = fake.posts;
    const messages = messagesOf(chat, deps.ledger);
    const act = (kind: 'snooze' | 'acknowledge', by: string) =>
      snoozeAlertAndTask(
        deps.alerts,
        limits,
        { id: ALERT_ID, kind, reason: `${kind} from the CLI`, by, today: TODAY },
        undefined,
        { messages },
      );

    const snoozed = await act('snooze', 'jo@northwind.example');
    expect(snoozed.chat?.map((c) => `${c.key.kind} ${c.key.recipient} ${c.status}`)).toEqual([
      `alert-update:snoozed C0RISK0001/${channelPost!.ts} sent`,
      `alert-update:snoozed ${dm!.channel}/${dm!.ts} sent`,
    ]);
    const [u1, u2] = updates(fake);
    // What the client sends: the channel id and ts, the whole message again, a status line above the footer.
    expect(u1!.contentType).toBe('application/x-www-form-urlencoded');
    expect(u1!.body).toMatchObject({ channel: 'C0RISK0001', ts: channelPost!.ts });
    expect(statusLine(u1!.body.blocks)).toBe(':zzz: *Snoozed* by jo@northwind.example until 2026-11-30');
    expect((u1!.body.blocks as Record<string, any>[]).some((b) => b.type === 'actions')).toBe(true);
    expect(JSON.stringify(u1!.body.blocks)).toContain('<@U0ANN00001>'); // the channel copy still mentions the owner
    expect(u2!.body).toMatchObject({ channel: dm!.channel, ts: dm!.ts });
    expect(channelPost!.edits).toBe(1);

    // A rerun of the alert job finds the updates sent: nothing again.
    await evaluateAlerts(deps, { ...opts, now: `${TODAY}T13:00:00.000Z` });
    expect(updates(fake)).toHaveLength(2);

    await act('acknowledge', 'slack:@cco (U0CCO)');
    expect(updates(fake)).toHaveLength(4);
    expect(statusLine(updates(fake)[2]!.body.blocks)).toBe(':eyes: *Acknowledged* by <@U0CCO> until 2026-11-30');
    expect((channelPost!.blocks as Record<string, any>[]).filter((b) => b.block_id === 'alert-status')).toHaveLength(1);

    // The renewal closes: the alert job resolves the alert and updates both messages, buttons gone, once.
    const closed = {
      ...data,
      renewals: data.renewals.map((r) =>
        r.accountId === 'A' ? { ...r, status: 'renewed' as const, closedDate: '2026-11-24', renewedArr: r.arrUp } : r,
      ),
    };
    const nextDay = { ...opts, today: '2026-11-24', now: '2026-11-24T12:30:00.000Z', dataset: closed };
    const resolved = await evaluateAlerts(deps, nextDay);
    expect(
      resolved.chat?.filter((c) => c.key.kind.startsWith('alert-update')).map((c) => `${c.key.kind} ${c.status}`),
    ).toEqual(['alert-update:resolved sent', 'alert-update:resolved sent']);
    const [r1] = updates(fake).slice(4);
    expect(statusLine(r1!.body.blocks)).toMatch(/^:white_check_mark: \*Resolved\* on 2026-11-24/);
    expect((r1!.body.blocks as Record<string, any>[]).some((b) => b.type === 'actions')).toBe(false);
    await evaluateAlerts(deps, { ...nextDay, now: '2026-11-24T13:30:00.000Z' });
    expect(updates(fake)).toHaveLength(6);
  });

  it('a button click: the clicked message answered through its response_url, the other copy with chat.update, once', async () => {
    const fake = await slackFake();
    const chat = slackChannels(fake.apiUrl);
    const { deps, opts } = await setup(chat);
    await evaluateAlerts(deps, opts);
    const [channelPost, dm] = fake.posts;
    const secret = 'slack-signing-secret-for-the-test';
    const handle = createAlertActionHandler({
      alerts: deps.alerts,
      limits,
      timeZone: 'America/New_York',
      signingKeys: async () => ['k'.repeat(32)],
      used: new InMemorySingleUseIds(),
      slack: {
        signingSecret: async () => secret,
        responder: new FetchSlackResponder({ allowedOrigins: [fake.url] }),
        ledger: deps.ledger,
      },
      messages: messagesOf(chat, deps.ledger),
      now: () => CLICKED_AT,
    });
    const payload = blockActionsPayload(fake, channelPost!, {
      userId: 'U0CCO',
      userName: 'cco',
      actionId: 'alert_ack',
    });
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = String(Math.floor(CLICKED_AT.getTime() / 1000));
    const res = await handle({
      rawPath: '/slack/actions',
      body,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Slack-Signature': slackSignature(secret, ts, body),
        'X-Slack-Request-Timestamp': ts,
      },
      requestContext: { http: { method: 'POST' } },
    });
    expect(res.statusCode).toBe(200);
    expect(fake.edits.map((e) => [e.via, e.channel, e.ts])).toEqual([
      ['response_url', channelPost!.channel, channelPost!.ts],
      ['chat.update', dm!.channel, dm!.ts],
    ]);
    // The clicked message as Slack now shows it: the status line in, the buttons kept (acknowledged, not resolved).
    expect(statusLine(channelPost!.blocks)).toBe(':eyes: *Acknowledged* by <@U0CCO> until 2026-11-30');
    expect(statusLine(dm!.blocks)).toBe(':eyes: *Acknowledged* by <@U0CCO> until 2026-11-30');
    // The alert run after it finds both updates sent.
    await evaluateAlerts(deps, { ...opts, now: `${TODAY}T16:00:00.000Z` });
    expect(fake.edits).toHaveLength(2);
  });

  it('a snooze from the e-mail link updates both Slack messages with chat.update', async () => {
    const fake = await slackFake();
    const chat = slackChannels(fake.apiUrl);
    const { deps, opts } = await setup(chat);
    await evaluateAlerts(deps, opts);
    const key = 'k'.repeat(32);
    const handle = createAlertActionHandler({
      alerts: deps.alerts,
      limits,
      timeZone: 'America/New_York',
      signingKeys: async () => [key],
      used: new InMemorySingleUseIds(),
      messages: messagesOf(chat, deps.ledger),
      now: () => CLICKED_AT,
    });
    const alert = (await deps.alerts.getAlert(ALERT_ID))!;
    const token = actionTokenFor(
      key,
      {
        alertId: ALERT_ID,
        episode: alert.episode,
        action: 'snooze',
        days: 7,
        recipient: 'cco@northwind.example',
        nonce: 'n'.repeat(22),
      },
      CLICKED_AT,
    );
    const res = await handle({ rawPath: `/a/${token}`, body: '', requestContext: { http: { method: 'POST' } } });
    expect(res.statusCode).toBe(200);
    expect(fake.edits.map((e) => e.via)).toEqual(['chat.update', 'chat.update']);
    expect(fake.posts.slice(0, 2).map((p) => statusLine(p.blocks))).toEqual([
      ':zzz: *Snoozed* by cco@northwind.example until 2026-11-30',
      ':zzz: *Snoozed* by cco@northwind.example until 2026-11-30',
    ]);
  });
});

describe('alerts on Teams', () => {
  it('posts Adaptive Cards once (rerun) and waits out a 429', async () => {
    const teams: FakeTeams = await startFakeTeams();
    open.push(teams);
    teams.inject({ status: 429, times: 1, retryAfterSeconds: 1 });
    const chat: ChatChannels = {
      teams: {
        chat: new TeamsWorkflowWebhook({ url: teams.url }),
        criticalAlerts: true,
        digest: true,
        weeklyHeadline: true,
      },
    };
    const { deps, opts } = await setup(chat);
    const r = await evaluateAlerts(deps, opts);
    expect(r.chat?.map((c) => `${c.key.channel} ${c.key.kind} ${c.status}`)).toEqual([
      'teams alert-critical sent',
      'teams alert-digest:cco sent',
    ]);
    expect(teams.requests.map((q) => q.status)).toEqual([429, 202, 202]);
    const body = teams.requests[1]!.body as any;
    expect(body.type).toBe('message');
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(JSON.stringify(body)).toContain('Escalate to the CCO');
    expect(r.chat?.[0]!.messageId).toMatch(/^0858/);
    await evaluateAlerts(deps, opts);
    expect(teams.cards).toHaveLength(2);
  });

  it('Teams and Slack fail apart: a Teams 500 leaves the Slack posts and the e-mails alone', async () => {
    const fake = await slackFake();
    const teams = await startFakeTeams();
    open.push(teams);
    teams.inject({ status: 500, times: 5 });
    const chat = slackChannels(fake.apiUrl, undefined, {
      teams: {
        chat: new TeamsWorkflowWebhook({ url: teams.url }),
        criticalAlerts: true,
        digest: true,
        weeklyHeadline: true,
      },
    });
    const { deps, opts } = await setup(chat);
    const r = await evaluateAlerts(deps, opts);
    expect(r.chat?.filter((c) => c.key.channel === 'slack').every((c) => c.status === 'sent')).toBe(true);
    expect(r.chat?.filter((c) => c.key.channel === 'teams').map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(deps.runLedger.runs[0]!.counts).toMatchObject({ 'slack.sent': 3, 'teams.failed': 2 });
    expect(r.sends.every((s) => s.status === 'sent')).toBe(true);
  });
});
