// The chat messages (pure) and the Monday headline: Block Kit within Slack's limits for any digest
// size, the headline's figures as the report formats them, posted once per week to Slack.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySendLedger } from '../../../functions/adapters/memory/alerts';
import { SlackWebApiChat } from '../../../functions/adapters/slack/web-api-chat';
import { announceWeeklyReport } from '../../../functions/app/chat-notify';
import type { AlertView, DigestModel } from '../../../functions/domain/alerts';
import {
  digestCard,
  digestPost,
  escapeMrkdwn,
  headlineModel,
  headlinePost,
  postedSlackMessage,
  slackActorMention,
  withAlertStatus,
} from '../../../functions/domain/chat';
import type { WeeklyReportView } from '../../../functions/domain/report';
import { startFakeSlack, type FakeSlack } from '../../../lib/local/fake-slack';
import { MemoryRunLedger } from '../report/fakes';

const view = (i: number): AlertView => ({
  id: `usage-decline:A${i}:R${i}`,
  severity: 'warning',
  severityLabel: 'warning',
  critical: false,
  rule: 'usage-decline',
  ruleTitle: 'Usage decline',
  accountId: `A${i}`,
  accountName: `Account ${i} <&>`,
  owner: `owner${i}@northwind.example`,
  arr: '$84,000',
  arrCents: 8_400_000,
  why: 'usage trend over 4 weeks -42% (at most -30%); renewal of $84,000 due in 21 days '.repeat(2),
  signals: [],
  renewal: 'renewal of $84,000 due in 21 days',
  play: 'Adoption workshop with the main user teams',
  openedOn: '2026-11-20',
  snoozed: '',
  resolution: '',
});

function bigDigest(n: number): DigestModel {
  const items = Array.from({ length: n }, (_, i) => view(i));
  return {
    audience: 'cco',
    recipient: '#cs-renewal-risk',
    company: 'Northwind',
    date: '2026-11-23',
    subject: `Renewal risk 2026-11-23: ${n} new; ${n} open`,
    summary: `${n} new; ${n} open`,
    sections: [
      { kind: 'opened', title: 'New', items },
      { kind: 'reminder', title: 'Still open (reminder)', items },
    ],
    atRiskTitle: 'Top 10 accounts by ARR at risk',
    atRisk: items.slice(0, 10).map((a, i) => ({
      rank: i + 1,
      accountName: a.accountName,
      accountId: a.accountId,
      arr: a.arr,
      owner: a.owner,
      critical: false,
      severityLabel: 'warning',
      alerts: a.ruleTitle,
      renewal: a.renewal,
    })),
    totalOpen: n,
    noticeCount: 2 * n,
    noticeIds: [],
    intro: '',
  };
}

describe('Slack and Teams messages', () => {
  it('keeps a digest of any size within Block Kit limits (50 blocks, 3,000 characters a section), saying how many were left out', () => {
    for (const n of [1, 40, 600]) {
      const post = digestPost(bigDigest(n));
      expect(post.blocks.length).toBeLessThanOrEqual(50);
      for (const b of post.blocks as Record<string, any>[])
        if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      const text = JSON.stringify(post.blocks);
      if (n === 600) expect(text).toMatch(/… and \d+ more/);
      else expect(text).not.toContain('more');
      expect(text).toContain('Account 0 &lt;&amp;&gt;');
    }
    const card = digestCard(bigDigest(600));
    expect(JSON.stringify(card.card)).toContain('… and 585 more');
  });

  it('escapes only what mrkdwn needs', () => {
    expect(escapeMrkdwn('<@U1> & *bold*')).toBe('&lt;@U1&gt; &amp; *bold*');
  });
});

// The parts of the weekly report's view the headline reads.
const reportView = {
  meta: {
    companyName: 'Northwind',
    locale: 'en-US',
    currency: 'USD',
    week: '2026-W48',
    range: 'Nov 23 – 29, 2026',
    archive: { label: 'Finance archive: this week', url: 'https://pulse.example/a/index?t=x' },
  },
  headline: [
    {
      id: 'closingArr',
      label: 'Closing ARR',
      value: 1_623_450_000,
      format: 'moneyCompact',
      change: { value: 8_450_000, direction: 'up', tone: 'good', arrow: '▲' },
      note: '',
    },
    {
      id: 'nrr',
      label: 'NRR',
      value: 1.042,
      format: 'percent',
      change: { value: 0.004, direction: 'up', tone: 'good', arrow: '▲' },
      note: '',
    },
    { id: 'grr', label: 'GRR', value: 0.91, format: 'percent', change: null, note: '' },
    { id: 'customers', label: 'Customers', value: 300, format: 'count', change: null, note: '' },
    {
      id: 'arrAtRisk',
      label: 'ARR at risk',
      value: 120_000_000,
      format: 'moneyCompact',
      change: { value: 0, direction: 'flat', tone: 'neutral', arrow: '▬' },
      note: '',
    },
  ],
} as unknown as WeeklyReportView;

