// Alert tasks in HubSpot against the loopback fake: a task per alert associated with the company the
// identity rules name, assigned to the owner by e-mail, due at 09:00 local; rescheduled and completed
// with the note appended; and every failure as a DeliveryError that says whether nothing was created.
import { afterEach, describe, expect, it } from 'vitest';
import { HubSpotTaskTracker, TASK_TO_COMPANY } from '../../functions/adapters/crm/hubspot-tasks';
import { parseConfig } from '../../functions/config';
import type { HubSpotSourceDefinition } from '../../functions/domain/sources/registry';
import { DeliveryError } from '../../functions/ports/send-ledger';
import type { TaskCommand } from '../../functions/ports/task-tracker';
import { configDoc } from '../support/config-doc';
import { hubspotFixture } from '../support/fake-hubspot/fixture';
import { startFakeHubSpot, type FakeHubSpot, type FakeHubSpotOptions } from '../../lib/local/fake-hubspot';

const TZ = 'America/New_York';
let fake: FakeHubSpot | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function tracker(url: string, opts: { token?: string; domains?: Record<string, string[]> } = {}) {
  const config = parseConfig(
    configDoc({
      sources: [
        {
          name: 'hubspot',
          connector: 'hubspot',
          hubspot: { apiBase: url, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
        },
      ],
    }),
  );
  let t = Date.parse('2026-12-01T12:00:00Z');
  return new HubSpotTaskTracker({
    definition: config.sources[0] as HubSpotSourceDefinition,
    timeZone: TZ,
    token: async () => ({ token: opts.token ?? 'pat-na1-pulse', from: 'the environment variable HUBSPOT_TOKEN' }),
    domainsOf: async (id) => opts.domains?.[id] ?? [],
    now: () => t,
    sleep: async (ms) => void (t += ms),
  });
}

const openCommand = (extra: Partial<Extract<TaskCommand, { action: 'open' }>> = {}): TaskCommand => ({
  action: 'open',
  alertId: 'alert-acme-red-renewal',
  accountId: 'acme',
  accountName: 'Acme Corp',
  ownerEmail: 'ana@northwind.example',
  subject: 'Renewal at risk: Acme Corp',
  body: 'Health red (score 31 < 40) and renewal in 45 days.\nPlay: executive sponsor call.',
  dueDate: '2026-12-10',
  priority: 'high',
  ...extra,
});

async function serve(opts: FakeHubSpotOptions = {}) {
  const portal = hubspotFixture();
  fake = await startFakeHubSpot(portal, opts);
  return { portal, fake };
}

describe('HubSpot tasks', () => {
  it('open: one task on the company the identity field names, for the owner, due 09:00 local', async () => {
    const { portal, fake } = await serve();
    const { messageId } = await tracker(fake.url).send(openCommand());
    const task = portal.objects.tasks.get(messageId)!;
    expect(task.properties).toMatchObject({
      hs_task_subject: 'Renewal at risk: Acme Corp',
      hs_task_body:
        'Health red (score 31 &lt; 40) and renewal in 45 days.<br>Play: executive sponsor call.' +
        '<br><br>Pulse alert alert-acme-red-renewal',
      hs_timestamp: '2026-12-10T14:00:00Z',
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_task_type: 'TODO',
      hubspot_owner_id: '101',
    });
    expect(portal.taskCompanies.get(messageId)).toEqual(['1']);
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/crm/v3/objects/tasks')!;
    expect((create.body as { associations: unknown }).associations).toEqual([
      { to: { id: '1' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_COMPANY }] },
    ]);
  });

  it('an unmatched account (hubspot:<id>) is that company; a billing account is found by its domain', async () => {
    const { portal, fake } = await serve();
    const t = tracker(fake.url, { domains: { cus_globex: ['billing@globex.example'] } });
    const a = await t.send(openCommand({ accountId: 'hubspot:2', priority: 'normal' }));
    const b = await t.send(openCommand({ accountId: 'cus_globex', alertId: 'alert-2' }));
    expect(portal.taskCompanies.get(a.messageId)).toEqual(['2']);
    expect(portal.objects.tasks.get(a.messageId)!.properties.hs_task_priority).toBe('MEDIUM');
    expect(portal.taskCompanies.get(b.messageId)).toEqual(['2']);
  });

  it('a company not found and an owner HubSpot does not know: the task is still created, and says so', async () => {
    const { portal, fake } = await serve();
    const { messageId } = await tracker(fake.url).send(
      openCommand({ accountId: 'nobody', accountName: 'Nobody Inc', ownerEmail: 'gone@northwind.example' }),
    );
    const task = portal.objects.tasks.get(messageId)!;
    expect(portal.taskCompanies.get(messageId)).toEqual([]);
    expect(task.properties.hubspot_owner_id).toBeUndefined();
    expect(task.properties.hs_task_body).toContain(
      'Pulse account nobody (Nobody Inc) was not found in HubSpot; the task is not associated with a company.',
    );
    expect(task.properties.hs_task_body).toContain('Owner gone@northwind.example is not a HubSpot user.');
  });

  it('reschedule moves the due date and appends the note; complete sets COMPLETED and appends its note', async () => {
    const { portal, fake } = await serve();
    const t = tracker(fake.url);
    const { messageId } = await t.send(openCommand());
    expect(
      await t.send({
        action: 'reschedule',
        taskId: messageId,
        dueDate: '2026-12-20',
        note: 'Snoozed by ana@northwind.example until 2026-12-20.',
      }),
    ).toEqual({ messageId });
    let task = portal.objects.tasks.get(messageId)!;
    expect(task.properties.hs_timestamp).toBe('2026-12-20T14:00:00Z');
    expect(task.properties.hs_task_body).toMatch(
      /Pulse alert alert-acme-red-renewal<br><br>Snoozed by ana@northwind\.example until 2026-12-20\.$/,
    );
    await t.send({ action: 'complete', taskId: messageId, note: 'Resolved: the renewal was signed.' });
    task = portal.objects.tasks.get(messageId)!;
    expect(task.properties.hs_task_status).toBe('COMPLETED');
    expect(task.properties.hs_task_body).toMatch(/until 2026-12-20\.<br><br>Resolved: the renewal was signed\.$/);
  });

  it('a 429 on the create is waited out and the task is created once', async () => {
    const { portal, fake } = await serve({
      faults: [{ match: /^POST \/crm\/v3\/objects\/tasks$/, status: 429, times: 2 }],
    });
    await tracker(fake.url).send(openCommand());
    expect(fake.requests.filter((r) => r.path === '/crm/v3/objects/tasks').map((r) => r.status)).toEqual([
      429, 429, 201,
    ]);
    expect(portal.objects.tasks.size).toBe(1);
  });

  it('a 5xx on the create is not retried (the task may exist): an unknown outcome', async () => {
    const { fake } = await serve({ faults: [{ match: /^POST \/crm\/v3\/objects\/tasks$/, status: 502, times: 1 }] });
    const err = await tracker(fake.url)
      .send(openCommand())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).notSent).toBe(false);
    expect(fake.requests.filter((r) => r.path === '/crm/v3/objects/tasks').length).toBe(1);
  });

  it('a refused token, a missing scope, a deleted task and an unreachable HubSpot: surely not sent', async () => {
    const { fake } = await serve({ missingScopes: ['crm.objects.contacts.write'] });
    const refused = (await tracker(fake.url, { token: 'pat-na1-revoked' })
      .send(openCommand())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(refused.notSent).toBe(true);
    expect(refused.message).toMatch(
      /refused the token from the environment variable HUBSPOT_TOKEN \(401 INVALID_AUTHENTICATION/,
    );
    const scope = (await tracker(fake.url)
      .send(openCommand())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(scope.notSent).toBe(true);
    expect(scope.message).toMatch(/403 MISSING_SCOPES.*needs the scope crm\.objects\.contacts\.write/);
    const gone = (await tracker(fake.url)
      .send({ action: 'complete', taskId: '999999', note: 'x' })
      .catch((e: unknown) => e)) as DeliveryError;
    expect(gone.notSent).toBe(true);
    const url = fake.url;
    await fake.close();
    const down = (await tracker(url)
      .send(openCommand())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(down).toBeInstanceOf(DeliveryError);
    expect(down.notSent).toBe(true);
  });
});
