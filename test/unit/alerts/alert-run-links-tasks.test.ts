// The alert run with the e-mails' action links and CRM tasks: each live alert in a critical alert
// and a digest carries a snooze and an acknowledge link signed for that message's recipient (and
// the link works at the endpoint); CRM tasks are opened once per alert under reruns and
// concurrent runs, and a CRM failure does not stop the e-mails.
import { describe, expect, it } from 'vitest';
import {
  InMemoryAlertStateStore,
  InMemorySendLedger,
  InMemorySingleUseIds,
} from '../../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../../functions/adapters/render/risk-alerts';
import { actionLinkMaker } from '../../../functions/app/alert-action-links';
import { handleAlertActionRequest } from '../../../functions/app/alert-action-endpoint';
import { evaluateAlerts, type EvaluateAlertsDeps } from '../../../functions/app/evaluate-alerts';
import { makeFormatter } from '../../../functions/domain/alerts';
import { verifyActionToken } from '../../../functions/domain/alerts/action-token';
import type { Account } from '../../../functions/domain/contract/entities';
import { DeliveryError } from '../../../functions/ports/send-ledger';
import { MemoryTaskTracker } from '../../support/memory-task-tracker';
import { dataset, line, renewal } from '../kpi/builders';
import { afterAnEarlierRun, overdueRunOptions, RecordingMailer } from './helpers';

const TODAY = '2026-11-23';
const KEY = 's'.repeat(32);
const acct = (accountId: string, name: string, ownerEmail?: string): Account => ({
  accountId,
  name,
  ...(ownerEmail ? { ownerEmail } : {}),
});
const data = dataset({
  accounts: [acct('A', 'Acme Corp', 'ann@northwind.example'), acct('B', 'Bravo Ltd', 'bob@northwind.example')],
  subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01')],
  renewals: [
    renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
    renewal('B', '2027-06-11', 12_000, 'open', undefined, undefined, 'RB'),
  ],
  nps: [{ responseId: 'N1', accountId: 'B', date: '2026-11-20', score: 2 }],
});

async function setup() {
  const tracker = new MemoryTaskTracker('hubspot');
  const deps: EvaluateAlertsDeps = {
    store: { loadDataset: async () => data },
    alerts: new InMemoryAlertStateStore(),
    ledger: new InMemorySendLedger(),
    mailer: new RecordingMailer(),
    renderer: await createRiskAlertRenderer(),
    actionLinks: {
      maker: actionLinkMaker({
        baseUrl: 'https://alerts.example/',
        signingKey: KEY,
        snoozeDays: 7,
        now: () => new Date(`${TODAY}T12:30:00Z`),
      }),
      snoozeDays: 7,
    },
    tasks: { tracker, settings: { dueInDays: { critical: 2, warning: 7 } } },
  };
  await afterAnEarlierRun(deps.alerts);
  return { deps, tracker, mailer: deps.mailer as RecordingMailer, opts: overdueRunOptions(TODAY) };
}

