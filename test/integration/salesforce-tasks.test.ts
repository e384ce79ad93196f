// CRM tasks in Salesforce (issue 16) against the loopback fake: a Task on the Account the identity
// rules find, for the owner's User, rescheduled and completed; and what each failure tells the
// send ledger (notSent only when Salesforce surely created nothing).
import { afterEach, describe, expect, it } from 'vitest';
import { salesforceTaskTracker } from '../../functions/adapters/crm/salesforce-tasks';
import { EnvSecrets } from '../../functions/adapters/sources/http/credentials';
import { parseConfig } from '../../functions/config';
import type { SalesforceSourceDefinition } from '../../functions/domain/sources/registry';
import { DeliveryError } from '../../functions/ports/send-ledger';
import type { TaskCommand } from '../../functions/ports/task-tracker';
import { configDoc } from '../support/config-doc';
import { salesforceOrg, TZ } from '../support/fake-salesforce/fixture';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions } from '../../lib/local/fake-salesforce';

const fakes: FakeSalesforce[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function tracker(opts: FakeSalesforceOptions = {}) {
  const fake = await startFakeSalesforce({ records: salesforceOrg(), ...opts });
  fakes.push(fake);
  const config = parseConfig(
    configDoc({
      company: { name: 'T', timezone: TZ },
      sources: [
        {
          name: 'salesforce',
          connector: 'salesforce',
          salesforce: { instanceUrl: fake.url, baseDelayMs: 1, maxDelayMs: 5 },
        },
      ],
    }),
  );
  const def = config.sources[0] as SalesforceSourceDefinition;
  const domains: Record<string, string[]> = { globex: ['ap@globex.example'] };
  const t = salesforceTaskTracker(def, {
    env: { SALESFORCE_TOKEN: '00Dfake!token' },
    secrets: new EnvSecrets({}),
    hooks: { sleep: async () => {} },
    domainsOf: async (id) => domains[id] ?? [],
  });
  return { fake, t };
}

const open = (extra: Partial<Extract<TaskCommand, { action: 'open' }>> = {}): TaskCommand => ({
  action: 'open',
  alertId: 'alert-acme-2026-12-07',
  accountId: 'acme',
  accountName: 'Acme',
  ownerEmail: 'bob@northwind.example',
  subject: 'Renewal risk: Acme ($120,000 ARR, renews 2027-01-31)',
  body: 'Health 38 (threshold 50): usage down 42% in 4 weeks, 2 P1 tickets.\nPlay: executive call within 7 days.',
  dueDate: '2026-12-14',
  priority: 'high',
  ...extra,
});

const tasks = (f: FakeSalesforce) => f.records.Task ?? [];

describe('SalesforceTaskTracker', () => {
  it('opens a Task on the Account the Pulse id field names, for the owner, due on the play date', async () => {
    const { fake, t } = await tracker();
    const { messageId } = await t.send(open());
    expect(tasks(fake)).toHaveLength(1);
    expect(tasks(fake)[0]).toMatchObject({
      Id: messageId,
      Subject: 'Renewal risk: Acme ($120,000 ARR, renews 2027-01-31)',
      ActivityDate: '2026-12-14',
      Status: 'Not Started',
      Priority: 'High',
      WhatId: '001A',
      OwnerId: '005B',
    });
    expect(tasks(fake)[0]!.Description).toBe(
      'Health 38 (threshold 50): usage down 42% in 4 weeks, 2 P1 tickets.\nPlay: executive call within 7 days.\n\nPulse alert alert-acme-2026-12-07',
    );
    const soql = fake.requests.map((r) => r.soql).filter(Boolean);
    expect(soql).toEqual([
      "SELECT Id FROM Account WHERE Pulse_Account_Id__c = 'acme' LIMIT 1",
      "SELECT Id FROM User WHERE Email = 'bob@northwind.example' AND IsActive = true LIMIT 1",
    ]);
    expect(t.system).toBe('salesforce');
  });

  it('finds the Account by website against billing domains, or by its own id when unmatched; an unknown one is said in the task', async () => {
    const { fake, t } = await tracker();
    await t.send(open({ accountId: 'globex', alertId: 'a1', priority: 'normal' }));
    await t.send(open({ accountId: 'salesforce:001C', alertId: 'a2' }));
    await t.send(
      open({ accountId: 'nobody', accountName: 'Nobody Inc', alertId: 'a3', ownerEmail: 'ghost@northwind.example' }),
    );
    const [globex, initech, nobody] = tasks(fake);
    expect(globex).toMatchObject({ WhatId: '001B', Priority: 'Normal' });
    expect(initech).toMatchObject({ WhatId: '001C' });
    expect(nobody!.WhatId).toBeUndefined();
    expect(nobody!.OwnerId).toBeUndefined();
    expect(nobody!.Description).toContain(
      'Pulse account nobody (Nobody Inc) was not found in Salesforce; the task is not linked to an Account.',
    );
    expect(nobody!.Description).toContain('Owner ghost@northwind.example is not an active Salesforce user.');
  });

  it('reschedules (due date, note appended) and completes the task', async () => {
    const { fake, t } = await tracker();
    const { messageId } = await t.send(open());
    expect(
      await t.send({
        action: 'reschedule',
        taskId: messageId,
        dueDate: '2026-12-21',
        note: 'Snoozed by dana@northwind.example until 2026-12-21.',
      }),
    ).toEqual({ messageId });
    expect(tasks(fake)[0]).toMatchObject({ ActivityDate: '2026-12-21', Status: 'Not Started' });
    expect(tasks(fake)[0]!.Description).toMatch(
      /Pulse alert alert-acme-2026-12-07\n\nSnoozed by dana@northwind\.example until 2026-12-21\.$/,
    );
    await t.send({ action: 'complete', taskId: messageId, note: 'Resolved: health back to 64.' });
    expect(tasks(fake)[0]).toMatchObject({ Status: 'Completed', ActivityDate: '2026-12-21' });
    expect(tasks(fake)[0]!.Description).toMatch(/until 2026-12-21\.\n\nResolved: health back to 64\.$/);
  });

  it('a 5xx on create is an unknown outcome (notSent false) and is not retried; a refusal is notSent', async () => {
    const { fake, t } = await tracker({ faults: [{ method: 'POST', path: '/sobjects/Task', status: 503, times: 1 }] });
    const err = await t.send(open()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).notSent).toBe(false);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    const refused = await tracker({
      faults: [
        {
          method: 'POST',
          path: '/sobjects/Task',
          status: 400,
          times: 1,
          body: [{ message: 'Assigned To ID: owner cannot be inactive', errorCode: 'INACTIVE_OWNER_OR_USER' }],
        },
      ],
    });
    const e2 = (await refused.t.send(open()).catch((e: unknown) => e)) as DeliveryError;
    expect(e2.notSent).toBe(true);
    expect(e2.message).toMatch(/400 INACTIVE_OWNER_OR_USER: Assigned To ID: owner cannot be inactive/);
    expect(tasks(refused.fake)).toEqual([]);
  });

  it("a spent quota before the create, or an unknown task id, is notSent with Salesforce's words", async () => {
    const { t } = await tracker({ apiLimit: { max: 10, used: 10 } });
    const e = (await t.send(open()).catch((x: unknown) => x)) as DeliveryError;
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.notSent).toBe(true);
    expect(e.message).toMatch(/API request limit is used up \(403 REQUEST_LIMIT_EXCEEDED/);

    const other = await tracker();
    const e2 = (await other.t
      .send({ action: 'complete', taskId: '00T000000000000999', note: '' })
      .catch((x: unknown) => x)) as DeliveryError;
    expect(e2.notSent).toBe(true);
    expect(e2.message).toMatch(/404 NOT_FOUND/);
  });
});
