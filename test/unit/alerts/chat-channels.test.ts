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
import { startFakeSlack, type FakeSlack, type FakeSlackMember } from '../../../lib/local/fake-slack';
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
