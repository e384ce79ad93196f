// The snooze link with CRM tasks in Salesforce (issue 16), against the loopback fake of Salesforce's
// REST API with the real task adapter: the alert run opens a Task on the Account for the owner; the
// critical e-mail's snooze link, opened (GET: a page, nothing changes) then confirmed (POST) at the
// action endpoint's use case, snoozes the alert and moves the Task's ActivityDate once, with the note
// appended; a replay and tampered links (a changed character, another alert's id) change neither the
// alert nor the Task. The HubSpot flow runs end to end through the CLI in test/e2e/alert-snooze-link.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { salesforceTaskTracker } from '../../functions/adapters/crm/salesforce-tasks';
import {
  InMemoryAlertStateStore,
  InMemorySendLedger,
  InMemorySingleUseIds,
} from '../../functions/adapters/memory/alerts';
import { createRiskAlertRenderer } from '../../functions/adapters/render/risk-alerts';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { handleAlertActionRequest, type AlertActionDeps } from '../../functions/app/alert-action-endpoint';
import { actionLinkMaker } from '../../functions/app/alert-action-links';
import { evaluateAlerts, type EvaluateAlertsDeps } from '../../functions/app/evaluate-alerts';
import { parseConfig } from '../../functions/config';
import { makeFormatter } from '../../functions/domain/alerts';
import type { SalesforceSourceDefinition } from '../../functions/domain/sources/registry';
import { startFakeSalesforce, type FakeSalesforce } from '../../lib/local/fake-salesforce';
import { configDoc } from '../support/config-doc';
import { dataset, line, renewal } from '../unit/kpi/builders';
import { afterAnEarlierRun, overdueRunOptions, RecordingMailer } from '../unit/alerts/helpers';

const TODAY = '2026-11-23';
const KEY = 'k'.repeat(32);
const ALERT = 'renewal-overdue:A:RA';

const data = dataset({
  accounts: [
    { accountId: 'A', name: 'Acme Corp', ownerEmail: 'ann@northwind.example' },
    { accountId: 'B', name: 'Bravo Ltd', ownerEmail: 'bob@northwind.example' },
  ],
  subscriptions: [line('A', 84_000, '2024-01-01'), line('B', 12_000, '2024-01-01')],
  renewals: [
    renewal('A', '2026-11-11', 84_000, 'open', undefined, undefined, 'RA'),
    renewal('B', '2026-11-20', 12_000, 'open', undefined, undefined, 'RB'),
  ],
});

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  fake = await startFakeSalesforce({
    records: {
      Account: [
        { Id: '001A', Name: 'Acme Corp', Pulse_Account_Id__c: 'A' },
        { Id: '001B', Name: 'Bravo Ltd', Pulse_Account_Id__c: 'B' },
      ],
      User: [
        { Id: '005A', Email: 'ann@northwind.example', IsActive: true },
        { Id: '005B', Email: 'bob@northwind.example', IsActive: true },
      ],
      Task: [],
    },
  });
  const config = parseConfig(
    configDoc({
      company: { name: 'T', timezone: 'UTC' },
      sources: [{ name: 'salesforce', connector: 'salesforce', salesforce: { instanceUrl: fake.url } }],
    }),
  );
  const tracker = salesforceTaskTracker(config.sources[0] as SalesforceSourceDefinition, {
    env: { SALESFORCE_TOKEN: '00Dfake!token' },
    secrets: new EnvSecrets({}),
    hooks: { sleep: async () => {} },
  });
  const settings = { dueInDays: { critical: 2, warning: 7 } };
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
    tasks: { tracker, settings },
  };
  await afterAnEarlierRun(deps.alerts);
  const endpoint: AlertActionDeps = {
    alerts: deps.alerts,
    limits: { defaultDays: 7, maxDays: 90 },
    timeZone: 'UTC',
    signingKeys: async () => [KEY],
    used: new InMemorySingleUseIds(),
    tasks: { ledger: deps.ledger, tracker, settings, formatter: makeFormatter('en-US', 'USD') },
    now: () => new Date(`${TODAY}T15:00:00Z`),
  };
  return { deps, endpoint, mailer: deps.mailer as RecordingMailer, fake };
}

const linksIn = (text: string) =>
  [...text.matchAll(/Snooze 7 days: https:\/\/alerts\.example(\/a\/[A-Za-z0-9_.-]+)/g)].map((m) => m[1]!);

const request = (endpoint: AlertActionDeps, method: string, path: string) =>
  handleAlertActionRequest(endpoint, { method, path, headers: {}, body: '' });

describe('the snooze link with Salesforce tasks', () => {
  it('GET shows the page; POST snoozes and moves the Task once; replays and tampered links change nothing', async () => {
    const { deps, endpoint, mailer, fake } = await setup();
    await evaluateAlerts(deps, overdueRunOptions(TODAY));
    const tasks = fake.records.Task!;
    const taskOf = (alertId: string) => tasks.find((t) => String(t.Description).includes(`Pulse alert ${alertId}`))!;
    expect(taskOf(ALERT)).toMatchObject({
      WhatId: '001A',
      OwnerId: '005A',
      Priority: 'High',
      ActivityDate: '2026-11-25',
    });
    const critical = mailer.sent.find((m) => m.subject.includes('CRITICAL') && m.to[0] === 'ann@northwind.example')!;
    const [link] = linksIn(critical.text);
    const patches = () => fake.requests.filter((r) => r.method === 'PATCH');

    const page = await request(endpoint, 'GET', link!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Snooze this alert?');
    expect((await deps.alerts.getAlert(ALERT))?.snooze).toBeUndefined();

    // Tampered: one character of the signature; the payload re-encoded for the other alert.
    const [payload, signature] = link!.slice('/a/'.length).split('.') as [string, string];
    const flipped = `/a/${payload}.${signature.slice(0, -3)}${signature.at(-3) === 'A' ? 'B' : 'A'}${signature.slice(-2)}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const otherAlert = [...tasks.map((t) => /Pulse alert (\S+)$/.exec(String(t.Description))?.[1])].find(
      (id) => id && id !== ALERT,
    )!;
    const forged = `/a/${Buffer.from(JSON.stringify({ ...claims, a: otherAlert })).toString('base64url')}.${signature}`;
    for (const bad of [flipped, forged]) {
      for (const method of ['GET', 'POST']) expect((await request(endpoint, method, bad)).statusCode).toBe(403);
    }
    expect(patches()).toEqual([]);
    expect((await deps.alerts.getAlert(otherAlert))?.snooze).toBeUndefined();

    const applied = await request(endpoint, 'POST', link!);
    expect(applied.statusCode).toBe(200);
    expect((await deps.alerts.getAlert(ALERT))?.snooze).toMatchObject({
      by: 'ann@northwind.example',
      until: '2026-11-30',
    });
    expect(patches().map((r) => r.path)).toEqual([`/services/data/v62.0/sobjects/Task/${taskOf(ALERT).Id}`]);
    expect(taskOf(ALERT).ActivityDate).toBe('2026-11-30');
    expect(taskOf(ALERT).Description).toMatch(
      /\n\nPulse: ann@northwind\.example snoozed the alert until 2026-11-30: snoozed from the alert e-mail$/,
    );

    expect((await request(endpoint, 'POST', link!)).statusCode).toBe(403);
    // The next alert run finds the move already made.
    await evaluateAlerts(deps, { ...overdueRunOptions(TODAY), now: `${TODAY}T16:00:00.000Z` });
    expect(patches()).toHaveLength(1);
  });
});