describe('the Monday headline', () => {
  let fake: FakeSlack | undefined;
  afterEach(async () => fake?.close());

  it('says ARR, NRR, GRR and ARR at risk as the report formats them, with the archive link', () => {
    const model = headlineModel(reportView);
    expect(model.figures).toEqual([
      { label: 'Closing ARR', value: '$16.2M', change: '+$84.5K' },
      { label: 'NRR', value: '104.2%', change: '+0.4 pts' },
      { label: 'GRR', value: '91.0%', change: '' },
      { label: 'ARR at risk', value: '$1.2M', change: '' },
    ]);
    expect(JSON.stringify(headlinePost(model).blocks)).toContain(
      '<https://pulse.example/a/index?t=x|Finance archive: this week>',
    );
  });

  it('is posted to the weekly report channel once per week, recorded as its own run', async () => {
    fake = await startFakeSlack();
    const chat = {
      slack: {
        chat: new SlackWebApiChat({ token: fake.token, apiUrl: fake.apiUrl }),
        channel: '#cs-renewal-risk',
        directMessageOwners: true,
        weeklyReportChannel: '#exec',
      },
    };
    const deps = { ledger: new InMemorySendLedger(), chat, runLedger: new MemoryRunLedger() };
    const first = await announceWeeklyReport(deps, reportView, 'schedule');
    const again = await announceWeeklyReport(deps, reportView, 'schedule');
    expect(first.map((o) => `${o.key.kind} ${o.key.period} ${o.key.recipient} ${o.status}`)).toEqual([
      'weekly-headline 2026-W48 #exec sent',
    ]);
    expect(again.map((o) => o.status)).toEqual(['already-sent']);
    expect(fake.posts).toHaveLength(1);
    expect(fake.posts[0]!.text).toMatch(/^Northwind weekly report 2026-W48: Closing ARR \$16\.2M/);
    expect(deps.runLedger.runs.map((r) => `${r.kind} ${r.subject} ${r.status} ${JSON.stringify(r.counts)}`)).toEqual([
      'report weekly-headline succeeded {"slack.sent":1}',
      'report weekly-headline succeeded {"slack.alreadySent":1}',
    ]);
  });
});

describe("an alert's status on a posted Slack message", () => {
  const posted = {
    text: 'CRITICAL: Acme - Renewal overdue (renewal of $84,000 overdue by 12 days)',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Critical: Acme' } },
      { type: 'actions', block_id: 'alert-actions', elements: [] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Northwind · Pulse renewal-risk alert' }] },
    ],
  };

  it('puts one status line above the footer, replacing an earlier one; resolved drops the buttons', () => {
    const snoozed = withAlertStatus(posted, { kind: 'snoozed', by: 'slack:@jo (U0JO00001)', until: '2026-11-30' });
    expect(snoozed.blocks.map((b) => b.block_id ?? b.type)).toEqual([
      'header',
      'alert-actions',
      'alert-status',
      'context',
    ]);
    expect(snoozed.text).toBe(`${posted.text} [Snoozed by <@U0JO00001> until 2026-11-30]`);
    const acked = withAlertStatus(snoozed, { kind: 'acknowledged', by: 'jo@northwind.example', until: '2026-12-07' });
    expect(acked.blocks.filter((b) => b.block_id === 'alert-status')).toHaveLength(1);
    expect(acked.text).toBe(`${posted.text} [Acknowledged by jo@northwind.example until 2026-12-07]`);
    const resolved = withAlertStatus(acked, { kind: 'resolved', on: '2026-12-01', reason: 'renewal <closed>' });
    expect(resolved.blocks.map((b) => b.block_id ?? b.type)).toEqual(['header', 'alert-status', 'context']);
    expect(JSON.stringify(resolved.blocks[1])).toContain('*Resolved* on 2026-12-01: renewal &lt;closed&gt;');
  });

  it('mentions a Slack actor, names anyone else escaped; reads a ledger message id', () => {
    expect(slackActorMention('slack:@cco (U0CCO)')).toBe('<@U0CCO>');
    expect(slackActorMention('slack:U0CCO')).toBe('<@U0CCO>');
    expect(slackActorMention('ops <team>')).toBe('ops &lt;team&gt;');
    expect(postedSlackMessage('C0RISK0001/1764590000.000012')).toEqual({
      channel: 'C0RISK0001',
      ts: '1764590000.000012',
    });
    expect(postedSlackMessage('response_url:200')).toBeUndefined();
  });
});