const tokensIn = (text: string) =>
  [...text.matchAll(/https:\/\/alerts\.example\/a\/([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!);

describe('alert run: action links and CRM tasks', () => {
  it('puts a snooze and an acknowledge link for its recipient under each live alert, in the HTML and the text', async () => {
    const { deps, opts, mailer } = await setup();
    await evaluateAlerts(deps, opts);
    const critical = mailer.sent.find((m) => m.subject.includes('CRITICAL') && m.to[0] === 'ann@northwind.example')!;
    const tokens = tokensIn(critical.text);
    expect(tokens).toHaveLength(2);
    const claims = tokens.map((t) => verifyActionToken(KEY, t, new Date(`${TODAY}T13:00:00Z`)));
    expect(claims.map((c) => [c.alertId, c.action, c.recipient, c.days])).toEqual([
      ['renewal-overdue:A:RA', 'snooze', 'ann@northwind.example', 7],
      ['renewal-overdue:A:RA', 'acknowledge', 'ann@northwind.example', 7],
    ]);
    expect(critical.html).toContain('>Snooze 7 days</a>');
    const ccoDigest = mailer.sent.find(
      (m) => m.subject.includes('Renewal risk') && m.to[0] === 'cco@northwind.example',
    )!;
    const digestClaims = tokensIn(ccoDigest.text).map((t) => verifyActionToken(KEY, t, new Date(`${TODAY}T13:00:00Z`)));
    expect(new Set(digestClaims.map((c) => c.recipient))).toEqual(new Set(['cco@northwind.example']));
    expect(new Set(digestClaims.map((c) => c.alertId))).toEqual(new Set(['renewal-overdue:A:RA', 'detractor-nps:B']));
  });

  it("the e-mail's snooze link snoozes the alert at the endpoint", async () => {
    const { deps, opts, mailer, tracker } = await setup();
    await evaluateAlerts(deps, opts);
    const critical = mailer.sent.find((m) => m.subject.includes('CRITICAL') && m.to[0] === 'ann@northwind.example')!;
    const [snooze] = tokensIn(critical.text);
    const endpoint = {
      alerts: deps.alerts,
      limits: { defaultDays: 7, maxDays: 90 },
      timeZone: 'America/New_York',
      signingKeys: async () => [KEY],
      used: new InMemorySingleUseIds(),
      tasks: { ledger: deps.ledger, tracker, settings: deps.tasks!.settings, formatter: makeFormatter('en-US', 'USD') },
      now: () => new Date(`${TODAY}T15:00:00Z`),
    };
    const res = await handleAlertActionRequest(endpoint, {
      method: 'POST',
      path: `/a/${snooze}`,
      headers: {},
      body: '',
    });
    expect(res.statusCode).toBe(200);
    expect((await deps.alerts.getAlert('renewal-overdue:A:RA'))?.snooze).toMatchObject({
      by: 'ann@northwind.example',
      until: '2026-11-30',
    });
    const task = [...tracker.tasks.values()].find((t) => t.alertId === 'renewal-overdue:A:RA')!;
    expect(task.dueDate).toBe('2026-11-30');
  });

  it('opens one CRM task per open alert; a rerun and two concurrent runs open none more', async () => {
    const { deps, opts, tracker } = await setup();
    const first = await evaluateAlerts(deps, opts);
    expect(first.crmTasks?.map((t) => [t.alertId, t.transition, t.status])).toEqual([
      ['detractor-nps:B', 'open', 'sent'],
      ['renewal-overdue:A:RA', 'open', 'sent'],
    ]);
    await Promise.all([evaluateAlerts(deps, opts), evaluateAlerts(deps, opts)]);
    await evaluateAlerts(deps, { ...opts, today: '2026-11-24', now: '2026-11-24T12:30:00.000Z' });
    expect(
      tracker.commands
        .filter((c) => c.action === 'open')
        .map((c) => (c as { alertId: string }).alertId)
        .sort(),
    ).toEqual(['detractor-nps:B', 'renewal-overdue:A:RA']);
    expect(
      tracker.tasks.get(
        [...tracker.tasks.keys()].find((k) => tracker.tasks.get(k)!.alertId === 'renewal-overdue:A:RA')!,
      ),
    ).toMatchObject({ priority: 'high', ownerEmail: 'ann@northwind.example' });
  });

  it('a CRM that refuses does not stop the e-mails; the run says so and the next run opens the tasks', async () => {
    const { deps, opts, tracker, mailer } = await setup();
    tracker.failures.push(
      new DeliveryError('HubSpot answered 401', true),
      new DeliveryError('HubSpot answered 401', true),
    );
    const r = await evaluateAlerts(deps, opts);
    expect(r.crmTasks?.every((t) => t.status === 'failed')).toBe(true);
    expect(mailer.sent.length).toBeGreaterThan(0);
    expect(r.sends.every((s) => s.status === 'sent')).toBe(true);
    const again = await evaluateAlerts(deps, opts);
    expect(again.crmTasks?.map((t) => t.status)).toEqual(['sent', 'sent']);
  });
});
