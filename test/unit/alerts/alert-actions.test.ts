// The alert actions use case (functions/app/alert-actions.ts): list order and filters, a snooze
// stored with the alert's version and re-applied after a concurrent change, and its errors.
import { describe, expect, it } from 'vitest';
import { InMemoryAlertStateStore } from '../../../functions/adapters/memory/alerts';
import { AlertBusyError, AlertNotFoundError, listAlerts, snoozeAlertById } from '../../../functions/app/alert-actions';
import { AlertActionError, step, type AlertState } from '../../../functions/domain/alerts';
import { obs } from './helpers';

const TODAY = '2026-11-02';

function openAlert(
  accountId: string,
  over: { severity?: 'warning' | 'critical'; arr?: number; owner?: string } = {},
): AlertState {
  const o = obs('breach', over.severity ?? 'warning', {
    accountName: accountId,
    arr: over.arr ?? 1_000_00,
    ...(over.owner ? { ownerEmail: over.owner } : {}),
  });
  const r = step(undefined, { rule: 'red-health-renewal', accountId, renewalId: 'R-1' }, o, {
    on: TODAY,
    at: `${TODAY}T07:30:00.000Z`,
    by: 'test',
    minBreachDays: 0,
    cooldownDays: 7,
  });
  return r.state!;
}

async function storeWith(...alerts: AlertState[]): Promise<InMemoryAlertStateStore> {
  const store = new InMemoryAlertStateStore();
  for (const a of alerts) await store.putAlert(a);
  return store;
}

const limits = { defaultDays: 7, maxDays: 90 };
const request = { kind: 'snooze' as const, reason: 'exec call booked', by: 'cco@northwind.example', today: TODAY };

describe('alert actions', () => {
  it('lists open alerts, critical first, then by ARR; filters by owner (any case)', async () => {
    const store = await storeWith(
      openAlert('A-small', { arr: 100_00, owner: 'Jo@Example.com' }),
      openAlert('A-big', { arr: 900_00 }),
      openAlert('A-critical', { severity: 'critical', arr: 50_00, owner: 'jo@example.com' }),
    );
    expect((await listAlerts(store)).map((s) => s.explanation.accountName)).toEqual(['A-critical', 'A-big', 'A-small']);
    expect((await listAlerts(store, { owner: 'JO@example.com' })).map((s) => s.explanation.accountName)).toEqual([
      'A-critical',
      'A-small',
    ]);
  });

  it('snoozes until today + the default days, recorded in the history', async () => {
    const alert = openAlert('A-1');
    const store = await storeWith(alert);
    const done = await snoozeAlertById(store, limits, { ...request, id: alert.id });
    expect(done.until).toBe('2026-11-09');
    const stored = await store.getAlert(alert.id);
    expect(stored?.snooze).toMatchObject({ kind: 'snooze', until: '2026-11-09', reason: 'exec call booked' });
    expect(stored?.history.at(-1)?.event).toBe('snoozed');
  });

  it('re-reads the alert and applies the snooze again when a concurrent run changed it in between', async () => {
    const alert = openAlert('A-1');
    const store = await storeWith(alert);
    let raced = false;
    const racing = {
      getAlert: (id: string) => store.getAlert(id),
      putAlert: async (s: AlertState) => {
        if (!raced) {
          raced = true;
          // another run stores a new version first
          const current = (await store.getAlert(s.id))!;
          await store.putAlert({ ...current, history: [...current.history] });
        }
        return store.putAlert(s);
      },
    };
    await snoozeAlertById(racing, limits, { ...request, id: alert.id, until: '2026-11-20' });
    const stored = await store.getAlert(alert.id);
    expect(stored?.version).toBe(3);
    expect(stored?.snooze?.until).toBe('2026-11-20');
  });

  it('gives up with AlertBusyError when the alert keeps changing, and names a missing alert or a refused action', async () => {
    const alert = openAlert('A-1');
    const store = await storeWith(alert);
    const alwaysChanging = {
      getAlert: (id: string) => store.getAlert(id),
      putAlert: async (s: AlertState) => store.putAlert({ ...s, version: s.version + 100 }),
    };
    await expect(snoozeAlertById(alwaysChanging, limits, { ...request, id: alert.id })).rejects.toBeInstanceOf(
      AlertBusyError,
    );
    await expect(snoozeAlertById(store, limits, { ...request, id: 'nope' })).rejects.toBeInstanceOf(AlertNotFoundError);
    await expect(snoozeAlertById(store, limits, { ...request, id: alert.id, days: 91 })).rejects.toBeInstanceOf(
      AlertActionError,
    );
  });
});
